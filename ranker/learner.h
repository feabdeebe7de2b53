// Learning from a session's clicks: pairwise preferences with inverse-
// propensity weights, a few gradient steps on a regularised pairwise
// logistic loss, and the replay metric that guards every update.
//
// Recipe (README "How it learns"): counterfactual pairwise learning to rank
// (Joachims, Swaminathan & Schnabel, WSDM 2017, "Propensity SVM-Rank"). From
// each impression:
//   - a clicked result is preferred over every unclicked result shown with
//     it, above or below, weighted by 1 / propensity of the position it was
//     clicked at (clipped): summed over clicks, an unbiased estimate of the
//     rank the clicked results would get, however the ranking was shown.
//     Not Joachims 2002's "skip-above" pairs (a click over the unclicked
//     results above it only): those always prefer the lower-shown result,
//     so a learner fed them keeps undoing its own ranking; in the simulator
//     (eval/simulator.h) the personal weights learned from them made
//     rankings worse than none, these make them better;
//   - a purchased (or carted) result over a merely clicked one, weight 1
//     (both were examined);
// (propensities: ranker/propensity.h).
// The loss, for parameters theta on top of fixed base weights b, is
//   L(theta) = (1/W) sum_p w_p log(1 + exp(-(b + g_p theta) . (z_better - z_worse)))
//              + (l2/2) ||theta||^2
// where g_p is the impression's personalisation gate for a personal model
// and 1 for the global one. Steps are clipped in norm and weights bounded,
// so that a user who clicks everything, or 10,000 times, moves the model by
// a bounded amount; a NaN or infinity makes the update fail, never stored.
#ifndef SAIKI_RANKER_LEARNER_H_
#define SAIKI_RANKER_LEARNER_H_

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "ranker/features.h"
#include "ranker/linear_model.h"
#include "ranker/session_log.h"
#include "saiki/status.h"

namespace saiki::ranker {

struct Preference {
  uint32_t impression;
  uint32_t better, worse;  // positions
  double weight;
};

// d/dm of the pairwise logistic loss log(1 + exp(-m)), that is
// -1 / (1 + exp(m)), without overflow for any margin m. The session
// learner's steps and the global learner's full-batch fit both use it.
inline double LogisticSlope(double m) {
  return m > 0 ? -std::exp(-m) / (1 + std::exp(-m)) : -1 / (1 + std::exp(m));
}

// Pairs of all impressions, with IPS weights min(clip, 1/propensity[rank])
// of the clicked result's rank (first_rank + position: a click on a second
// page is a click at rank 11 and up, not at rank 1). Ranks beyond the
// propensity vector use its last value.
std::vector<Preference> DerivePreferences(std::span<const LoggedImpression> impressions,
                                          std::span<const double> propensity, double clip);

struct UpdateOptions {
  double learning_rate = 0.1;  // step size
  double l2 = 0.01;            // pull of theta towards 0
  int steps = 5;               // gradient steps per update
  double max_step_norm = 1.0;  // each step's norm is clipped to this
  double max_weight_norm = 100.0;
  // 1 where theta may move, 0 where it stays at theta0 (gradient and pull
  // alike); entries beyond its size may move. Empty: every entry.
  Eigen::VectorXd mask;
};

struct UpdateResult {
  Eigen::VectorXd theta;
  double loss_before = 0, loss_after = 0;
};

// Runs `steps` gradient steps from theta0. `z[i]` is impression i's
// normalised feature matrix. With `gated`, pair p's theta is scaled by its
// impression's gate (personal models); otherwise by 1 (global model).
// Fails with kInvalidArgument when a value becomes NaN or infinite.
Result<UpdateResult> PairwiseUpdate(std::span<const Matrix> z,
                                    std::span<const LoggedImpression> impressions,
                                    std::span<const Preference> prefs,
                                    const Eigen::VectorXd& base, const Eigen::VectorXd& theta0,
                                    bool gated, const UpdateOptions& options);

// The guard's replay metric: self-normalised IPS-weighted reciprocal rank of
// the clicked results when each logged impression is re-ranked by
// (w + gate * delta) . z. Higher is better; 0 without clicks.
double ReplayMetric(std::span<const Matrix> z, std::span<const LoggedImpression> impressions,
                    std::span<const double> propensity, const Eigen::VectorXd& w,
                    const Eigen::VectorXd& delta, double clip);

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_LEARNER_H_
