// The query mix and the lexical oracle.
//
// Queries are drawn from the catalogue itself with a seeded PRNG (splitmix64,
// no <random> distributions, so the mix is the same everywhere), from the
// normalised text every engine sees:
//   kanji1    one kanji of a title (犬 first)
//   two_char  two adjacent kanji of a title's kanji run (京都, 犬用 first)
//   katakana  a katakana word of a title (3-10 characters)
//   brand     the words of a product's brand name (as text, not a filter)
//   latin     an ASCII word of 3+ letters of a title or description
//   model     a model number of a title (sku-12345, nr-1200, ab1200)
//   multi     2-3 of the above taken from one title
//   filter    a kanji/katakana term with brand: and/or price: of its product
//
// The oracle: a product matches when its normalised text (title, description,
// brand, category, tags) contains every term and it passes the filters. A
// term that begins (ends) with a Latin letter or a digit must not be preceded
// (followed) by one, so "dog" does not match "hotdog", "kaz" not "kazé" and
// "nr-1200" not "nr-12000"; CJK terms match anywhere. Candidates come from an exact
// code-point n-gram index of the grams the queries use and are verified by a
// substring search, so the oracle is exact.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.h"
#include "harness.h"

namespace peers {
namespace {

struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n ? static_cast<size_t>(Next() % n) : 0; }
};

struct Run {
  int cls;  // 0 kanji, 1 katakana, 2 ascii letters, 3 ascii alnum/hyphen chain
  std::u32string text;
};

// Maximal runs of kanji, of katakana, of ASCII letters bounded by non-alnum,
// and model-number chains ([a-z]+-?[0-9]+[a-z]*, bounded).
std::vector<Run> Runs(const std::string& s) {
  std::u32string u = ToU32(s);
  std::vector<Run> runs;
  size_t i = 0;
  while (i < u.size()) {
    char32_t c = u[i];
    if (IsKanji(c) && c != 0x3005) {
      size_t j = i;
      while (j < u.size() && IsKanji(u[j])) ++j;
      runs.push_back({0, u.substr(i, j - i)});
      i = j;
    } else if (IsKatakana(c) && c != 0x30FC) {
      size_t j = i;
      while (j < u.size() && IsKatakana(u[j])) ++j;
      runs.push_back({1, u.substr(i, j - i)});
      i = j;
    } else if (IsWordChar(c)) {
      size_t j = i;
      while (j < u.size() && (IsWordChar(u[j]) || (u[j] == '-' && j + 1 < u.size() &&
                                                   IsWordChar(u[j + 1]) && j > i)))
        ++j;
      std::u32string w = u.substr(i, j - i);
      bool prev_ok = i == 0 || (u[i - 1] != '.' && u[i - 1] != ',');
      bool next_ok = j >= u.size() || (u[j] != '.' && u[j] != ',');
      bool letters = std::all_of(w.begin(), w.end(), [](char32_t x) {
        return (x >= 'a' && x <= 'z') || (IsWordChar(x) && !IsAsciiAlnum(x));
      });
      bool ascii = std::all_of(w.begin(), w.end(), [](char32_t x) { return x < 0x80; });
      if (letters && prev_ok && next_ok) {
        runs.push_back({2, w});
      } else if (ascii && prev_ok && next_ok && w.size() >= 4) {
        // model number: letters, optional hyphen, digits, optional letters
        size_t k = 0;
        while (k < w.size() && w[k] >= 'a' && w[k] <= 'z') ++k;
        size_t letters_end = k;
        if (k < w.size() && w[k] == '-') ++k;
        size_t digits_start = k;
        while (k < w.size() && w[k] >= '0' && w[k] <= '9') ++k;
        size_t digits_end = k;
        while (k < w.size() && w[k] >= 'a' && w[k] <= 'z') ++k;
        if (letters_end >= 1 && digits_end - digits_start >= 2 && k == w.size()) {
          runs.push_back({3, w});
        }
      }
      i = j;
    } else {
      ++i;
    }
  }
  return runs;
}

