// Kanji readings through MeCab + IPADIC. See readings.h.
#include "index/readings.h"

#include "index/string_memo.h"

#include <mecab.h>
#include <unicode/utf8.h>

#include <cstdlib>
#include <mutex>
#include <string>

#ifndef SAIKI_MECAB_DICDIR
#define SAIKI_MECAB_DICDIR "/var/lib/mecab/dic/ipadic-utf8"
#endif

namespace saiki::index {
namespace {

// IPADIC's features: 品詞,品詞細分類1,細分類2,細分類3,活用型,活用形,原形,読み,発音.
constexpr int kReadingFeature = 7;

// The process's one model: loaded by the first Create(), never freed (the
// dictionary is mmapped; threads' taggers point into it).
std::once_flag model_once;
MeCab::Model* model = nullptr;
std::string model_error;

std::string DicDir() {
  const char* env = std::getenv("SAIKI_MECAB_DICDIR");
  return env && *env ? env : SAIKI_MECAB_DICDIR;
}

void LoadModel() {
  const std::string dir = DicDir();
  // -r /dev/null: do not read a user's or the system's mecabrc, whose
  // dicdir may name another dictionary with other features.
  std::string args = "-r /dev/null -d " + dir;
  model = MeCab::createModel(args.c_str());
  if (model == nullptr) {
    model_error = "MeCab could not load the dictionary in " + dir + " (" +
                  MeCab::getLastError() +
                  "): install the Debian package mecab-ipadic-utf8, or set "
                  "SAIKI_MECAB_DICDIR to an IPADIC UTF-8 dictionary";
    return;
  }
  const MeCab::DictionaryInfo* info = model->dictionary_info();
  std::string charset = info && info->charset ? info->charset : "";
  for (char& c : charset) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (charset != "utf-8" && charset != "utf8") {
    model_error = "the MeCab dictionary in " + dir + " is in " + charset +
                  ", not UTF-8: install the Debian package mecab-ipadic-utf8";
    delete model;
    model = nullptr;
  }
}

struct ThreadMecab {
  std::unique_ptr<MeCab::Tagger> tagger;
  std::unique_ptr<MeCab::Lattice> lattice;
  std::string sentence;  // the lattice points into it while parsing

  // The readings of recent pieces of text (ForEachReadingSpan): piece ->
  // (begin and length, 16 bits each little-endian, reading length, reading
  // bytes)... Catalogues repeat pieces far more than whole values: the
  // words of a title between its spaces (a brand, 送料無料, 耐熱ガラス), a
  // description's boilerplate sentences, tags, brands, categories; and
  // MeCab is the costliest step of the analysis. Offsets fit 16 bits, hence
  // the piece bound; the map is cleared when full. MeCab's answer is a pure
  // function of the piece, so the memo never changes a result. Every
  // thread that analyzes text (a server's too) keeps one: at most 64K
  // entries and 8 MB of text.
  static constexpr size_t kMemoMaxTextBytes = 4096;
  StringMemo memo{size_t{1} << 16, size_t{8} << 20};
};

ThreadMecab& Mecab() {
  thread_local ThreadMecab t;
  if (!t.tagger && model != nullptr) {
    t.tagger.reset(model->createTagger());
    t.lattice.reset(model->createLattice());
  }
  return t;
}

bool IsHan(UChar32 c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F) || c == 0x3005 ||
         c == 0x3006;
}

}  // namespace

bool HasHan(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  int32_t n = static_cast<int32_t>(s.size()), i = 0;
  while (i < n) {
    if (p[i] < 0xE3) {  // ASCII, Latin, Greek...: no Han below U+3000
      ++i;
      continue;
    }
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (IsHan(c)) return true;
  }
  return false;
}

Result<std::unique_ptr<KanjiReadings>> KanjiReadings::Create() {
  std::call_once(model_once, LoadModel);
  if (model == nullptr) return Status::Internal(model_error);
  return std::unique_ptr<KanjiReadings>(new KanjiReadings());
}

KanjiReadings::~KanjiReadings() = default;

void KanjiReadings::ForEachReading(
    std::string_view text, const std::function<void(std::string_view reading)>& emit) const {
  ForEachReadingSpan(text, [&](size_t, size_t, std::string_view reading) { emit(reading); });
}

