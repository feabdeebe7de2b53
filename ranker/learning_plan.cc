// The session-close planner: the three learners in order. See
// learning_plan.h.
#include "ranker/learning_plan.h"

#include <algorithm>

#include "ranker/global_learner.h"
#include "ranker/personal_learner.h"
#include "ranker/propensity.h"

namespace saiki::ranker {
namespace {

// Ranks a position-bias estimate covers (and that impressions are counted at).
constexpr int kPropensityPositions = 10;

// Regression-EM (Wang et al., WSDM 2018) over the sample's first ten ranks,
// features normalised by the active global model. nullopt when the data do
// not support an estimate (too few clicks at rank 1): the old one stays.
std::optional<std::vector<double>> EstimatePropensities(std::span<const LoggedImpression> sample,
                                                        const GlobalLinearModel& model,
                                                        const LearnSettings& settings) {
  std::vector<float> rows;
  std::vector<FeatureClickObservation> obs;
  for (const auto& imp : sample) {
    for (size_t pos = 0; pos < imp.features.rows && pos < imp.signal.size(); ++pos) {
      const size_t rank = imp.first_rank + pos;
      if (rank >= static_cast<size_t>(kPropensityPositions)) break;
      const float* x = imp.features.row(pos);
      const uint32_t row_index = static_cast<uint32_t>(rows.size() / kNumFeatures);
      for (int f = 0; f < kNumFeatures; ++f) {
        rows.push_back(static_cast<float>((x[f] - model.mean[f]) / model.scale[f]));
      }
      obs.push_back({static_cast<uint32_t>(rank), row_index, imp.signal[pos] > 0});
    }
  }
  if (obs.empty()) return std::nullopt;
  PropensityOptions opt;
  opt.max_positions = kPropensityPositions;
  opt.prior_eta = settings.propensity_eta;
  // Converged to 1e-4 with one Newton step per M-step: on 5,000 logged
  // impressions 3.5x faster than the defaults (1e-6, two steps: about 0.5 s,
  // once per learn.propensity_clicks; every replay after a forget pays it
  // again), and the estimate the same to the third decimal. Not with the
  // curvature bound, 2x faster again (BM_PositionBiasEstimate): its
  // estimate differs by about 0.001, and that moved one shopper's rank of
  // the evasive bot's product from 11 to 10 in tests/learning_trust_test.cc
  // (README "Guarantees": how far the bot moves other shoppers' ranks is
  // the open problem, not the estimate).
  opt.tolerance = 1e-4;
  opt.newton_steps = 1;
  PropensityFeatures features{rows, kNumFeatures};
  auto theta = EstimatePositionBiasWithFeatures(obs, features, opt);
  if (!theta.ok()) return std::nullopt;
  return std::move(theta).value();
}

}  // namespace

const char* LearnModeName(LearnMode mode) {
  switch (mode) {
    case LearnMode::kOn: return "on";
    case LearnMode::kShadow: return "shadow";
    case LearnMode::kOff: return "off";
  }
  return "on";
}

double AdaptRate(double rate, bool accepted, double setting) {
  double next = accepted ? rate * 1.1 : rate * 0.5;
  return std::clamp(next, setting / 64.0, setting * 4.0);
}

bool GlobalEpochDue(const LearnSettings& s, const PoolCounts& since) {
  return s.mode != LearnMode::kOff &&
         since.sessions >= static_cast<uint64_t>(s.global_min_sessions) &&
         since.users >= static_cast<uint64_t>(s.global_min_users);
}

namespace {
int64_t CeilDiv(int64_t a, int64_t b) { return b > 0 ? (a + b - 1) / b : a; }
}  // namespace

int64_t EpochSessionsPerUser(const LearnSettings& s) {
  return std::max<int64_t>(1, CeilDiv(s.global_min_sessions, s.global_min_users));
}
int64_t EstimateClicksPerUser(const LearnSettings& s) {
  return std::max<int64_t>(1, CeilDiv(s.propensity_clicks, s.global_min_users));
}
int64_t WindowSessionsPerUser(const LearnSettings& s) {
  return std::max<int64_t>(1, CeilDiv(s.global_window, s.global_min_users));
}

bool GlobalCandidatePossible(const GlobalModelView& active, bool propensities_estimated) {
  return active.trees == nullptr && propensities_estimated;
}

bool PropensityEstimateDue(const LearnSettings& s, uint64_t pooled_clicks_since_estimate) {
  return s.mode != LearnMode::kOff &&
         pooled_clicks_since_estimate >= static_cast<uint64_t>(s.propensity_clicks);
}

PooledPlan PlanPooled(const PooledInput& in) {
  PooledPlan plan;
  plan.global.after = in.global_learner;
  plan.propensity = in.propensities;
  plan.propensities_estimated = in.propensities_estimated;
  if (in.settings.mode == LearnMode::kOff) {
    plan.global.report.reason = "learning is off (learn.mode off)";
    return plan;
  }

  // 1. Position bias, from the pooled sample (before the global candidate
  //    and the personal update, which weigh clicks by it).
  if (in.propensity_sample) {
    plan.global.after.propensity_seq = in.seq;
    plan.global.changed = true;
    if (auto theta = EstimatePropensities(*in.propensity_sample, *in.global.linear, in.settings)) {
      plan.propensity = *theta;
      plan.propensities = std::move(theta);
      plan.propensities_estimated = true;
    }
  }

  // 2. The global model, at an epoch of pooled evidence.
  if (!in.epoch_due) {
    plan.global.report.reason = "pooled evidence still gathering";
  } else if (in.global.trees != nullptr) {
    plan.global.report.reason =
        "the global model is an imported tree model, trained offline; no candidate";
  } else if (!plan.propensities_estimated || !in.pooled_window) {
    plan.global.report.reason =
        "no candidate before position bias is estimated from the pooled clicks";
  } else {
    LearnerState learner = plan.global.after;
    GlobalPlanResult g = PlanGlobalCandidate(*in.pooled_window, in.global, learner,
                                             plan.propensity, in.settings, in.screened_in_span);
    plan.global = std::move(g.plan);
    plan.global_evidence = g.evidence;
    if (g.promoted) plan.promoted_global = std::move(g.promoted);
  }
  if (in.epoch_due) {
    // Evidence restarts from here whatever became of a candidate.
    plan.global.after.epoch_seq = in.seq;
    plan.global.changed = true;
  }
  return plan;
}

SessionPlan PlanSessionClose(const SessionCloseInput& in) {
  SessionPlan plan;
  const SessionLog& session = *in.session;
  plan.impressions = session.impressions.size();
  for (const auto& imp : session.impressions) {
    for (uint8_t s : imp.signal) plan.clicks += s > 0;
  }
  plan.personal.after = in.user_learner;
  if (in.settings.mode == LearnMode::kOff) {
    plan.global.after = in.global_learner;
    plan.personal.report.reason = plan.global.report.reason = "learning is off (learn.mode off)";
    plan.outcome = "learning off";
    return plan;
  }

  // 1 and 2: the pooled learners, when this close triggers them (never
  // when they run apart: the caller gives no trigger then).
  PooledPlan pooled = PlanPooled(in);
  if (in.settings.pooled_apart) {
    pooled.global.report.reason = "the pooled learners run apart (learn.pooled_at apart)";
  }
  plan.global = std::move(pooled.global);
  plan.global_evidence = std::move(pooled.global_evidence);
  plan.promoted_global = std::move(pooled.promoted_global);
  plan.propensities = std::move(pooled.propensities);
  const std::vector<double>& propensity = pooled.propensity;
  GlobalModelView global = in.global;
  if (plan.promoted_global) global.linear = &*plan.promoted_global;

  // 3. The user's own offsets, on top of the (new) global model.
  PersonalPlanResult p = PlanPersonalUpdate(session, in.earlier, in.user_learner, in.personal,
                                            global, propensity, in.settings);
  plan.personal = std::move(p.plan);
  plan.interleaving = p.interleaving;
  plan.rolled_back_to = p.rolled_back_to;
  plan.pairs = p.pairs;
  plan.loss_before = p.loss_before;
  plan.loss_after = p.loss_after;
  plan.outcome = std::string("global ") + UpdateOutcomeName(plan.global.report.outcome) +
                 "; user " + UpdateOutcomeName(plan.personal.report.outcome);
  return plan;
}

}  // namespace saiki::ranker
