// The log store. See log_store.h for the tables and blob formats.
#include "storage/log_store.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "index/doc_table.h"
#include "storage/byte_codec.h"

namespace saiki::storage {
namespace {

using ranker::kNumFeatures;

// --- Blob codecs.

std::string EncodeFeatures(const ranker::FeatureMatrix& x, const std::vector<size_t>& rows) {
  std::string out;
  out.reserve(rows.size() * kNumFeatures * 4);
  ByteWriter w(&out);
  for (size_t r : rows) {
    const float* v = x.row(r);
    for (int i = 0; i < kNumFeatures; ++i) w.F32(v[i]);
  }
  return out;
}

// "" on success, else what is wrong.
std::string DecodeFeatures(std::string_view blob, int64_t nfeatures, ranker::FeatureMatrix* x) {
  // Features are only ever appended (ranker/features.h): a vector logged by
  // an earlier saiki is a prefix of today's, and what came later reads 0.
  if (!ranker::KnownFeatureCount(nfeatures)) {
    return "logged " + std::to_string(nfeatures) + " features; this saiki computes " +
           std::to_string(kNumFeatures);
  }
  const size_t row_bytes = 4 * static_cast<size_t>(nfeatures);
  if (blob.size() % row_bytes != 0) return "logged features truncated";
  x->rows = blob.size() / row_bytes;
  x->values.assign(x->rows * kNumFeatures, 0.0f);
  ByteReader r(blob);
  for (size_t row = 0; row < x->rows; ++row) {
    float* v = x->row(row);
    for (int64_t f = 0; f < nfeatures; ++f) {
      v[f] = r.F32();
      if (!std::isfinite(v[f])) return "logged features hold NaN or infinity";
    }
  }
  return "";
}

std::string EncodeCandidateStats(const ranker::FeatureMatrix& x) {
  std::string out;
  ByteWriter w(&out);
  const double n = static_cast<double>(x.rows);
  w.F64(n);
  for (int f = 0; f < kNumFeatures; ++f) {
    double mean = 0, m2 = 0;
    for (size_t r = 0; r < x.rows; ++r) mean += x.row(r)[f];
    if (n > 0) mean /= n;
    for (size_t r = 0; r < x.rows; ++r) m2 += (x.row(r)[f] - mean) * (x.row(r)[f] - mean);
    w.F64(mean);
    w.F64(m2);
  }
  return out;
}

bool DecodeCandidateStats(std::string_view blob, ranker::LoggedImpression* imp) {
  // As DecodeFeatures: statistics of an earlier, shorter feature list read
  // with mean 0 and no spread for the features added since.
  if (blob.size() < 8 * 3 || (blob.size() - 8) % 16 != 0) return false;
  const size_t n = (blob.size() - 8) / 16;
  if (!ranker::KnownFeatureCount(static_cast<int64_t>(n))) return false;
  ByteReader r(blob);
  imp->candidates = r.F64();
  imp->candidate_mean.assign(kNumFeatures, 0.0);
  imp->candidate_m2.assign(kNumFeatures, 0.0);
  for (size_t f = 0; f < n; ++f) {
    imp->candidate_mean[f] = r.F64();
    imp->candidate_m2[f] = r.F64();
    if (!std::isfinite(imp->candidate_mean[f]) || !std::isfinite(imp->candidate_m2[f]) ||
        imp->candidate_m2[f] < 0) {
      return false;
    }
  }
  return r.ok() && std::isfinite(imp->candidates) && imp->candidates >= 0;
}

constexpr size_t kSnapshotBytes = 4 + 4 + 4 * index::kCategoryLevels + 4 + 2 * index::kSignatureSlots;

std::string EncodeSnapshot(const ranker::ClickRecord& c) {
  std::string out;
  ByteWriter w(&out);
  w.U32(c.id_hash);
  w.U32(c.brand);
  for (uint32_t h : c.category) w.U32(h);
  w.F32(c.price);
  for (uint16_t s : c.signature) w.U16(s);
  return out;
}

bool DecodeSnapshot(std::string_view blob, ranker::ClickRecord* c) {
  if (blob.size() != kSnapshotBytes) return false;
  ByteReader r(blob);
  c->id_hash = r.U32();
  c->brand = r.U32();
  for (auto& h : c->category) h = r.U32();
  c->price = r.F32();
  for (auto& s : c->signature) s = r.U16();
  return r.ok();
}

uint8_t Signal(int64_t kind) { return static_cast<uint8_t>(std::clamp<int64_t>(kind, 1, 3)); }

// The selector CTEs: which sessions a load reads, with their order key
// (newest first when sorted by it descending).
constexpr const char* kSelectors[] = {
    // kBySession: ?1 the session.
    "SELECT ?1 AS session_id, 0 AS ord",
    // kByUser: ?1 user, ?2 before seq, ?3 limit.
    "SELECT session_id, seq AS ord FROM journal WHERE kind = 1 AND user = ?1 AND seq < ?2 "
    "ORDER BY seq DESC LIMIT ?3",
    // kPooled: ?1 up to seq, ?2 limit, ?3 sessions per user.
    "SELECT session_id, seq AS ord FROM (SELECT session_id, seq, row_number() OVER "
    "(PARTITION BY user ORDER BY seq DESC) AS k FROM journal WHERE kind = 1 AND pooled = 1 "
    "AND seq <= ?1 AND seq >= coalesce((SELECT seq FROM journal WHERE kind = 1 AND "
    "pooled = 1 AND seq <= ?1 ORDER BY seq DESC LIMIT 1 OFFSET 4 * ?2 - 1), 0)) "
    "WHERE k <= ?3 ORDER BY seq DESC LIMIT ?2",
};

}  // namespace

LogStore::LogStore(Connection* conn) : conn_(conn) {
  for (int s = 0; s < kNumSelectors; ++s) {
    const std::string with = std::string("WITH sel AS (") + kSelectors[s] + ") ";
    sql_[s][0] = with +
                 "SELECT sel.session_id, s.user FROM sel JOIN sessions s ON "
                 "s.session_id = sel.session_id ORDER BY sel.ord DESC";
    sql_[s][1] = with +
                 "SELECT i.session_id, i.query_id, i.at, i.gate, i.first_rank, i.nfeatures, "
                 "i.features, i.champion_version IS NOT NULL, i.candidate_stats FROM sel "
                 "JOIN impressions i ON i.session_id = sel.session_id ORDER BY i.query_id";
    sql_[s][2] = with +
                 "SELECT c.query_id, c.position, c.kind, c.at, c.product_id FROM sel "
                 "JOIN impressions i ON i.session_id = sel.session_id "
                 "JOIN clicks c ON c.query_id = i.query_id ORDER BY c.click_id";
    sql_[s][3] = with +
                 "SELECT it.query_id, it.position, it.team FROM sel "
                 "JOIN impressions i ON i.session_id = sel.session_id "
                 "JOIN impression_items it ON it.query_id = i.query_id "
                 "WHERE i.champion_version IS NOT NULL";
  }
}

// ------------------------------------------------------------ sessions

Result<std::vector<LogStore::OpenSessionRow>> LogStore::OpenSessionsOf(std::string_view user) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT session_id, last_at, started_at FROM sessions WHERE user = ?1 AND "
                     "closed_at IS NULL ORDER BY session_id"));
  st->BindText(1, user);
  std::vector<OpenSessionRow> out;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back({st->ColumnInt(0), st->ColumnDouble(1), st->ColumnDouble(2)});
  }
  return out;
}

