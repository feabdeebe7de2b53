// The learning loop's engine side: closing a session is three steps —
// gather the plan's inputs from the stores, plan (ranker/learning_plan.h,
// pure), apply the plan through the stores — inside the caller's write
// transaction. The same LearnFromSession serves the online loop and the
// replay after a user is forgotten (forget.cc): it reads only what was
// journaled before the session's journal position, so a replay of the
// remaining journal derives what the database would have learned without
// the forgotten sessions.
//
// The in-memory state (engine_state.h) is not touched here: the caller
// installs the models part after its transaction commits.
#include <algorithm>
#include <chrono>

#include "engine/database_impl.h"
#include "ranker/propensity.h"
#include "ranker/screening.h"
#include "ranker/taste.h"

namespace saiki::engine {
namespace {

// Earlier sessions of the user a close reads: the personal update's window
// and guard, and screening's recent sessions.
int64_t EarlierSessionsNeeded(const LearnSettings& s) {
  return std::max<int64_t>({s.user_window - 1, s.guard_sessions,
                            static_cast<int64_t>(ranker::kRecentSessions) - 1});
}

}  // namespace

double DatabaseImpl::Now() const {
  if (clock_) return clock_();
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<ranker::LearnerState> DatabaseImpl::LearnerBefore(const std::string& user,
                                                         int64_t before_seq) {
  SAIKI_ASSIGN_OR_RETURN(auto stored, models_->LatestLearner(user, before_seq));
  if (stored) return *stored;
  ranker::LearnerState fresh;
  const LearnSettings& learn = state_->settings().learn;
  fresh.learning_rate = user.empty() ? learn.lr_global : learn.lr_user;
  return fresh;
}

Result<SessionReport> DatabaseImpl::CloseSession(const storage::WriteToken& t, int64_t session_id,
                                                 ModelState* models) {
  SAIKI_ASSIGN_OR_RETURN(auto row, logs_->GetSession(session_id));
  if (!row) return Status::NotFound("no session " + std::to_string(session_id));
  if (row->closed) {
    // Another process closed it between our read and our write lock.
    SessionReport report;
    report.session_id = session_id;
    report.user = row->user;
    report.personal.reason = report.global.reason = "session already closed";
    return report;
  }
  SAIKI_ASSIGN_OR_RETURN(ranker::SessionLog session, logs_->LoadSession(session_id));
  // The user's earlier sessions: what screening and the personal update
  // read (all of them are journaled before this close).
  SAIKI_ASSIGN_OR_RETURN(std::vector<ranker::SessionLog> earlier,
                         logs_->LoadUserSessions(session.user, INT64_MAX,
                                                 EarlierSessionsNeeded(state_->settings().learn)));
  const ranker::ScreeningVerdict verdict = ranker::ScreenSession(session, earlier);
  storage::JournalEntry entry;
  entry.kind = storage::JournalKind::kSession;
  entry.user = session.user;
  entry.session_id = session_id;
  entry.mode = static_cast<int>(state_->settings().learn.mode);
  entry.pooled = verdict.pooled;
  entry.note = verdict.reason;
  entry.pooled_apart = state_->settings().learn.pooled_apart;
  for (const auto& imp : session.impressions) {
    for (uint8_t s : imp.signal) entry.clicks += s > 0;
  }
  entry.at = Now();
  SAIKI_ASSIGN_OR_RETURN(entry.seq, logs_->AppendJournal(t, entry));
  SAIKI_ASSIGN_OR_RETURN(SessionReport report,
                         LearnFromSession(t, entry, models, &session, &earlier));
  const LearnSettings& learn = state_->settings().learn;
  if (learn.taste && learn.mode == ranker::LearnMode::kOn) {
    SAIKI_RETURN_IF_ERROR(UpdateTaste(t, session, *models));
  }
  return report;
}

Status DatabaseImpl::UpdateTaste(const storage::WriteToken& t, const ranker::SessionLog& session,
                                 const ModelState& models) {
  // The user's own profile only: nothing here reaches another user, so
  // forgetting a user deletes their profile and replays nothing for it
  // (forget.cc), and the journal replay does not come through here.
  SAIKI_ASSIGN_OR_RETURN(auto shown, logs_->ShownProducts(session.session_id));
  if (shown.size() != session.impressions.size()) {
    return Status::Corruption(conn_->path() + ": session " + std::to_string(session.session_id) +
                              ": impressions and their shown products disagree");
  }
  const index::DocTable& docs = state_->docs();
  // The shown products' docids (0: none, or deleted since it was shown,
  // which says nothing any more), and their cold rows only: a session is
  // tens of products, the catalogue may be millions.
  std::vector<std::vector<uint32_t>> shown_docids(shown.size());
  std::vector<uint32_t> wanted;
  for (size_t i = 0; i < shown.size(); ++i) {
    const size_t n = std::min(shown[i].size(), session.impressions[i].signal.size());
    shown_docids[i].assign(n, 0);
    for (size_t pos = 0; pos < n; ++pos) {
      if (shown[i][pos].empty()) continue;
      SAIKI_ASSIGN_OR_RETURN(std::optional<int64_t> docid,
                             catalog_store_->FindDocid(shown[i][pos]));
      if (!docid || *docid <= 0 || !docs.live(static_cast<uint32_t>(*docid))) continue;
      shown_docids[i][pos] = static_cast<uint32_t>(*docid);
      wanted.push_back(shown_docids[i][pos]);
    }
  }
  SAIKI_RETURN_IF_ERROR(docs.EnsureHot());
  SAIKI_RETURN_IF_ERROR(docs.EnsureColdRows(wanted));
  const ranker::CategoryMedians& medians = state_->catalog->Medians();
  std::vector<ranker::TasteProfile::Shown> observed;
  std::vector<uint32_t> clicked_leaves;
  for (size_t i = 0; i < shown.size(); ++i) {
    const ranker::LoggedImpression& imp = session.impressions[i];
    bool page_clicked = false;
    for (uint8_t s : imp.signal) page_clicked |= s > 0;
    const size_t first = observed.size();
    for (size_t pos = 0; pos < shown_docids[i].size(); ++pos) {
      const uint32_t docid = shown_docids[i][pos];
      if (docid == 0) continue;
      ranker::TasteProfile::Shown s;
      s.keys = ranker::TasteKeysOf(docs.info(docid), medians);
      s.exam = ranker::PropensityAt(models.propensities, imp.first_rank + pos);
      // A cart or a purchase says more than a click.
      s.click = imp.signal[pos] ? 1.0 + 0.5 * (imp.signal[pos] - 1) : 0.0;
      s.page_clicked = page_clicked;
      observed.push_back(s);
    }
    // A pass over a product of a leaf the page's clicks were not in says
    // that the user did not want that leaf for this query, not that they
    // dislike its brand, tier or words: a 柴犬 mug passed over in a search
    // for dog food is off the query's intent whatever its brand. So such a
    // pass teaches the leaf (and the bias) only; passes within a clicked
    // leaf — the products the user chose between — teach every value.
    clicked_leaves.clear();
    for (size_t o = first; o < observed.size(); ++o) {
      if (observed[o].click > 0 && observed[o].keys.leaf) {
        clicked_leaves.push_back(observed[o].keys.leaf);
      }
    }
    for (size_t o = first; o < observed.size(); ++o) {
      ranker::TasteKeys& k = observed[o].keys;
      if (observed[o].click > 0 || !page_clicked) continue;
      if (std::find(clicked_leaves.begin(), clicked_leaves.end(), k.leaf) !=
          clicked_leaves.end()) {
        continue;
      }
      k.brand = 0;
      k.tier = 0;
      k.has_words = false;
    }
  }
  if (observed.empty()) return Status::Ok();
  SAIKI_ASSIGN_OR_RETURN(ranker::TasteProfile profile, models_->Taste(session.user));
  profile.Update(observed, Now(), state_->settings().learn.half_life_days * 86400.0);
  return models_->PutTaste(t, session.user, profile);
}

namespace {

// Inserts a plan's candidate, applies its status changes and appends its
// learner state; returns the candidate's version (0: none).
Result<int64_t> ApplyLearnerPlan(const storage::WriteToken& t, storage::ModelStore* store,
                                 const ranker::LearnerPlan& plan, const std::string& user,
                                 const storage::JournalEntry& entry, double now) {
  int64_t version = 0;
  if (plan.candidate) {
    storage::NewVersion v;
    v.decided = *plan.candidate;
    v.session_id = entry.session_id;
    v.seq = entry.seq;
    v.created_at = now;
    SAIKI_ASSIGN_OR_RETURN(version, store->InsertVersion(t, v));
  }
  auto resolve = [&](int64_t v) { return v == ranker::kCandidateVersion ? version : v; };
  for (const auto& change : plan.status_changes) {
    SAIKI_RETURN_IF_ERROR(store->SetStatus(t, resolve(change.version), change.status, change.reason));
  }
  if (plan.changed) {
    ranker::LearnerState after = plan.after;
    after.version = resolve(after.version);
    after.champion = resolve(after.champion);
    SAIKI_RETURN_IF_ERROR(store->PutLearner(t, user, entry.seq, after));
  }
  return version;
}

}  // namespace

Result<SessionReport> DatabaseImpl::LearnFromSession(
    const storage::WriteToken& t, const storage::JournalEntry& entry, ModelState* models,
    const ranker::SessionLog* preloaded, const std::vector<ranker::SessionLog>* preloaded_earlier) {
  CloseInputs inputs;
  SAIKI_RETURN_IF_ERROR(GatherClose(entry, *models, preloaded, preloaded_earlier, &inputs));
  const ranker::SessionPlan plan = ranker::PlanSessionClose(inputs.in);
  return ApplyClose(t, entry, inputs, plan, models);
}

Status DatabaseImpl::GatherClose(const storage::JournalEntry& entry, const ModelState& models,
                                 const ranker::SessionLog* preloaded,
                                 const std::vector<ranker::SessionLog>* preloaded_earlier,
                                 CloseInputs* out) {
  // Everything as of the session's journal position: only what was
  // journaled before it, so that a replay reads what the close read.
  LearnSettings settings = state_->settings().learn;
  settings.mode = static_cast<ranker::LearnMode>(std::clamp(entry.mode, 0, 2));
  settings.pooled_apart = entry.pooled_apart;
  if (!preloaded) {
    SAIKI_ASSIGN_OR_RETURN(out->session, logs_->LoadSession(entry.session_id));
  } else {
    out->session = *preloaded;
  }
  const std::string& user = out->session.user;
  if (!preloaded_earlier) {
    SAIKI_ASSIGN_OR_RETURN(out->earlier, logs_->LoadUserSessions(user, entry.seq,
                                                                  EarlierSessionsNeeded(settings)));
  } else {
    out->earlier = *preloaded_earlier;
  }
  ranker::SessionCloseInput& in = out->in;
  in.session = &out->session;
  in.earlier = out->earlier;
  in.pooled = entry.pooled;
  in.seq = entry.seq;
  in.settings = settings;
  SAIKI_ASSIGN_OR_RETURN(in.user_learner, LearnerBefore(user, entry.seq));
  if (in.user_learner.version > 0) {
    SAIKI_ASSIGN_OR_RETURN(std::string params,
                           models_->Params(in.user_learner.version, ModelScope::kUser));
    auto personal = ranker::PersonalLinearModel::FromJson(params);
    if (!personal.ok()) {
      return personal.status().WithContext(conn_->path() + ": model version " +
                                           std::to_string(in.user_learner.version));
    }
    in.personal = std::move(personal).value();
  }
  SAIKI_ASSIGN_OR_RETURN(in.global_learner, LearnerBefore("", entry.seq));
  in.global = {&models.global, models.trees.get(), models.global_version};
  in.propensities = models.propensities;
  in.propensities_estimated = models.propensities_estimated;

  if (!settings.pooled_apart) {
    SAIKI_RETURN_IF_ERROR(GatherPooled(entry.seq, settings, &in, &out->window, &out->sample));
  }
  return Status::Ok();
}

Status DatabaseImpl::GatherPooled(int64_t seq, const LearnSettings& settings,
                                  ranker::PooledInput* in,
                                  std::vector<ranker::SessionLog>* window,
                                  std::vector<ranker::LoggedImpression>* sample) {
  // The pooled learners' triggers, and their inputs when they fire.
  const int64_t sessions_cap = ranker::EpochSessionsPerUser(settings);
  const int64_t clicks_cap = ranker::EstimateClicksPerUser(settings);
  SAIKI_ASSIGN_OR_RETURN(storage::PoolStats since_estimate,
                         logs_->PooledBetween(in->global_learner.propensity_seq, seq,
                                              sessions_cap, clicks_cap));
  const bool estimate_due = ranker::PropensityEstimateDue(settings, since_estimate.clicks);
  SAIKI_ASSIGN_OR_RETURN(storage::PoolStats since_epoch,
                         logs_->PooledBetween(in->global_learner.epoch_seq, seq, sessions_cap,
                                              clicks_cap));
  in->epoch_due = ranker::GlobalEpochDue(settings, {since_epoch.sessions, since_epoch.users});
  if (in->epoch_due && ranker::GlobalCandidatePossible(
                           in->global, in->propensities_estimated || estimate_due)) {
    SAIKI_ASSIGN_OR_RETURN(*window,
                           logs_->LoadPooledSessions(seq, settings.global_window,
                                                     ranker::WindowSessionsPerUser(settings)));
    SAIKI_ASSIGN_OR_RETURN(in->screened_in_span,
                           logs_->ScreenedBetween(in->global_learner.epoch_seq + 1, seq));
    in->pooled_window = std::span<const ranker::SessionLog>(*window);
  }
  if (estimate_due) {
    SAIKI_ASSIGN_OR_RETURN(std::vector<ranker::SessionLog> recent,
                           logs_->LoadPooledSessions(seq, ranker::kPropensitySampleSessions,
                                                     ranker::kPropensitySampleSessions));
    std::unordered_map<std::string, size_t> per_user;
    for (auto& s : recent) {
      size_t& n = per_user[s.user];
      for (auto& imp : s.impressions) {
        if (n >= ranker::kPropensityPerUser ||
            sample->size() >= ranker::kPropensitySampleImpressions) {
          break;
        }
        ++n;
        sample->push_back(std::move(imp));
      }
    }
    in->propensity_sample = std::span<const ranker::LoggedImpression>(*sample);
  }
  return Status::Ok();
}

Result<SessionReport> DatabaseImpl::ApplyClose(const storage::WriteToken& t,
                                               const storage::JournalEntry& entry,
                                               const CloseInputs& inputs,
                                               const ranker::SessionPlan& plan,
                                               ModelState* models) {
  const std::string& user = inputs.session.user;
  SAIKI_ASSIGN_OR_RETURN(int64_t global_candidate,
                         ApplyPooled(t, entry, inputs.in.epoch_due, plan.global,
                                     plan.propensities, plan.promoted_global, models));
  SAIKI_ASSIGN_OR_RETURN(int64_t personal_candidate,
                         ApplyLearnerPlan(t, models_.get(), plan.personal, user, entry, Now()));
  SAIKI_RETURN_IF_ERROR(logs_->CloseSession(t, entry.session_id, entry.at, plan.outcome));

  SessionReport report;
  report.session_id = entry.session_id;
  report.user = user;
  report.impressions = plan.impressions;
  report.clicks = plan.clicks;
  report.pairs = plan.pairs;
  report.pooled = entry.pooled;
  report.not_pooled_reason = entry.note;
  report.personal = plan.personal.report;
  report.personal.version = personal_candidate;
  report.global = plan.global.report;
  report.global.version = global_candidate;
  report.global_evidence = plan.global_evidence;
  report.interleaving = plan.interleaving;
  report.rolled_back_to = plan.rolled_back_to;
  report.global_version = models->global_version;
  const int64_t user_version = plan.personal.after.version;
  report.user_version =
      user_version == ranker::kCandidateVersion ? personal_candidate : user_version;
  report.loss_before = plan.loss_before;
  report.loss_after = plan.loss_after;
  return report;
}

Result<int64_t> DatabaseImpl::ApplyPooled(const storage::WriteToken& t,
                                          const storage::JournalEntry& entry, bool epoch_due,
                                          const ranker::LearnerPlan& global,
                                          const std::optional<std::vector<double>>& propensities,
                                          const std::optional<ranker::GlobalLinearModel>& promoted,
                                          ModelState* models) {
  SAIKI_ASSIGN_OR_RETURN(int64_t candidate,
                         ApplyLearnerPlan(t, models_.get(), global, "", entry, Now()));
  if (propensities) {
    SAIKI_RETURN_IF_ERROR(models_->PutPropensities(t, entry.seq, *propensities));
    models->propensities = *propensities;
    models->propensities_estimated = true;
  }
  if (epoch_due) models->gate_seq = entry.seq;
  if (promoted) {
    models->global = *promoted;
    models->global_version = candidate;
    models->linear_version = candidate;
    models->trees.reset();
  }
  return candidate;
}

Result<PooledReport> DatabaseImpl::RunPooled(const storage::WriteToken& t,
                                             const storage::JournalEntry& entry,
                                             ModelState* models) {
  LearnSettings settings = state_->settings().learn;
  settings.mode = static_cast<ranker::LearnMode>(std::clamp(entry.mode, 0, 2));
  ranker::PooledInput in;
  in.seq = entry.seq;
  in.settings = settings;
  SAIKI_ASSIGN_OR_RETURN(in.global_learner, LearnerBefore("", entry.seq));
  in.global = {&models->global, models->trees.get(), models->global_version};
  in.propensities = models->propensities;
  in.propensities_estimated = models->propensities_estimated;
  std::vector<ranker::SessionLog> window;
  std::vector<ranker::LoggedImpression> sample;
  SAIKI_RETURN_IF_ERROR(GatherPooled(entry.seq, settings, &in, &window, &sample));
  const ranker::PooledPlan plan = ranker::PlanPooled(in);
  PooledReport report;
  report.ran = true;
  report.seq = entry.seq;
  report.epoch = in.epoch_due;
  report.propensities_estimated = plan.propensities.has_value();
  SAIKI_ASSIGN_OR_RETURN(int64_t candidate,
                         ApplyPooled(t, entry, in.epoch_due, plan.global, plan.propensities,
                                     plan.promoted_global, models));
  report.global = plan.global.report;
  report.global.version = candidate;
  report.global_evidence = plan.global_evidence;
  report.global_version = models->global_version;
  return report;
}

Result<PooledReport> DatabaseImpl::LearnPooled() {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  const storage::WriteToken& t = txn->token();
  SAIKI_RETURN_IF_ERROR(EnsureFresh());  // the freshest models, under the lock
  const LearnSettings& learn = state_->settings().learn;
  PooledReport report;
  report.global_version = state_->models->global_version;
  if (!learn.pooled_apart) {
    report.global.reason = "the pooled learners run in the session closes (learn.pooled_at close)";
    return report;
  }
  if (learn.mode == ranker::LearnMode::kOff) {
    report.global.reason = "learning is off (learn.mode off)";
    return report;
  }
  // A step is journaled whenever a pooled session came since the last one,
  // due or not: a replay without a forgotten user's sessions re-decides at
  // the same steps, and a step may be due there where it was not here.
  SAIKI_ASSIGN_OR_RETURN(bool news, logs_->PooledSinceLastStep());
  if (!news) {
    report.global.reason = "no pooled session closed since the last pooled step";
    return report;
  }
  storage::JournalEntry entry;
  entry.kind = storage::JournalKind::kPooled;
  entry.mode = static_cast<int>(learn.mode);
  entry.at = Now();
  SAIKI_ASSIGN_OR_RETURN(entry.seq, logs_->AppendJournal(t, entry));
  ModelState models = *state_->models;
  SAIKI_ASSIGN_OR_RETURN(report, RunPooled(t, entry, &models));
  // The served state changes with an epoch (the gates, maybe a promotion)
  // or a new estimate; a step that found nothing due changes none of it.
  const bool served_changed = report.epoch || report.propensities_estimated;
  if (served_changed) SAIKI_RETURN_IF_ERROR(BumpGenerations(t, kModelsPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  // The WAL's pages since the last step go into the file here, off the
  // requests' path: SQLite otherwise checkpoints in whichever commit takes
  // the WAL past 1,000 pages, a search's, a click's or a session end's
  // (8-11 ms of CPU at 10,000 sessions: README "Performance"). More
  // checkpoints, not fewer: nothing is less durable for it.
  conn_->CheckpointPassive();
  if (served_changed) SAIKI_RETURN_IF_ERROR(Reload(kModelsPart));
  return report;
}

}  // namespace saiki::engine
