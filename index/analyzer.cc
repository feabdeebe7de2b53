// The text analyzer behind index/analyzer.h: one pipeline from raw bytes to
// index tokens, shared by documents and queries so both agree byte for byte.
//
// Everything runs on UTF-8. Invalid input is first repaired to U+FFFD, ICU's
// nfkc_cf normalizer works directly on UTF-8 (normalizeUTF8), and the kana
// folding (hiragana -> katakana, dash variants -> ー, trailing ー dropped) is
// one linear pass. Tokenization walks the normalized text once, splitting it
// into CJK runs (unigrams + bigrams + ICU dictionary words) and everything
// else (RE2 for number chains such as "2.5kg" or "sku-123", ICU word break for
// the rest). ICU reads the UTF-8 through a UText, so byte offsets from ICU and
// RE2 index the same buffer and token texts are plain slices of it: no UTF-16
// round trip, no per-character allocation.
//
// Thread-safety: ICU break iterators are stateful and not thread-safe, so each
// thread creates its own (lazily, once) and keeps it, together with its
// scratch buffers, in a thread_local. Creating one per call would cost more
// than analyzing a product title; cloning a shared prototype would need a
// lock. The Normalizer2 singleton and the RE2 object are immutable and safe to
// share.
#include "index/analyzer.h"
#include "index/readings.h"
#include "index/string_memo.h"
#include "index/utf8.h"

#include <unicode/brkiter.h>
#include <unicode/bytestream.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <re2/re2.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace saiki::index {
namespace {

constexpr UChar32 kLongVowel = 0x30FC;  // ー KATAKANA-HIRAGANA PROLONGED SOUND MARK
constexpr size_t kNone = static_cast<size_t>(-1);

// ICU's UTF-8 entry points take int32_t lengths, and normalization may expand
// text several times over. Product fields are far below this; anything longer
// is analyzed up to this many bytes (cut at a character boundary) rather than
// risking an overflow.
constexpr size_t kMaxInputBytes = size_t{1} << 28;  // 256 MiB

// Chains of ASCII letters and numbers, joined directly or by one hyphen, that
// hold at least one number: "2.5kg", "500ml", "sku-123", "a4", "iphone15",
// "1,980". Text is already case-folded, so [a-z] suffices. A number keeps its
// decimal points ("2.5", "1.0.2") and thousands separators ("1,980"; a comma
// in any other place is not part of a number). The leading letter groups make
// RE2 find chains that start with letters, while requiring a digit somewhere
// so that plain words ("type-c", "wi-fi") are left to ICU word break.
constexpr char kChainPattern[] =
    "(?:[a-z]+-?)*"
    "(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\\.[0-9]+)*|[0-9]+(?:\\.[0-9]+)*)"
    "(?:-?(?:[a-z]+|[0-9]{1,3}(?:,[0-9]{3})+(?:\\.[0-9]+)*|[0-9]+(?:\\.[0-9]+)*))*";

// Number chains are indexed whole, by part, and by every run of up to this
// many parts (see Tokenizer::Chain).
constexpr size_t kMaxSubChain = 4;

// ---------------------------------------------------------------------------
// Character classes. BMP ranges that matter for Japanese are tested directly;
// ICU properties are the fallback, so the common path costs a few compares.

inline bool IsMark(UChar32 c) { return (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0; }

// Katakana letters as they can appear after NFKC (half-width, circled and
// squared forms are gone by then), plus ー. 30FB (・) is punctuation.
bool IsKatakana(UChar32 c) {
  if (c >= 0x30A1 && c <= 0x30FA) return true;
  if (c >= 0x30FC && c <= 0x30FF) return true;  // ー ヽ ヾ ヿ
  if (c >= 0x31F0 && c <= 0x31FF) return true;  // small katakana for Ainu
  if (c < 0x10000) return false;
  UErrorCode e = U_ZERO_ERROR;
  return uscript_getScript(c, &e) == USCRIPT_KATAKANA &&
         (U_GET_GC_MASK(c) & U_GC_L_MASK) != 0;
}

// Hiragana with a katakana twin are mapped; the rest (hentaigana) stay.
inline UChar32 HiraganaToKatakana(UChar32 c) {
  if ((c >= 0x3041 && c <= 0x3096) || c == 0x309D || c == 0x309E) return c + 0x60;
  return c;
}

// Dash-like characters that stand for ー after katakana (ｰ and －, ‑ are
// listed although NFKC has already turned them into ー, '-' and ‐).
inline bool IsDashVariant(UChar32 c) {
  return c == 0x2D || (c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0x2500 ||
         c == 0x2501 || c == 0xFE63 || c == 0xFF0D || c == 0xFF70;
}

// Wave dashes: also used as ー, but just as often as a range ("3〜5") or an
// ornament ("新発売～"), so only between two katakana.
inline bool IsWaveVariant(UChar32 c) { return c == 0x7E || c == 0x301C || c == 0xFF5E; }

// A character of a CJK run: Han, kana, ー, 々, 〆, ヶ ... (letters only, so
// CJK radicals and other symbols of the Han script separate).
bool IsCjkLetter(UChar32 c) {
  if (c < 0x3005) return false;
  if (c >= 0x4E00 && c <= 0x9FFF) return true;
  if (c >= 0x30A1 && c <= 0x30FA) return true;
  if (c == kLongVowel || c == 0x3006) return true;  // both are script Common
  UErrorCode e = U_ZERO_ERROR;
  UScriptCode script = uscript_getScript(c, &e);
  if (script != USCRIPT_HAN && script != USCRIPT_KATAKANA && script != USCRIPT_HIRAGANA) {
    return false;
  }
  return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_NL_MASK)) != 0;
}

// A letter or digit outside CJK: a dash before one of these is a hyphen
// ("セット-a", "タイプ-2"), not a long vowel.
bool IsNonCjkAlnum(UChar32 c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_ND_MASK)) != 0 && !IsCjkLetter(c);
}

