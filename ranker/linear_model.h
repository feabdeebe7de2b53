// The personalised linear model: a global weight vector learned from all
// users, and per-user weight offsets shrunk towards zero (so a user's model
// is the global one plus what that user's own clicks taught it).
//
//   z_i        = (x_i - mean_i) / scale_i          (normalisation, stored with
//                                                    the global model)
//   score(x)   = sum_i (w_i + gate * delta_i) * z_i
//
// `gate` (0..1) weighs the personal part per query (see ranker.h). The
// normalisation follows the running mean and variance of the logged
// features (Welford); when it changes, weights are re-expressed so that the
// function in raw feature space stays the same.
//
// Stored as JSON (table `models`, column `params`):
//   {"features": [names...], "weights": [...], "mean": [...], "scale": [...],
//    "count": n, "m2": [...]}                     (global)
//   {"features": [names...], "delta": [...], "scale": [...]}   (personal)
// Loading checks the names against the features this build computes.
#ifndef SAIKI_RANKER_LINEAR_MODEL_H_
#define SAIKI_RANKER_LINEAR_MODEL_H_

#include <Eigen/Core>
#include <string>

#include "ranker/features.h"
#include "saiki/status.h"

namespace saiki::ranker {

struct GlobalLinearModel {
  Eigen::VectorXd weights = Eigen::VectorXd::Zero(kNumFeatures);
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(kNumFeatures);
  Eigen::VectorXd scale = Eigen::VectorXd::Ones(kNumFeatures);
  double count = 0;  // feature rows seen by the normaliser
  Eigen::VectorXd m2 = Eigen::VectorXd::Zero(kNumFeatures);

  // The cold-start model: weight 1 on normalised bm25f, 0 elsewhere, so that
  // a new deployment ranks exactly as BM25F until it has learned.
  static GlobalLinearModel Initial();

  // Adds feature rows to the running statistics and re-derives mean and
  // scale, re-expressing `weights` (and nothing else) for the new scale.
  void ObserveRows(const float* rows, size_t n);
  // The same for a batch summarised by its count, per-feature mean and sum
  // of squared deviations (Chan et al.'s parallel merge of Welford's
  // statistics). Impressions log these over all their candidates, so the
  // normalisation describes what the ranker ranks, not just the top shown.
  void ObserveMoments(double n, const double* mean, const double* m2);

  std::string ToJson() const;
  // kInvalidArgument when the JSON is malformed, holds NaN/inf, or names
  // other features than this build's.
  static Result<GlobalLinearModel> FromJson(const std::string& json);
};

struct PersonalLinearModel {
  Eigen::VectorXd delta = Eigen::VectorXd::Zero(kNumFeatures);
  Eigen::VectorXd scale = Eigen::VectorXd::Ones(kNumFeatures);  // scale delta was trained at

  // delta re-expressed for the global model's current scale.
  Eigen::VectorXd DeltaFor(const Eigen::VectorXd& current_scale) const;

  std::string ToJson() const;
  static Result<PersonalLinearModel> FromJson(const std::string& json);
};

// Normalises rows into z (rows x kNumFeatures, row-major in Eigen terms).
using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
Matrix Normalize(const FeatureMatrix& x, const GlobalLinearModel& model);

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_LINEAR_MODEL_H_
