// The personal learner: after each of a user's sessions, the user's own
// offsets on top of the global model are refit to the pairs of the user's
// last learn.user_window sessions (warm-started, shrunk towards the global
// model, more strongly while the user's pair weight is small), kept only
// when replaying the user's last learn.guard_sessions sessions does not get
// worse by more than noise (0.005 or 2% of the IPS reciprocal rank), and
// then interleaved with the model it replaced for learn.interleave_sessions
// sessions (team-draft; rolled back when the old model wins a sign test).
// The step size adapts (AdaptRate). What a user's clicks do here reaches no
// other user: the offsets are theirs alone.
#ifndef SAIKI_RANKER_PERSONAL_LEARNER_H_
#define SAIKI_RANKER_PERSONAL_LEARNER_H_

#include <optional>
#include <span>

#include "ranker/learning_plan.h"

namespace saiki::ranker {

// The taste prior: the weight every user's taste features (features.h,
// taste.h) carry before their own offsets, in the global model's scale.
// The affinities are log ratios of click rates, so their natural weight is
// about one unit of the pairwise model's log-odds; learn.taste_weight sets
// it (README "Settings"). The global model never weighs these features
// (global_learner.cc masks them): what they say is the user's own, and the
// offsets the personal learner fits sit on top of this prior: it is part of
// every personal model version, and of none at version 0 (no personal
// model, or rolled back to none). Zero with learn.taste off. The visit's
// leaf (features.h user_visit_leaf), a count rather than log-odds, has its
// own weight, learn.visit_weight.
Eigen::VectorXd TastePrior(const LearnSettings& settings, const Eigen::VectorXd& scale);

struct PersonalPlanResult {
  LearnerPlan plan;
  InterleavingOutcome interleaving = InterleavingOutcome::kNone;
  int64_t rolled_back_to = 0;
  uint64_t pairs = 0;  // pairs of this session
  double loss_before = 0, loss_after = 0;
};

// `global` is the global model the offsets sit on (after this close's
// global update); `personal` the user's active personal model.
PersonalPlanResult PlanPersonalUpdate(const SessionLog& session,
                                      std::span<const SessionLog> earlier,
                                      const LearnerState& learner,
                                      const std::optional<PersonalLinearModel>& personal,
                                      const GlobalModelView& global,
                                      std::span<const double> propensity,
                                      const LearnSettings& settings);

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_PERSONAL_LEARNER_H_
