// The model store. See model_store.h for the tables and column formats.
#include "storage/model_store.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include "storage/byte_codec.h"

namespace saiki::storage {
namespace {

using Json = nlohmann::json;

constexpr const char* kVersionColumns =
    "version, scope, user, kind, coalesce(parent, 0), coalesce(session_id, 0), created_at, "
    "coalesce(loss_before, 0), coalesce(loss_after, 0), coalesce(metric_before, 0), "
    "coalesce(metric_after, 0), status, reason, forced, evidence";

template <typename E, int N>
bool ParseName(std::string_view name, const E (&values)[N], const char* (*to_name)(E), E* out) {
  for (E v : values) {
    if (name == to_name(v)) {
      *out = v;
      return true;
    }
  }
  return false;
}

constexpr ModelStatus kStatuses[] = {ModelStatus::kActive, ModelStatus::kAccepted,
                                     ModelStatus::kRejected, ModelStatus::kRolledBack,
                                     ModelStatus::kShadow};
constexpr ModelScope kScopes[] = {ModelScope::kGlobal, ModelScope::kUser};
constexpr ModelKind kKinds[] = {ModelKind::kLinear, ModelKind::kTrees};

}  // namespace

std::string EncodeEvidence(const PooledEvidence& e) {
  Json j;
  j["sessions"] = e.sessions;
  j["users"] = e.users;
  j["clipped_users"] = e.clipped_users;
  j["capped_clicks"] = e.capped_clicks;
  j["screened_sessions"] = e.screened_sessions;
  j["heldout_units"] = e.heldout_units;
  j["heldout_impressions"] = e.heldout_impressions;
  j["active_estimate"] = e.active_estimate;
  j["candidate_estimate"] = e.candidate_estimate;
  j["lower_bound"] = e.lower_bound;
  j["influence_bound"] = e.influence_bound;
  return j.dump();
}

Result<PooledEvidence> DecodeEvidence(std::string_view json) {
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corruption("model evidence is not a JSON object");
  }
  PooledEvidence e;
  auto count = [&](const char* key, uint64_t* out) {
    if (j.contains(key) && j[key].is_number_unsigned()) *out = j[key].get<uint64_t>();
  };
  auto real = [&](const char* key, double* out) {
    if (j.contains(key) && j[key].is_number()) *out = j[key].get<double>();
  };
  count("sessions", &e.sessions);
  count("users", &e.users);
  count("clipped_users", &e.clipped_users);
  count("capped_clicks", &e.capped_clicks);
  count("screened_sessions", &e.screened_sessions);
  count("heldout_units", &e.heldout_units);
  count("heldout_impressions", &e.heldout_impressions);
  real("active_estimate", &e.active_estimate);
  real("candidate_estimate", &e.candidate_estimate);
  real("lower_bound", &e.lower_bound);
  real("influence_bound", &e.influence_bound);
  return e;
}

// ------------------------------------------------------------ versions

Result<int64_t> ModelStore::InsertVersion(const WriteToken& t, const NewVersion& n) {
  const ranker::VersionToStore& v = n.decided;
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      t.conn()->Prepare("INSERT INTO models(scope, user, kind, parent, session_id, created_at, "
                        "params, loss_before, loss_after, metric_before, metric_after, status, "
                        "reason, seq, forced, evidence) "
                        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"));
  st->BindText(1, ModelScopeName(v.scope)).BindText(2, v.user).BindText(3, ModelKindName(n.kind));
  if (v.parent > 0) {
    st->Bind(4, v.parent);
  } else {
    st->BindNull(4);
  }
  if (n.session_id > 0) {
    st->Bind(5, n.session_id);
  } else {
    st->BindNull(5);
  }
  st->BindDouble(6, n.created_at)
      .BindText(7, v.params)
      .BindDouble(8, v.loss_before)
      .BindDouble(9, v.loss_after)
      .BindDouble(10, v.metric_before)
      .BindDouble(11, v.metric_after)
      .BindText(12, ModelStatusName(v.status))
      .BindText(13, v.reason)
      .Bind(14, n.seq)
      .Bind(15, n.forced ? 1 : 0)
      .BindText(16, v.evidence ? EncodeEvidence(*v.evidence) : std::string());
  SAIKI_RETURN_IF_ERROR(st->Run());
  return t.conn()->LastInsertRowid();
}

Status ModelStore::SetParent(const WriteToken& t, int64_t version, int64_t parent) {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         t.conn()->Prepare("UPDATE models SET parent = ?2 WHERE version = ?1"));
  st->Bind(1, version);
  if (parent > 0) {
    st->Bind(2, parent);
  } else {
    st->BindNull(2);
  }
  return st->Run();
}

