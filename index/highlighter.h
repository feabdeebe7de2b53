// Highlighting: the query's matched terms marked in a product's stored
// text, and a snippet around the best passage (README "Highlighting").
//
// The index matches normalised n-grams (analyzer.h): ＤＯＧ, dog and Dog are
// one term, ｲﾇ and イヌ and いぬ too. A mark must land on the original
// characters, whatever their width or kana. So the text is cut into
// segments (a character with its combining marks: ｶﾞ is one segment),
// each normalised on its own with Analyzer::Normalize, and a term found in
// the normalised text marks the original bytes of the segments it covers:
//   - a match that starts or ends inside one segment's normalisation (㌔
//     is キロ) marks the whole segment;
//   - a dash or wave dash right after katakana or ー counts as ー (ｺｰﾋ- is
//     コーヒー), as the analyzer's long-vowel rule has it, and a mark that
//     ends on katakana extends over the word's trailing ー run (サーバ marks
//     サーバー whole), since the analyzer drops it from both sides;
//   - a term starting (ending) with an ASCII letter does not match right
//     after (before) another ASCII letter, and likewise for digits: the
//     index splits Latin text into words, so dog is not marked in hotdog,
//     nor 500 in 1500 (kg in 2.5kg is).
// Readings: a term that matched through its reading (いぬ, inu -> イヌ)
// marks each MeCab word of the text with a Han character whose normalised
// reading is that reading (犬 in 犬用), word for word as the index matched.
//
// The set of terms is open: a caller adds any normalised text the query
// matched through (the typed terms, their synonyms, and later typo
// corrections) to MatchTerms::texts, and readings to ::readings.
//
// Thread-safety: a Highlighter is immutable and may be shared by threads
// (the analyzer and KanjiReadings are).
#ifndef SAIKI_INDEX_HIGHLIGHTER_H_
#define SAIKI_INDEX_HIGHLIGHTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/analyzer.h"
#include "index/readings.h"
#include "saiki/status.h"

namespace saiki::index {

// What a query matched through, normalised (Analyzer::Normalize).
struct MatchTerms {
  std::vector<std::string> texts;     // terms, phrases, synonyms, typo corrections
  std::vector<std::string> readings;  // katakana readings, without kReadingPrefix
  bool empty() const { return texts.empty() && readings.empty(); }
};

// A text with byte ranges marked.
struct MarkedText {
  std::string text;
  // [begin, end) byte offsets into `text`, sorted, not overlapping, on
  // UTF-8 character boundaries.
  std::vector<std::pair<uint32_t, uint32_t>> marks;
};

class Highlighter {
 public:
  // `analyzer` must outlive the highlighter. Fails as KanjiReadings::Create.
  static Result<std::unique_ptr<Highlighter>> Create(const Analyzer* analyzer);

  // Stored text to what is shown: HTML reduced to its text (html_text.h)
  // when it may hold markup, and every run of whitespace and control
  // characters made one space (a snippet is one line), trimmed. Invalid
  // UTF-8 becomes U+FFFD.
  static std::string Displayable(std::string_view stored);

  // `text` (displayable) with the terms marked.
  MarkedText Mark(std::string_view text, const MatchTerms& terms) const;

  // The passage of at most `max_chars` characters (plus an ellipsis "…" at
  // each end that was cut) holding the most distinct marked terms, then
  // the most marks; the earliest among equals. It starts up to a fifth of
  // `max_chars` before its first mark, so a mark has context. A text that
  // fits is returned whole. Marks cut by the window are clipped to it.
  static MarkedText Snippet(const MarkedText& marked, size_t max_chars);

 private:
  Highlighter(const Analyzer* analyzer, std::unique_ptr<KanjiReadings> readings)
      : analyzer_(analyzer), readings_(std::move(readings)) {}
  const Analyzer* analyzer_;
  std::unique_ptr<KanjiReadings> readings_;
};

}  // namespace saiki::index

#endif  // SAIKI_INDEX_HIGHLIGHTER_H_