// Characters that glue onto a number chain, so that a chain found inside
// "café4kg" or "x_1" is not split off from its word.
bool IsWordGlue(UChar32 c) {
  if (c < 0x80) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }
  return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK | U_GC_ND_MASK | U_GC_NL_MASK |
                              U_GC_PC_MASK)) != 0;
}


inline bool IsAsciiAlnum(unsigned char b) {
  return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
}

// ---------------------------------------------------------------------------
// Normalization steps.

// Step 1: every ill-formed sequence (ICU's maximal-subpart rule) becomes one
// U+FFFD. Valid input, the usual case, is returned as is without a copy.
std::string_view SanitizeUtf8(std::string_view in, std::string* buf) {
  const auto* s = reinterpret_cast<const uint8_t*>(in.data());
  const size_t n = in.size();
  size_t i = 0;
  size_t bad = kNone;
  while (i < n) {
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    size_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) {
      bad = start;
      break;
    }
  }
  if (bad == kNone) return in;
  buf->assign(in.data(), bad);
  i = bad;
  while (i < n) {
    size_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) {
      buf->append("\xEF\xBF\xBD");
    } else {
      buf->append(in.data() + start, i - start);
    }
  }
  return *buf;
}

// Cuts at kMaxInputBytes on a character boundary (see kMaxInputBytes).
std::string_view Truncate(std::string_view in) {
  if (in.size() <= kMaxInputBytes) return in;
  size_t len = kMaxInputBytes;
  for (int k = 0; k < 3 && len > 0 && (static_cast<uint8_t>(in[len]) & 0xC0) == 0x80; ++k) {
    --len;
  }
  return in.substr(0, len);
}

// Only text with kana (or supplementary katakana) can change in FoldKana;
// everything it acts on is encoded with a lead byte of E3 or above.
bool MayNeedKanaFold(std::string_view s) {
  for (unsigned char b : s) {
    if (b >= 0xE3) return true;
  }
  return false;
}

// What FoldKana did: nothing, or changed the text, or changed a text holding a
// combining kana voicing mark (U+3099/U+309A), the one case where folding can
// leave text that NFKC would change again (わ + ゙ stays apart, ワ + ゙ composes
// to ヷ). Every other change maps starters to starters that compose with
// nothing, and ー is dropped only before a non-mark.
enum class Fold { kUnchanged, kChanged, kChangedNearMark };

