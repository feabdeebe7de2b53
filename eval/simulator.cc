// The user simulator. See simulator.h for the model and the metrics.
#include "eval/simulator.h"

#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "eval/svg_plot.h"
#include "ranker/metrics.h"

namespace saiki::eval {

double TrueUtility(double match, double preference) {
  return match * std::clamp(1.5 + 1.5 * preference, 0.0, 3.0);
}

double Attractiveness(const UserModel& m, double perceived_utility) {
  double u = std::clamp(std::isfinite(perceived_utility) ? perceived_utility : 0.0, 0.0, 3.0);
  return m.attract_min + (m.attract_max - m.attract_min) * std::pow(u / 3.0, m.attract_gamma);
}

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr int kNumStyles = 8;
constexpr const char* kStyles[kNumStyles] = {"シンプル",   "ナチュラル", "高級",       "かわいい",
                                             "アウトドア", "ビジネス",   "スポーティ", "和風"};
// A word of each style that shop titles use (datasets/README.md), for
// two-term queries such as "マグカップ かわいい".
constexpr const char* kStyleWords[kNumStyles] = {"シンプル",   "無添加",   "高級",     "かわいい",
                                                 "アウトドア", "ビジネス", "スポーツ", "老舗"};
constexpr const char* kTiers[3] = {"budget", "standard", "premium"};

// The simulated calendar: the first session on 2024-04-01, one round of
// sessions per day, a minute between a user's queries.
constexpr double kEpoch = 1711929600.0;
constexpr double kQueryGap = 60.0;
constexpr double kClickGap = 5.0;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// ------------------------------------------------------------ CSV, UTF-8

// RFC 4180 records of `text` (quotes, doubled quotes, CRLF, a BOM).
std::vector<std::vector<std::string>> ParseCsv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::u32string Decode(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + len > s.size()) break;
    char32_t cp = len == 1 ? c : c & (0xFF >> (len + 1));
    for (size_t j = 1; j < len; ++j) cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::string Encode(std::u32string_view s) {
  std::string out;
  for (char32_t cp : s) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

bool IsKatakana(char32_t c) { return (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC; }
bool IsKanji(char32_t c) { return (c >= 0x4E00 && c <= 0x9FFF) || c == 0x3005; }
bool IsDigit(char32_t c) { return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19); }

// Title words a shopper might type: katakana runs of 3+ characters and
// kanji runs of 2-3 characters not glued to a number (skips 個入, 年産).
std::set<std::string> TitleWords(std::string_view title) {
  std::set<std::string> words;
  std::u32string t = Decode(title);
  for (size_t i = 0; i < t.size();) {
    size_t j = i;
    if (IsKatakana(t[i])) {
      while (j < t.size() && IsKatakana(t[j])) ++j;
      if (j - i >= 3 && t[i] != 0x30FC) words.insert(Encode(t.substr(i, j - i)));
    } else if (IsKanji(t[i])) {
      while (j < t.size() && IsKanji(t[j])) ++j;
      bool after_digit = i > 0 && IsDigit(t[i - 1]);
      if (j - i >= 2 && j - i <= 3 && !after_digit) words.insert(Encode(t.substr(i, j - i)));
    } else {
      j = i + 1;
    }
    i = j;
  }
  return words;
}

std::vector<std::string> Split(const std::string& s, const std::string& sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + sep.size();
  }
  return out;
}

// ------------------------------------------------------------ catalogue

struct Product {
  std::string id;
  int brand = -1, leaf = -1, l2 = -1, top = -1, style = -1, tier = -1;
  // What the engine can observe of the latent tier and style (the gap
  // report's ceilings, GapRow): the tier read from the price against the
  // leaf's median as the engine reads it, the style a title names; -1 when
  // there is none (no price, no style word in the title).
  float price = std::numeric_limits<float>::quiet_NaN();
  int seen_tier = -1, seen_style = -1;
};

struct Leaf {
  std::string path;
  int l2 = -1, top = -1;
  std::vector<int> products;
  std::map<int, int> brand_count;
  std::vector<std::string> candidate_words;  // before validation
  std::string candidate_kanji;
  std::vector<std::string> words;  // validated: the engine finds the leaf with them
  std::string kanji;
};

struct Catalog {
  std::vector<Product> products;
  std::unordered_map<std::string, int> by_id;
  std::vector<std::string> brands;
  std::vector<Leaf> leaves;
  std::vector<int> usable_leaves;  // leaves with at least one validated word
};

int Intern(std::map<std::string, int>* ids, const std::string& key) {
  auto [it, inserted] = ids->emplace(key, static_cast<int>(ids->size()));
  return it->second;
}

Result<Catalog> LoadCatalog(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open the catalogue");
  std::stringstream buf;
  buf << in.rdbuf();
  std::vector<std::vector<std::string>> rows = ParseCsv(buf.str());
  if (rows.empty()) return Status::InvalidArgument(path + ": empty catalogue");
  std::map<std::string, int> col;
  for (size_t i = 0; i < rows[0].size(); ++i) col[rows[0][i]] = static_cast<int>(i);
  for (const char* need : {"id", "title", "brand", "category", "style", "price_tier"}) {
    if (!col.count(need)) {
      return Status::InvalidArgument(path + ": the catalogue has no '" + need +
                                     "' column (the simulator needs the latent attributes "
                                     "brand, category, style, price_tier)");
    }
  }
  Catalog cat;
  std::map<std::string, int> brands, leaves, l2s, tops;
  std::vector<std::set<std::string>> words;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != rows[0].size()) {
      return Status::InvalidArgument(path + ": record " + std::to_string(r + 1) + " has " +
                                     std::to_string(row.size()) + " fields, the header " +
                                     std::to_string(rows[0].size()));
    }
    Product p;
    p.id = row[col["id"]];
    if (p.id.empty() || cat.by_id.count(p.id)) continue;
    p.brand = Intern(&brands, row[col["brand"]]);
    std::string category = row[col["category"]];
    std::vector<std::string> parts = Split(category, ">");
    p.top = Intern(&tops, parts[0]);
    p.l2 = Intern(&l2s, parts.size() >= 2 ? parts[0] + ">" + parts[1] : parts[0]);
    p.leaf = Intern(&leaves, category);
    const std::string& style = row[col["style"]];
    for (int s = 0; s < kNumStyles; ++s) {
      if (style == kStyles[s]) p.style = s;
    }
    const std::string& tier = row[col["price_tier"]];
    for (int t = 0; t < 3; ++t) {
      if (tier == kTiers[t]) p.tier = t;
    }
    if (col.count("price")) {
      const std::string& price = row[col["price"]];
      char* end = nullptr;
      const float v = std::strtof(price.c_str(), &end);
      if (!price.empty() && end == price.c_str() + price.size() && v >= 0) p.price = v;
    }
    {
      const std::string& title = row[col["title"]];
      // The last style of the list whose name or word the title has.
      for (int st = 0; st < kNumStyles; ++st) {
        if (title.find(kStyles[st]) != std::string::npos ||
            title.find(kStyleWords[st]) != std::string::npos) {
          p.seen_style = st;
        }
      }
    }
    if (static_cast<size_t>(p.leaf) >= cat.leaves.size()) {
      cat.leaves.resize(p.leaf + 1);
      Leaf& leaf = cat.leaves[p.leaf];
      leaf.path = category;
      leaf.l2 = p.l2;
      leaf.top = p.top;
      // The leaf's own name ("茶碗・皿" gives 茶碗 and 皿), and the single
      // kanji of its animal or department (犬用品 -> 犬, 靴).
      for (const std::string& w : Split(parts.back(), "・")) {
        if (!w.empty()) leaf.candidate_words.push_back(w);
      }
      if (parts.size() >= 2) {
        std::u32string mid = Decode(parts[1]);
        std::u32string suffix = U"用品";
        if (mid.size() == 1 && IsKanji(mid[0])) leaf.candidate_kanji = Encode(mid);
        if (mid.size() == 3 && IsKanji(mid[0]) && mid.substr(1) == suffix) {
          leaf.candidate_kanji = Encode(mid.substr(0, 1));
        }
      }
    }
    Leaf& leaf = cat.leaves[p.leaf];
    leaf.products.push_back(static_cast<int>(cat.products.size()));
    leaf.brand_count[p.brand]++;
    words.push_back(TitleWords(row[col["title"]]));
    cat.by_id[p.id] = static_cast<int>(cat.products.size());
    cat.products.push_back(std::move(p));
  }
  if (cat.products.empty()) return Status::InvalidArgument(path + ": no products");
  // The tier as the engine reads it (ranker::PriceTier over the leaf's upper
  // median price): 0 budget, 1 standard, 2 premium.
  for (const Leaf& leaf : cat.leaves) {
    std::vector<float> prices;
    for (int i : leaf.products) {
      if (!std::isnan(cat.products[i].price)) prices.push_back(cat.products[i].price);
    }
    if (prices.empty()) continue;
    std::nth_element(prices.begin(), prices.begin() + prices.size() / 2, prices.end());
    const double median = prices[prices.size() / 2];
    for (int i : leaf.products) {
      Product& p = cat.products[i];
      if (std::isnan(p.price)) continue;
      const double ratio = (1.0 + p.price) / (1.0 + median);
      p.seen_tier = ratio < 0.8 ? 0 : ratio > 1.3 ? 2 : 1;
    }
  }
  cat.brands.resize(brands.size());
  for (const auto& [name, id] : brands) cat.brands[id] = name;

  // Title words typical of a leaf: in at least a fifth of its products (and
  // 6), and at least half of their occurrences in that leaf.
  std::map<std::string, int> df;
  std::vector<std::map<std::string, int>> leaf_df(cat.leaves.size());
  for (size_t i = 0; i < cat.products.size(); ++i) {
    for (const std::string& w : words[i]) {
      df[w]++;
      leaf_df[cat.products[i].leaf][w]++;
    }
  }
  for (size_t l = 0; l < cat.leaves.size(); ++l) {
    Leaf& leaf = cat.leaves[l];
    std::vector<std::pair<int, std::string>> typical;
    double n = static_cast<double>(leaf.products.size());
    for (const auto& [w, count] : leaf_df[l]) {
      if (count >= std::max(6.0, 0.2 * n) && count >= 0.5 * df[w]) typical.push_back({-count, w});
    }
    std::sort(typical.begin(), typical.end());
    for (size_t i = 0; i < typical.size() && i < 3; ++i) {
      const std::string& w = typical[i].second;
      if (std::find(leaf.candidate_words.begin(), leaf.candidate_words.end(), w) ==
          leaf.candidate_words.end()) {
        leaf.candidate_words.push_back(w);
      }
    }
  }
  return cat;
}

