// Re-ranking features: the one definition used when logging, training and
// scoring (a feature vector is computed once, when a ranking is shown, and
// logged; learning reads the logged vectors and never recomputes them).
//
// Every feature has a stable name (kFeatureNames); models store the names
// they were trained on and are checked against them. Definitions (q = the
// query's required clauses, d = the candidate product, u = the user):
//
//   query-product
//     bm25f             BM25F score of d for q, whole-word bonus included
//     bm25f_title ... bm25f_description
//                       the part of the BM25F score from each field
//     bm25f_word_bonus  the whole-word (dictionary word) bonus
//     title_term_share  share of q's clauses found in d's title (0..1)
//     title_phrase      1 when all of q's clauses occur in d's title as one
//                       phrase in query order, else 0
//     query_brand       1 when a clause of q matches in d's brand field
//     query_category    1 when a clause of q matches in d's category field
//   product
//     log_reviews       ln(1 + review_count)
//     rating            rating 0..5 (missing: 0, with rating_missing = 1)
//     rating_missing    1 when d has no rating
//     log_price         ln(1 + price) (missing: 0)
//     price_vs_category ln((1 + price) / (1 + median price of d's leaf
//                       category)) (0 when either is unknown)
//   user-product, from u's own clicks, each weighted by kind (click 1,
//   cart 2, purchase 3) and by time decay 2^(-age / half_life)
//     user_clicks_product   decayed weight of u's clicks on d
//     user_clicks_brand     ... on d's brand
//     user_clicks_cat1/2/3  ... on d's category path, level 1, 2, 3
//     user_price_distance   |ln(1+price) - decayed mean of ln(1+price) of
//                           what u clicked| (0 without history or price)
//     user_text_similarity  decayed mean over u's clicks of the MinHash
//                           similarity of the titles (0..1)
//     user_has_history      1 when u has clicks, else 0
// Decayed sums are compressed with ln(1 + x) so that a burst of clicks
// cannot dominate.
//   user taste, from u's taste profile (taste.h: the position-debiased click
//   rate per attribute value, clicks and passed-over impressions alike; 0
//   without a profile or for a value u never saw)
//     user_brand_affinity   u's affinity for d's brand
//     user_leaf_affinity    ... for d's leaf category
//     user_tier_affinity    ... for d's price tier within its leaf
//     user_style_affinity   mean of u's affinities for d's title words
//                           (its MinHash slots)
//   user intent, from u's clicks of the current visit
//     user_visit_leaf       ln(1 + weight of u's clicks, carts and purchases
//                           on d's leaf category in u's open session (the
//                           visit), undecayed: the
//                           leaf u is shopping for now (a session mostly
//                           serves one mission, so an ambiguous query such
//                           as 犬 or フード means that leaf). A feature of
//                           the personal layer like the taste features
//                           (the global fits mask it).
// Features are appended, never reordered: vectors logged and models stored
// with an earlier, shorter list read as today's with 0 for what came later
// (storage/log_store.h, linear_model.h).
#ifndef SAIKI_RANKER_FEATURES_H_
#define SAIKI_RANKER_FEATURES_H_

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/doc_table.h"
#include "index/searcher.h"

namespace saiki::ranker {

enum Feature : int {
  kBm25f = 0,
  kBm25fTitle,
  kBm25fBrand,
  kBm25fCategory,
  kBm25fTags,
  kBm25fDescription,
  kBm25fWordBonus,
  kTitleTermShare,
  kTitlePhrase,
  kQueryBrand,
  kQueryCategory,
  kLogReviews,
  kRating,
  kRatingMissing,
  kLogPrice,
  kPriceVsCategory,
  kUserClicksProduct,
  kUserClicksBrand,
  kUserClicksCat1,
  kUserClicksCat2,
  kUserClicksCat3,
  kUserPriceDistance,
  kUserTextSimilarity,
  kUserHasHistory,
  kUserBrandAffinity,
  kUserLeafAffinity,
  kUserTierAffinity,
  kUserStyleAffinity,
  kUserVisitLeaf,
  kNumFeatures
};

// The user-history features (kUserClicksProduct and after) are 0 for a
// visitor without history: their weights do not reorder anonymous results.
inline constexpr int kFirstUserFeature = kUserClicksProduct;

inline constexpr const char* kFeatureNames[kNumFeatures] = {
    "bm25f",           "bm25f_title",        "bm25f_brand",         "bm25f_category",
    "bm25f_tags",      "bm25f_description",  "bm25f_word_bonus",    "title_term_share",
    "title_phrase",    "query_brand",        "query_category",      "log_reviews",
    "rating",          "rating_missing",     "log_price",           "price_vs_category",
    "user_clicks_product", "user_clicks_brand", "user_clicks_cat1", "user_clicks_cat2",
    "user_clicks_cat3", "user_price_distance", "user_text_similarity", "user_has_history",
    "user_brand_affinity", "user_leaf_affinity", "user_tier_affinity", "user_style_affinity",
    "user_visit_leaf"};
// The taste features and the visit's intent, the personal layer's own
// (taste.h): from here to the end.
inline constexpr int kFirstTasteFeature = kUserBrandAffinity;

// The lengths the feature list had in earlier releases: vectors logged and
// models stored then are read as today's with 0 for the features added
// since. Any other count is an error (a corrupt row, or a model for another
// feature set).
inline constexpr int kEarlierFeatureCounts[] = {24, 28};
inline bool KnownFeatureCount(int64_t n) {
  if (n == kNumFeatures) return true;
  for (int c : kEarlierFeatureCounts) {
    if (n == c) return true;
  }
  return false;
}

// Index of a feature name, or -1.
int FeatureIndex(std::string_view name);

// One of the user's clicks, with a snapshot of the product as it was when
// clicked (so that later edits or deletions of the product do not change
// the user's history).
struct ClickRecord {
  double at = 0;      // seconds since the epoch
  int kind = 1;       // 1 click, 2 cart, 3 purchase
  uint32_t id_hash = 0;
  uint32_t brand = 0;
  std::array<uint32_t, index::kCategoryLevels> category{};
  float price = 0;    // NaN when unknown
  index::TitleSignature signature{};
};

// A user's history, aggregated with time decay as of `now`.
class UserProfile {
 public:
  UserProfile() = default;
  // `visit_start`: clicks at or after this time (the start of the user's
  // open session) count, undecayed, in visit_leaf; +infinity (the default):
  // none do.
  UserProfile(std::span<const ClickRecord> clicks, double now, double half_life_seconds,
              double visit_start = std::numeric_limits<double>::infinity());

