// The learning loop as a pure planner: closing a session is a function from
// (the session's log, the user's earlier sessions, the pooled window when a
// global candidate is due, the position-bias sample when an estimate is
// due, the active models, the learners' states, the settings) to a
// SessionPlan — what to store and what becomes active, each decision with
// its reason. The engine gathers the inputs from the stores, calls
// PlanSessionClose, and applies the plan in one transaction
// (engine/learning.cc); nothing here touches SQLite, so every decision is
// unit-testable from hand-built logs (tests/learning_plan_test.cc).
//
// The same function serves two callers: the online loop after each session,
// and the replay that re-derives the learned state after a user is
// forgotten (engine/forget.cc). Its result depends only on its inputs — no
// clock, no ids, no randomness — so replaying the remaining sessions in the
// same order gives exactly the models a database without the forgotten
// user's sessions would have learned.
//
// Three learners (README "How it learns"):
//   personal   the user's own offsets, after every session of theirs, with
//              the replay guard and interleaving (personal_learner.h);
//   global     the model everyone else sees, only from pooled evidence of
//              many users with each user's influence clipped, promoted only
//              when an off-policy check says it beats the active model
//              (global_learner.h);
//   position bias, re-estimated from pooled sessions every so many clicks.
// Sessions with inhuman patterns feed only their own user's model
// (screening.h).
#ifndef SAIKI_RANKER_LEARNING_PLAN_H_
#define SAIKI_RANKER_LEARNING_PLAN_H_

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ranker/linear_model.h"
#include "ranker/session_log.h"
#include "saiki/saiki.h"