// ------------------------------------------------------------ engine pools

// The engine's candidates for a query: the top ranker.candidates products
// by BM25F, from a database with ranker=bm25, searched without a user (not
// logged). Also the bm25 arm's ranking (its first k).
class Pools {
 public:
  Pools(Database* db, const Catalog* cat, int candidates)
      : db_(db), cat_(cat), candidates_(candidates) {}

  Result<const std::vector<int>*> Get(const std::string& text) {
    auto it = cache_.find(text);
    if (it != cache_.end()) return &it->second;
    SearchRequest req;
    req.query = text;
    req.k = candidates_;
    auto res = db_->Search(req);
    if (!res.ok()) return res.status().WithContext("simulate: query '" + text + "'");
    std::vector<int> pool;
    for (const SearchHit& h : res->hits) {
      auto p = cat_->by_id.find(h.id);
      if (p != cat_->by_id.end()) pool.push_back(p->second);
    }
    return &cache_.emplace(text, std::move(pool)).first->second;
  }
  size_t size() const { return cache_.size(); }

  // How many of the query's candidates satisfy `pred`.
  template <typename Pred>
  Result<int> Count(const std::string& text, Pred pred) {
    SAIKI_ASSIGN_OR_RETURN(const std::vector<int>* pool, Get(text));
    int n = 0;
    for (int p : *pool) n += pred(cat_->products[p]) ? 1 : 0;
    return n;
  }

 private:
  Database* db_;
  const Catalog* cat_;
  int candidates_;
  std::map<std::string, std::vector<int>> cache_;
};

// A query text is kept for a leaf when the engine's candidates for it hold at
// least this many products of the leaf.
constexpr int kMinLeafHits = 3;

Status ValidateVocabulary(Catalog* cat, Pools* pools) {
  for (size_t l = 0; l < cat->leaves.size(); ++l) {
    Leaf& leaf = cat->leaves[l];
    auto in_leaf = [&](const Product& p) { return p.leaf == static_cast<int>(l); };
    for (const std::string& w : leaf.candidate_words) {
      SAIKI_ASSIGN_OR_RETURN(int n, pools->Count(w, in_leaf));
      if (n >= kMinLeafHits) leaf.words.push_back(w);
    }
    if (!leaf.candidate_kanji.empty()) {
      SAIKI_ASSIGN_OR_RETURN(int n, pools->Count(leaf.candidate_kanji, in_leaf));
      if (n >= kMinLeafHits) leaf.kanji = leaf.candidate_kanji;
    }
    if (!leaf.words.empty()) cat->usable_leaves.push_back(static_cast<int>(l));
  }
  if (cat->usable_leaves.size() < 2) {
    return Status::InvalidArgument(
        "simulate: the catalogue gives fewer than two categories with searchable query words");
  }
  return Status::Ok();
}

// ------------------------------------------------------------ users, queries

struct User {
  std::string name;
  std::vector<int> interests;
  std::vector<double> interest_weights;
  std::map<int, int> leaf_v, brand_v;  // +1 liked, -1 disliked
  std::map<int, int> liked_brand_in;   // interest leaf -> a liked brand sold there
  std::array<int, kNumStyles> style_v{};
  std::vector<int> liked_styles;
  int tier = 1;
  double w_brand = 0.25, w_leaf = 0.25, w_tier = 0.25, w_style = 0.25;
  double strength = 1, noise = 0;
};

double Preference(const User& u, const Product& p) {
  auto get = [](const std::map<int, int>& m, int k) {
    auto it = m.find(k);
    return it == m.end() ? 0 : it->second;
  };
  double v_brand = get(u.brand_v, p.brand);
  double v_leaf = get(u.leaf_v, p.leaf);
  double v_tier = p.tier < 0 ? 0 : 1 - std::abs(p.tier - u.tier);
  double v_style = p.style < 0 ? 0 : u.style_v[p.style];
  return u.strength *
         (u.w_brand * v_brand + u.w_leaf * v_leaf + u.w_tier * v_tier + u.w_style * v_style);
}

struct Intent {
  int leaf = -1;
  int brand = -1;  // a brand query
};

double Match(const Intent& in, const Product& p, const Catalog& cat) {
  bool leaf = p.leaf == in.leaf;
  if (in.brand >= 0) {
    bool brand = p.brand == in.brand;
    return brand && leaf ? 1.0 : brand || leaf ? 0.5 : 0.0;
  }
  if (leaf) return 1.0;
  return p.l2 == cat.leaves[in.leaf].l2 ? 0.5 : 0.0;
}

// How a query's text was drawn (MakeQuery), for the gap report.
enum QueryKind { kQueryBrand = 0, kQueryKanji, kQueryTwoTerms, kQueryWord, kNumQueryKinds };
constexpr const char* kQueryKindNames[kNumQueryKinds] = {"brand", "kanji", "two terms", "word"};

struct QueryInstance {
  std::string text;
  Intent intent;
  QueryKind kind = kQueryWord;
};

// Draws an index with probability proportional to weights.
size_t Pick(const std::vector<double>& weights, Rng& rng) {
  double total = 0;
  for (double w : weights) total += w;
  double x = rng.Uniform() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    x -= weights[i];
    if (x < 0) return i;
  }
  return weights.size() - 1;
}

User MakeUser(const Catalog& cat, const UserModel& um, uint64_t seed, int index) {
  Rng rng(MixSeed({seed, static_cast<uint64_t>(index), 0x05E4}));
  User u;
  u.name = fmt::format("sim-s{}-u{:03d}", seed, index);
  const std::vector<int>& usable = cat.usable_leaves;
  int n_interests = 2 + static_cast<int>(rng.Below(3));
  u.interests.push_back(usable[rng.Below(usable.size())]);
  for (int tries = 0; static_cast<int>(u.interests.size()) < n_interests && tries < 50; ++tries) {
    int first_top = cat.leaves[u.interests[0]].top;
    std::vector<int> pool;
    bool same_top = rng.Bernoulli(0.5);
    for (int l : usable) {
      if (std::find(u.interests.begin(), u.interests.end(), l) != u.interests.end()) continue;
      if (!same_top || cat.leaves[l].top == first_top) pool.push_back(l);
    }
    if (pool.empty()) continue;
    u.interests.push_back(pool[rng.Below(pool.size())]);
  }
  for (size_t i = 0; i < u.interests.size(); ++i) {
    u.interest_weights.push_back(0.3 + rng.Uniform());
    u.leaf_v[u.interests[i]] = 1;
  }
  for (int interest : u.interests) {
    const Leaf& leaf = cat.leaves[interest];
    // A disliked leaf next to an interest (the dog owner's cat aisle).
    if (rng.Bernoulli(0.6)) {
      std::vector<int> near;
      for (size_t l = 0; l < cat.leaves.size(); ++l) {
        if (cat.leaves[l].top == leaf.top && !u.leaf_v.count(static_cast<int>(l))) {
          near.push_back(static_cast<int>(l));
        }
      }
      if (!near.empty()) u.leaf_v[near[rng.Below(near.size())]] = -1;
    }
    // A liked and maybe a disliked brand among those selling there.
    std::vector<int> brands;
    std::vector<double> weights;
    for (const auto& [b, count] : leaf.brand_count) {
      if (count >= 2) {
        brands.push_back(b);
        weights.push_back(count);
      }
    }
    if (brands.empty()) continue;
    size_t liked = Pick(weights, rng);
    if (rng.Bernoulli(0.85)) {
      u.brand_v.emplace(brands[liked], 1);
      if (u.brand_v[brands[liked]] == 1) u.liked_brand_in[interest] = brands[liked];
    }
    if (brands.size() >= 2 && rng.Bernoulli(0.6)) {
      size_t disliked = rng.Below(brands.size() - 1);
      if (disliked >= liked) ++disliked;
      u.brand_v.emplace(brands[disliked], -1);
    }
  }
  int n_liked = 1 + static_cast<int>(rng.Below(2));
  std::vector<int> styles(kNumStyles);
  for (int i = 0; i < kNumStyles; ++i) styles[i] = i;
  for (int i = kNumStyles - 1; i > 0; --i) std::swap(styles[i], styles[rng.Below(i + 1)]);
  for (int i = 0; i < n_liked; ++i) {
    u.style_v[styles[i]] = 1;
    u.liked_styles.push_back(styles[i]);
  }
  u.style_v[styles[n_liked]] = -1;
  u.tier = static_cast<int>(rng.Below(3));
  double w[4], total = 0;
  for (int i = 0; i < 4; ++i) total += (w[i] = um.attribute_scale[i] * (0.25 + rng.Uniform()));
  if (!(total > 0)) total = 1;
  u.w_brand = w[0] / total;
  u.w_leaf = w[1] / total;
  u.w_tier = w[2] / total;
  u.w_style = w[3] / total;
  u.strength = um.strength_min + (um.strength_max - um.strength_min) * rng.Uniform();
  u.noise = um.noise_min + (um.noise_max - um.noise_min) * rng.Uniform();
  return u;
}

