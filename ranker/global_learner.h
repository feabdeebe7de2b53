// The global learner: what every user sees changes only on pooled evidence
// from many users, with each user's influence bounded, and only when an
// off-policy check says the change is better for users who did not train
// it.
//
// A candidate is trained when pooled evidence since the last one reaches
// learn.global_min_sessions sessions from learn.global_min_users distinct
// users (GlobalCandidateDue), on the last learn.global_window pooled
// sessions:
//   1. Click caps: at most learn.max_clicks_per_search clicks of a search
//      and learn.max_clicks_per_session of a session count.
//   2. Units: users (with kMinUserUnits or more users with clicks), else
//      sessions (a single-user desktop: there the user is everyone). Each
//      unit falls in one of 4 folds by a hash of its user, salted by the
//      candidate count so the folds rotate.
//   3. Normalisation from the window's candidate statistics; the active
//      weights re-expressed at that scale, w0, and at unit norm as the
//      start (a ranking does not depend on the scale, the logistic loss
//      does).
//   4. Per fold, a fit on the other folds' units: learn.global_steps steps
//      of full-batch gradient descent on the IPS-weighted pairwise logistic
//      loss (the pairs of learner.h), where each unit's gradient — of its
//      own pair-weight-averaged loss — is clipped to norm learn.user_clip
//      and the clipped gradients are averaged with equal weight per unit,
//      plus L2 towards the start (learn.l2_global). This is user-level
//      clipping as in differentially private training (McMahan et al.,
//      "Learning Differentially Private Recurrent Language Models", ICLR
//      2018), without the noise: within one step, adding or removing a
//      user — whatever the number of sessions, clicks or purchases they
//      logged — moves the step by at most 2 lr C / n. Over the steps that
//      sums to the influence bound each candidate records (the direct
//      contribution; the indirect one, through the other users' gradients
//      at a moved point, is second order).
//   5. The candidate is the mean of the fold fits, scaled back to w0's
//      norm so that users' personal offsets keep their proportion to it.
//   6. The check, cross-fitted: each unit is judged by the fit of the fold
//      that left it out (off_policy.h: paired IPS reciprocal rank per unit,
//      one-sided 95% lower confidence bound over units). Promoted when the
//      bound is above 0, else kept as a rejected version with the figures;
//      the learner's step size then adapts (x1.1 / x0.7, within [1/4, 4]
//      times learn.lr_global). With learn.mode shadow it is stored as a
//      shadow version with the verdict it would have had, and nothing else
//      changes.
// The check judges only the order within logged pages: a model that would
// bring other products into the top 10 is judged by how it orders these.
#ifndef SAIKI_RANKER_GLOBAL_LEARNER_H_
#define SAIKI_RANKER_GLOBAL_LEARNER_H_

#include <optional>
#include <span>

#include "ranker/learning_plan.h"
#include "ranker/off_policy.h"

namespace saiki::ranker {

struct GlobalPlanResult {
  LearnerPlan plan;
  std::optional<PooledEvidence> evidence;  // set when a candidate was trained
  std::optional<GlobalLinearModel> promoted;  // the candidate, when it became active
};

// Plans the global candidate on `window` (pooled sessions, newest first).
// `learner` is the global learner's state before; `propensity` the
// examination probabilities to weigh clicks with.
GlobalPlanResult PlanGlobalCandidate(std::span<const SessionLog> window,
                                     const GlobalModelView& active, const LearnerState& learner,
                                     std::span<const double> propensity,
                                     const LearnSettings& settings, uint64_t screened_in_span);

// Copies a comparison's figures into the evidence a version records.
void RecordComparison(const OffPolicyComparison& c, PooledEvidence* e);

// The off-policy check of a model trained elsewhere (an XGBoost import) on
// pooled sessions, none held out (they did not train it here): units are
// users, or sessions when there is only one user (*by_user says which);
// clicks capped as for training.
OffPolicyComparison CompareOnPooledSessions(std::span<const SessionLog> sessions,
                                            const PageScorer& active, const PageScorer& candidate,
                                            std::span<const double> propensity,
                                            const LearnSettings& settings, bool* by_user);

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_GLOBAL_LEARNER_H_