// Steps 3 and 4 in one pass from `in` (NFKC_CF text) to `out`. Decisions
// about a dash look at what has already been written (is the previous
// character katakana, after folding?) and at the next character that is not
// itself a dash, so a run of dashes is treated as a whole and the pass is
// idempotent. Unchanged stretches are copied in bulk, not per character.
//
// `dropped`, when given, receives the output offset of every place where a
// word's trailing run of ー was dropped (the end of the shortened word), in
// increasing order: the document side indexes one extra bigram there (see
// Tokenizer::CjkRun).
Fold FoldKana(std::string_view in, std::string* out, std::vector<size_t>* dropped) {
  out->clear();
  if (dropped) dropped->clear();
  out->reserve(in.size() + 16);
  const auto* s = reinterpret_cast<const uint8_t*>(in.data());
  const size_t n = in.size();
  size_t copied = 0;  // input before this offset is already in `out` (or dropped)
  bool changed = false;
  bool voicing_mark = false;

  // The katakana word ending at the current position, if any.
  bool in_word = false;
  int word_chars = 0;            // characters other than combining marks
  bool word_has_letter = false;  // some character other than ー
  size_t trailing_bars = kNone;  // output offset where its final run of ー starts
  auto end_word = [&](size_t at) {  // `at`: input offset where the word ended
    if (word_chars >= 4 && word_has_letter && trailing_bars != kNone) {
      out->append(in.data() + copied, at - copied);
      copied = at;
      out->resize(trailing_bars);
      if (dropped) dropped->push_back(trailing_bars);
      changed = true;
    }
    in_word = false;
  };

  // The first non-dash character at or after some offset, cached so that a
  // long run of dashes is scanned once (no quadratic behaviour).
  size_t look_at = 0;  // byte offset of that character (n at the end)
  UChar32 look_char = U_SENTINEL;
  bool look_valid = false;

  size_t i = 0;
  while (i < n) {
    const size_t start = i;
    const uint8_t b = s[i];
    // Plain ASCII and U+4000..U+9FFF (kanji; no marks there) are never
    // folded; they only end a katakana word.
    if ((b < 0x80 && b != '-' && b != '~') || (b >= 0xE4 && b <= 0xE9)) {
      if (in_word) end_word(start);
      i += b < 0x80 ? 1 : 3;
      continue;
    }
    UChar32 orig;
    U8_NEXT_UNSAFE(s, i, orig);
    UChar32 c = HiraganaToKatakana(orig);
    if (in_word && (IsDashVariant(c) || IsWaveVariant(c))) {
      if (!look_valid || i > look_at) {
        size_t j = i;
        look_char = U_SENTINEL;
        look_at = n;
        while (j < n) {
          size_t k = j;
          UChar32 d;
          U8_NEXT_UNSAFE(s, j, d);
          if (!IsDashVariant(d) && !IsWaveVariant(d)) {
            look_char = HiraganaToKatakana(d);
            look_at = k;
            break;
          }
        }
        look_valid = true;
      }
      bool to_bar = IsDashVariant(c)
                        ? (look_char == U_SENTINEL || !IsNonCjkAlnum(look_char))
                        : (look_char != U_SENTINEL && IsKatakana(look_char));
      if (to_bar) c = kLongVowel;
    }

    if (IsKatakana(c)) {
      if (!in_word) {
        in_word = true;
        word_chars = 0;
        word_has_letter = false;
        trailing_bars = kNone;
      }
      ++word_chars;
      if (c == kLongVowel) {
        if (trailing_bars == kNone) trailing_bars = out->size() + (start - copied);
      } else {
        word_has_letter = true;
        trailing_bars = kNone;
      }
    } else if (in_word && IsMark(c)) {
      // A combining mark belongs to the word: "ー゙" does not end in ー, and
      // dropping the ー would let the mark compose with the letter before.
      trailing_bars = kNone;
    } else if (in_word) {
      end_word(start);
    }
    if (c == 0x3099 || c == 0x309A) voicing_mark = true;
    if (c != orig) {
      out->append(in.data() + copied, start - copied);
      AppendUtf8(static_cast<uint32_t>(c), out);
      copied = i;
      changed = true;
    }
  }
  if (in_word) end_word(n);
  if (!changed) return Fold::kUnchanged;
  out->append(in.data() + copied, n - copied);
  return voicing_mark ? Fold::kChangedNearMark : Fold::kChanged;
}

// ---------------------------------------------------------------------------
// Per-thread state: the break iterator and reusable buffers.

struct ThreadScratch {
  std::string norm;               // normalized text of the current call
  std::string tmp;                // second buffer for sanitizing / folding
  std::vector<size_t> units;      // byte offsets of the current CJK run's characters
  // Offsets in `norm` where FoldKana dropped a word's trailing ー (increasing).
  std::vector<size_t> dropped_bars;
  std::vector<std::pair<size_t, size_t>> parts;  // parts of the current number chain
  std::unique_ptr<icu::BreakIterator> words;
  bool words_tried = false;
  UText utext = UTEXT_INITIALIZER;  // reused so ICU allocates its UTF-8 buffers once
  // The last text NormalizeInto was given and its NFKC_CF (before kana
  // folding): an import analyzes a field for its tokens and then, right
  // after, for its readings, which start from the same NFKC_CF.
  std::string nfkc_source, nfkc_result;

  // Dictionary segmentation is most of the analyzer's time, and catalogue
  // text repeats its CJK runs (ドッグフード, 小型犬用, 送料無料, and the
  // longer runs of boilerplate descriptions) again and again, so the
  // segmentation of runs up to 255 bytes is remembered: run text -> words as
  // (start byte, length, unit index) triples, each of which fits a byte.
  // Bounded by clearing when full; ICU's answer is a pure function of the
  // run, so the memo never changes a result.
  static constexpr size_t kMemoMaxRunBytes = 255;
  StringMemo word_memo{size_t{1} << 14, size_t{4} << 20};

  ThreadScratch() = default;
  ThreadScratch(const ThreadScratch&) = delete;
  ThreadScratch& operator=(const ThreadScratch&) = delete;
  ~ThreadScratch() {
    words.reset();  // holds a shallow clone of utext
    utext_close(&utext);
  }

  // The thread's word break iterator, or null if ICU cannot create one (only
  // on memory exhaustion, as Create() verified the data); callers then fall
  // back to splitting at non-letters.
  icu::BreakIterator* Words() {
    if (!words_tried) {
      words_tried = true;
      UErrorCode st = U_ZERO_ERROR;
      words.reset(icu::BreakIterator::createWordInstance(icu::Locale::getJapanese(), st));
      if (U_FAILURE(st)) words.reset();
    }
    return words.get();
  }

