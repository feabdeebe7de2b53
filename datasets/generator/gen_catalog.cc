// gen_catalog: the deterministic generator of saiki's synthetic Japanese
// product catalogue.
//
// It writes a CSV (RFC 4180, UTF-8, LF line ends, header row) of products that
// read like a Japanese web shop's dump: shop-style titles that mix kanji, kana,
// Latin, digits, full- and half-width forms (【送料無料】, ｲﾇ用, ＤＯＧ, 2.5kg,
// AB-1200, 2024年モデル), short descriptions, brands, a three-level category
// path, prices, ratings and review counts. Every product also carries the
// latent attributes that simulated users have preferences over (brand, leaf
// category, style, price tier), and those attributes leak modestly into the
// text the way they do in real shops (premium items say 高級/プレミアム more
// often, a brand keeps to its house style).
//
// Output is a pure function of (--seed, row index): each row has its own PRNG
// stream, so `--count 5000` is a prefix of `--count 1000000` with the same
// seed, and no floating point or <random> distribution is involved, so the
// bytes do not depend on the standard library or the FPU. Rows are streamed;
// memory does not grow with --count.
//
// All vocabulary is embedded below. Spelling variants marked "sudachi" come
// from a small curated subset of the Sudachi synonym dictionary (Apache-2.0);
// the subset and its notice are in datasets/vocab/. Every brand is made up.
// See datasets/README.md.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

// ---------------------------------------------------------------------------
// Randomness. splitmix64 seeds xoshiro256**; both are fully specified integer
// algorithms, unlike std::uniform_*_distribution whose output differs between
// standard libraries.

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& word : state_) word = SplitMix64(seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, n) by multiply-shift; the bias (< n / 2^32) is irrelevant
  // here and, unlike rejection sampling, the draw count is fixed.
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>(((Next() >> 32) * n) >> 32);
  }
  bool Percent(uint32_t p) { return Below(100) < p; }
  bool Permille(uint32_t p) { return Below(1000) < p; }
  int Between(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(Below(static_cast<uint32_t>(hi - lo + 1)));
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

// FNV-1a: gives each brand stable latent traits (popularity, quality) from
// its name alone, so reordering the table does not reshuffle them.
uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return h;
}

// ---------------------------------------------------------------------------
// Weighted word lists. The embedded vocabulary is written as compact specs so
// that a leaf category fits on a few lines:
//   "a;b|b2*3#1"  two entries separated by ';'. "b|b2" is one word with a
//                 spelling variant b2 (first spelling is canonical and used
//                 most of the time), "*3" is its weight (default 1) and "#1"
//                 its size group (default 0, used by nouns to pick sizes).
//   sizes:        "label:factor;..." groups separated by '^'; factor is the
//                 price multiplier in percent; label "-" means "no size text".

struct Entry {
  std::vector<std::string> forms;  // forms[0] is the canonical spelling
  uint32_t weight = 1;
  int group = 0;
  int factor = 100;
};

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  if (s.empty()) return parts;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// Strips a trailing "<marker><digits>" from item and returns the number, or
// fallback when there is none.
int TakeSuffixNumber(std::string_view& item, char marker, int fallback) {
  const size_t pos = item.rfind(marker);
  if (pos == std::string_view::npos || pos + 1 >= item.size()) return fallback;
  int value = 0;
  for (size_t i = pos + 1; i < item.size(); ++i) {
    const char c = item[i];
    if (c < '0' || c > '9') return fallback;
    value = value * 10 + (c - '0');
  }
  item = item.substr(0, pos);
  return value;
}

class WeightedList {
 public:
  WeightedList() = default;

  static WeightedList Parse(std::string_view spec) {
    WeightedList list;
    for (std::string_view item : Split(spec, ';')) {
      if (item.empty()) continue;
      Entry entry;
      // Markers may come in either order ("x*3#1" or "x#1*3").
      for (int round = 0; round < 2; ++round) {
        entry.weight = static_cast<uint32_t>(TakeSuffixNumber(item, '*', static_cast<int>(entry.weight)));
        entry.group = TakeSuffixNumber(item, '#', entry.group);
      }
      for (std::string_view form : Split(item, '|')) entry.forms.emplace_back(form);
      list.Add(std::move(entry));
    }
    return list;
  }

  static WeightedList ParseSizes(std::string_view group_spec) {
    WeightedList list;
    for (std::string_view item : Split(group_spec, ';')) {
      if (item.empty()) continue;
      Entry entry;
      entry.weight = static_cast<uint32_t>(TakeSuffixNumber(item, '*', 1));
      entry.factor = TakeSuffixNumber(item, ':', 100);
      entry.forms.emplace_back(item == "-" ? std::string_view() : item);
      list.Add(std::move(entry));
    }
    return list;
  }

  void Add(Entry entry) {
    total_ += entry.weight;
    cumulative_.push_back(total_);
    entries_.push_back(std::move(entry));
  }

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  const Entry& operator[](size_t i) const { return entries_[i]; }

  const Entry& Pick(Rng& rng) const {
    const uint32_t r = rng.Below(total_);
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), r);
    return entries_[static_cast<size_t>(it - cumulative_.begin())];
  }

 private:
  std::vector<Entry> entries_;
  std::vector<uint32_t> cumulative_;
  uint32_t total_ = 0;
};

// The canonical spelling most of the time, otherwise one of the variants:
// search has to treat コーヒー/珈琲 or サーバー/サーバ alike.
const std::string& Spell(const Entry& entry, Rng& rng, uint32_t variant_percent = 25) {
  if (entry.forms.size() == 1 || !rng.Percent(variant_percent)) return entry.forms[0];
  return entry.forms[1 + rng.Below(static_cast<uint32_t>(entry.forms.size() - 1))];
}