Result<std::vector<int64_t>> LogStore::IdleSessions(double cutoff) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT session_id FROM sessions WHERE closed_at IS NULL AND last_at < ?1 "
                     "ORDER BY session_id"));
  st->BindDouble(1, cutoff);
  std::vector<int64_t> out;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(st->ColumnInt(0));
  }
  return out;
}

Result<std::optional<LogStore::SessionRow>> LogStore::GetSession(int64_t session_id) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st, conn_->Prepare("SELECT user, closed_at FROM sessions WHERE session_id = ?1"));
  st->Bind(1, session_id);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<SessionRow>();
  SessionRow r{std::string(st->ColumnText(0)), !st->ColumnIsNull(1)};
  st->Reset();
  return std::optional<SessionRow>(std::move(r));
}

Result<int64_t> LogStore::OpenSession(const WriteToken& t, std::string_view user, double now) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      t.conn()->Prepare("INSERT INTO sessions(user, started_at, last_at) VALUES (?1, ?2, ?2)"));
  st->BindText(1, user).BindDouble(2, now);
  SAIKI_RETURN_IF_ERROR(st->Run());
  return t.conn()->LastInsertRowid();
}

Status LogStore::TouchSession(const WriteToken& t, int64_t session_id, double at) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      t.conn()->Prepare("UPDATE sessions SET last_at = max(last_at, ?2) WHERE session_id = ?1"));
  st->Bind(1, session_id).BindDouble(2, at);
  return st->Run();
}