  // Points the break iterator at `text`; false if that failed.
  bool SetText(icu::BreakIterator* bi, std::string_view text) {
    UErrorCode st = U_ZERO_ERROR;
    utext_openUTF8(&utext, text.data(), static_cast<int64_t>(text.size()), &st);
    if (U_FAILURE(st)) return false;
    bi->setText(&utext, st);
    return U_SUCCESS(st);
  }
};

ThreadScratch& Scratch() {
  thread_local ThreadScratch scratch;
  return scratch;
}

// The tokens of field values an import met before (AnalyzeForIndex), per
// thread: catalogues repeat whole values — every brand, category and tag,
// the descriptions of a product's variants — and the tokens of a value are
// a pure function of its text, their positions counted from the caller's
// first position. So a value seen again is copied, not analyzed (an
// import of 20k products of the harness catalogue: 3% fewer instructions).
// Bounded by bytes; cleared when full.
struct ValueMemo {
  static constexpr size_t kMaxTextBytes = 2048;
  // value text -> positions the value takes (4 bytes), then per token its
  // position relative to the value's first and its length (4 bytes each)
  // and its text.
  StringMemo entries{size_t{1} << 17, size_t{16} << 20};
  // Hashes of values seen once, direct-mapped: a collision forgets the
  // older value, which then needs one more sighting to be remembered.
  static constexpr size_t kSeenSlots = size_t{1} << 18;
  std::vector<uint64_t> seen;

  // True if `h` was seen before; records it either way.
  bool SeenBefore(uint64_t h) {
    if (seen.empty()) seen.assign(kSeenSlots, 0);
    uint64_t& slot = seen[h & (kSeenSlots - 1)];
    const bool before = slot == h;
    slot = h;
    return before;
  }
};

ValueMemo& Values() {
  thread_local ValueMemo memo;
  return memo;
}

// One analysis of one normalized text: walks it run by run and emits tokens.
// `query` selects AnalyzeQueryTerm's output (covering grams, whole compounds,
// dictionary words as bonus) instead of AnalyzeForIndex's.
class Tokenizer {
 public:
  Tokenizer(const RE2& chain, ThreadScratch* scratch, bool query, uint32_t first_position,
            std::vector<Token>* out, std::vector<std::string>* bonus)
      : chain_(chain), sc_(*scratch), query_(query), pos_(first_position), out_(out),
        bonus_(bonus) {}

  void Run(std::string_view text);
  uint32_t position() const { return pos_; }

 private:
  void CjkRun(std::string_view text, size_t begin, size_t end);
  void DictionaryWords(std::string_view text, size_t begin, size_t end, uint32_t base);
  void OtherRun(std::string_view run);
  void Words(std::string_view gap);
  void Chain(std::string_view chain);
  void Emit(std::string_view text, uint32_t position) {
    out_->push_back(Token{std::string(text), position});
  }
  void EmitWord(std::string_view word, uint32_t position);

  const RE2& chain_;
  ThreadScratch& sc_;
  const bool query_;
  uint32_t pos_;
  std::vector<Token>* out_;
  std::vector<std::string>* bonus_;
};

void Tokenizer::Run(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // Non-CJK stretch. CJK letters start at U+3005 (lead byte E3), so lower
    // lead bytes are skipped without decoding.
    size_t other_begin = i;
    while (i < n) {
      uint8_t b = s[i];
      if (b < 0xE3) {
        i += b < 0x80 ? 1 : b < 0xE0 ? 2 : 3;
        continue;
      }
      size_t k = i;
      UChar32 c;
      U8_NEXT_UNSAFE(s, i, c);
      if (IsCjkLetter(c)) {
        i = k;
        break;
      }
    }
    if (i > other_begin) OtherRun(text.substr(other_begin, i - other_begin));
    if (i >= n) break;

    // CJK run: one unit per letter; combining marks stay with their letter.
    size_t run_begin = i;
    sc_.units.clear();
    while (i < n) {
      size_t k = i;
      UChar32 c;
      U8_NEXT_UNSAFE(s, i, c);
      if (IsCjkLetter(c)) {
        sc_.units.push_back(k);
      } else if (!IsMark(c)) {
        i = k;
        break;
      }
    }
    sc_.units.push_back(i);  // end sentinel
    CjkRun(text, run_begin, i);
  }
}

