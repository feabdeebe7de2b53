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


// The window as the learner sees it: each session's pages with the click
// caps applied, grouped into units (users in name order, each user's
// sessions oldest first; or single sessions when too few users have
// clicks), each unit in a fold.
struct Units {
  std::vector<std::vector<LoggedImpression>> pages;  // by index into the window
  std::vector<std::vector<size_t>> members;          // per unit: indices into the window
  std::vector<int> fold;                             // per unit
  std::vector<uint8_t> clicked;                      // per unit: has clicks
  bool by_user = false;
  uint64_t users = 0;  // distinct users in the window
};

Units MakeUnits(std::span<const SessionLog> window, const LearnSettings& settings,
                int64_t salt, PooledEvidence* ev) {
  Units u;
  u.pages.resize(window.size());
  std::map<std::string, std::vector<size_t>> sessions_of;
  for (size_t i = window.size(); i-- > 0;) {
    u.pages[i] = window[i].impressions;
    ev->capped_clicks +=
        CapClicks(u.pages[i], settings.max_clicks_per_search, settings.max_clicks_per_session);
    sessions_of[window[i].user].push_back(i);
  }
  auto has_clicks = [&](size_t si) {
    for (const auto& p : u.pages[si]) {
      if (std::any_of(p.signal.begin(), p.signal.end(), [](uint8_t s) { return s > 0; })) {
        return true;
      }
    }
    return false;
  };
  size_t users_with_clicks = 0;
  for (const auto& [user, sessions] : sessions_of) {
    users_with_clicks += std::any_of(sessions.begin(), sessions.end(), has_clicks);
  }
  u.by_user = users_with_clicks >= kMinUserUnits;
  u.users = sessions_of.size();
  for (const auto& [user, sessions] : sessions_of) {
    if (u.by_user) {
      u.members.push_back(sessions);
    } else {
      for (size_t si : sessions) u.members.push_back({si});
    }
  }
  for (const auto& m : u.members) {
    const std::string key =
        window[m.front()].user + (u.by_user ? std::string() : "\x1e" + std::to_string(m.front()));
    u.fold.push_back(
        static_cast<int>(index::StableHash(key + '\x1f' + std::to_string(salt)) % kFolds));
    u.clicked.push_back(std::any_of(m.begin(), m.end(), has_clicks));
  }
  return u;
}

// Normalisation from the window's candidate statistics (weights zero).
GlobalLinearModel WindowNormaliser(const Units& units) {
  GlobalLinearModel m;
  m.weights.setZero();
  for (const auto& session_pages : units.pages) {
    for (const auto& p : session_pages) {
      if (p.candidate_mean.size() == kNumFeatures && p.candidate_m2.size() == kNumFeatures) {
        m.ObserveMoments(p.candidates, p.candidate_mean.data(), p.candidate_m2.data());
      }
    }
  }
  return m;
}

// Each unit's pairs (IPS-weighted, as personal updates use them) as
// difference vectors normalised by `norm`; empty for a unit without pairs.
std::vector<UnitPairs> MakePairs(const Units& units, const GlobalLinearModel& norm,
                                 std::span<const double> propensity, double ips_clip) {
  std::vector<UnitPairs> out(units.members.size());
  std::vector<LoggedImpression> unit_pages;
  std::vector<Matrix> z;
  for (size_t u = 0; u < units.members.size(); ++u) {
    unit_pages.clear();
    for (size_t si : units.members[u]) {
      unit_pages.insert(unit_pages.end(), units.pages[si].begin(), units.pages[si].end());
    }
    std::vector<Preference> prefs = DerivePreferences(unit_pages, propensity, ips_clip);
    if (prefs.empty()) continue;
    z.clear();
    for (const auto& p : unit_pages) z.push_back(Normalize(p.features, norm));
    UnitPairs& up = out[u];
    up.d.resize(static_cast<Eigen::Index>(prefs.size()), kNumFeatures);
    up.w.resize(static_cast<Eigen::Index>(prefs.size()));
    double total = 0;
    for (size_t i = 0; i < prefs.size(); ++i) {
      const Preference& p = prefs[i];
      const auto row = static_cast<Eigen::Index>(i);
      up.d.row(row) = z[p.impression].row(p.better) - z[p.impression].row(p.worse);
      // The taste features are the personal layer's (personal_learner.h
      // TastePrior): no gradient, so the global weights stay 0 on them.
      up.d.row(row).tail(kNumFeatures - kFirstTasteFeature).setZero();
      up.w[row] = p.weight;
      total += p.weight;
    }
    up.w /= total;
  }
  return out;
}

