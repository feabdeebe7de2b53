// Suggestions as a user types (README "Suggestions"): completions from the
// queries users searched and clicked in, from the words of the product
// titles, and, for kana, from the kanji words of the titles read that way.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "engine/database_impl.h"
#include "index/readings.h"
#include "index/typo.h"

namespace saiki {

const char* SuggestionSourceName(SuggestionSource source) {
  switch (source) {
    case SuggestionSource::kQuery: return "query";
    case SuggestionSource::kWord: return "word";
    case SuggestionSource::kReading: return "reading";
  }
  return "word";
}

namespace engine {
namespace {

constexpr size_t kMaxPrefixBytes = 256;
// Logged searches read per suggestion (the prefix's first ones in query
// order), word and reading candidates looked at, titles read per reading.
constexpr int64_t kMaxQueryRows = 5000;
constexpr int64_t kMaxWordCandidates = 24;
constexpr int64_t kMaxReadings = 3;
constexpr size_t kTitlesPerReading = 24;
// A query suggests itself to everyone once this many users searched it and
// someone clicked in its results (a query one person typed stays theirs).
constexpr size_t kMinQueryUsers = 2;
// Scores: a word or a reading counts the titles it is in; a query counts
// its decayed searches (each with its clicks) this many times, the user's
// own this many more.
constexpr double kQueryWeight = 5;
constexpr double kOwnQueryWeight = 20;
// A reading's word is also suggested with the kanji word right after it
// when that is this short (用, 服, 小屋: a suffix or a head noun).
constexpr size_t kMaxSuffixChars = 2;

std::string CollapseSpaces(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool AllHan(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    const auto b = static_cast<unsigned char>(s[i]);
    len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
    if (i + len > s.size() || !index::HasHan(s.substr(i, len))) return false;
    i += len;
  }
  return true;
}

// Byte offsets of the code point starts of `s`, and its size.
std::vector<size_t> Boundaries(std::string_view s) {
  std::vector<size_t> b;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) b.push_back(i);
  }
  b.push_back(s.size());
  return b;
}

std::string Nfkc(std::string_view s) {
  UErrorCode st = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(st);
  if (U_FAILURE(st) || nfkc == nullptr) return std::string(s);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  icu::UnicodeString out = nfkc->normalize(u, st);
  if (U_FAILURE(st)) return std::string(s);
  std::string r;
  out.toUTF8String(r);
  return r;
}

bool AllHiragana(std::string_view s) {
  std::u32string u = index::DecodeUtf8(s);
  return !u.empty() && std::all_of(u.begin(), u.end(), [](char32_t c) {
    return (c >= 0x3041 && c <= 0x309F) || c == 0x30FC;
  });
}

struct Candidate {
  std::string text;  // as shown
  double score = 0;
  SuggestionSource source = SuggestionSource::kWord;
};

}  // namespace