void Tokenizer::CjkRun(std::string_view text, size_t begin, size_t end) {
  const std::vector<size_t>& u = sc_.units;
  const size_t m = u.size() - 1;  // characters in the run
  const uint32_t base = pos_;
  auto gram = [&](size_t k, size_t len) { return text.substr(u[k], u[k + len] - u[k]); };
  if (!query_) {
    for (size_t k = 0; k < m; ++k) {
      Emit(gram(k, 1), base + k);
      if (k + 1 < m) Emit(gram(k, 2), base + k);
    }
    // Where normalization dropped a word's final ー (フェイクレザー ->
    // フェイクレザ), the bigram of the last letter and ー is indexed too, at
    // the letter's position. A query keeps the ー of a word too short to lose
    // it (レザー, カー), and its covering grams end in that bigram, so レザー
    // finds フェイクレザー and カー finds マイカー, as substrings of the
    // original text should. No extra position is used, so field lengths and
    // phrase positions stay as they were.
    const std::vector<size_t>& drops = sc_.dropped_bars;
    auto d = std::lower_bound(drops.begin(), drops.end(), begin + 1);
    for (size_t k = 0; d != drops.end() && *d <= end; ++d) {
      while (k < m && u[k + 1] < *d) ++k;
      if (k < m && u[k + 1] == *d) {
        std::string g(gram(k, 1));
        g += "\xE3\x83\xBC";  // ー
        out_->push_back(Token{std::move(g), base + static_cast<uint32_t>(k)});
      }
    }
  } else if (m == 1) {
    Emit(gram(0, 1), base);
  } else {
    // Covering bigrams: 0, 2, 4, ... and, for an odd length, the one ending
    // at the last character (overlapping the previous one by a character).
    for (size_t k = 0; k + 2 <= m; k += 2) Emit(gram(k, 2), base + k);
    if (m % 2 == 1) Emit(gram(m - 2, 2), base + m - 2);
  }
  DictionaryWords(text, begin, end, base);
  pos_ += static_cast<uint32_t>(m);
}

// Dictionary words follow the ー rule of normalization as well: ICU cuts
// サーバーラック into サーバー|ラック, and storing that word as サーバ gives
// it the form every query for サーバー or サーバ has after normalization.
std::string_view DropFinalLongVowels(std::string_view word) {
  constexpr std::string_view kBar = "\xE3\x83\xBC";  // ー
  if (word.size() < 4 * kBar.size() || word.substr(word.size() - kBar.size()) != kBar) {
    return word;
  }
  const auto* s = reinterpret_cast<const uint8_t*>(word.data());
  size_t i = word.size();
  size_t bars_from = word.size();
  int chars = 0;
  bool letter = false;
  while (i > 0) {
    size_t k = i;
    UChar32 c;
    U8_PREV_UNSAFE(s, k, c);
    if (!IsKatakana(c)) break;
    ++chars;
    if (c == kLongVowel && !letter) {
      bars_from = k;
    } else {
      letter = true;
    }
    i = k;
  }
  return chars >= 4 && letter ? word.substr(0, bars_from) : word;
}

void Tokenizer::EmitWord(std::string_view word, uint32_t position) {
  word = DropFinalLongVowels(word);
  std::string t;
  t.reserve(word.size() + 1);
  t.push_back(kWordPrefix);
  t.append(word);
  if (query_) {
    if (std::find(bonus_->begin(), bonus_->end(), t) == bonus_->end()) {
      bonus_->push_back(std::move(t));
    }
  } else {
    out_->push_back(Token{std::move(t), position});
  }
}

void Tokenizer::DictionaryWords(std::string_view text, size_t begin, size_t end,
                                uint32_t base) {
  const std::vector<size_t>& u = sc_.units;
  const size_t m = u.size() - 1;
  if (m == 1) {  // a one-character run is one word; spare ICU the setText
    EmitWord(text.substr(begin, end - begin), base);
    return;
  }
  const std::string_view run = text.substr(begin, end - begin);
  const bool memo = run.size() <= ThreadScratch::kMemoMaxRunBytes;  // offsets fit a byte
  if (memo) {
    std::string_view w;
    if (sc_.word_memo.Find(run, &w)) {
      for (size_t j = 0; j + 2 < w.size(); j += 3) {
        auto b = static_cast<uint8_t>(w[j]), len = static_cast<uint8_t>(w[j + 1]);
        EmitWord(run.substr(b, len), base + static_cast<uint8_t>(w[j + 2]));
      }
      return;
    }
  }
  icu::BreakIterator* bi = sc_.Words();
  if (bi == nullptr || !sc_.SetText(bi, run)) return;
  std::string found;  // memo entry being built
  size_t k = 0;       // unit holding the current word start; words come in order
  int32_t start = bi->first();
  for (int32_t stop = bi->next(); stop != icu::BreakIterator::DONE;
       start = stop, stop = bi->next()) {
    if (bi->getRuleStatus() < UBRK_WORD_NONE_LIMIT) continue;
    size_t at = begin + static_cast<size_t>(start);
    while (k + 1 < m && u[k + 1] <= at) ++k;
    EmitWord(text.substr(at, static_cast<size_t>(stop - start)), base + static_cast<uint32_t>(k));
    if (memo) {
      found.push_back(static_cast<char>(start));
      found.push_back(static_cast<char>(stop - start));
      found.push_back(static_cast<char>(k));
    }
  }
  if (memo) {
    sc_.word_memo.Insert(run, found);
  }
}