Result<QueryInstance> MakeQuery(const Catalog& cat, const User& u, int leaf_id, Rng& rng,
                                Pools* pools) {
  const Leaf& leaf = cat.leaves[leaf_id];
  auto in_leaf = [&](const Product& p) { return p.leaf == leaf_id; };
  const std::string& word = leaf.words[rng.Below(leaf.words.size())];
  double r = rng.Uniform();
  double r2 = rng.Uniform();
  QueryInstance q;
  q.intent.leaf = leaf_id;
  auto brand_it = u.liked_brand_in.find(leaf_id);
  if (r < 0.15 && brand_it != u.liked_brand_in.end()) {
    int b = brand_it->second;
    const std::string& name = cat.brands[b];
    SAIKI_ASSIGN_OR_RETURN(int n, pools->Count(name, [&](const Product& p) {
      return p.leaf == leaf_id && p.brand == b;
    }));
    if (n >= 2) {
      q.text = name;
      q.intent.brand = b;
      q.kind = kQueryBrand;
      return q;
    }
  } else if (r < 0.30 && !leaf.kanji.empty()) {
    q.text = leaf.kanji;
    q.kind = kQueryKanji;
    return q;
  } else if (r < 0.50) {
    std::string text;
    if (!leaf.kanji.empty() && r2 < 0.5) {
      text = leaf.kanji + " " + word;
    } else if (!u.liked_styles.empty()) {
      text = word + " " +
             kStyleWords[u.liked_styles[static_cast<size_t>(r2 * 1e6) % u.liked_styles.size()]];
    }
    if (!text.empty()) {
      SAIKI_ASSIGN_OR_RETURN(int n, pools->Count(text, in_leaf));
      if (n >= kMinLeafHits) {
        q.text = text;
        q.kind = kQueryTwoTerms;
        return q;
      }
    }
  }
  q.text = word;
  return q;
}

struct SeedPlan {
  uint64_t seed = 0;
  std::vector<User> users;
  std::vector<std::vector<std::vector<QueryInstance>>> queries;  // [user][session][query]
};

Result<SeedPlan> MakePlan(const Catalog& cat, const SimulationOptions& o, uint64_t seed,
                          Pools* pools) {
  SeedPlan plan;
  plan.seed = seed;
  for (int i = 0; i < o.users; ++i) {
    User u = MakeUser(cat, o.user_model, seed, i);
    Rng rng(MixSeed({seed, static_cast<uint64_t>(i), 0x9E71}));
    std::vector<std::vector<QueryInstance>> sessions;
    for (int s = 0; s < o.sessions; ++s) {
      auto draw_leaf = [&]() { return u.interests[Pick(u.interest_weights, rng)]; };
      int mission =
          rng.Bernoulli(0.9) ? draw_leaf() : cat.usable_leaves[rng.Below(cat.usable_leaves.size())];
      std::vector<QueryInstance> qs;
      for (int q = 0; q < o.queries_per_session; ++q) {
        int leaf = rng.Bernoulli(0.75) ? mission : draw_leaf();
        SAIKI_ASSIGN_OR_RETURN(QueryInstance qi, MakeQuery(cat, u, leaf, rng, pools));
        qs.push_back(std::move(qi));
      }
      sessions.push_back(std::move(qs));
    }
    plan.users.push_back(std::move(u));
    plan.queries.push_back(std::move(sessions));
  }
  return plan;
}

// ------------------------------------------------------------ one impression

struct Outcome {
  double ndcg = 0, rr_purchase = 0, clicked = 0;
  std::vector<Signal> signals;
};

// What user u does with the ranking `shown` (catalogue indices) of query
// (session s, query q), and how good the ranking was. Every random draw is
// keyed by (seed, user, session, query[, product]) so that all arms meet
// the same user.
Outcome Interact(const Catalog& cat, const SimulationOptions& o, const SeedPlan& plan, int user,
                 int session, int query, const std::vector<int>& shown,
                 const std::vector<int>& pool) {
  const User& u = plan.users[user];
  const QueryInstance& qi = plan.queries[user][session][query];
  auto utility = [&](int p) {
    const Product& prod = cat.products[p];
    return TrueUtility(Match(qi.intent, prod, cat), Preference(u, prod));
  };
  std::vector<double> ideal;
  ideal.reserve(pool.size());
  for (int p : pool) ideal.push_back(utility(p));
  std::vector<double> labels, attract, satisfaction;
  for (int p : shown) {
    double util = utility(p);
    labels.push_back(util);
    Rng perception(MixSeed({plan.seed, static_cast<uint64_t>(user), static_cast<uint64_t>(session),
                            static_cast<uint64_t>(query), static_cast<uint64_t>(p), 0x9E5C}));
    double seen = std::clamp(util + u.noise * perception.Normal(), 0.0, 3.0);
    attract.push_back(Attractiveness(o.user_model, seen));
    satisfaction.push_back(util / 3.0);
  }
  Rng clicks(MixSeed({plan.seed, static_cast<uint64_t>(user), static_cast<uint64_t>(session),
                      static_cast<uint64_t>(query), 0xC11C}));
  Outcome out;
  out.signals = SimulateSignals(o.click, o.conversion, attract, satisfaction, clicks);
  out.ndcg = ranker::NdcgAtK(labels, static_cast<size_t>(o.k), ideal);
  std::vector<double> bought(shown.size(), 0.0);
  for (const Signal& s : out.signals) {
    if (s.kind == ClickKind::kPurchase) bought[s.position] = 1.0;
  }
  out.rr_purchase = ranker::ReciprocalRank(bought);
  out.clicked = out.signals.empty() ? 0.0 : 1.0;
  return out;
}

// ------------------------------------------------------------ gap report

// Sums behind GapRow, per row: "all", each query kind, a session's first
// search (SimulationOptions::gap_report).
class GapTally {
 public:
  static constexpr int kAll = 0, kFirst = 1 + kNumQueryKinds, kRows = kFirst + 1;

