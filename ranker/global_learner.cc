// The pooled global learner. See global_learner.h for the recipe.
#include "ranker/global_learner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <climits>
#include <cstdint>
#include <map>

#include "index/doc_table.h"
#include "ranker/learner.h"
#include "ranker/off_policy.h"
#include "ranker/screening.h"

namespace saiki::ranker {
namespace {

// Fewer users with clicks than this in the window, and sessions are the
// units instead (a single-user desktop, or a shop just starting).
constexpr size_t kMinUserUnits = 4;

// The global learner's step size adapts more gently than a personal one: a
// rejected candidate most often means too little signal yet, not too big a
// step. x1.1 after a promotion, x0.7 after a rejection, within
// [setting/4, setting*4].
double AdaptGlobalRate(double rate, bool promoted, double setting) {
  return std::clamp(promoted ? rate * 1.1 : rate * 0.7, setting / 4.0, setting * 4.0);
}

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.4f", v);
  return buf;
}

// Cross-fitting folds: every unit is judged by the model of the fold that
// left it out.
constexpr int kFolds = 4;

// The slope of log(1 + exp(-m)), without overflow.
double LogisticSlope(double m) {
  return m > 0 ? -std::exp(-m) / (1 + std::exp(-m)) : -1 / (1 + std::exp(m));
}

// One unit's preference pairs as difference vectors, built once.
struct UnitPairs {
  Matrix d;           // pairs x kNumFeatures: z_better - z_worse
  Eigen::VectorXd w;  // pair weights, normalised to sum 1
};

// Full-batch gradient descent on the units' pairwise logistic losses, each
// unit's gradient (of its own weight-averaged loss) clipped to norm `clip`
// and the clipped gradients averaged with equal weight per unit, plus L2
// towards w0. Returns theta (the offset from w0); counts in *clipped the
// units whose gradient was ever clipped.
Eigen::VectorXd FitPooled(const std::vector<const UnitPairs*>& units, const Eigen::VectorXd& w0,
                          double learning_rate, int steps, double l2, double clip,
                          std::vector<uint8_t>* clipped) {
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(kNumFeatures);
  if (units.empty()) return theta;
  Eigen::VectorXd grad(kNumFeatures), g(kNumFeatures), slope;
  for (int step = 0; step < steps; ++step) {
    const Eigen::VectorXd w = w0 + theta;
    grad.setZero();
    for (size_t u = 0; u < units.size(); ++u) {
      const UnitPairs& p = *units[u];
      Eigen::VectorXd margins = p.d * w;
      slope.resize(margins.size());
      for (Eigen::Index i = 0; i < margins.size(); ++i) slope[i] = p.w[i] * LogisticSlope(margins[i]);
      g.noalias() = p.d.transpose() * slope;
      const double norm = g.norm();
      if (norm > clip) {
        g *= clip / norm;
        (*clipped)[u] = 1;
      }
      grad += g;
    }
    grad /= static_cast<double>(units.size());
    grad += l2 * theta;
    theta -= learning_rate * grad;
  }
  return theta;
}

}  // namespace