void Tokenizer::OtherRun(std::string_view run) {
  bool wordy = false;
  bool digit = false;
  for (unsigned char b : run) {
    if (b >= 0x80 || IsAsciiAlnum(b)) wordy = true;
    if (b >= '0' && b <= '9') {
      digit = true;
      break;
    }
  }
  if (!wordy) return;  // spaces and ASCII punctuation only
  size_t gap = 0;
  if (digit) {
    const auto* s = reinterpret_cast<const uint8_t*>(run.data());
    const size_t n = run.size();
    re2::StringPiece input(run.data(), n);
    re2::StringPiece m;
    size_t p = 0;
    while (p < n && chain_.Match(input, p, n, RE2::UNANCHORED, &m, 1) && !m.empty()) {
      size_t ms = static_cast<size_t>(m.data() - run.data());
      size_t me = ms + m.size();
      // Only a chain that is a word of its own counts; inside "café4kg" it
      // is left to ICU with the rest of the word.
      bool bounded = true;
      if (ms > 0) {
        size_t k = ms;
        UChar32 c;
        U8_BACK_1_UNSAFE(s, k);
        U8_NEXT_UNSAFE(s, k, c);
        bounded = !IsWordGlue(c);
      }
      if (bounded && me < n) {
        size_t k = me;
        UChar32 c;
        U8_NEXT_UNSAFE(s, k, c);
        bounded = !IsWordGlue(c);
      }
      if (bounded) {
        Words(run.substr(gap, ms - gap));
        Chain(run.substr(ms, me - ms));
        gap = me;
      }
      p = me;
    }
  }
  Words(run.substr(gap));
}

void Tokenizer::Words(std::string_view gap) {
  bool wordy = false;
  for (unsigned char b : gap) {
    if (b >= 0x80 || IsAsciiAlnum(b)) {
      wordy = true;
      break;
    }
  }
  if (!wordy) return;
  icu::BreakIterator* bi = sc_.Words();
  if (bi != nullptr && sc_.SetText(bi, gap)) {
    int32_t start = bi->first();
    for (int32_t stop = bi->next(); stop != icu::BreakIterator::DONE;
         start = stop, stop = bi->next()) {
      if (bi->getRuleStatus() < UBRK_WORD_NONE_LIMIT) continue;  // spaces, punctuation
      Emit(gap.substr(static_cast<size_t>(start), static_cast<size_t>(stop - start)), pos_++);
    }
    return;
  }
  // No break iterator: words are maximal runs of letters, marks and digits.
  const auto* s = reinterpret_cast<const uint8_t*>(gap.data());
  size_t i = 0;
  size_t word = kNone;
  while (i <= gap.size()) {
    size_t k = i;
    bool glue = false;
    if (i < gap.size()) {
      UChar32 c;
      U8_NEXT_UNSAFE(s, i, c);
      glue = IsWordGlue(c);
    } else {
      ++i;
    }
    if (glue && word == kNone) word = k;
    if (!glue && word != kNone) {
      Emit(gap.substr(word, k - word), pos_++);
      word = kNone;
    }
  }
}

void Tokenizer::Chain(std::string_view chain) {
  // Parts: numbers (digits with their '.' and ',') and letter groups, split at
  // hyphens and at letter/digit changes. The pattern guarantees '.' and ','
  // only occur between digits.
  auto is_num = [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == ','; };
  std::vector<std::pair<size_t, size_t>>& parts = sc_.parts;  // [begin, end) in chain
  parts.clear();
  for (size_t i = 0; i < chain.size();) {
    if (chain[i] == '-') {
      ++i;
      continue;
    }
    size_t start = i;
    bool num = is_num(chain[i]);
    while (i < chain.size() && chain[i] != '-' && is_num(chain[i]) == num) ++i;
    parts.emplace_back(start, i);
  }
  const size_t p = parts.size();
  const uint32_t base = pos_;
  // Parts j..j+len-1 as one token, thousands separators removed.
  auto emit = [&](size_t j, size_t len) {
    std::string_view t = chain.substr(parts[j].first, parts[j + len - 1].second - parts[j].first);
    std::string text;
    text.reserve(t.size());
    for (char c : t) {
      if (c != ',') text.push_back(c);
    }
    out_->push_back(Token{std::move(text), base + static_cast<uint32_t>(j)});
  };
  if (!query_) {
    // The whole chain, each part, and each run of 2..kMaxSubChain parts, so
    // that a query naming a piece of a chain ("ddr4" or "4-3200" in
    // "ddr4-3200") finds it as one token. Bounded, so linear in the parts.
    emit(0, p);
    if (p > 1) {
      for (size_t j = 0; j < p; ++j) {
        emit(j, 1);
        for (size_t len = 2; len <= kMaxSubChain && j + len <= p; ++len) {
          if (len < p) emit(j, len);
        }
      }
    }
  } else if (p <= kMaxSubChain) {
    emit(0, p);  // the whole chain only
  } else {
    // Longer than any indexed piece: covering pieces of kMaxSubChain parts,
    // as bigrams cover a CJK run.
    for (size_t j = 0; j + kMaxSubChain <= p; j += kMaxSubChain) emit(j, kMaxSubChain);
    if (p % kMaxSubChain != 0) emit(p - kMaxSubChain, kMaxSubChain);
  }
  pos_ += static_cast<uint32_t>(p);
}

