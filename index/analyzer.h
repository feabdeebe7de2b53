// Text analysis: the one function from text to index tokens, used for
// documents and queries alike so that both sides agree byte for byte.
//
// Pipeline (Normalize):
//   1. invalid UTF-8 sequences become U+FFFD (never a crash, never dropped text
//      shifting positions);
//   2. Unicode NFKC + case folding (ICU "nfkc_cf"): ＤＯＧ -> dog, ｲﾇ -> イヌ,
//      full-width digits and spaces -> ASCII;
//   3. hiragana -> katakana (いぬ -> イヌ);
//   4. long-vowel and hyphen variants inside katakana words unified to ー
//      (ｰ, －, ‐, ‑, ─ ... between katakana), and a katakana word of four or
//      more characters ending in ー loses it (サーバー -> サーバ), the JIS
//      Z 8301 style, so サーバ and サーバー meet. Substring matching keeps
//      サーバーラック findable by サーバ.
//
// Tokens (AnalyzeForIndex), with positions counted from 0 per call:
//   - CJK runs (Han, katakana incl. ー, 々, ヶ): every character is a unigram
//     and every adjacent pair a bigram, both at the position of their first
//     character; each character takes one position. So any substring of a run
//     is found by a phrase of covering grams, one- and two-character queries
//     included, at the end of a run too.
//   - Where step 4 dropped a word's final ー, the bigram of the word's last
//     letter and ー is emitted too, at that letter's position (フェイクレザー:
//     also ザー at ザ), taking no position of its own. A query word too short
//     to lose its ー (レザー, カー) ends in that bigram, so it finds the longer
//     word (フェイクレザー, マイカー) as the original text would.
//   - Inside each CJK run, ICU dictionary words (BreakIterator, ja) are also
//     emitted as kWordPrefix + word at the word's first position; they carry
//     no matching duty and serve ranking (京都 alone beats 京都 in 東京都).
//   - Latin/digit text: ICU word segmentation; each word one position.
//   - RE2 rules keep numbers, decimals, units and model numbers whole:
//     "2.5kg", "500ml", "sku-123", "a4" are emitted as one token at the
//     position of their first part, and their parts ("2.5", "kg"; "sku",
//     "123") are emitted too at consecutive positions, so both the whole and
//     the parts are found.
//   - Digits next to kanji (3月, 2個) are a number token followed by the CJK
//     run, at consecutive positions: the query "3月" is the phrase [3][月].
//   - Everything else (punctuation, symbols, 【】, spaces) separates tokens
//     and takes no position.
//
// Details decided in analyzer.cc (pinned by tests/analyzer_test.cc):
//   - Step 4 exactly: a dash (- ‐ ‑ ‒ – — ― − ─ ━, and ｰ － before NFKC) right
//     after katakana or ー becomes ー unless the next non-dash character is a
//     non-CJK letter or digit ("ｺｰﾋ-" -> コーヒー; "セット-A", "sku-123" keep
//     '-'). A wave dash (~ 〜 ～) becomes ー only between katakana ("3〜5",
//     "新発売～" keep it). A katakana word is a maximal run of katakana and ー
//     (combining marks included); it loses its whole trailing run of ー, and
//     only if it has some other letter. Hiragana is folded first, so
//     サーバーの is one word (サーバーノ) and keeps its ー.
//   - CJK runs also take 〆; a combining mark stays with the letter before it.
//     ICU segments the folded text, so hiragana reaches its dictionary as
//     katakana (犬のおやつ -> 犬|ノオヤツ). Dictionary words follow the ー
//     rule too (サーバー in サーバーラック is kWordPrefix + "サーバ").
//   - Number chains: ASCII letter groups and numbers, joined directly or by
//     one hyphen, with at least one digit, and not glued to other letters,
//     digits or '_' ("café4kg" stays one ICU word). Token texts drop
//     thousands separators ("1,980" -> "1980"; "1,2" is two numbers). Besides
//     the whole chain and its parts, every run of 2-4 parts is indexed at the
//     position of its first part ("ddr4-3200": also "ddr4", "4-3200"), so a
//     query naming a piece of a chain finds it; a query chain of more than 4
//     parts becomes covering 4-part pieces. Hyphenated words without a digit
//     ("type-c") are plain ICU words, one position each.
//   - Input beyond 256 MiB is not analyzed (ICU takes int32_t lengths).
//
// Thread-safety: an Analyzer is immutable after Create() and may be shared by
// threads. ICU break iterators are not thread-safe, so each thread creates its
// own on first use and keeps it, with scratch buffers and a memo of dictionary
// segmentations, in a thread_local (a few MB at most per thread).
#ifndef SAIKI_INDEX_ANALYZER_H_
#define SAIKI_INDEX_ANALYZER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "saiki/status.h"