  // One search of the personalised arm: `shown` is its page.
  void Add(const Catalog& cat, const SeedPlan& plan, int user, int session, int query,
           const std::vector<int>& shown, const std::vector<int>& pool, double ndcg, int k) {
    const User& u = plan.users[user];
    const QueryInstance& qi = plan.queries[user][session][query];
    auto match = [&](int p) { return Match(qi.intent, cat.products[p], cat); };
    auto utility = [&](int p) { return TrueUtility(match(p), Preference(u, cat.products[p])); };
    std::vector<double> ideal;
    for (int p : pool) ideal.push_back(utility(p));
    Sums x;
    x.searches = 1;
    x.ndcg = ndcg;
    std::vector<double> page;
    for (size_t i = 0; i < shown.size() && i < static_cast<size_t>(k); ++i) {
      page.push_back(utility(shown[i]));
      x.fitting_shown += match(shown[i]) == 1.0;
      x.unrelated_shown += match(shown[i]) == 0.0;
    }
    std::sort(page.begin(), page.end(), std::greater<>());
    x.ndcg_page_sorted = ranker::NdcgAtK(page, static_cast<size_t>(k), ideal);
    // Ordered by utility as computed from a view of the product (true
    // taste, true intent); ties keep the engine's candidate order.
    auto ceiling = [&](bool tier_and_style, bool seen) {
      std::vector<std::pair<double, int>> order;
      for (int p : pool) {
        const Product& prod = cat.products[p];
        Product view = prod;
        view.tier = tier_and_style ? (seen ? prod.seen_tier : prod.tier) : -1;
        view.style = tier_and_style ? (seen ? prod.seen_style : prod.style) : -1;
        order.push_back({-TrueUtility(match(p), Preference(u, view)), p});
      }
      std::stable_sort(order.begin(), order.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      std::vector<double> labels;
      for (size_t i = 0; i < order.size() && i < static_cast<size_t>(k); ++i) {
        labels.push_back(utility(order[i].second));
      }
      return std::pair{ranker::NdcgAtK(labels, static_cast<size_t>(k), ideal), order};
    };
    auto [observable, ideal_order] = ceiling(true, true);
    x.ceiling_observable = observable;
    x.ceiling_brand_leaf = ceiling(false, true).first;
    auto truth = ceiling(true, false).second;
    for (size_t i = 0; i < truth.size() && i < static_cast<size_t>(k); ++i) {
      x.fitting_ideal += match(truth[i].second) == 1.0;
    }
    rows_[kAll] += x;
    rows_[1 + qi.kind] += x;
    if (query == 0) rows_[kFirst] += x;
  }

  std::vector<GapRow> Rows() const {
    std::vector<GapRow> out;
    for (int r = 0; r < kRows; ++r) {
      const Sums& x = rows_[r];
      if (x.searches == 0) continue;
      const double n = x.searches;
      GapRow row;
      row.kind = r == kAll ? "all" : r == kFirst ? "first search" : kQueryKindNames[r - 1];
      row.searches = static_cast<uint64_t>(x.searches);
      row.ndcg = x.ndcg / n;
      row.ndcg_page_sorted = x.ndcg_page_sorted / n;
      row.fitting_shown = x.fitting_shown / n;
      row.fitting_ideal = x.fitting_ideal / n;
      row.unrelated_shown = x.unrelated_shown / n;
      row.ceiling_observable = x.ceiling_observable / n;
      row.ceiling_brand_leaf = x.ceiling_brand_leaf / n;
      out.push_back(row);
    }
    return out;
  }

 private:
  struct Sums {
    double searches = 0, ndcg = 0, ndcg_page_sorted = 0, fitting_shown = 0, fitting_ideal = 0,
           unrelated_shown = 0, ceiling_observable = 0, ceiling_brand_leaf = 0;
    Sums& operator+=(const Sums& o) {
      searches += o.searches;
      ndcg += o.ndcg;
      ndcg_page_sorted += o.ndcg_page_sorted;
      fitting_shown += o.fitting_shown;
      fitting_ideal += o.fitting_ideal;
      unrelated_shown += o.unrelated_shown;
      ceiling_observable += o.ceiling_observable;
      ceiling_brand_leaf += o.ceiling_brand_leaf;
      return *this;
    }
  };
  std::array<Sums, kRows> rows_{};
};

// The first session of the gap report's window: the last quarter.
int GapFirstSession(int sessions) { return sessions - std::max(1, (sessions + 3) / 4); }

// ------------------------------------------------------------ arms

// kArmOffline runs only with SimulationOptions::offline_model, kArmImported
// only with imported_model and kArmPersonalisedBot only with bot_sessions >
// 0, after the oracle, so that the first five arms keep their places in
// SimulationResult::arms (kArmGlobal and kArmHistory drop out with
// global_arms false).
enum ArmKind {
  kArmBm25 = 0,
  kArmGlobal,
  kArmHistory,
  kArmPersonalised,
  kArmOracle,
  kArmOffline,
  kArmImported,
  kArmPersonalisedBot,
  kArmPersonalisedExplore,
  kNumArms
};
constexpr const char* kImportedArmName = "imported+personalised";
constexpr const char* kArmNames[kNumArms] = {
    "bm25", "global", "global+history", "personalised", "oracle", "xgboost offline",
    kImportedArmName, kBotArmName, "personalised+explore"};
constexpr const char* kArmFiles[kNumArms] = {
    "bm25",   "global",          "global-history",  "personalised",
    "oracle", "xgboost-offline",
    "imported-personalised", "personalised-bot", "personalised-explore"};

// Per search of an engine arm (index (session * users + user) * queries +
// query): its NDCG@10 and whether its page held an explored result, and
// the clicks on explored results; for pairing the exploration arm's
// searches with the personalised arm's.
struct SearchTrace {
  std::vector<double> ndcg;
  std::vector<uint8_t> explored;
  uint64_t explored_clicks = 0;
  explicit SearchTrace(const SimulationOptions& o)
      : ndcg(static_cast<size_t>(o.sessions) * o.users * o.queries_per_session, 0.0),
        explored(ndcg.size(), 0) {}
};

SearchTrace* AsPtr(std::optional<SearchTrace>& t) { return t ? &*t : nullptr; }

// The exploration arm's explored searches and sessions, paired with the
// personalised arm's (SearchTrace says how searches are indexed).
ExploreSeedResult PairExploration(const SimulationOptions& o, const SearchTrace& explore,
                                  const SearchTrace& personal) {
  ExploreSeedResult r;
  r.searches = explore.ndcg.size();
  r.explored_clicks = explore.explored_clicks;
  const size_t q = static_cast<size_t>(o.queries_per_session);
  for (size_t session = 0; session * q < explore.ndcg.size(); ++session) {
    bool any = false;
    double with = 0, paired = 0;
    for (size_t i = session * q; i < (session + 1) * q; ++i) {
      with += explore.ndcg[i];
      paired += personal.ndcg[i];
      if (!explore.explored[i]) continue;
      any = true;
      r.explored++;
      r.ndcg_explored += explore.ndcg[i];
      r.ndcg_paired += personal.ndcg[i];
    }
    if (!any) continue;
    r.sessions++;
    r.session_ndcg_explored += with / q;
    r.session_ndcg_paired += paired / q;
  }
  if (r.explored > 0) {
    r.ndcg_explored /= r.explored;
    r.ndcg_paired /= r.explored;
    r.session_ndcg_explored /= r.sessions;
    r.session_ndcg_paired /= r.sessions;
  }
  return r;
}

// The simulated calendar of the engine arms: user u's session of round s
// starts at kEpoch + s * day + u * slot; the bot's sessions of round s start
// after the last user's slot, kBotSessionSeconds apart. The day grows in
// whole days when a round does not fit in one.
struct Calendar {
  double slot = 0, day = 0;
};

Calendar MakeCalendar(const SimulationOptions& o) {
  Calendar c;
  c.slot = (o.queries_per_session + 2) * kQueryGap + 8 * o.k * kClickGap;
  const double busy =
      o.users * c.slot + MaxBotSessionsPerRound(o.bot_sessions, o.sessions) * kBotSessionSeconds;
  c.day = std::max(86400.0, std::ceil(busy / 86400.0) * 86400.0);
  return c;
}

// The bot of the personalised+bot arm in one seed: what it does and where
// its sessions are counted.
struct BotRun {
  BotPlan plan;
  BotSeedResult* tally = nullptr;
};

// Per session, per user: sums of the metrics and the impression count.
struct Cells {
  std::vector<std::vector<std::array<double, 4>>> v;  // [session][user]
  Cells(int sessions, int users)
      : v(sessions, std::vector<std::array<double, 4>>(users, {0, 0, 0, 0})) {}
  void Add(int s, int u, const Outcome& o) {
    auto& c = v[s][u];
    c[0] += o.ndcg;
    c[1] += o.rr_purchase;
    c[2] += o.clicked;
    c[3] += 1;
  }
  // Per session: the mean over users of their session mean of metric m.
  std::vector<double> Curve(int m) const {
    std::vector<double> out;
    for (const auto& users : v) {
      double sum = 0;
      int n = 0;
      for (const auto& c : users) {
        if (c[3] > 0) {
          sum += c[m] / c[3];
          ++n;
        }
      }
      out.push_back(n ? sum / n : 0.0);
    }
    return out;
  }
};

void Tally(const Outcome& o, ArmResult* arm) {
  arm->searches++;
  for (const Signal& s : o.signals) {
    arm->clicks++;
    if (s.kind >= ClickKind::kCart) arm->carts++;
    if (s.kind == ClickKind::kPurchase) arm->purchases++;
  }
}

// bm25 and oracle: rankings that do not learn, from the candidates.
Status RunStaticArms(const Catalog& cat, const SimulationOptions& o, const SeedPlan& plan,
                     Pools* pools, Cells* bm25, Cells* oracle, ArmResult* bm25_arm,
                     ArmResult* oracle_arm) {
  for (int s = 0; s < o.sessions; ++s) {
    for (int u = 0; u < o.users; ++u) {
      const User& user = plan.users[u];
      for (int q = 0; q < o.queries_per_session; ++q) {
        const QueryInstance& qi = plan.queries[u][s][q];
        SAIKI_ASSIGN_OR_RETURN(const std::vector<int>* pool, pools->Get(qi.text));
        size_t k = std::min(pool->size(), static_cast<size_t>(o.k));
        std::vector<int> shown(pool->begin(), pool->begin() + k);
        Outcome ob = Interact(cat, o, plan, u, s, q, shown, *pool);
        bm25->Add(s, u, ob);
        Tally(ob, bm25_arm);
        std::vector<std::pair<double, int>> by_utility;
        for (size_t i = 0; i < pool->size(); ++i) {
          const Product& p = cat.products[(*pool)[i]];
          by_utility.push_back(
              {-TrueUtility(Match(qi.intent, p, cat), Preference(user, p)), (*pool)[i]});
        }
        std::stable_sort(by_utility.begin(), by_utility.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<int> best;
        for (size_t i = 0; i < k; ++i) best.push_back(by_utility[i].second);
        Outcome oo = Interact(cat, o, plan, u, s, q, best, *pool);
        oracle->Add(s, u, oo);
        Tally(oo, oracle_arm);
      }
    }
  }
  return Status::Ok();
}

// global and personalised: the engine, with logging and learning. With
// `bot` (the personalised+bot arm), the bot's share of sessions follows each
// round of the users' sessions.
Status RunEngineArm(ArmKind kind, const Catalog& cat, const SimulationOptions& o,
                    const SeedPlan& plan, Pools* pools, const std::string& db_path, Cells* cells,
                    ArmResult* arm, const BotRun* bot, GapTally* gap, SearchTrace* trace) {
  auto now = std::make_shared<double>(kEpoch);
  OpenOptions open;
  open.clock = [now] { return *now; };
  SAIKI_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(db_path, open));
  for (const auto& [key, value] : o.settings) {
    Status st = db->SetSetting(key, value);
    if (!st.ok()) return st.WithContext("simulate: setting " + key);
  }
  if (kind == kArmPersonalisedExplore) {
    SAIKI_RETURN_IF_ERROR(
        db->SetSetting("learn.explore", fmt::format("{}", o.explore_arm)));
  }
  if (kind != kArmPersonalised && kind != kArmImported && kind != kArmPersonalisedBot &&
      kind != kArmPersonalisedExplore) {
    // The global arms: no personal layer (offsets, taste profile,
    // exploration guided by it), only the global model and, for
    // global+history, the history features.
    SAIKI_RETURN_IF_ERROR(db->SetSetting("learn.lr_user", "0"));
    SAIKI_RETURN_IF_ERROR(db->SetSetting("learn.taste", "off"));
  }
  if (kind == kArmOffline || kind == kArmImported) {
    // The tree model becomes the global ranker and stays fixed (the pooled
    // learner proposes no candidate over an imported tree model); lr_user 0
    // keeps the personal part at zero: the offline model alone. Forced: the
    // arm's fresh database has no logged sessions to check it on, and the
    // experiment is to serve it.
    ModelImportOptions force;
    force.force = true;
    // The imported arm: the same import, then the personalised arm's
    // learning (personal offsets and taste profiles) on top of it.
    const std::string& file = kind == kArmOffline ? o.offline_model : o.imported_model;
    const char* option = kind == kArmOffline ? "--offline-model" : "--imported-model";
    auto v = db->ImportModel(file, force);
    if (!v.ok()) return v.status().WithContext(std::string("simulate: ") + option);
    if (v->status != ModelStatus::kActive) {
      return Status::Internal(std::string("simulate: ") + option + ": the forced import is " +
                              std::string(ModelStatusName(v->status)));
    }
  }
  const Calendar calendar = MakeCalendar(o);
  const double slot = calendar.slot, day = calendar.day;
  auto started = Clock::now();
  for (int s = 0; s < o.sessions; ++s) {
    for (int u = 0; u < o.users; ++u) {
      const User& user = plan.users[u];
      // The global arm's shopper is an anonymous visitor: a new id each
      // session, so nothing from earlier sessions reaches the ranking.
      const std::string id =
          kind == kArmGlobal ? fmt::format("{}-visit{}", user.name, s + 1) : user.name;
      const double start = kEpoch + s * day + u * slot;
      *now = start;
      for (int q = 0; q < o.queries_per_session; ++q) {
        const QueryInstance& qi = plan.queries[u][s][q];
        SAIKI_ASSIGN_OR_RETURN(const std::vector<int>* pool, pools->Get(qi.text));
        SearchRequest req;
        req.query = qi.text;
        req.k = o.k;
        req.user = id;
        auto res = db->Search(req);
        if (!res.ok()) return res.status().WithContext("simulate: search '" + qi.text + "'");
        std::vector<int> shown;
        std::vector<std::string> ids;
        for (const SearchHit& h : res->hits) {
          auto it = cat.by_id.find(h.id);
          if (it == cat.by_id.end()) {
            return Status::Internal("simulate: the engine returned product '" + h.id +
                                    "', which the catalogue CSV does not have");
          }
          shown.push_back(it->second);
          ids.push_back(h.id);
        }
        Outcome out = Interact(cat, o, plan, u, s, q, shown, *pool);
        if (trace != nullptr) {
          const size_t i = (static_cast<size_t>(s) * o.users + u) * o.queries_per_session + q;
          trace->ndcg[i] = out.ndcg;
          for (const SearchHit& h : res->hits) trace->explored[i] |= h.explored;
          for (const Signal& sig : out.signals) {
            trace->explored_clicks += res->hits[sig.position].explored;
          }
        }
        if (gap != nullptr && s >= GapFirstSession(o.sessions)) {
          gap->Add(cat, plan, u, s, q, shown, *pool, out.ndcg, o.k);
        }
        cells->Add(s, u, out);
        Tally(out, arm);
        if (res->query_id) {
          for (const Signal& sig : out.signals) {
            // As an app reports them: the click, then the cart, then the
            // purchase.
            for (int kv = 1; kv <= static_cast<int>(sig.kind); ++kv) {
              *now += kClickGap;
              Status st =
                  db->RecordClick(*res->query_id, ids[sig.position], static_cast<ClickKind>(kv));
              if (!st.ok()) return st.WithContext("simulate: click");
            }
          }
        }
        *now = start + (q + 1) * kQueryGap;
      }
      auto report = db->EndSession(id);
      if (!report.ok()) return report.status().WithContext("simulate: end session");
      if (*report) {
        const SessionReport& r = **report;
        arm->global_accepted += r.global.outcome == UpdateOutcome::kAccepted;
        arm->global_rejected += r.global.outcome == UpdateOutcome::kRejected;
        arm->user_accepted += r.personal.outcome == UpdateOutcome::kAccepted;
        arm->user_rejected += r.personal.outcome == UpdateOutcome::kRejected;
        arm->no_update += r.personal.outcome == UpdateOutcome::kNone;
        arm->rolled_back += r.interleaving == InterleavingOutcome::kRolledBack;
      }
      // As an app with learn.pooled_at apart would, after each close (with
      // the default, close, the step returns at once and changes nothing).
      auto step = db->LearnPooled();
      if (!step.ok()) return step.status().WithContext("simulate: pooled step");
      arm->global_accepted += step->global.outcome == UpdateOutcome::kAccepted;
      arm->global_rejected += step->global.outcome == UpdateOutcome::kRejected;
    }
    if (bot != nullptr) {
      const int n = BotSessionsInRound(o.bot_sessions, o.sessions, s);
      const int candidates = bot->tally->global_candidates;
      const int promoted = bot->tally->global_promoted;
      SAIKI_RETURN_IF_ERROR(RunBotSessions(
          db.get(), bot->plan, n, kEpoch + s * day + o.users * slot, now.get(), bot->tally));
      arm->bot_global_candidates += bot->tally->global_candidates - candidates;
      arm->bot_global_promoted += bot->tally->global_promoted - promoted;
    }
    if (o.progress && ((s + 1) % 5 == 0 || s + 1 == o.sessions)) {
      o.progress(fmt::format("simulate: seed {} {}: session {}/{} ({:.1f} s)", plan.seed,
                             kArmNames[kind], s + 1, o.sessions, Seconds(started)));
    }
  }
  return Status::Ok();
}

Curve MakeCurve(std::vector<std::vector<double>> per_seed) {
  Curve c;
  size_t n = per_seed.size();
  size_t sessions = n ? per_seed[0].size() : 0;
  auto mean_ci = [n](const std::vector<double>& xs, double* mean, double* ci) {
    double m = 0;
    for (double x : xs) m += x;
    m /= std::max<size_t>(1, n);
    double var = 0;
    for (double x : xs) var += (x - m) * (x - m);
    *mean = m;
    *ci = n > 1 ? 1.96 * std::sqrt(var / (n - 1)) / std::sqrt(static_cast<double>(n)) : 0.0;
  };
  for (size_t s = 0; s < sessions; ++s) {
    std::vector<double> xs;
    for (const auto& seed : per_seed) xs.push_back(seed[s]);
    double m, ci;
    mean_ci(xs, &m, &ci);
    c.mean.push_back(m);
    c.ci.push_back(ci);
  }
  std::vector<double> overall;
  for (const auto& seed : per_seed) {
    double sum = 0;
    for (double x : seed) sum += x;
    overall.push_back(sessions ? sum / sessions : 0.0);
  }
  mean_ci(overall, &c.overall, &c.overall_ci);
  c.per_seed = std::move(per_seed);
  return c;
}

// A directory for the databases, removed on destruction unless kept.
class WorkDir {
 public:
  ~WorkDir() {
    if (!keep_ && !path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  Status Init(const std::string& requested) {
    if (!requested.empty()) {
      std::error_code ec;
      fs::create_directories(requested, ec);
      if (ec) return Status::IoError(requested + ": cannot create: " + ec.message());
      path_ = requested;
      keep_ = true;
      return Status::Ok();
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/saiki-simulate-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) return Status::IoError(pattern + ": mkdtemp failed");
    path_ = buf.data();
    return Status::Ok();
  }
  const std::string& path() const { return path_; }
  bool keep() const { return keep_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
  bool keep_ = false;
};

Status CopyDb(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return Status::IoError(from + " -> " + to + ": " + ec.message());
  for (const char* suffix : {"-wal", "-shm"}) {
    fs::remove(to + suffix, ec);
    if (fs::exists(from + suffix)) {
      fs::copy_file(from + suffix, to + suffix, fs::copy_options::overwrite_existing, ec);
      if (ec) return Status::IoError(from + suffix + ": " + ec.message());
    }
  }
  return Status::Ok();
}

void RemoveDb(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix, ec);
}

Status CheckOptions(const SimulationOptions& o) {
  if (o.seeds < 1 || o.seeds > 100) return Status::InvalidArgument("seeds must be 1..100");
  if (o.users < 1 || o.users > 10000) return Status::InvalidArgument("users must be 1..10000");
  if (o.sessions < 1 || o.sessions > 1000) {
    return Status::InvalidArgument("sessions must be 1..1000");
  }
  if (o.queries_per_session < 1 || o.queries_per_session > 100) {
    return Status::InvalidArgument("queries per session must be 1..100");
  }
  if (o.k < 1 || o.k > 100) return Status::InvalidArgument("k must be 1..100");
  if (!(o.click.noise >= 0 && o.click.noise <= 1)) {
    return Status::InvalidArgument("noise must be 0..1");
  }
  double scale_sum = 0;
  for (double a : o.user_model.attribute_scale) {
    if (!(a >= 0 && a <= 100)) return Status::InvalidArgument("attribute scales must be 0..100");
    scale_sum += a;
  }
  if (!(scale_sum > 0)) return Status::InvalidArgument("attribute scales must not all be 0");
  if (o.bot_sessions < 0 || o.bot_sessions > 100000) {
    return Status::InvalidArgument("bot sessions must be 0..100000 (0: no bot arm)");
  }
  if (!(o.explore_arm >= 0 && o.explore_arm <= 0.5)) {
    return Status::InvalidArgument("the exploration arm's share must be 0..0.5 (0: no such arm)");
  }
  for (double t : o.click.examination) {
    if (!(t >= 0 && t <= 1)) {
      return Status::InvalidArgument("examination probabilities must be 0..1");
    }
  }
  return Status::Ok();
}

// ------------------------------------------------------------ the bot arm

// The bot's query and target for a seed (eval/bot.h): the plan's most
// frequent query text, and the product at BM25F rank kBotTargetRank among
// its candidates. `out` gets the seed, query, candidates and, when there is
// a target, the target and its BM25F rank; nullopt when there is none.
Result<std::optional<BotPlan>> PlanBot(const Catalog& cat, const SimulationOptions& o,
                                       const SeedPlan& plan, Pools* pools, BotSeedResult* out) {
  std::vector<std::string> texts;
  for (const auto& user : plan.queries) {
    for (const auto& session : user) {
      for (const QueryInstance& q : session) texts.push_back(q.text);
    }
  }
  out->seed = plan.seed;
  out->query = MostFrequentQuery(texts);
  SAIKI_ASSIGN_OR_RETURN(const std::vector<int>* pool, pools->Get(out->query));
  out->candidates = static_cast<int>(pool->size());
  std::optional<int> rank = BotTargetRank(out->candidates);
  if (!rank) return std::optional<BotPlan>();
  out->bm25_rank = *rank;
  out->target = cat.products[(*pool)[*rank - 1]].id;
  BotPlan bot;
  bot.user = fmt::format("sim-s{}-bot", plan.seed);
  bot.query = out->query;
  bot.target = out->target;
  bot.page_size = o.k;
  return std::optional<BotPlan>(std::move(bot));
}

// Where the bot's target ranks at the end of an arm.
struct TargetRanks {
  int anonymous = 0;
  std::vector<int> users;  // per real user
  int bot = 0;             // with kProbeWithBot only
};

// Which copy is probed, and how (eval/bot.h "Measuring the steer").
enum class ProbeKind {
  kWithout,    // the personalised arm: anonymous and every real user
  kWithBot,    // the bot arm: the same and the bot itself
  kForgotten,  // the bot arm with one account forgotten first (the bot, or
               // the control user): as kWithout
};

// What to forget before a kForgotten probe, and where ForgetUser's report
// and wall time go.
struct ForgetSpec {
  std::string user;
  ForgetReport* report = nullptr;
  double* seconds = nullptr;
};

// Probes a copy of the arm's database at `probe_path` (the searches with a
// user are logged, and must not reach the arm's own file), with the clock
// stopped at `at`, after the last round, so that every arm is asked at the
// same simulated moment. With kForgotten, Database::ForgetUser(forget->user)
// runs on the copy first and its report and wall time go to `forget`. The
// copy is removed afterwards unless `keep`.
Result<TargetRanks> ProbeTarget(const std::string& arm_path, const std::string& probe_path,
                                const SeedPlan& plan, const BotPlan& bot, const BotSeedResult& seed,
                                double at, ProbeKind kind, bool keep, const ForgetSpec* forget) {
  SAIKI_RETURN_IF_ERROR(CopyDb(arm_path, probe_path));
  TargetRanks ranks;
  {
    OpenOptions open;
    open.clock = [at] { return at; };
    SAIKI_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(probe_path, open));
    if (kind == ProbeKind::kForgotten) {
      auto t = Clock::now();
      auto report = db->ForgetUser(forget->user);
      if (!report.ok()) {
        return report.status().WithContext("simulate: forgetting " + forget->user);
      }
      *forget->seconds = Seconds(t);
      *forget->report = std::move(*report);
    }
    auto probe = [&](const std::string& user) {
      return ProbeRank(db.get(), bot.query, user, bot.target, seed.candidates);
    };
    SAIKI_ASSIGN_OR_RETURN(ranks.anonymous, probe(""));
    for (const User& u : plan.users) {
      SAIKI_ASSIGN_OR_RETURN(int rank, probe(u.name));
      ranks.users.push_back(rank);
    }
    if (kind == ProbeKind::kWithBot) {
      SAIKI_ASSIGN_OR_RETURN(ranks.bot, probe(bot.user));
    }
  }
  if (!keep) RemoveDb(probe_path);
  return ranks;
}

}  // namespace

const ArmResult* FindArm(const SimulationResult& result, std::string_view name) {
  for (const ArmResult& a : result.arms) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

Result<SimulationResult> RunSimulation(const SimulationOptions& options) {
  SAIKI_RETURN_IF_ERROR(CheckOptions(options));
  auto started = Clock::now();
  const SimulationOptions& o = options;
  auto say = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };
  SAIKI_ASSIGN_OR_RETURN(Catalog cat, LoadCatalog(o.catalog_path));

  WorkDir dir;
  SAIKI_RETURN_IF_ERROR(dir.Init(o.work_dir));
  const std::string base = dir.File("catalog.saiki");
  RemoveDb(base);
  {
    SAIKI_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(base));
    ImportOptions import_options;
    uint64_t bad = 0;
    import_options.on_row_error = [&](const RowError&) { ++bad; };
    SAIKI_ASSIGN_OR_RETURN(ImportReport report, db->ImportCsv(o.catalog_path, import_options));
    say(fmt::format("simulate: indexed {} products from {} ({} rejected) in {:.1f} s",
                    report.inserted + report.updated, o.catalog_path, bad, Seconds(started)));
  }
  const std::string pool_path = dir.File("pool.saiki");
  SAIKI_RETURN_IF_ERROR(CopyDb(base, pool_path));
  SAIKI_ASSIGN_OR_RETURN(std::unique_ptr<Database> pool_db, Database::Open(pool_path));
  SAIKI_RETURN_IF_ERROR(pool_db->SetSetting("ranker", "bm25"));
  SAIKI_ASSIGN_OR_RETURN(std::string cand_text, pool_db->GetSetting("ranker.candidates"));
  int candidates = std::max(o.k, std::atoi(cand_text.c_str()));
  Pools pools(pool_db.get(), &cat, candidates);
  SAIKI_RETURN_IF_ERROR(ValidateVocabulary(&cat, &pools));
  size_t words = 0;
  for (const Leaf& l : cat.leaves) words += l.words.size() + (l.kanji.empty() ? 0 : 1);
  say(fmt::format("simulate: {} of {} categories searchable with {} query words",
                  cat.usable_leaves.size(), cat.leaves.size(), words));