namespace saiki::ranker {

class TreeEnsemble;

// learn.mode: on (learn and serve what was learned), shadow (learn and
// evaluate candidates, store them as shadow versions, serve only the active
// models), off (log only).
enum class LearnMode { kOn = 0, kShadow = 1, kOff = 2 };
const char* LearnModeName(LearnMode mode);  // "on", "shadow", "off"

// The learn.* settings (README "Settings": defaults, ranges, costs).
struct LearnSettings {
  LearnMode mode = LearnMode::kOn;
  double session_timeout_minutes = 30;  // a session closes after this idle time
  double lr_global = 0.3;               // initial step size of the global learner's fits
  double lr_user = 0.2;                 // initial step size, personal models
  double l2_global = 0.1;               // pull of a global fit towards the active weights
  double l2_user = 0.5;                 // shrinkage of personal weights to the global ones
  int steps = 5;                        // gradient steps per personal update
  double half_life_days = 30;           // decay of a click's weight in user features
  int guard_sessions = 5;               // recent sessions the personal replay guard checks
  int user_window = 10;                 // sessions a personal update is fit to
  int interleave_sessions = 3;          // sessions of interleaving after an accepted update
  double propensity_eta = 1.0;          // prior position bias 1/(rank)^eta
  double ips_clip = 10;                 // largest inverse-propensity weight
  double gate_min_clicks = 10;          // clicks on a query before its entropy gates
  // The personal layer beyond the offsets: each user's taste profile
  // (taste.h) is kept and scored (on), or neither (off: the taste features
  // are 0).
  bool taste = true;
  double taste_weight = 1.0;  // the taste prior (personal_learner.h TastePrior)
  double visit_weight = 3.0;  // its weight on user_visit_leaf (the same prior)
  // learn.personal_features: the personal offsets move on every feature
  // (true, "all") or on the user features only (false, "user").
  bool personal_all_features = true;
  // Share of a user's searches that show, in one of the last three places
  // of the first page, a candidate from beyond it that the user's taste
  // profile knows least about (engine/rerank.cc); 0 turns it off.
  double explore = 0.0;
  // Pooled global learning.
  int global_min_users = 20;     // distinct users since the last candidate before the next
  int global_min_sessions = 50;  // pooled sessions since the last candidate before the next
  int global_window = 500;       // pooled sessions a candidate is trained and checked on
  double user_clip = 0.5;        // largest norm of one user's gradient in a global fit's step
  int global_steps = 10;         // gradient steps of a global fit
  int max_clicks_per_search = 3;    // clicks of one search that count (the strongest)
  int max_clicks_per_session = 10;  // clicks of one session that count
  int propensity_clicks = 200;      // pooled clicks between position-bias estimates
  // learn.pooled_at: the pooled learners (position bias, the global
  // candidate) run in the session close that completes their evidence
  // (false, "close"), or apart from every close, when the app, the server
  // or the CLI asks (true, "apart": Database::LearnPooled), so that a
  // session end only ever pays for the user's own update.
  bool pooled_apart = false;
};

// One learner's state (the `learner_states` row of a user, or of '' for the
// global learner), as of one journal position.
struct LearnerState {
  int64_t version = 0;   // active version (0: global: the factory model; user: none)
  int64_t champion = 0;  // interleaving baseline
  double learning_rate = 0;
  int interleave_left = 0;
  int wins_new = 0, wins_old = 0, ties = 0;
  // Global learner: the journal position where pooled evidence last
  // completed an epoch (learn.global_min_sessions sessions from
  // learn.global_min_users users; evidence is counted from there), and how
  // many candidates there were (salts the folds, so that they rotate).
  // What other users see changes only at an epoch: a global candidate may
  // be promoted, and the queries' personalisation gates read the pooled
  // clicks up to the epoch.
  int64_t epoch_seq = 0;
  int64_t candidates = 0;
  // Global learner: the journal position of the last position-bias
  // estimate (clicks are counted from there).
  int64_t propensity_seq = 0;
  bool operator==(const LearnerState&) const = default;
};

// In LearnerState::version and ::champion of a plan: the candidate the
// plan stores, whose version number the apply step learns on insert.
inline constexpr int64_t kCandidateVersion = -1;

// A model version to insert.
struct VersionToStore {
  ModelScope scope = ModelScope::kGlobal;
  std::string user;
  int64_t parent = 0;
  std::string params;  // linear_model.h JSON
  double loss_before = 0, loss_after = 0;
  double metric_before = 0, metric_after = 0;
  ModelStatus status = ModelStatus::kRejected;
  std::string reason;
  std::optional<PooledEvidence> evidence;
};

struct StatusChange {
  int64_t version = 0;  // may be kCandidateVersion
  ModelStatus status = ModelStatus::kAccepted;
  std::string reason;   // "" keeps the stored reason
};

// What one learner does: an optional candidate to store, status changes of
// stored versions, and its state afterwards (appended when `changed`).
struct LearnerPlan {
  UpdateReport report;  // outcome and reason (version filled on apply)
  std::optional<VersionToStore> candidate;
  std::vector<StatusChange> status_changes;
  LearnerState after;
  bool changed = false;
};

// The active global model as learning sees it.
struct GlobalModelView {
  const GlobalLinearModel* linear = nullptr;  // the linear model (under the trees, if any)
  const TreeEnsemble* trees = nullptr;        // the active tree model, or null
  int64_t version = 0;                        // the active global version
};

// Pooled evidence gathered since the last global candidate.
struct PoolCounts {
  uint64_t sessions = 0, users = 0;
};

// Whether this session's close completes an epoch of pooled evidence.
bool GlobalEpochDue(const LearnSettings& s, const PoolCounts& since_last_epoch);
// What one user may add to pooled evidence: sessions toward an epoch,
// clicks toward a position-bias estimate, sessions in a training window
// (each a fair share: the threshold over the users it needs).
int64_t EpochSessionsPerUser(const LearnSettings& s);
int64_t EstimateClicksPerUser(const LearnSettings& s);
int64_t WindowSessionsPerUser(const LearnSettings& s);
// Whether a global candidate can be trained at an epoch: not while an
// imported tree model is active (trained offline, not overwritten here),
// and not before position bias has been estimated from the logs (the
// off-policy check needs the estimate, not the prior).
bool GlobalCandidatePossible(const GlobalModelView& active, bool propensities_estimated);
// Clicks of pooled sessions since the last position-bias estimate: a new
// estimate every learn.propensity_clicks.
bool PropensityEstimateDue(const LearnSettings& s, uint64_t pooled_clicks_since_estimate);
// The sample a position-bias estimate uses: the newest impressions of the
// newest pooled sessions, at most kPropensityPerUser of one user.
inline constexpr size_t kPropensitySampleImpressions = 5000;
inline constexpr size_t kPropensitySampleSessions = 1500;
inline constexpr size_t kPropensityPerUser = 100;

// What the pooled learners read (steps 1 and 2 of a close, or a pooled
// step of its own: learn.pooled_at apart), all as of journal position seq.
struct PooledInput {
  LearnerState global_learner;
  GlobalModelView global;
  std::vector<double> propensities;  // the current estimate (or prior)
  bool propensities_estimated = false;
  // This position completes an epoch (GlobalEpochDue).
  bool epoch_due = false;
  // Present at an epoch when a candidate is possible (the caller loads it
  // when GlobalCandidatePossible, or when an estimate is due here): the
  // last global_window pooled sessions journaled up to seq, newest first.
  std::optional<std::span<const SessionLog>> pooled_window;
  uint64_t screened_in_span = 0;  // sessions of the window's span screened out
  // Present when PropensityEstimateDue: the sample.
  std::optional<std::span<const LoggedImpression>> propensity_sample;
  // The journal position (the global learner's epoch_seq after an epoch,
  // its propensity_seq after an estimate; never used in arithmetic).
  int64_t seq = 0;
  LearnSettings settings;
};

// A close's inputs: the pooled part (empty of triggers when the pooled
// learners run apart) and the user's.
struct SessionCloseInput : PooledInput {
  const SessionLog* session = nullptr;
  // The user's earlier closed sessions, newest first (at least
  // max(user_window - 1, guard_sessions) when there are that many).
  std::span<const SessionLog> earlier;
  bool pooled = false;  // the screening verdict (ScreenSession) for this session
  LearnerState user_learner;
  // The user's active personal model (none: the global model alone).
  std::optional<PersonalLinearModel> personal;
};

// What the pooled learners decided.
struct PooledPlan {
  LearnerPlan global;
  std::optional<PooledEvidence> global_evidence;
  // The candidate, when it was promoted: what is served after the commit.
  std::optional<GlobalLinearModel> promoted_global;
  std::optional<std::vector<double>> propensities;  // a new estimate
  // The position bias in effect afterwards (the new estimate or the input).
  std::vector<double> propensity;
  bool propensities_estimated = false;
};

// Plans the pooled learners at one journal position: the position-bias
// estimate when its sample is given, then the global candidate at an
// epoch. Pure and deterministic; PlanSessionClose runs it first.
PooledPlan PlanPooled(const PooledInput& input);

struct SessionPlan {
  uint64_t impressions = 0, clicks = 0, pairs = 0;
  LearnerPlan personal;
  LearnerPlan global;
  std::optional<PooledEvidence> global_evidence;
  // The global model the personal update was fit on (the candidate when it
  // was promoted): what the apply step serves after the commit.
  std::optional<GlobalLinearModel> promoted_global;
  InterleavingOutcome interleaving = InterleavingOutcome::kNone;
  int64_t rolled_back_to = 0;
  double loss_before = 0, loss_after = 0;
  std::optional<std::vector<double>> propensities;  // a new estimate
  std::string outcome;  // one line for the sessions table
};

// Plans a session's close. Pure and deterministic.
SessionPlan PlanSessionClose(const SessionCloseInput& input);

// Learning-rate adaptation of a guarded learner: x1.1 after an accepted
// update, x0.5 after a rejected one, kept within [setting/64, setting*4].
double AdaptRate(double rate, bool accepted, double setting);

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_LEARNING_PLAN_H_