bool SafeTerm(const std::u32string& t) {
  if (t.empty()) return false;
  if (t[0] == '-' || t[0] == '"') return false;
  for (char32_t c : t)
    if (c == ':' || c == '"' || c == ' ' || c == '(' || c == ')') return false;
  return true;
}

// A term from a title: kanji (1 or 2 chars), or a katakana word.
std::u32string PickTerm(Rng& rng, const std::vector<Run>& runs, int want) {
  std::vector<const Run*> ok;
  for (const Run& r : runs) {
    if (want == 0 && r.cls == 0) ok.push_back(&r);
    if (want == 2 && r.cls == 0 && r.text.size() >= 2) ok.push_back(&r);
    if (want == 1 && r.cls == 1 && r.text.size() >= 3 && r.text.size() <= 10) ok.push_back(&r);
    if (want == 3 && r.cls == 2 && r.text.size() >= 3) ok.push_back(&r);
    if (want == 4 && r.cls == 3) ok.push_back(&r);
  }
  if (ok.empty()) return {};
  const Run& r = *ok[rng.Below(ok.size())];
  if (want == 0) return r.text.substr(rng.Below(r.text.size()), 1);
  if (want == 2) return r.text.substr(rng.Below(r.text.size() - 1), 2);
  return r.text;
}

void Finish(Query* q) {
  q->saiki = SaikiQueryString(q->terms, q->brand, q->price_min, q->price_max);
  q->cjk = false;
  q->min_term_chars = 0;
  for (size_t i = 0; i < q->terms.size(); ++i) {
    std::u32string u = ToU32(q->terms[i]);
    for (char32_t c : u) q->cjk |= IsCjk(c);
    if (i == 0 || u.size() < q->min_term_chars) q->min_term_chars = u.size();
  }
}

std::vector<Query> MakeQueries(const std::vector<NormRow>& rows, int total, uint64_t seed) {
  Rng rng{seed * 0x2545F4914F6CDD1DULL + 12345};
  struct Kind {
    const char* name;
    int share;  // per mille
  };
  const Kind kinds[] = {{"kanji1", 150}, {"two_char", 150}, {"katakana", 150}, {"brand", 100},
                        {"latin", 100},  {"model", 100},    {"multi", 150},    {"filter", 100}};
  std::vector<Query> out;
  auto add = [&](Query q) {
    q.qid = static_cast<int>(out.size());
    Finish(&q);
    out.push_back(std::move(q));
  };
  for (const Kind& k : kinds) {
    int n = std::max(1, total * k.share / 1000);
    std::string kind = k.name;
    int made = 0;
    // Fixed first queries: the README's examples.
    if (kind == "kanji1") {
      for (const char* t : {"犬", "猫"}) add({0, kind, {t}, "", {}, {}, "", false, 0}), ++made;
    } else if (kind == "two_char") {
      for (const char* t : {"京都", "犬用"}) add({0, kind, {t}, "", {}, {}, "", false, 0}), ++made;
    } else if (kind == "katakana") {
      for (const char* t : {"サーバー", "ドッグ"}) add({0, kind, {t}, "", {}, {}, "", false, 0}), ++made;
    }
    int guard = 0;
    while (made < n && guard++ < n * 1000) {
      const NormRow& r = rows[rng.Below(rows.size())];
      Query q;
      q.kind = kind;
      std::vector<Run> runs = Runs(r.title);
      if (kind == "kanji1" || kind == "two_char" || kind == "katakana" || kind == "model") {
        int want = kind == "kanji1" ? 0 : kind == "two_char" ? 2 : kind == "katakana" ? 1 : 4;
        std::u32string t = PickTerm(rng, runs, want);
        if (!SafeTerm(t)) continue;
        q.terms = {ToU8(t)};
      } else if (kind == "latin") {
        std::vector<Run> all = Runs(r.title + " " + r.description);
        std::u32string t = PickTerm(rng, all, 3);
        if (!SafeTerm(t)) continue;
        q.terms = {ToU8(t)};
      } else if (kind == "brand") {
        for (const Run& w : Runs(r.brand)) {
          if (w.text.size() >= 2 && SafeTerm(w.text) && q.terms.size() < 3) q.terms.push_back(ToU8(w.text));
        }
        if (q.terms.empty()) continue;
      } else if (kind == "multi") {
        size_t want_terms = 2 + (rng.Below(3) == 0 ? 1 : 0);
        for (int tries = 0; tries < 12 && q.terms.size() < want_terms; ++tries) {
          static const int kWant[] = {2, 1, 3, 0, 2, 1};
          std::u32string t = PickTerm(rng, runs, kWant[rng.Below(6)]);
          std::string t8 = ToU8(t);
          if (!SafeTerm(t) || std::find(q.terms.begin(), q.terms.end(), t8) != q.terms.end()) continue;
          q.terms.push_back(t8);
        }
        if (q.terms.size() < 2) continue;
      } else if (kind == "filter") {
        static const int kWant[] = {0, 2, 1};
        std::u32string t = PickTerm(rng, runs, kWant[rng.Below(3)]);
        if (!SafeTerm(t)) continue;
        q.terms = {ToU8(t)};
        int form = made % 5;  // 0,1 brand; 2,3 price; 4 both
        if (form <= 1 || form == 4) {
          if (r.brand_key.empty() || r.brand_key.find('"') != std::string::npos) continue;
          q.brand = r.brand_key;
        }
        if (form >= 2) {
          double p = r.price;
          int shape = static_cast<int>(rng.Below(3));
          double lo = std::floor(p * 0.6 / 100) * 100, hi = std::ceil(p * 1.5 / 100) * 100;
          if (shape != 2) q.price_max = hi;
          if (shape != 1) q.price_min = lo;
        }
      }
      add(std::move(q));
      ++made;
    }
  }
  return out;
}