Status ModelStore::SetStatus(const WriteToken& t, int64_t version, ModelStatus status,
                             std::string_view reason) {
  if (version <= 0) return Status::Ok();
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      t.conn()->Prepare("UPDATE models SET status = ?2, reason = CASE WHEN ?3 = '' THEN reason "
                        "ELSE ?3 END WHERE version = ?1"));
  st->Bind(1, version).BindText(2, ModelStatusName(status)).BindText(3, reason);
  return st->Run();
}

namespace {

Result<ModelVersion> ReadVersion(Statement* st, const std::string& path) {
  ModelVersion v;
  v.version = st->ColumnInt(0);
  auto bad = [&](const std::string& what) {
    return Status::Corruption(path + ": model version " + std::to_string(v.version) + ": " + what);
  };
  if (!ParseName(st->ColumnText(1), kScopes, &ModelScopeName, &v.scope)) {
    return bad("unknown scope '" + std::string(st->ColumnText(1)) + "'");
  }
  v.user = st->ColumnText(2);
  if (!ParseName(st->ColumnText(3), kKinds, &ModelKindName, &v.kind)) {
    return bad("unknown kind '" + std::string(st->ColumnText(3)) + "'");
  }
  v.parent = st->ColumnInt(4);
  v.session_id = st->ColumnInt(5);
  v.created_at = st->ColumnDouble(6);
  v.loss_before = st->ColumnDouble(7);
  v.loss_after = st->ColumnDouble(8);
  v.metric_before = st->ColumnDouble(9);
  v.metric_after = st->ColumnDouble(10);
  if (!ParseName(st->ColumnText(11), kStatuses, &ModelStatusName, &v.status)) {
    return bad("unknown status '" + std::string(st->ColumnText(11)) + "'");
  }
  v.reason = st->ColumnText(12);
  v.forced = st->ColumnInt(13) != 0;
  std::string_view evidence = st->ColumnText(14);
  if (!evidence.empty()) {
    auto e = DecodeEvidence(evidence);
    if (!e.ok()) return bad(e.status().message());
    v.evidence = *e;
  }
  return v;
}

}  // namespace

Result<std::optional<ModelVersion>> ModelStore::GetVersion(int64_t version) {
  if (version <= 0) return std::optional<ModelVersion>();
  static const std::string sql =
      std::string("SELECT ") + kVersionColumns + " FROM models WHERE version = ?1";
  SAIKI_ASSIGN_OR_RETURN(Statement * st, conn_->Prepare(sql.c_str()));
  st->Bind(1, version);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<ModelVersion>();
  auto v = ReadVersion(st, conn_->path());
  st->Reset();
  if (!v.ok()) return v.status();
  return std::optional<ModelVersion>(std::move(v).value());
}

Result<std::string> ModelStore::Params(int64_t version, ModelScope scope) {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT scope, params FROM models WHERE version = ?1"));
  st->Bind(1, version);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) {
    return Status::Corruption(conn_->path() + ": model version " + std::to_string(version) +
                              " is missing");
  }
  const bool scope_ok = st->ColumnText(0) == ModelScopeName(scope);
  std::string params(st->ColumnText(1));
  st->Reset();
  if (!scope_ok) {
    return Status::Corruption(conn_->path() + ": model version " + std::to_string(version) +
                              " is not a " + ModelScopeName(scope) + " model");
  }
  return params;
}

Result<std::vector<ModelVersion>> ModelStore::History(std::string_view user) {
  static const std::string sql = std::string("SELECT ") + kVersionColumns +
                                 " FROM models WHERE ?1 = '' OR user = ?1 OR scope = 'global' "
                                 "ORDER BY version DESC";
  SAIKI_ASSIGN_OR_RETURN(Statement * st, conn_->Prepare(sql.c_str()));
  st->BindText(1, user);
  std::vector<ModelVersion> out;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    auto v = ReadVersion(st, conn_->path());
    if (!v.ok()) {
      st->Reset();
      return v.status();
    }
    out.push_back(std::move(v).value());
  }
  return out;
}

Result<std::optional<ModelStore::Lineage>> ModelStore::GetLineage(int64_t version) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT kind, coalesce(parent, 0), scope FROM models WHERE version = ?1"));
  st->Bind(1, version);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<Lineage>();
  Lineage l;
  const bool kind_ok = ParseName(st->ColumnText(0), kKinds, &ModelKindName, &l.kind);
  l.parent = st->ColumnInt(1);
  const bool scope_ok = ParseName(st->ColumnText(2), kScopes, &ModelScopeName, &l.scope);
  st->Reset();
  if (!kind_ok || !scope_ok) {
    return Status::Corruption(conn_->path() + ": model version " + std::to_string(version) +
                              " has an unknown kind or scope");
  }
  return std::optional<Lineage>(l);
}

