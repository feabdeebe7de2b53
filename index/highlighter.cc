// Highlighting: see highlighter.h.
#include "index/highlighter.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <unordered_set>

#include "index/html_text.h"
#include "index/utf8.h"

namespace saiki::index {
namespace {

// Marks that belong with the character before them: combining marks and
// the (half-width) voiced sound marks, which NFKC composes with it (ｶﾞ -> ガ).
bool Combines(UChar32 c) {
  if (c == 0xFF9E || c == 0xFF9F || c == 0x3099 || c == 0x309A || c == 0x309B || c == 0x309C) {
    return true;
  }
  int8_t t = u_charType(c);
  return t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK || t == U_COMBINING_SPACING_MARK;
}

bool IsKatakanaLetter(UChar32 c) { return c >= 0x30A1 && c <= 0x30FA; }
bool IsLongVowel(UChar32 c) { return c == 0x30FC; }

// The last and first code points of UTF-8 text (-1 when empty).
UChar32 LastChar(std::string_view s) {
  if (s.empty()) return -1;
  int32_t i = static_cast<int32_t>(s.size());
  UChar32 c;
  U8_PREV(reinterpret_cast<const uint8_t*>(s.data()), 0, i, c);
  return c;
}
UChar32 FirstChar(std::string_view s) {
  if (s.empty()) return -1;
  int32_t i = 0;
  UChar32 c;
  U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, static_cast<int32_t>(s.size()), c);
  return c;
}

// Dashes the analyzer's long-vowel rule turns into ー after katakana.
bool IsDash(UChar32 c) {
  return c == '-' || c == 0x2010 || c == 0x2011 || c == 0x2012 || c == 0x2013 || c == 0x2014 ||
         c == 0x2015 || c == 0x2212 || c == 0x2500 || c == 0x2501;
}
bool IsWaveDash(UChar32 c) { return c == '~' || c == 0x301C || c == 0xFF5E; }

enum class CharClass { kOther, kLetter, kDigit };
CharClass AsciiClass(UChar32 c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return CharClass::kLetter;
  if (c >= '0' && c <= '9') return CharClass::kDigit;
  return CharClass::kOther;
}

struct Segment {
  uint32_t orig_begin, orig_end;  // in the text
  uint32_t norm_begin, norm_end;  // in the normalised text
};

}  // namespace

Result<std::unique_ptr<Highlighter>> Highlighter::Create(const Analyzer* analyzer) {
  SAIKI_ASSIGN_OR_RETURN(std::unique_ptr<KanjiReadings> readings, KanjiReadings::Create());
  return std::unique_ptr<Highlighter>(new Highlighter(analyzer, std::move(readings)));
}

std::string Highlighter::Displayable(std::string_view stored) {
  std::string text;
  if (MayHoldHtml(stored)) {
    HtmlToText(stored, &text);
    stored = text;
  }
  std::string out;
  out.reserve(stored.size());
  const auto* p = reinterpret_cast<const uint8_t*>(stored.data());
  const int32_t n = static_cast<int32_t>(stored.size());
  bool space = false;
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) c = 0xFFFD;
    if (c <= 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    AppendUtf8(static_cast<uint32_t>(c), &out);
  }
  return out;
}