// ------------------------------------------------------------------ oracle

// The code point that ends just before byte `pos` / starts at byte `pos`.
char32_t CpBefore(std::string_view s, size_t pos) {
  if (pos == 0) return 0;
  size_t b = pos - 1;
  while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
  std::u32string u = ToU32(s.substr(b, pos - b));
  return u.empty() ? 0 : u[0];
}
char32_t CpAt(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  size_t e = pos + 1;
  while (e < s.size() && (static_cast<unsigned char>(s[e]) & 0xC0) == 0x80) ++e;
  std::u32string u = ToU32(s.substr(pos, e - pos));
  return u.empty() ? 0 : u[0];
}

bool TermAt(std::string_view text, std::string_view term) {
  bool check_front = IsWordChar(CpAt(term, 0)),
       check_back = IsWordChar(CpBefore(term, term.size()));
  size_t pos = 0;
  while ((pos = text.find(term, pos)) != std::string_view::npos) {
    bool ok = true;
    if (check_front && IsWordChar(CpBefore(text, pos))) ok = false;
    size_t end = pos + term.size();
    if (ok && check_back && IsWordChar(CpAt(text, end))) ok = false;
    if (ok) return true;
    ++pos;
  }
  return false;
}

constexpr uint64_t kUni = 0x1FFFFF;
uint64_t GramKey(char32_t a, char32_t b) { return (static_cast<uint64_t>(a) << 21) | b; }

std::vector<uint64_t> TermGrams(const std::string& term) {
  std::u32string u = ToU32(term);
  std::vector<uint64_t> g;
  if (u.size() == 1) g.push_back(GramKey(u[0], kUni));
  for (size_t i = 0; i + 1 < u.size(); ++i) g.push_back(GramKey(u[i], u[i + 1]));
  return g;
}