// ------------------------------------------------------------ learner states

Result<std::optional<ranker::LearnerState>> ModelStore::LatestLearner(std::string_view user,
                                                                       int64_t before_seq) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT version, champion, learning_rate, interleave_left, wins_new, "
                     "wins_old, ties, epoch_seq, candidates, propensity_seq "
                     "FROM learner_states WHERE user = ?1 AND seq < ?2 "
                     "ORDER BY seq DESC LIMIT 1"));
  st->BindText(1, user).Bind(2, before_seq);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<ranker::LearnerState>();
  ranker::LearnerState s;
  s.version = st->ColumnInt(0);
  s.champion = st->ColumnInt(1);
  s.learning_rate = st->ColumnDouble(2);
  s.interleave_left = static_cast<int>(st->ColumnInt(3));
  s.wins_new = static_cast<int>(st->ColumnInt(4));
  s.wins_old = static_cast<int>(st->ColumnInt(5));
  s.ties = static_cast<int>(st->ColumnInt(6));
  s.epoch_seq = st->ColumnInt(7);
  s.candidates = st->ColumnInt(8);
  s.propensity_seq = st->ColumnInt(9);
  st->Reset();
  if (!std::isfinite(s.learning_rate) || s.learning_rate < 0 || s.interleave_left < 0) {
    return Status::Corruption(conn_->path() + ": learner '" + std::string(user) +
                              "' has a bad learning rate or interleaving count");
  }
  return std::optional<ranker::LearnerState>(s);
}

Status ModelStore::PutLearner(const WriteToken& t, std::string_view user, int64_t seq,
                              const ranker::LearnerState& s) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      t.conn()->Prepare("INSERT OR REPLACE INTO learner_states(user, seq, version, champion, "
                        "learning_rate, interleave_left, wins_new, wins_old, ties, epoch_seq, "
                        "candidates, propensity_seq) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"));
  st->BindText(1, user)
      .Bind(2, seq)
      .Bind(3, s.version)
      .Bind(4, s.champion)
      .BindDouble(5, s.learning_rate)
      .Bind(6, s.interleave_left)
      .Bind(7, s.wins_new)
      .Bind(8, s.wins_old)
      .Bind(9, s.ties)
      .Bind(10, s.epoch_seq)
      .Bind(11, s.candidates)
      .Bind(12, s.propensity_seq);
  return st->Run();
}

// ------------------------------------------------------------ position bias

Result<std::optional<std::vector<double>>> ModelStore::LatestPropensities(int64_t before_seq) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT seq, vals FROM propensity_sets WHERE seq < ?1 "
                     "ORDER BY seq DESC LIMIT 1"));
  st->Bind(1, before_seq);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<std::vector<double>>();
  const int64_t seq = st->ColumnInt(0);
  Json j = Json::parse(st->ColumnText(1), nullptr, /*allow_exceptions=*/false);
  st->Reset();
  auto bad = [&] {
    return Status::Corruption(conn_->path() + ": position-bias estimate at journal position " +
                              std::to_string(seq) + " is malformed");
  };
  if (j.is_discarded() || !j.is_array() || j.empty() || j.size() > 1000) return bad();
  std::vector<double> p;
  for (const auto& v : j) {
    if (!v.is_number()) return bad();
    double x = v.get<double>();
    if (!(x > 0 && x <= 1)) return bad();
    p.push_back(x);
  }
  return std::optional<std::vector<double>>(std::move(p));
}

Status ModelStore::PutPropensities(const WriteToken& t, int64_t seq,
                                   const std::vector<double>& values) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      t.conn()->Prepare("INSERT OR REPLACE INTO propensity_sets(seq, vals) VALUES (?1, ?2)"));
  Json a = Json::array();
  for (double v : values) a.push_back(v);
  st->Bind(1, seq).BindText(2, a.dump());
  return st->Run();
}

// ------------------------------------------------------------ replay, forget

Result<std::vector<ModelStore::Made>> ModelStore::LearnedFrom(int64_t seq) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT version, seq, scope, user FROM models WHERE kind = 'linear' AND "
                     "seq >= ?1 ORDER BY version"));
  st->Bind(1, seq);
  std::vector<Made> out;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    Made m;
    m.version = st->ColumnInt(0);
    m.seq = st->ColumnInt(1);
    m.scope = st->ColumnText(2) == "user" ? ModelScope::kUser : ModelScope::kGlobal;
    m.user = st->ColumnText(3);
    out.push_back(std::move(m));
  }
  return out;
}

