// Typo tolerance: the words of the term dictionary within a small edit
// distance of a query term, found by walking the sorted dictionary with the
// edit-distance automaton (README "Typos").
//
// The vocabulary is the index's own whole words: the dictionary words the
// analyzer emits inside katakana runs (kWordPrefix + word: ドッグフード) and
// its Latin and digit words (plain terms: shampoo, 2000). A query term is
// eligible when, normalized, it is written only in katakana (with ー) or
// only in ASCII letters, digits, '.' and '-'; kanji and hiragana never are
// (a one-character change in kanji is another word, not a typo).
//
// Distance: optimal string alignment (Damerau-Levenshtein with adjacent
// transpositions, each substring edited once) over code points of the
// normalized text. Budget by the term's length in code points: none under
// 4, 1 from 4 to 7, 2 from 8. The first letter is taken as typed (words
// starting with another are not candidates), as Lucene's
// DirectSpellChecker does by default (minPrefix 1): first letters are
// rarely mistyped, and the walk then starts under one letter instead of
// every letter of the script (on the bundled catalogue, typo queries' p50
// went from 1.39 ms to 0.13 ms: README "Typos").
//
// The walk (as Lucene's automaton over a term dictionary): a depth-first
// walk of the dictionary's prefixes in which each step keeps the row of the
// distance table for the prefix and each prefix's children are enumerated
// by seeking the next term at or after prefix+character (one seek per child
// that exists); a prefix whose row has no cell within the budget is not
// entered, and characters outside the term's script are jumped over. So
// the work grows with the prefixes near the term, not with the dictionary
// (a test checks that against the dictionary's size). `max_seeks` bounds it
// anyway.
#ifndef SAIKI_INDEX_TYPO_H_
#define SAIKI_INDEX_TYPO_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saiki/status.h"

namespace saiki::index {

enum class TypoScript : uint8_t { kNone, kKatakana, kLatin };

// The script of a normalized query term for typo purposes (see above).
TypoScript TypoScriptOf(std::string_view normalized);
// The edit budget for a term of `chars` code points: 0, 1 or 2.
int TypoBudget(size_t chars);
// Code points of valid UTF-8 (invalid bytes each become U+FFFD).
std::u32string DecodeUtf8(std::string_view s);
// Optimal string alignment distance between two code point strings.
int EditDistance(std::u32string_view a, std::u32string_view b);

// The sorted term dictionary, as the walk sees it.
class SortedTerms {
 public:
  virtual ~SortedTerms() = default;
  // The smallest term >= key in byte order, or nullopt.
  virtual Result<std::optional<std::string>> AtLeast(std::string_view key) = 0;
};

struct TypoMatch {
  std::string word;  // the normalized word (without any prefix byte)
  std::string term;  // the dictionary term it is (with kWordPrefix for katakana)
  int distance = 0;  // 1 or 2
};

struct TypoWalkStats {
  uint64_t seeks = 0;
  bool truncated = false;  // max_seeks or max_matches stopped the walk
};

// Every dictionary word within the budget of `normalized` that starts with
// its first letter (its script's words only; the term itself excluded), in
// dictionary order; at most
// `max_matches`, with at most `max_seeks` seeks. Empty when the term is not
// eligible or its budget is 0. Errors are the dictionary's.
Result<std::vector<TypoMatch>> FindTypoMatches(std::string_view normalized, SortedTerms* terms,
                                               TypoWalkStats* stats = nullptr,
                                               size_t max_seeks = 20000,
                                               size_t max_matches = 256);

}  // namespace saiki::index

#endif  // SAIKI_INDEX_TYPO_H_