  SimulationResult result;
  result.options = o;
  result.options.progress = nullptr;
  result.products = cat.products.size();
  result.work_dir = dir.path();
  // The arms that run, in result order; at[kind] is the kind's place in
  // result.arms, -1 when it does not run.
  std::vector<ArmKind> kinds = {kArmBm25, kArmGlobal, kArmHistory, kArmPersonalised, kArmOracle};
  if (!o.global_arms) kinds = {kArmBm25, kArmPersonalised, kArmOracle};
  if (!o.offline_model.empty()) kinds.push_back(kArmOffline);
  if (!o.imported_model.empty()) kinds.push_back(kArmImported);
  if (o.bot_sessions > 0) kinds.push_back(kArmPersonalisedBot);
  if (o.explore_arm > 0) kinds.push_back(kArmPersonalisedExplore);
  std::array<int, kNumArms> at;
  at.fill(-1);
  result.arms.resize(kinds.size());
  for (size_t i = 0; i < kinds.size(); ++i) {
    at[kinds[i]] = static_cast<int>(i);
    result.arms[i].name = kArmNames[kinds[i]];
    result.arms[i].learns = kinds[i] != kArmBm25 && kinds[i] != kArmOracle;
  }
  std::array<std::array<std::vector<std::vector<double>>, 3>, kNumArms> per_seed;
  // The probes ask every arm on the day after the last round.
  const double probe_time = kEpoch + o.sessions * MakeCalendar(o).day;
  std::set<std::string> texts;
  GapTally gap;