Status LogStore::CloseSession(const WriteToken& t, int64_t session_id, double at,
                              std::string_view outcome) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      t.conn()->Prepare("UPDATE sessions SET closed_at = ?2, outcome = ?3 WHERE session_id = ?1"));
  st->Bind(1, session_id).BindDouble(2, at).BindText(3, outcome);
  return st->Run();
}

// ------------------------------------------------------------ impressions, clicks

Result<int64_t> LogStore::InsertImpression(const WriteToken& t, const ImpressionToLog& imp) {
  Connection* c = t.conn();
  SAIKI_ASSIGN_OR_RETURN(
      Statement * ins,
      c->Prepare("INSERT INTO impressions(session_id, user, query, query_norm, at, ranker, "
                 "global_version, user_version, champion_version, gate, nfeatures, features, "
                 "candidate_stats, first_rank, explore_position, explore_probability) "
                 "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"));
  ins->Bind(1, imp.session_id)
      .BindText(2, imp.user)
      .BindText(3, imp.query)
      .BindText(4, imp.query_norm)
      .BindDouble(5, imp.at)
      .BindText(6, imp.ranker)
      .Bind(7, imp.global_version)
      .Bind(8, imp.user_version)
      .BindDouble(10, imp.gate)
      .Bind(11, kNumFeatures)
      .BindBlob(12, EncodeFeatures(*imp.features, imp.shown_rows))
      .BindBlob(13, EncodeCandidateStats(*imp.features))
      .Bind(14, imp.first_rank);
  if (imp.champion >= 0) {
    ins->Bind(9, imp.champion);
  } else {
    ins->BindNull(9);
  }
  if (imp.explore_position >= 0) {
    ins->Bind(15, imp.explore_position).BindDouble(16, imp.explore_probability);
  } else {
    ins->BindNull(15).BindNull(16);
  }
  SAIKI_RETURN_IF_ERROR(ins->Run());
  const int64_t query_id = c->LastInsertRowid();
  SAIKI_ASSIGN_OR_RETURN(
      Statement * item,
      c->Prepare("INSERT INTO impression_items(query_id, position, product_id, team) "
                 "VALUES (?1, ?2, ?3, ?4)"));
  for (size_t pos = 0; pos < imp.product_ids.size(); ++pos) {
    item->Reset();
    item->Bind(1, query_id)
        .Bind(2, static_cast<int64_t>(pos))
        .BindText(3, imp.product_ids[pos])
        .Bind(4, pos < imp.teams.size() ? imp.teams[pos] : 0);
    SAIKI_RETURN_IF_ERROR(item->Run());
  }
  return query_id;
}

Result<std::optional<LogStore::ImpressionOwner>> LogStore::FindImpression(int64_t query_id) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT i.user, i.session_id, s.closed_at IS NULL FROM impressions i "
                     "JOIN sessions s ON s.session_id = i.session_id WHERE i.query_id = ?1"));
  st->Bind(1, query_id);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<ImpressionOwner>();
  ImpressionOwner o{std::string(st->ColumnText(0)), st->ColumnInt(1), st->ColumnInt(2) != 0};
  st->Reset();
  return std::optional<ImpressionOwner>(std::move(o));
}

Result<std::optional<int64_t>> LogStore::ShownPosition(int64_t query_id,
                                                       std::string_view product_id) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT position FROM impression_items WHERE query_id = ?1 AND "
                     "product_id = ?2"));
  st->Bind(1, query_id).BindText(2, product_id);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<int64_t>();
  int64_t pos = st->ColumnInt(0);
  st->Reset();
  return std::optional<int64_t>(pos);
}

Status LogStore::InsertClick(const WriteToken& t, const ClickToLog& click) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * ins,
      t.conn()->Prepare("INSERT INTO clicks(query_id, user, product_id, position, kind, at, "
                        "snapshot) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  ins->Bind(1, click.query_id)
      .BindText(2, click.user)
      .BindText(3, click.product_id)
      .Bind(4, click.position)
      .Bind(5, click.kind)
      .BindDouble(6, click.at)
      .BindBlob(7, EncodeSnapshot(click.snapshot));
  return ins->Run();
}