// One fit per fold on the other folds' units, each in two parts: the
// change of the user-history weights alone (features a visitor without
// history has at 0: they do not reorder anonymous results) and the whole
// change.
struct FoldFits {
  std::vector<GlobalLinearModel> full, user;  // per fold
  Eigen::VectorXd mean_full, mean_user;       // the candidates: means over the folds
  uint64_t clipped_units = 0;
  size_t smallest_fold = 0;  // units trained on, at the least
};

FoldFits FitFolds(const Units& units, const std::vector<UnitPairs>& pairs,
                  const GlobalLinearModel& norm, const Eigen::VectorXd& start,
                  const LearnerState& learner, const LearnSettings& settings) {
  FoldFits f;
  f.full.assign(kFolds, norm);
  f.user.assign(kFolds, norm);
  f.mean_full = f.mean_user = Eigen::VectorXd::Zero(kNumFeatures);
  Eigen::VectorXd user_mask = Eigen::VectorXd::Zero(kNumFeatures);
  for (int i = kFirstUserFeature; i < kNumFeatures; ++i) user_mask[i] = 1;
  std::vector<uint8_t> clipped(units.members.size(), 0);
  f.smallest_fold = SIZE_MAX;
  for (int k = 0; k < kFolds; ++k) {
    std::vector<const UnitPairs*> train;
    std::vector<size_t> index;
    for (size_t u = 0; u < units.members.size(); ++u) {
      if (units.fold[u] == k || pairs[u].d.rows() == 0) continue;
      train.push_back(&pairs[u]);
      index.push_back(u);
    }
    std::vector<uint8_t> train_clipped(train.size(), 0);
    const Eigen::VectorXd theta = FitPooled(train, start, learner.learning_rate,
                                            settings.global_steps, settings.l2_global,
                                            settings.user_clip, &train_clipped);
    for (size_t i = 0; i < train.size(); ++i) clipped[index[i]] |= train_clipped[i];
    f.full[k].weights = start + theta;
    f.user[k].weights = start + theta.cwiseProduct(user_mask);
    f.mean_full += f.full[k].weights / kFolds;
    f.mean_user += f.user[k].weights / kFolds;
    f.smallest_fold = std::min(f.smallest_fold, train.size());
  }
  for (uint8_t c : clipped) f.clipped_units += c;
  return f;
}

// The cross-fitted check: each unit with clicks judged by its fold's fits.
struct Verdict {
  OffPolicyComparison user_vs_active, full_vs_active, full_vs_user;
  bool promote_full = false, promote_user = false;
  const OffPolicyComparison& shown() const {
    return promote_user ? user_vs_active : full_vs_active;
  }
};

Verdict Check(const Units& units, const FoldFits& fits, const GlobalLinearModel& active,
              std::span<const double> propensity, double ips_clip) {
  std::vector<std::vector<const LoggedImpression*>> eval_units;
  std::vector<int> eval_fold;
  for (size_t u = 0; u < units.members.size(); ++u) {
    if (!units.clicked[u]) continue;
    eval_units.emplace_back();
    for (size_t si : units.members[u]) {
      for (const auto& p : units.pages[si]) eval_units.back().push_back(&p);
    }
    eval_fold.push_back(units.fold[u]);
  }
  auto by_fold = [&](const std::vector<GlobalLinearModel>& models) -> UnitScorer {
    return [&](size_t unit, const LoggedImpression& page, std::vector<double>* s) {
      LinearPageScorer(models[eval_fold[unit]])(page, s);
    };
  };
  const UnitScorer now = [&](size_t, const LoggedImpression& page, std::vector<double>* s) {
    LinearPageScorer(active)(page, s);
  };
  Verdict v;
  v.user_vs_active = CompareOffPolicy(eval_units, now, by_fold(fits.user), propensity, ips_clip);
  v.full_vs_active = CompareOffPolicy(eval_units, now, by_fold(fits.full), propensity, ips_clip);
  v.full_vs_user =
      CompareOffPolicy(eval_units, by_fold(fits.user), by_fold(fits.full), propensity, ips_clip);
  auto passes = [](const OffPolicyComparison& c) { return c.units >= 2 && c.lower_bound > 0; };
  // The whole change when it beats the active model and its other weights'
  // part helps on top of the user-history part; else the user-history part
  // alone when it beats the active model. So what anonymous visitors see
  // changes only on evidence that the change helps.
  v.promote_full = passes(v.full_vs_active) && passes(v.full_vs_user);
  v.promote_user = !v.promote_full && passes(v.user_vs_active);
  return v;
}

