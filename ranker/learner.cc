// Pairwise learning and replay. See learner.h for the recipe.
#include "ranker/learner.h"

#include <cmath>

#include "ranker/metrics.h"
#include "ranker/propensity.h"

namespace saiki::ranker {
namespace {

// log(1 + exp(-m)) without overflow.
double LogisticLoss(double m) { return m > 0 ? std::log1p(std::exp(-m)) : -m + std::log1p(std::exp(m)); }

}  // namespace

std::vector<Preference> DerivePreferences(std::span<const LoggedImpression> impressions,
                                          std::span<const double> propensity, double clip) {
  std::vector<Preference> prefs;
  for (uint32_t i = 0; i < impressions.size(); ++i) {
    const auto& signal = impressions[i].signal;
    const uint32_t n = static_cast<uint32_t>(signal.size());
    for (uint32_t c = 0; c < n; ++c) {
      if (signal[c] == 0) continue;
      double p = PropensityAt(propensity, impressions[i].first_rank + c);
      double w = p > 0 ? std::min(clip, 1.0 / p) : clip;
      for (uint32_t o = 0; o < n; ++o) {
        if (signal[o] == 0) prefs.push_back({i, c, o, w});
      }
      // Stronger signals over weaker clicks: both were examined, no IPS.
      for (uint32_t o = 0; o < n; ++o) {
        if (signal[o] != 0 && signal[o] < signal[c]) prefs.push_back({i, c, o, 1.0});
      }
    }
  }
  return prefs;
}

Result<UpdateResult> PairwiseUpdate(std::span<const Matrix> z,
                                    std::span<const LoggedImpression> impressions,
                                    std::span<const Preference> prefs,
                                    const Eigen::VectorXd& base, const Eigen::VectorXd& theta0,
                                    bool gated, const UpdateOptions& options) {
  UpdateResult result;
  result.theta = theta0;
  double total_weight = 0;
  for (const Preference& p : prefs) total_weight += p.weight;
  auto loss_and_grad = [&](const Eigen::VectorXd& theta, Eigen::VectorXd* grad) {
    double loss = 0;
    if (grad) grad->setZero(theta.size());
    for (const Preference& p : prefs) {
      double g = gated ? impressions[p.impression].gate : 1.0;
      Eigen::VectorXd d = (z[p.impression].row(p.better) - z[p.impression].row(p.worse)).transpose();
      double margin = (base + g * theta).dot(d);
      loss += p.weight * LogisticLoss(margin);
      if (grad) *grad += p.weight * LogisticSlope(margin) * g * d;
    }
    if (total_weight > 0) {
      loss /= total_weight;
      if (grad) *grad /= total_weight;
    }
    loss += 0.5 * options.l2 * theta.squaredNorm();
    if (grad) *grad += options.l2 * theta;
    return loss;
  };
  Eigen::VectorXd grad;
  result.loss_before = loss_and_grad(result.theta, nullptr);
  for (int s = 0; s < options.steps; ++s) {
    loss_and_grad(result.theta, &grad);
    if (options.mask.size() > 0) {
      const Eigen::Index n = std::min(options.mask.size(), grad.size());
      grad.head(n) = grad.head(n).cwiseProduct(options.mask.head(n));
    }
    Eigen::VectorXd step = options.learning_rate * grad;
    double norm = step.norm();
    if (!std::isfinite(norm)) return Status::InvalidArgument("update: gradient is not finite");
    if (norm > options.max_step_norm) step *= options.max_step_norm / norm;
    result.theta -= step;
    double wnorm = result.theta.norm();
    if (wnorm > options.max_weight_norm) result.theta *= options.max_weight_norm / wnorm;
  }
  result.loss_after = loss_and_grad(result.theta, nullptr);
  if (!result.theta.allFinite() || !std::isfinite(result.loss_after)) {
    return Status::InvalidArgument("update: weights are not finite");
  }
  return result;
}

double ReplayMetric(std::span<const Matrix> z, std::span<const LoggedImpression> impressions,
                    std::span<const double> propensity, const Eigen::VectorXd& w,
                    const Eigen::VectorXd& delta, double clip) {
  IpsTerms total;
  std::vector<double> scores, props;
  for (size_t i = 0; i < impressions.size(); ++i) {
    const auto& imp = impressions[i];
    size_t n = imp.signal.size();
    Eigen::VectorXd s = z[i] * (w + imp.gate * delta);
    scores.assign(s.data(), s.data() + n);
    props.resize(n);
    for (size_t p = 0; p < n; ++p) props[p] = PropensityAt(propensity, imp.first_rank + p);
    total += IpsReciprocalRankTerms(scores, imp.signal, props, clip);
  }
  return total.Value();
}

}  // namespace saiki::ranker
