// Position-bias (propensity) estimation for counterfactual learning to rank.
//
// Clicks on a result list are biased by position: a product shown at rank 0
// is examined far more often than one at rank 9, so raw clicks cannot be used
// as relevance labels. Counterfactual learning to rank (Joachims, Swaminathan,
// Schnabel, "Unbiased Learning-to-Rank with Biased Feedback", WSDM 2017)
// corrects this by weighting each click with 1 / theta_k, the probability
// that rank k is examined at all. This file estimates theta from the click
// log under the position-based model (PBM)
//
//     P(click | item d at rank k) = theta_k * gamma_d
//
// in three ways:
//   * EstimatePositionBias: EM over per-item relevance parameters gamma_d
//     (the classic PBM EM; items must have been shown at several ranks, which
//     re-ranking, new products and query variation provide in practice).
//   * EstimatePositionBiasWithFeatures: Regression-EM (Wang, Golbandi,
//     Bendersky, Metzler, Najork, "Position Bias Estimation for Unbiased
//     Learning to Rank in Personal Search", WSDM 2018): gamma is a logistic
//     regression on item features, which shares strength across items that
//     were each seen only a few times.
//   * EstimateFromSwaps: from randomized swaps of adjacent ranks (the
//     intervention harvesting of Joachims et al. 2017, here with adjacent
//     pairs as in Craswell et al.'s RandPair), which needs no model of
//     relevance at all but costs some ranking quality while it runs.
// and provides PowerLawPropensity, the prior used before enough clicks exist.
//
// All estimates are normalised so theta[0] == 1: only ratios are
// identifiable (theta * c, gamma / c explain the clicks equally well), so the
// EM variants fix theta_0 = 1, i.e. take the top rank to be always examined
// and relevance to be its click probability. They are clamped to
// [min_propensity, 1]. Everything is deterministic: the same input
// gives bit-identical output. The functions are pure and thread-compatible.
#ifndef SAIKI_RANKER_PROPENSITY_H_
#define SAIKI_RANKER_PROPENSITY_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "saiki/status.h"

namespace saiki::ranker {

// One shown result: which item was at which rank, and whether it was clicked.
struct ClickObservation {
  uint32_t position = 0;  // 0-based rank shown; must be < max_positions
  uint64_t item_key = 0;  // hash of (query, product): the unit of relevance
  bool clicked = false;
};

// One shown result for Regression-EM: the (query, product)'s features live in
// row `feature_row` of a PropensityFeatures, so observations of the same pair
// share one row instead of copying it.
struct FeatureClickObservation {
  uint32_t position = 0;     // 0-based rank shown; must be < max_positions
  uint32_t feature_row = 0;  // row of the PropensityFeatures; must be < rows()
  bool clicked = false;
};

// Row-major feature matrix, not owned: values.size() == rows * num_features.
// Features should be roughly standardised (mean 0, unit scale); an intercept
// is added internally, do not add a constant column.
struct PropensityFeatures {
  std::span<const float> values;
  int num_features = 0;

