// Forgetting a user: their rows go, and so does their influence.
//
// Learned state is a fold over the learning journal (learning.cc): each
// session close, rollback and import reads only what was journaled before
// it. So the state before the user's first journal entry holds nothing of
// the user, and the state after it is re-derived by replaying the remaining
// entries from there: learned versions (global and personal, every user's)
// and learner states at or after that position are deleted and made again
// by the same code that made them, position-bias estimates too. The result
// equals what a database that never saw the user's sessions — the same
// other sessions, in the same order, with the current settings but
// learn.mode and learn.pooled_at as each entry records them — would
// hold (tests/forget_test.cc).
//
// What stays as it was: the other users' logged impressions (what they were
// shown is history, even where the user's influence shaped it), imported
// tree models (trained elsewhere; their check is re-run in place unless
// they were forced), and rollbacks whose target version was re-derived
// away (skipped, with a note). Files migrated from schema version 2 keep no
// learner state per journal position before the migration: a user whose
// first session predates it is forgotten by re-deriving everything from the
// factory model.
//
// Cost: one session close's learning per later journal entry, inside one
// transaction that holds the write lock (README "Forgetting a user").
#include <map>
#include <tuple>

#include "engine/database_impl.h"

namespace saiki::engine {

Result<ForgetReport> DatabaseImpl::ForgetUser(const std::string& user) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  if (user.empty()) return Status::InvalidArgument("give a user to forget");
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  const storage::WriteToken& t = txn->token();
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  ForgetReport report;
  SAIKI_ASSIGN_OR_RETURN(std::optional<int64_t> first, logs_->FirstSeqOf(user));
  SAIKI_ASSIGN_OR_RETURN(uint64_t deleted, logs_->DeleteUser(t, user));
  report.rows_deleted += deleted;
  SAIKI_ASSIGN_OR_RETURN(deleted, models_->DeleteUser(t, user));
  report.rows_deleted += deleted;

  if (first) {
    int64_t from = *first;
    SAIKI_ASSIGN_OR_RETURN(const int64_t floor, logs_->JournalFloor());
    if (from <= floor) {
      from = 0;
      SAIKI_RETURN_IF_ERROR(logs_->ClearJournalFloor(t));
      report.notes.push_back(
          "the user's first session predates schema version 3, which kept no learner state "
          "per session: every learned model was re-derived from the factory model (rollbacks "
          "by hand from before version 3 were not journaled and are not re-applied)");
    }
    // The versions about to be re-derived, to re-point rollbacks to them.
    SAIKI_ASSIGN_OR_RETURN(std::vector<storage::ModelStore::Made> old_versions,
                           models_->LearnedFrom(from));
    SAIKI_ASSIGN_OR_RETURN(deleted, models_->TruncateFrom(t, from));
    (void)deleted;  // learned rows, made again below
    SAIKI_ASSIGN_OR_RETURN(std::shared_ptr<const ModelState> start,
                           LoadModelState(state_->settings(), from));
    ModelState models = *start;
    using Key = std::tuple<int64_t, ModelScope, std::string>;  // (seq, scope, user)
    std::map<Key, int64_t> remade;
    SAIKI_ASSIGN_OR_RETURN(std::vector<storage::JournalEntry> entries, logs_->JournalFrom(from));
    for (storage::JournalEntry& e : entries) {
      switch (e.kind) {
        case storage::JournalKind::kSession: {
          SAIKI_ASSIGN_OR_RETURN(SessionReport r, LearnFromSession(t, e, &models, nullptr));
          if (r.personal.version > 0) {
            remade[{e.seq, ModelScope::kUser, e.user}] = r.personal.version;
            ++report.versions_rederived;
          }
          if (r.global.version > 0) {
            remade[{e.seq, ModelScope::kGlobal, ""}] = r.global.version;
            ++report.versions_rederived;
          }
          break;
        }
        case storage::JournalKind::kRollback: {
          SAIKI_ASSIGN_OR_RETURN(auto target, models_->GetVersion(e.version));
          if (e.version > 0 && !target) {
            int64_t now_version = 0;
            for (const auto& m : old_versions) {
              if (m.version != e.version) continue;
              auto it = remade.find({m.seq, m.scope, m.scope == ModelScope::kUser ? m.user : ""});
              if (it != remade.end()) now_version = it->second;
            }
            if (now_version == 0) {
              report.notes.push_back("the rollback at journal position " + std::to_string(e.seq) +
                                     " to version " + std::to_string(e.version) +
                                     " is not re-applied: that version is not re-derived");
              break;
            }
            e.version = now_version;
            SAIKI_RETURN_IF_ERROR(logs_->SetJournalVersion(t, e.seq, now_version));
          }
          SAIKI_RETURN_IF_ERROR(ApplyRollback(t, e, &models));
          break;
        }
        case storage::JournalKind::kPooled: {
          SAIKI_ASSIGN_OR_RETURN(PooledReport r, RunPooled(t, e, &models));
          if (r.global.version > 0) {
            remade[{e.seq, ModelScope::kGlobal, ""}] = r.global.version;
            ++report.versions_rederived;
          }
          break;
        }
        case storage::JournalKind::kImport: {
          SAIKI_ASSIGN_OR_RETURN(ModelImportReport r, ApplyImport(t, e, &models));
          (void)r;
          break;
        }
      }
      ++report.entries_replayed;
    }
  }
  SAIKI_RETURN_IF_ERROR(BumpGenerations(t, kModelsPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  // Old copies of the deleted pages can remain in the WAL until it is
  // checkpointed: truncate it now.
  conn_->CheckpointTruncate();
  SAIKI_RETURN_IF_ERROR(Reload(kModelsPart));
  return report;
}

}  // namespace saiki::engine