GlobalPlanResult PlanGlobalCandidate(std::span<const SessionLog> window,
                                     const GlobalModelView& active, const LearnerState& learner,
                                     std::span<const double> propensity,
                                     const LearnSettings& settings, uint64_t screened_in_span) {
  GlobalPlanResult out;
  LearnerPlan& plan = out.plan;
  plan.after = learner;
  plan.after.candidates = learner.candidates + 1;
  plan.changed = true;
  auto none = [&](std::string why) {
    plan.report.outcome = UpdateOutcome::kNone;
    plan.report.reason = std::move(why);
    return std::move(out);
  };

  // 1. Copies of the window's pages with the click caps applied, grouped
  //    into units: users (in name order, each user's sessions oldest
  //    first), or sessions when too few users have clicks.
  PooledEvidence ev;
  ev.sessions = window.size();
  ev.screened_sessions = screened_in_span;
  std::vector<std::vector<LoggedImpression>> pages(window.size());
  std::map<std::string, std::vector<size_t>> sessions_of;  // user -> indices into window
  for (size_t i = window.size(); i-- > 0;) {
    pages[i] = window[i].impressions;
    ev.capped_clicks +=
        CapClicks(pages[i], settings.max_clicks_per_search, settings.max_clicks_per_session);
    sessions_of[window[i].user].push_back(i);
  }
  auto has_clicks = [&](size_t si) {
    for (const auto& p : pages[si]) {
      for (uint8_t s : p.signal) {
        if (s) return true;
      }
    }
    return false;
  };
  size_t users_with_clicks = 0;
  for (const auto& [user, sessions] : sessions_of) {
    bool any = false;
    for (size_t si : sessions) any |= has_clicks(si);
    users_with_clicks += any;
  }
  const bool by_user = users_with_clicks >= kMinUserUnits;
  std::vector<std::vector<size_t>> units;  // each: indices into window
  for (const auto& [user, sessions] : sessions_of) {
    if (by_user) {
      units.push_back(sessions);
    } else {
      for (size_t si : sessions) units.push_back({si});
    }
  }

  // 2. Normalisation from the window; w0 = the active weights at its scale.
  GlobalLinearModel candidate;
  candidate.weights.setZero();
  for (const auto& session_pages : pages) {
    for (const auto& p : session_pages) {
      if (p.candidate_mean.size() == kNumFeatures && p.candidate_m2.size() == kNumFeatures) {
        candidate.ObserveMoments(p.candidates, p.candidate_mean.data(), p.candidate_m2.data());
      }
    }
  }
  const GlobalLinearModel& base_model = *active.linear;
  const Eigen::VectorXd w0 = base_model.weights.cwiseQuotient(base_model.scale)
                                 .cwiseProduct(candidate.scale);

  // 3. Each unit's pairs (IPS-weighted, as personal updates use them) as
  //    difference vectors, and its fold.
  std::vector<UnitPairs> unit_pairs(units.size());
  std::vector<int> fold(units.size());
  std::vector<LoggedImpression> unit_pages;
  uint64_t fed = 0;
  for (size_t u = 0; u < units.size(); ++u) {
    unit_pages.clear();
    for (size_t si : units[u]) {
      for (const auto& p : pages[si]) unit_pages.push_back(p);
    }
    const std::string key =
        window[units[u].front()].user +
        (by_user ? std::string() : "\x1e" + std::to_string(units[u].front()));
    fold[u] = static_cast<int>(index::StableHash(key + '\x1f' + std::to_string(learner.candidates)) %
                               kFolds);
    std::vector<Preference> prefs = DerivePreferences(unit_pages, propensity, settings.ips_clip);
    if (prefs.empty()) continue;
    UnitPairs& up = unit_pairs[u];
    up.d.resize(static_cast<Eigen::Index>(prefs.size()), kNumFeatures);
    up.w.resize(static_cast<Eigen::Index>(prefs.size()));
    std::vector<Matrix> z;
    for (const auto& p : unit_pages) z.push_back(Normalize(p.features, candidate));
    double total = 0;
    for (size_t i = 0; i < prefs.size(); ++i) {
      const Preference& p = prefs[i];
      up.d.row(static_cast<Eigen::Index>(i)) = z[p.impression].row(p.better) - z[p.impression].row(p.worse);
      up.w[static_cast<Eigen::Index>(i)] = p.weight;
      total += p.weight;
    }
    up.w /= total;
    ++fed;
  }
  ev.users = by_user ? fed : sessions_of.size();
  if (fed < 2) {
    out.evidence = ev;
    return none(fed == 0 ? "no preferences in the pooled window"
                         : "only one " + std::string(by_user ? "user" : "session") +
                               " with preferences in the pooled window");
  }

  // 4. One fit per fold, on the other folds' units. Each fit comes in two
  //    parts: the change of the user-history weights alone (features a
  //    visitor without history has at 0: they do not reorder anonymous
  //    results) and the whole change. Each unit is then judged by the fits
  //    of the fold that never saw it.
  std::vector<uint8_t> clipped(units.size(), 0);
  std::vector<GlobalLinearModel> fold_full(kFolds, candidate), fold_user(kFolds, candidate);
  Eigen::VectorXd mean_full = Eigen::VectorXd::Zero(kNumFeatures);
  Eigen::VectorXd mean_user = Eigen::VectorXd::Zero(kNumFeatures);
  Eigen::VectorXd user_mask = Eigen::VectorXd::Zero(kNumFeatures);
  for (int f = kFirstUserFeature; f < kNumFeatures; ++f) user_mask[f] = 1;
  // A ranking is the same for w and c * w (c > 0); the logistic loss is
  // not. The fits start from the active weights at unit norm, where the
  // loss has slope, rather than at whatever scale the feature normalisation
  // happened to give them (bm25f alone comes out near 5, which saturates the
  // loss and leaves every other weight unlearnable).
  const Eigen::VectorXd start = w0.norm() > 0 ? Eigen::VectorXd(w0 / w0.norm()) : w0;
  size_t smallest_fold = SIZE_MAX;
  for (int k = 0; k < kFolds; ++k) {
    std::vector<const UnitPairs*> train;
    std::vector<uint8_t> train_clipped;
    std::vector<size_t> train_index;
    for (size_t u = 0; u < units.size(); ++u) {
      if (fold[u] == k || unit_pairs[u].d.rows() == 0) continue;
      train.push_back(&unit_pairs[u]);
      train_index.push_back(u);
    }
    train_clipped.assign(train.size(), 0);
    const Eigen::VectorXd theta = FitPooled(train, start, learner.learning_rate,
                                            settings.global_steps, settings.l2_global,
                                            settings.user_clip, &train_clipped);
    for (size_t i = 0; i < train.size(); ++i) clipped[train_index[i]] |= train_clipped[i];
    fold_full[k].weights = start + theta;
    fold_user[k].weights = start + theta.cwiseProduct(user_mask);
    mean_full += fold_full[k].weights / kFolds;
    mean_user += fold_user[k].weights / kFolds;
    smallest_fold = std::min(smallest_fold, train.size());
  }
  for (uint8_t c : clipped) ev.clipped_users += c;
  // Per step, one unit's clipped gradient moves a fold fit by at most
  // lr * clip / n (2x for replacing a unit); over the steps, directly, at most:
  ev.influence_bound = smallest_fold == 0 || smallest_fold == SIZE_MAX
                           ? 0
                           : 2.0 * learner.learning_rate * settings.user_clip *
                                 settings.global_steps / static_cast<double>(smallest_fold);

  std::vector<std::vector<const LoggedImpression*>> eval_units;
  std::vector<size_t> eval_index;
  for (size_t u = 0; u < units.size(); ++u) {
    bool clicked = false;
    for (size_t si : units[u]) clicked |= has_clicks(si);
    if (!clicked) continue;
    eval_units.emplace_back();
    for (size_t si : units[u]) {
      for (const auto& p : pages[si]) eval_units.back().push_back(&p);
    }
    eval_index.push_back(u);
  }
  auto scorer = [&](const std::vector<GlobalLinearModel>& fits) -> UnitScorer {
    return [&](size_t unit, const LoggedImpression& page, std::vector<double>* s) {
      LinearPageScorer(fits[fold[eval_index[unit]]])(page, s);
    };
  };
  const UnitScorer active_scorer = [&](size_t, const LoggedImpression& page,
                                       std::vector<double>* s) {
    LinearPageScorer(base_model)(page, s);
  };
  const double clip = settings.ips_clip;
  const OffPolicyComparison user_vs_active =
      CompareOffPolicy(eval_units, active_scorer, scorer(fold_user), propensity, clip);
  const OffPolicyComparison full_vs_active =
      CompareOffPolicy(eval_units, active_scorer, scorer(fold_full), propensity, clip);
  const OffPolicyComparison full_vs_user =
      CompareOffPolicy(eval_units, scorer(fold_user), scorer(fold_full), propensity, clip);
  auto passes = [](const OffPolicyComparison& c) { return c.units >= 2 && c.lower_bound > 0; };
  // The whole change when it beats the active model and the other weights'
  // part of it helps on top of the user-history part; else the user-history
  // part alone when it beats the active model. So what anonymous visitors
  // see changes only on evidence that the change helps.
  const bool promote_full = passes(full_vs_active) && passes(full_vs_user);
  const bool promote_user = !promote_full && passes(user_vs_active);
  const bool promote = promote_full || promote_user;
  const OffPolicyComparison& cmp = promote_user ? user_vs_active : full_vs_active;
  candidate.weights = promote_user ? mean_user : mean_full;
  // Back to the active model's scale: the ranking is the same, and users'
  // personal offsets, learned on top of the global weights at that scale,
  // keep their proportion to them.
  if (candidate.weights.norm() > 0 && w0.norm() > 0) {
    candidate.weights *= w0.norm() / candidate.weights.norm();
  }
  RecordComparison(cmp, &ev);
  out.evidence = ev;

  const std::string unit_name = by_user ? " users" : " sessions";
  std::string figures = "off-policy IPS-RR " + Fixed(cmp.candidate) + " vs " +
                        Fixed(cmp.baseline) + " over " + std::to_string(cmp.units) + unit_name +
                        " (each judged by a fit without it), lower bound of the gain " +
                        Fixed(cmp.lower_bound);
  if (promote_user) {
    figures = "the user-history weights only (" + figures +
              "; the other weights' change was not shown to help: lower bound " +
              Fixed(full_vs_user.lower_bound) + ")";
  } else if (!promote) {
    figures += "; the user-history weights alone: lower bound " +
               Fixed(user_vs_active.lower_bound);
  }
  figures += "; " + std::to_string(fed) + unit_name + " fed it, " +
             std::to_string(ev.clipped_users) + " clipped";
  VersionToStore v;
  v.scope = ModelScope::kGlobal;
  v.parent = active.version;
  v.params = candidate.ToJson();
  v.metric_before = cmp.baseline;
  v.metric_after = cmp.candidate;
  v.evidence = ev;
  if (settings.mode == LearnMode::kShadow) {
    v.status = ModelStatus::kShadow;
    v.reason = std::string(promote ? "would be promoted: " : "would be rejected: ") + figures;
    plan.report.outcome = UpdateOutcome::kShadow;
  } else if (promote) {
    v.status = ModelStatus::kActive;
    v.reason = "promoted: " + figures;
    plan.report.outcome = UpdateOutcome::kAccepted;
    plan.status_changes.push_back({active.version, ModelStatus::kAccepted, ""});
    plan.after.version = kCandidateVersion;
    plan.after.champion = kCandidateVersion;
    plan.after.learning_rate = AdaptGlobalRate(learner.learning_rate, true, settings.lr_global);
    out.promoted = candidate;
  } else {
    v.status = ModelStatus::kRejected;
    v.reason = (cmp.units < 2 ? "fewer than 2 units with clicks to judge it: " : "not better: ") +
               figures;
    plan.report.outcome = UpdateOutcome::kRejected;
    plan.after.learning_rate = AdaptGlobalRate(learner.learning_rate, false, settings.lr_global);
  }
  plan.report.reason = v.reason;
  plan.candidate = std::move(v);
  return out;
}

