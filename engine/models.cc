// Model operations: the learned models as state (LoadModelState), what
// `model show` and `model history` read, and rollbacks by hand — journal
// entries, so that a replay after forgetting a user re-applies them in
// their place (forget.cc).
#include <algorithm>
#include <climits>

#include "engine/database_impl.h"
#include "ranker/propensity.h"

namespace saiki::engine {
namespace {

// Ranks the position-bias prior covers.
constexpr int kPriorPositions = 100;

}  // namespace

Result<std::shared_ptr<const ModelState>> DatabaseImpl::LoadModelState(
    const EngineSettings& settings, int64_t before_seq) {
  auto m = std::make_shared<ModelState>();
  SAIKI_ASSIGN_OR_RETURN(auto global, models_->LatestLearner("", before_seq));
  SAIKI_RETURN_IF_ERROR(LoadGlobalVersion(global ? global->version : 0, m.get()));
  m->gate_seq = global ? global->epoch_seq : 0;
  SAIKI_ASSIGN_OR_RETURN(auto propensities, models_->LatestPropensities(before_seq));
  m->propensities_estimated = propensities.has_value();
  m->propensities = propensities
                        ? std::move(*propensities)
                        : ranker::PowerLawPropensity(kPriorPositions, settings.learn.propensity_eta);
  return std::shared_ptr<const ModelState>(std::move(m));
}

Status DatabaseImpl::LoadGlobalVersion(int64_t version, ModelState* m) {
  m->global_version = version;
  m->global = ranker::GlobalLinearModel::Initial();
  // A tree model (trees_model.cc) goes into m->trees; the linear model under
  // it still normalises the personal part.
  SAIKI_ASSIGN_OR_RETURN(m->linear_version, LoadGlobalTrees(version, &m->trees));
  if (m->linear_version == 0) return Status::Ok();
  SAIKI_ASSIGN_OR_RETURN(std::string params,
                         models_->Params(m->linear_version, ModelScope::kGlobal));
  auto model = ranker::GlobalLinearModel::FromJson(params);
  if (!model.ok()) {
    return model.status().WithContext(conn_->path() + ": global model version " +
                                      std::to_string(m->linear_version));
  }
  m->global = std::move(model).value();
  return Status::Ok();
}

Result<ModelInfo> DatabaseImpl::GetModel(const std::string& user) {
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  const std::shared_ptr<const EngineState> state = state_;
  const ModelState& models = *state->models;
  const LearnSettings& learn = state->settings().learn;
  ModelInfo info;
  info.learn_mode = ranker::LearnModeName(learn.mode);
  SAIKI_ASSIGN_OR_RETURN(ranker::LearnerState g, LearnerBefore("", INT64_MAX));
  info.global_learning_rate = g.learning_rate;
  SAIKI_ASSIGN_OR_RETURN(auto gv, models_->GetVersion(models.global_version));
  if (gv) {
    info.global = *gv;
  } else {
    info.global.scope = ModelScope::kGlobal;
    info.global.kind = ModelKind::kLinear;
    info.global.status = ModelStatus::kActive;
    info.global.reason = "the factory model (BM25F order)";
  }
  SAIKI_ASSIGN_OR_RETURN(storage::PoolStats pending,
                         logs_->PooledBetween(g.epoch_seq, INT64_MAX,
                                              ranker::EpochSessionsPerUser(learn),
                                              ranker::EstimateClicksPerUser(learn)));
  info.pending_sessions = pending.sessions;
  info.pending_users = pending.users;
  info.needed_sessions = static_cast<uint64_t>(learn.global_min_sessions);
  info.needed_users = static_cast<uint64_t>(learn.global_min_users);
  Eigen::VectorXd personal = Eigen::VectorXd::Zero(ranker::kNumFeatures);
  if (!user.empty()) {
    SAIKI_ASSIGN_OR_RETURN(ranker::LearnerState u, LearnerBefore(user, INT64_MAX));
    info.user_learning_rate = u.learning_rate;
    info.champion_version = u.champion;
    info.interleave_sessions_left = u.interleave_left;
    info.wins_new = u.wins_new;
    info.wins_old = u.wins_old;
    info.ties = u.ties;
    SAIKI_ASSIGN_OR_RETURN(info.personal, models_->GetVersion(u.version));
    SAIKI_ASSIGN_OR_RETURN(personal, PersonalWeights(u.version, models.global.scale));
  }
  for (int i = 0; i < ranker::kNumFeatures; ++i) {
    info.weights.push_back({ranker::kFeatureNames[i], models.global.weights[i], personal[i],
                            models.global.mean[i], models.global.scale[i]});
  }
  info.propensities = models.propensities;
  info.propensities.resize(std::min<size_t>(info.propensities.size(), 10));
  return info;
}

Result<std::vector<ModelVersion>> DatabaseImpl::ModelHistory(const std::string& user) {
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  return models_->History(user);
}

Status DatabaseImpl::RollbackModel(int64_t version, const std::string& user) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  if (version < 0) return Status::InvalidArgument("a model version is 0 or more");
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  std::string scope_user = user;
  if (version > 0) {
    SAIKI_ASSIGN_OR_RETURN(auto v, models_->GetVersion(version));
    if (!v) return Status::NotFound("no model version " + std::to_string(version));
    if (v->status == ModelStatus::kRejected || v->status == ModelStatus::kShadow) {
      return Status::InvalidArgument("model version " + std::to_string(version) + " was " +
                                     (v->status == ModelStatus::kShadow
                                          ? "a shadow candidate"
                                          : "rejected by its check") +
                                     " (" + v->reason + "); roll back to an accepted version");
    }
    const std::string owner = v->scope == ModelScope::kGlobal ? "" : v->user;
    if (!user.empty() && owner != user) {
      return Status::InvalidArgument("model version " + std::to_string(version) + " is " +
                                     (owner.empty() ? std::string("a global version")
                                                    : "user '" + owner + "''s") +
                                     ", not user '" + user + "''s");
    }
    scope_user = owner;
  } else if (!user.empty()) {
    SAIKI_ASSIGN_OR_RETURN(auto learner, models_->LatestLearner(user, INT64_MAX));
    if (!learner) return Status::NotFound("user '" + user + "' has no personal model");
  }
  storage::JournalEntry entry;
  entry.kind = storage::JournalKind::kRollback;
  entry.user = scope_user;
  entry.version = version;
  entry.mode = static_cast<int>(state_->settings().learn.mode);
  entry.at = Now();
  SAIKI_ASSIGN_OR_RETURN(entry.seq, logs_->AppendJournal(txn->token(), entry));
  ModelState models = *state_->models;
  SAIKI_RETURN_IF_ERROR(ApplyRollback(txn->token(), entry, &models));
  SAIKI_RETURN_IF_ERROR(BumpGenerations(txn->token(), kModelsPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  return Reload(kModelsPart);
}

Status DatabaseImpl::ApplyRollback(const storage::WriteToken& t,
                                   const storage::JournalEntry& entry, ModelState* models) {
  SAIKI_ASSIGN_OR_RETURN(ranker::LearnerState s, LearnerBefore(entry.user, entry.seq));
  if (s.version != entry.version) {
    SAIKI_RETURN_IF_ERROR(models_->SetStatus(t, s.version, ModelStatus::kRolledBack,
                                             "rolled back by hand to version " +
                                                 std::to_string(entry.version)));
  }
  SAIKI_RETURN_IF_ERROR(models_->SetStatus(t, entry.version, ModelStatus::kActive, ""));
  s.version = s.champion = entry.version;
  s.interleave_left = 0;
  s.wins_new = s.wins_old = s.ties = 0;
  if (entry.user.empty()) {
    s.epoch_seq = entry.seq;  // pooled evidence starts again from here
    models->gate_seq = entry.seq;
    SAIKI_RETURN_IF_ERROR(LoadGlobalVersion(entry.version, models));
  }
  return models_->PutLearner(t, entry.user, entry.seq, s);
}

}  // namespace saiki::engine
