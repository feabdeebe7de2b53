// Tree-ensemble models (ranker/trees.h) in the database: importing an
// XGBoost JSON model as a global model version of kind "trees", checked like
// a learned candidate before it serves, and loading the active one.
//
// Storage: a row of `models` with scope 'global', kind 'trees', params = the
// model's JSON as XGBoost wrote it (validated), parent = the global version
// active before the import, and a journal entry (kind import) that makes it
// replayable after a user is forgotten. The global learner's state points
// at it like at any global version, so `model history` lists it and `model
// rollback` goes back from it or to it.
//
// A manifest (model_manifest.h, written by fleet/publish.py) is checked
// first when one is named or lies beside the model: a model for another
// feature set is refused before anything is stored.
//
// The check: the off-policy comparison of the tree model against the active
// global model on the pooled sessions logged before the import
// (ranker/global_learner.h CompareOnPooledSessions). It becomes active only
// when the lower confidence bound of its gain is above 0, or with --force
// (recorded). A model trained offline on the very sessions it is checked on
// looks better than it is: train on an export, check on what comes after.
//
// The trees are the global part of the score; the personal linear weights of
// each user stay on top of them, with z normalised by the linear global
// model under the trees (the nearest linear ancestor of the tree version).
// While a tree version is the active global model, the pooled learner
// proposes no linear candidates (it would overwrite a model trained
// offline); personal updates go on.
#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "engine/database_impl.h"
#include "engine/model_manifest.h"
#include "ranker/global_learner.h"

namespace saiki::engine {
namespace {

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.4f", v);
  return buf;
}

}  // namespace

Result<ModelImportReport> DatabaseImpl::ImportModel(const std::string& path,
                                                    const ModelImportOptions& options) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": no such file (or not readable)");
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) return Status::IoError(path + ": cannot tell its size");
  if (static_cast<uint64_t>(size) > ranker::kMaxTreeModelBytes) {
    return Status::ResourceExhausted(path + ": " + std::to_string(size) +
                                     " bytes; a tree model may have at most " +
                                     std::to_string(ranker::kMaxTreeModelBytes));
  }
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<size_t>(size), '\0');
  if (!in.read(text.data(), size)) return Status::IoError(path + ": read failed");
  auto model = ranker::TreeEnsemble::FromXgboostJson(text);
  if (!model.ok()) return model.status().WithContext(path);
  // The fleet manifest (model_manifest.h): named, or found beside the model.
  // Checked before the transaction: a refused model stores nothing.
  std::string manifest_path = options.manifest;
  if (manifest_path.empty()) {
    std::string beside = path + std::string(kModelManifestSuffix);
    std::error_code ec;
    if (std::filesystem::exists(beside, ec)) manifest_path = beside;
  }
  if (!manifest_path.empty()) {
    std::ifstream mf(manifest_path, std::ios::binary);
    if (!mf) return Status::NotFound(manifest_path + ": no such model manifest (or not readable)");
    std::string manifest((std::istreambuf_iterator<char>(mf)), std::istreambuf_iterator<char>());
    if (mf.bad()) return Status::IoError(manifest_path + ": read failed");
    SAIKI_RETURN_IF_ERROR(CheckModelManifest(manifest, manifest_path, *model,
                                             static_cast<uint64_t>(size)));
  }

  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  const storage::WriteToken& t = txn->token();
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  storage::JournalEntry entry;
  entry.kind = storage::JournalKind::kImport;
  entry.forced = options.force;
  entry.mode = static_cast<int>(state_->settings().learn.mode);
  entry.at = Now();
  SAIKI_ASSIGN_OR_RETURN(entry.seq, logs_->AppendJournal(t, entry));
  const std::string name =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  storage::NewVersion v;
  v.kind = ModelKind::kTrees;
  v.seq = entry.seq;
  v.created_at = entry.at;
  v.forced = options.force;
  v.decided.scope = ModelScope::kGlobal;
  v.decided.parent = state_->models->global_version;
  v.decided.params = text;
  v.decided.status = ModelStatus::kRejected;  // until ApplyImport decides
  v.decided.reason = "imported " + name + ": " + std::to_string(model->num_trees()) +
             " trees, depth <= " + std::to_string(model->max_depth()) + ", " + model->objective() +
             (model->named_features() ? "" : ", features matched by count and order");
  SAIKI_ASSIGN_OR_RETURN(entry.version, models_->InsertVersion(t, v));
  SAIKI_RETURN_IF_ERROR(logs_->SetJournalVersion(t, entry.seq, entry.version));
  ModelState models = *state_->models;
  SAIKI_ASSIGN_OR_RETURN(ModelImportReport report, ApplyImport(t, entry, &models));
  unsigned parts = kModelsPart;
  if (report.status == ModelStatus::kActive) {
    SAIKI_RETURN_IF_ERROR(catalog_store_->PutSetting(t, "ranker", "trees"));
    parts |= kConfigPart;
  }
  SAIKI_RETURN_IF_ERROR(BumpGenerations(t, parts));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  SAIKI_RETURN_IF_ERROR(Reload(parts));
  return report;
}

