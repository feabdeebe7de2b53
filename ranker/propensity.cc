// Position-bias estimation: PBM EM with per-item or regression relevance,
// and randomized adjacent swaps (see propensity.h for the models and papers).
//
// Layout: observations are first grouped into cells, one per distinct
// (relevance group, rank), holding impression and click counts; EM then runs
// over cells, so its cost per iteration does not depend on the log's length.
// Every buffer EM touches per cell or per item is sized before the loop; the
// only allocation inside it is the Newton solve of Regression-EM, which is
// (features + 1)^2.
#include "ranker/propensity.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <string>

#include <Eigen/Dense>

namespace saiki::ranker {
namespace {

// Probabilities inside EM stay in [kEps, 1 - kEps]: the posteriors divide by
// 1 - theta * gamma, which must not reach 0.
constexpr double kEps = 1e-6;

double ClampProb(double p) { return std::clamp(p, kEps, 1.0 - kEps); }

// One distinct (group, rank): a group is an item key (per-item EM) or a
// feature row (Regression-EM).
struct Cell {
  uint32_t group = 0;
  uint32_t position = 0;
  double impressions = 0;
  double clicks = 0;
};

// Cells sorted by group, with group g's cells at [begin[g], begin[g + 1]).
struct CellTable {
  std::vector<Cell> cells;
  std::vector<size_t> begin;
  std::vector<double> impressions;  // per group: sum of its cells' impressions
  std::vector<uint32_t> source;     // per group: the caller's row (features only)
  size_t num_groups() const { return impressions.size(); }
};

Status ValidateOptions(const PropensityOptions& o) {
  auto bad = [](const std::string& what) {
    return Status::InvalidArgument("PropensityOptions." + what);
  };
  if (o.max_positions < 1 || o.max_positions > 1000)
    return bad("max_positions = " + std::to_string(o.max_positions) + " is outside [1, 1000]");
  if (o.iterations < 1 || o.iterations > 100000)
    return bad("iterations = " + std::to_string(o.iterations) + " is outside [1, 100000]");
  if (!(o.tolerance > 0 && o.tolerance < 1))
    return bad("tolerance = " + std::to_string(o.tolerance) + " is outside (0, 1)");
  if (!(o.min_observations_per_position >= 0 && o.min_observations_per_position <= 1e12))
    return bad("min_observations_per_position = " +
               std::to_string(o.min_observations_per_position) + " is outside [0, 1e12]");
  if (!(o.min_propensity > 0 && o.min_propensity <= 1))
    return bad("min_propensity = " + std::to_string(o.min_propensity) + " is outside (0, 1]");
  if (!(o.prior_eta >= 0 && o.prior_eta <= 10))
    return bad("prior_eta = " + std::to_string(o.prior_eta) + " is outside [0, 10]");
  if (o.newton_steps < 1 || o.newton_steps > 100)
    return bad("newton_steps = " + std::to_string(o.newton_steps) + " is outside [1, 100]");
  if (!(o.l2 >= 0 && o.l2 <= 1e6))
    return bad("l2 = " + std::to_string(o.l2) + " is outside [0, 1e6]");
  return Status::Ok();
}

// Checks positions and counts impressions and clicks per rank.
template <typename Obs>
Status CountPositions(std::span<const Obs> observations, int max_positions,
                      std::vector<int64_t>* impressions, std::vector<int64_t>* clicks) {
  if (observations.empty()) return Status::InvalidArgument("no click observations given");
  impressions->assign(max_positions, 0);
  clicks->assign(max_positions, 0);
  for (size_t i = 0; i < observations.size(); ++i) {
    const uint32_t p = observations[i].position;
    if (p >= static_cast<uint32_t>(max_positions)) {
      return Status::InvalidArgument("observation " + std::to_string(i) + ": position " +
                                     std::to_string(p) + " is >= max_positions " +
                                     std::to_string(max_positions));
    }
    ++(*impressions)[p];
    (*clicks)[p] += observations[i].clicked ? 1 : 0;
  }
  return Status::Ok();
}

// Groups (group key, position, clicked) triples into cells. `key` of an
// observation is its item key or feature row; groups are numbered densely in
// key order. Observations at unreliable ranks are left out.
template <typename Obs, typename KeyFn>
CellTable BuildCells(std::span<const Obs> observations, const std::vector<bool>& reliable,
                     KeyFn key) {
  struct Entry {
    uint64_t key;
    uint32_t position;
    bool clicked;
  };
  std::vector<Entry> entries;
  entries.reserve(observations.size());
  for (const Obs& o : observations) {
    if (reliable[o.position]) entries.push_back({key(o), o.position, o.clicked});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.key != b.key ? a.key < b.key : a.position < b.position;
  });
  CellTable t;
  for (size_t i = 0; i < entries.size();) {
    const uint64_t k = entries[i].key;
    t.begin.push_back(t.cells.size());
    t.source.push_back(static_cast<uint32_t>(k));
    const uint32_t group = static_cast<uint32_t>(t.impressions.size());
    double group_impressions = 0;
    while (i < entries.size() && entries[i].key == k) {
      Cell c{group, entries[i].position, 0, 0};
      for (; i < entries.size() && entries[i].key == k && entries[i].position == c.position;
           ++i) {
        c.impressions += 1;
        c.clicks += entries[i].clicked ? 1 : 0;
      }
      group_impressions += c.impressions;
      t.cells.push_back(c);
    }
    t.impressions.push_back(group_impressions);
  }
  t.begin.push_back(t.cells.size());
  return t;
}

// Replaces unreliable ranks of a theta normalised to theta[0] == 1 (rank 0
// reliable) by the power-law fallback, then clamps to [min_propensity, 1].
// The fit is a least-squares line through the origin in (log(k+1), log
// theta_k) over reliable ranks k >= 1: one parameter, so two or three good
// ranks already pin it, and it cannot rise with rank once eta >= 0.
void ExtrapolateAndClamp(const std::vector<bool>& reliable, const PropensityOptions& options,
                         std::vector<double>* theta, PropensityDiagnostics* diagnostics) {
  const int n = static_cast<int>(theta->size());
  double sxy = 0, sxx = 0;
  for (int k = 1; k < n; ++k) {
    if (!reliable[k]) continue;
    const double x = std::log(k + 1.0);
    const double y = std::log(std::clamp((*theta)[k], options.min_propensity, 1.0));
    sxy += x * y;
    sxx += x * x;
  }
  const double eta = sxx > 0 ? std::max(0.0, -sxy / sxx) : options.prior_eta;
  double last_reliable = 1.0;  // theta of the nearest reliable rank above k
  for (int k = 0; k < n; ++k) {
    double& t = (*theta)[k];
    if (reliable[k]) {
      t = std::clamp(t, options.min_propensity, 1.0);
      last_reliable = t;
    } else {
      t = std::clamp(std::min(std::pow(k + 1.0, -eta), last_reliable), options.min_propensity,
                     1.0);
    }
  }
  if (diagnostics != nullptr) {
    diagnostics->extrapolated.assign(n, false);
    for (int k = 0; k < n; ++k) diagnostics->extrapolated[k] = !reliable[k];
    diagnostics->fitted_eta = eta;
  }
}

// Per-item relevance: parameters are gamma_d, and the M-step sets each to
// the posterior mean relevance of the item's impressions (the closed-form
// PBM M-step).
class PerItemRelevance {
 public:
  explicit PerItemRelevance(const CellTable& t) : gamma_(t.num_groups()) {}
  Eigen::Index size() const { return static_cast<Eigen::Index>(gamma_.size()); }
  // Starts each item at its click rate over its expected examinations, so EM
  // starts near the solution instead of walking to it.
  void Init(const CellTable& t, const std::vector<double>& theta, double* params) const {
    for (size_t g = 0; g < t.num_groups(); ++g) {
      double clicks = 0, examined = 0;
      for (size_t i = t.begin[g]; i < t.begin[g + 1]; ++i) {
        clicks += t.cells[i].clicks;
        examined += t.cells[i].impressions * theta[t.cells[i].position];
      }
      params[g] = ClampProb(examined > 0 ? clicks / examined : 0.5);
    }
  }
  void Load(const double* params) { std::copy(params, params + gamma_.size(), gamma_.begin()); }
  double gamma(size_t g) const { return gamma_[g]; }
  double Penalty() const { return 0; }
  void Fit(const CellTable& t, const std::vector<double>& relevant, double* params) {
    for (size_t g = 0; g < gamma_.size(); ++g) {
      params[g] = ClampProb(relevant[g] / t.impressions[g]);
    }
  }
  void Project(double* params) const {
    for (size_t g = 0; g < gamma_.size(); ++g) params[g] = ClampProb(params[g]);
  }