  for (int si = 0; si < o.seeds; ++si) {
    const uint64_t seed = o.seed + static_cast<uint64_t>(si);
    SAIKI_ASSIGN_OR_RETURN(SeedPlan plan, MakePlan(cat, o, seed, &pools));
    for (const auto& user : plan.queries) {
      for (const auto& session : user) {
        for (const auto& q : session) texts.insert(q.text);
      }
    }
    std::optional<BotRun> bot;
    if (o.bot_sessions > 0) {
      result.bot.emplace_back();
      SAIKI_ASSIGN_OR_RETURN(std::optional<BotPlan> bot_plan,
                             PlanBot(cat, o, plan, &pools, &result.bot.back()));
      if (bot_plan) {
        bot = BotRun{std::move(*bot_plan), &result.bot.back()};
        say(fmt::format("simulate: seed {} bot: query '{}', target {} (BM25F rank {} of {})", seed,
                        bot->plan.query, bot->plan.target, result.bot.back().bm25_rank,
                        result.bot.back().candidates));
      } else {
        say(
            fmt::format("simulate: seed {} bot: query '{}' has {} candidates, none off the first "
                        "page: no target, the bot does not run",
                        seed, result.bot.back().query, result.bot.back().candidates));
      }
    }
    std::vector<Cells> cells(kNumArms, Cells(o.sessions, o.users));
    auto t0 = Clock::now();
    SAIKI_RETURN_IF_ERROR(RunStaticArms(cat, o, plan, &pools, &cells[kArmBm25], &cells[kArmOracle],
                                        &result.arms[at[kArmBm25]], &result.arms[at[kArmOracle]]));
    double static_seconds = Seconds(t0);
    result.arms[at[kArmBm25]].seconds += static_seconds / 2;
    result.arms[at[kArmOracle]].seconds += static_seconds / 2;
    std::optional<SearchTrace> personal_trace, explore_trace;
    if (o.explore_arm > 0) {
      personal_trace.emplace(o);
      explore_trace.emplace(o);
    }
    for (ArmKind kind : {kArmGlobal, kArmHistory, kArmPersonalised, kArmOffline, kArmImported,
                         kArmPersonalisedBot, kArmPersonalisedExplore}) {
      if (at[kind] < 0) continue;
      ArmResult* arm = &result.arms[at[kind]];
      const std::string path = dir.File(fmt::format("seed{}-{}.saiki", seed, kArmFiles[kind]));
      SAIKI_RETURN_IF_ERROR(CopyDb(base, path));
      auto t = Clock::now();
      const bool with_bot = kind == kArmPersonalisedBot && bot;
      SAIKI_RETURN_IF_ERROR(RunEngineArm(kind, cat, o, plan, &pools, path, &cells[kind], arm,
                                         with_bot ? &*bot : nullptr,
                                         kind == kArmPersonalised && o.gap_report ? &gap : nullptr,
                                         kind == kArmPersonalised          ? AsPtr(personal_trace)
                                         : kind == kArmPersonalisedExplore ? AsPtr(explore_trace)
                                                                           : nullptr));
      // The personalised arm is the bot arm's separate run "without"; the
      // bot arm is probed as it is, in another copy with the bot forgotten
      // and in a third with the control user (the plan's first real user)
      // forgotten instead (both kept with the work directory).
      BotSeedResult* r = bot ? bot->tally : nullptr;
      if (bot && kind == kArmPersonalised) {
        SAIKI_ASSIGN_OR_RETURN(TargetRanks ranks,
                               ProbeTarget(path, dir.File("probe.saiki"), plan, bot->plan, *r,
                                           probe_time, ProbeKind::kWithout, false, nullptr));
        r->anonymous_without = ranks.anonymous;
        r->users_without = std::move(ranks.users);
      }
      if (with_bot) {
        SAIKI_ASSIGN_OR_RETURN(TargetRanks ranks,
                               ProbeTarget(path, dir.File("probe.saiki"), plan, bot->plan, *r,
                                           probe_time, ProbeKind::kWithBot, false, nullptr));
        r->anonymous_with = ranks.anonymous;
        r->users_with = std::move(ranks.users);
        r->bot_rank = ranks.bot;
        const std::string forgotten =
            dir.File(fmt::format("seed{}-{}-forgotten.saiki", seed, kArmFiles[kind]));
        const ForgetSpec forget_bot{bot->plan.user, &r->forget, &r->forget_seconds};
        SAIKI_ASSIGN_OR_RETURN(ranks, ProbeTarget(path, forgotten, plan, bot->plan, *r, probe_time,
                                                  ProbeKind::kForgotten, dir.keep(), &forget_bot));
        r->anonymous_forgotten = ranks.anonymous;
        r->users_forgotten = std::move(ranks.users);
        say(fmt::format(
            "simulate: seed {} bot forgotten in a copy: {} journal entries replayed, {} model "
            "versions re-derived in {:.1f} s",
            seed, r->forget.entries_replayed, r->forget.versions_rederived, r->forget_seconds));
        // The control (eval/bot.h): the first real user of the plan
        // forgotten instead of the bot. CheckOptions guarantees one.
        r->control_index = 0;
        r->control_user = plan.users[0].name;
        const std::string control =
            dir.File(fmt::format("seed{}-{}-control.saiki", seed, kArmFiles[kind]));
        const ForgetSpec forget_control{r->control_user, &r->control_forget,
                                        &r->control_forget_seconds};
        SAIKI_ASSIGN_OR_RETURN(ranks,
                               ProbeTarget(path, control, plan, bot->plan, *r, probe_time,
                                           ProbeKind::kForgotten, dir.keep(), &forget_control));
        r->anonymous_control = ranks.anonymous;
        r->users_control = std::move(ranks.users);
        say(fmt::format(
            "simulate: seed {} control user {} forgotten in another copy: {} journal entries "
            "replayed, {} model versions re-derived in {:.1f} s",
            seed, r->control_user, r->control_forget.entries_replayed,
            r->control_forget.versions_rederived, r->control_forget_seconds));
      }
      arm->seconds += Seconds(t);
      if (!dir.keep()) RemoveDb(path);
    }
    for (ArmKind kind : kinds) {
      for (int m = 0; m < 3; ++m) per_seed[kind][m].push_back(cells[kind].Curve(m));
    }
    if (explore_trace) {
      result.explore.push_back(PairExploration(o, *explore_trace, *personal_trace));
    }
    say(fmt::format("simulate: seed {} done ({:.1f} s so far)", seed, Seconds(started)));
  }
  for (ArmKind kind : kinds) {
    ArmResult& arm = result.arms[at[kind]];
    arm.ndcg = MakeCurve(per_seed[kind][0]);
    arm.mrr_purchase = MakeCurve(per_seed[kind][1]);
    arm.ctr = MakeCurve(per_seed[kind][2]);
  }
  result.query_texts = texts.size();
  if (o.gap_report) result.gap = gap.Rows();
  result.seconds = Seconds(started);
  return result;
}