namespace {

// Where a piece of text ends for ForEachReadingSpan: at whitespace (MeCab
// never lets a word cross it) and after a sentence's end (。 ! ?, as NFKC
// writes the full-width forms; the full-width forms too, for callers that
// pass text not normalized).
bool IsPieceSpace(UChar32 c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
         c == 0x3000;
}
bool IsSentenceEnd(UChar32 c) {
  return c == 0x3002 || c == '!' || c == '?' || c == 0xFF01 || c == 0xFF1F || c == 0xFF61;
}

// The readings of one piece (no whitespace inside), memoised; offsets are
// the piece's own and `at` is added to them.
void ReadPiece(ThreadMecab& m, std::string_view piece, size_t at,
               const std::function<void(size_t begin, size_t end, std::string_view reading)>& emit) {
  if (!HasHan(piece)) return;
  const bool memo = piece.size() <= ThreadMecab::kMemoMaxTextBytes;
  std::string_view w;
  if (memo && m.memo.Find(piece, &w)) {
    for (size_t k = 0; k + 5 <= w.size();) {
      const auto* p = reinterpret_cast<const uint8_t*>(w.data() + k);
      const size_t begin = p[0] | size_t{p[1]} << 8, len = p[2] | size_t{p[3]} << 8,
                   rlen = p[4];
      emit(at + begin, at + begin + len, w.substr(k + 5, rlen));
      k += 5 + rlen;
    }
    return;
  }
  std::string found;  // the memo entry being built
  bool storable = memo;
  m.sentence.assign(piece);
  m.lattice->set_sentence(m.sentence.c_str(), m.sentence.size());
  if (!m.tagger->parse(m.lattice.get())) return;
  for (const MeCab::Node* node = m.lattice->bos_node(); node != nullptr; node = node->next) {
    if (node->stat != MECAB_NOR_NODE) continue;
    if (!HasHan(std::string_view(node->surface, node->length))) continue;
    std::string_view feature = node->feature ? node->feature : "";
    // The kReadingFeature-th comma-separated field.
    size_t start = 0;
    for (int f = 0; f < kReadingFeature && start != std::string_view::npos; ++f) {
      size_t comma = feature.find(',', start);
      start = comma == std::string_view::npos ? comma : comma + 1;
    }
    if (start == std::string_view::npos) continue;  // an unknown word: no reading
    size_t end = feature.find(',', start);
    std::string_view reading = feature.substr(start, end == std::string_view::npos
                                                         ? std::string_view::npos
                                                         : end - start);
    if (reading.empty() || reading == "*") continue;
    // MeCab's surface points into the copy of `piece` it parsed.
    size_t begin = static_cast<size_t>(node->surface - m.sentence.data());
    emit(at + begin, at + begin + node->length, reading);
    if (storable && reading.size() <= 255) {
      const size_t len = node->length;
      const char head[5] = {static_cast<char>(begin), static_cast<char>(begin >> 8),
                            static_cast<char>(len), static_cast<char>(len >> 8),
                            static_cast<char>(reading.size())};
      found.append(head, 5);
      found.append(reading);
    } else {
      storable = false;
    }
  }
  m.lattice->clear();
  if (storable) m.memo.Insert(piece, found);
}

}  // namespace

void KanjiReadings::ForEachReadingSpan(
    std::string_view text,
    const std::function<void(size_t begin, size_t end, std::string_view reading)>& emit) const {
  if (!HasHan(text)) return;
  ThreadMecab& m = Mecab();
  if (!m.tagger || !m.lattice) return;  // out of memory creating them: no readings
  // One MeCab parse per piece (see readings.h), so that the pieces shop
  // text repeats hit the memo.
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t n = static_cast<int32_t>(text.size());
  int32_t start = 0, i = 0;
  while (i < n) {
    const int32_t at = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (IsPieceSpace(c)) {
      if (at > start) ReadPiece(m, text.substr(start, at - start), start, emit);
      start = i;
    } else if (IsSentenceEnd(c)) {
      ReadPiece(m, text.substr(start, i - start), start, emit);
      start = i;
    }
  }
  if (n > start) ReadPiece(m, text.substr(start), start, emit);
}

void KanjiReadings::ForEachWord(
    std::string_view text,
    const std::function<void(std::string_view surface, std::string_view reading)>& emit) const {
  ThreadMecab& m = Mecab();
  if (!m.tagger || !m.lattice) return;
  m.sentence.assign(text);
  m.lattice->set_sentence(m.sentence.c_str(), m.sentence.size());
  if (!m.tagger->parse(m.lattice.get())) return;
  for (const MeCab::Node* node = m.lattice->bos_node(); node != nullptr; node = node->next) {
    if (node->stat != MECAB_NOR_NODE && node->stat != MECAB_UNK_NODE) continue;
    std::string_view feature = node->feature ? node->feature : "";
    size_t start = 0;
    for (int f = 0; f < kReadingFeature && start != std::string_view::npos; ++f) {
      size_t comma = feature.find(',', start);
      start = comma == std::string_view::npos ? comma : comma + 1;
    }
    // IPADIC's second feature: 固有名詞 for proper nouns.
    const size_t c1 = feature.find(',');
    std::string_view pos2;
    if (c1 != std::string_view::npos) {
      const size_t c2 = feature.find(',', c1 + 1);
      pos2 = feature.substr(c1 + 1, c2 == std::string_view::npos ? c2 : c2 - c1 - 1);
    }
    const bool proper = pos2 == "固有名詞";
    std::string_view reading;
    if (start != std::string_view::npos && !proper) {
      size_t end = feature.find(',', start);
      reading = feature.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                                    : end - start);
      if (reading == "*") reading = {};
    }
    const size_t space = node->rlength > node->length ? node->rlength - node->length : 0;
    emit(std::string_view(node->surface - space, node->length + space), reading);
  }
  m.lattice->clear();
}

}  // namespace saiki::index