 private:
  std::vector<double> gamma_;
};

// Regression relevance: gamma = sigmoid(X w), X = [features, 1] of the rows
// that occur; parameters are w. The M-step takes Newton steps, from the
// current w, on the weighted soft-label log loss
//   (1 / N) sum_g N_g * CE(target_g, sigmoid(x_g . w)) + l2 / 2 * |w_features|^2
// where N_g is the row's impressions and target_g its posterior relevance.
// A few Newton steps do not maximise exactly, which makes this a generalised
// EM: each step still raises the expected complete-data likelihood. With
// PropensityOptions::curvature_bound the steps solve with a fixed bound on
// the Hessian instead (majorisation-minimisation), which also lowers the
// loss at every step.
class RegressionRelevance {
 public:
  RegressionRelevance(const CellTable& t, const PropensityFeatures& f, const PropensityOptions& o)
      : x_(t.num_groups(), f.num_features + 1),
        w_(Eigen::VectorXd::Zero(f.num_features + 1)),
        weight_(t.num_groups()),
        target_(t.num_groups()),
        gamma_(t.num_groups()),
        z_(t.num_groups()),
        residual_(t.num_groups()),
        grad_(f.num_features + 1),
        hess_(f.num_features + 1, f.num_features + 1),
        scaled_x_(t.num_groups(), f.num_features + 1),
        newton_steps_(o.newton_steps),
        curvature_bound_(o.curvature_bound),
        l2_(o.l2) {
    const int d = f.num_features;
    total_ = std::accumulate(t.impressions.begin(), t.impressions.end(), 0.0);
    for (size_t g = 0; g < t.num_groups(); ++g) {
      const float* row = f.values.data() + static_cast<size_t>(t.source[g]) * d;
      for (int j = 0; j < d; ++j) x_(g, j) = row[j];
      x_(g, d) = 1.0;
      weight_(g) = t.impressions[g] / total_;
    }
    if (curvature_bound_) {
      // gamma (1 - gamma) <= 1/4: X' diag(weight / 4) X + the ridge bounds
      // the Hessian everywhere, so one factorisation serves every step.
      scaled_x_ = x_.array().colwise() * (0.25 * weight_.array());
      hess_.noalias() = scaled_x_.transpose() * x_;
      AddRidge(&hess_);
      bound_.compute(hess_);
      scaled_x_.resize(0, 0);
    }
    Predict();
  }
  Eigen::Index size() const { return w_.size(); }
  // Starts from w = 0, every item at relevance 1/2.
  void Init(const CellTable&, const std::vector<double>&, double* params) const {
    std::fill(params, params + w_.size(), 0.0);
  }
  void Load(const double* params) {
    const Eigen::Map<const Eigen::VectorXd> w(params, w_.size());
    if (w == w_) return;  // Fit left gamma_ at this w already
    w_ = w;
    Predict();
  }
  double gamma(size_t g) const { return gamma_(g); }
  // On the scale of the log-likelihood (a sum over impressions).
  double Penalty() const {
    const Eigen::Index d = w_.size() - 1;
    return 0.5 * l2_ * total_ * w_.head(d).squaredNorm();
  }
  void Fit(const CellTable& t, const std::vector<double>& relevant, double* params) {
    for (size_t g = 0; g < t.num_groups(); ++g) target_(g) = relevant[g] / t.impressions[g];
    const Eigen::Index d = w_.size() - 1;
    for (int step = 0; step < newton_steps_; ++step) {
      // gamma_ holds sigmoid(X w) for the current w (Load or the previous
      // step ran Predict), so gradient and Hessian need no extra pass.
      residual_ = weight_.array() * (gamma_.array() - target_.array());
      grad_.noalias() = x_.transpose() * residual_;
      grad_.head(d) += l2_ * w_.head(d);
      if (curvature_bound_) {
        w_ -= bound_.solve(grad_);
      } else {
        // X' diag(c) X as S' S with S = diag(sqrt(c)) X: a symmetric rank
        // update computes one triangle, half a general product's work, and
        // the LDLT reads only that triangle.
        scaled_x_ = x_.array().colwise() *
                    (weight_.array() * gamma_.array() * (1.0 - gamma_.array())).sqrt();
        hess_.setZero();
        hess_.selfadjointView<Eigen::Lower>().rankUpdate(scaled_x_.transpose());
        AddRidge(&hess_);
        w_ -= hess_.ldlt().solve(grad_);
      }
      Predict();
    }
    std::copy(w_.data(), w_.data() + w_.size(), params);
  }
  // Keeps extrapolated weights (see RunEm) from saturating every sigmoid.
  void Project(double* params) const {
    for (Eigen::Index j = 0; j < w_.size(); ++j) params[j] = std::clamp(params[j], -50.0, 50.0);
  }