namespace saiki::index {

// Prefix byte of dictionary-word tokens (never produced by normalized text).
inline constexpr char kWordPrefix = '\x01';
// Prefix byte of reading tokens: kReadingPrefix + the normalized katakana
// reading of a kanji word (readings.h). Like dictionary words they take no
// position and carry no phrase duty.
inline constexpr char kReadingPrefix = '\x03';

struct Token {
  std::string text;   // the index key (normalized UTF-8; maybe kWordPrefix + word)
  uint32_t position;  // token position within the analyzed text
};

// What a query term must match: `phrase` tokens at the given relative
// positions (relative to the first, which is 0), all in one field. `bonus`
// lists dictionary-word tokens (with kWordPrefix) that, when present, mark a
// whole-word match and add to the score. An empty phrase means the term holds
// no searchable text (only punctuation, say).
struct TermPlan {
  std::vector<Token> phrase;
  std::vector<std::string> bonus;
};

class Analyzer {
 public:
  // Fails (kInternal) only if ICU data, RE2 patterns or the MeCab
  // dictionary (readings.h) cannot be loaded.
  static Result<std::unique_ptr<Analyzer>> Create();
  virtual ~Analyzer() = default;
  // Distinct for every analyzer made in this process, never reused (unlike
  // its address): what per-thread caches of its results are keyed by.
  uint64_t instance_id() const { return instance_id_; }

  // Steps 1-4 above. Idempotent: Normalize(Normalize(s)) == Normalize(s).
  virtual std::string Normalize(std::string_view text) const = 0;

  // Appends all index tokens of `text` to `out`, positions starting at
  // `first_position`. Returns the position after the last token (the number
  // of positions used plus first_position), so a caller can analyze several
  // values of one field with gaps. Safe on any bytes.
  virtual uint32_t AnalyzeForIndex(std::string_view text, uint32_t first_position,
                                   std::vector<Token>* out) const = 0;

  // The plan for one query term or quoted phrase (already free of query
  // operators). Uses the same tokenization as AnalyzeForIndex, keeping for
  // CJK runs only a covering set of grams (a unigram for a one-character
  // run; bigrams at 0, 2, 4, ... and one ending at the last character
  // otherwise) and for RE2 compounds only the whole token.
  virtual TermPlan AnalyzeQueryTerm(std::string_view text) const = 0;

  // Readings (readings.h). Appends kReadingPrefix + Normalize(reading) for
  // each kanji word MeCab finds in `text` (the text NFKC-normalized but with
  // its kana as written), at `position`; adds no position. Safe on any bytes.
  virtual void AnalyzeReadings(std::string_view text, uint32_t position,
                               std::vector<Token>* out) const = 0;
  // The reading token a query term stands for: for a term of two or more
  // characters written only in kana (いぬ, イヌ), kReadingPrefix + its
  // normalized katakana; for a romaji word (inu), the same of its
  // transliteration (RomajiToKatakana); otherwise "" (kanji, mixed text,
  // digits, one character), so a kanji query never matches by sound.
  virtual std::string QueryReading(std::string_view text) const = 0;
  // MeCab's words of `text` (NFKC-normalized as AnalyzeReadings does, kana
  // as written), in order, as KanjiReadings::ForEachWord gives them
  // (readings.h): `emit(surface, reading)`, the surface led by any
  // whitespace before it, the raw katakana reading "" when there is none
  // or the word is a proper noun. For suggestions (engine/suggest.cc).
  // Safe on any bytes.
  virtual void ForEachReadingWord(
      std::string_view text,
      const std::function<void(std::string_view surface, std::string_view reading)>& emit)
      const {}  // default: no words (an analyzer without a dictionary)

 protected:
  Analyzer();

 private:
  uint64_t instance_id_;
};

}  // namespace saiki::index

#endif  // SAIKI_INDEX_ANALYZER_H_