Result<uint64_t> ModelStore::TruncateFrom(const WriteToken& t, int64_t seq) {
  return RunEach(t,
                 {"DELETE FROM models WHERE kind = 'linear' AND seq >= ?1",
                  "DELETE FROM learner_states WHERE seq >= ?1",
                  "DELETE FROM propensity_sets WHERE seq >= ?1"},
                 [&](Statement* st) { st->Bind(1, seq); });
}

Result<uint64_t> ModelStore::DeleteUser(const WriteToken& t, std::string_view user) {
  return RunEach(t,
                 {"DELETE FROM models WHERE scope = 'user' AND user = ?1",
                  "DELETE FROM learner_states WHERE user = ?1",
                  "DELETE FROM tastes WHERE user = ?1"},
                 [&](Statement* st) { st->BindText(1, user); });
}

// ------------------------------------------------------------ tastes

namespace {
constexpr uint8_t kTasteFormat = 1;
constexpr size_t kTasteHeaderBytes = 1 + 8 + 8 + 8 + 4;
constexpr size_t kTasteEntryBytes = 8 + 4 + 4;
}  // namespace

std::string EncodeTaste(const ranker::TasteProfile& p) {
  std::string out;
  out.reserve(kTasteHeaderBytes + p.entries().size() * kTasteEntryBytes);
  out.push_back(static_cast<char>(kTasteFormat));
  ByteWriter w(&out);
  w.F64(p.at());
  w.F64(p.total_clicks());
  w.F64(p.total_exams());
  w.U32(static_cast<uint32_t>(p.entries().size()));
  for (const auto& e : p.entries()) {
    w.U64(e.key);
    w.F32(e.mean);
    w.F32(e.var);
  }
  return out;
}

std::optional<ranker::TasteProfile> DecodeTaste(std::string_view blob) {
  if (blob.size() < kTasteHeaderBytes || static_cast<uint8_t>(blob[0]) != kTasteFormat) {
    return std::nullopt;
  }
  ByteReader r(blob.substr(1));
  const double at = r.F64(), clicks = r.F64(), exams = r.F64();
  const uint32_t n = r.U32();
  if (n > ranker::kTasteMaxKeys || r.remaining() != size_t{n} * kTasteEntryBytes) {
    return std::nullopt;
  }
  std::vector<ranker::TasteProfile::Entry> entries(n);
  for (auto& e : entries) {
    e.key = r.U64();
    e.mean = r.F32();
    e.var = r.F32();
  }
  if (!r.ok()) return std::nullopt;
  return ranker::TasteProfile::FromParts(at, clicks, exams, std::move(entries));
}

Result<ranker::TasteProfile> ModelStore::Taste(std::string_view user) {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT profile FROM tastes WHERE user = ?1"));
  st->BindText(1, user);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return ranker::TasteProfile();
  std::optional<ranker::TasteProfile> p = DecodeTaste(st->ColumnBlob(0));
  st->Reset();
  if (!p) {
    return Status::Corruption(conn_->path() + ": the taste profile of user '" +
                              std::string(user) + "' is malformed");
  }
  return std::move(*p);
}

Status ModelStore::PutTaste(const WriteToken& t, std::string_view user,
                            const ranker::TasteProfile& p) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      t.conn()->Prepare("INSERT OR REPLACE INTO tastes(user, profile) VALUES (?1, ?2)"));
  st->BindText(1, user).BindBlob(2, EncodeTaste(p));
  return st->Run();
}

// ------------------------------------------------------------ integrity

Status ModelStore::ForEachVersion(
    const std::function<void(int64_t, std::string_view, std::string_view, std::string_view)>&
        visit) {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT version, scope, kind, params FROM models"));
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    visit(st->ColumnInt(0), st->ColumnText(1), st->ColumnText(2), st->ColumnText(3));
  }
  return Status::Ok();
}

Result<std::vector<std::pair<std::string, int64_t>>> ModelStore::LearnersWithMissingVersions() {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT l.user, l.version FROM learner_states l "
                     "WHERE l.seq = (SELECT max(seq) FROM learner_states m WHERE m.user = l.user) "
                     "AND l.version > 0 AND "
                     "NOT EXISTS (SELECT 1 FROM models v WHERE v.version = l.version)"));
  std::vector<std::pair<std::string, int64_t>> out;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.emplace_back(std::string(st->ColumnText(0)), st->ColumnInt(1));
  }
  return out;
}

Result<uint64_t> ModelStore::CountVersions() {
  SAIKI_ASSIGN_OR_RETURN(Statement * st, conn_->Prepare("SELECT count(*) FROM models"));
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  uint64_t n = row ? static_cast<uint64_t>(st->ColumnInt(0)) : 0;
  st->Reset();
  return n;
}

}  // namespace saiki::storage
