// The typo walk over the sorted term dictionary (typo.h).
#include "index/typo.h"

#include <algorithm>

#include "index/analyzer.h"
#include "index/utf8.h"

namespace saiki::index {
namespace {

constexpr char32_t kKatakanaFirst = 0x30A1;  // ァ
constexpr char32_t kKatakanaLast = 0x30FC;   // ー

bool IsTypoKatakana(char32_t c) { return c >= kKatakanaFirst && c <= kKatakanaLast && c != 0x30FB; }
bool IsLatin(char32_t c) {
  return c == '-' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}


// Decodes one code point at s[i]; sets *len (>= 1). U+FFFD for bad bytes.
char32_t DecodeAt(std::string_view s, size_t i, size_t* len) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    *len = 1;
    return 0xFFFD;
  }
  char32_t c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (size_t k = 1; k < n; ++k) {
    const auto cb = static_cast<unsigned char>(s[i + k]);
    if ((cb & 0xC0) != 0x80) {
      *len = 1;
      return 0xFFFD;
    }
    c = (c << 6) | (cb & 0x3F);
  }
  *len = n;
  return c;
}

class Walker {
 public:
  Walker(std::u32string query, int budget, TypoScript script, SortedTerms* terms,
         size_t max_seeks, size_t max_matches, std::vector<TypoMatch>* out, TypoWalkStats* stats)
      : q_(std::move(query)),
        budget_(budget),
        script_(script),
        terms_(terms),
        max_seeks_(max_seeks),
        max_matches_(max_matches),
        out_(out),
        stats_(stats) {
    if (script_ == TypoScript::kKatakana) prefix_.push_back(kWordPrefix);
  }

  // The first letter is taken as typed (see typo.h): the walk starts under
  // it, with the rows of the empty prefix and of that letter.
  Status Run() {
    std::vector<int> row(q_.size() + 1);
    for (size_t j = 0; j < row.size(); ++j) row[j] = static_cast<int>(j);
    rows_.push_back(std::move(row));
    chars_.clear();
    const char32_t first = q_[0];
    rows_.push_back(Step(first));
    chars_.push_back(first);
    std::string node;
    AppendUtf8(first, &node);
    return Visit(node);
  }

 private:
  bool Allowed(char32_t c) const {
    return script_ == TypoScript::kKatakana ? IsTypoKatakana(c) : IsLatin(c);
  }
  char32_t First() const { return script_ == TypoScript::kKatakana ? kKatakanaFirst : '-'; }
  char32_t Last() const { return script_ == TypoScript::kKatakana ? kKatakanaLast : 'z'; }
  // The smallest allowed code point above c, or 0 when none.
  char32_t NextAllowed(char32_t c) const {
    for (char32_t n = c + 1; n <= Last(); ++n) {
      if (Allowed(n)) return n;
    }
    return 0;
  }