std::vector<std::vector<uint32_t>> RunOracle(const std::vector<NormRow>& rows,
                                             const std::vector<std::string>& texts,
                                             const std::vector<Query>& qs) {
  std::unordered_map<uint64_t, std::vector<uint32_t>> post;
  std::vector<bool> first(0x110000, false);
  for (const Query& q : qs)
    for (const std::string& t : q.terms)
      for (uint64_t g : TermGrams(t)) {
        post.emplace(g, std::vector<uint32_t>{});
        first[g >> 21] = true;
      }
  for (size_t d = 0; d < texts.size(); ++d) {
    std::u32string u = ToU32(texts[d]);
    uint32_t doc = static_cast<uint32_t>(d);
    for (size_t i = 0; i < u.size(); ++i) {
      if (u[i] >= 0x110000 || !first[u[i]]) continue;
      auto add = [&](uint64_t key) {
        auto it = post.find(key);
        if (it != post.end() && (it->second.empty() || it->second.back() != doc))
          it->second.push_back(doc);
      };
      add(GramKey(u[i], kUni));
      if (i + 1 < u.size()) add(GramKey(u[i], u[i + 1]));
    }
  }
  std::vector<std::vector<uint32_t>> sets(qs.size());
  for (size_t qi = 0; qi < qs.size(); ++qi) {
    const Query& q = qs[qi];
    const std::vector<uint32_t>* best = nullptr;
    for (const std::string& t : q.terms)
      for (uint64_t g : TermGrams(t)) {
        const auto& p = post[g];
        if (!best || p.size() < best->size()) best = &p;
      }
    if (!best) continue;
    for (uint32_t d : *best) {
      const NormRow& r = rows[d];
      if (!q.brand.empty() && r.brand_key != q.brand) continue;
      if (q.price_min && r.price < *q.price_min) continue;
      if (q.price_max && r.price > *q.price_max) continue;
      bool all = true;
      for (const std::string& t : q.terms)
        if (!TermAt(texts[d], t)) {
          all = false;
          break;
        }
      if (all) sets[qi].push_back(r.idx);
    }
  }
  return sets;
}

}  // namespace

int RunPrepare(const std::string& csv, const std::string& dir, int nqueries, uint64_t seed) {
  auto t0 = Clock::now();
  std::vector<NormRow> rows;
  std::vector<std::string> texts;
  std::string err;
  if (!ReadCatalog(csv, [&](Row& r) {
        rows.push_back(NormalizeRow(r));
        const NormRow& n = rows.back();
        texts.push_back(n.title + "\n" + n.description + "\n" + n.brand + "\n" + n.category +
                        "\n" + n.tags);
      }, &err)) {
    std::fprintf(stderr, "prepare: %s\n", err.c_str());
    return 1;
  }
  double read_s = SecondsSince(t0);
  std::vector<Query> qs = MakeQueries(rows, nqueries, seed);
  auto t1 = Clock::now();
  std::vector<std::vector<uint32_t>> sets = RunOracle(rows, texts, qs);
  double oracle_s = SecondsSince(t1);
  std::vector<double> prices;
  for (const NormRow& r : rows) prices.push_back(r.price);
  if (!WriteQueries(dir + "/queries.tsv", qs, &err) ||
      !WriteOracle(dir + "/oracle.bin", sets, &err) ||
      !WritePrices(dir + "/prices.bin", prices, &err)) {
    std::fprintf(stderr, "prepare: %s\n", err.c_str());
    return 1;
  }
  size_t empty = 0;
  for (const auto& s : sets) empty += s.empty();
  std::fprintf(stderr,
               "prepare: %zu products read and normalised in %.1f s; %zu queries; oracle in "
               "%.1f s (%zu queries with no matching product)\n",
               rows.size(), read_s, qs.size(), oracle_s, empty);
  KeyValues kv{{"products", std::to_string(rows.size())}, {"queries", std::to_string(qs.size())}};
  return WriteKeyValues(dir + "/prepare.txt", kv, &err) ? 0 : 1;
}

}  // namespace peers