 private:
  void AddRidge(Eigen::MatrixXd* h) const {
    const Eigen::Index d = w_.size() - 1;
    h->diagonal().head(d).array() += l2_;
    // A tiny ridge on everything keeps the solve defined when a feature is
    // constant (it then duplicates the intercept).
    h->diagonal().array() += 1e-9;
  }
  void Predict() {
    z_.noalias() = x_ * w_;
    // Eigen's array exp is vectorised: this is most of the cost of a step.
    gamma_ = (1.0 + (-z_.array().max(-30.0).min(30.0)).exp()).inverse().max(kEps).min(1.0 - kEps);
  }

  Eigen::MatrixXd x_;
  Eigen::VectorXd w_, weight_, target_, gamma_, z_, residual_, grad_;
  Eigen::MatrixXd hess_, scaled_x_;
  Eigen::LDLT<Eigen::MatrixXd> bound_;
  int newton_steps_;
  bool curvature_bound_;
  double l2_;
  double total_ = 0;
};

// PBM EM over cells (unreliable ranks are already excluded from them), with
// theta_0 fixed at 1 (see InitialTheta). The parameters live in one vector
// p = [theta_1 .. theta_{n-1}, relevance model parameters].
//
// E-step, for a cell (d, k) with n impressions and c clicks:
//   click:     examined and relevant
//   no click:  P(E=1, R=0) = theta (1 - gamma) / (1 - theta gamma)
//              P(E=0, R=1) = (1 - theta) gamma / (1 - theta gamma)
// M-step: theta_k = expected examinations / impressions at k; relevance is
// refitted by the model to the expected relevant impressions per group.
//
// Plain EM crawls here: most impressions are unclicked, and an unclicked
// impression says little about which of examination and relevance was
// missing, so each step recovers only a small share of the distance (on a
// simulated 150k-impression log, about 800 steps to move less than 1e-6, and
// steps of 1e-4 while still 1e-2 away). The EM map is therefore accelerated
// with SQUAREM (Varadhan & Roland, "Simple and Globally Convergent Methods for
// Accelerating the Convergence of Any EM Algorithm", Scand. J. Stat. 2008,
// scheme S3): from p0 two EM steps give r = p1 - p0 and v = p2 - 2 p1 + p0,
// the extrapolation p0 - 2 a r + a^2 v with a = -|r| / |v| is projected back
// into bounds and stabilised by one more EM step, and it is kept only if the
// likelihood did not drop (else p2, an ordinary EM result, is).
template <typename Model>
class PbmEm {
 public:
  PbmEm(const CellTable& t, int num_positions, Model* model)
      : t_(t),
        n_(num_positions),
        model_(model),
        impressions_(num_positions, 0.0),
        examined_(num_positions),
        theta_(num_positions, 1.0),
        relevant_(t.num_groups()) {
    for (const Cell& c : t.cells) impressions_[c.position] += c.impressions;
  }

