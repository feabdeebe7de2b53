// Sessions on the serving side: logging a personalised search into the
// user's session, recording clicks, and the calls that close sessions
// (EndSession, SweepSessions). Each public call is one write transaction;
// closing a session learns from it inside that transaction (learning.cc),
// and the models part of the in-memory state is installed only after the
// commit.
#include <algorithm>
#include <cstdlib>

#include "engine/database_impl.h"

namespace saiki::engine {

Result<std::string> DatabaseImpl::LogSearch(const CompiledRequest& req,
                                            const SearchResponse& response,
                                            const std::vector<RankedHit>& ranked,
                                            const std::vector<std::string>& product_ids,
                                            int64_t champion) {
  const double now = Now();
  // One transaction: the user's idle sessions close (and are learned from),
  // then the search is logged into the open session or a new one, so that
  // another process cannot close the session in between.
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  const storage::WriteToken& t = txn->token();
  // Closing a session learns on top of the models: the freshest, under the
  // write lock (another process may have promoted one since the search).
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  const double timeout = state_->settings().learn.session_timeout_minutes * 60;
  SAIKI_ASSIGN_OR_RETURN(auto open, logs_->OpenSessionsOf(req.user));
  int64_t session_id = 0;
  bool learned = false;
  ModelState models = *state_->models;
  for (const auto& s : open) {
    if (now - s.last_at > timeout) {
      // Noticed at the user's next request: the idle session closes before
      // the new one starts.
      SAIKI_ASSIGN_OR_RETURN(SessionReport report, CloseSession(t, s.session_id, &models));
      (void)report;
      learned = true;
    } else {
      session_id = s.session_id;  // the newest open one
    }
  }
  if (session_id == 0) {
    SAIKI_ASSIGN_OR_RETURN(session_id, logs_->OpenSession(t, req.user, now));
  }

  storage::ImpressionToLog imp;
  imp.session_id = session_id;
  imp.user = req.user;
  imp.query = req.query;
  imp.query_norm = req.query_norm;
  imp.ranker = response.ranker;
  imp.at = now;
  imp.global_version = response.global_version;
  imp.user_version = response.user_version;
  imp.champion = champion;
  imp.gate = response.gate;
  imp.first_rank = static_cast<uint32_t>(req.offset);
  imp.features = &features_scratch_;
  for (size_t pos = 0; pos < ranked.size(); ++pos) {
    const auto& r = ranked[pos];
    imp.shown_rows.push_back(r.row);
    imp.teams.push_back(r.team);
    if (r.explore_probability > 0) {
      imp.explore_position = static_cast<int64_t>(pos);
      imp.explore_probability = r.explore_probability;
    }
  }
  imp.product_ids = product_ids;
  SAIKI_ASSIGN_OR_RETURN(int64_t query_id, logs_->InsertImpression(t, imp));
  SAIKI_RETURN_IF_ERROR(logs_->TouchSession(t, session_id, now));
  if (learned) SAIKI_RETURN_IF_ERROR(BumpGenerations(t, kModelsPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  if (learned) SAIKI_RETURN_IF_ERROR(Reload(kModelsPart));
  return std::to_string(query_id);
}

Status DatabaseImpl::RecordClick(const std::string& query_id, const std::string& product_id,
                                 ClickKind kind) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  const int kind_value = static_cast<int>(kind);
  if (kind_value < 1 || kind_value > 3) return Status::InvalidArgument("unknown click kind");
  char* end = nullptr;
  const long long qid = std::strtoll(query_id.c_str(), &end, 10);
  if (query_id.empty() || *end != '\0' || qid <= 0) {
    return Status::InvalidArgument("query id '" + query_id + "' is not a query id (a number)");
  }
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  const double now = Now();
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  // Again under the lock: the docs table must be the one of the snapshot
  // this transaction reads (its columns may still be in the file, in
  // segments another process may have merged away since).
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  const storage::WriteToken& t = txn->token();
  SAIKI_ASSIGN_OR_RETURN(auto owner, logs_->FindImpression(qid));
  if (!owner) return Status::NotFound("no search with query id " + query_id);
  SAIKI_ASSIGN_OR_RETURN(auto position, logs_->ShownPosition(qid, product_id));
  if (!position) {
    return Status::InvalidArgument("product '" + product_id + "' was not shown for query id " +
                                   query_id);
  }
  // A snapshot of the product as it is now, so that the user's history
  // does not change when the product is edited or deleted later.
  storage::ClickToLog click;
  click.query_id = qid;
  click.user = owner->user;
  click.product_id = product_id;
  click.position = *position;
  click.kind = kind_value;
  click.at = now;
  click.snapshot.id_hash = index::StableHash(product_id);
  click.snapshot.price = std::nanf("");
  SAIKI_ASSIGN_OR_RETURN(std::optional<int64_t> docid, catalog_store_->FindDocid(product_id));
  const index::DocTable& docs = state_->docs();
  if (docid && *docid >= 0 && docs.live(static_cast<uint32_t>(*docid))) {
    const uint32_t clicked = static_cast<uint32_t>(*docid);
    SAIKI_RETURN_IF_ERROR(docs.EnsureHot());
    SAIKI_RETURN_IF_ERROR(docs.EnsureColdRows(std::span<const uint32_t>(&clicked, 1)));
    const index::DocInfo& d = docs.info(clicked);
    click.snapshot.brand = d.brand;
    click.snapshot.category = d.category;
    click.snapshot.price = d.price;
    click.snapshot.signature = d.signature;
  }
  SAIKI_RETURN_IF_ERROR(logs_->InsertClick(t, click));
  if (owner->session_open) SAIKI_RETURN_IF_ERROR(logs_->TouchSession(t, owner->session_id, now));
  return txn->Commit();
}

Result<std::optional<SessionReport>> DatabaseImpl::EndSession(const std::string& user) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_RETURN_IF_ERROR(EnsureFresh());  // the freshest models, under the lock
  SAIKI_ASSIGN_OR_RETURN(auto open, logs_->OpenSessionsOf(user));
  if (open.empty()) return std::optional<SessionReport>();
  ModelState models = *state_->models;
  SessionReport last;
  for (const auto& s : open) {
    SAIKI_ASSIGN_OR_RETURN(last, CloseSession(txn->token(), s.session_id, &models));
  }
  SAIKI_RETURN_IF_ERROR(BumpGenerations(txn->token(), kModelsPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  SAIKI_RETURN_IF_ERROR(Reload(kModelsPart));
  return std::optional<SessionReport>(std::move(last));
}

Result<std::vector<SessionReport>> DatabaseImpl::SweepSessions() {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  const double cutoff = Now() - state_->settings().learn.session_timeout_minutes * 60;
  SAIKI_ASSIGN_OR_RETURN(std::vector<int64_t> idle, logs_->IdleSessions(cutoff));
  std::vector<SessionReport> reports;
  if (idle.empty()) return reports;
  ModelState models = *state_->models;
  for (int64_t id : idle) {
    SAIKI_ASSIGN_OR_RETURN(SessionReport r, CloseSession(txn->token(), id, &models));
    reports.push_back(std::move(r));
  }
  SAIKI_RETURN_IF_ERROR(BumpGenerations(txn->token(), kModelsPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  SAIKI_RETURN_IF_ERROR(Reload(kModelsPart));
  return reports;
}

}  // namespace saiki::engine