// ------------------------------------------------------------ output

namespace {

std::vector<int> TableSessions(int sessions) {
  std::vector<int> out;
  for (int s : {1, 5, 10, 20}) {
    if (s <= sessions) out.push_back(s);
  }
  if (out.empty() || out.back() != sessions) out.push_back(sessions);
  return out;
}

Json CurveJson(const Curve& c) {
  Json j;
  j["mean"] = c.mean;
  j["ci95"] = c.ci;
  j["overall"] = c.overall;
  j["overall_ci95"] = c.overall_ci;
  j["per_seed"] = c.per_seed;
  return j;
}

// The gap report (SimulationOptions::gap_report; GapRow says what each
// column is).
std::string FormatGapTable(const SimulationResult& r) {
  const SimulationOptions& o = r.options;
  std::string out = fmt::format(
      "\nWhere the personalised arm's gap is (its searches of sessions {}-{}, all seeds; "
      "fitting: products the intent asks for; ceilings: the candidates ordered by the user's "
      "true taste and the query's true intent over what the engine observes of a product)\n",
      GapFirstSession(o.sessions) + 1, o.sessions);
  const char* row = "{:<14}{:>9}{:>9}{:>13}{:>15}{:>11}{:>12}{:>12}\n";
  out += fmt::format(fmt::runtime(row), "searches", "n", "NDCG@10", "page sorted",
                     "fitting shown", "unrelated", "observable", "brand+leaf");
  for (const GapRow& g : r.gap) {
    out += fmt::format(fmt::runtime(row), g.kind, g.searches, fmt::format("{:.3f}", g.ndcg),
                       fmt::format("{:.3f}", g.ndcg_page_sorted),
                       fmt::format("{:.2f} / {:.2f}", g.fitting_shown, g.fitting_ideal),
                       fmt::format("{:.2f}", g.unrelated_shown),
                       fmt::format("{:.3f}", g.ceiling_observable),
                       fmt::format("{:.3f}", g.ceiling_brand_leaf));
  }
  return out;
}

// Mean and 95% half-width over seeds, as the curves have them.
std::pair<double, double> MeanCiOf(const std::vector<double>& xs) {
  std::vector<std::vector<double>> per_seed;
  for (double x : xs) per_seed.push_back({x});
  Curve c = MakeCurve(std::move(per_seed));
  return {c.mean.empty() ? 0.0 : c.mean[0], c.ci.empty() ? 0.0 : c.ci[0]};
}

// Per seed: personalised+explore minus personalised, at session `s` (0-based)
// or over all sessions (s < 0).
std::vector<double> ExploreLift(const SimulationResult& r, int s) {
  const ArmResult* e = FindArm(r, kArmNames[kArmPersonalisedExplore]);
  const ArmResult* p = FindArm(r, kArmNames[kArmPersonalised]);
  std::vector<double> out;
  if (e == nullptr || p == nullptr) return out;
  for (size_t seed = 0; seed < e->ndcg.per_seed.size(); ++seed) {
    const auto& a = e->ndcg.per_seed[seed];
    const auto& b = p->ndcg.per_seed[seed];
    if (s >= 0) {
      out.push_back(a[s] - b[s]);
      continue;
    }
    double d = 0;
    for (size_t i = 0; i < a.size(); ++i) d += a[i] - b[i];
    out.push_back(a.empty() ? 0.0 : d / static_cast<double>(a.size()));
  }
  return out;
}

// The exploration section (SimulationOptions::explore_arm; ExploreSeedResult
// says what each column is).
std::string FormatExploreTable(const SimulationResult& r) {
  const SimulationOptions& o = r.options;
  std::string out = fmt::format(
      "\nExploration (arm personalised+explore: learn.explore {}): its searches whose page held "
      "an explored result, and the sessions with one, against the same searches and sessions in "
      "the personalised arm\n",
      o.explore_arm);
  const std::string row = "{:<6}{:>20}{:>10}{:>12}{:>14}{:>12}{:>10}{:>12}{:>14}{:>12}\n";
  out += fmt::format(fmt::runtime(row), "seed", "explored searches", "clicked", "NDCG@10",
                     "personalised", "cost", "sessions", "NDCG@10", "personalised", "cost");
  std::vector<double> cost, session_cost, share, ndcg, paired, sndcg, spaired;
  for (size_t i = 0; i < r.explore.size(); ++i) {
    const ExploreSeedResult& e = r.explore[i];
    out += fmt::format(
        fmt::runtime(row), o.seed + i,
        fmt::format("{} ({:.1f}%)", e.explored, 100.0 * e.explored / std::max<uint64_t>(1, e.searches)),
        e.explored_clicks, fmt::format("{:.3f}", e.ndcg_explored),
        fmt::format("{:.3f}", e.ndcg_paired), fmt::format("{:+.3f}", e.ndcg_explored - e.ndcg_paired),
        e.sessions, fmt::format("{:.3f}", e.session_ndcg_explored),
        fmt::format("{:.3f}", e.session_ndcg_paired),
        fmt::format("{:+.3f}", e.session_ndcg_explored - e.session_ndcg_paired));
    cost.push_back(e.ndcg_explored - e.ndcg_paired);
    session_cost.push_back(e.session_ndcg_explored - e.session_ndcg_paired);
  }
  if (r.explore.size() > 1) {
    auto [c, cci] = MeanCiOf(cost);
    auto [sc, scci] = MeanCiOf(session_cost);
    out += fmt::format("{:<6}{:>20}{:>10}{:>12}{:>14}{:>12}{:>10}{:>12}{:>14}{:>12}\n", "mean", "",
                       "", "", "", fmt::format("{:+.3f} ±{:.3f}", c, cci), "", "", "",
                       fmt::format("{:+.3f} ±{:.3f}", sc, scci));
  }
  auto [last, last_ci] = MeanCiOf(ExploreLift(r, o.sessions - 1));
  auto [all, all_ci] = MeanCiOf(ExploreLift(r, -1));
  out += fmt::format(
      "Later: personalised+explore minus personalised (paired by seed), at session {} "
      "{:+.3f} ±{:.3f}, over all sessions {:+.3f} ±{:.3f}\n",
      o.sessions, last, last_ci, all, all_ci);
  return out;
}

Json ExploreJson(const SimulationResult& r) {
  Json seeds = Json::array();
  for (const ExploreSeedResult& e : r.explore) {
    seeds.push_back({{"searches", e.searches},
                     {"explored", e.explored},
                     {"explored_clicks", e.explored_clicks},
                     {"ndcg10_explored", e.ndcg_explored},
                     {"ndcg10_paired", e.ndcg_paired},
                     {"sessions", e.sessions},
                     {"session_ndcg10_explored", e.session_ndcg_explored},
                     {"session_ndcg10_paired", e.session_ndcg_paired}});
  }
  return {{"arm", kArmNames[kArmPersonalisedExplore]},
          {"paired_with", kArmNames[kArmPersonalised]},
          {"share", r.options.explore_arm},
          {"per_seed", seeds},
          {"lift_last_session", ExploreLift(r, r.options.sessions - 1)},
          {"lift_overall", ExploreLift(r, -1)}};
}

}  // namespace