  Eigen::Index size() const { return n_ - 1 + model_->size(); }

  // Starts theta from `theta` (theta[0] must be 1) and relevance from the
  // model's initialiser.
  void Init(const std::vector<double>& theta, Eigen::VectorXd* p) const {
    for (int k = 1; k < n_; ++k) (*p)(k - 1) = theta[k];
    model_->Init(t_, theta, p->data() + n_ - 1);
  }

  // One EM step from `in` to `out`; returns the (penalised) log-likelihood
  // at `in`, which the E-step pass computes on the way.
  double Step(const Eigen::VectorXd& in, Eigen::VectorXd* out) {
    for (int k = 1; k < n_; ++k) theta_[k] = in(k - 1);
    model_->Load(in.data() + n_ - 1);
    std::fill(examined_.begin(), examined_.end(), 0.0);
    double log_likelihood = 0;
    for (size_t g = 0; g < t_.num_groups(); ++g) {
      const double gamma = model_->gamma(g);
      double rel = 0;
      for (size_t i = t_.begin[g]; i < t_.begin[g + 1]; ++i) {
        const Cell& c = t_.cells[i];
        const double th = theta_[c.position];
        const double skipped = c.impressions - c.clicks;
        const double denom = 1.0 - th * gamma;
        examined_[c.position] += c.clicks + skipped * th * (1.0 - gamma) / denom;
        rel += c.clicks + skipped * (1.0 - th) * gamma / denom;
        log_likelihood += c.clicks * std::log(th * gamma) + skipped * std::log(denom);
      }
      relevant_[g] = rel;
    }
    log_likelihood -= model_->Penalty();
    for (int k = 1; k < n_; ++k) {
      // Unreliable ranks have no cells and keep their starting value.
      (*out)(k - 1) = impressions_[k] > 0 ? ClampProb(examined_[k] / impressions_[k]) : in(k - 1);
    }
    model_->Fit(t_, relevant_, out->data() + n_ - 1);
    return log_likelihood;
  }