Result<std::vector<ranker::ClickRecord>> LogStore::RecentClicks(std::string_view user, int limit) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT at, kind, snapshot FROM clicks WHERE user = ?1 "
                     "ORDER BY at DESC LIMIT ?2"));
  st->BindText(1, user).Bind(2, limit);
  std::vector<ranker::ClickRecord> clicks;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    ranker::ClickRecord c;
    c.at = st->ColumnDouble(0);
    c.kind = static_cast<int>(st->ColumnInt(1));
    if (!DecodeSnapshot(st->ColumnBlob(2), &c)) {
      st->Reset();
      return Status::Corruption(conn_->path() + ": a click snapshot of user '" +
                                std::string(user) + "' is malformed");
    }
    clicks.push_back(c);
  }
  return clicks;
}

Result<std::vector<std::pair<std::string, std::string>>> LogStore::QueryClickPairs(
    std::string_view query_norm, int64_t up_to_seq, int impressions) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT DISTINCT c.user, c.product_id FROM clicks c JOIN "
                     "(SELECT i.query_id FROM impressions i "
                     " JOIN journal j ON j.session_id = i.session_id "
                     " WHERE i.query_norm = ?1 AND j.kind = 1 AND j.pooled = 1 AND j.seq <= ?2 "
                     " ORDER BY i.query_id DESC LIMIT ?3) q ON q.query_id = c.query_id"));
  st->BindText(1, query_norm).Bind(2, up_to_seq).Bind(3, impressions);
  std::vector<std::pair<std::string, std::string>> out;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.emplace_back(std::string(st->ColumnText(0)), std::string(st->ColumnText(1)));
  }
  return out;
}

// ------------------------------------------------------------ learning reads

Result<std::vector<ranker::SessionLog>> LogStore::Load(
    Selector sel, const std::function<void(Statement*)>& bind) {
  std::vector<ranker::SessionLog> out;
  std::unordered_map<int64_t, size_t> session_index;
  SAIKI_ASSIGN_OR_RETURN(Statement * st, conn_->Prepare(sql_[sel][0].c_str()));
  bind(st);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    ranker::SessionLog s;
    s.session_id = st->ColumnInt(0);
    s.user = st->ColumnText(1);
    session_index[s.session_id] = out.size();
    out.push_back(std::move(s));
  }
  if (out.empty()) return out;

  // query id -> (session, impression)
  std::unordered_map<int64_t, std::pair<size_t, uint32_t>> where;
  SAIKI_ASSIGN_OR_RETURN(Statement * imps, conn_->Prepare(sql_[sel][1].c_str()));
  bind(imps);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, imps->Step());
    if (!row) break;
    const int64_t session_id = imps->ColumnInt(0);
    const int64_t query_id = imps->ColumnInt(1);
    auto it = session_index.find(session_id);
    if (it == session_index.end()) continue;
    auto corrupt = [&](const std::string& what) {
      imps->Reset();
      return Status::Corruption(conn_->path() + ": query id " + std::to_string(query_id) + ": " +
                                what);
    };
    ranker::LoggedImpression imp;
    imp.at = imps->ColumnDouble(2);
    imp.gate = imps->ColumnDouble(3);
    const int64_t first_rank = imps->ColumnInt(4);
    if (first_rank < 0 || first_rank > (int64_t{1} << 30)) return corrupt("bad page offset");
    imp.first_rank = static_cast<uint32_t>(first_rank);
    std::string bad = DecodeFeatures(imps->ColumnBlob(6), imps->ColumnInt(5), &imp.features);
    if (!bad.empty()) return corrupt(bad);
    if (!DecodeCandidateStats(imps->ColumnBlob(8), &imp)) {
      return corrupt("malformed candidate statistics");
    }
    imp.signal.assign(imp.features.rows, 0);
    if (imps->ColumnInt(7) != 0) imp.teams.assign(imp.features.rows, 0);
    auto& s = out[it->second];
    where[query_id] = {it->second, static_cast<uint32_t>(s.impressions.size())};
    s.impressions.push_back(std::move(imp));
  }

  SAIKI_ASSIGN_OR_RETURN(Statement * clicks, conn_->Prepare(sql_[sel][2].c_str()));
  bind(clicks);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, clicks->Step());
    if (!row) break;
    auto it = where.find(clicks->ColumnInt(0));
    if (it == where.end()) continue;
    auto& s = out[it->second.first];
    auto& imp = s.impressions[it->second.second];
    const int64_t pos = clicks->ColumnInt(1);
    if (pos < 0 || static_cast<size_t>(pos) >= imp.signal.size()) continue;
    const uint8_t kind = Signal(clicks->ColumnInt(2));
    imp.signal[pos] = std::max(imp.signal[pos], kind);
    ranker::LoggedClick c;
    c.impression = it->second.second;
    c.position = static_cast<uint32_t>(pos);
    c.kind = kind;
    c.at = clicks->ColumnDouble(3);
    c.product = index::StableHash(clicks->ColumnText(4));
    s.clicks.push_back(c);
  }

  SAIKI_ASSIGN_OR_RETURN(Statement * teams, conn_->Prepare(sql_[sel][3].c_str()));
  bind(teams);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, teams->Step());
    if (!row) break;
    auto it = where.find(teams->ColumnInt(0));
    if (it == where.end()) continue;
    auto& imp = out[it->second.first].impressions[it->second.second];
    const int64_t pos = teams->ColumnInt(1);
    if (pos >= 0 && static_cast<size_t>(pos) < imp.teams.size()) {
      imp.teams[pos] = static_cast<uint8_t>(teams->ColumnInt(2));
    }
  }
  return out;
}