// ---------------------------------------------------------------------------

// Entries of the per-thread memo of reading tokens (AnalyzeReadings): at
// most a few MB a thread.
constexpr size_t kReadingTokenMemo = 1 << 16;

class IcuAnalyzer final : public Analyzer {
 public:
  static RE2::Options ChainOptions() {
    RE2::Options o;
    o.set_longest_match(true);  // maximal chains: "sku-123" whole, not "sku-12"
    o.set_log_errors(false);
    return o;
  }

  IcuAnalyzer(const icu::Normalizer2* nfkc_cf, std::unique_ptr<KanjiReadings> readings)
      : nfkc_cf_(nfkc_cf), chain_(kChainPattern, ChainOptions()), readings_(std::move(readings)) {}

  const RE2& chain() const { return chain_; }

  std::string Normalize(std::string_view text) const override {
    ThreadScratch& sc = Scratch();
    NormalizeInto(text, &sc);
    return sc.norm;
  }

  uint32_t AnalyzeForIndex(std::string_view text, uint32_t first_position,
                           std::vector<Token>* out) const override {
    ValueMemo& memo = Values();
    const bool memoable = text.size() <= ValueMemo::kMaxTextBytes;
    if (memoable) {
      std::string_view e;
      if (memo.entries.Find(text, &e)) {
        uint32_t used;
        std::memcpy(&used, e.data(), 4);
        for (size_t k = 4; k < e.size();) {
          uint32_t pos, len;
          std::memcpy(&pos, e.data() + k, 4);
          std::memcpy(&len, e.data() + k + 4, 4);
          out->push_back({std::string(e.substr(k + 8, len)), first_position + pos});
          k += 8 + len;
        }
        return first_position + used;
      }
    }
    const size_t before = out->size();
    ThreadScratch& sc = Scratch();
    NormalizeInto(text, &sc);
    Tokenizer t(chain_, &sc, /*query=*/false, first_position, out, nullptr);
    t.Run(sc.norm);
    // Remembered from its second sighting on: most titles occur once, and
    // copying their tokens would only push out the values that repeat.
    if (memoable && memo.SeenBefore(std::hash<std::string_view>()(text))) {
      std::string& e = sc.tmp;  // free again: NormalizeInto is done with it
      e.clear();
      auto put = [&e](uint32_t v) { e.append(reinterpret_cast<const char*>(&v), 4); };
      put(t.position() - first_position);
      for (size_t i = before; i < out->size(); ++i) {
        put((*out)[i].position - first_position);
        put(static_cast<uint32_t>((*out)[i].text.size()));
        e.append((*out)[i].text);
      }
      memo.entries.Insert(text, e);
    }
    return t.position();
  }

  TermPlan AnalyzeQueryTerm(std::string_view text) const override {
    ThreadScratch& sc = Scratch();
    NormalizeInto(text, &sc);
    TermPlan plan;
    Tokenizer t(chain_, &sc, /*query=*/true, 0, &plan.phrase, &plan.bonus);
    t.Run(sc.norm);
    return plan;
  }

  void AnalyzeReadings(std::string_view text, uint32_t position,
                       std::vector<Token>* out) const override {
    if (!HasHan(text)) return;  // most fields of most shops: no MeCab call
    // MeCab sees the text NFKC-normalized but with its hiragana kept (食べる
    // segments well, 食ベル does not); each reading is then normalized as
    // any text is, which is what the query side compares it with.
    thread_local std::string buf, nfkc;
    const ThreadScratch& sc = Scratch();
    if (text == sc.nfkc_source) {
      nfkc = sc.nfkc_result;  // a copy: Normalize below reuses the scratch
    } else {
      std::string_view valid = SanitizeUtf8(Truncate(text), &buf);
      Nfkc(valid, &nfkc);
    }
    // The tokens of readings met before, per thread: a catalogue has a few
    // tens of thousands of distinct readings and repeats them millions of
    // times, and normalizing one (ICU) cost more than finding it here.
    // Cleared when full; a pure function of the reading.
    thread_local StringMemo tokens(kReadingTokenMemo, kReadingTokenMemo * 64);
    readings_->ForEachReading(nfkc, [&](std::string_view reading) {
      std::string_view token;
      if (tokens.Find(reading, &token)) {
        out->push_back({std::string(token), position});
        return;
      }
      std::string made(1, kReadingPrefix);
      made += Normalize(reading);
      tokens.Insert(reading, made);
      out->push_back({std::move(made), position});
    });
  }

  void ForEachReadingWord(
      std::string_view text,
      const std::function<void(std::string_view surface, std::string_view reading)>& emit)
      const override {
    thread_local std::string buf, nfkc;
    std::string_view valid = SanitizeUtf8(Truncate(text), &buf);
    Nfkc(valid, &nfkc);
    readings_->ForEachWord(nfkc, emit);
  }