  void Project(Eigen::VectorXd* p) const {
    for (int k = 1; k < n_; ++k) (*p)(k - 1) = ClampProb((*p)(k - 1));
    model_->Project(p->data() + n_ - 1);
  }

  // Largest move of any theta_k between two parameter vectors.
  double ThetaChange(const Eigen::VectorXd& a, const Eigen::VectorXd& b) const {
    return n_ > 1 ? (a.head(n_ - 1) - b.head(n_ - 1)).cwiseAbs().maxCoeff() : 0.0;
  }

 private:
  const CellTable& t_;
  const int n_;
  Model* model_;
  std::vector<double> impressions_, examined_, theta_, relevant_;
};

// Runs accelerated EM from `theta` (theta[0] == 1) and leaves the estimate in
// it. Converged means a plain EM step moved no theta_k by more than
// `tolerance`; `iterations` counts EM steps (three per SQUAREM cycle).
template <typename Model>
void RunEm(const CellTable& t, const PropensityOptions& options, Model* model,
           std::vector<double>* theta, PropensityDiagnostics* diagnostics) {
  const int n = static_cast<int>(theta->size());
  PbmEm<Model> em(t, n, model);
  const Eigen::Index size = em.size();
  Eigen::VectorXd p0(size), p1(size), p2(size), r(size), v(size), extrapolated(size), p3(size);
  em.Init(*theta, &p0);
  int steps = 0;
  bool converged = false;
  while (steps < options.iterations) {
    const double log_likelihood0 = em.Step(p0, &p1);
    ++steps;
    if (em.ThetaChange(p0, p1) < options.tolerance) {
      converged = true;
      p0.swap(p1);
      break;
    }
    if (steps == options.iterations) {
      p0.swap(p1);
      break;
    }
    em.Step(p1, &p2);
    ++steps;
    r = p1 - p0;
    v = p2 - p1 - r;
    const double v_norm = v.norm();
    if (steps == options.iterations || v_norm == 0) {
      p0.swap(p2);
      continue;
    }
    // a <= -1; a = -1 gives p2 itself, more negative goes further along the
    // direction EM is crawling in.
    const double a = std::min(-1.0, -r.norm() / v_norm);
    extrapolated = p0 - 2.0 * a * r + a * a * v;
    em.Project(&extrapolated);
    const double log_likelihood = em.Step(extrapolated, &p3);
    ++steps;
    if (std::isfinite(log_likelihood) && log_likelihood >= log_likelihood0) {
      p0.swap(p3);
    } else {
      p0.swap(p2);
    }
  }
  for (int k = 1; k < n; ++k) (*theta)[k] = p0(k - 1);
  if (diagnostics != nullptr) {
    diagnostics->iterations = steps;
    diagnostics->converged = converged;
  }
}

// The shared checks and set-up of both EM variants: positions, counts,
// which ranks are reliable, and that rank 0 can anchor the normalisation.
template <typename Obs>
Status PrepareEm(std::span<const Obs> observations, const PropensityOptions& options,
                 std::vector<bool>* reliable, PropensityDiagnostics* diagnostics) {
  SAIKI_RETURN_IF_ERROR(ValidateOptions(options));
  std::vector<int64_t> impressions, clicks;
  SAIKI_RETURN_IF_ERROR(
      CountPositions(observations, options.max_positions, &impressions, &clicks));
  if (impressions[0] < options.min_observations_per_position) {
    return Status::InvalidArgument(
        "position 0 has " + std::to_string(impressions[0]) +
        " observations, fewer than min_observations_per_position = " +
        std::to_string(options.min_observations_per_position) +
        "; every propensity is relative to position 0");
  }
  if (clicks[0] == 0) {
    return Status::InvalidArgument(
        "position 0 has no click in " + std::to_string(impressions[0]) +
        " observations; every propensity is relative to position 0");
  }
  reliable->assign(options.max_positions, false);
  for (int k = 0; k < options.max_positions; ++k) {
    (*reliable)[k] = impressions[k] > 0 && impressions[k] >= options.min_observations_per_position;
  }
  if (diagnostics != nullptr) {
    diagnostics->observations_per_position = std::move(impressions);
    diagnostics->clicks_per_position = std::move(clicks);
  }
  return Status::Ok();
}

// EM fixes theta_0 = 1: the top rank is taken to be always examined. The
// PBM only identifies ratios (theta * c and gamma / c explain the clicks
// equally well), and with theta_0 free EM drifts along that ridge for
// hundreds of iterations, and further where it lets rarely seen items reach
// gamma = 1 (overfitting them). Fixing the scale removes the ridge; the other
// ranks start from the power-law prior.
std::vector<double> InitialTheta(const PropensityOptions& options) {
  return PowerLawPropensity(options.max_positions, options.prior_eta);
}

}  // namespace

