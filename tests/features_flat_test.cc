// The flat structures of ranker/features.cc against simple references:
// UserProfile against an aggregation in std::maps (clicks summed in click
// order, as the node-based maps did before the profile became flat tables):
// many clicks, repeated and colliding keys, MinHash slot value 0; every
// lookup must be bit-identical, not merely close. ComputeCategoryMedians
// (counting sort and radix selection for large categories) against
// nth_element over each leaf's prices.
#include "ranker/features.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

#include <catch2/catch.hpp>

namespace saiki::ranker {
namespace {

constexpr double kNow = 1.7e9;
constexpr double kHalfLife = 14 * 86400.0;

uint64_t SplitMix(uint64_t* s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct Reference {
  std::map<uint32_t, double> products, brands;
  std::map<uint32_t, double> categories[index::kCategoryLevels];
  std::map<uint16_t, double> slots[index::kSignatureSlots];
  double total = 0;

  Reference(const std::vector<ClickRecord>& clicks, double now, double half_life) {
    static const index::TitleSignature kEmpty{};
    for (const ClickRecord& c : clicks) {
      double age = std::max(0.0, now - c.at);
      double w = std::clamp(c.kind, 1, 3) * std::exp2(-age / half_life);
      if (!(w > 0)) continue;
      total += w;
      if (c.id_hash) products[c.id_hash] += w;
      if (c.brand) brands[c.brand] += w;
      for (int l = 0; l < index::kCategoryLevels; ++l) {
        if (c.category[l]) categories[l][c.category[l]] += w;
      }
      if (c.signature != kEmpty) {
        for (int i = 0; i < index::kSignatureSlots; ++i) slots[i][c.signature[i]] += w;
      }
    }
  }
  static double Get(const std::map<uint32_t, double>& m, uint32_t k) {
    auto it = m.find(k);
    return it == m.end() ? 0.0 : it->second;
  }
  double Similarity(const index::TitleSignature& sig) const {
    static const index::TitleSignature kEmpty{};
    if (total <= 0 || sig == kEmpty) return 0.0;
    double equal = 0;
    for (int i = 0; i < index::kSignatureSlots; ++i) {
      auto it = slots[i].find(sig[i]);
      if (it != slots[i].end()) equal += it->second;
    }
    return equal / (total * index::kSignatureSlots);
  }
};

// `n` clicks over a small pool of keys (so that keys repeat and sums have
// several terms), with MinHash values drawn from 0..7 (0 included).
std::vector<ClickRecord> ManyClicks(int n, uint64_t seed) {
  std::vector<ClickRecord> clicks(n);
  uint64_t s = seed;
  for (ClickRecord& c : clicks) {
    c.at = kNow - static_cast<double>(SplitMix(&s) % 10'000'000);
    c.kind = 1 + static_cast<int>(SplitMix(&s) % 3);
    c.id_hash = static_cast<uint32_t>(SplitMix(&s) % 97);  // 0 = no product
    c.brand = static_cast<uint32_t>(SplitMix(&s) % 13) * 0x01000000u;  // low bits all 0
    for (int l = 0; l < index::kCategoryLevels; ++l) {
      c.category[l] = static_cast<uint32_t>(SplitMix(&s) % (5 << l));
    }
    c.price = static_cast<float>(SplitMix(&s) % 5000);
    for (auto& v : c.signature) v = static_cast<uint16_t>(SplitMix(&s) % 8);
  }
  return clicks;
}

TEST_CASE("UserProfile sums equal to a map-based aggregation, bit for bit", "[features]") {
  for (int n : {1, 2, 3, 7, 64, 200, 1000}) {
    CAPTURE(n);
    std::vector<ClickRecord> clicks = ManyClicks(n, 1234 + n);
    UserProfile p(clicks, kNow, kHalfLife);
    Reference ref(clicks, kNow, kHalfLife);
    for (uint32_t k = 0; k < 100; ++k) {
      CHECK(p.product(k) == Reference::Get(ref.products, k));
    }
    for (uint32_t k = 0; k < 14; ++k) {
      CHECK(p.brand(k * 0x01000000u) == Reference::Get(ref.brands, k * 0x01000000u));
      CHECK(p.brand(k) == Reference::Get(ref.brands, k));
    }
    for (int l = 0; l < index::kCategoryLevels; ++l) {
      for (uint32_t k = 0; k < 25; ++k) {
        CHECK(p.category(l, k) == Reference::Get(ref.categories[l], k));
      }
    }
    uint64_t s = 99;
    for (int t = 0; t < 200; ++t) {
      index::TitleSignature sig;
      for (auto& v : sig) v = static_cast<uint16_t>(SplitMix(&s) % 10);
      CHECK(p.TextSimilarity(sig) == ref.Similarity(sig));
    }
    index::TitleSignature zeros{};  // empty signature: 0
    CHECK(p.TextSimilarity(zeros) == 0.0);
    index::TitleSignature max;
    max.fill(0xFFFF);  // the largest value (stored as 0x10000)
    CHECK(p.TextSimilarity(max) == ref.Similarity(max));
  }
}

TEST_CASE("UserProfile keeps the MinHash slot value 0 and 0xFFFF apart from absence",
          "[features]") {
  ClickRecord c;
  c.at = kNow;
  c.kind = 1;
  c.signature = {0, 0, 0, 0, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF};
  std::vector<ClickRecord> one = {c};
  UserProfile p(one, kNow, kHalfLife);
  CHECK(p.TextSimilarity(c.signature) == 1.0);
  CHECK(p.TextSimilarity({0, 0, 0, 0, 1, 1, 1, 1}) == 0.5);
  CHECK(p.TextSimilarity({1, 1, 1, 1, 1, 1, 1, 1}) == 0.0);
  CHECK(p.product(0) == 0.0);
  CHECK(p.brand(0) == 0.0);
}

TEST_CASE("A copied UserProfile answers like the original", "[features]") {
  std::vector<ClickRecord> clicks = ManyClicks(50, 7);
  UserProfile p(clicks, kNow, kHalfLife);
  UserProfile copy = p;
  UserProfile assigned;
  assigned = copy;
  for (uint32_t k = 0; k < 100; ++k) {
    CHECK(assigned.product(k) == p.product(k));
  }
  CHECK(assigned.TextSimilarity(clicks[3].signature) == p.TextSimilarity(clicks[3].signature));
}

TEST_CASE("ComputeCategoryMedians equals nth_element over each leaf's prices",
          "[features]") {
  // Leaves of 1 to 3000 products (the large ones take the radix path), with
  // repeated, fractional, huge, negative and signed-zero prices, NaN prices
  // and deleted products left out, leaves at every level.
  uint64_t s = 5;
  index::DocTable docs;
  std::map<uint32_t, std::vector<float>> prices;
  uint32_t docid = 0;
  const int sizes[] = {1, 2, 3, 511, 512, 513, 1300, 3000, 7, 1000};
  for (int leaf = 0; leaf < 10; ++leaf) {
    const uint32_t hash = 0x1000u * (leaf + 1) + 1;
    for (int i = 0; i < sizes[leaf]; ++i) {
      index::DocInfo d;
      d.docid = docid++;
      d.rating = std::numeric_limits<float>::quiet_NaN();
      d.category = {hash, 0, 0};
      if (leaf % 3 == 1) d.category = {7, hash, 0};
      if (leaf % 3 == 2) d.category = {7, 8, hash};
      const uint64_t r = SplitMix(&s);
      switch (r % 8) {
        case 0: d.price = static_cast<float>((r >> 8) % 300) * 10; break;
        case 1: d.price = static_cast<float>((r >> 8) % 100000) / 7.0f; break;
        case 2: d.price = (r >> 8) % 2 ? -0.0f : 0.0f; break;
        case 3: d.price = -static_cast<float>((r >> 8) % 50); break;
        case 4: d.price = static_cast<float>((r >> 8) % 1000) * 1e30f; break;
        case 5: d.price = std::numeric_limits<float>::quiet_NaN(); break;
        default: d.price = static_cast<float>((r >> 8) % 5000); break;
      }
      docs.Add(d);
      if ((r >> 40) % 10 == 0) {
        docs.Remove(d.docid);
      } else if (!std::isnan(d.price)) {
        prices[hash].push_back(d.price);
      }
    }
  }
  CategoryMedians medians = ComputeCategoryMedians(docs);
  CHECK(medians.size() == prices.size());
  for (auto& [hash, v] : prices) {
    CAPTURE(hash, v.size());
    auto mid = v.begin() + v.size() / 2;
    std::nth_element(v.begin(), mid, v.end());
    REQUIRE(medians.count(hash) == 1);
    CHECK(medians.at(hash) == *mid);
  }
}

}  // namespace
}  // namespace saiki::ranker
