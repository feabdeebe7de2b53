// Feature extraction. Definitions are in features.h; this file only
// computes them. Per candidate it reads the docs table (no SQLite) and the
// user's aggregated profile (a few hash lookups), so re-ranking 200
// candidates stays in the tens of microseconds.
#include "ranker/features.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "ranker/taste.h"

namespace saiki::ranker {

namespace {

// ln(1 + v) for the user's click weights, which are 0 for most candidates:
// log1p(0) is exactly 0, so the call is skipped then (a fifth of a
// personalised re-rank went into log1p).
inline double Log1pOrZero(double v) { return v == 0 ? 0.0 : std::log1p(v); }

// Order-preserving map of a float (not NaN) to an unsigned integer, -0 and
// +0 both to +0's (they compare equal, and either gives the same
// price_vs_category).
inline uint32_t OrderedBits(float f) {
  const uint32_t u = std::bit_cast<uint32_t>(f + 0.0f);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
inline float FromOrderedBits(uint32_t u) {
  return std::bit_cast<float>((u & 0x80000000u) ? (u & 0x7FFFFFFFu) : ~u);
}

// The k-th smallest (0-based) of keys[0, n), 0 < n, k < n, by radix selection
// on digits of 11, 11 and 10 bits from the top; reorders keys. Two passes per
// digit over the remaining keys (a histogram, then keeping the bucket of the
// k-th), about three times faster than nth_element on a category's prices.
uint32_t RadixSelect(uint32_t* keys, size_t n, size_t k) {
  static constexpr int kShift[3] = {21, 10, 0};
  static constexpr uint32_t kMask[3] = {0x7FF, 0x7FF, 0x3FF};
  uint32_t result = 0;
  for (int p = 0; p < 3; ++p) {
    uint32_t count[2048] = {};
    for (size_t i = 0; i < n; ++i) ++count[(keys[i] >> kShift[p]) & kMask[p]];
    uint32_t d = 0;
    while (k >= count[d]) k -= count[d++];
    result |= d << kShift[p];
    if (count[d] == n) continue;  // every key is in this bucket
    size_t m = 0;
    for (size_t i = 0; i < n; ++i) {
      if (((keys[i] >> kShift[p]) & kMask[p]) == d) keys[m++] = keys[i];
    }
    n = m;
  }
  return result;
}

}  // namespace

int FeatureIndex(std::string_view name) {
  for (int i = 0; i < kNumFeatures; ++i) {
    if (name == kFeatureNames[i]) return i;
  }
  return -1;
}

UserProfile::UserProfile(std::span<const ClickRecord> clicks, double now,
                         double half_life_seconds, double visit_start) {
  double price_weight = 0, price_sum = 0;
  // Every table gets room for one key per click at load 1/2, in one buffer
  // allocated here (the engine builds a profile per request).
  if (!clicks.empty()) {
    const size_t capacity = std::bit_ceil(2 * clicks.size());
    log2_capacity_ = std::countr_zero(capacity);
    keys_.assign(kNumTables * capacity, 0);
    values_.assign(kNumTables * capacity, 0.0);
  }
  for (const ClickRecord& c : clicks) {
    double age = std::max(0.0, now - c.at);
    double w = std::clamp(c.kind, 1, 3) * std::exp2(-age / half_life_seconds);
    if (!(w > 0)) continue;
    total_weight_ += w;
    if (c.id_hash) Add(kProductTable, c.id_hash, w);
    if (c.brand) Add(kBrandTable, c.brand, w);
    uint32_t leaf = 0;
    for (int l = 0; l < index::kCategoryLevels; ++l) {
      if (c.category[l]) {
        Add(kCategoryTable + l, c.category[l], w);
        leaf = c.category[l];
      }
    }
    if (leaf && c.at >= visit_start) Add(kVisitLeafTable, leaf, std::clamp(c.kind, 1, 3));
    if (!std::isnan(c.price)) {
      price_sum += w * std::log1p(std::max(0.0f, c.price));
      price_weight += w;
    }
    static const index::TitleSignature kEmpty{};
    if (c.signature != kEmpty) {
      for (int i = 0; i < index::kSignatureSlots; ++i) {
        Add(kSlotTable + i, uint32_t{c.signature[i]} + 1, w);
      }
    }
  }
  mean_log_price_ = price_weight > 0 ? price_sum / price_weight : std::nan("");
}

size_t UserProfile::Find(int table, uint32_t key) const {
  const size_t mask = (size_t{1} << log2_capacity_) - 1;
  const size_t base = static_cast<size_t>(table) << log2_capacity_;
  // Fibonacci hashing: the top bits of key * 2^32/phi (log2_capacity_ >= 1).
  size_t i = static_cast<uint32_t>(key * 0x9E3779B9u) >> (32 - log2_capacity_);
  while (true) {
    const uint32_t k = keys_[base + i];
    if (k == key || k == 0) return base + i;
    i = (i + 1) & mask;
  }
}

void UserProfile::Add(int table, uint32_t key, double w) {
  // At most one new key per click and table, so a table is never more than
  // half full and Find always ends.
  const size_t s = Find(table, key);
  keys_[s] = key;
  values_[s] += w;  // 0 + w for a new key, as a map's value-initialised entry
}

double UserProfile::TextSimilarity(const index::TitleSignature& sig) const {
  // sum_c w_c * sim(c, sig) / sum_c w_c, with sim = share of equal slots
  // (0 for an empty signature on either side), regrouped by slot.
  static const index::TitleSignature kEmpty{};
  if (total_weight_ <= 0 || sig == kEmpty) return 0.0;
  double equal = 0;
  for (int i = 0; i < index::kSignatureSlots; ++i) {
    const uint32_t key = uint32_t{sig[i]} + 1;
    const size_t s = Find(kSlotTable + i, key);
    if (keys_[s] == key) equal += values_[s];
  }
  return equal / (total_weight_ * index::kSignatureSlots);
}

namespace {

void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetLe(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

}  // namespace

std::string EncodeCategoryMedians(int64_t generation, const CategoryMedians& medians) {
  std::vector<std::pair<uint32_t, float>> sorted(medians.begin(), medians.end());
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  out.reserve(1 + 8 + 4 + 8 * sorted.size());
  out.push_back(static_cast<char>(kCategoryMediansFormat));
  PutLe(&out, static_cast<uint64_t>(generation), 8);
  PutLe(&out, sorted.size(), 4);
  for (const auto& [leaf, median] : sorted) {
    PutLe(&out, leaf, 4);
    PutLe(&out, std::bit_cast<uint32_t>(median), 4);
  }
  return out;
}

Status DecodeCategoryMedians(std::string_view blob, int64_t* generation,
                             CategoryMedians* medians) {
  medians->clear();
  auto bad = [](const std::string& what) { return Status::Corruption("category medians: " + what); };
  const uint8_t* p = reinterpret_cast<const uint8_t*>(blob.data());
  if (blob.empty() || p[0] != kCategoryMediansFormat) {
    return bad(blob.empty() ? "empty" : "unknown format " + std::to_string(p[0]));
  }
  constexpr size_t kHeader = 1 + 8 + 4;
  if (blob.size() < kHeader) return bad("truncated header (" + std::to_string(blob.size()) + " bytes)");
  const uint64_t count = GetLe(p + 9, 4);
  if (blob.size() != kHeader + 8 * count) {
    return bad(std::to_string(blob.size()) + " bytes for " + std::to_string(count) +
               " categories (" + std::to_string(kHeader + 8 * count) + " expected)");
  }
  *generation = static_cast<int64_t>(GetLe(p + 1, 8));
  CategoryMedians out;
  out.reserve(count);
  uint32_t prev = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t* e = p + kHeader + 8 * i;
    const uint32_t leaf = static_cast<uint32_t>(GetLe(e, 4));
    const float median = std::bit_cast<float>(static_cast<uint32_t>(GetLe(e + 4, 4)));
    if (leaf <= prev) {
      return bad("entry " + std::to_string(i + 1) + " of " + std::to_string(count) +
                 ": leaf " + std::to_string(leaf) + (leaf == 0 ? " is 0" : " is out of order"));
    }
    if (std::isnan(median)) {
      return bad("entry " + std::to_string(i + 1) + " of " + std::to_string(count) +
                 ": the median of leaf " + std::to_string(leaf) + " is NaN");
    }
    prev = leaf;
    out.emplace(leaf, median);
  }
  *medians = std::move(out);
  return Status::Ok();
}

CategoryMedians ComputeCategoryMedians(const index::DocTable& docs) {
  // Counting sort of the prices by leaf category, then one selection of the
  // upper median (the element nth_element would put at size / 2) per
  // category. Leaves get dense ids from a flat open-addressing table (key 0
  // = empty; 0 is never a leaf), so the pass over the documents does one
  // probe of a small table per product and no allocation per category.
  std::vector<uint32_t> leaf_keys(64, 0), leaf_ids(64, 0);
  std::vector<uint32_t> leaves;  // dense id -> leaf hash
  std::vector<uint32_t> doc_leaf;
  std::vector<float> doc_price;
  doc_leaf.reserve(docs.capacity());
  doc_price.reserve(docs.capacity());
  index::AdviseHugePages(doc_leaf.data(), docs.capacity() * sizeof(uint32_t));
  index::AdviseHugePages(doc_price.data(), docs.capacity() * sizeof(float));
  int log2_slots = 6;
  auto slot_of = [&](uint32_t key) {
    const size_t mask = leaf_keys.size() - 1;
    size_t i = static_cast<uint32_t>(key * 0x9E3779B9u) >> (32 - log2_slots);
    while (leaf_keys[i] != key && leaf_keys[i] != 0) i = (i + 1) & mask;
    return i;
  };
  for (uint32_t d = 0; d < docs.capacity(); ++d) {
    if (!docs.live(d)) continue;
    const index::DocInfo& info = docs.info(d);
    uint32_t leaf = 0;
    for (uint32_t c : info.category) {
      if (c) leaf = c;
    }
    if (!leaf || std::isnan(info.price)) continue;
    size_t s = slot_of(leaf);
    if (leaf_keys[s] == 0) {
      if (2 * (leaves.size() + 1) > leaf_keys.size()) {  // keep the load at most 1/2
        ++log2_slots;
        leaf_keys.assign(size_t{1} << log2_slots, 0);
        leaf_ids.assign(leaf_keys.size(), 0);
        for (uint32_t id = 0; id < leaves.size(); ++id) {
          size_t t = slot_of(leaves[id]);
          leaf_keys[t] = leaves[id];
          leaf_ids[t] = id;
        }
        s = slot_of(leaf);
      }
      leaf_keys[s] = leaf;
      leaf_ids[s] = static_cast<uint32_t>(leaves.size());
      leaves.push_back(leaf);
    }
    doc_leaf.push_back(leaf_ids[s]);
    doc_price.push_back(info.price);
  }
  std::vector<uint32_t> start(leaves.size() + 1, 0);
  for (uint32_t id : doc_leaf) ++start[id + 1];
  for (size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<uint32_t> keys;  // OrderedBits of the prices
  index::ResizeAdvised(keys, doc_price.size());
  {
    std::vector<uint32_t> next(start.begin(), start.end() - 1);
    for (size_t i = 0; i < doc_leaf.size(); ++i) {
      keys[next[doc_leaf[i]]++] = OrderedBits(doc_price[i]);
    }
  }
  CategoryMedians medians;
  medians.reserve(leaves.size());
  for (uint32_t id = 0; id < leaves.size(); ++id) {
    uint32_t* first = keys.data() + start[id];
    const size_t n = start[id + 1] - start[id];
    uint32_t median;
    if (n < 512) {  // small: a radix pass would mostly clear its histogram
      std::nth_element(first, first + n / 2, first + n);
      median = first[n / 2];
    } else {
      median = RadixSelect(first, n, n / 2);
    }
    medians[leaves[id]] = FromOrderedBits(median);
  }
  return medians;
}

void ExtractFeatures(std::span<const index::Hit> hits, uint32_t num_clauses,
                     const index::DocTable& docs, const CategoryMedians& medians,
                     const UserProfile& profile, const TasteProfile* taste, FeatureMatrix* out,
                     std::vector<float>* uncertainty) {
  out->rows = hits.size();
  if (taste != nullptr && taste->empty()) taste = nullptr;
  if (uncertainty) uncertainty->assign(hits.size(), 0.0f);
  out->values.assign(hits.size() * kNumFeatures, 0.0f);
  const bool history = !profile.empty();
  const double mean_log_price = profile.mean_log_price();
  for (const index::Hit& h : hits) docs.PrefetchInfo(h.docid);
  for (size_t r = 0; r < hits.size(); ++r) {
    const index::Hit& h = hits[r];
    const index::DocInfo& d = docs.info(h.docid);
    float* x = out->row(r);
    x[kBm25f] = static_cast<float>(h.score);
    for (int f = 0; f < index::kNumFields; ++f) {
      x[kBm25fTitle + f] = static_cast<float>(h.field_scores[f]);
    }
    x[kBm25fWordBonus] = static_cast<float>(h.bonus_score);
    x[kTitleTermShare] =
        num_clauses ? static_cast<float>(h.title_clauses) / static_cast<float>(num_clauses) : 0.0f;
    x[kTitlePhrase] = (h.title_phrase || (num_clauses == 1 && h.title_clauses == 1)) ? 1.0f : 0.0f;
    x[kQueryBrand] = h.brand_match ? 1.0f : 0.0f;
    x[kQueryCategory] = h.category_match ? 1.0f : 0.0f;
    x[kLogReviews] = std::log1p(static_cast<float>(d.reviews));
    bool has_rating = !std::isnan(d.rating);
    x[kRating] = has_rating ? d.rating : 0.0f;
    x[kRatingMissing] = has_rating ? 0.0f : 1.0f;
    bool has_price = !std::isnan(d.price);
    double log_price = has_price ? std::log1p(std::max(0.0f, d.price)) : 0.0;
    x[kLogPrice] = static_cast<float>(log_price);
    uint32_t leaf = 0;
    for (uint32_t c : d.category) {
      if (c) leaf = c;
    }
    if (has_price && leaf) {
      auto it = medians.find(leaf);
      if (it != medians.end()) {
        x[kPriceVsCategory] = static_cast<float>(log_price - std::log1p(it->second));
      }
    }
    if (history) {
      x[kUserClicksProduct] = static_cast<float>(Log1pOrZero(profile.product(d.id_hash)));
      x[kUserClicksBrand] = d.brand ? static_cast<float>(Log1pOrZero(profile.brand(d.brand))) : 0;
      for (int l = 0; l < index::kCategoryLevels; ++l) {
        x[kUserClicksCat1 + l] =
            d.category[l] ? static_cast<float>(Log1pOrZero(profile.category(l, d.category[l])))
                          : 0.0f;
      }
      if (has_price && !std::isnan(mean_log_price)) {
        x[kUserPriceDistance] = static_cast<float>(std::fabs(log_price - mean_log_price));
      }
      x[kUserTextSimilarity] = static_cast<float>(profile.TextSimilarity(d.signature));
      x[kUserHasHistory] = 1.0f;
    }
    if (history && leaf) {
      x[kUserVisitLeaf] = static_cast<float>(Log1pOrZero(profile.visit_leaf(leaf)));
    }
    if (taste != nullptr || uncertainty != nullptr) {
      const TasteProfile::Scores t = taste ? taste->Score(TasteKeysOf(d, medians))
                                           : TasteProfile().Score(TasteKeys{});
      x[kUserBrandAffinity] = t.brand;
      x[kUserLeafAffinity] = t.leaf;
      x[kUserTierAffinity] = t.tier;
      x[kUserStyleAffinity] = t.style;
      if (uncertainty) (*uncertainty)[r] = t.uncertainty;
    }
  }
}

}  // namespace saiki::ranker
