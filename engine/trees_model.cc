// Tree-ensemble models (ranker/trees.h) in the database: importing an
// XGBoost JSON model as a global model version of kind "trees", and loading
// the active one.
//
// Storage: a row of `models` with scope 'global', kind 'trees', params = the
// model's JSON as XGBoost wrote it (validated), parent = the global version
// active before the import. The `learners` row of '' (the global model)
// points at it like at any global version, so `model history` lists it and
// `model rollback` goes back from it or to it.
//
// The trees are the global part of the score; the personal linear weights of
// each user stay on top of them, with z normalised by the linear global
// model under the trees (the nearest linear ancestor of the tree version).
// While a tree version is the active global model, closing a session updates
// the personal weights only (the global tree model is learned offline and
// never overwritten by the session learner): see CloseAndLearn in
// learning.cc.
#include <fstream>
#include <sstream>

#include "engine/database_impl.h"

namespace saiki::engine {

Result<int64_t> DatabaseImpl::ImportModel(const std::string& path) {
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

  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_ASSIGN_OR_RETURN(LearnerState global, LoadLearner("", state_->settings()));
  global.user = "";
  std::string name =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  std::string note = "imported " + name + ": " + std::to_string(model->num_trees()) +
                     " trees, depth <= " + std::to_string(model->max_depth()) + ", " +
                     model->objective() +
                     (model->named_features() ? "" : ", features matched by count and order");
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * ins,
      conn_->Prepare("INSERT INTO models(scope, user, kind, parent, session_id, created_at, "
                     "params, status, reason) VALUES ('global', '', 'trees', ?1, NULL, ?2, ?3, "
                     "'active', ?4)"));
  if (global.version > 0)
    ins->Bind(1, global.version);
  else
    ins->BindNull(1);
  ins->BindDouble(2, Now()).BindText(3, text).BindText(4, note);
  SAIKI_RETURN_IF_ERROR(ins->Run());
  const int64_t version = conn_->LastInsertRowid();
  SAIKI_RETURN_IF_ERROR(SetModelStatus(global.version, "accepted", ""));
  global.version = version;
  global.champion = version;
  global.interleave_left = 0;
  SAIKI_RETURN_IF_ERROR(SaveLearner(global));
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * setting,
      conn_->Prepare("INSERT INTO settings(key, value) VALUES ('ranker', 'trees') "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  SAIKI_RETURN_IF_ERROR(setting->Run());
  SAIKI_RETURN_IF_ERROR(BumpGenerations(kModelsPart | kConfigPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  SAIKI_RETURN_IF_ERROR(Reload(kModelsPart | kConfigPart));
  return version;
}

Result<int64_t> DatabaseImpl::LoadGlobalTrees(
    int64_t version, std::shared_ptr<const ranker::TreeEnsemble>* trees) {
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("SELECT kind, parent, scope FROM models WHERE version = ?1"));
  auto lookup = [&](int64_t v, std::string* kind, int64_t* parent) -> Result<bool> {
    st->Reset();
    st->Bind(1, v);
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return false;
    *kind = std::string(st->ColumnText(0));
    *parent = st->ColumnIsNull(1) ? 0 : st->ColumnInt(1);
    bool global = st->ColumnText(2) == "global";
    st->Reset();
    if (!global) {
      return Status::Corruption(conn_->path() + ": model version " + std::to_string(v) +
                                " is not a global model");
    }
    return true;
  };
  std::string kind;
  int64_t parent = 0;
  trees->reset();
  if (version == 0) return int64_t{0};
  SAIKI_ASSIGN_OR_RETURN(bool found, lookup(version, &kind, &parent));
  if (!found || kind != "trees") {
    // Not a tree model (a missing version is reported by the linear loader).
    return version;
  }
  // The parsed model of the current state is reused when it is this version
  // (parsing a large ensemble is the slow part).
  if (state_ && state_->models && state_->models->trees &&
      state_->models->global_version == version) {
    *trees = state_->models->trees;
  } else {
    SAIKI_ASSIGN_OR_RETURN(std::string params, LoadModelParams(version, "global"));
    auto model = ranker::TreeEnsemble::FromXgboostJson(params);
    if (!model.ok()) {
      return model.status().WithContext(conn_->path() + ": global model version " +
                                        std::to_string(version));
    }
    *trees = std::make_shared<const ranker::TreeEnsemble>(std::move(model).value());
  }
  // The linear model under the trees: the nearest linear ancestor. Parents
  // are older versions, so the walk ends; the bound guards a corrupt file.
  int64_t v = parent;
  for (int steps = 0; v != 0; ++steps) {
    if (steps > 1000000) {
      return Status::Corruption(conn_->path() + ": model versions' parents form a cycle");
    }
    SAIKI_ASSIGN_OR_RETURN(bool ok, lookup(v, &kind, &parent));
    if (!ok) {
      return Status::Corruption(conn_->path() + ": model version " + std::to_string(v) +
                                ", the parent of a tree model, is missing");
    }
    if (kind == "linear") return v;
    v = parent;
  }
  return int64_t{0};
}

}  // namespace saiki::engine
