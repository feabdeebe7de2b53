// A user's taste profile: what the user clicks, and what they see and pass
// over, by attribute value — a Bayesian click model per user, fitted one
// session at a time.
//
// Why not only clicks: the history features (features.h) count what a user
// clicked, so they can say "likes brand B" but never "passes over brand C"
// — a brand the user was shown ten times at the top and never clicked looks
// the same as one they never saw. And why not a click rate per value: a
// user who likes one premium brand clicks premium products, so a rate per
// value would credit "premium" with what the brand earned and lift every
// other premium brand. The profile is a probit regression of the user's
// clicks on the attribute values of what they were shown, in the manner of
// AdPredictor (Graepel et al., ICML 2010): each value k has a Gaussian
// belief N(mu_k, var_k) about its weight, a click on a product (or a pass
// over it) updates the beliefs of all its values at once by assumed-density
// filtering, sharing the evidence by their uncertainty — so values that
// always come together with a value already explained learn little
// (explaining away), and each update costs one pass over the product's
// values. P(click | examined) = Phi(sum of the weights + the user's own
// bias), with noise variance kTasteNoise. A pass over a position examined
// with probability theta (position bias, propensity.h) counts with its noise
// scaled by 1/theta: a result at place 10 that was not clicked was most
// likely not seen.
//
// Between updates the beliefs drift back to the prior with the half-life
// (learn.half_life_days): mu by f = 2^(-age/half-life), var to f^2 var +
// (1 - f^2) prior. A value never seen has mean 0 and the prior variance.
//
// The attribute values of a product (TasteKeysOf), all from the docs table:
//   brand    the brand hash;
//   leaf     the deepest category hash;
//   tier     the price tier relative to the leaf: budget below 0.8 times the
//            leaf's median price, premium above 1.3 times, standard between
//            (no tier without a price or a leaf median);
//   words    the title's b-bit MinHash slots (index/doc_table.h): each slot
//            keeps one title word, sampled the same way for every product,
//            so a slot value stands for a word (高級, かわいい, オーガニック,
//            a colour): the profile learns style words without a style
//            column, which real catalogues do not have. Eight per product,
//            so each starts with an eighth of an attribute's prior variance.
//
// The profile is the user's alone: it is built from their own sessions,
// stored per user (storage/model_store.h), and deleted with the user. It is
// updated when a session closes (engine/learning.cc), so a session end costs
// one pass over that session's shown positions, not over the history.
#ifndef SAIKI_RANKER_TASTE_H_
#define SAIKI_RANKER_TASTE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "index/doc_table.h"
#include "ranker/features.h"

namespace saiki::ranker {

// kTasteBias is the user's own click propensity (one entry, value 0).
enum TasteKind : uint8_t {
  kTasteBrand = 0,
  kTasteLeaf,
  kTasteTier,
  kTasteWord,
  kTasteBias,
  kNumTasteKinds
};

inline constexpr double kTasteNoise = 1.0;      // probit noise variance (beta^2)
inline constexpr double kTastePriorVar = 1.0;   // prior variance of a brand, leaf or tier
inline constexpr double kTasteBiasMean = -1.0;  // prior of the bias: Phi(-1) = 16% of examined
// The bias is the least known at first: a page of passes should first say
// "this user clicks little", not "this user dislikes all of it".
inline constexpr double kTasteBiasVar = 4.0;
// A profile keeps at most this many values (those it knows least about go
// first: the smallest share of their prior variance explained).
inline constexpr size_t kTasteMaxKeys = 4096;
// The prior variance of a value of `kind`.
double TastePriorVar(TasteKind kind);

struct TasteKeys {
  uint32_t brand = 0, leaf = 0, tier = 0;  // 0: none
  index::TitleSignature words{};
  bool has_words = false;
};

// Price tier of a price relative to its leaf's median: 1 budget, 2
// standard, 3 premium; 0 when either is unknown.
uint32_t PriceTier(float price, float leaf_median);
TasteKeys TasteKeysOf(const index::DocInfo& doc, const CategoryMedians& medians);

class TasteProfile {
 public:
  struct Entry {
    uint64_t key = 0;  // kind << 32 | value
    float mean = 0, var = 0;
    bool operator==(const Entry&) const = default;
  };
  // What a product's values say, as features (features.h): the posterior
  // mean weight of its brand, leaf and tier, and the sum over its words;
  // and, for exploration, the posterior standard deviation of its total
  // weight (the prior's for what the profile never saw).
  struct Scores {
    float brand = 0, leaf = 0, tier = 0, style = 0;
    float uncertainty = 0;
  };

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  // Counts of what it learned from: clicked and shown positions.
  double total_clicks() const { return total_clicks_; }
  double total_exams() const { return total_exams_; }
  double at() const { return at_; }

  // Learns from a session's shown products, in order: `exam` is the
  // examination probability of the position it was shown at, `click` > 0
  // when it was clicked (carted or bought). Drifts the profile to `now`
  // first (half-life in seconds), then prunes to kTasteMaxKeys.
  // `page_clicked` false: its page had no click at all — evidence about
  // how often the user clicks (the bias), not about what they pass over,
  // so only the bias learns from it.
  struct Shown {
    TasteKeys keys;
    double exam = 0, click = 0;
    bool page_clicked = true;
  };
  void Update(std::span<const Shown> shown, double now, double half_life_seconds);

  // The posterior mean weight of a value (0 for one never seen).
  double Affinity(TasteKind kind, uint32_t value) const;
  Scores Score(const TasteKeys& keys) const;

  // The stored form (storage/model_store.h owns the blob codec).
  const std::vector<Entry>& entries() const { return entries_; }
  // nullopt unless the parts are a profile Update could have made: entries
  // in strictly increasing key order, at most kTasteMaxKeys, known kinds,
  // means finite, variances in (0, the kind's prior], counts finite >= 0.
  static std::optional<TasteProfile> FromParts(double at, double total_clicks,
                                               double total_exams, std::vector<Entry> entries);

  bool operator==(const TasteProfile&) const = default;

 private:
  const Entry* Find(uint64_t key) const;
  std::vector<Entry> entries_;  // sorted by key
  double total_clicks_ = 0, total_exams_ = 0;
  double at_ = 0;
};

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_TASTE_H_
