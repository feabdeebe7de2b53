// Romaji to katakana, as a Japanese input method reads what is typed. See
// RomajiToKatakana in readings.h, and README "Design notes" for why this is
// a table here and not ICU's Latin-Katakana.
#include "index/readings.h"

#include <array>
#include <string>
#include <string_view>

namespace saiki::index {
namespace {

// The kana of an onset (the consonant letters before a vowel) followed by
// a, i, u, e, o; nullptr where the pair is not romaji. The onsets and their
// kana are those of the common input methods' romaji tables (Hepburn,
// Kunrei and the typing forms: si and shi are both シ, tu and tsu ツ, hu
// and fu フ; x and l write small kana).
struct Onset {
  std::string_view letters;
  std::array<const char*, 5> kana;  // a i u e o
};

constexpr Onset kOnsets[] = {
    {"", {"ア", "イ", "ウ", "エ", "オ"}},
    {"k", {"カ", "キ", "ク", "ケ", "コ"}},
    {"ky", {"キャ", "キィ", "キュ", "キェ", "キョ"}},
    {"kw", {"クァ", nullptr, nullptr, nullptr, nullptr}},
    {"g", {"ガ", "ギ", "グ", "ゲ", "ゴ"}},
    {"gy", {"ギャ", "ギィ", "ギュ", "ギェ", "ギョ"}},
    {"gw", {"グァ", nullptr, nullptr, nullptr, nullptr}},
    {"s", {"サ", "シ", "ス", "セ", "ソ"}},
    {"sh", {"シャ", "シ", "シュ", "シェ", "ショ"}},
    {"sy", {"シャ", "シィ", "シュ", "シェ", "ショ"}},
    {"z", {"ザ", "ジ", "ズ", "ゼ", "ゾ"}},
    {"zy", {"ジャ", "ジィ", "ジュ", "ジェ", "ジョ"}},
    {"j", {"ジャ", "ジ", "ジュ", "ジェ", "ジョ"}},
    {"jy", {"ジャ", "ジィ", "ジュ", "ジェ", "ジョ"}},
    {"t", {"タ", "チ", "ツ", "テ", "ト"}},
    {"ty", {"チャ", "チィ", "チュ", "チェ", "チョ"}},
    {"ts", {"ツァ", "ツィ", "ツ", "ツェ", "ツォ"}},
    {"th", {"テャ", "ティ", "テュ", "テェ", "テョ"}},
    {"c", {"カ", "シ", "ク", "セ", "コ"}},
    {"ch", {"チャ", "チ", "チュ", "チェ", "チョ"}},
    {"cy", {"チャ", "チィ", "チュ", "チェ", "チョ"}},
    {"d", {"ダ", "ヂ", "ヅ", "デ", "ド"}},
    {"dy", {"ヂャ", "ヂィ", "ヂュ", "ヂェ", "ヂョ"}},
    {"dz", {nullptr, nullptr, "ヅ", nullptr, nullptr}},
    {"dj", {"ヂャ", "ヂ", "ヂュ", "ヂェ", "ヂョ"}},
    {"dh", {"デャ", "ディ", "デュ", "デェ", "デョ"}},
    {"n", {"ナ", "ニ", "ヌ", "ネ", "ノ"}},
    {"ny", {"ニャ", "ニィ", "ニュ", "ニェ", "ニョ"}},
    {"h", {"ハ", "ヒ", "フ", "ヘ", "ホ"}},
    {"hy", {"ヒャ", "ヒィ", "ヒュ", "ヒェ", "ヒョ"}},
    {"f", {"ファ", "フィ", "フ", "フェ", "フォ"}},
    {"fy", {"フャ", "フィ", "フュ", "フェ", "フョ"}},
    {"b", {"バ", "ビ", "ブ", "ベ", "ボ"}},
    {"by", {"ビャ", "ビィ", "ビュ", "ビェ", "ビョ"}},
    {"p", {"パ", "ピ", "プ", "ペ", "ポ"}},
    {"py", {"ピャ", "ピィ", "ピュ", "ピェ", "ピョ"}},
    {"m", {"マ", "ミ", "ム", "メ", "モ"}},
    {"my", {"ミャ", "ミィ", "ミュ", "ミェ", "ミョ"}},
    {"y", {"ヤ", "イ", "ユ", "イェ", "ヨ"}},
    {"r", {"ラ", "リ", "ル", "レ", "ロ"}},
    {"ry", {"リャ", "リィ", "リュ", "リェ", "リョ"}},
    {"w", {"ワ", "ウィ", "ウ", "ウェ", "ヲ"}},
    {"v", {"ヴァ", "ヴィ", "ヴ", "ヴェ", "ヴォ"}},
    {"q", {"クァ", "クィ", "ク", "クェ", "クォ"}},
    {"x", {"ァ", "ィ", "ゥ", "ェ", "ォ"}},
    {"xy", {"ャ", nullptr, "ュ", nullptr, "ョ"}},
    {"xt", {nullptr, nullptr, "ッ", nullptr, nullptr}},
    {"xts", {nullptr, nullptr, "ッ", nullptr, nullptr}},
    {"xw", {"ヮ", nullptr, nullptr, nullptr, nullptr}},
    {"l", {"ァ", "ィ", "ゥ", "ェ", "ォ"}},
    {"ly", {"ャ", nullptr, "ュ", nullptr, "ョ"}},
    {"lt", {nullptr, nullptr, "ッ", nullptr, nullptr}},
    {"lts", {nullptr, nullptr, "ッ", nullptr, nullptr}},
    {"lw", {"ヮ", nullptr, nullptr, nullptr, nullptr}},
};
constexpr size_t kLongestOnset = 3;

int VowelIndex(char c) {
  switch (c) {
    case 'a': return 0;
    case 'i': return 1;
    case 'u': return 2;
    case 'e': return 3;
    case 'o': return 4;
    default: return -1;
  }
}

// The kana of onset + vowel, or nullptr.
const char* Syllable(std::string_view onset, int vowel) {
  for (const Onset& o : kOnsets) {
    if (o.letters == onset) return o.kana[vowel];
  }
  return nullptr;
}

}  // namespace

std::string RomajiToKatakana(std::string_view word) {
  if (word.size() < 2 || word.size() > 32) return "";
  bool vowel = false;
  for (char c : word) {
    if ((c < 'a' || c > 'z') && c != '-') return "";
    vowel |= VowelIndex(c) >= 0;
  }
  if (!vowel || word.front() == '-') return "";
  std::string out;
  out.reserve(word.size() * 4);
  const size_t n = word.size();
  for (size_t i = 0; i < n;) {
    const char c = word[i];
    const char next = i + 1 < n ? word[i + 1] : '\0';
    if (c == '-') {  // a long vowel mark, as input methods type ー
      out += "ー";
      ++i;
      continue;
    }
    if (c == 'n' && (next == '\0' || next == 'n' || (VowelIndex(next) < 0 && next != 'y'))) {
      // ン: n at the end or before a consonant; nn is one ン unless the
      // second n starts a syllable of its own (konnichiha, kinnen: n n-i).
      out += "ン";
      const bool pair = next == 'n' && (i + 2 == n || (VowelIndex(word[i + 2]) < 0 && word[i + 2] != 'y'));
      i += pair ? 2 : 1;
      continue;
    }
    if (c == 'm' && (next == 'b' || next == 'p')) {  // Hepburn's shimbun, kampai
      out += "ン";
      ++i;
      continue;
    }
    if (VowelIndex(c) < 0 &&
        (next == c || (c == 't' && next == 'c' && i + 2 < n && word[i + 2] == 'h'))) {
      // A doubled consonant (gakkou, matcha, and Hepburn's tch) is ッ and
      // the second letter starts the next syllable.
      out += "ッ";
      ++i;
      continue;
    }
    // The longest onset that a vowel follows and that makes a syllable.
    const char* kana = nullptr;
    size_t used = 0;
    for (size_t len = 0; len <= kLongestOnset && i + len < n; ++len) {
      const int v = VowelIndex(word[i + len]);
      if (v < 0) continue;
      kana = Syllable(word.substr(i, len), v);
      used = len + 1;
      break;  // the first vowel ends the onset
    }
    if (!kana) return "";  // not romaji (xyz, owl, str)
    out += kana;
    i += used;
  }
  return out;
}

}  // namespace saiki::index