Result<ranker::SessionLog> LogStore::LoadSession(int64_t session_id) {
  SAIKI_ASSIGN_OR_RETURN(auto logs,
                         Load(kBySession, [&](Statement* st) { st->Bind(1, session_id); }));
  if (logs.empty()) return Status::NotFound("no session " + std::to_string(session_id));
  return std::move(logs.front());
}

Result<std::vector<std::vector<std::string>>> LogStore::ShownProducts(int64_t session_id) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT it.query_id, it.position, it.product_id FROM impressions i "
                     "JOIN impression_items it ON it.query_id = i.query_id "
                     "WHERE i.session_id = ?1 ORDER BY it.query_id, it.position"));
  st->Bind(1, session_id);
  std::vector<std::vector<std::string>> out;
  int64_t last_query = -1;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    const int64_t query_id = st->ColumnInt(0);
    if (query_id != last_query) {
      out.emplace_back();
      last_query = query_id;
    }
    const int64_t pos = st->ColumnInt(1);
    if (pos < 0 || pos > (int64_t{1} << 20)) {
      st->Reset();
      return Status::Corruption(conn_->path() + ": query id " + std::to_string(query_id) +
                                ": bad shown position " + std::to_string(pos));
    }
    if (static_cast<size_t>(pos) >= out.back().size()) out.back().resize(pos + 1);
    out.back()[pos] = st->ColumnText(2);
  }
  return out;
}

Result<std::vector<ranker::SessionLog>> LogStore::LoadUserSessions(std::string_view user,
                                                                   int64_t before_seq,
                                                                   int64_t limit) {
  if (limit <= 0) return std::vector<ranker::SessionLog>();
  return Load(kByUser,
              [&](Statement* st) { st->BindText(1, user).Bind(2, before_seq).Bind(3, limit); });
}

Result<std::vector<ranker::SessionLog>> LogStore::LoadPooledSessions(int64_t up_to_seq,
                                                                     int64_t limit,
                                                                     int64_t per_user) {
  return Load(kPooled, [&](Statement* st) {
    st->Bind(1, up_to_seq).Bind(2, limit).Bind(3, per_user);
  });
}

Result<PoolStats> LogStore::PooledBetween(int64_t after_seq, int64_t up_to_seq,
                                          int64_t sessions_per_user, int64_t clicks_per_user) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT coalesce(sum(min(n, ?3)), 0), count(*), coalesce(sum(min(c, ?4)), 0) "
                     "FROM (SELECT count(*) AS n, sum(clicks) AS c FROM journal WHERE kind = 1 "
                     "AND pooled = 1 AND seq > ?1 AND seq <= ?2 GROUP BY user)"));
  st->Bind(1, after_seq).Bind(2, up_to_seq).Bind(3, sessions_per_user).Bind(4, clicks_per_user);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  PoolStats p;
  if (row) {
    p.sessions = static_cast<uint64_t>(st->ColumnInt(0));
    p.users = static_cast<uint64_t>(st->ColumnInt(1));
    p.clicks = static_cast<uint64_t>(st->ColumnInt(2));
  }
  st->Reset();
  return p;
}