MarkedText Highlighter::Mark(std::string_view text, const MatchTerms& terms) const {
  MarkedText out;
  out.text = std::string(text);
  if (terms.empty() || text.empty()) return out;
  std::vector<std::pair<uint32_t, uint32_t>> marks;

  if (!terms.texts.empty()) {
    // Segments and the normalised text.
    std::vector<Segment> segs;
    std::string norm;
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    const int32_t n = static_cast<int32_t>(text.size());
    int32_t i = 0;
    while (i < n) {
      int32_t begin = i;
      UChar32 c;
      U8_NEXT(p, i, n, c);
      while (i < n) {
        int32_t j = i;
        UChar32 d;
        U8_NEXT(p, j, n, d);
        if (d < 0 || !Combines(d)) break;
        i = j;
      }
      std::string piece = analyzer_->Normalize(text.substr(begin, i - begin));
      // The long-vowel rule needs context a lone character does not have.
      UChar32 first = FirstChar(text.substr(begin, i - begin));
      if ((IsDash(first) || IsWaveDash(first)) && !segs.empty()) {
        UChar32 before = LastChar(std::string_view(norm).substr(segs.back().norm_begin));
        bool after_kana = IsKatakanaLetter(before) || IsLongVowel(before);
        // The next character that is not a dash: katakana (a wave dash
        // needs it), or a non-CJK letter or digit (a dash keeps itself
        // before one: セット-A).
        UChar32 next = -1;
        for (int32_t j = i; j < n && next < 0;) {
          UChar32 d;
          int32_t at = j;
          U8_NEXT(p, j, n, d);
          if (d < 0 || IsDash(d)) continue;
          next = FirstChar(analyzer_->Normalize(text.substr(at, j - at)));
        }
        const bool next_kana = IsKatakanaLetter(next) || IsLongVowel(next);
        const bool next_word = next >= 0 && u_isalnum(next) && !next_kana &&
                               !(next >= 0x3040 && next <= 0x30FF) &&
                               u_getIntPropertyValue(next, UCHAR_SCRIPT) != USCRIPT_HAN;
        if (after_kana && (IsWaveDash(first) ? next_kana : !next_word)) piece = "\u30FC";
      }
      segs.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(i),
                      static_cast<uint32_t>(norm.size()),
                      static_cast<uint32_t>(norm.size() + piece.size())});
      norm += piece;
    }
    auto segment_at = [&](size_t byte) {  // the segment whose normalisation holds `byte`
      auto it = std::upper_bound(segs.begin(), segs.end(), byte,
                                 [](size_t b, const Segment& s) { return b < s.norm_begin; });
      return static_cast<size_t>(it - segs.begin()) - 1;
    };
    for (const std::string& term : terms.texts) {
      if (term.empty()) continue;
      const CharClass head = AsciiClass(FirstChar(term));
      const UChar32 last = LastChar(term);
      const CharClass tail = AsciiClass(last);
      for (size_t at = norm.find(term); at != std::string::npos; at = norm.find(term, at + 1)) {
        size_t end = at + term.size();
        if (head != CharClass::kOther && at > 0 &&
            AsciiClass(LastChar(std::string_view(norm).substr(0, at))) == head) {
          continue;
        }
        if (tail != CharClass::kOther && end < norm.size() &&
            AsciiClass(FirstChar(std::string_view(norm).substr(end))) == tail) {
          continue;
        }
        size_t a = segment_at(at), b = segment_at(end - 1);
        if (IsKatakanaLetter(last)) {
          while (b + 1 < segs.size() &&
                 IsLongVowel(FirstChar(std::string_view(norm).substr(
                     segs[b + 1].norm_begin, segs[b + 1].norm_end - segs[b + 1].norm_begin)))) {
            ++b;
          }
        }
        marks.emplace_back(segs[a].orig_begin, segs[b].orig_end);
      }
    }
  }

  if (!terms.readings.empty()) {
    readings_->ForEachReadingSpan(text, [&](size_t begin, size_t end, std::string_view reading) {
      std::string r = analyzer_->Normalize(reading);
      if (std::find(terms.readings.begin(), terms.readings.end(), r) != terms.readings.end()) {
        marks.emplace_back(static_cast<uint32_t>(begin), static_cast<uint32_t>(end));
      }
    });
  }

  // Sorted; overlapping or touching marks become one.
  std::sort(marks.begin(), marks.end());
  for (const auto& m : marks) {
    if (m.first >= m.second) continue;
    if (!out.marks.empty() && m.first <= out.marks.back().second) {
      out.marks.back().second = std::max(out.marks.back().second, m.second);
    } else {
      out.marks.push_back(m);
    }
  }
  return out;
}

MarkedText Highlighter::Snippet(const MarkedText& marked, size_t max_chars) {
  const std::string& text = marked.text;
  // Byte offset of each character, and one past the end.
  std::vector<uint32_t> starts;
  {
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    const int32_t n = static_cast<int32_t>(text.size());
    for (int32_t i = 0; i < n;) {
      starts.push_back(static_cast<uint32_t>(i));
      U8_FWD_1(p, i, n);
    }
    starts.push_back(static_cast<uint32_t>(text.size()));
  }
  const size_t chars = starts.size() - 1;
  if (chars <= max_chars) return marked;
  auto char_of = [&](uint32_t byte) {
    return static_cast<size_t>(std::lower_bound(starts.begin(), starts.end(), byte) -
                               starts.begin());
  };
  const size_t lead = max_chars / 5;
  const size_t last_start = chars - max_chars;
  size_t best_start = 0;
  size_t best_distinct = 0, best_count = 0;
  std::vector<size_t> candidates = {0};
  for (const auto& m : marked.marks) {
    size_t c = char_of(m.first);
    candidates.push_back(std::min(c > lead ? c - lead : 0, last_start));
  }
  for (size_t s : candidates) {
    uint32_t lo = starts[s], hi = starts[s + max_chars];
    std::unordered_set<std::string_view> distinct;
    size_t count = 0;
    for (const auto& m : marked.marks) {
      if (m.first >= lo && m.second <= hi) {
        ++count;
        distinct.insert(std::string_view(text).substr(m.first, m.second - m.first));
      }
    }
    if (distinct.size() > best_distinct ||
        (distinct.size() == best_distinct && count > best_count)) {
      best_start = s;
      best_distinct = distinct.size();
      best_count = count;
    }
  }
  const uint32_t lo = starts[best_start], hi = starts[best_start + max_chars];
  static constexpr std::string_view kEllipsis = "\u2026";
  MarkedText out;
  if (lo > 0) out.text = kEllipsis;
  const uint32_t shift = static_cast<uint32_t>(out.text.size());
  out.text.append(text, lo, hi - lo);
  if (hi < text.size()) out.text += kEllipsis;
  for (const auto& m : marked.marks) {
    uint32_t a = std::max(m.first, lo), b = std::min(m.second, hi);
    if (a < b) out.marks.emplace_back(a - lo + shift, b - lo + shift);
  }
  return out;
}

}  // namespace saiki::index