  // The row of prefix + c from the rows of the prefix (and of its parent,
  // for a transposition).
  std::vector<int> Step(char32_t c) const {
    const std::vector<int>& prev = rows_.back();
    const size_t depth = rows_.size();  // the new prefix's length
    std::vector<int> row(q_.size() + 1);
    row[0] = static_cast<int>(depth);
    for (size_t j = 1; j <= q_.size(); ++j) {
      int cost = c == q_[j - 1] ? 0 : 1;
      int v = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost});
      if (depth >= 2 && j >= 2 && c == q_[j - 2] && chars_.back() == q_[j - 1]) {
        v = std::min(v, rows_[rows_.size() - 2][j - 2] + 1);
      }
      row[j] = v;
    }
    return row;
  }

  Result<std::optional<std::string>> Seek(const std::string& key) {
    if (stats_) ++stats_->seeks;
    ++seeks_;
    return terms_->AtLeast(key);
  }

  bool Done() {
    if (seeks_ >= max_seeks_ || out_->size() >= max_matches_) {
      if (stats_) stats_->truncated = true;
      return true;
    }
    return false;
  }

  // Visits the dictionary's terms under prefix_ + node (node: the word so
  // far, whose row is rows_.back()).
  Status Visit(const std::string& node) {
    const std::string key = prefix_ + node;
    std::string seek = key;
    for (;;) {
      if (Done()) return Status::Ok();
      SAIKI_ASSIGN_OR_RETURN(std::optional<std::string> t, Seek(seek));
      if (!t || t->compare(0, key.size(), key) != 0) return Status::Ok();
      if (t->size() == key.size()) {  // the node itself is a word
        const int d = rows_.back()[q_.size()];
        if (!node.empty() && d >= 1 && d <= budget_ && TypoScriptOf(node) == script_) {
          out_->push_back({node, *t, d});
        }
        seek = key;
        seek.push_back('\0');  // the smallest string above key
        continue;
      }
      size_t len = 0;
      const char32_t c = DecodeAt(*t, key.size(), &len);
      if (c > Last()) return Status::Ok();
      if (!Allowed(c)) {
        const char32_t n = c < First() ? First() : NextAllowed(c);
        if (n == 0) return Status::Ok();
        seek = key;
        AppendUtf8(n, &seek);
        continue;
      }
      std::vector<int> row = Step(c);
      if (*std::min_element(row.begin(), row.end()) <= budget_) {
        rows_.push_back(std::move(row));
        chars_.push_back(c);
        std::string child = node;
        AppendUtf8(c, &child);
        Status s = Visit(child);
        rows_.pop_back();
        chars_.pop_back();
        SAIKI_RETURN_IF_ERROR(s);
      }
      seek = key;
      AppendUtf8(c + 1, &seek);  // past every term under prefix + c
    }
  }

  std::u32string q_;
  int budget_;
  TypoScript script_;
  SortedTerms* terms_;
  size_t max_seeks_, max_matches_;
  std::vector<TypoMatch>* out_;
  TypoWalkStats* stats_;
  std::string prefix_;
  std::vector<std::vector<int>> rows_;  // rows_[i]: the row of the prefix of length i
  std::u32string chars_;                // the current prefix's code points
  size_t seeks_ = 0;
};

}  // namespace

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    size_t len = 0;
    out.push_back(DecodeAt(s, i, &len));
    i += len;
  }
  return out;
}

TypoScript TypoScriptOf(std::string_view normalized) {
  if (normalized.empty()) return TypoScript::kNone;
  std::u32string cps = DecodeUtf8(normalized);
  if (std::all_of(cps.begin(), cps.end(), IsTypoKatakana)) {
    // A run of ー alone is no word.
    if (std::all_of(cps.begin(), cps.end(), [](char32_t c) { return c == kKatakanaLast; })) {
      return TypoScript::kNone;
    }
    return TypoScript::kKatakana;
  }
  if (std::all_of(cps.begin(), cps.end(), IsLatin) &&
      std::any_of(cps.begin(), cps.end(),
                  [](char32_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); })) {
    return TypoScript::kLatin;
  }
  return TypoScript::kNone;
}

int TypoBudget(size_t chars) { return chars < 4 ? 0 : chars <= 7 ? 1 : 2; }

int EditDistance(std::u32string_view a, std::u32string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

Result<std::vector<TypoMatch>> FindTypoMatches(std::string_view normalized, SortedTerms* terms,
                                               TypoWalkStats* stats, size_t max_seeks,
                                               size_t max_matches) {
  std::vector<TypoMatch> out;
  const TypoScript script = TypoScriptOf(normalized);
  if (script == TypoScript::kNone) return out;
  std::u32string q = DecodeUtf8(normalized);
  const int budget = TypoBudget(q.size());
  if (budget == 0) return out;
  Walker w(std::move(q), budget, script, terms, max_seeks, max_matches, &out, stats);
  SAIKI_RETURN_IF_ERROR(w.Run());
  return out;
}

}  // namespace saiki::index