std::vector<double> PowerLawPropensity(int n, double eta) {
  if (n <= 0) return {};
  if (!(eta > 0)) eta = 0;  // also catches NaN
  std::vector<double> theta(n);
  for (int k = 0; k < n; ++k) theta[k] = std::pow(k + 1.0, -eta);
  return theta;
}

Result<std::vector<double>> EstimatePositionBias(std::span<const ClickObservation> observations,
                                                 const PropensityOptions& options,
                                                 PropensityDiagnostics* diagnostics) {
  std::vector<bool> reliable;
  SAIKI_RETURN_IF_ERROR(PrepareEm(observations, options, &reliable, diagnostics));
  const CellTable cells = BuildCells(observations, reliable,
                                     [](const ClickObservation& o) { return o.item_key; });
  std::vector<double> theta = InitialTheta(options);
  PerItemRelevance model(cells);
  RunEm(cells, options, &model, &theta, diagnostics);
  ExtrapolateAndClamp(reliable, options, &theta, diagnostics);
  return theta;
}

Result<std::vector<double>> EstimatePositionBiasWithFeatures(
    std::span<const FeatureClickObservation> observations, const PropensityFeatures& features,
    const PropensityOptions& options, PropensityDiagnostics* diagnostics) {
  if (features.num_features < 1) {
    return Status::InvalidArgument("PropensityFeatures.num_features = " +
                                   std::to_string(features.num_features) + " must be >= 1");
  }
  if (features.values.size() % static_cast<size_t>(features.num_features) != 0) {
    return Status::InvalidArgument(
        "PropensityFeatures has " + std::to_string(features.values.size()) +
        " values, not a multiple of num_features = " + std::to_string(features.num_features));
  }
  std::vector<bool> reliable;
  SAIKI_RETURN_IF_ERROR(PrepareEm(observations, options, &reliable, diagnostics));
  const size_t rows = features.rows();
  for (size_t i = 0; i < observations.size(); ++i) {
    const uint32_t r = observations[i].feature_row;
    if (r >= rows) {
      return Status::InvalidArgument("observation " + std::to_string(i) + ": feature_row " +
                                     std::to_string(r) + " is >= the feature matrix's " +
                                     std::to_string(rows) + " rows");
    }
  }
  const CellTable cells = BuildCells(
      observations, reliable,
      [](const FeatureClickObservation& o) { return uint64_t{o.feature_row}; });
  const size_t d = static_cast<size_t>(features.num_features);
  for (uint32_t row : cells.source) {
    for (size_t j = 0; j < d; ++j) {
      if (!std::isfinite(features.values[row * d + j])) {
        return Status::InvalidArgument("feature_row " + std::to_string(row) + ", feature " +
                                       std::to_string(j) + " is not finite");
      }
    }
  }
  std::vector<double> theta = InitialTheta(options);
  RegressionRelevance model(cells, features, options);
  RunEm(cells, options, &model, &theta, diagnostics);
  ExtrapolateAndClamp(reliable, options, &theta, diagnostics);
  return theta;
}

