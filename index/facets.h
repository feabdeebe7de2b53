// Facet counting over a search's whole match set (README "Facets").
//
// The docs table keeps each document's brand and category as 32-bit hashes
// of their normalised keys. FacetColumns turns them once into dense
// ordinals per docid (and the price into a price-range index), so that
// counting a match set is one array read and one counter increment per
// match: no hashing, no allocation and no virtual call per match. The
// counters are one dense vector per facet per query.
//
// Price ranges follow the 1-2-5 series, as shops label their price filters:
//   [0, 1), [1, 2), [2, 5), [5, 10), [10, 20), ..., [5e11, 1e12), [1e12, inf)
// A range's `from` is inclusive and its `to` exclusive (the query syntax's
// price:FROM..TO is inclusive at both ends: price:1000..1999 is the range
// [1000, 2000) for whole-yen prices).
#ifndef SAIKI_INDEX_FACETS_H_
#define SAIKI_INDEX_FACETS_H_

#include <cstdint>
#include <limits>
#include <vector>

#include "index/doc_table.h"

namespace saiki::index {

inline constexpr uint32_t kNoFacetValue = std::numeric_limits<uint32_t>::max();
inline constexpr uint8_t kNoPriceRange = 255;
// Number of price ranges: [0, 1), then 12 decades of 1-2-5, then [1e12, inf).
inline constexpr int kPriceRanges = 1 + 12 * 3 + 1;

// The range index of a price (kNoPriceRange for NaN: no price).
uint8_t PriceRangeOf(float price);
// Range i is [PriceRangeFrom(i), PriceRangeTo(i)); the last one's `to` is
// infinity.
double PriceRangeFrom(int i);
double PriceRangeTo(int i);

// Dense facet ordinals of every live document of a docs table. Immutable
// once built; about 9 bytes per docid.
struct FacetColumns {
  // By docid: the brand's and the category's ordinal, kNoFacetValue when
  // the document has none or is not live.
  std::vector<uint32_t> brand, category;
  // By docid: the price range, kNoPriceRange when none or not live.
  std::vector<uint8_t> price_range;
  // By ordinal: the first live docid (in docid order) with that value, so
  // that its stored text can name the value.
  std::vector<uint32_t> brand_doc, category_doc;

  // The category's ordinal is that of its deepest known level (the docs
  // table keeps three), so `ペット用品>犬用品>ベッド` and `ペット用品>犬用品`
  // are different values. About 20 ms per million products.
  static FacetColumns Build(const DocTable& docs);
};

struct OrdinalCount {
  uint32_t ordinal = 0;
  uint64_t count = 0;
};

// Counts the matches' values in `ordinals` (indexed by docid) with one
// dense counter per value (`values` of them): the `limit` most frequent,
// most first, ties by ordinal (the value indexed first comes first).
// `missing` gets the matches without a value.
std::vector<OrdinalCount> TopValues(const std::vector<uint32_t>& matches,
                                    const std::vector<uint32_t>& ordinals, size_t values,
                                    size_t limit, uint64_t* missing);

// The matches per price range (kPriceRanges counters); `missing` gets the
// matches without a price.
std::vector<uint64_t> PriceRangeCounts(const std::vector<uint32_t>& matches,
                                       const std::vector<uint8_t>& ranges, uint64_t* missing);

}  // namespace saiki::index

#endif  // SAIKI_INDEX_FACETS_H_