  size_t rows() const {
    return num_features > 0 ? values.size() / static_cast<size_t>(num_features) : 0;
  }
};

// One impression that took part in the randomized swap experiment for the
// adjacent ranks (position, position + 1): with some probability in (0, 1),
// fixed per pair and independent of the query, the two items the ranker put
// there were shown swapped. Clicks are recorded by rank, whatever item was
// shown there. Impressions outside the experiment must not be passed.
struct SwapObservation {
  uint32_t position = 0;       // upper rank k of the pair; must be < max_positions - 1
  bool swapped = false;        // the coin flip swapped the pair on this impression
  bool clicked_upper = false;  // a click at rank k
  bool clicked_lower = false;  // a click at rank k + 1
};

struct PropensityOptions {
  // Number of ranks estimated; the result has this many entries. [1, 1000].
  int max_positions = 10;
  // Maximum EM steps (SQUAREM-accelerated, three steps per cycle; see
  // propensity.cc). [1, 100000]. On simulated logs of 1e5+ impressions over
  // ten ranks, per-item EM needs about 200 steps to reach tolerance 1e-6 and
  // Regression-EM about 30.
  int iterations = 500;
  // EM stops when an EM step moves no theta_k by more than this. (0, 1).
  double tolerance = 1e-6;
  // A rank seen fewer times than this (or, for swaps, a pair whose experiment
  // has fewer impressions, an empty arm or no click on the upper rank) is not
  // estimated but extrapolated: see `prior_eta`. [0, 1e12]. Rank 0 (swap
  // pair 0) must meet it, since everything is normalised to it.
  double min_observations_per_position = 30;
  // Lower clamp of every returned propensity. Inverse-propensity weights are
  // at most 1 / min_propensity, which bounds their variance. (0, 1].
  double min_propensity = 0.01;
  // Extrapolation of unreliable ranks: theta_k = (k + 1)^-eta, with eta
  // fitted by least squares on log theta of the reliable ranks (through
  // theta_0 = 1), clamped to eta >= 0 and capped by the nearest reliable
  // rank above, so the curve never rises with rank. When no rank but 0 is
  // reliable, eta = prior_eta. [0, 10].
  double prior_eta = 1.0;
  // Regression-EM only: Newton steps on the logistic relevance model per
  // M-step (warm-started from the previous M-step). [1, 100].
  int newton_steps = 2;
  // Regression-EM only: each M-step update solves with a fixed bound on
  // the Hessian, X' diag(impressions / 4) X plus the penalty (Böhning and
  // Lindsay 1988: the logistic curvature gamma (1 - gamma) is at most 1/4),
  // factorised once per estimate, instead of the Hessian at the current
  // weights. Each update still lowers the M-step's loss (a bounded
  // majorisation step), so EM keeps its ascent and fixed point; the updates
  // are shorter, so it takes more EM steps, each a matrix-vector product
  // instead of a matrix-matrix one.
  bool curvature_bound = false;
  // Regression-EM only: L2 penalty on the (non-intercept) weights, relative
  // to the mean per-observation log loss. [0, 1e6].
  double l2 = 1e-4;
};

// What an estimate rests on; filled on success when a pointer is passed
// (contents unspecified after an error).
struct PropensityDiagnostics {
  // EM: impressions and clicks at rank k. Swaps: impressions in the
  // experiment for pair (k, k + 1) and clicks on either of its two ranks
  // (the last entry is 0).
  std::vector<int64_t> observations_per_position;
  std::vector<int64_t> clicks_per_position;
  // extrapolated[k]: theta_k came from the power-law fallback, not the data.
  std::vector<bool> extrapolated;
  // eta of the fallback curve (prior_eta when it was not fitted).
  double fitted_eta = 0;
  int iterations = 0;      // EM iterations run (0 for swaps)
  bool converged = false;  // EM met `tolerance` (always true for swaps)
};

// theta_k = 1 / (k + 1)^eta for k in [0, n): the power-law examination prior
// (eta ~ 1 for web search; Joachims et al. 2017 use it in simulation).
// n <= 0 gives an empty vector; eta < 0 or NaN is treated as 0 (all ones).
std::vector<double> PowerLawPropensity(int n, double eta);

// The examination probability of 0-based rank `pos`: the estimate's last
// value beyond its end, 1 for an empty estimate.
inline double PropensityAt(std::span<const double> propensity, size_t pos) {
  if (propensity.empty()) return 1.0;
  return propensity[pos < propensity.size() ? pos : propensity.size() - 1];
}

// Per-item PBM EM. Returns theta[0 .. max_positions) with theta[0] == 1.
// InvalidArgument when: options are out of range; `observations` is empty;
// an observation's position >= max_positions (the message names its index);
// rank 0 has fewer than min_observations_per_position observations or no
// click. Ranks that are not reliable are extrapolated (see PropensityOptions)
// and excluded from EM. Costs O(n log n) for grouping, then O(cells) per
// iteration, where a cell is a distinct (item, rank).
// Needs items seen several times each, at more than one rank: with ~2-3
// impressions per item, per-item gamma overfits and theta comes out far too
// flat (see the tests); use the feature variant then. Since theta_0 is fixed
// at 1 and every theta is a probability, a rank examined more often than
// rank 0 comes out as 1 and biases the others; EstimateFromSwaps has no such
// limit (its raw ratios may exceed 1 before clamping).
Result<std::vector<double>> EstimatePositionBias(
    std::span<const ClickObservation> observations, const PropensityOptions& options,
    PropensityDiagnostics* diagnostics = nullptr);

// Regression-EM: as EstimatePositionBias, but relevance is
// sigmoid(w . features + b), refitted in every M-step by `newton_steps`
// Newton steps of an L2-regularised logistic regression on the E-step's
// posterior relevance (soft labels, the expectation of the sampled binary
// labels of Wang et al., so the fit is deterministic). Only as good as the
// features: relevance the features cannot express leaks into theta.
// InvalidArgument additionally when num_features < 1, values.size() is not a
// multiple of it, a used row holds a non-finite value, or feature_row >= rows().
Result<std::vector<double>> EstimatePositionBiasWithFeatures(
    std::span<const FeatureClickObservation> observations, const PropensityFeatures& features,
    const PropensityOptions& options, PropensityDiagnostics* diagnostics = nullptr);

// From randomized adjacent swaps. Within the experiment for pair (k, k + 1),
// the non-swapped arm's click rate at rank k estimates theta_k * gamma_A and
// the swapped arm's theta_k * gamma_B (A, B the items the ranker put at k and
// k + 1); averaging the two arms' rates cancels relevance:
//     theta_{k+1} / theta_k = (ctr_{k+1}^noswap + ctr_{k+1}^swap)
//                           / (ctr_k^noswap + ctr_k^swap),
// which holds for any swap probability in (0, 1). Ratios are chained from
// theta_0 = 1; after the first unreliable pair the rest is extrapolated.
// InvalidArgument when: options are out of range; `observations` is empty;
// a position >= max_positions - 1; pair (0, 1) is not reliable.
Result<std::vector<double>> EstimateFromSwaps(std::span<const SwapObservation> observations,
                                              const PropensityOptions& options,
                                              PropensityDiagnostics* diagnostics = nullptr);

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_PROPENSITY_H_