Result<SuggestResponse> DatabaseImpl::Suggest(const SuggestRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  if (request.k < 1 || request.k > 100) {
    return Status::InvalidArgument("k must be 1..100, got " + std::to_string(request.k));
  }
  if (request.prefix.size() > kMaxPrefixBytes) {
    return Status::InvalidArgument("a suggestion prefix is at most " +
                                   std::to_string(kMaxPrefixBytes) + " bytes");
  }
  if (request.user.size() > kMaxIdBytes) {
    return Status::InvalidArgument("user name is longer than " + std::to_string(kMaxIdBytes) +
                                   " bytes");
  }
  SuggestResponse response;
  const std::string normalized = analyzer_->Normalize(request.prefix);
  if (normalized.find("\xEF\xBF\xBD") != std::string::npos) {
    return Status::InvalidArgument("the suggestion prefix is not valid UTF-8");
  }
  const std::string typed = CollapseSpaces(normalized);
  if (typed.empty()) return response;
  const bool ends_word = !normalized.empty() && (normalized.back() == ' ' ||
                                                 normalized.back() == '\t');
  // The words before the last are kept as typed; the last is completed.
  std::string context, last;
  if (size_t sp = typed.rfind(' '); sp != std::string::npos) {
    context = typed.substr(0, sp + 1);
    last = typed.substr(sp + 1);
  } else {
    last = typed;
  }
  if (ends_word) {
    context = typed + " ";
    last.clear();
  }

  storage::ReadTransaction snapshot(conn_.get());
  SAIKI_RETURN_IF_ERROR(snapshot.Begin());
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  const std::shared_ptr<const EngineState> state = state_;
  const index::DocTable& docs = state->docs();
  cache_->Trim();

  // Candidates by their normalized text (one entry per distinct query).
  std::unordered_map<std::string, Candidate> found;
  auto offer = [&](const std::string& text, double score, SuggestionSource source) {
    if (score <= 0) return;
    std::string key = CollapseSpaces(analyzer_->Normalize(text));
    auto [it, fresh] = found.try_emplace(key, Candidate{text, score, source});
    if (!fresh && score > it->second.score) it->second = Candidate{text, score, source};
  };

  // 1. Queries users searched, decayed by age, with their clicks.
  {
    SAIKI_ASSIGN_OR_RETURN(auto rows, logs_->QueriesWithPrefix(typed, kMaxQueryRows));
    const double now = Now();
    const double half_life = state->settings().learn.half_life_days * 86400.0;
    struct Stat {
      double all = 0, own = 0;
      int64_t clicks = 0;
      std::set<std::string> users;
    };
    std::unordered_map<std::string, Stat> stats;
    for (const auto& r : rows) {
      const double w = std::pow(0.5, std::max(0.0, now - r.at) / half_life) *
                       (1.0 + static_cast<double>(r.clicks));
      Stat& s = stats[r.query_norm];
      s.all += w;
      s.clicks += r.clicks;
      if (s.users.size() < kMinQueryUsers) s.users.insert(r.user);
      if (!request.user.empty() && r.user == request.user) s.own += w;
    }
    for (const auto& [q, s] : stats) {
      const bool shared = s.users.size() >= kMinQueryUsers && s.clicks > 0;
      double score = (shared ? kQueryWeight * s.all : 0) + kOwnQueryWeight * s.own;
      offer(q, score, SuggestionSource::kQuery);
    }
  }

  // The documents of `term` whose title holds it, live, at most `limit`
  // (0: all), and how many there are.
  auto title_docs = [&](const std::string& term, size_t limit,
                        std::vector<uint32_t>* out) -> Result<uint64_t> {
    SAIKI_ASSIGN_OR_RETURN(const index::TermPostings* tp, cache_->Lookup(term));
    if (tp == nullptr) return uint64_t{0};
    std::vector<const index::PostingList*> lists;
    for (const auto& l : tp->lists) lists.push_back(&l);
    index::TermCursor cursor(std::move(lists));
    uint64_t n = 0;
    for (; cursor.doc() != index::kEndDoc; cursor.Next()) {
      if ((cursor.field_mask() & 1u) == 0 || !docs.live(cursor.doc())) continue;
      ++n;
      if (out && (limit == 0 || out->size() < limit)) out->push_back(cursor.doc());
    }
    SAIKI_RETURN_IF_ERROR(cursor.status());
    return n;
  };
  auto title_of = [&](uint32_t docid) -> Result<std::string> {
    SAIKI_ASSIGN_OR_RETURN(std::optional<storage::HitRow> row, catalog_store_->GetHitRow(docid));
    return row ? row->title : std::string();
  };

  // 2. Words of the titles starting with the last word: ICU's dictionary
  // words (katakana, kanji) and Latin words, by the titles they are in.
  if (!last.empty()) {
    struct Word {
      std::string word;
      uint64_t titles;
      uint32_t docid;
    };
    std::vector<Word> words;
    for (bool latin : {false, true}) {
      if (latin && !std::all_of(last.begin(), last.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
          })) {
        continue;
      }
      std::string prefix = latin ? last : std::string(1, index::kWordPrefix) + last;
      SAIKI_ASSIGN_OR_RETURN(auto terms, index_store_->TermsWithPrefix(prefix, kMaxWordCandidates));
      for (auto& [term, df] : terms) {
        // One letter is no completion (ICU's pieces of folded hiragana).
        if (index::DecodeUtf8(latin ? term : std::string_view(term).substr(1)).size() < 2) {
          continue;
        }
        std::vector<uint32_t> first;
        SAIKI_ASSIGN_OR_RETURN(uint64_t n, title_docs(term, 1, &first));
        if (n == 0) continue;
        words.push_back({latin ? term : term.substr(1), n, first.front()});
      }
    }
    std::sort(words.begin(), words.end(), [](const Word& a, const Word& b) {
      return a.titles != b.titles ? a.titles > b.titles : a.word < b.word;
    });
    if (words.size() > static_cast<size_t>(request.k)) words.resize(request.k);
    for (const Word& w : words) {
      // Shown as a title writes it (シャンプー, not the normalized シャンプ;
      // Shampoo's case): the longest piece of a title that normalizes to it.
      SAIKI_ASSIGN_OR_RETURN(std::string title, title_of(w.docid));
      std::string shown = w.word;
      const std::vector<size_t> b = Boundaries(title);
      const size_t max_len = index::DecodeUtf8(w.word).size() + 3;
      for (size_t i = 0; i + 1 < b.size() && shown == w.word; ++i) {
        // Only where the title's letter begins the word (one call per letter).
        const std::string head = analyzer_->Normalize(
            std::string_view(title.data() + b[i], b[i + 1] - b[i]));
        if (head.empty() || w.word.compare(0, head.size(), head) != 0) continue;
        for (size_t len = std::min(max_len, b.size() - 1 - i); len >= 1; --len) {
          std::string_view piece(title.data() + b[i], b[i + len] - b[i]);
          if (analyzer_->Normalize(piece) == w.word) {
            shown = std::string(piece);
            break;
          }
        }
      }
      shown = Nfkc(shown);  // ｲﾇ as イヌ
      // Hiragana in a title is folded before ICU segments it, so a "word"
      // written in hiragana is mostly a piece of a phrase (選べる -> ベル).
      if (AllHiragana(shown)) continue;
      offer(context + shown, static_cast<double>(w.titles), SuggestionSource::kWord);
    }
  }

  // 3. Kana (or romaji) typed: kanji words of the titles read that way,
  // with the kanji words that follow them (いぬ -> 犬, 犬用, 犬服).
  if (!last.empty()) {
    const std::string reading_token = analyzer_->QueryReading(last);
    if (!reading_token.empty()) {
      const std::string reading = reading_token.substr(1);
      SAIKI_ASSIGN_OR_RETURN(auto readings,
                             index_store_->TermsWithPrefix(reading_token, kMaxReadings));
      std::vector<uint32_t> sample;
      uint64_t total = 0;
      for (const auto& [term, df] : readings) {
        std::vector<uint32_t> some;
        SAIKI_ASSIGN_OR_RETURN(uint64_t n, title_docs(term, kTitlesPerReading, &some));
        total += n;
        for (uint32_t d : some) {
          if (std::find(sample.begin(), sample.end(), d) == sample.end()) sample.push_back(d);
        }
      }
      std::unordered_map<std::string, uint32_t> counts;  // compound -> titles in the sample
      for (uint32_t docid : sample) {
        SAIKI_ASSIGN_OR_RETURN(std::string title, title_of(docid));
        struct MecabWord {
          std::string surface, reading;
          bool joined;  // no space before it
        };
        std::vector<MecabWord> words;
        analyzer_->ForEachReadingWord(title, [&](std::string_view surface, std::string_view r) {
          const size_t lead = surface.find_first_not_of(" \t\r\n");  // NFKC: U+3000 is a space
          const bool joined = lead == 0 || lead == std::string_view::npos;
          if (lead != std::string_view::npos) surface.remove_prefix(lead);
          words.push_back({std::string(surface), std::string(r), joined});
        });
        std::unordered_set<std::string> in_title;
        for (size_t i = 0; i < words.size(); ++i) {
          if (!index::HasHan(words[i].surface) || words[i].reading.empty()) continue;
          // IPADIC's readings are katakana already; only a long vowel can
          // differ from the normalized form.
          const std::string& raw = words[i].reading;
          const std::string r = raw.find("ー") == std::string::npos ? raw
                                                                   : analyzer_->Normalize(raw);
          if (r.compare(0, reading.size(), reading) != 0) continue;
          // A one-kanji word completes only when read exactly so: 乾 (イヌイ)
          // is no completion of いぬ (it is mostly 速乾 cut apart), 犬 is.
          if (index::DecodeUtf8(words[i].surface).size() == 1 && r != reading) continue;
          // The word, and with the kanji word of one or two characters
          // right after it (犬 + 用, 犬 + 服, 犬 + 小屋).
          in_title.insert(words[i].surface);
          if (i + 1 < words.size() && words[i + 1].joined && AllHan(words[i + 1].surface) &&
              index::DecodeUtf8(words[i + 1].surface).size() <= kMaxSuffixChars) {
            in_title.insert(words[i].surface + words[i + 1].surface);
          }
        }
        for (const std::string& c : in_title) ++counts[c];
      }
      // Scaled from the sample to the titles the readings are in.
      const double scale =
          sample.empty() ? 0 : std::max(1.0, static_cast<double>(total) / sample.size());
      for (const auto& [compound, n] : counts) {
        offer(context + compound, n * scale, SuggestionSource::kReading);
      }
    }
  }
  SAIKI_RETURN_IF_ERROR(snapshot.End());

  std::vector<Candidate> all;
  for (auto& [key, c] : found) all.push_back(std::move(c));
  std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score > b.score : a.text < b.text;
  });
  if (all.size() > static_cast<size_t>(request.k)) all.resize(request.k);
  for (Candidate& c : all) response.suggestions.push_back({std::move(c.text), c.score, c.source});
  response.took_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return response;
}

}  // namespace engine
}  // namespace saiki