void RecordComparison(const OffPolicyComparison& c, PooledEvidence* e) {
  e->heldout_units = c.units;
  e->heldout_impressions = c.impressions;
  e->active_estimate = c.baseline;
  e->candidate_estimate = c.candidate;
  e->lower_bound = c.lower_bound;
}

OffPolicyComparison CompareOnPooledSessions(std::span<const SessionLog> sessions,
                                            const PageScorer& active, const PageScorer& candidate,
                                            std::span<const double> propensity,
                                            const LearnSettings& settings, bool* by_user) {
  std::vector<std::vector<LoggedImpression>> pages(sessions.size());
  std::map<std::string, std::vector<size_t>> sessions_of;
  for (size_t i = 0; i < sessions.size(); ++i) {
    pages[i] = sessions[i].impressions;
    CapClicks(pages[i], settings.max_clicks_per_search, settings.max_clicks_per_session);
    sessions_of[sessions[i].user].push_back(i);
  }
  *by_user = sessions_of.size() >= 2;
  std::vector<std::vector<const LoggedImpression*>> units;
  for (const auto& [user, indices] : sessions_of) {
    if (*by_user) units.emplace_back();
    for (size_t i : indices) {
      if (!*by_user) units.emplace_back();
      for (const auto& p : pages[i]) units.back().push_back(&p);
    }
  }
  return CompareOffPolicy(units, active, candidate, propensity, settings.ips_clip);
}

}  // namespace saiki::ranker