std::string Figures(const Verdict& v, bool by_user, uint64_t fed, uint64_t clipped) {
  const OffPolicyComparison& c = v.shown();
  const std::string unit_name = by_user ? " users" : " sessions";
  std::string f = "off-policy IPS-RR " + Fixed(c.candidate) + " vs " + Fixed(c.baseline) +
                  " over " + std::to_string(c.units) + unit_name +
                  " (each judged by a fit without it), lower bound of the gain " +
                  Fixed(c.lower_bound);
  if (v.promote_user) {
    f = "the user-history weights only (" + f +
        "; the other weights' change was not shown to help: lower bound " +
        Fixed(v.full_vs_user.lower_bound) + ")";
  } else if (!v.promote_full) {
    f += "; the user-history weights alone: lower bound " + Fixed(v.user_vs_active.lower_bound);
  }
  return f + "; " + std::to_string(fed) + unit_name + " fed it, " + std::to_string(clipped) +
         " clipped";
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
  PooledEvidence ev;
  ev.sessions = window.size();
  ev.screened_sessions = screened_in_span;

  const Units units = MakeUnits(window, settings, learner.candidates, &ev);
  GlobalLinearModel candidate = WindowNormaliser(units);
  // w0: the active weights at the window's scale (the same function of
  // the raw features).
  const GlobalLinearModel& base = *active.linear;
  const Eigen::VectorXd w0 = base.weights.cwiseQuotient(base.scale).cwiseProduct(candidate.scale);
  const std::vector<UnitPairs> pairs = MakePairs(units, candidate, propensity, settings.ips_clip);
  const uint64_t fed = std::count_if(pairs.begin(), pairs.end(),
                                     [](const UnitPairs& p) { return p.d.rows() > 0; });
  ev.users = units.by_user ? fed : units.users;
  if (fed < 2) {
    out.evidence = ev;
    plan.report.reason = fed == 0 ? "no preferences in the pooled window"
                                  : std::string("only one ") + (units.by_user ? "user" : "session") +
                                        " with preferences in the pooled window";
    return out;
  }

  // A ranking is the same for w and c * w (c > 0); the logistic loss is
  // not. The fits start from the active weights at unit norm, where the
  // loss has slope, rather than at whatever scale the feature normalisation
  // happened to give them (bm25f alone comes out near 5, which saturates the
  // loss and leaves every other weight unlearnable).
  const Eigen::VectorXd start = w0.norm() > 0 ? Eigen::VectorXd(w0 / w0.norm()) : w0;
  const FoldFits fits = FitFolds(units, pairs, candidate, start, learner, settings);
  ev.clipped_users = fits.clipped_units;
  // Per step, one unit's clipped gradient moves a fold fit by at most
  // lr * clip / n (2x for replacing a unit); over the steps, directly:
  ev.influence_bound = fits.smallest_fold == 0 ? 0
                                               : 2.0 * learner.learning_rate * settings.user_clip *
                                                     settings.global_steps /
                                                     static_cast<double>(fits.smallest_fold);
  const Verdict verdict = Check(units, fits, base, propensity, settings.ips_clip);
  const bool promote = verdict.promote_full || verdict.promote_user;
  // Back to the active model's scale: the ranking is the same, and users'
  // personal offsets, learned on top of the global weights at that scale,
  // keep their proportion to them.
  candidate.weights = verdict.promote_user ? fits.mean_user : fits.mean_full;
  if (candidate.weights.norm() > 0 && w0.norm() > 0) {
    candidate.weights *= w0.norm() / candidate.weights.norm();
  }
  const OffPolicyComparison& cmp = verdict.shown();
  RecordComparison(cmp, &ev);
  out.evidence = ev;

  const std::string figures = Figures(verdict, units.by_user, fed, ev.clipped_users);
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
