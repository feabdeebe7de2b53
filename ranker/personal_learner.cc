// The personal learner. See personal_learner.h.
#include "ranker/personal_learner.h"

#include <algorithm>
#include <cstdio>

#include "ranker/interleaving.h"
#include "ranker/learner.h"
#include "ranker/trees.h"

namespace saiki::ranker {
namespace {

// The prior of a personal update, in pair weight: with the pair weight of a
// few sessions the pull towards the global model is l2_user, with the
// weight of one or two clicks up to kEvidencePairs times more (a prior worth
// kEvidencePairs pairs, in the per-pair-averaged loss), so that a new
// user's first click barely moves their ranking.
constexpr double kEvidencePairs = 20;

// The guard: an update is kept unless it makes the replay metric on earlier
// sessions worse by more than noise (half a percentage point, or 2%).
// Sessions without clicks give 0 before and after, which passes: with
// nothing to replay there is no evidence against the update.
bool GuardAccepts(double before, double after) {
  return after >= before - std::max(0.005, 0.02 * before);
}

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

// The interleaving verdict on what this session's clicks said about the
// new model (team 0) against the champion (team 1): tallies the credit,
// and rolls back, keeps the new model, or lets the test run.
void JudgeInterleaving(const SessionLog& session, const LearnSettings& settings,
                       PersonalPlanResult* out) {
  LearnerPlan& plan = out->plan;
  LearnerState& st = plan.after;
  InterleavingTally tally;
  tally.wins_a = st.wins_new;
  tally.wins_b = st.wins_old;
  tally.ties = st.ties;
  for (const auto& imp : session.impressions) {
    if (imp.teams.empty()) continue;
    InterleavedList list;
    list.team = imp.teams;
    list.items.resize(list.team.size());
    std::vector<size_t> clicked;
    for (size_t p = 0; p < imp.signal.size(); ++p) {
      if (imp.signal[p]) clicked.push_back(p);
    }
    tally.Add(CreditClicks(list, clicked));
  }
  st.wins_new = tally.wins_a;
  st.wins_old = tally.wins_b;
  st.ties = tally.ties;
  --st.interleave_left;
  InterleavingDecision d = DecideInterleaving(tally);
  if (d.verdict == InterleavingVerdict::kBWins) {
    std::string why = "interleaving: the previous model won " + std::to_string(tally.wins_b) +
                      " to " + std::to_string(tally.wins_a) + " (p=" + Fixed(d.p_value) + ")";
    plan.status_changes.push_back({st.version, ModelStatus::kRolledBack, why});
    plan.status_changes.push_back({st.champion, ModelStatus::kActive, ""});
    out->interleaving = InterleavingOutcome::kRolledBack;
    out->rolled_back_to = st.champion;
    st.version = st.champion;
    st.learning_rate = AdaptRate(st.learning_rate, false, settings.lr_user);
    st.interleave_left = 0;
  } else if (d.verdict == InterleavingVerdict::kAWins || st.interleave_left <= 0) {
    out->interleaving = InterleavingOutcome::kKeptNew;
    st.champion = st.version;
    st.interleave_left = 0;
  } else {
    out->interleaving = InterleavingOutcome::kRunning;
  }
  if (st.interleave_left == 0) st.wins_new = st.wins_old = st.ties = 0;
}

}  // namespace

Eigen::VectorXd TastePrior(const LearnSettings& settings, const Eigen::VectorXd& scale) {
  Eigen::VectorXd prior = Eigen::VectorXd::Zero(kNumFeatures);
  if (!settings.taste) return prior;
  for (int i = kFirstTasteFeature; i < kNumFeatures; ++i) {
    prior[i] = (i == kUserVisitLeaf ? settings.visit_weight : settings.taste_weight) * scale[i];
  }
  return prior;
}

PersonalPlanResult PlanPersonalUpdate(const SessionLog& session,
                                      std::span<const SessionLog> earlier,
                                      const LearnerState& learner,
                                      const std::optional<PersonalLinearModel>& personal,
                                      const GlobalModelView& global,
                                      std::span<const double> propensity,
                                      const LearnSettings& settings) {
  PersonalPlanResult out;
  LearnerPlan& plan = out.plan;
  LearnerState& st = plan.after;
  st = learner;
  const bool acting = settings.mode == LearnMode::kOn;

  // 1. The interleaving verdict. Frozen unless learning acts: a rollback
  //    changes what is served.
  if (acting && st.interleave_left > 0) {
    JudgeInterleaving(session, settings, &out);
    plan.changed = true;
  }

  std::vector<Preference> prefs = DerivePreferences(session.impressions, propensity,
                                                    settings.ips_clip);
  out.pairs = prefs.size();
  if (prefs.empty()) {
    size_t clicks = 0;
    for (const auto& imp : session.impressions) {
      for (uint8_t s : imp.signal) clicks += s > 0;
    }
    plan.report.reason = clicks == 0 ? "no clicks" : "clicks gave no preferences";
    return out;
  }

  // 2. The offsets, fit to this session and the user's previous
  //    user_window - 1 (one session's few clicks say little about a taste,
  //    and a fit to them alone swings with every session), warm-started
  //    from the current offsets, guarded by replay of the user's last
  //    guard_sessions sessions.
  const GlobalLinearModel& gm = *global.linear;
  const Eigen::VectorXd delta =
      personal ? personal->DeltaFor(gm.scale) : Eigen::VectorXd(Eigen::VectorXd::Zero(kNumFeatures));
  std::vector<LoggedImpression> window = session.impressions;
  const size_t earlier_window =
      std::min<size_t>(earlier.size(), static_cast<size_t>(std::max(0, settings.user_window - 1)));
  for (size_t i = 0; i < earlier_window; ++i) {
    window.insert(window.end(), earlier[i].impressions.begin(), earlier[i].impressions.end());
  }
  std::vector<LoggedImpression> guard;
  const size_t guard_n = std::min<size_t>(earlier.size(), static_cast<size_t>(settings.guard_sessions));
  for (size_t i = 0; i < guard_n; ++i) {
    guard.insert(guard.end(), earlier[i].impressions.begin(), earlier[i].impressions.end());
  }
  std::vector<Matrix> zw, zm;
  for (const auto& imp : window) zw.push_back(Normalize(imp.features, gm));
  for (const auto& imp : guard) zm.push_back(Normalize(imp.features, gm));
  std::vector<Preference> window_prefs = DerivePreferences(window, propensity, settings.ips_clip);
  double evidence = 0;
  for (const auto& p : window_prefs) evidence += p.weight;
  UpdateOptions uopt;
  uopt.learning_rate = st.learning_rate;
  uopt.l2 = settings.l2_user * std::max(1.0, kEvidencePairs / std::max(evidence, 1.0));
  uopt.steps = settings.steps;
  if (!settings.personal_all_features) {
    // The offsets move only on what is about the user (the history and
    // taste features): with a few sessions' pairs, offsets on every
    // feature fit noise in how the user's queries happened to match.
    uopt.mask = Eigen::VectorXd::Zero(kNumFeatures);
    uopt.mask.tail(kNumFeatures - kFirstUserFeature).setOnes();
  }
  // The global part the offsets sit on: the linear weights, or the tree
  // score as a fixed extra column (ranker/trees.h).
  Eigen::VectorXd base = gm.weights, delta0 = delta;
  if (global.trees) {
    AppendTreeOffsetColumn(*global.trees, window, &zw);
    AppendTreeOffsetColumn(*global.trees, guard, &zm);
    base = TreeOffsetBase();
    delta0 = WithTreeOffsetColumn(delta);
  }
  base.head(kNumFeatures) += TastePrior(settings, gm.scale);
  auto update = PairwiseUpdate(zw, window, window_prefs, base, delta0, true, uopt);
  if (update.ok()) update->theta.conservativeResize(kNumFeatures);

  VersionToStore v;
  v.scope = ModelScope::kUser;
  v.user = session.user;
  v.parent = st.version;
  if (!update.ok()) {
    v.params = PersonalLinearModel{delta, gm.scale}.ToJson();
    v.status = acting ? ModelStatus::kRejected : ModelStatus::kShadow;
    v.reason = update.status().message();
    plan.report.outcome = acting ? UpdateOutcome::kRejected : UpdateOutcome::kShadow;
    plan.report.reason = v.reason;
    if (acting) st.learning_rate = AdaptRate(st.learning_rate, false, settings.lr_user);
    plan.candidate = std::move(v);
    plan.changed = true;
    return out;
  }
  out.loss_before = update->loss_before;
  out.loss_after = update->loss_after;
  if (update->theta == delta) {
    // Nothing moved (learn.lr_user 0, say): no version to store, and
    // nothing to interleave against.
    plan.report.reason = "the update changed nothing";
    return out;
  }
  const double before = ReplayMetric(zm, guard, propensity, base, delta0, settings.ips_clip);
  const double after = ReplayMetric(
      zm, guard, propensity, base,
      global.trees ? WithTreeOffsetColumn(update->theta) : update->theta, settings.ips_clip);
  const bool accept = GuardAccepts(before, after);
  const std::string why_not = "replay IPS-RR on the user's last sessions would fall from " +
                              Fixed(before) + " to " + Fixed(after);
  v.params = PersonalLinearModel{update->theta, gm.scale}.ToJson();
  v.loss_before = update->loss_before;
  v.loss_after = update->loss_after;
  v.metric_before = before;
  v.metric_after = after;
  if (!acting) {
    v.status = ModelStatus::kShadow;
    v.reason = accept ? "would be accepted" : "would be rejected: " + why_not;
    plan.report.outcome = UpdateOutcome::kShadow;
  } else if (accept) {
    v.status = ModelStatus::kActive;
    plan.report.outcome = UpdateOutcome::kAccepted;
    plan.status_changes.push_back({st.version, ModelStatus::kAccepted, ""});
    if (st.interleave_left == 0) {
      // Interleave the new model against the one it replaces (0 = the
      // global model alone).
      st.champion = st.version;
      st.interleave_left = settings.interleave_sessions;
      st.wins_new = st.wins_old = st.ties = 0;
    }
    st.version = kCandidateVersion;
    if (st.interleave_left == 0) st.champion = kCandidateVersion;
    st.learning_rate = AdaptRate(st.learning_rate, true, settings.lr_user);
  } else {
    v.status = ModelStatus::kRejected;
    v.reason = why_not;
    plan.report.outcome = UpdateOutcome::kRejected;
    st.learning_rate = AdaptRate(st.learning_rate, false, settings.lr_user);
  }
  plan.report.reason = v.reason;
  plan.candidate = std::move(v);
  plan.changed = true;
  return out;
}

}  // namespace saiki::ranker