// ---------------------------------------------------------------------------
// Width conversions, so that the catalogue exercises the normaliser the way
// real shop data does (ＡＣＭＥ, ２．５ｋｇ, ｲﾇ用).

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// ASCII letters, digits and symbols to their full-width forms (U+FF01..FF5E).
std::string ToFullWidthAscii(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (c >= 0x21 && c <= 0x7E) {
      AppendUtf8(out, 0xFF01 + (c - 0x21));
    } else if (c == ' ') {
      AppendUtf8(out, 0x3000);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Half-width forms of U+30A1..U+30FC; voiced kana become two characters
// (ガ -> ｶﾞ). nullptr: no half-width form, the character is kept.
constexpr std::array<const char*, 92> kHalfWidthKatakana = {
    "ｧ", "ｱ", "ｨ", "ｲ", "ｩ", "ｳ", "ｪ", "ｴ", "ｫ", "ｵ",            // ァ..オ
    "ｶ", "ｶﾞ", "ｷ", "ｷﾞ", "ｸ", "ｸﾞ", "ｹ", "ｹﾞ", "ｺ", "ｺﾞ",      // カ..ゴ
    "ｻ", "ｻﾞ", "ｼ", "ｼﾞ", "ｽ", "ｽﾞ", "ｾ", "ｾﾞ", "ｿ", "ｿﾞ",      // サ..ゾ
    "ﾀ", "ﾀﾞ", "ﾁ", "ﾁﾞ", "ｯ", "ﾂ", "ﾂﾞ", "ﾃ", "ﾃﾞ", "ﾄ", "ﾄﾞ",  // タ..ド
    "ﾅ", "ﾆ", "ﾇ", "ﾈ", "ﾉ",                                      // ナ..ノ
    "ﾊ", "ﾊﾞ", "ﾊﾟ", "ﾋ", "ﾋﾞ", "ﾋﾟ", "ﾌ", "ﾌﾞ", "ﾌﾟ",          // ハ..プ
    "ﾍ", "ﾍﾞ", "ﾍﾟ", "ﾎ", "ﾎﾞ", "ﾎﾟ",                            // ヘ..ポ
    "ﾏ", "ﾐ", "ﾑ", "ﾒ", "ﾓ",                                      // マ..モ
    "ｬ", "ﾔ", "ｭ", "ﾕ", "ｮ", "ﾖ",                                 // ャ..ヨ
    "ﾗ", "ﾘ", "ﾙ", "ﾚ", "ﾛ",                                      // ラ..ロ
    nullptr, "ﾜ", nullptr, nullptr, "ｦ", "ﾝ", "ｳﾞ",               // ヮ..ヴ
    nullptr, nullptr, "ﾜﾞ", nullptr, nullptr, "ｦﾞ", "･", "ｰ",     // ヵ..ー
};

std::string ToHalfWidthKatakana(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if ((b0 & 0xF0) == 0xE0 && i + 2 < s.size()) {
      const uint32_t cp = ((b0 & 0x0Fu) << 12) |
                          ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
                          (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
      if (cp >= 0x30A1 && cp <= 0x30FC && kHalfWidthKatakana[cp - 0x30A1] != nullptr) {
        out += kHalfWidthKatakana[cp - 0x30A1];
        i += 3;
        continue;
      }
    }
    out += s[i];
    ++i;
  }
  return out;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// ---------------------------------------------------------------------------
// Top categories, styles and price tiers: the latent attributes.

enum Top : int {
  kPet, kFood, kDrink, kDaily, kKitchen, kBeauty, kFashion, kAppliance,
  kToy, kOutdoor, kStationery, kBaby, kTopCount
};

constexpr std::array<const char*, kTopCount> kTopNames = {
    "ペット用品", "食品", "飲料", "日用品", "キッチン用品", "ビューティー",
    "ファッション", "家電", "おもちゃ", "アウトドア", "文房具", "ベビー用品"};

// Share of the catalogue per top category; pets are over-represented because
// the search tests lean on 犬/猫 queries.
constexpr std::array<uint32_t, kTopCount> kTopWeights = {16, 10, 8, 8, 9, 8, 10, 8, 6, 7, 6, 6};

enum Style : int {
  kSimple, kNatural, kLuxury, kCute, kOutdoorStyle, kBusiness, kSporty, kJapanese, kStyleCount
};

constexpr unsigned S(Style s) { return 1u << s; }

// Styles that make sense in each top category (nobody sells business-style
// baby wipes); a brand's house style outside this set is not used there.
constexpr std::array<unsigned, kTopCount> kAllowedStyles = {
    S(kSimple) | S(kNatural) | S(kLuxury) | S(kCute) | S(kOutdoorStyle),                   // pet
    S(kSimple) | S(kNatural) | S(kLuxury) | S(kCute) | S(kJapanese),                       // food
    S(kSimple) | S(kNatural) | S(kLuxury) | S(kSporty) | S(kJapanese),                     // drink
    S(kSimple) | S(kNatural) | S(kLuxury) | S(kCute),                                      // daily
    S(kSimple) | S(kNatural) | S(kLuxury) | S(kCute) | S(kOutdoorStyle) | S(kJapanese),    // kitchen
    S(kSimple) | S(kNatural) | S(kLuxury) | S(kCute),                                      // beauty
    0xFFu,                                                                                 // fashion
    S(kSimple) | S(kLuxury) | S(kCute) | S(kBusiness) | S(kSporty),                        // appliance
    S(kSimple) | S(kNatural) | S(kCute) | S(kSporty) | S(kOutdoorStyle),                   // toy
    S(kSimple) | S(kLuxury) | S(kOutdoorStyle) | S(kSporty),                               // outdoor
    S(kSimple) | S(kLuxury) | S(kCute) | S(kBusiness) | S(kJapanese),                      // stationery
    S(kSimple) | S(kNatural) | S(kCute),                                                   // baby
};

struct StyleSpec {
  const char* name;
  const char* goods_words;       // title words on durable goods
  const char* consumable_words;  // title words on food, drink, detergent...
  const char* colors;            // colours this style sells most (sudachi variants)
  const char* sentences;
  const char* tags;
};

constexpr std::array<StyleSpec, kStyleCount> kStyles = {{
    {"シンプル", "シンプル*3;無地;ベーシック;定番;スタンダード;おしゃれ", "定番;ベーシック;スタンダード",
     "ホワイト|白*3;ブラック|黒*3;グレー|グレイ|灰色*2;ネイビー;ベージュ;アイボリー",
     "飽きのこないシンプルなデザインで、どんなシーンにもなじみます。;余計な装飾を省いた、長く使える定番アイテムです。",
     "シンプル;定番;おしゃれ"},
    {"ナチュラル", "ナチュラル*3;自然派;素材にこだわった;オーガニック;天然素材", "無添加*3;オーガニック;自然派;素材にこだわった",
     "ベージュ*2;ナチュラル;ブラウン|茶色*2;グリーン|緑;アイボリー;カーキ",
     "自然素材のやさしい風合いを大切にしました。;素材選びから丁寧にこだわった、からだと暮らしにやさしい一品です。",
     "ナチュラル;天然素材;エコ"},
    {"高級", "高級*3;プレミアム*3;上質;ラグジュアリー;極上", "高級*2;プレミアム*3;特選;極上;贅沢",
     "ブラック|黒*3;ゴールド;シルバー;ネイビー;ボルドー;ホワイト|白",
     "厳選した素材を使い、細部まで仕上げた上質な逸品です。;大切な方への贈り物にもふさわしい、ワンランク上の品質です。",
     "高級;プレミアム;ギフト;贈り物"},
    {"かわいい", "かわいい*3;可愛い*2;キュート;ふんわり;パステル;ゆめかわ", "かわいい*2;可愛い;プチギフト",
     "ピンク|桃色*3;ミント;ラベンダー;イエロー|黄色;ホワイト|白;くすみピンク;ベビーブルー",
     "思わず笑顔になるかわいいデザインです。;やさしいパステルカラーで、お部屋がぱっと明るくなります。",
     "かわいい;プレゼント;SNS映え"},
    {"アウトドア", "アウトドア*3;キャンプ*2;タフ;アクティブ;防水", "アウトドア*2;キャンプ;携帯",
     "カーキ*2;オリーブ;コヨーテ;ブラック|黒;サンドベージュ;グリーン|緑",
     "キャンプやレジャーでも気兼ねなく使えるタフな作りです。;屋外での使用を想定し、汚れや水に強い素材を選びました。",
     "アウトドア;キャンプ;レジャー"},
    {"ビジネス", "ビジネス*3;大人の*2;オフィス;スマート;通勤", "オフィス;差し入れ",
     "ブラック|黒*3;ネイビー*2;チャコール;グレー|グレイ;ダークブラウン",
     "オンにもオフにも使える、大人のためのスマートなデザインです。;通勤やオフィスでの使いやすさを考え抜きました。",
     "ビジネス;通勤;大人"},
    {"スポーティ", "スポーツ*3;軽量*2;アクティブ;トレーニング;ジム", "スポーツ*2;アクティブ;運動後",
     "ブルー|青*2;レッド|赤*2;ブラック|黒*2;ホワイト|白;ネオンイエロー;オレンジ",
     "動きやすさと軽さを追求した、アクティブな毎日のためのアイテムです。;運動やトレーニングのお供にぴったりです。",
     "スポーツ;軽量;トレーニング"},
    {"和風", "和風*2;伝統;職人*2;手仕事;和モダン;老舗", "老舗*3;伝統;職人;匠;昔ながらの",
     "藍色*2;朱色;生成り;墨黒;抹茶色;桜色",
     "職人が一つひとつ丁寧に仕上げた、伝統の技が光る品です。;和の趣を感じる、落ち着いた佇まいが魅力です。",
     "和風;伝統;日本製;和モダン"},
}};

enum Tier : int { kBudget, kStandard, kPremium };
constexpr std::array<const char*, 3> kTierNames = {"budget", "standard", "premium"};

// ---------------------------------------------------------------------------
// Audiences: who a leaf category is for, and how shops write it in titles.

enum Audience : int { kNoAudience, kDog, kCat, kSmallPet, kBabyAudience };

struct AudienceSpec {
  const char* title_words;
  const char* description_words;  // fills {aud} in description templates
};

constexpr std::array<AudienceSpec, 5> kAudiences = {{
    {"", ""},
    {"犬用*20;小型犬用*14;愛犬用*8;愛犬*7;子犬*8;子犬用*5;中型犬*6;大型犬*4;犬*10;成犬*4;老犬*3;"
     "シニア犬*4;室内犬*3;ドッグ*5;いぬ*3;ｲﾇ用*3;ＤＯＧ*2;DOG*2;わんちゃん*3;犬猫兼用*2",
     "愛犬*4;わんちゃん*2;大切な愛犬;子犬からシニア犬まで;小型犬;家族の一員である愛犬"},
    {"猫用*20;愛猫*8;愛猫用*5;子猫*8;子猫用*4;猫*12;成猫*4;シニア猫*4;キャット*5;ねこ*4;ネコ*3;"
     "ﾈｺ用*2;ＣＡＴ*2;CAT*2;室内飼い*3;多頭飼い*3;犬猫兼用*1",
     "愛猫*4;ねこちゃん*2;大切な愛猫;子猫からシニア猫まで;室内飼いの猫"},
    {"うさぎ*6;ハムスター*5;小動物用*6;モルモット*2;チンチラ*2;デグー;小動物*4",
     "うさぎやハムスター;小動物;大切なペット"},
    {"ベビー*8;赤ちゃん*6;新生児*4;0歳*3;出産祝い*4;ベビー用*3;キッズ*2;ﾍﾞﾋﾞｰ",
     "赤ちゃん*3;ママと赤ちゃん;新生児;お子さま"},
}};

// ---------------------------------------------------------------------------
// Leaf categories. Each leaf says what is sold there and how it is written.

enum LeafFlag : unsigned {
  kColor = 1u << 0,       // sold in colours
  kModel = 1u << 1,       // has model numbers (AB-1200)
  kYear = 1u << 2,        // has model years (2024年モデル)
  kSeason = 1u << 3,      // clothing seasons (2024秋冬)
  kConsumable = 1u << 4,  // food, drink, detergent: different style words and notes
  kAlcohol = 1u << 5,     // needs the under-20 notice
  kMotif = 1u << 6,       // cute items may carry 猫柄/柴犬 motifs
};

struct LeafSpec {
  const char* path;
  Audience audience;
  uint32_t weight;  // relative share within its top category
  int price_lo;     // standard-tier yen range at size factor 100
  int price_hi;
  unsigned flags;
  const char* nouns;      // head nouns; "#g" picks the size group
  const char* features;   // product features, 1-3 per title
  const char* sizes;      // size groups, see WeightedList::ParseSizes
  const char* origins;    // production places; "{noun}" fuses with the noun
  const char* sentences;  // description templates: {brand} {noun} {feat} {aud} {size}
  const char* tags;       // category tags
};

// Variant spellings of 珈琲, Tシャツ/ティーシャツ, ロンT, バッグ/鞄, リュック,
// 財布/サイフ, おむつ/オムツ, 抱っこ紐, 醤油, 味噌, 素麺, ハサミ, ホッチキス,
// 寝袋/シュラフ, ヘッドホン, スピーカ, クリーナ, フィルタ, サーバ and the colour
// names follow the Sudachi synonym groups in datasets/vocab/.
constexpr LeafSpec kLeaves[] = {
    // ----- ペット用品 > 犬用品
    {"ペット用品>犬用品>フード", kDog, 3, 1200, 4800, kConsumable,
     "ドッグフード*4;ドライフード*2;ドライドッグフード;総合栄養食 ドライフード",
     "無添加*3;グレインフリー*2;国産*3;チキン*2;ラム&ライス;ビーフ;サーモン;低脂肪;小粒*2;ヒューマングレード;"
     "アレルギー配慮;体重管理;関節ケア;涙やけ対策",
     "500g:45;800g:60;1kg:70*2;1.5kg:85;2kg:100*2;2.5kg:115*2;3kg:130;5kg:190;6.5kg:230;8kg:270;800g×3袋:160",
     "国産*3;北海道産 鹿肉使用;九州産 鶏肉使用;京都産 おから使用;東京都の工房で手作り",
     "{aud}の健康を第一に考えた{feat}の{noun}です。*3;食いつきの良さにこだわり、素材本来の香りを活かしました。;"
     "香料・着色料を使わず、お腹にやさしいレシピに仕上げました。;毎日のごはんにちょうどよい{size}サイズです。",
     "ドッグフード*3;国産;無添加;まとめ買い"},
    {"ペット用品>犬用品>おやつ", kDog, 3, 380, 1280, kConsumable,
     "犬用おやつ|ドッグおやつ*3;ジャーキー*2;ガム;ボーロ;ささみ*2;歯みがきガム;ふりかけ",
     "無添加*3;国産*3;ささみ;鹿肉;さつまいも;チーズ;低カロリー*2;デンタルケア;しつけ用;ごほうび;小型犬向け;個包装*2",
     "40g:50;70g:70;100g:90*2;120g:100;200g:150;300g:200;40g×5袋:180;100g×3袋:220",
     "国産*3;北海道産;鹿児島県産;京都 老舗;東京都の工房",
     "{aud}へのごほうびにぴったりの{noun}です。*3;しつけやトレーニングのごほうびにも使いやすいサイズです。;"
     "噛むことで歯の健康維持をサポートします。;{feat}で、毎日あげても安心です。",
     "犬のおやつ*3;国産;無添加;ごほうび"},
    {"ペット用品>犬用品>ベッド", kDog, 3, 1980, 6980, kColor | kMotif,
     "ドッグベッド*3;ペットベッド*3;ペットマット;ペットクッション;カドラー;ペットソファ",
     "ふわふわ*2;洗える*3;滑り止め付き;ひんやり;冷感;あったか;通年;低反発;北欧デザイン;防水;ドーム型;オールシーズン",
     "SS:80;S:90*2;M:100*2;L:125;XL:150;3L:170", "",
     "{aud}がぐっすり眠れる{feat}の{noun}です。*3;カバーは取り外して洗濯機で丸洗いできます。;"
     "床暖房やエアコンの効いた部屋でも使いやすい素材です。",
     "ペットベッド*3;洗える;冬用;夏用"},
    {"ペット用品>犬用品>首輪・リード", kDog, 3, 980, 3980, kColor,
     "首輪*3;リード*3;ハーネス*3;首輪リードセット",
     "本革;反射材付き*2;名入れ;軽量*2;ナイロン;伸縮;お散歩;ワンタッチ;迷子防止;撥水;和柄;LED",
     "SS:80;S:90*2;M:100*2;L:120;XL:140", "東京都の革工房;京都の職人;日本製*2",
     "毎日のお散歩を快適にする{feat}の{noun}です。*3;{aud}の首まわりにやさしくフィットします。;"
     "夜のお散歩でも目立つ反射テープ付きです。",
     "お散歩*2;名入れ;ハーネス"},
    {"ペット用品>犬用品>おもちゃ", kDog, 3, 580, 1980, kColor,
     "犬用おもちゃ|ドッグトイ*3;ボール*2;ロープトイ;ぬいぐるみ;知育トイ;噛むおもちゃ*2",
     "丈夫*2;音が鳴る*2;天然ゴム;ストレス解消;歯みがき;ひとり遊び;引っ張り;コットン;ノーズワーク",
     "S:90;M:100*2;L:120;3個セット:240;5点セット:330", "",
     "遊びながらストレス解消ができる{noun}です。*2;噛んでも壊れにくい丈夫な素材を使用しています。;"
     "{aud}とのコミュニケーションにもおすすめです。",
     "犬のおもちゃ*3;ストレス解消;デンタルケア"},
    {"ペット用品>犬用品>ウェア", kDog, 3, 980, 3980, kColor | kSeason | kMotif,
     "ドッグウェア*3;犬服|犬の服*3;レインコート;パーカー;タンクトップ;セーター",
     "防寒*2;冷感;虫よけ;伸縮性;綿100%;着せやすい*2;ボーダー;撥水;パーカー風",
     "XS:90;S:95*2;M:100*2;L:110;XL:120;DS ダックス用:105;DM ダックス用:110;チワワ用 S:95;トイプードル用 M:100", "",
     "{aud}のための{feat}の{noun}です。*2;着せやすく、{aud}の動きを妨げないカッティングです。;"
     "お散歩やお出かけが楽しくなるデザインです。",
     "犬服*3;ドッグウェア;秋冬;春夏"},
    {"ペット用品>犬用品>トイレ用品", kDog, 3, 680, 2480, kConsumable,
     "ペットシーツ|ペットシート*4;トイレシート*2;おしっこシート;消臭シート",
     "厚型*2;薄型*2;消臭*2;抗菌;1回使い捨て;炭入り;しつけ;国産;まとめ買い",
     "レギュラー 100枚:80*2;ワイド 50枚:80*2;スーパーワイド 40枚:100;レギュラー 100枚×4袋:300;薄型 200枚:130",
     "国産", "{feat}タイプの{noun}です。*2;しっかり吸収してにおいを閉じ込めます。;{aud}のトイレトレーニングにも使えます。",
     "ペットシーツ*3;まとめ買い;消臭"},
    // ----- ペット用品 > 猫用品
    {"ペット用品>猫用品>フード", kCat, 3, 1000, 4200, kConsumable,
     "キャットフード*4;ドライフード*2;カリカリ;総合栄養食 キャットフード",
     "まぐろ*2;かつお*2;チキン;サーモン;グレインフリー*2;無添加*2;国産*3;下部尿路ケア;毛玉ケア*2;"
     "避妊・去勢後;低脂肪;着色料不使用",
     "500g:45;800g:60;1kg:70*2;1.5kg:85;2kg:100*2;2.7kg:120;4kg:165;500g×4袋:170",
     "国産*3;静岡県 焼津産 かつお使用;北海道産;東京都の工房",
     "{aud}の健康を考えた{feat}の{noun}です。*3;香りにこだわり、食いつきの良さを追求しました。;"
     "毎日のごはんにちょうどよい{size}サイズです。",
     "キャットフード*3;国産;無添加"},
    {"ペット用品>猫用品>おやつ", kCat, 3, 380, 1480, kConsumable,
     "猫用おやつ|キャットトリーツ*3;とろりペースト;液状おやつ*2;かつお節;ささみ;フリーズドライ おやつ",
     "まぐろ*2;かつお*2;ほたて;無添加*2;国産*3;毛玉ケア;水分補給;個包装*2;低カロリー;お試し",
     "14g×20本:100*2;14g×40本:180;30g:60;25g×3袋:120;40g:70;60本入:250",
     "国産*3;静岡県 焼津産;鹿児島県産 かつお",
     "{aud}が夢中になる{noun}です。*3;手から与えてコミュニケーションにも使えます。;{feat}で、毎日のごほうびに安心です。",
     "猫のおやつ*3;国産;無添加;ごほうび"},
    {"ペット用品>猫用品>猫砂", kCat, 3, 580, 1980, kConsumable,
     "猫砂*4;システムトイレ用 砂;ひのきの猫砂;おからの猫砂;紙の猫砂;鉱物系 猫砂",
     "固まる*3;流せる*2;消臭*3;抗菌;軽量;ほこりが少ない;多頭飼い;燃やせる;粉立ちなし",
     "5L:60;6L:70*2;7L:80*2;10L:100;6L×4袋:280;7L×6袋:380", "国産*2",
     "しっかり固まって捨てやすい{noun}です。*2;{feat}で、トイレまわりを清潔に保ちます。;{aud}にも使いやすい粒の大きさです。",
     "猫砂*3;まとめ買い;消臭"},
    {"ペット用品>猫用品>爪とぎ", kCat, 3, 480, 2480, kMotif,
     "爪とぎ|つめとぎ*4;爪とぎポール;段ボール 爪とぎ;麻 爪とぎ;爪とぎソファ",
     "麻;段ボール*2;省スペース;ベッド型;ソファ型;またたび付き*2;詰め替え;縦置き;高密度",
     "S:80;M:100*2;L:130;2個セット:190;3個セット:270", "国産;日本製",
     "{aud}の爪とぎ欲求を満たす{noun}です。*2;{feat}で、家具や壁を傷から守ります。;くつろぎスペースとしても使えます。",
     "爪とぎ*3;日本製;またたび"},
    {"ペット用品>猫用品>キャットタワー", kCat, 3, 4980, 14800, kColor,
     "キャットタワー*4;キャットウォーク;キャットステップ;キャットハウス",
     "据え置き*2;突っ張り*2;省スペース;木製;麻紐;ハンモック付き;天然木;大型猫;多頭飼い;爪とぎ付き;おしゃれ;北欧",
     "高さ100cm:70;高さ130cm:85;高さ160cm:100*2;高さ180cm:115;高さ240cm 突っ張り型:150", "",
     "{aud}の運動不足を解消する{feat}の{noun}です。*2;組み立て簡単で、お部屋になじむデザインです。;"
     "上下運動ができるので、室内飼いの猫におすすめです。",
     "キャットタワー*3;組み立て簡単;室内飼い"},
    {"ペット用品>猫用品>トイレ", kCat, 3, 1980, 6980, kColor,
     "猫トイレ*3;猫用トイレ*2;システムトイレ*2;フルカバー トイレ;ドーム型 トイレ",
     "飛び散り防止*2;大型;消臭*2;本体セット;上から入る;引き出し式;掃除しやすい;におわない;スコップ付き",
     "本体:100*3;本体 ハーフ:85;大型:130;本体+スコップ付き:110", "",
     "お手入れがしやすい{feat}の{noun}です。*2;砂の飛び散りを防ぎ、お部屋を清潔に保ちます。;{aud}が落ち着いて使える広さです。",
     "猫トイレ*3;消臭;お手入れ簡単"},
    // ----- ペット用品 > 小動物用品
    {"ペット用品>小動物用品>フード・牧草", kSmallPet, 1, 680, 2480, kConsumable,
     "牧草*3;チモシー*3;ペレット*2;ハムスターフード;うさぎフード",
     "一番刈り*2;二番刈り;無添加;低カロリー;高繊維;成長期用;シニア用;国産",
     "500g:60;1kg:100*2;2kg:180;3kg:250;500g×3袋:170", "北海道産*3;国産*2;アメリカ産",
     "{aud}の毎日の主食にぴったりの{noun}です。*2;よく噛むことで歯の伸びすぎを防ぎます。",
     "小動物*3;牧草;うさぎ"},
    {"ペット用品>小動物用品>ケージ", kSmallPet, 1, 2480, 9800, kColor,
     "ケージ*3;ケージセット*2;飼育ケース;ハムスターケージ;うさぎケージ",
     "スターターセット*2;広々;お掃除簡単*2;引き出しトレー;脱走防止;観察しやすい;静音",
     "幅40cm:70;幅60cm:100*2;幅80cm:140;幅95cm:180", "",
     "{aud}がのびのび暮らせる{noun}です。*2;{feat}で、毎日のお世話がぐっと楽になります。",
     "小動物*3;ケージ;うさぎ;ハムスター"},
    // ----- 食品
    {"食品>米・雑穀>米", kNoAudience, 1, 2480, 4480, kConsumable,
     "コシヒカリ*3;ゆめぴりか;あきたこまち*2;ひとめぼれ;つや姫;ななつぼし;白米;無洗米;玄米",
     "令和6年産*3;新米*2;特別栽培米;減農薬;精米;無洗米;一等米;食味ランキング特A;農家直送*2;小分け",
     "2kg:45;5kg:100*3;10kg:190*2;5kg×2袋:195;20kg:370;30kg 玄米:500",
     "新潟県産*4;魚沼産;北海道産*2;秋田県産*2;宮城県産;山形県産;京都産;京都府 丹後産*2;東京都産",
     "{feat}の{noun}です。ふっくら炊き上がり、冷めてもおいしいお米です。*2;精米したてを産地から直送します。;"
     "毎日の食卓に欠かせない{size}サイズです。",
     "お米*3;国産;新米;農家直送"},
    {"食品>麺類>うどん・そば", kNoAudience, 1, 680, 2980, kConsumable,
     "うどん*3;そば*3;十割そば;二八そば;素麺|そうめん*2;ざるそば;冷や麦",
     "乾麺*3;生麺;半生;つゆ付き*2;国産小麦;石臼挽き;手延べ;業務用;お徳用;ギフト箱",
     "200g×3袋:100*2;250g×4束:110;1kg:130;9食入:150;20人前:280;50g×20束:200",
     "香川県 讃岐*2;長野県 信州*2;京都 老舗*2;北海道産 そば粉;秋田 稲庭;兵庫県 揖保;奈良 三輪;東京都 深大寺",
     "のどごしの良い{feat}の{noun}です。*2;茹で時間が短く、忙しい日のお昼にも便利です。;"
     "職人が生地から丁寧に仕上げました。",
     "麺*2;乾麺;お中元;ギフト"},
    {"食品>スイーツ>和菓子", kNoAudience, 1, 1280, 4280, kConsumable,
     "羊羹|ようかん*3;どら焼き*2;最中;大福;わらび餅;干菓子;和菓子 詰め合わせ*2",
     "抹茶*2;栗;こしあん;つぶあん;北海道小豆;個包装*2;手作り;季節限定;無添加;お取り寄せ",
     "6個入:60;8個入:75;12個入:100*2;16個入:130;24個入:180;詰め合わせ 20個:170",
     "京都産 宇治抹茶使用*3;京都 老舗*3;京都府*2;東京都 浅草*2;東京都の和菓子店*2;北海道産 小豆;金沢;鹿児島県産",
     "{feat}の上品な甘さが楽しめる{noun}です。*3;老舗の職人が一つひとつ手作りしています。;"
     "日持ちがするので、手土産や贈り物にもおすすめです。",
     "和菓子*3;お取り寄せ;手土産;ギフト"},
    {"食品>スイーツ>チョコレート", kNoAudience, 1, 980, 3980, kConsumable,
     "チョコレート*4;生チョコ*2;トリュフ;ガトーショコラ;チョコレート アソート",
     "ハイカカオ*2;カカオ72%;ビター;ミルク;抹茶;ホワイト;個包装*2;バレンタイン;ギフトボックス;砂糖不使用;オーガニック",
     "6粒:60;9粒:80;12粒:100*2;16粒:130;200g:90;500g 大容量:200",
     "京都 宇治抹茶使用*2;東京都の工房*2;北海道産 生クリーム使用;国産",
     "口どけなめらかな{feat}の{noun}です。*3;カカオの香りを引き出すため、少量ずつ丁寧に仕上げています。;"
     "自分へのご褒美にも、大切な方への贈り物にも。",
     "チョコレート*3;スイーツ;バレンタイン;ギフト"},
    {"食品>調味料>醤油・だし", kNoAudience, 1, 680, 2480, kConsumable,
     "だしパック#0*3;あごだし#0;醤油|しょうゆ#1*2;白だし#1;めんつゆ#1;ぽん酢|ポン酢#1;味噌|みそ#2*2",
     "無添加*3;化学調味料不使用*2;かつお;昆布;減塩*2;天然醸造;木桶仕込み;国産大豆;業務用;お徳用",
     "8g×30袋:100*2;8g×50袋:150;10g×20袋:80^500ml:70;1L:110*2;1.8L:160;500ml×3本:200^750g:90;1kg:110;500g×2個:120",
     "京都 老舗*2;京都府産;香川県 小豆島;鹿児島県 枕崎産 かつお節;北海道産 昆布;東京都の老舗*2;九州",
     "料理の味がぐっと決まる{feat}の{noun}です。*3;昔ながらの製法で、素材のうまみを引き出しました。;"
     "煮物やお味噌汁、鍋料理など幅広く使えます。",
     "調味料*3;無添加;国産"},
    {"食品>加工食品>レトルト", kNoAudience, 1, 980, 3480, kConsumable,
     "レトルトカレー*3;カレー;パスタソース;スープ;おかゆ;牛丼の具",
     "国産牛*2;中辛;甘口;辛口;無添加;長期保存;非常食;5年保存;ご当地;常温保存;贅沢",
     "180g×5食:100*2;200g×10食:180;180g×30食:480;3食セット:70",
     "北海道;京都 九条ねぎ使用;東京都 老舗洋食店*2;横須賀;神戸",
     "温めるだけで本格的な味が楽しめる{noun}です。*3;{feat}で、常備食や非常食にも便利です。",
     "レトルト*3;非常食;常温保存"},
    // ----- 飲料
    {"飲料>お茶>緑茶・抹茶", kNoAudience, 1, 980, 3980, kConsumable,
     "抹茶*4;煎茶*3;玉露;ほうじ茶*2;玄米茶;緑茶 ティーバッグ#1*2;粉末緑茶",
     "一番茶*2;有機栽培;オーガニック;石臼挽き;深蒸し;水出し;新茶*2;ギフト;お徳用;業務用;製菓用",
     "20g:50;30g:60;40g:70;100g:100*2;100g×3袋:260^50包:100;100包:170",
     "京都産 宇治{noun}*5;京都 宇治{noun}*2;京都府産*2;静岡県産*3;鹿児島県産 知覧;福岡県 八女;東京都産*2;東京都 瑞穂町",
     "香り高い{feat}の{noun}です。*3;茶葉本来のうまみと甘みを引き出しました。;"
     "ご自宅用はもちろん、贈り物にも喜ばれます。",
     "日本茶*3;抹茶;お茶;ギフト"},
    {"飲料>コーヒー>コーヒー豆", kNoAudience, 1, 1480, 3980, kConsumable,
     "コーヒー豆|珈琲豆*4;コーヒー粉|珈琲 粉;スペシャルティコーヒー|スペシャルティ珈琲;ブレンドコーヒー|ブレンド珈琲*2;"
     "カフェインレス コーヒー",
     "深煎り*2;中煎り*2;浅煎り;自家焙煎*3;シングルオリジン;エチオピア;ブラジル;グアテマラ;コロンビア;モカ;"
     "キリマンジャロ;マンデリン;豆のまま;中挽き;有機JAS",
     "200g:50;500g:100*2;1kg:180;200g×2袋:95;250g×4袋:190",
     "京都の焙煎所*3;東京都の焙煎所*3;神戸;札幌",
     "注文を受けてから焙煎する{feat}の{noun}です。*3;豊かな香りとすっきりした後味が特長です。;"
     "ハンドドリップにもコーヒーメーカーにも合う挽き目です。",
     "コーヒー*3;自家焙煎;珈琲"},
    {"飲料>コーヒー>ドリップコーヒー", kNoAudience, 1, 980, 2980, kConsumable,
     "ドリップコーヒー|ドリップ珈琲*3;ドリップバッグ*2;インスタントコーヒー#1;カフェオレベース#2;アイスコーヒー#2",
     "スペシャルティ;個包装*2;深煎り;マイルド;無糖;加糖;カフェインレス;詰め合わせ;アソート;ギフト",
     "10袋:35;30袋:100*2;50袋:150;100袋:270^80g:50;170g:100;200g×2本:200^1L×6本:100;1L×12本:180",
     "京都の老舗喫茶*2;東京都の焙煎所*2;神戸",
     "お湯を注ぐだけで本格的な味わいの{noun}です。*3;オフィスやアウトドアでも手軽に楽しめます。",
     "コーヒー*3;ドリップ;個包装"},
    {"飲料>水・ミネラルウォーター>天然水", kNoAudience, 1, 980, 2480, kConsumable,
     "天然水*4;ミネラルウォーター*3;炭酸水*2;軟水;水素水",
     "国産;軟水*2;硬度30;採水地直送;ラベルレス*2;ケース販売*2;備蓄;強炭酸;無糖;まとめ買い",
     "500ml×24本:100*3;2L×6本:95*2;2L×9本:140;550ml×24本:105;1L×12本:120;500ml×48本:190;"
     "12L×2本 ウォーターサーバー用:240;12L×2本 ウォーターサーバ対応:240",
     "富士山*2;南アルプス*2;北海道 羊蹄山;京都 伏見;東京都 奥多摩*2;熊本 阿蘇;島根;鹿児島",
     "まろやかで飲みやすい{feat}の{noun}です。*3;毎日の水分補給や、料理にもお使いいただけます。;"
     "ケースでまとめて買えるので、備蓄用にも便利です。",
     "水*3;ケース販売;備蓄"},
    {"飲料>ジュース>果汁ジュース", kNoAudience, 1, 1980, 4980, kConsumable,
     "りんごジュース*3;みかんジュース*2;ぶどうジュース;トマトジュース;野菜ジュース;スムージー",
     "果汁100%*3;ストレート*2;無添加;砂糖不使用;濃縮還元;食塩無添加;贈答用;希少品種",
     "1L×6本:100*2;1L×2本:40;720ml×2本:45;190g×30缶:120;200ml×24本:100",
     "青森県産*3;愛媛県産*2;山梨県産;長野県産*2;和歌山県産;東京都産;北海道産;岡山県産",
     "果実をそのまま搾った{feat}の{noun}です。*3;素材本来の甘みと酸味が楽しめます。",
     "ジュース*3;果汁100%;ギフト"},
    {"飲料>お酒>日本酒", kNoAudience, 1, 1480, 4980, kConsumable | kAlcohol,
     "日本酒*3;純米酒*2;純米吟醸*2;純米大吟醸*2;本醸造;にごり酒;梅酒",
     "辛口*2;甘口;生酒;冷やおろし;限定;飲み比べ;化粧箱入り;地酒*2;蔵元直送;金賞受賞",
     "720ml:100*3;1800ml:190*2;300ml×3本:90;720ml×2本:195;720ml×3本 飲み比べ:290",
     "京都 伏見*4;京都府*2;新潟県*3;兵庫県 灘*2;山口県;秋田県;東京都 多摩の酒蔵*2;広島県",
     "米のうまみが広がる{feat}の{noun}です。*3;冷やしても燗でもおいしくお飲みいただけます。;"
     "蔵元から直送でお届けします。",
     "日本酒*3;地酒;お歳暮;ギフト"},
    // ----- 日用品
    {"日用品>洗剤>洗濯洗剤", kNoAudience, 1, 398, 1280, kConsumable,
     "洗濯洗剤#0*3;液体洗剤#0*2;柔軟剤#0*2;ジェルボール#1;粉末洗剤#2;おしゃれ着用洗剤#0",
     "部屋干し*2;抗菌;消臭*2;無香料;柔軟剤入り;すすぎ1回;植物由来;まとめ買い;ケース販売;香りが続く;肌にやさしい",
     "本体 850g:70;詰め替え 720g:60*2;詰め替え 1.5kg:110*2;詰め替え 2.2kg×2個:280;詰め替え 超特大 1.9kg:130^"
     "12個入:50;36個入:120;60個入:190^0.9kg:60;3kg:160",
     "", "{feat}の{noun}です。*2;少ない量でしっかり汚れを落とします。;{size}でたっぷり使えます。",
     "洗剤*3;詰め替え;まとめ買い"},
    {"日用品>紙製品>トイレットペーパー", kNoAudience, 1, 498, 1480, kConsumable,
     "トイレットペーパー#0*4;ティッシュペーパー#1*3;キッチンペーパー#2",
     "ダブル*2;シングル*2;2倍巻き;3倍巻き;再生紙;パルプ100%;香り付き;無香料;やわらか;ケース販売;国産;保湿",
     "12ロール:60;12ロール ダブル:65;18ロール 2倍巻き:110;12ロール×4パック:230;24ロール:115^"
     "5箱:60;5箱×12パック:550;200組×5箱:60^4ロール:55;2ロール×12パック:260",
     "国産*2;静岡県 富士市", "毎日使う{noun}だから、{feat}にこだわりました。*2;まとめ買いでストック切れの心配がありません。",
     "日用品*3;まとめ買い;ストック"},
    {"日用品>掃除用品>掃除シート", kNoAudience, 1, 298, 980, kConsumable,
     "フローリングワイパー シート#0*2;ウェットシート#0*2;ドライシート#0;除菌シート#0;メラミンスポンジ#1;"
     "粘着クリーナー|粘着クリーナ#2*2",
     "厚手*2;除菌*2;ウイルス除去;アルコール;ノンアルコール;フローリング用;立体;大容量;使い捨て;お徳用;ペットの毛",
     "20枚入:40;30枚入:60*2;40枚入:80;30枚×3個:160^10個入:40;30個入:100^本体:60;スペアテープ 3巻:80;スペアテープ 10巻:220",
     "", "{feat}タイプの{noun}です。*2;ほこりや髪の毛をしっかりキャッチします。;ペットのいるご家庭にもおすすめです。",
     "掃除*3;使い捨て;除菌"},
    {"日用品>収納>収納ボックス", kNoAudience, 1, 980, 3980, kColor | kMotif,
     "収納ボックス*4;収納ケース*2;カラーボックス;衣装ケース;ファブリックボックス;キャスター付きワゴン",
     "折りたたみ*2;フタ付き*2;積み重ね;引き出し式;キャスター付き;組み立て簡単;スリム;大容量;木製;ラタン調;北欧",
     "S 幅25cm:70;M 幅38cm:100*2;L 幅45cm:130;2個セット:185;3個セット:260;4段:200", "",
     "お部屋をすっきり片付ける{feat}の{noun}です。*2;使わないときは折りたたんでコンパクトに収納できます。",
     "収納*3;整理整頓;新生活"},
    {"日用品>タオル>バスタオル", kNoAudience, 1, 980, 2980, kColor | kMotif,
     "バスタオル*4;フェイスタオル*2;ハンドタオル;タオルセット;バスタオル ギフトセット",
     "綿100%*2;ホテル仕様*2;厚手;薄手;速乾;吸水*2;抗菌防臭;無撚糸;ガーゼ;オーガニックコットン;名入れ",
     "60×120cm:100*2;70×140cm:120;34×85cm 5枚:110;2枚セット:180;4枚セット:330",
     "大阪 泉州*3;愛媛県産;日本製*2;東京都の老舗",
     "ふんわりやわらかな{feat}の{noun}です。*3;洗濯を繰り返しても風合いが長持ちします。",
     "タオル*3;日本製;ギフト"},
    // ----- キッチン用品
    {"キッチン用品>調理器具>フライパン", kNoAudience, 1, 1980, 5980, kColor,
     "フライパン#0*4;鉄フライパン#0;炒め鍋#0;深型フライパン#0;卵焼き器#1",
     "IH対応*3;ガス火対応;セラミック;ダイヤモンドコート;こびりつかない*2;取っ手が取れる;軽量;深型;食洗機対応;鉄;一生もの",
     "20cm:80;24cm:95;26cm:100*2;28cm:115;3点セット:200^角型:80;角型 大:100",
     "新潟 燕三条*3;燕三条製;国産", "{feat}で毎日の料理が楽しくなる{noun}です。*3;熱伝導がよく、食材にムラなく火が通ります。",
     "フライパン*3;IH対応;キッチン"},
    {"キッチン用品>調理器具>包丁", kNoAudience, 1, 2980, 9800, kModel,
     "三徳包丁*4;牛刀*2;ペティナイフ;出刃包丁;パン切り包丁;菜切り包丁",
     "ステンレス*2;ダマスカス;鋼;両刃;錆びにくい;研ぎ直し可;オールステンレス;職人*2;名入れ;木柄;食洗機対応",
     "刃渡り16.5cm:95;刃渡り18cm:100*2;刃渡り21cm:120;刃渡り13cm:80;2本セット:180",
     "岐阜 関市*3;関の刃物;大阪 堺*2;新潟 燕三条;京都の刃物店*2;東京都の老舗刃物店*2",
     "切れ味が長続きする{feat}の{noun}です。*3;手になじむ握りやすいハンドルです。;プロの料理人にも選ばれています。",
     "包丁*3;日本製;名入れ"},
    {"キッチン用品>食器>マグカップ", kNoAudience, 1, 980, 3480, kColor | kMotif,
     "マグカップ#0*4;マグ#0;湯呑み|湯のみ#0;グラス#0;タンブラー#0;ペアマグカップ#1",
     "電子レンジ対応*2;食洗機対応*2;北欧;手作り;陶器;磁器;ガラス;保温;保冷;名入れ;ギフトボックス",
     "300ml:90;350ml:100*2;400ml:110;2個セット:180;4個セット:330^ペア:100",
     "京都 清水焼*3;京焼;美濃焼*2;波佐見焼*2;有田焼;東京都の工房 江戸切子*2;東京都の硝子工房;益子焼",
     "手にしっくりなじむ{feat}の{noun}です。*3;毎日のコーヒータイムが楽しくなります。;ギフトや記念品にもおすすめです。",
     "食器*3;ギフト;北欧"},
    {"キッチン用品>食器>茶碗・皿", kNoAudience, 1, 980, 3980, kColor | kMotif,
     "茶碗|ご飯茶碗*3;平皿*2;取り皿;小鉢;プレート*2;どんぶり|丼",
     "和食器*2;おしゃれ;モダン;伝統工芸;窯元直送;電子レンジ対応*2;食洗機対応*2;手作り;磁器;陶器",
     "16cm:80;21cm:100*2;25cm:130;5枚セット:300;ペア:180",
     "京都 清水焼*3;京焼 窯元*2;美濃焼*3;波佐見焼*2;有田焼;九谷焼;東京都の陶房*2",
     "食卓を上品に彩る{feat}の{noun}です。*3;和洋どちらの料理にも合う、使い勝手のよい器です。",
     "食器*3;和食器;おしゃれ"},
    {"キッチン用品>コーヒー器具>コーヒーサーバー", kNoAudience, 1, 1980, 5980, kColor,
     "コーヒーサーバー|コーヒーサーバ|珈琲サーバー#0*4;フレンチプレス#0;ドリッパー#1*2;コーヒーミル|珈琲ミル#2*2;"
     "ドリップケトル#3",
     "耐熱ガラス*3;ステンレス;ハンドドリップ*2;細口;セラミック刃;電子レンジ対応;食洗機対応;目盛り付き;おしゃれ;アウトドア",
     "300ml:80;600ml:100*2;800ml:115;1000ml:130^1〜2杯用:90;2〜4杯用:100^手挽き:100;電動:180^0.8L:90;1.2L:110",
     "", "自宅で本格的なコーヒーが楽しめる{feat}の{noun}です。*3;シンプルな形で、洗いやすくお手入れも簡単です。",
     "コーヒー器具*3;ハンドドリップ;珈琲"},
    {"キッチン用品>保存容器>保存容器", kNoAudience, 1, 780, 2980, kMotif,
     "保存容器#0*4;密閉容器#0*2;キャニスター#0;ガラス保存容器#0;保存袋|保存バッグ#1",
     "密閉*2;耐熱ガラス;電子レンジ対応*2;冷凍OK;食洗機対応;スタッキング;パッキン付き;琺瑯|ホーロー;BPAフリー;作り置き",
     "800ml:80;1.2L:100*2;2L:130;3個セット:200;5点セット:300^Mサイズ 30枚:80;Lサイズ 20枚:90", "",
     "作り置きやお弁当のおかず保存に便利な{noun}です。*3;{feat}で、においや色移りがしにくい素材です。",
     "保存容器*3;作り置き;キッチン"},
    // ----- ビューティー
    {"ビューティー>スキンケア>化粧水", kNoAudience, 1, 1480, 4980, kConsumable,
     "化粧水|ローション#0*4;美容液#1*2;乳液#0;オールインワンジェル#2;拭き取り化粧水#0",
     "ヒアルロン酸*2;セラミド*2;ビタミンC;ナイアシンアミド;無添加*2;敏感肌*2;乾燥肌;オーガニック;低刺激;"
     "アルコールフリー;保湿*2;毛穴ケア;エイジングケア;メンズ",
     "120ml:70;150ml:85;200ml:100*2;500ml 大容量:200;詰め替え 180ml:80^30ml:100;50ml:150^80g:90;200g:170",
     "京都 宇治茶エキス配合*2;京都産 米ぬか*2;国産;沖縄;北海道",
     "肌にうるおいを与える{feat}の{noun}です。*3;べたつかず、すっと肌になじみます。;朝晩のスキンケアにお使いください。",
     "スキンケア*3;保湿;敏感肌"},
    {"ビューティー>スキンケア>日焼け止め", kNoAudience, 1, 980, 2980, kConsumable,
     "日焼け止め*4;UVジェル;UVミルク;UVスプレー;日焼け止めクリーム",
     "SPF50+*3;PA++++*2;ウォータープルーフ*2;石けんで落ちる;ノンケミカル;顔・からだ用;子供にも;化粧下地;トーンアップ;無香料",
     "30g:60;50g:80;80g:100*2;100ml:110;2本セット:180", "",
     "強い紫外線から肌を守る{feat}の{noun}です。*3;白浮きしにくく、毎日使いやすいテクスチャーです。",
     "UVケア*3;日焼け止め;紫外線対策"},
    {"ビューティー>ヘアケア>シャンプー", kNoAudience, 1, 980, 3480, kConsumable,
     "シャンプー#0*4;トリートメント#0*2;コンディショナー#0;アミノ酸シャンプー#0;スカルプシャンプー#0;ヘアオイル#1",
     "ノンシリコン*2;アミノ酸系*2;ダメージケア*2;カラーケア;くせ毛;ボタニカル;オーガニック;サロン専売;頭皮ケア;メンズ;いい香り",
     "300ml:80;480ml:100*2;詰め替え 380ml:80;本体+詰め替えセット:170;1000ml 業務用:190^100ml:100;50ml:70",
     "", "髪と頭皮をやさしく洗い上げる{feat}の{noun}です。*3;まとまりのある、つややかな髪に導きます。",
     "ヘアケア*3;ノンシリコン;サロン"},
    {"ビューティー>メイク>リップ", kNoAudience, 1, 980, 3980, kColor,
     "リップ*3;口紅*2;リップティント*2;リップグロス;色つきリップクリーム",
     "落ちにくい*2;保湿*2;ツヤ;マット;透け感;プチプラ;デパコス級;ブルベ;イエベ;限定色",
     "3.5g:100*2;4g:105;2本セット:180", "",
     "ひと塗りで唇に色とツヤを与える{feat}の{noun}です。*3;乾燥しにくく、長時間きれいな仕上がりが続きます。",
     "コスメ*3;リップ;プチプラ"},
    {"ビューティー>ボディケア>ハンドクリーム", kNoAudience, 1, 680, 2480, kConsumable,
     "ハンドクリーム#0*4;ボディクリーム#0*2;ボディミルク#0;ボディソープ#1;入浴剤#2",
     "シアバター*2;無香料;桜の香り;ゆずの香り;ベタつかない*2;保湿*2;ギフト;敏感肌;オーガニック;薬用;ひのきの香り",
     "30g:70;50g:100*2;75g:130;3本セット:200^500ml:100;詰め替え 400ml:80;本体+詰め替え:170^20包:100;30錠:120;600g:130",
     "京都 宇治*2;高知県産 ゆず*2;北海道産 ラベンダー;国産",
     "乾燥が気になる肌をしっとり守る{feat}の{noun}です。*3;やさしい香りで、リラックスタイムにもぴったりです。",
     "ボディケア*3;保湿;プチギフト"},
    // ----- ファッション
    {"ファッション>レディース>ワンピース", kNoAudience, 1, 2980, 7980, kColor | kSeason | kMotif,
     "ワンピース*4;ロングワンピース*2;シャツワンピース;ニットワンピース;ジャンパースカート",
     "レディース*3;体型カバー*2;着痩せ;洗える;リネン;綿;Aライン;ロング丈;ミモレ丈;きれいめ;カジュアル;オフィス;大きいサイズ",
     "S:100;M:100*3;L:100*2;LL:105;3L:110;フリーサイズ:100*2", "",
     "一枚でコーディネートが決まる{feat}の{noun}です。*3;自宅で洗えて、お手入れも簡単です。;"
     "オフィスにも休日のお出かけにも着回せます。",
     "レディース*3;ワンピース;大人カジュアル"},
    {"ファッション>メンズ>Tシャツ", kNoAudience, 1, 1280, 4980, kColor | kSeason | kMotif,
     "Tシャツ|ティーシャツ*4;半袖Tシャツ*2;長袖Tシャツ|ロンT|ロングTシャツ*2;ポロシャツ;ヘンリーネック Tシャツ",
     "メンズ*3;綿100%*2;オーバーサイズ;無地*2;速乾;ドライ;厚手;ヘビーウェイト;ポケット付き;UVカット;接触冷感;"
     "吸汗速乾;クルーネック;Vネック",
     "S:100;M:100*2;L:100*2;XL:102;XXL:105;3L:108", "",
     "着心地にこだわった{feat}の{noun}です。*3;洗濯してもヨレにくい生地を使用しています。;一枚でもインナーとしても使えます。",
     "メンズ*3;Tシャツ;カジュアル"},
    {"ファッション>バッグ>リュック", kNoAudience, 1, 2980, 9800, kColor | kMotif,
     "リュック|リュックサック|バックパック*4;ショルダーバッグ|ショルダーバック*2;トートバッグ|トートバック*2;ボディバッグ;"
     "ビジネスバッグ|ビジネスバック;通勤カバン|通勤鞄|通勤かばん",
     "大容量*2;撥水*2;防水;軽量*2;PC収納;15.6インチ対応;A4対応;通勤;通学;旅行;レディース;メンズ;2way;3way;帆布;本革;ナイロン",
     "20L:90;25L:100*2;30L:115;35L:130;ミニ:70;フリー:100*2", "東京都の工房*2;京都 帆布;豊岡;日本製",
     "毎日の通勤・通学に便利な{feat}の{noun}です。*3;ポケットが多く、小物もすっきり整理できます。",
     "バッグ*3;通勤;通学;旅行"},
    {"ファッション>財布・小物>財布", kNoAudience, 1, 2980, 14800, kColor,
     "財布|サイフ*3;長財布*3;二つ折り財布*2;ミニ財布*2;コインケース;キーケース;名刺入れ",
     "本革*3;牛革;イタリアンレザー;栃木レザー;コードバン;L字ファスナー;ラウンドファスナー;薄型;スキミング防止;"
     "カード大容量;名入れ;メンズ;レディース;ギフト箱入り",
     "", "東京都の工房*2;東京都 浅草の革職人*2;京都の職人*2;日本製*3;姫路",
     "使うほどに風合いが増す{feat}の{noun}です。*3;職人が一つひとつ手作業で縫い上げています。;"
     "誕生日や記念日の贈り物にもおすすめです。",
     "財布*3;本革;プレゼント;日本製"},
    {"ファッション>靴>スニーカー", kNoAudience, 1, 2980, 9800, kColor,
     "スニーカー*4;ランニングシューズ*2;ウォーキングシューズ*2;スリッポン;レインシューズ|レインブーツ",
     "軽量*3;防水*2;幅広;4E;3E;厚底;クッション性;通気性;メンズ;レディース;ユニセックス;白スニーカー;歩きやすい*2;疲れにくい;洗える",
     "22.5cm:100;23.0cm:100;23.5cm:100;24.0cm:100;24.5cm:100;25.0cm:100;25.5cm:100;26.0cm:100;26.5cm:100;"
     "27.0cm:100;27.5cm:100;28.0cm:100",
     "", "長時間歩いても疲れにくい{feat}の{noun}です。*3;どんなコーディネートにも合わせやすいデザインです。",
     "シューズ*3;スニーカー;歩きやすい"},
    {"ファッション>時計>腕時計", kNoAudience, 1, 4980, 29800, kColor | kModel,
     "腕時計#0*4;ソーラー電波時計#0*2;クロノグラフ#0;アナログ腕時計#0;スマートウォッチ#1*2",
     "ソーラー*2;電波*2;10気圧防水;20気圧防水;チタン;革ベルト;メタルバンド;サファイアガラス;メンズ;レディース;ペアウォッチ;"
     "日本製ムーブメント;心拍計",
     "ケース径36mm:95;ケース径40mm:100*2;ケース径42mm:105^1.4インチ:100;1.8インチ:110", "",
     "視認性に優れた{feat}の{noun}です。*3;ビジネスにもカジュアルにも合う、飽きのこないデザインです。",
     "腕時計*3;プレゼント;ビジネス"},
    // ----- 家電
    {"家電>キッチン家電>ウォーターサーバー", kNoAudience, 1, 9800, 39800, kColor | kModel | kYear,
     "ウォーターサーバー|ウォーターサーバ*4;卓上ウォーターサーバー|卓上ウォーターサーバ*2;"
     "浄水型ウォーターサーバー|浄水型ウォーターサーバ*2;サーバー本体|サーバ本体",
     "卓上*2;床置き*2;冷水・温水;チャイルドロック*2;省エネ;ボトル下置き;浄水型;UV除菌;静音;エコモード;ワンウェイボトル",
     "", "",
     "いつでも冷水と温水が使える{feat}の{noun}です。*3;チャイルドロック付きで、小さなお子さまがいるご家庭でも安心です。;"
     "コーヒーやお茶、赤ちゃんのミルク作りにも便利です。",
     "ウォーターサーバー*3;家電;省エネ"},
    {"家電>キッチン家電>電気ケトル", kNoAudience, 1, 2980, 8980, kColor | kModel,
     "電気ケトル*4;電気ポット*2;ケトル;温度調節ケトル",
     "温度調節*3;保温*2;空焚き防止;転倒湯もれ防止;ステンレス;ガラス;ドリップ;細口;おしゃれ",
     "0.6L:80;0.8L:90;1.0L:100*2;1.2L:110;1.7L:125", "",
     "必要な分だけすぐに沸かせる{feat}の{noun}です。*3;コーヒーのハンドドリップにも使いやすい注ぎ口です。",
     "キッチン家電*3;電気ケトル;時短"},
    {"家電>生活家電>掃除機", kNoAudience, 1, 9800, 49800, kColor | kModel | kYear,
     "掃除機*4;コードレス掃除機*3;スティッククリーナー|スティッククリーナ*2;ロボット掃除機*2;"
     "ハンディクリーナー|ハンディクリーナ;布団クリーナー|布団クリーナ",
     "コードレス*3;サイクロン*2;紙パック式;軽量*2;強力吸引;自動ゴミ収集;水拭き;静音;マッピング;アプリ連携;ペットの毛;2in1",
     "", "", "パワフルな吸引力で床をすっきりきれいにする{feat}の{noun}です。*3;軽くて取り回しやすく、階段の掃除も楽々です。",
     "掃除機*3;家電;時短"},
    {"家電>生活家電>空気清浄機", kNoAudience, 1, 9800, 39800, kColor | kModel | kYear,
     "空気清浄機*4;加湿空気清浄機*3;除湿機;加湿器*2",
     "HEPAフィルター|HEPAフィルタ*2;花粉*2;PM2.5;ウイルス対策;加湿;脱臭*2;ペット;たばこ;静音;スリム;小型;卓上",
     "〜8畳:70;〜15畳:85;〜23畳:100*2;〜32畳:125;〜40畳:150", "",
     "花粉やハウスダストをしっかり除去する{feat}の{noun}です。*3;運転音が静かで、寝室にも置きやすいサイズです。;"
     "フィルター交換の目安は約10年です。",
     "空気清浄機*3;花粉対策;家電"},
    {"家電>美容家電>ドライヤー", kNoAudience, 1, 2980, 19800, kColor | kModel | kYear,
     "ドライヤー*3;ヘアドライヤー*2;ヘアアイロン*2;カールアイロン;ストレートアイロン",
     "大風量*3;速乾*2;マイナスイオン*2;軽量;折りたたみ;低温;温冷;2way;海外対応;プロ仕様;サロン仕様;ヘアケア",
     "", "", "髪を素早く乾かしながらツヤを守る{feat}の{noun}です。*3;軽量で、毎日のヘアケアが快適になります。",
     "美容家電*3;ヘアケア;ギフト"},
    {"家電>オーディオ>ワイヤレスイヤホン", kNoAudience, 1, 2980, 24800, kColor | kModel | kYear,
     "ワイヤレスイヤホン*4;Bluetoothイヤホン*2;ヘッドホン|ヘッドフォン*2;Bluetoothスピーカー|Bluetoothスピーカ*2;ネックスピーカー",
     "ノイズキャンセリング*3;外音取り込み;防水 IPX7;高音質*2;ハイレゾ;マイク付き;長時間再生;Bluetooth 5.3;低遅延;"
     "iPhone対応;Android対応;片耳",
     "", "", "クリアな音質で音楽を楽しめる{feat}の{noun}です。*3;通勤・通学やテレワークにも便利です。",
     "オーディオ*3;Bluetooth;ワイヤレス"},
    {"家電>季節家電>ヒーター", kNoAudience, 1, 3980, 19800, kColor | kModel | kYear,
     "セラミックヒーター*3;オイルヒーター*2;電気ストーブ;サーキュレーター*2;扇風機*2;こたつ",
     "人感センサー*2;転倒OFF;首振り*2;速暖;省エネ*2;DCモーター;静音*2;リモコン付き;タイマー;コンパクト;足元;脱衣所;1200W",
     "", "", "スイッチを入れてすぐに効く{feat}の{noun}です。*3;省エネ設計で電気代が気になる方にもおすすめです。",
     "季節家電*3;省エネ;家電"},
    // ----- おもちゃ
    {"おもちゃ>知育玩具>積み木", kNoAudience, 1, 1480, 5980, 0,
     "積み木|つみき*4;型はめパズル;ひらがなパズル;木のおもちゃ*2;知育玩具*2;ジグソーパズル",
     "木製*3;天然木;日本製;出産祝い;誕生日プレゼント*2;モンテッソーリ;STEM;安全塗料;ひのき;名入れ;男の子;女の子",
     "対象年齢1歳以上:100;対象年齢18ヶ月以上:100;対象年齢3歳以上:100;50ピース:90;100ピース:110",
     "国産*2;日本製;飛騨高山の工房;東京都の工房",
     "遊びながら考える力を育てる{feat}の{noun}です。*3;角を丸く仕上げ、小さなお子さまにも安心です。",
     "知育玩具*3;出産祝い;誕生日"},
    {"おもちゃ>ぬいぐるみ>ぬいぐるみ", kNoAudience, 1, 1280, 3980, kColor,
     "ぬいぐるみ#0*4;抱き枕#0*2;もちもちクッション#0;ぬいぐるみキーホルダー#1",
     "ふわふわ*2;もちもち*2;洗える;特大;BIG;ねこ*2;柴犬*2;くま*2;うさぎ;パンダ;ペンギン;恐竜;癒し",
     "S 20cm:70;M 35cm:100*2;L 50cm:150;特大 80cm:250;BIG 1m:350^全5種:100;単品:90", "",
     "ぎゅっと抱きしめたくなる{feat}の{noun}です。*3;お部屋に飾っても、一緒に眠ってもかわいいサイズです。",
     "ぬいぐるみ*3;プレゼント;癒し"},
    {"おもちゃ>ブロック>ブロック", kNoAudience, 1, 1980, 6980, 0,
     "ブロック*4;ブロック 基本セット*2;大きいブロック;マグネットブロック;組み立てブロック",
     "知育*2;互換*2;収納ケース付き;大容量;男の子;女の子;STEM;マグネット;恐竜;街;乗り物;お城",
     "100ピース:70;250ピース:100*2;500ピース:150;1000ピース:230;60ピース:60", "",
     "自由な発想で組み立てられる{feat}の{noun}です。*3;指先を使って遊ぶことで、集中力が育ちます。",
     "ブロック*3;知育;プレゼント"},
    {"おもちゃ>ゲーム>ボードゲーム", kNoAudience, 1, 1480, 4980, 0,
     "ボードゲーム*4;カードゲーム*3;パーティーゲーム;すごろく;将棋セット;リバーシ",
     "家族で遊べる*3;協力型;対戦;大人も楽しめる*2;戦略;子供向け;知育;コンパクト;日本語版;パーティー",
     "2〜4人用:90;2〜6人用:100*2;3〜8人用:110;1〜5人用:100", "",
     "ルールが簡単で、すぐに盛り上がる{feat}の{noun}です。*3;家族や友人との集まりにぴったりです。",
     "ボードゲーム*3;パーティー;家族"},
    {"おもちゃ>乗り物>ラジコン", kNoAudience, 1, 2980, 9800, kColor | kModel,
     "ラジコン|ラジコンカー#0*4;RCカー#0*2;ドローン#1*2;トイドローン#1",
     "オフロード*2;高速*2;防水;充電式*2;2.4GHz;4WD;初心者向け;子供向け;カメラ付き;バッテリー2個付き;室内;屋外",
     "1/24:80;1/16:100*2;1/12:130;1/10:170^100g未満:100*2;バッテリー3個付き:130", "",
     "初めてでも操作しやすい{feat}の{noun}です。*3;充電式で、繰り返し遊べます。",
     "ラジコン*3;プレゼント;男の子"},
    // ----- アウトドア
    {"アウトドア>キャンプ>テント", kNoAudience, 1, 5980, 29800, kColor | kModel | kYear,
     "テント#0*4;ワンタッチテント#0*2;ドームテント#0*2;ツーリングテント#0;ワンポールテント#0;タープ#1*2",
     "防水*2;耐水圧3000mm*2;UVカット;フルクローズ;軽量;設営簡単*2;ポール付き;コンパクト収納;前室付き;"
     "ポリコットン;遮光",
     "1人用:70;2人用:85;3〜4人用:100*2;4〜5人用:120;5〜6人用:140^3m×3m:80;4m×4m:100;ヘキサ:110", "",
     "設営が簡単な{feat}の{noun}です。*3;急な雨でも安心の防水仕様です。;ファミリーキャンプからソロキャンプまで活躍します。",
     "テント*3;キャンプ;アウトドア"},
    {"アウトドア>キャンプ>寝袋", kNoAudience, 1, 2980, 14800, kColor,
     "寝袋|シュラフ|スリーピングバッグ*4;封筒型 寝袋|封筒型 シュラフ*2;マミー型 寝袋|マミー型 シュラフ*2;ダウンシュラフ",
     "ダウン*2;化繊;洗える*2;コンパクト*2;連結可能;防災;車中泊;冬用;夏用;オールシーズン*2;軽量",
     "快適温度15℃:70;快適温度5℃:100*2;快適温度0℃:130;快適温度-5℃:160;使用温度-10℃:200", "",
     "寒い夜でも暖かく眠れる{feat}の{noun}です。*3;コンパクトに収納でき、防災用の備えにもなります。",
     "寝袋*3;キャンプ;防災;車中泊"},
    {"アウトドア>キャンプ>ランタン", kNoAudience, 1, 1980, 7980, kColor | kModel,
     "LEDランタン#0*4;ランタン#0*2;ガスランタン#1;ヘッドライト|ヘッドランプ#2",
     "充電式*3;USB充電;乾電池式;防水*2;調光;調色;モバイルバッテリー機能;吊り下げ;防災;電球色;明るい;アンティーク",
     "300ルーメン:80;500ルーメン:100*2;1000ルーメン:140;2個セット:180^OD缶用:100^200ルーメン:80;400ルーメン:100", "",
     "キャンプサイトを明るく照らす{feat}の{noun}です。*3;停電時の防災用ライトとしても役立ちます。",
     "ランタン*3;キャンプ;防災"},
    {"アウトドア>アウトドア調理>バーナー", kNoAudience, 1, 2480, 9800, kModel,
     "シングルバーナー#0*3;カセットコンロ#0*2;ツーバーナー#0;焚き火台#1*3;バーベキューコンロ|BBQコンロ#1*2;"
     "メスティン#2*2;クッカーセット#2",
     "風防付き;コンパクト*2;軽量*2;折りたたみ*2;ステンレス;チタン;アルミ;収納袋付き;ソロキャンプ*2;ファミリー;直火OK",
     "OD缶:100;CB缶:90^ソロ:80;S:80;M:100*2;L:130^1.8合:100;3合:120;4点セット:150", "新潟 燕三条*2;日本製",
     "キャンプ料理が楽しくなる{feat}の{noun}です。*3;コンパクトにたためて、持ち運びにも便利です。",
     "キャンプ*3;アウトドア;BBQ"},
    {"アウトドア>水筒・ボトル>水筒", kNoAudience, 1, 1480, 4980, kColor | kMotif,
     "水筒*4;ステンレスボトル*2;マグボトル*2;スポーツボトル;タンブラー;ウォーターボトル",
     "真空断熱*3;保温*2;保冷*2;ワンタッチ;直飲み;広口;食洗機対応;軽量*2;氷が入る;名入れ;子供用",
     "350ml:80;500ml:100*3;750ml:120;1L:140;1.5L:170", "新潟 燕三条",
     "温かい飲み物も冷たい飲み物も長時間キープする{feat}の{noun}です。*3;通勤や通学、アウトドアにも活躍します。",
     "水筒*3;保温保冷;マイボトル"},
    {"アウトドア>ファニチャー>チェア", kNoAudience, 1, 2980, 9800, kColor,
     "アウトドアチェア#0*3;キャンプチェア#0*2;ローチェア#0;ハイバックチェア#0;折りたたみテーブル#1*2;ロールテーブル#1",
     "折りたたみ*3;軽量*2;コンパクト*2;耐荷重120kg;ドリンクホルダー付き;ハイバック;ロータイプ;アルミ;ウッド;収納袋付き",
     "1脚:100*3;2脚セット:190^幅60cm:80;幅90cm:100*2;幅120cm:130", "",
     "持ち運びやすく座り心地のよい{feat}の{noun}です。*3;ワンタッチで広げられ、設営もあっという間です。",
     "キャンプ*3;アウトドア;折りたたみ"},
    // ----- 文房具
    {"文房具>筆記具>ボールペン", kNoAudience, 1, 220, 1480, kColor | kModel | kMotif,
     "ボールペン#0*4;ゲルインクボールペン#0*2;油性ボールペン#0;多機能ペン#0;万年筆#1;シャープペンシル|シャーペン#2",
     "なめらか*3;速乾;消せる;ノック式;キャップ式;替芯;名入れ*2;ギフト;真鍮;ビジネス;低重心;疲れにくい",
     "0.5mm:100*2;0.38mm:100;0.7mm:100;10本セット:600;3色:130;4色+シャープ:160^F 細字:100;M 中字:100^0.3mm:100;0.5mm:100",
     "", "書き心地がなめらかな{feat}の{noun}です。*3;手帳やノートへのメモ書きにも最適です。",
     "文房具*3;筆記具;名入れ"},
    {"文房具>ノート・紙製品>ノート", kNoAudience, 1, 120, 680, kMotif,
     "ノート*4;大学ノート*2;方眼ノート*2;ルーズリーフ;リングノート;ドット方眼ノート",
     "A罫*2;B罫;方眼;ドット;無地;5mm方眼;裏抜けしにくい*2;180度開く;再生紙;日本製;おしゃれ;学生",
     "A5:90;B5:100*3;A4:120;A6:70;5冊パック:400;10冊セット:750", "日本製;東京都の製本所",
     "書きやすさにこだわった{feat}の{noun}です。*3;勉強や仕事のメモに、毎日使える定番ノートです。",
     "文房具*3;ノート;学生"},
    {"文房具>手帳>手帳", kNoAudience, 1, 980, 3980, kColor | kMotif,
     "手帳#0*4;スケジュール帳#0*2;ダイアリー#0;システム手帳#1;リフィル#1",
     "マンスリー*2;ウィークリー*2;バーチカル;レフト式;月曜始まり;日曜始まり;本革カバー;PUレザー;大人;ペンホルダー付き",
     "2025年 4月始まり A5:100;2025年 1月始まり B6:100*2;A5 マンスリー:95;B6 ウィークリー:100;A6 ウィークリー:90^"
     "バイブルサイズ:100;ミニ6穴:90",
     "", "予定がひと目でわかる{feat}の{noun}です。*3;仕事にもプライベートにも使いやすいレイアウトです。",
     "手帳*3;文房具;2025年"},
    {"文房具>事務用品>ハサミ・カッター", kNoAudience, 1, 220, 1980, kModel,
     "ハサミ|はさみ|鋏#0*4;カッターナイフ|カッター#1*2;ペーパーカッター|ペーパーカッタ#2;ホッチキス|ホチキス|ステープラー|ステープラ#3*2;"
     "テープカッター#3",
     "フッ素コート*2;グルーレス;チタン*2;オートロック;よく切れる*2;手にやさしい;軽量;コンパクト;大型;卓上;事務用",
     "175mm:100*2;145mm:90;左利き用:100^刃幅18mm:100;刃幅9mm:80;替刃付き:120^A4:100;A3:180^-:100",
     "岐阜 関市;日本製", "軽い力でよく切れる{feat}の{noun}です。*3;オフィスや学校で毎日使える定番品です。",
     "文房具*3;事務用品;オフィス"},
    {"文房具>ファイル>クリアファイル", kNoAudience, 1, 180, 980, kColor | kMotif,
     "クリアファイル*4;クリアホルダー*2;ファイルボックス;ドキュメントファイル;ポケットファイル",
     "透明*2;カラー;ダブルポケット;再生PP;学校;整理*2;収納;スリム;マチ付き;名入れ",
     "A4 10枚入:60;A4 20枚入:100*2;A4 100枚:350;A4 10枚×5パック:300;A4 2個セット:120", "",
     "書類をすっきり整理できる{feat}の{noun}です。*3;会議資料やプリントの持ち運びに便利です。",
     "文房具*3;整理;オフィス"},
    // ----- ベビー用品
    {"ベビー用品>おむつ>紙おむつ", kBabyAudience, 1, 980, 2480, kConsumable,
     "紙おむつ|紙オムツ#0*4;テープタイプ おむつ|テープタイプ オムツ#0*2;パンツタイプ おむつ|パンツタイプ オムツ#0*2;"
     "おしりふき#1*2;布おむつ|布おしめ#2",
     "ケース販売*2;まとめ買い;通気性;やわらか;ムレにくい;漏れ防止*2;夜用;男女共用;お試し;水99%;ノンアルコール;日本製",
     "新生児 90枚:100;Sサイズ 82枚:100;Mサイズ 64枚:100*2;Lサイズ 54枚:100;ビッグサイズ 38枚:100;Mサイズ 64枚×4個:380^"
     "80枚×3個:100;80枚×12個:380;60枚×20個:560^5枚セット:100;10枚セット:180",
     "", "{aud}のおしりをやさしく包む{feat}の{noun}です。*3;ふんわりやわらかな素材で、肌トラブルを防ぎます。",
     "おむつ*3;ベビー;まとめ買い"},
    {"ベビー用品>授乳用品>哺乳びん", kBabyAudience, 1, 980, 2980, kColor,
     "哺乳びん|哺乳瓶#0*4;乳首#0;ストローマグ#0*2;粉ミルクケース#0;授乳クッション#1",
     "ガラス*2;耐熱;プラスチック;広口*2;新生児;軽量;消毒対応*2;出産準備;出産祝い;洗いやすい",
     "160ml:90;240ml:100*2;2本セット:180;3点セット:230^1個:100", "",
     "{aud}が飲みやすい{feat}の{noun}です。*3;パーツが少なく、毎日の洗浄や消毒が簡単です。",
     "授乳*3;ベビー;出産準備"},
    {"ベビー用品>ベビー服>ロンパース", kBabyAudience, 1, 980, 3980, kColor | kSeason | kMotif,
     "ロンパース*4;カバーオール*2;肌着*2;ベビー服|ベビーウェア*2;スリーパー;スタイ|よだれかけ",
     "オーガニックコットン*2;綿100%*2;ガーゼ;前開き;出産祝い*2;男の子;女の子;長袖;半袖;2枚組;3枚セット;名入れ;日本製",
     "50cm:100;60cm:100*2;70cm:100*2;80cm:100;90cm:105;50-70cm:100", "日本製;東京都の工房",
     "{aud}のやわらかい肌にやさしい{feat}の{noun}です。*3;着替えさせやすい前開きデザインです。;"
     "出産祝いのギフトにも人気です。",
     "ベビー服*3;出産祝い;ギフト"},
    {"ベビー用品>お出かけ>抱っこ紐", kBabyAudience, 1, 4980, 29800, kColor | kModel,
     "抱っこ紐|抱っこひも|だっこ紐*4;ベビーカー*3;ヒップシート;チャイルドシート",
     "新生児から*2;軽量*2;コンパクト;折りたたみ;洗える;メッシュ;通気性;ロングユース;SG基準適合;ワンタッチ",
     "", "", "{aud}とのお出かけが楽になる{feat}の{noun}です。*3;ママにもパパにも使いやすい設計です。",
     "お出かけ*3;ベビー;出産準備"},
    {"ベビー用品>知育・おもちゃ>歯固め", kBabyAudience, 1, 980, 4980, kColor,
     "歯固め*3;ラトル*2;ガラガラ;メリー;布絵本;プレイマット",
     "天然ゴム;木製*2;洗える*2;出産祝い*2;0歳;6ヶ月;音が鳴る;モンテッソーリ;オーガニック;くま;うさぎ;ねこ",
     "", "日本製;国産", "{aud}が安心して口に入れられる{feat}の{noun}です。*3;やさしい色合いで、出産祝いにも喜ばれます。",
     "ベビー*3;出産祝い;知育"},
};

constexpr size_t kLeafCount = sizeof(kLeaves) / sizeof(kLeaves[0]);

// ---------------------------------------------------------------------------
// Brands. All names are made up; a brand sells in 1-3 top categories (and
// within them, optionally, only some leaves: a coffee roaster sells no sake)
// and has a house style and a price-tier bias (-1 budget, 0, +1 premium),
// which are what simulated users learn to like or avoid.

constexpr unsigned T(Top t) { return 1u << t; }

struct BrandSpec {
  const char* name;
  const char* reading;  // katakana reading of Latin names, shown as 名前（ヨミ）
  unsigned tops;
  Style style;
  int tier_bias;
  // Path fragments of the leaves the brand sells in ("コーヒー" matches both
  // coffee beans and coffee servers); empty: every leaf of its top categories.
  const char* focus = "";
};

constexpr BrandSpec kBrands[] = {
    // Pets
    {"ワンパル", "", T(kPet), kCute, 0, "犬用品"},
    {"ニャンテ", "", T(kPet), kCute, 0, "猫用品"},
    {"モフリエ", "", T(kPet), kCute, 1},
    {"ペティーノ", "", T(kPet), kSimple, -1},
    {"ドギーズラボ", "", T(kPet), kNatural, 1, "犬用品"},
    {"にくきゅう堂", "", T(kPet) | T(kToy) | T(kStationery), kCute, 0},
    {"PawCraft", "パウクラフト", T(kPet) | T(kOutdoor), kOutdoorStyle, 1, "首輪;犬用品>ベッド;ウェア;チェア;水筒;犬用品>おもちゃ"},
    {"Fluffin", "フラフィン", T(kPet) | T(kDaily), kCute, 0, "ベッド;おもちゃ;猫用品>爪とぎ;タオル;収納"},
    {"ワフワフ", "", T(kPet), kSimple, -1},
    {"キャットリエ", "", T(kPet), kLuxury, 1, "猫用品"},
    {"HappyTail", "ハッピーテイル", T(kPet), kCute, 0},
    {"しっぽ舎", "", T(kPet), kNatural, 0},
    {"PuppyNest", "パピーネスト", T(kPet), kSimple, 0, "犬用品"},
    {"ミャウミー", "", T(kPet), kCute, -1, "猫用品"},
    {"ポチ屋本舗", "", T(kPet), kNatural, 0, "犬用品>フード;犬用品>おやつ"},
    {"Petria", "ペトリア", T(kPet), kLuxury, 1},
    {"ねこまど", "", T(kPet), kNatural, 0, "猫用品"},
    {"Barkley & Co.", "バークレー", T(kPet) | T(kFashion), kLuxury, 1, "首輪;ウェア;犬用品>ベッド;財布;バッグ"},
    {"もふもふ生活", "", T(kPet) | T(kDaily), kCute, -1},
    {"Kumo Pet", "クモペット", T(kPet), kSimple, 0},
    {"ペットの森", "", T(kPet), kNatural, -1},
    {"Nyanko Works", "ニャンコワークス", T(kPet) | T(kStationery), kCute, 0, "猫用品;ノート;ファイル;筆記具;手帳"},
    {"わんにゃん倶楽部", "", T(kPet), kSimple, -1},
    {"HOPPY FARM", "ホッピーファーム", T(kPet), kNatural, 0, "小動物用品"},
    // Food
    {"山科屋", "", T(kFood) | T(kDrink), kJapanese, 1, "和菓子;醤油・だし;お茶"},
    {"京まち茶舗", "", T(kDrink) | T(kFood), kJapanese, 1, "お茶;和菓子"},
    {"北の大地ファーム", "", T(kFood) | T(kDrink), kNatural, 0, "米;麺類;ジュース;チョコレート;天然水"},
    {"丸米商店", "", T(kFood), kSimple, -1, "米"},
    {"匠庵", "", T(kFood) | T(kKitchen), kJapanese, 1, "和菓子;醤油・だし;食器"},
    {"甘味処こまち", "", T(kFood), kJapanese, 0, "和菓子"},
    {"Cacao Lune", "カカオリュンヌ", T(kFood), kLuxury, 1, "チョコレート"},
    {"穂の香", "", T(kFood), kNatural, 0, "米;麺類"},
    {"海幸本舗", "", T(kFood), kJapanese, 0, "醤油・だし;レトルト"},
    {"鰹蔵", "", T(kFood), kJapanese, 1, "醤油・だし"},
    {"田舎屋", "", T(kFood), kNatural, -1, "米;麺類;醤油・だし;レトルト"},
    {"まるや醸造", "", T(kFood), kJapanese, 0, "醤油・だし"},
    {"菓子工房ルミエ", "", T(kFood), kCute, 0, "スイーツ"},
    {"Green Table", "グリーンテーブル", T(kFood) | T(kDrink), kNatural, 0, "レトルト;ジュース;麺類"},
    {"越後ライス", "", T(kFood), kSimple, 0, "米"},
    {"森のめぐみ", "", T(kFood) | T(kBeauty), kNatural, 0, "米;スイーツ;レトルト;スキンケア;ボディケア"},
    {"ひなた農園", "", T(kFood) | T(kDrink), kNatural, 0, "米;ジュース;お茶"},
    {"Daily Pantry", "デイリーパントリー", T(kFood) | T(kDaily), kSimple, -1, "レトルト;麺類;醤油・だし;紙製品;洗剤"},
    {"麺処 一心", "", T(kFood), kJapanese, 0, "麺類"},
    {"信州庵", "", T(kFood), kJapanese, 0, "麺類;和菓子"},
    {"おいしい食卓", "", T(kFood), kSimple, -1, "レトルト;醤油・だし;米"},
    {"Chocolat Mori", "ショコラモリ", T(kFood), kLuxury, 1, "チョコレート"},
    // Drinks
    {"珈琲焙煎所 TOKIWA", "", T(kDrink) | T(kKitchen), kLuxury, 1, "コーヒー"},
    {"BeanLab", "ビーンラボ", T(kDrink), kSimple, 0, "コーヒー"},
    {"アクアリーフ", "", T(kDrink) | T(kAppliance), kSimple, 0, "水・;ウォーターサーバー"},
    {"天然水の森", "", T(kDrink), kNatural, -1, "水・"},
    {"茶匠 宇治園", "", T(kDrink), kJapanese, 1, "お茶"},
    {"Fruity Garden", "フルーティガーデン", T(kDrink), kNatural, 0, "ジュース"},
    {"Morning Roast", "モーニングロースト", T(kDrink), kSimple, -1, "コーヒー"},
    {"蔵元 伏水", "", T(kDrink), kJapanese, 1, "お酒"},
    {"サンライズ飲料", "", T(kDrink), kSporty, -1, "水・;ジュース;ドリップコーヒー"},
    {"Kurobara Coffee", "クロバラコーヒー", T(kDrink), kLuxury, 1, "コーヒー"},
    {"AquaPure", "アクアピュア", T(kDrink) | T(kAppliance), kSimple, 0, "水・;ウォーターサーバー;空気清浄機"},
    {"清流ウォーター", "", T(kDrink), kNatural, -1, "水・"},
    {"緑香園", "", T(kDrink), kJapanese, 0, "お茶"},
    {"酒蔵 雪月", "", T(kDrink), kJapanese, 1, "お酒"},
    {"Sparkle Days", "スパークルデイズ", T(kDrink), kSporty, 0, "水・;ジュース"},
    // Daily goods
    {"クリーンハウス", "", T(kDaily), kSimple, -1},
    {"ふわり", "", T(kDaily) | T(kBaby), kCute, 0, "タオル;紙製品;ベビー服;おむつ"},
    {"LifeBasic", "ライフベーシック", T(kDaily) | T(kKitchen), kSimple, -1},
    {"まいにち生活", "", T(kDaily), kSimple, -1},
    {"Softy", "ソフティ", T(kDaily), kNatural, 0, "紙製品;タオル"},
    {"白雪", "", T(kDaily), kSimple, 0, "紙製品;洗剤"},
    {"PureHome", "ピュアホーム", T(kDaily) | T(kAppliance), kSimple, 0, "掃除用品;洗剤;収納;掃除機;空気清浄機"},
    {"くらしの森", "", T(kDaily) | T(kKitchen), kNatural, 0},
    {"エコライフ", "", T(kDaily), kNatural, -1},
    {"Tidy&Co", "タイディーアンドコー", T(kDaily), kSimple, 1, "収納;掃除用品"},
    {"Homely", "ホームリー", T(kDaily), kCute, 0},
    {"ハウスメイト", "", T(kDaily), kSimple, -1},
    {"Fresca", "フレスカ", T(kDaily) | T(kBeauty), kNatural, 0, "洗剤;掃除用品;スキンケア;ボディケア"},
    {"泉州タオル工房", "", T(kDaily), kJapanese, 1, "タオル"},
    {"ラクラク堂", "", T(kDaily), kSimple, -1},
    // Kitchen
    {"燕匠工房", "", T(kKitchen) | T(kOutdoor), kJapanese, 1, "調理器具;アウトドア調理;水筒"},
    {"匠刃", "", T(kKitchen), kJapanese, 1, "包丁"},
    {"KitchenCraft", "キッチンクラフト", T(kKitchen), kSimple, 0},
    {"Cucina Luce", "クチーナルーチェ", T(kKitchen), kLuxury, 1, "調理器具;食器;コーヒー器具"},
    {"器の杜", "", T(kKitchen), kJapanese, 0, "食器"},
    {"清水窯", "", T(kKitchen), kJapanese, 1, "食器"},
    {"江戸硝子工房", "", T(kKitchen), kJapanese, 1, "マグカップ"},
    {"Brewmaster", "ブリューマスター", T(kKitchen) | T(kDrink), kLuxury, 1, "コーヒー"},
    {"MORI Kitchen", "モリキッチン", T(kKitchen), kNatural, 0},
    {"Pota", "ポタ", T(kKitchen), kCute, -1, "食器;保存容器;コーヒー器具"},
    {"鉄と木", "", T(kKitchen) | T(kOutdoor), kNatural, 1, "フライパン;アウトドア調理;ファニチャー"},
    {"Kurashi Tools", "クラシツールズ", T(kKitchen) | T(kDaily), kSimple, 0},
    {"Lune Ceramics", "リュンヌセラミックス", T(kKitchen), kCute, 0, "食器;コーヒー器具"},
    {"Hoshino Ware", "ホシノウェア", T(kKitchen), kSimple, -1, "調理器具;保存容器;食器"},
    {"台所道具店", "", T(kKitchen), kSimple, 0},
    // Beauty
    {"ルミナス", "", T(kBeauty), kLuxury, 1},
    {"肌ごころ", "", T(kBeauty), kNatural, 0},
    {"Bloomé", "ブルーメ", T(kBeauty), kCute, 0},
    {"さくら美容研究所", "", T(kBeauty), kNatural, 0},
    {"AquaVeil", "アクアヴェール", T(kBeauty), kSimple, 0},
    {"Hinoki Botanical", "ヒノキボタニカル", T(kBeauty) | T(kDaily), kNatural, 1, "スキンケア;ボディケア;ヘアケア;掃除用品"},
    {"ラ・フルール", "", T(kBeauty), kCute, 1},
    {"Medi Skin Lab", "メディスキンラボ", T(kBeauty), kSimple, 0},
    {"Pure Petal", "ピュアペタル", T(kBeauty), kCute, -1},
    {"和漢美人", "", T(kBeauty), kNatural, 1},
    {"Skinova", "スキノバ", T(kBeauty), kSimple, -1},
    {"Velvet Rose", "ベルベットローズ", T(kBeauty), kLuxury, 1},
    {"米ぬか本舗", "", T(kBeauty) | T(kFood), kNatural, 0, "スキンケア;ボディケア;米"},
    {"Ciel Beauté", "シエルボーテ", T(kBeauty), kLuxury, 1},
    {"ぷちこす", "", T(kBeauty), kCute, -1},
    // Fashion
    {"Nordwave", "ノルドウェーブ", T(kFashion) | T(kOutdoor), kOutdoorStyle, 1},
    {"Urban Fox", "アーバンフォックス", T(kFashion), kBusiness, 0},
    {"Kinari", "キナリ", T(kFashion), kNatural, 0, "レディース;メンズ;バッグ"},
    {"ミナモ", "", T(kFashion), kNatural, 0},
    {"Bluebird Denim", "ブルーバードデニム", T(kFashion), kSimple, 0, "メンズ;レディース;バッグ"},
    {"Le Petit Lapin", "ルプティラパン", T(kFashion) | T(kBaby) | T(kToy), kCute, 1, "レディース;ベビー服;財布;ぬいぐるみ"},
    {"STRIDE", "ストライド", T(kFashion), kSporty, 0, "靴;メンズ;バッグ"},
    {"藍染工房 あお", "", T(kFashion), kJapanese, 1, "レディース;メンズ;財布・小物"},
    {"TOKYO BASIC", "トウキョウベーシック", T(kFashion), kSimple, -1, "メンズ;レディース;バッグ"},
    {"Merle & Co.", "メルル", T(kFashion), kLuxury, 1, "レディース;バッグ;財布"},
    {"Sunday Closet", "サンデークローゼット", T(kFashion), kCute, -1, "レディース;バッグ"},
    {"GRANDE", "グランデ", T(kFashion), kBusiness, 1, "財布;時計;バッグ;メンズ"},
    {"Fieldline", "フィールドライン", T(kFashion) | T(kOutdoor), kOutdoorStyle, 0},
    {"Atelier Shiro", "アトリエシロ", T(kFashion), kLuxury, 1, "レディース;財布;バッグ;時計"},
    {"Chronica", "クロニカ", T(kFashion) | T(kAppliance), kBusiness, 1, "時計;オーディオ"},
    {"Kazé", "カゼ", T(kFashion), kSporty, -1, "靴;メンズ"},
    {"革工房 つむぎ", "", T(kFashion), kJapanese, 1, "財布;バッグ"},
    {"Runwell", "ランウェル", T(kFashion) | T(kOutdoor), kSporty, 0, "靴;メンズ;水筒;バッグ"},
    {"Hibi Wear", "ヒビウェア", T(kFashion), kSimple, -1, "メンズ;レディース"},
    {"Ocean Drift", "オーシャンドリフト", T(kFashion) | T(kOutdoor), kOutdoorStyle, -1, "メンズ;バッグ;靴;チェア;水筒"},
    // Appliances
    {"ACME", "アクメ", T(kAppliance) | T(kKitchen) | T(kDaily), kSimple, -1},
    {"Denkoo", "デンコー", T(kAppliance), kSimple, -1},
    {"ヒカリ電機", "", T(kAppliance), kBusiness, 0},
    {"Airio", "エアリオ", T(kAppliance), kSimple, 0, "空気清浄機;季節家電;ドライヤー"},
    {"Sonora Audio", "ソノラオーディオ", T(kAppliance), kLuxury, 1, "オーディオ"},
    {"Breezia", "ブリージア", T(kAppliance), kCute, 0, "季節家電;空気清浄機;ドライヤー"},
    {"Volta", "ヴォルタ", T(kAppliance), kBusiness, 1},
    {"MIRAI", "ミライ", T(kAppliance), kSimple, 0},
    {"ホームテック", "", T(kAppliance), kSimple, -1},
    {"NEXA", "ネクサ", T(kAppliance), kBusiness, 1, "オーディオ;掃除機;空気清浄機"},
    {"Kirara", "キララ", T(kAppliance) | T(kBeauty), kCute, 0, "美容家電;メイク"},
    {"TOKI Electric", "トキエレクトリック", T(kAppliance), kSimple, 0},
    {"Amaoto", "アマオト", T(kAppliance), kLuxury, 1, "オーディオ"},
    {"BeatLink", "ビートリンク", T(kAppliance), kSporty, -1, "オーディオ"},
    {"Lumo", "ルモ", T(kAppliance) | T(kOutdoor), kSimple, 0, "ランタン;電気ケトル;季節家電"},
    // Toys
    {"つみきや", "", T(kToy) | T(kBaby), kNatural, 0, "知育玩具;ブロック;歯固め"},
    {"Kumo Toys", "クモトイズ", T(kToy), kCute, 0},
    {"PlayBloom", "プレイブルーム", T(kToy), kCute, 0},
    {"ブロックラボ", "", T(kToy), kSimple, -1, "ブロック"},
    {"ぬいぐるみの森", "", T(kToy), kCute, 0, "ぬいぐるみ"},
    {"Tinker Town", "ティンカータウン", T(kToy), kSporty, 0},
    {"わくわく工房", "", T(kToy), kNatural, -1},
    {"BoardNight", "ボードナイト", T(kToy), kSimple, 0, "ゲーム"},
    {"Zoom RC", "ズームアールシー", T(kToy) | T(kOutdoor), kSporty, -1, "ラジコン;ランタン"},
    {"Mokuba", "モクバ", T(kToy) | T(kBaby), kNatural, 1, "知育玩具;ぬいぐるみ;歯固め"},
    {"ころころ堂", "", T(kToy), kCute, -1},
    // Outdoor
    {"Fieldcraft", "フィールドクラフト", T(kOutdoor) | T(kKitchen) | T(kFashion), kOutdoorStyle, 1, "アウトドア;コーヒー器具;調理器具;バッグ;靴"},
    {"Camp Owl", "キャンプアウル", T(kOutdoor), kOutdoorStyle, 0},
    {"山旅", "", T(kOutdoor), kOutdoorStyle, 0},
    {"Trailhead", "トレイルヘッド", T(kOutdoor) | T(kFashion), kSporty, 0},
    {"Summit Fox", "サミットフォックス", T(kOutdoor), kOutdoorStyle, 1},
    {"Moriya Outdoor", "モリヤアウトドア", T(kOutdoor), kOutdoorStyle, -1},
    {"Bonfire Co.", "ボンファイア", T(kOutdoor), kOutdoorStyle, 0},
    {"Lantern Works", "ランタンワークス", T(kOutdoor), kLuxury, 1, "ランタン;バーナー"},
    {"Rockridge", "ロックリッジ", T(kOutdoor), kSporty, -1},
    {"そとあそび", "", T(kOutdoor) | T(kToy), kCute, -1},
    // Stationery
    {"文具の森", "", T(kStationery), kSimple, -1},
    {"Penlight", "ペンライト", T(kStationery), kBusiness, 0},
    {"Inkwell", "インクウェル", T(kStationery), kLuxury, 1, "筆記具;手帳"},
    {"ノートの匠", "", T(kStationery), kJapanese, 0},
    {"Papier Blanc", "パピエブラン", T(kStationery), kSimple, 1, "ノート;手帳;ファイル"},
    {"和紙屋 こより", "", T(kStationery), kJapanese, 1, "ノート;手帳;ファイル"},
    {"OfficeOne", "オフィスワン", T(kStationery), kBusiness, -1},
    {"Stylo", "スティロ", T(kStationery), kCute, 0},
    {"Memoire", "メモワール", T(kStationery), kLuxury, 1},
    {"東京紙工房", "", T(kStationery), kJapanese, 0, "ノート;手帳;ファイル"},
    {"Kiri Stationery", "キリステーショナリー", T(kStationery), kSimple, 0},
    // Baby
    {"ベビーモフ", "", T(kBaby), kCute, 0},
    {"Little Nest", "リトルネスト", T(kBaby), kNatural, 1},
    {"すくすく", "", T(kBaby), kSimple, -1},
    {"Hugmee", "ハグミー", T(kBaby), kCute, 0},
    {"ひよこ堂", "", T(kBaby) | T(kToy), kCute, -1},
    {"Baby Bloom", "ベビーブルーム", T(kBaby), kNatural, 0},
    {"Mamaluna", "ママルナ", T(kBaby), kLuxury, 1},
    {"おひさまベビー", "", T(kBaby), kNatural, 0},
    {"CottonTot", "コットントット", T(kBaby) | T(kFashion), kNatural, 0, "ベビー服;メンズ;レディース"},
    {"Tiny Steps", "タイニーステップス", T(kBaby), kSporty, 0},
    {"ぽかぽかベビー", "", T(kBaby), kCute, -1},
};

constexpr size_t kBrandCount = sizeof(kBrands) / sizeof(kBrands[0]);

// ---------------------------------------------------------------------------
// Shop decorations shared by all categories.

constexpr const char* kPromoPrefixes =
    "【送料無料】*14;【公式】*6;★ポイント10倍★*5;【あす楽】*4;【期間限定】*3;【ランキング1位】*3;"
    "【クーポン配布中】*3;【新商品】*3;【訳あり】;【まとめ買い】*2;＼最大20%OFF／*2;【Ｐ５倍】;【SALE】*2;【在庫限り】";
constexpr const char* kSuffixes =
    "ギフト*4;プレゼント*4;母の日;父の日;敬老の日;誕生日*2;送料無料*3;あす楽対応;おすすめ;人気*2;"
    "ランキング;お中元;お歳暮;新生活*2";
constexpr const char* kPremiumWords = "高級*3;プレミアム*3;最高級;特選;上質*2;贈答用";
constexpr const char* kBudgetWords = "お徳用*2;お買い得*3;コスパ抜群;大容量*2;訳あり;業務用";
constexpr const char* kMotifWords = "猫柄*3;ねこ*2;柴犬*3;肉球*2;くま;うさぎ;パンダ;北欧柄;花柄;恐竜";
constexpr const char* kYearModels = "2024年モデル*3;2025年モデル*4;2023年モデル;最新モデル*2";
constexpr const char* kSeasons = "2024秋冬*2;2025春夏*3;2025秋冬;春夏新作;秋冬新作";
constexpr const char* kGenericTags =
    "ギフト*3;プレゼント*2;新生活;人気*3;ランキング入賞;在庫あり*2;限定;新商品*2;セール*2;日本製;レビュー高評価";
constexpr const char* kNotes =
    "※北海道・沖縄・離島は別途送料がかかります。*3;※メーカー直送品のため、代金引換はご利用いただけません。;"
    "※お届けまで3〜5営業日ほどお時間をいただきます。*2";

// ---------------------------------------------------------------------------
// Parsed tables.

struct Leaf {
  const LeafSpec* spec;
  int top;
  std::string path;
  WeightedList nouns, features, origins, sentences, tags;
  std::vector<WeightedList> size_groups;
};

struct Brand {
  const BrandSpec* spec;
  uint32_t popularity;   // 1..8: share of its categories' sales
  int quality;           // -5..+5 tenths of a star
  int price_permille;    // 900..1150: some brands charge more
  std::string model_prefix;
};

struct Tables {
  std::vector<Leaf> leaves;
  std::array<std::vector<size_t>, kTopCount> leaves_by_top;
  std::array<std::vector<uint32_t>, kTopCount> leaf_cumulative;
  std::vector<Brand> brands;
  std::vector<std::vector<size_t>> brands_by_leaf;
  std::vector<std::vector<uint32_t>> brand_cumulative;
  std::array<uint32_t, kTopCount> top_cumulative{};
  std::array<WeightedList, kStyleCount> style_goods, style_consumable, style_colors, style_sentences, style_tags;
  std::array<WeightedList, 5> audience_title, audience_description;
  WeightedList promos, suffixes, premium_words, budget_words, motifs, year_models, seasons, generic_tags, notes;
};

int TopIndex(std::string_view path) {
  const std::string_view top = path.substr(0, path.find('>'));
  for (int i = 0; i < kTopCount; ++i) {
    if (top == kTopNames[static_cast<size_t>(i)]) return i;
  }
  return -1;
}

// Two capital letters per brand for model numbers: Latin brands use their
// initials or first consonants (Nordwave -> NR-1200, Sonora Audio -> SA-120),
// others get letters from their name hash.
std::string ModelPrefix(std::string_view name, uint64_t hash) {
  auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; };
  auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  std::string prefix;
  std::string_view first_word;
  for (std::string_view word : Split(name, ' ')) {
    if (word.empty() || !is_letter(word[0])) continue;
    if (prefix.size() < 2) prefix += upper(word[0]);
    if (first_word.empty()) first_word = word;
  }
  if (prefix.size() == 1) {
    for (size_t i = 1; i < first_word.size(); ++i) {
      const char c = upper(first_word[i]);
      if (is_letter(c) && std::strchr("AEIOU", c) == nullptr) {
        prefix += c;
        break;
      }
    }
  }
  if (prefix.size() == 2) return prefix;
  static constexpr char kLetters[] = "ABCDEFGHJKLMNPRSTVWXYZ";  // no I/O/Q/U: they read as digits
  prefix.clear();
  prefix += kLetters[hash % 22];
  prefix += kLetters[(hash >> 8) % 22];
  return prefix;
}

Tables BuildTables() {
  Tables t;
  for (size_t i = 0; i < kLeafCount; ++i) {
    const LeafSpec& spec = kLeaves[i];
    Leaf leaf;
    leaf.spec = &spec;
    leaf.path = spec.path;
    leaf.top = TopIndex(spec.path);
    if (leaf.top < 0) {
      std::fprintf(stderr, "gen_catalog: leaf %s has an unknown top category\n", spec.path);
      std::exit(2);
    }
    leaf.nouns = WeightedList::Parse(spec.nouns);
    leaf.features = WeightedList::Parse(spec.features);
    leaf.origins = WeightedList::Parse(spec.origins);
    leaf.sentences = WeightedList::Parse(spec.sentences);
    leaf.tags = WeightedList::Parse(spec.tags);
    for (std::string_view group : Split(spec.sizes, '^')) {
      leaf.size_groups.push_back(WeightedList::ParseSizes(group));
    }
    const auto top = static_cast<size_t>(leaf.top);
    const uint32_t before = t.leaf_cumulative[top].empty() ? 0 : t.leaf_cumulative[top].back();
    t.leaves_by_top[top].push_back(t.leaves.size());
    t.leaf_cumulative[top].push_back(before + spec.weight);
    t.leaves.push_back(std::move(leaf));
  }
  for (size_t i = 0; i < kBrandCount; ++i) {
    const BrandSpec& spec = kBrands[i];
    const uint64_t h = Fnv1a(spec.name);
    Brand brand;
    brand.spec = &spec;
    // A few big brands and many small ones, like any marketplace.
    static constexpr uint32_t kPopularity[] = {1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8};
    brand.popularity = kPopularity[h % 12];
    brand.quality = static_cast<int>((h >> 16) % 11) - 5;
    brand.price_permille = 900 + static_cast<int>((h >> 24) % 251);
    brand.model_prefix = ModelPrefix(spec.name, h >> 32);
    t.brands.push_back(std::move(brand));
  }
  t.brands_by_leaf.resize(t.leaves.size());
  t.brand_cumulative.resize(t.leaves.size());
  for (size_t l = 0; l < t.leaves.size(); ++l) {
    const Leaf& leaf = t.leaves[l];
    for (size_t b = 0; b < t.brands.size(); ++b) {
      const BrandSpec& spec = *t.brands[b].spec;
      if ((spec.tops & (1u << leaf.top)) == 0) continue;
      const std::vector<std::string_view> focus = Split(spec.focus, ';');
      const bool sells_here = focus.empty() || std::any_of(focus.begin(), focus.end(), [&](std::string_view f) {
                                return Contains(leaf.path, f);
                              });
      if (!sells_here) continue;
      const uint32_t before = t.brand_cumulative[l].empty() ? 0 : t.brand_cumulative[l].back();
      t.brands_by_leaf[l].push_back(b);
      t.brand_cumulative[l].push_back(before + t.brands[b].popularity);
    }
    if (t.brands_by_leaf[l].empty()) {
      std::fprintf(stderr, "gen_catalog: no brand sells in %s\n", leaf.path.c_str());
      std::exit(2);
    }
  }
  uint32_t total = 0;
  for (size_t top = 0; top < kTopCount; ++top) {
    if (t.leaves_by_top[top].empty()) {
      std::fprintf(stderr, "gen_catalog: top category %s has no leaves\n", kTopNames[top]);
      std::exit(2);
    }
    total += kTopWeights[top];
    t.top_cumulative[top] = total;
  }
  for (size_t s = 0; s < kStyleCount; ++s) {
    t.style_goods[s] = WeightedList::Parse(kStyles[s].goods_words);
    t.style_consumable[s] = WeightedList::Parse(kStyles[s].consumable_words);
    t.style_colors[s] = WeightedList::Parse(kStyles[s].colors);
    t.style_sentences[s] = WeightedList::Parse(kStyles[s].sentences);
    t.style_tags[s] = WeightedList::Parse(kStyles[s].tags);
  }
  for (size_t a = 0; a < kAudiences.size(); ++a) {
    t.audience_title[a] = WeightedList::Parse(kAudiences[a].title_words);
    t.audience_description[a] = WeightedList::Parse(kAudiences[a].description_words);
  }
  t.promos = WeightedList::Parse(kPromoPrefixes);
  t.suffixes = WeightedList::Parse(kSuffixes);
  t.premium_words = WeightedList::Parse(kPremiumWords);
  t.budget_words = WeightedList::Parse(kBudgetWords);
  t.motifs = WeightedList::Parse(kMotifWords);
  t.year_models = WeightedList::Parse(kYearModels);
  t.seasons = WeightedList::Parse(kSeasons);
  t.generic_tags = WeightedList::Parse(kGenericTags);
  t.notes = WeightedList::Parse(kNotes);
  return t;
}

size_t PickCumulative(const std::vector<uint32_t>& cumulative, Rng& rng) {
  const uint32_t r = rng.Below(cumulative.back());
  return static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), r) - cumulative.begin());
}

