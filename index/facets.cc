// Facet counting: see facets.h.
#include "index/facets.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_map>

namespace saiki::index {
namespace {

// The lower bounds of the price ranges: 0, 1, 2, 5, 10, ..., 5e11, 1e12.
constexpr std::array<double, kPriceRanges> MakeBounds() {
  std::array<double, kPriceRanges> b{};
  b[0] = 0;
  double decade = 1;
  int i = 1;
  for (int d = 0; d < 12; ++d, decade *= 10) {
    b[i++] = decade;
    b[i++] = 2 * decade;
    b[i++] = 5 * decade;
  }
  b[i] = decade;  // 1e12
  return b;
}
constexpr std::array<double, kPriceRanges> kBounds = MakeBounds();

// The bounds as the docs table's 32-bit prices compare with them: a price
// stored as float(b) for a bound b is in the range b starts, also where
// float rounds (bounds from 2e8 up are not all exact floats).
std::array<float, kPriceRanges> FloatBounds() {
  std::array<float, kPriceRanges> f{};
  for (int i = 0; i < kPriceRanges; ++i) f[i] = static_cast<float>(kBounds[i]);
  return f;
}
const std::array<float, kPriceRanges> kFloatBounds = FloatBounds();

}  // namespace

uint8_t PriceRangeOf(float price) {
  if (std::isnan(price)) return kNoPriceRange;
  // The last bound <= price (prices are never negative; a negative one
  // would be a corrupt table: counted in the first range).
  auto it = std::upper_bound(kFloatBounds.begin(), kFloatBounds.end(), price);
  if (it == kFloatBounds.begin()) return 0;
  return static_cast<uint8_t>(it - kFloatBounds.begin() - 1);
}

double PriceRangeFrom(int i) { return kBounds[i]; }

double PriceRangeTo(int i) {
  return i + 1 < kPriceRanges ? kBounds[i + 1] : std::numeric_limits<double>::infinity();
}

FacetColumns FacetColumns::Build(const DocTable& docs) {
  FacetColumns c;
  const uint32_t n = docs.capacity();
  c.brand.assign(n, kNoFacetValue);
  c.category.assign(n, kNoFacetValue);
  c.price_range.assign(n, kNoPriceRange);
  std::unordered_map<uint32_t, uint32_t> brands, categories;
  for (uint32_t d = 0; d < n; ++d) {
    if (!docs.live(d)) continue;
    const DocInfo& info = docs.info(d);
    if (info.brand != 0) {
      auto [it, added] = brands.try_emplace(info.brand, static_cast<uint32_t>(c.brand_doc.size()));
      if (added) c.brand_doc.push_back(d);
      c.brand[d] = it->second;
    }
    uint32_t deepest = 0;
    for (uint32_t level : info.category) deepest = level != 0 ? level : deepest;
    if (deepest != 0) {
      auto [it, added] =
          categories.try_emplace(deepest, static_cast<uint32_t>(c.category_doc.size()));
      if (added) c.category_doc.push_back(d);
      c.category[d] = it->second;
    }
    c.price_range[d] = PriceRangeOf(info.price);
  }
  return c;
}

std::vector<OrdinalCount> TopValues(const std::vector<uint32_t>& matches,
                                    const std::vector<uint32_t>& ordinals, size_t values,
                                    size_t limit, uint64_t* missing) {
  std::vector<uint64_t> counts(values, 0);
  uint64_t none = 0;
  for (uint32_t d : matches) {
    uint32_t o = d < ordinals.size() ? ordinals[d] : kNoFacetValue;
    if (o < values) {
      ++counts[o];
    } else {
      ++none;
    }
  }
  if (missing) *missing = none;
  std::vector<OrdinalCount> out;
  for (uint32_t o = 0; o < values; ++o) {
    if (counts[o] > 0) out.push_back({o, counts[o]});
  }
  auto more = [](const OrdinalCount& a, const OrdinalCount& b) {
    return a.count != b.count ? a.count > b.count : a.ordinal < b.ordinal;
  };
  if (out.size() > limit) {
    std::partial_sort(out.begin(), out.begin() + static_cast<long>(limit), out.end(), more);
    out.resize(limit);
  } else {
    std::sort(out.begin(), out.end(), more);
  }
  return out;
}

std::vector<uint64_t> PriceRangeCounts(const std::vector<uint32_t>& matches,
                                       const std::vector<uint8_t>& ranges, uint64_t* missing) {
  std::vector<uint64_t> counts(kPriceRanges, 0);
  uint64_t none = 0;
  for (uint32_t d : matches) {
    uint8_t r = d < ranges.size() ? ranges[d] : kNoPriceRange;
    if (r < kPriceRanges) {
      ++counts[r];
    } else {
      ++none;
    }
  }
  if (missing) *missing = none;
  return counts;
}

}  // namespace saiki::index