  bool empty() const { return total_weight_ == 0; }
  double product(uint32_t id_hash) const { return Get(kProductTable, id_hash); }
  double brand(uint32_t h) const { return Get(kBrandTable, h); }
  double category(int level, uint32_t h) const { return Get(kCategoryTable + level, h); }
  // Decayed mean of ln(1 + price) over clicks with a price; NaN if none.
  double mean_log_price() const { return mean_log_price_; }
  // Weight of the clicks of the current visit on leaf category `h`.
  double visit_leaf(uint32_t h) const { return Get(kVisitLeafTable, h); }
  double TextSimilarity(const index::TitleSignature& sig) const;

 private:
  // The aggregates live in flat open-addressing tables (linear probing,
  // key 0 = empty slot, load at most 1/2), all of one capacity and in one
  // pair of arrays: building a profile allocates twice, not once per click
  // and map (the engine builds one per request, and per-node allocations
  // slowed it down twofold once other work had fragmented the heap).
  // Table t holds slots [t * capacity, (t + 1) * capacity).
  enum : int {
    kProductTable = 0,
    kBrandTable = 1,
    kCategoryTable = 2,                                  // + level
    kSlotTable = kCategoryTable + index::kCategoryLevels,  // + MinHash slot
    kVisitLeafTable = kSlotTable + index::kSignatureSlots,
    kNumTables
  };
  size_t Find(int table, uint32_t key) const;  // the key's slot, or its empty slot
  double Get(int table, uint32_t key) const {
    if (key == 0 || keys_.empty()) return 0.0;
    size_t s = Find(table, key);
    return keys_[s] == key ? values_[s] : 0.0;
  }
  void Add(int table, uint32_t key, double w);
  std::vector<uint32_t> keys_;
  std::vector<double> values_;
  int log2_capacity_ = 0;  // of each table; no tables when keys_ is empty
  // The MinHash slot tables map each value (stored as value + 1, so that 0
  // stays free) to the summed weight of the clicks whose signature holds it
  // in that slot: the decayed mean similarity to all clicks is then 8
  // lookups per candidate instead of one comparison per click.
  double total_weight_ = 0;
  double mean_log_price_ = std::numeric_limits<double>::quiet_NaN();
};

// Median price per leaf category hash, computed from the docs table.
using CategoryMedians = std::unordered_map<uint32_t, float>;
CategoryMedians ComputeCategoryMedians(const index::DocTable& docs);

// The category medians as stored in the file (meta.category_medians,
// docs/FORMAT.md), so that an open reads them instead of computing them over
// the whole catalogue: u8 format (=1), u64 generation (the meta.gen_catalog
// of the catalogue they were computed from), u32 count, then count x (u32
// leaf hash, f32 median), leaf hashes strictly increasing and never 0; all
// little-endian. Encoding is deterministic (sorted by leaf).
inline constexpr uint8_t kCategoryMediansFormat = 1;
std::string EncodeCategoryMedians(int64_t generation, const CategoryMedians& medians);
// Fills *generation and *medians. kCorruption naming what is wrong
// ("category medians: ...") for a blob of another format, a length that
// does not match its count, a leaf 0 or leaves out of order, or a NaN
// median; *medians is then left empty.
Status DecodeCategoryMedians(std::string_view blob, int64_t* generation, CategoryMedians* medians);

// Row-major matrix: one row of kNumFeatures floats per candidate.
struct FeatureMatrix {
  size_t rows = 0;
  std::vector<float> values;
  float* row(size_t r) { return values.data() + r * kNumFeatures; }
  const float* row(size_t r) const { return values.data() + r * kNumFeatures; }
};

class TasteProfile;

// Computes the features of `hits` (from a search with explain on, so that
// field scores are filled). `num_clauses` is the number of required clauses.
// `taste` may be null (no profile: the taste features are 0); when
// `uncertainty` is not null it receives, per hit, the taste profile's
// uncertainty about the product (TasteProfile::Scores).
void ExtractFeatures(std::span<const index::Hit> hits, uint32_t num_clauses,
                     const index::DocTable& docs, const CategoryMedians& medians,
                     const UserProfile& profile, const TasteProfile* taste, FeatureMatrix* out,
                     std::vector<float>* uncertainty = nullptr);

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_FEATURES_H_