// ---------------------------------------------------------------------------
// Prices, ratings and review counts, all in integer arithmetic.

// Prices the way Japanese shops write them: 398, 1,980, 29,800.
int64_t ShopPrice(int64_t yen, Rng& rng) {
  if (yen < 100) yen = 100;
  const uint32_t ending = rng.Below(10);  // 0-4: x98/x80 style, 5-7: round, 8-9: x8 style
  if (yen < 1000) {
    const int64_t hundreds = (yen + 50) / 100 * 100;
    if (ending < 5) return std::max<int64_t>(98, hundreds - 2);
    if (ending < 8) return (yen + 5) / 10 * 10;
    return std::max<int64_t>(80, hundreds - 20);
  }
  if (yen < 10000) {
    const int64_t hundreds = (yen + 50) / 100 * 100;
    if (ending < 5) return hundreds - 20;
    if (ending < 8) return hundreds;
    return hundreds - 2;
  }
  const int64_t thousands = (yen + 500) / 1000 * 1000;
  if (ending < 6) return thousands - 200;
  if (ending < 9) return thousands;
  return thousands - 20;
}

int64_t ISqrt(int64_t n) {
  int64_t r = 0;
  while ((r + 1) * (r + 1) <= n) ++r;
  return r;
}

// ---------------------------------------------------------------------------
// One product.