  std::string QueryReading(std::string_view text) const override {
    std::string norm = Normalize(text);
    // Two or more katakana letters (and ー) after normalization.
    size_t letters = 0;
    bool kana = !norm.empty();
    const auto* p = reinterpret_cast<const uint8_t*>(norm.data());
    int32_t n = static_cast<int32_t>(norm.size()), i = 0;
    while (i < n && kana) {
      UChar32 c;
      U8_NEXT(p, i, n, c);
      kana = IsKatakana(c) || c == 0x30FC;
      letters += c != 0x30FC;
    }
    // The prefix is appended, not `std::string(1, prefix) + s`, over which
    // GCC 12 at -O3 warns of an overlapping memcpy that cannot happen.
    auto reading = [](std::string_view s) {
      std::string out;
      out.reserve(s.size() + 1);
      out += kReadingPrefix;
      out += s;
      return out;
    };
    if (kana && letters >= 2) return reading(norm);
    std::string katakana = RomajiToKatakana(norm);
    if (katakana.empty()) return "";
    return reading(Normalize(katakana));
  }

 private:
  // NFKC_CF of valid UTF-8 into *out (a copy of the input if ICU fails,
  // which it does not for valid UTF-8 short of memory exhaustion).
  void Nfkc(std::string_view in, std::string* out) const {
    out->clear();
    UErrorCode st = U_ZERO_ERROR;
    icu::StringByteSink<std::string> sink(out, static_cast<int32_t>(in.size()));
    nfkc_cf_->normalizeUTF8(0, icu::StringPiece(in.data(), static_cast<int32_t>(in.size())),
                            sink, nullptr, st);
    if (U_FAILURE(st)) out->assign(in);
  }

  // Steps 1-4; the result is left in sc->norm. Folding kana can undo NFKC in
  // rare cases (see Fold), so then the pair of steps repeats until the text
  // is stable; two rounds suffice in practice, the bound only guards against
  // surprises.
  // sc->dropped_bars is left with the offsets where a trailing ー was
  // dropped; when NFKC has to run again (composing a voicing mark moves
  // bytes), the earlier offsets no longer hold and are forgotten, which only
  // costs such rare texts the extra bigram.
  void NormalizeInto(std::string_view text, ThreadScratch* sc) const {
    sc->dropped_bars.clear();
    std::string_view valid = SanitizeUtf8(Truncate(text), &sc->tmp);
    Nfkc(valid, &sc->norm);
    sc->nfkc_source.assign(text);
    sc->nfkc_result.assign(sc->norm);
    for (int round = 0; round < 4; ++round) {
      if (!MayNeedKanaFold(sc->norm)) return;
      Fold fold = FoldKana(sc->norm, &sc->tmp, &sc->dropped_bars);
      if (fold == Fold::kUnchanged) return;
      sc->norm.swap(sc->tmp);
      if (fold == Fold::kChanged) return;
      UErrorCode st = U_ZERO_ERROR;
      UBool normalized = nfkc_cf_->isNormalizedUTF8(
          icu::StringPiece(sc->norm.data(), static_cast<int32_t>(sc->norm.size())), st);
      if (U_FAILURE(st) || normalized) return;
      Nfkc(sc->norm, &sc->tmp);
      sc->norm.swap(sc->tmp);
      sc->dropped_bars.clear();
    }
  }

  const icu::Normalizer2* nfkc_cf_;  // ICU-owned singleton, immutable
  RE2 chain_;                        // const matching is thread-safe
  std::unique_ptr<KanjiReadings> readings_;  // immutable, thread-safe
};

}  // namespace

Analyzer::Analyzer() {
  static std::atomic<uint64_t> next{1};
  instance_id_ = next.fetch_add(1, std::memory_order_relaxed);
}

Result<std::unique_ptr<Analyzer>> Analyzer::Create() {
  UErrorCode st = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(st);
  if (U_FAILURE(st) || nfkc_cf == nullptr) {
    return Status::Internal(std::string("ICU nfkc_cf normalizer unavailable: ") +
                            u_errorName(st));
  }
  // Fail here, not on the first document, if the break iterator data is
  // missing. Threads create their own iterators later (see top of file).
  st = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> probe(
      icu::BreakIterator::createWordInstance(icu::Locale::getJapanese(), st));
  if (U_FAILURE(st) || probe == nullptr) {
    return Status::Internal(std::string("ICU word break iterator unavailable: ") +
                            u_errorName(st));
  }
  SAIKI_ASSIGN_OR_RETURN(std::unique_ptr<KanjiReadings> readings, KanjiReadings::Create());
  auto analyzer = std::make_unique<IcuAnalyzer>(nfkc_cf, std::move(readings));
  if (!analyzer->chain().ok()) {
    return Status::Internal("RE2 number-chain pattern does not compile: " +
                            analyzer->chain().error());
  }
  return std::unique_ptr<Analyzer>(std::move(analyzer));
}

}  // namespace saiki::index