Result<std::vector<double>> EstimateFromSwaps(std::span<const SwapObservation> observations,
                                              const PropensityOptions& options,
                                              PropensityDiagnostics* diagnostics) {
  SAIKI_RETURN_IF_ERROR(ValidateOptions(options));
  if (observations.empty()) return Status::InvalidArgument("no swap observations given");
  const int n = options.max_positions;
  if (n < 2) {
    return Status::InvalidArgument("swap estimation needs max_positions >= 2, got " +
                                   std::to_string(n));
  }
  // Per pair k and arm (0 = as ranked, 1 = swapped): impressions and clicks
  // at the upper and lower rank.
  struct Arm {
    double impressions = 0, upper = 0, lower = 0;
  };
  std::vector<std::array<Arm, 2>> pairs(n - 1);
  for (size_t i = 0; i < observations.size(); ++i) {
    const SwapObservation& o = observations[i];
    if (o.position >= static_cast<uint32_t>(n - 1)) {
      return Status::InvalidArgument(
          "swap observation " + std::to_string(i) + ": position " + std::to_string(o.position) +
          " is >= max_positions - 1 = " + std::to_string(n - 1) +
          " (the pair is position, position + 1)");
    }
    Arm& arm = pairs[o.position][o.swapped ? 1 : 0];
    arm.impressions += 1;
    arm.upper += o.clicked_upper ? 1 : 0;
    arm.lower += o.clicked_lower ? 1 : 0;
  }
  // Ratios chain from rank 0 until the first pair that cannot give one.
  std::vector<double> theta(n, 1.0);
  std::vector<bool> reliable(n, false);
  reliable[0] = true;
  bool chained = true;
  for (int k = 0; k + 1 < n; ++k) {
    const Arm& kept = pairs[k][0];
    const Arm& swapped = pairs[k][1];
    const double upper = kept.impressions > 0 && swapped.impressions > 0
                             ? kept.upper / kept.impressions + swapped.upper / swapped.impressions
                             : 0;
    const double lower = kept.impressions > 0 && swapped.impressions > 0
                             ? kept.lower / kept.impressions + swapped.lower / swapped.impressions
                             : 0;
    const bool ok = kept.impressions + swapped.impressions >=
                        std::max(1.0, options.min_observations_per_position) &&
                    kept.impressions > 0 && swapped.impressions > 0 && upper > 0;
    if (k == 0 && !ok) {
      return Status::InvalidArgument(
          "the swap experiment for positions 0 and 1 has " +
          std::to_string(static_cast<int64_t>(kept.impressions)) + " unswapped and " +
          std::to_string(static_cast<int64_t>(swapped.impressions)) + " swapped impressions and " +
          std::to_string(static_cast<int64_t>(kept.upper + swapped.upper)) +
          " clicks at position 0; it needs both arms, a click at position 0 and at least "
          "min_observations_per_position = " +
          std::to_string(options.min_observations_per_position) + " impressions");
    }
    chained = chained && ok;
    if (chained) {
      theta[k + 1] = theta[k] * (lower / upper);
      reliable[k + 1] = true;
    }
  }
  if (diagnostics != nullptr) {
    diagnostics->observations_per_position.assign(n, 0);
    diagnostics->clicks_per_position.assign(n, 0);
    for (int k = 0; k + 1 < n; ++k) {
      const auto& p = pairs[k];
      diagnostics->observations_per_position[k] =
          static_cast<int64_t>(p[0].impressions + p[1].impressions);
      diagnostics->clicks_per_position[k] =
          static_cast<int64_t>(p[0].upper + p[0].lower + p[1].upper + p[1].lower);
    }
    diagnostics->iterations = 0;
    diagnostics->converged = true;
  }
  ExtrapolateAndClamp(reliable, options, &theta, diagnostics);
  return theta;
}

}  // namespace saiki::ranker