struct Product {
  std::string title, description, brand, category, tags;
  int64_t price = 0;
  int rating_tenths = 0;
  int64_t review_count = 0;
  Style style = kSimple;
  Tier tier = kStandard;
};

// Replaces {brand} {noun} {feat} {aud} {size} in a template. Returns false
// when the template needs a value this product does not have.
struct TemplateValues {
  std::string_view brand, noun, feat, aud, size;
};

bool ExpandTemplate(std::string_view tmpl, const TemplateValues& v, std::string& out) {
  out.clear();
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] == '{') {
      const size_t close = tmpl.find('}', i);
      const std::string_view key = tmpl.substr(i + 1, close - i - 1);
      std::string_view value;
      if (key == "brand") value = v.brand;
      else if (key == "noun") value = v.noun;
      else if (key == "feat") value = v.feat;
      else if (key == "aud") value = v.aud;
      else if (key == "size") value = v.size;
      if (value.empty()) return false;
      out += value;
      i = close + 1;
    } else {
      out += tmpl[i++];
    }
  }
  return true;
}

std::string ReplaceNoun(std::string_view origin, std::string_view noun) {
  std::string out(origin);
  const size_t pos = out.find("{noun}");
  if (pos != std::string::npos) out.replace(pos, 6, noun);
  return out;
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : seed_(seed), t_(BuildTables()) {}

  Product Make(uint64_t index) const {
    // Each row has its own stream: rows do not depend on --count.
    uint64_t mix = seed_ ^ (index * 0xD1B54A32D192ED03ULL);
    Rng rng(SplitMix64(mix));
    Product p;

    // Latent attributes first; the text is derived from them.
    size_t top = 0;
    {
      const uint32_t r = rng.Below(t_.top_cumulative.back());
      while (t_.top_cumulative[top] <= r) ++top;
    }
    const size_t leaf_index = t_.leaves_by_top[top][PickCumulative(t_.leaf_cumulative[top], rng)];
    const Leaf& leaf = t_.leaves[leaf_index];
    const LeafSpec& spec = *leaf.spec;
    const Brand& brand =
        t_.brands[t_.brands_by_leaf[leaf_index][PickCumulative(t_.brand_cumulative[leaf_index], rng)]];
    p.brand = brand.spec->name;
    p.category = leaf.path;

    // Tier: the brand leans one way, but every brand has a range.
    {
      static constexpr uint32_t kBudgetShare[] = {55, 25, 8};
      static constexpr uint32_t kPremiumShare[] = {10, 20, 50};
      const int bias = brand.spec->tier_bias + 1;
      const uint32_t r = rng.Below(100);
      p.tier = r < kBudgetShare[bias] ? kBudget : (r >= 100 - kPremiumShare[bias] ? kPremium : kStandard);
    }
    // Style: mostly the brand's house style where it fits the category.
    {
      const unsigned allowed = kAllowedStyles[top];
      const Style house = brand.spec->style;
      if ((allowed & S(house)) != 0 && rng.Percent(65)) {
        p.style = house;
      } else {
        int candidates[kStyleCount];
        int n = 0;
        for (int s = 0; s < kStyleCount; ++s) {
          if (allowed & (1u << s)) candidates[n++] = s;
        }
        p.style = static_cast<Style>(candidates[rng.Below(static_cast<uint32_t>(n))]);
      }
    }
    const bool consumable = (spec.flags & kConsumable) != 0;
    const auto style = static_cast<size_t>(p.style);

    // Words.
    const Entry& noun_entry = leaf.nouns.Pick(rng);
    std::string noun = Spell(noun_entry, rng);
    std::string size_label;
    int size_factor = 100;
    if (static_cast<size_t>(noun_entry.group) < leaf.size_groups.size()) {
      const WeightedList& sizes = leaf.size_groups[static_cast<size_t>(noun_entry.group)];
      if (!sizes.empty()) {
        const Entry& s = sizes.Pick(rng);
        size_label = s.forms[0];
        size_factor = s.factor;
      }
    }
    std::vector<std::string> features;
    {
      features.reserve(3);
      const uint32_t want = 1 + rng.Below(3);
      for (uint32_t tries = 0; features.size() < want && tries < 8; ++tries) {
        const std::string& f = Spell(leaf.features.Pick(rng), rng);
        if (std::find(features.begin(), features.end(), f) == features.end() && !Contains(noun, f)) {
          features.push_back(f);
        }
      }
    }
    if (features.empty()) features.push_back(leaf.features[0].forms[0]);
    std::string origin;
    if (!leaf.origins.empty() && rng.Percent(45)) {
      origin = leaf.origins.Pick(rng).forms[0];
      if (Contains(origin, "{noun}")) {
        noun = ReplaceNoun(origin, noun);  // 京都産 宇治{noun} -> 京都産 宇治抹茶
        origin.clear();
      }
    }
    std::string audience;
    const auto audience_index = static_cast<size_t>(spec.audience);
    if (spec.audience != kNoAudience) {
      const bool pet = spec.audience != kBabyAudience;
      if (rng.Percent(pet ? 85 : 50)) audience = t_.audience_title[audience_index].Pick(rng).forms[0];
    }
    std::string style_word;
    {
      const WeightedList& words = consumable ? t_.style_consumable[style] : t_.style_goods[style];
      if (rng.Percent(35)) style_word = words.Pick(rng).forms[0];
    }
    std::string tier_word;
    if (p.tier == kPremium && rng.Percent(35)) tier_word = t_.premium_words.Pick(rng).forms[0];
    if (p.tier == kBudget && rng.Percent(20)) tier_word = t_.budget_words.Pick(rng).forms[0];
    if (tier_word == style_word) tier_word.clear();
    std::string motif;
    if ((spec.flags & kMotif) && p.style == kCute && rng.Percent(40)) motif = t_.motifs.Pick(rng).forms[0];
    std::string color;
    if (spec.flags & kColor) {
      const uint32_t r = rng.Below(100);
      if (r < 50) {
        color = Spell(t_.style_colors[style].Pick(rng), rng, 30);
      } else if (r < 62) {
        color = "全" + std::to_string(3 + rng.Below(8)) + "色";
      }
    }
    std::string model;
    if ((spec.flags & kModel) && rng.Percent(70)) {
      const uint32_t shape = rng.Below(10);
      const std::string digits = std::to_string(shape < 5 ? 100 * rng.Between(1, 99) : rng.Between(100, 9999));
      if (shape < 6) model = brand.model_prefix + "-" + digits;
      else if (shape < 8) model = brand.model_prefix + digits;
      else model = brand.model_prefix + "-" + digits + static_cast<char>("WXSLR"[rng.Below(5)]);
    }
    std::string year;
    if ((spec.flags & kYear) && rng.Percent(30)) year = t_.year_models.Pick(rng).forms[0];
    if ((spec.flags & kSeason) && rng.Percent(25)) year = t_.seasons.Pick(rng).forms[0];
    if (year.empty() && rng.Percent(4)) {
      year = std::to_string(rng.Between(1, 12)) + "月発売";
      if (rng.Percent(30)) year = "2025年" + year;
    }
    std::string sku;
    if (rng.Percent(4)) sku = "SKU-" + std::to_string(rng.Between(100, 99999));

    // Shop decoration: width variants and promos.
    std::string brand_text = brand.spec->name;
    {
      const bool latin = static_cast<unsigned char>(brand_text[0]) < 0x80;
      const uint32_t r = rng.Below(100);
      if (latin && r < 7) {
        brand_text = ToFullWidthAscii(brand_text);  // ＡＣＭＥ
      } else if (latin && r < 17 && brand.spec->reading[0] != '\0') {
        brand_text += "（";
        brand_text += brand.spec->reading;
        brand_text += "）";
      } else if (!latin && r < 2) {
        brand_text = ToHalfWidthKatakana(brand_text);
      }
    }
    std::string noun_text = noun;
    if (rng.Percent(3)) noun_text = ToHalfWidthKatakana(noun_text);
    std::string size_text = size_label;
    if (!size_text.empty() && rng.Percent(4)) size_text = ToFullWidthAscii(size_text);
    if (!model.empty() && rng.Percent(4)) model = ToFullWidthAscii(model);
    std::string prefix;
    if (rng.Percent(40)) {
      prefix = t_.promos.Pick(rng).forms[0];
      if (rng.Percent(15)) {
        const std::string& second = t_.promos.Pick(rng).forms[0];
        if (second != prefix) prefix += second;
      }
    }
    std::string suffix;
    if (rng.Percent(20)) {
      suffix = t_.suffixes.Pick(rng).forms[0];
      if (Contains(prefix, suffix)) suffix.clear();
    }

    // Title assembly. Order varies the way it does between shops.
    std::vector<std::string_view> tokens;
    tokens.reserve(20);
    auto add = [&tokens](std::string_view s) {
      if (!s.empty()) tokens.push_back(s);
    };
    const bool brand_last = rng.Percent(20);
    const bool features_first = rng.Percent(45);
    add(prefix);
    if (!brand_last) add(brand_text);
    add(origin);
    add(audience);
    add(tier_word);
    add(style_word);
    add(motif);
    if (features_first) {
      for (const auto& f : features) add(f);
      add(noun_text);
    } else {
      add(features[0]);
      add(noun_text);
      for (size_t i = 1; i < features.size(); ++i) add(features[i]);
    }
    add(size_text);
    add(color);
    add(model);
    add(year);
    add(sku);
    if (brand_last) add(brand_text);
    add(suffix);
    {
      // Mostly ASCII spaces; some shops use ideographic spaces.
      const std::string_view sep = rng.Percent(10) ? std::string_view("\u3000") : std::string_view(" ");
      for (size_t i = 0; i < tokens.size(); ++i) {
        // A promo bracket is usually glued to what follows.
        if (i > 0 && !(i == 1 && !prefix.empty() && rng.Percent(50))) p.title += sep;
        p.title += tokens[i];
      }
    }

    // Description: a leaf sentence, then up to two more.
    std::string aud_text;
    if (spec.audience != kNoAudience) aud_text = t_.audience_description[audience_index].Pick(rng).forms[0];
    const TemplateValues values{brand.spec->name, noun, features[0], aud_text, size_label};
    std::string sentence;
    for (int tries = 0; tries < 6; ++tries) {
      if (ExpandTemplate(leaf.sentences.Pick(rng).forms[0], values, sentence)) break;
      sentence.clear();
    }
    if (sentence.empty()) sentence = noun + "です。";
    p.description = sentence;
    const uint32_t extra = rng.Below(3);
    for (uint32_t i = 0; i < extra; ++i) {
      const uint32_t kind = rng.Below(100);
      std::string add_text;
      if (kind < 25) {
        add_text = t_.style_sentences[style].Pick(rng).forms[0];
      } else if (kind < 40 && p.tier != kStandard) {
        add_text = p.tier == kPremium ? "素材と品質にこだわった、ワンランク上の逸品です。"
                                      : "毎日使うものだからこそ、お求めやすい価格でご用意しました。";
      } else if (kind < 55 && !origin.empty()) {
        add_text = "こだわりポイント：" + origin + "。";
      } else if (kind < 70) {
        // A spec line with ASCII commas, so CSV quoting is exercised.
        if (!size_label.empty()) add_text += (consumable ? "内容量: " : "サイズ: ") + size_label;
        if (!color.empty() && color.rfind("全", 0) != 0) {  // skip "全N色"
          if (!add_text.empty()) add_text += ", ";
          add_text += "カラー: " + color;
        }
        if (!model.empty()) {
          if (!add_text.empty()) add_text += ", ";
          add_text += "型番: " + model;
        }
        if (!add_text.empty()) {
          if (consumable) add_text += ", 発送目安: 1〜3営業日";
          else if (!model.empty()) add_text += ", 保証: 1年";
          add_text += "。";
        }
      } else if (kind < 75) {
        add_text = "\"" + std::string(brand.spec->name) + "\" のこだわりが詰まった人気シリーズです。";
      } else if (kind < 85) {
        std::string more;
        if (ExpandTemplate(leaf.sentences.Pick(rng).forms[0], values, more) && more != sentence) add_text = more;
      } else {
        add_text = t_.notes.Pick(rng).forms[0];
      }
      if (add_text.empty() || Contains(p.description, add_text)) continue;
      p.description += add_text;
    }
    if (consumable && rng.Percent(10)) p.description += "※パッケージは予告なく変更になる場合があります。";
    if ((spec.flags & kColor) && rng.Percent(8)) {
      p.description += "※ご覧のモニター環境により、実際の色味と異なる場合がございます。";
    }
    if (spec.flags & kAlcohol) p.description += "※20歳未満の飲酒は法律で禁止されています。";

    // Price: leaf range x size x tier x brand, then shop rounding.
    {
      const int64_t lo = spec.price_lo, hi = spec.price_hi;
      const int64_t spread = rng.Below(1001) + rng.Below(1001);  // triangular, 0..2000
      int64_t yen = lo + (hi - lo) * spread / 2000;
      yen = yen * size_factor / 100;
      static constexpr int kTierLo[] = {450, 850, 1500};
      static constexpr int kTierSpan[] = {350, 350, 1100};
      const int64_t tier_permille = kTierLo[p.tier] + rng.Below(static_cast<uint32_t>(kTierSpan[p.tier]) + 1);
      yen = yen * tier_permille / 1000 * brand.price_permille / 1000;
      p.price = ShopPrice(yen, rng);
    }
    // Reviews: long-tailed (1/u), popular brands and cheap items get more.
    {
      static constexpr int64_t kTierReviewScale[] = {12, 10, 6};
      const int64_t scale_x10 = static_cast<int64_t>(brand.popularity) * kTierReviewScale[p.tier] * 4;
      const int64_t v = static_cast<int64_t>(rng.Next() >> 32);  // 0..2^32-1
      int64_t reviews = scale_x10 * ((int64_t{1} << 32) - v - 1) / ((v + 1) * 10);
      if (reviews > 20000) reviews = 20000 + (reviews - 20000) % 12000;
      p.review_count = reviews + 1;
    }
    // Rating: brand quality and tier set the mean; few reviews, more noise.
    {
      static constexpr int kTierRating[] = {-3, 0, 2};
      const int64_t mean = 40 + brand.quality + kTierRating[p.tier];
      const int64_t bumps = static_cast<int64_t>(rng.Below(21) + rng.Below(21) + rng.Below(21) + rng.Below(21)) - 40;
      const int64_t noise = bumps * 8 / (ISqrt(p.review_count + 1) * 10) + rng.Between(-2, 2);
      p.rating_tenths = static_cast<int>(std::clamp<int64_t>(mean + noise, 10, 50));
    }

    // Tags: category, promos, style, tier, a couple of generic ones.
    {
      std::vector<std::string> tags;
      auto add_tag = [&tags](std::string_view tag) {
        if (!tag.empty() && std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.emplace_back(tag);
      };
      add_tag(leaf.tags.Pick(rng).forms[0]);
      if (rng.Percent(50)) add_tag(leaf.tags.Pick(rng).forms[0]);
      if (Contains(p.title, "送料無料") || rng.Percent(15)) add_tag("送料無料");
      if (Contains(p.title, "ポイント10倍")) add_tag("ポイント10倍");
      if (Contains(p.title, "あす楽")) add_tag("あす楽");
      if (rng.Percent(40)) add_tag(t_.style_tags[style].Pick(rng).forms[0]);
      if (p.tier == kPremium && rng.Percent(40)) add_tag(rng.Percent(50) ? "高級" : "ギフト");
      if (p.tier == kBudget && rng.Percent(40)) add_tag(rng.Percent(50) ? "お買い得" : "プチプラ");
      if (Contains(origin, "産") || Contains(origin, "国産") || Contains(noun, "産")) add_tag("国産");
      if (!audience.empty() && spec.audience == kDog) add_tag("犬");
      if (!audience.empty() && spec.audience == kCat) add_tag("猫");
      const uint32_t generic = rng.Below(3);
      for (uint32_t i = 0; i < generic; ++i) add_tag(t_.generic_tags.Pick(rng).forms[0]);
      if (tags.size() < 2) add_tag(t_.generic_tags[0].forms[0]);
      for (size_t i = 0; i < tags.size(); ++i) {
        if (i > 0) p.tags += '|';
        p.tags += tags[i];
      }
    }
    return p;
  }

 private:
  uint64_t seed_;
  Tables t_;
};

// ---------------------------------------------------------------------------
// CSV output (RFC 4180): quote fields containing a comma, quote, CR or LF.

void AppendField(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void AppendRow(std::string& out, uint64_t index, int id_width, const Product& p) {
  char id[32];
  std::snprintf(id, sizeof(id), "P%0*llu", id_width, static_cast<unsigned long long>(index + 1));
  out += id;
  out += ',';
  AppendField(out, p.title);
  out += ',';
  AppendField(out, p.description);
  out += ',';
  AppendField(out, p.brand);
  out += ',';
  AppendField(out, p.category);
  out += ',';
  out += std::to_string(p.price);
  out += ',';
  out += static_cast<char>('0' + p.rating_tenths / 10);
  out += '.';
  out += static_cast<char>('0' + p.rating_tenths % 10);
  out += ',';
  out += std::to_string(p.review_count);
  out += ',';
  AppendField(out, p.tags);
  out += ',';
  out += kStyles[static_cast<size_t>(p.style)].name;
  out += ',';
  out += kTierNames[static_cast<size_t>(p.tier)];
  out += '\n';
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes saiki's deterministic synthetic Japanese product catalogue as CSV."};
  uint64_t count = 5000;
  uint64_t seed = 42;
  std::string out_path;
  // Validated as numbers first: CLI11 would otherwise wrap "-5" into a huge
  // unsigned value.
  app.add_option("--count", count, "Number of products (at most 1e9)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber & CLI::Range(0.0, 1e9));
  app.add_option("--seed", seed, "PRNG seed; same seed and count give byte-identical output")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--out", out_path, "Output CSV file (default: stdout)");
  CLI11_PARSE(app, argc, argv);

  std::FILE* out = stdout;
  if (!out_path.empty() && out_path != "-") {
    out = std::fopen(out_path.c_str(), "wb");
    if (out == nullptr) {
      std::fprintf(stderr, "gen_catalog: cannot open %s: %s\n", out_path.c_str(), std::strerror(errno));
      return 1;
    }
  }

  // IDs are P0000001..; wider only when the count needs more digits.
  int id_width = 7;
  for (uint64_t n = count; n >= 10000000; n /= 10) ++id_width;

  const Generator generator(seed);
  std::string buffer = "id,title,description,brand,category,price,rating,review_count,tags,style,price_tier\n";
  buffer.reserve(1 << 21);
  bool ok = true;
  for (uint64_t i = 0; i < count && ok; ++i) {
    AppendRow(buffer, i, id_width, generator.Make(i));
    if (buffer.size() >= (1u << 20)) {
      ok = std::fwrite(buffer.data(), 1, buffer.size(), out) == buffer.size();
      buffer.clear();
    }
  }
  if (ok && !buffer.empty()) ok = std::fwrite(buffer.data(), 1, buffer.size(), out) == buffer.size();
  if (std::fflush(out) != 0) ok = false;
  if (out != stdout && std::fclose(out) != 0) ok = false;
  if (!ok) {
    std::fprintf(stderr, "gen_catalog: write failed\n");
    return 1;
  }
  return 0;
}
