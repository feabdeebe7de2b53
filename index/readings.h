// Readings of kanji words, from a morphological dictionary: MeCab with
// IPADIC (Debian packages libmecab-dev and mecab-ipadic-utf8).
//
// The analyzer (analyzer.h) indexes, besides its n-grams, the reading of
// every word MeCab finds whose surface holds a Han character (犬 -> イヌ,
// 紅茶 -> コウチャ, 学校 -> ガッコウ, 可愛い -> カワイイ). A query term written
// only in kana (いぬ, イヌ) or in romaji (inu) matches those readings, at
// word level: a reading is the reading of a whole MeCab word, never of one
// kanji inside it, and a kanji query never goes through readings, so 健
// (ケン) does not find 見本 (ミホン) because 見 can read ケン.
//
// Thread-safety: a KanjiReadings is immutable after Create() and may be
// shared by threads. MeCab's model (the dictionary, about 50 MB mapped) is
// loaded once per process; each thread makes its own tagger and lattice on
// first use and keeps them in a thread_local, as the analyzer does with its
// ICU break iterators. Romaji is read by a table of its own
// (RomajiToKatakana, index/romaji.cc), with no state.
#ifndef SAIKI_INDEX_READINGS_H_
#define SAIKI_INDEX_READINGS_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "saiki/status.h"

namespace saiki::index {

class KanjiReadings {
 public:
  // Loads the dictionary: $SAIKI_MECAB_DICDIR when set, else the IPADIC
  // directory found at build time (SAIKI_MECAB_DICDIR, normally
  // /var/lib/mecab/dic/ipadic-utf8). kInternal naming the directory and
  // the package to install when it cannot be loaded or is not a UTF-8
  // IPADIC-style dictionary (the reading is feature 8).
  static Result<std::unique_ptr<KanjiReadings>> Create();
  ~KanjiReadings();

  // Calls `emit(reading)` for each word of `text` (valid UTF-8, NFKC; kana
  // as written: okurigana in hiragana segment better than folded katakana)
  // whose surface holds a Han character and whose dictionary entry has a
  // reading. The reading is katakana as IPADIC writes it (not normalized).
  // Texts with no Han character return at once without calling MeCab.
  //
  // MeCab parses the text one piece at a time: pieces end at whitespace
  // and after a sentence's end (。 ! ?). A word never crosses whitespace in
  // MeCab anyway; what the split changes is that each piece starts and ends
  // as a sentence does, where a whole-text parse would weigh the connection
  // to the neighbouring word: shop titles are runs of keywords (【送料無料】
  // 台所道具店 珈琲サーバー 耐熱ガラス), not one sentence, and a piece
  // read alone is read the same in every title, which lets the per-thread
  // memo answer most pieces of a catalogue without MeCab (an import of the
  // harness's 100k catalogue takes a third less CPU than whole-text parses).
  void ForEachReading(std::string_view text,
                      const std::function<void(std::string_view reading)>& emit) const;
  // Calls `emit(surface, reading)` for every word MeCab finds in `text`
  // (same input as above), in order. `surface` starts with the whitespace
  // MeCab skipped before the word, if any (so a caller can tell adjacent
  // words from words a space apart). `reading` is "" for a word without one
  // (unknown words, symbols) and for proper nouns (IPADIC reads 乾 in 速乾
  // as the surname イヌイ). Suggestions use it (engine/suggest.cc) to find
  // the kanji words of a reading and the words right after them.
  void ForEachWord(std::string_view text,
                   const std::function<void(std::string_view surface,
                                            std::string_view reading)>& emit) const;
  // As ForEachReading, with where each word is: `begin` and `end` are the
  // byte offsets of the word's surface in `text` (for highlighting a
  // reading match in stored text: index/highlighter.h).
  void ForEachReadingSpan(
      std::string_view text,
      const std::function<void(size_t begin, size_t end, std::string_view reading)>& emit) const;

 private:
  KanjiReadings() = default;
};

// True when `s` (UTF-8) holds a Han character (CJK ideographs, 々 〆).
bool HasHan(std::string_view s);

// The katakana a romaji word stands for, read as Japanese input methods
// read typing ("inu" -> "イヌ", "gakkou" -> "ガッコウ", "koucha" ->
// "コウチャ", "sinbun" and "shimbun" -> "シンブン", "konnnichiha" ->
// "コンニチハ", "ra-men" -> "ラーメン"); "" when `word` is not 2..32 ASCII
// lowercase letters and '-' with a vowel, or is not romaji throughout (so
// "xyz" and "owl" stay themselves). index/romaji.cc.
std::string RomajiToKatakana(std::string_view word);

}  // namespace saiki::index

#endif  // SAIKI_INDEX_READINGS_H_