Result<uint64_t> LogStore::ScreenedBetween(int64_t from_seq, int64_t up_to_seq) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT count(*) FROM journal WHERE kind = 1 AND pooled = 0 AND "
                     "seq >= ?1 AND seq <= ?2"));
  st->Bind(1, from_seq).Bind(2, up_to_seq);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  uint64_t n = row ? static_cast<uint64_t>(st->ColumnInt(0)) : 0;
  st->Reset();
  return n;
}

// ------------------------------------------------------------ journal

Result<int64_t> LogStore::AppendJournal(const WriteToken& t, const JournalEntry& e) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      t.conn()->Prepare("INSERT INTO journal(kind, user, session_id, version, mode, pooled, "
                        "clicks, forced, note, at, apart) "
                        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"));
  st->Bind(1, static_cast<int64_t>(e.kind)).BindText(2, e.user);
  if (e.kind == JournalKind::kSession) {
    st->Bind(3, e.session_id).BindNull(4);
  } else {
    st->BindNull(3).Bind(4, e.version);
  }
  st->Bind(5, e.mode)
      .Bind(6, e.pooled ? 1 : 0)
      .Bind(7, e.clicks)
      .Bind(8, e.forced ? 1 : 0)
      .BindText(9, e.note)
      .BindDouble(10, e.at)
      .Bind(11, e.pooled_apart ? 1 : 0);
  SAIKI_RETURN_IF_ERROR(st->Run());
  return t.conn()->LastInsertRowid();
}

Result<bool> LogStore::PooledSinceLastStep() {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT EXISTS(SELECT 1 FROM journal WHERE kind = 1 AND pooled = 1 AND "
                     "seq > (SELECT coalesce(max(seq), 0) FROM journal WHERE kind = 4))"));
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  const bool any = row && st->ColumnInt(0) != 0;
  st->Reset();
  return any;
}

Result<std::vector<JournalEntry>> LogStore::JournalFrom(int64_t from_seq) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT seq, kind, user, coalesce(session_id, 0), coalesce(version, 0), "
                     "mode, pooled, clicks, forced, note, at, apart FROM journal WHERE seq >= ?1 "
                     "ORDER BY seq"));
  st->Bind(1, from_seq);
  std::vector<JournalEntry> out;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    JournalEntry e;
    e.seq = st->ColumnInt(0);
    const int64_t kind = st->ColumnInt(1);
    if (kind < 1 || kind > 4) {
      st->Reset();
      return Status::Corruption(conn_->path() + ": journal entry " + std::to_string(e.seq) +
                                " has unknown kind " + std::to_string(kind));
    }
    e.kind = static_cast<JournalKind>(kind);
    e.user = st->ColumnText(2);
    e.session_id = st->ColumnInt(3);
    e.version = st->ColumnInt(4);
    e.mode = static_cast<int>(st->ColumnInt(5));
    e.pooled = st->ColumnInt(6) != 0;
    e.clicks = st->ColumnInt(7);
    e.forced = st->ColumnInt(8) != 0;
    e.note = st->ColumnText(9);
    e.at = st->ColumnDouble(10);
    e.pooled_apart = st->ColumnInt(11) != 0;
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::optional<int64_t>> LogStore::FirstSeqOf(std::string_view user) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT min(seq) FROM journal WHERE user = ?1 AND kind IN (1, 2)"));
  st->BindText(1, user);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  std::optional<int64_t> seq;
  if (row && !st->ColumnIsNull(0)) seq = st->ColumnInt(0);
  st->Reset();
  return seq;
}

Status LogStore::SetJournalVersion(const WriteToken& t, int64_t seq, int64_t version) {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         t.conn()->Prepare("UPDATE journal SET version = ?2 WHERE seq = ?1"));
  st->Bind(1, seq).Bind(2, version);
  return st->Run();
}

Result<int64_t> LogStore::JournalFloor() {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT coalesce((SELECT value FROM meta WHERE key = 'journal_floor'), 0)"));
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  int64_t floor = row ? st->ColumnInt(0) : 0;
  st->Reset();
  return floor;
}

Status LogStore::ClearJournalFloor(const WriteToken& t) {
  return t.conn()->Exec("UPDATE meta SET value = 0 WHERE key = 'journal_floor'");
}

