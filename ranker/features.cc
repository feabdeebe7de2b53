// Feature extraction. Definitions are in features.h; this file only
// computes them. Per candidate it reads the docs table (no SQLite) and the
// user's aggregated profile (a few hash lookups), so re-ranking 200
// candidates stays in the tens of microseconds.
#include "ranker/features.h"

#include <algorithm>
#include <cmath>

namespace saiki::ranker {

namespace {

// ln(1 + v) for the user's click weights, which are 0 for most candidates:
// log1p(0) is exactly 0, so the call is skipped then (a fifth of a
// personalised re-rank went into log1p).
inline double Log1pOrZero(double v) { return v == 0 ? 0.0 : std::log1p(v); }

}  // namespace

int FeatureIndex(std::string_view name) {
  for (int i = 0; i < kNumFeatures; ++i) {
    if (name == kFeatureNames[i]) return i;
  }
  return -1;
}

UserProfile::UserProfile(std::span<const ClickRecord> clicks, double now,
                         double half_life_seconds) {
  double price_weight = 0, price_sum = 0;
  // Sized for the clicks up front: the engine builds a profile per request,
  // and growing 13 maps click by click rehashed each of them ~8 times.
  products_.reserve(clicks.size());
  brands_.reserve(clicks.size());
  for (auto& m : categories_) m.reserve(clicks.size());
  for (auto& m : slot_weights_) m.reserve(clicks.size());
  for (const ClickRecord& c : clicks) {
    double age = std::max(0.0, now - c.at);
    double w = std::clamp(c.kind, 1, 3) * std::exp2(-age / half_life_seconds);
    if (!(w > 0)) continue;
    total_weight_ += w;
    if (c.id_hash) products_[c.id_hash] += w;
    if (c.brand) brands_[c.brand] += w;
    for (int l = 0; l < index::kCategoryLevels; ++l) {
      if (c.category[l]) categories_[l][c.category[l]] += w;
    }
    if (!std::isnan(c.price)) {
      price_sum += w * std::log1p(std::max(0.0f, c.price));
      price_weight += w;
    }
    static const index::TitleSignature kEmpty{};
    if (c.signature != kEmpty) {
      for (int i = 0; i < index::kSignatureSlots; ++i) slot_weights_[i][c.signature[i]] += w;
    }
  }
  mean_log_price_ = price_weight > 0 ? price_sum / price_weight : std::nan("");
}

double UserProfile::TextSimilarity(const index::TitleSignature& sig) const {
  // sum_c w_c * sim(c, sig) / sum_c w_c, with sim = share of equal slots
  // (0 for an empty signature on either side), regrouped by slot.
  static const index::TitleSignature kEmpty{};
  if (total_weight_ <= 0 || sig == kEmpty) return 0.0;
  double equal = 0;
  for (int i = 0; i < index::kSignatureSlots; ++i) {
    auto it = slot_weights_[i].find(sig[i]);
    if (it != slot_weights_[i].end()) equal += it->second;
  }
  return equal / (total_weight_ * index::kSignatureSlots);
}

CategoryMedians ComputeCategoryMedians(const index::DocTable& docs) {
  std::unordered_map<uint32_t, std::vector<float>> prices;
  for (uint32_t d = 0; d < docs.capacity(); ++d) {
    if (!docs.live(d)) continue;
    const index::DocInfo& info = docs.info(d);
    uint32_t leaf = 0;
    for (uint32_t c : info.category) {
      if (c) leaf = c;
    }
    if (leaf && !std::isnan(info.price)) prices[leaf].push_back(info.price);
  }
  CategoryMedians medians;
  for (auto& [cat, v] : prices) {
    auto mid = v.begin() + v.size() / 2;
    std::nth_element(v.begin(), mid, v.end());
    medians[cat] = *mid;
  }
  return medians;
}

void ExtractFeatures(std::span<const index::Hit> hits, uint32_t num_clauses,
                     const index::DocTable& docs, const CategoryMedians& medians,
                     const UserProfile& profile, FeatureMatrix* out) {
  out->rows = hits.size();
  out->values.assign(hits.size() * kNumFeatures, 0.0f);
  const bool history = !profile.empty();
  const double mean_log_price = profile.mean_log_price();
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
  }
}

}  // namespace saiki::ranker