Result<ModelImportReport> DatabaseImpl::ApplyImport(const storage::WriteToken& t,
                                                    const storage::JournalEntry& entry,
                                                    ModelState* models) {
  SAIKI_ASSIGN_OR_RETURN(auto stored, models_->GetVersion(entry.version));
  if (!stored || stored->kind != ModelKind::kTrees) {
    return Status::Corruption(conn_->path() + ": journal entry " + std::to_string(entry.seq) +
                              " imports model version " + std::to_string(entry.version) +
                              ", which is not a stored tree model");
  }
  // The global version active before the import (a replay after a forget
  // may have re-derived it).
  SAIKI_RETURN_IF_ERROR(models_->SetParent(t, entry.version, models->global_version));
  // The note written on import, before any verdict.
  const std::string note = stored->reason.substr(0, stored->reason.find(" | "));
  ModelImportReport report;
  report.version = entry.version;
  report.forced = entry.forced;
  LearnSettings settings = state_->settings().learn;
  settings.mode = static_cast<ranker::LearnMode>(std::clamp(entry.mode, 0, 2));
  std::string verdict;
  if (entry.forced) {
    report.status = ModelStatus::kActive;
    verdict = "forced: made active without the check";
  } else {
    SAIKI_ASSIGN_OR_RETURN(std::string params,
                           models_->Params(entry.version, ModelScope::kGlobal));
    auto trees = ranker::TreeEnsemble::FromXgboostJson(params);
    if (!trees.ok()) {
      return trees.status().WithContext(conn_->path() + ": model version " +
                                        std::to_string(entry.version));
    }
    SAIKI_ASSIGN_OR_RETURN(std::vector<ranker::SessionLog> sessions,
                           logs_->LoadPooledSessions(entry.seq, settings.global_window,
                                                     ranker::WindowSessionsPerUser(settings)));
    ranker::PageScorer active = models->trees ? ranker::TreePageScorer(*models->trees)
                                              : ranker::LinearPageScorer(models->global);
    bool by_user = false;
    ranker::OffPolicyComparison cmp = ranker::CompareOnPooledSessions(
        sessions, active, ranker::TreePageScorer(*trees), models->propensities, settings,
        &by_user);
    PooledEvidence ev;
    ev.sessions = sessions.size();
    ranker::RecordComparison(cmp, &ev);
    report.evidence = ev;
    const bool better = cmp.units >= 2 && cmp.lower_bound > 0;
    const std::string figures =
        "off-policy IPS-RR " + Fixed(cmp.candidate) + " vs " + Fixed(cmp.baseline) + " on " +
        std::to_string(cmp.units) + (by_user ? " users" : " sessions") +
        ", lower bound of the gain " + Fixed(cmp.lower_bound);
    if (cmp.units < 2) {
      verdict = "fewer than 2 users or sessions with clicks to check it on (" + figures +
                "); import with --force to make it active anyway";
    } else {
      verdict = better ? "better: " + figures
                       : "not better: " + figures + "; import with --force to make it active anyway";
    }
    if (settings.mode == ranker::LearnMode::kShadow) {
      report.status = ModelStatus::kShadow;
      verdict = std::string(better ? "would be promoted: " : "would be rejected: ") + verdict;
    } else {
      report.status = better ? ModelStatus::kActive : ModelStatus::kRejected;
    }
  }
  report.reason = note + " | " + verdict;
  SAIKI_RETURN_IF_ERROR(models_->SetStatus(t, entry.version, report.status, report.reason));
  if (report.status == ModelStatus::kActive) {
    SAIKI_ASSIGN_OR_RETURN(ranker::LearnerState g, LearnerBefore("", entry.seq));
    SAIKI_RETURN_IF_ERROR(models_->SetStatus(t, g.version, ModelStatus::kAccepted, ""));
    g.version = g.champion = entry.version;
    g.interleave_left = 0;
    g.epoch_seq = entry.seq;
    models->gate_seq = entry.seq;
    SAIKI_RETURN_IF_ERROR(models_->PutLearner(t, "", entry.seq, g));
    SAIKI_RETURN_IF_ERROR(LoadGlobalVersion(entry.version, models));
  }
  return report;
}

Result<int64_t> DatabaseImpl::LoadGlobalTrees(
    int64_t version, std::shared_ptr<const ranker::TreeEnsemble>* trees) {
  trees->reset();
  if (version == 0) return int64_t{0};
  SAIKI_ASSIGN_OR_RETURN(auto lineage, models_->GetLineage(version));
  if (!lineage || lineage->kind != ModelKind::kTrees) {
    // Not a tree model (a missing version is reported by the linear loader).
    return version;
  }
  if (lineage->scope != ModelScope::kGlobal) {
    return Status::Corruption(conn_->path() + ": model version " + std::to_string(version) +
                              " is not a global model");
  }
  // The parsed model of the current state is reused when it is this version
  // (parsing a large ensemble is the slow part).
  if (state_ && state_->models && state_->models->trees &&
      state_->models->global_version == version) {
    *trees = state_->models->trees;
  } else {
    SAIKI_ASSIGN_OR_RETURN(std::string params, models_->Params(version, ModelScope::kGlobal));
    auto model = ranker::TreeEnsemble::FromXgboostJson(params);
    if (!model.ok()) {
      return model.status().WithContext(conn_->path() + ": global model version " +
                                        std::to_string(version));
    }
    *trees = std::make_shared<const ranker::TreeEnsemble>(std::move(model).value());
  }
  // The linear model under the trees: the nearest linear ancestor. Parents
  // are older versions, so the walk ends; the bound guards a corrupt file.
  int64_t v = lineage->parent;
  for (int steps = 0; v != 0; ++steps) {
    if (steps > 1000000) {
      return Status::Corruption(conn_->path() + ": model versions' parents form a cycle");
    }
    SAIKI_ASSIGN_OR_RETURN(auto up, models_->GetLineage(v));
    if (!up) {
      return Status::Corruption(conn_->path() + ": model version " + std::to_string(v) +
                                ", an ancestor of a tree model, is missing");
    }
    if (up->kind == ModelKind::kLinear) return v;
    v = up->parent;
  }
  return int64_t{0};
}

}  // namespace saiki::engine