std::string FormatMeanCi(double mean, double ci) { return fmt::format("{:.3f} ±{:.3f}", mean, ci); }

std::string FormatTable(const SimulationResult& r) {
  const SimulationOptions& o = r.options;
  std::string out;
  out += fmt::format(
      "saiki simulate: {} users x {} sessions x {} queries, seeds {}..{}, click model {}{}, "
      "{} products, {} query texts, {:.0f} s\n\n",
      o.users, o.sessions, o.queries_per_session, o.seed, o.seed + o.seeds - 1,
      ClickModelName(o.click.kind),
      o.click.kind == ClickModelKind::kNoisy ? fmt::format(" (noise {:.2f})", o.click.noise) : "",
      r.products, r.query_texts, r.seconds);
  out += fmt::format("NDCG@10 by session (mean ±95% CI over {} seed{})\n", o.seeds,
                     o.seeds == 1 ? "" : "s");
  std::vector<int> cols = TableSessions(o.sessions);
  // The arm column fits the longest arm name (personalised+explore).
  size_t name_width = 16;
  for (const ArmResult& a : r.arms) name_width = std::max(name_width, a.name.size() + 2);
  out += fmt::format("{:<{}}", "arm", name_width);
  for (int s : cols) out += fmt::format("{:>16}", fmt::format("session {}", s));
  out += fmt::format("{:>16}\n", "overall");
  for (const ArmResult& a : r.arms) {
    out += fmt::format("{:<{}}", a.name, name_width);
    for (int s : cols) {
      out += fmt::format("{:>16}", FormatMeanCi(a.ndcg.mean[s - 1], a.ndcg.ci[s - 1]));
    }
    out += fmt::format("{:>16}\n", FormatMeanCi(a.ndcg.overall, a.ndcg.overall_ci));
  }
  const bool with_bot = FindArm(r, kBotArmName) != nullptr;
  out += "\nOverall, per arm (learning outcomes: the real users' sessions closed, all seeds";
  out += with_bot ? "; by bot = global candidates completed by a bot session instead (promoted))\n"
                  : ")\n";
  const std::string row = with_bot
                              ? "{:<{}}{:>16}{:>16}{:>10}{:>9}{:>11}{:>16}{:>13}{:>18}{:>11}{:>9}\n"
                              : "{:<{}}{:>16}{:>16}{:>10}{:>9}{:>11}{:>16}{}{:>18}{:>11}{:>9}\n";
  out += fmt::format(fmt::runtime(row), "arm", name_width, "MRR purchase", "CTR", "searches", "clicks",
                     "purchases", "global acc/rej", with_bot ? "by bot" : "", "personal acc/rej",
                     "rollbacks", "seconds");
  for (const ArmResult& a : r.arms) {
    bool engine = a.learns;
    std::string by_bot;
    if (with_bot) {
      by_bot = a.name == kBotArmName
                   ? fmt::format("{} ({})", a.bot_global_candidates, a.bot_global_promoted)
                   : "-";
    }
    out += fmt::format(
        fmt::runtime(row), a.name, name_width, FormatMeanCi(a.mrr_purchase.overall, a.mrr_purchase.overall_ci),
        FormatMeanCi(a.ctr.overall, a.ctr.overall_ci), a.searches, a.clicks, a.purchases,
        engine ? fmt::format("{}/{}", a.global_accepted, a.global_rejected) : "-", by_bot,
        engine ? fmt::format("{}/{}", a.user_accepted, a.user_rejected) : "-",
        engine ? std::to_string(a.rolled_back) : "-", fmt::format("{:.1f}", a.seconds));
  }
  if (!r.bot.empty()) out += FormatBotTable(r);
  if (!r.explore.empty()) out += FormatExploreTable(r);
  if (!r.gap.empty()) out += FormatGapTable(r);
  return out;
}

std::string FormatJson(const SimulationResult& r) {
  const SimulationOptions& o = r.options;
  Json j;
  Json opt;
  opt["catalog"] = o.catalog_path;
  opt["seed"] = o.seed;
  opt["seeds"] = o.seeds;
  opt["users"] = o.users;
  opt["sessions"] = o.sessions;
  opt["queries_per_session"] = o.queries_per_session;
  opt["k"] = o.k;
  opt["click_model"] = std::string(ClickModelName(o.click.kind));
  opt["examination"] = o.click.examination;
  opt["noise"] = o.click.noise;
  opt["cascade_continue"] = o.click.cascade_continue;
  opt["attribute_scale"] = o.user_model.attribute_scale;
  opt["cart_max"] = o.conversion.cart_max;
  opt["purchase_max"] = o.conversion.purchase_max;
  Json settings = Json::object();
  for (const auto& [key, value] : o.settings) settings[key] = value;
  opt["settings"] = settings;
  if (o.bot_sessions > 0) opt["bot_sessions"] = o.bot_sessions;
  if (o.explore_arm > 0) opt["explore_arm"] = o.explore_arm;
  j["options"] = opt;
  j["products"] = r.products;
  j["query_texts"] = r.query_texts;
  j["seconds"] = r.seconds;
  Json arms = Json::array();
  for (const ArmResult& a : r.arms) {
    Json aj;
    aj["arm"] = a.name;
    aj["ndcg10"] = CurveJson(a.ndcg);
    aj["mrr_purchase"] = CurveJson(a.mrr_purchase);
    aj["ctr"] = CurveJson(a.ctr);
    aj["searches"] = a.searches;
    aj["clicks"] = a.clicks;
    aj["carts"] = a.carts;
    aj["purchases"] = a.purchases;
    if (a.learns) {
      aj["global_updates"] = {{"accepted", a.global_accepted}, {"rejected", a.global_rejected}};
      aj["personal_updates"] = {
          {"accepted", a.user_accepted}, {"rejected", a.user_rejected}, {"no_update", a.no_update}};
      aj["interleaving_rollbacks"] = a.rolled_back;
      if (a.name == kBotArmName) {
        aj["global_candidates_by_bot"] = {{"candidates", a.bot_global_candidates},
                                          {"promoted", a.bot_global_promoted}};
      }
    }
    aj["seconds"] = a.seconds;
    arms.push_back(aj);
  }
  j["arms"] = arms;
  if (!r.bot.empty()) j["bot"] = BotJson(r);
  if (!r.explore.empty()) j["explore"] = ExploreJson(r);
  if (o.gap_report) {
    Json gap = Json::array();
    for (const GapRow& g : r.gap) {
      gap.push_back({{"kind", g.kind},
                     {"searches", g.searches},
                     {"ndcg10", g.ndcg},
                     {"ndcg10_page_sorted", g.ndcg_page_sorted},
                     {"fitting_shown", g.fitting_shown},
                     {"fitting_ideal", g.fitting_ideal},
                     {"unrelated_shown", g.unrelated_shown},
                     {"ceiling_observable", g.ceiling_observable},
                     {"ceiling_brand_leaf", g.ceiling_brand_leaf}});
    }
    j["gap"] = {{"arm", "personalised"},
                {"first_session", GapFirstSession(o.sessions) + 1},
                {"rows", gap}};
  }
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string LearningCurvesSvg(const SimulationResult& r) {
  const SimulationOptions& o = r.options;
  std::vector<PlotSeries> series;
  for (const ArmResult& a : r.arms) {
    PlotSeries s;
    s.name = a.name;
    s.y = a.ndcg.mean;
    for (size_t i = 0; i < s.y.size(); ++i) {
      s.lo.push_back(a.ndcg.mean[i] - a.ndcg.ci[i]);
      s.hi.push_back(a.ndcg.mean[i] + a.ndcg.ci[i]);
    }
    s.color = a.name == "bm25"               ? "#7f7f7f"
              : a.name == "global"           ? "#1f77b4"
              : a.name == "global+history"   ? "#9467bd"
              : a.name == "personalised"     ? "#d62728"
              : a.name == "personalised+bot" ? "#ff7f0e"
              : a.name == kImportedArmName   ? "#17becf"
                                             : "#2ca02c";
    s.dashed = a.name == "oracle";
    series.push_back(std::move(s));
  }
  PlotOptions po;
  po.title = "saiki simulate: NDCG@10 by session";
  po.subtitle = fmt::format(
      "{} users x {} queries per session, {} click model, mean and 95% CI "
      "over {} seed{}",
      o.users, o.queries_per_session, ClickModelName(o.click.kind), o.seeds,
      o.seeds == 1 ? "" : "s");
  po.width = 860;
  po.x_label = "session (per user)";
  po.y_label = "NDCG@10 (true utility)";
  return LineChartSvg(series, po);
}

}  // namespace saiki::eval