// ------------------------------------------------------------ export, forget

Status LogStore::ForEachExported(const std::function<Status(const ExportedImpression&)>& visit) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * imp,
      conn_->Prepare("SELECT query_id, nfeatures, features FROM impressions ORDER BY query_id"));
  SAIKI_ASSIGN_OR_RETURN(
      Statement * items,
      conn_->Prepare("SELECT position, product_id FROM impression_items WHERE query_id = ?1 "
                     "ORDER BY position"));
  SAIKI_ASSIGN_OR_RETURN(
      Statement * clicks,
      conn_->Prepare("SELECT position, max(kind) FROM clicks WHERE query_id = ?1 "
                     "GROUP BY position"));
  ExportedImpression e;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, imp->Step());
    if (!row) break;
    e.query_id = imp->ColumnInt(0);
    auto corrupt = [&](const std::string& what) {
      imp->Reset();
      return Status::Corruption(conn_->path() + ": query id " + std::to_string(e.query_id) +
                                ": " + what);
    };
    std::string bad = DecodeFeatures(imp->ColumnBlob(2), imp->ColumnInt(1), &e.features);
    if (!bad.empty()) return corrupt(bad);
    const size_t shown = e.features.rows;
    e.product_ids.assign(shown, std::string());
    items->Reset();
    items->Bind(1, e.query_id);
    size_t found = 0;
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool more, items->Step());
      if (!more) break;
      const int64_t pos = items->ColumnInt(0);
      if (pos < 0 || static_cast<size_t>(pos) >= shown) {
        items->Reset();
        return corrupt("a shown product at position " + std::to_string(pos) + " of " +
                       std::to_string(shown));
      }
      e.product_ids[static_cast<size_t>(pos)] = std::string(items->ColumnText(1));
      ++found;
    }
    if (found != shown) {
      return corrupt(std::to_string(shown) + " feature rows but " + std::to_string(found) +
                     " shown products");
    }
    e.labels.assign(shown, 0);
    clicks->Reset();
    clicks->Bind(1, e.query_id);
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool more, clicks->Step());
      if (!more) break;
      const int64_t pos = clicks->ColumnInt(0);
      if (pos >= 0 && static_cast<size_t>(pos) < shown) {
        e.labels[static_cast<size_t>(pos)] = Signal(clicks->ColumnInt(1));
      }
    }
    Status s = visit(e);
    if (!s.ok()) {
      imp->Reset();
      return s;
    }
  }
  return Status::Ok();
}

Result<uint64_t> LogStore::DeleteUser(const WriteToken& t, std::string_view user) {
  return RunEach(t,
                 {"DELETE FROM impression_items WHERE query_id IN "
                  "(SELECT query_id FROM impressions WHERE user = ?1)",
                  "DELETE FROM clicks WHERE user = ?1", "DELETE FROM impressions WHERE user = ?1",
                  "DELETE FROM sessions WHERE user = ?1",
                  "DELETE FROM journal WHERE user = ?1 AND kind IN (1, 2)"},
                 [&](Statement* st) { st->BindText(1, user); });
}

Result<std::vector<LogStore::QueryPrefixRow>> LogStore::QueriesWithPrefix(
    std::string_view prefix, int64_t limit) {
  std::vector<QueryPrefixRow> out;
  if (prefix.empty()) return out;
  // 0xFF never occurs in UTF-8: every text starting with `prefix` sorts
  // below prefix + 0xFF (impressions_query orders query_norm by bytes).
  std::string upper(prefix);
  upper.push_back('\xFF');
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT i.query_norm, i.user, i.at, "
                     "(SELECT count(*) FROM clicks c WHERE c.query_id = i.query_id) "
                     "FROM impressions i WHERE i.query_norm >= ?1 AND i.query_norm < ?2 "
                     "ORDER BY i.query_norm LIMIT ?3"));
  ResetOnExit reset(st);
  st->BindText(1, prefix).BindText(2, upper).Bind(3, limit);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return out;
    QueryPrefixRow r;
    r.query_norm = std::string(st->ColumnText(0));
    r.user = std::string(st->ColumnText(1));
    r.at = st->ColumnDouble(2);
    r.clicks = st->ColumnInt(3);
    out.push_back(std::move(r));
  }
}

}  // namespace saiki::storage
