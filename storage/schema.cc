// Schema creation and migrations. Each entry of kMigrations takes a database
// from version i to i+1 and runs in the same transaction as the version bump,
// so an interrupted migration leaves the old version whole.
#include "storage/schema.h"

#include <string>

namespace saiki::storage {
namespace {

// kMigrations[i] upgrades version i to i+1.
const char* const kMigrations[] = {
    // 0 -> 1: the search core.
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE products(
  docid INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  brand TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT '',
  price REAL,
  rating REAL,
  review_count INTEGER,
  tags TEXT NOT NULL DEFAULT '',
  attrs TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE segments(
  seg INTEGER PRIMARY KEY,
  first_docid INTEGER NOT NULL,
  last_docid INTEGER NOT NULL,
  ndocs INTEGER NOT NULL,
  docs BLOB NOT NULL
);
CREATE TABLE postings(
  term BLOB NOT NULL,
  seg INTEGER NOT NULL,
  df INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE UNIQUE INDEX postings_term_seg ON postings(term, seg);
CREATE INDEX postings_seg ON postings(seg);
CREATE TABLE tombstones(docid INTEGER PRIMARY KEY);
CREATE TABLE synonyms(term TEXT PRIMARY KEY, grp INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES ('postings_format', 1), ('next_seg', 1);
)sql",
    // 1 -> 2: the learning loop: sessions, impressions with their logged
    // feature vectors, clicks, model versions and each learner's state.
    R"sql(
CREATE TABLE sessions(
  session_id INTEGER PRIMARY KEY AUTOINCREMENT,
  user TEXT NOT NULL,
  started_at REAL NOT NULL,
  last_at REAL NOT NULL,
  closed_at REAL,
  outcome TEXT
);
CREATE INDEX sessions_user_open ON sessions(user, closed_at);
CREATE INDEX sessions_open_last ON sessions(closed_at, last_at);
CREATE TABLE impressions(
  query_id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id INTEGER NOT NULL,
  user TEXT NOT NULL,
  query TEXT NOT NULL,
  query_norm TEXT NOT NULL,
  at REAL NOT NULL,
  ranker TEXT NOT NULL,
  global_version INTEGER,
  user_version INTEGER,
  champion_version INTEGER,
  gate REAL NOT NULL,
  nfeatures INTEGER NOT NULL,
  features BLOB NOT NULL,
  candidate_stats BLOB NOT NULL
);
CREATE INDEX impressions_session ON impressions(session_id);
CREATE INDEX impressions_user ON impressions(user, query_id);
CREATE INDEX impressions_query ON impressions(query_norm);
CREATE TABLE impression_items(
  query_id INTEGER NOT NULL,
  position INTEGER NOT NULL,
  product_id TEXT NOT NULL,
  team INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(query_id, position)
) WITHOUT ROWID;
CREATE INDEX impression_items_product ON impression_items(query_id, product_id);
CREATE TABLE clicks(
  click_id INTEGER PRIMARY KEY AUTOINCREMENT,
  query_id INTEGER NOT NULL,
  user TEXT NOT NULL,
  product_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  at REAL NOT NULL,
  snapshot BLOB NOT NULL
);
CREATE INDEX clicks_query ON clicks(query_id);
CREATE INDEX clicks_user ON clicks(user, at);
CREATE TABLE models(
  version INTEGER PRIMARY KEY AUTOINCREMENT,
  scope TEXT NOT NULL,
  user TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  parent INTEGER,
  session_id INTEGER,
  created_at REAL NOT NULL,
  params TEXT NOT NULL,
  loss_before REAL,
  loss_after REAL,
  metric_before REAL,
  metric_after REAL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX models_user ON models(user, version);
CREATE TABLE learners(
  user TEXT PRIMARY KEY,
  version INTEGER,
  champion INTEGER,
  learning_rate REAL NOT NULL,
  interleave_left INTEGER NOT NULL DEFAULT 0,
  wins_new INTEGER NOT NULL DEFAULT 0,
  wins_old INTEGER NOT NULL DEFAULT 0,
  ties INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE propensities(position INTEGER PRIMARY KEY, value REAL NOT NULL);
)sql",
    // 2 -> 3: learning you can trust. The learning journal orders every
    // event that changes learned state (session closes, rollbacks by hand,
    // imports); learner states and position-bias estimates are kept per
    // journal position, so that forgetting a user can replay the journal
    // from the user's first session. Sessions closed before, and imported
    // tree models, become journal entries in the order they happened.
    R"sql(
CREATE TABLE journal(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind INTEGER NOT NULL,
  user TEXT NOT NULL DEFAULT '',
  session_id INTEGER,
  version INTEGER,
  mode INTEGER NOT NULL DEFAULT 0,
  pooled INTEGER NOT NULL DEFAULT 0,
  clicks INTEGER NOT NULL DEFAULT 0,
  forced INTEGER NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT '',
  at REAL NOT NULL
);
CREATE INDEX journal_user ON journal(kind, user, seq);
CREATE INDEX journal_pooled ON journal(kind, pooled, seq);
CREATE UNIQUE INDEX journal_session ON journal(session_id);
INSERT INTO journal(kind, user, session_id, version, pooled, forced, at)
  SELECT kind, user, session_id, version, pooled, forced, t FROM (
    SELECT closed_at AS t, 1 AS kind, user, session_id, NULL AS version, 1 AS pooled,
           0 AS forced, session_id AS tie
      FROM sessions WHERE closed_at IS NOT NULL
    UNION ALL
    SELECT created_at, 3, '', NULL, version, 0, 1, version
      FROM models WHERE kind = 'trees' AND scope = 'global')
  ORDER BY t, tie;
UPDATE journal SET clicks = (SELECT count(DISTINCT c.query_id || ':' || c.position)
  FROM clicks c JOIN impressions i ON i.query_id = c.query_id
  WHERE i.session_id = journal.session_id) WHERE kind = 1;
INSERT INTO meta(key, value) VALUES ('journal_floor', (SELECT coalesce(max(seq), 0) FROM journal));
CREATE TABLE learner_states(
  user TEXT NOT NULL,
  seq INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 0,
  champion INTEGER NOT NULL DEFAULT 0,
  learning_rate REAL NOT NULL,
  interleave_left INTEGER NOT NULL DEFAULT 0,
  wins_new INTEGER NOT NULL DEFAULT 0,
  wins_old INTEGER NOT NULL DEFAULT 0,
  ties INTEGER NOT NULL DEFAULT 0,
  epoch_seq INTEGER NOT NULL DEFAULT 0,
  candidates INTEGER NOT NULL DEFAULT 0,
  propensity_seq INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(user, seq)
) WITHOUT ROWID;
INSERT INTO learner_states(user, seq, version, champion, learning_rate, interleave_left,
                           wins_new, wins_old, ties)
  SELECT user, (SELECT value FROM meta WHERE key = 'journal_floor'), coalesce(version, 0),
         coalesce(champion, 0), learning_rate, interleave_left, wins_new, wins_old, ties
    FROM learners;
DROP TABLE learners;
UPDATE learner_states SET epoch_seq = seq, propensity_seq = seq WHERE user = '';
CREATE TABLE propensity_sets(seq INTEGER PRIMARY KEY, vals TEXT NOT NULL);
INSERT INTO propensity_sets(seq, vals)
  SELECT (SELECT value FROM meta WHERE key = 'journal_floor'), json_group_array(value)
    FROM (SELECT value FROM propensities ORDER BY position) HAVING count(*) > 0;
DROP TABLE propensities;
ALTER TABLE models ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN forced INTEGER NOT NULL DEFAULT 0;
ALTER TABLE models ADD COLUMN evidence TEXT NOT NULL DEFAULT '';
UPDATE models SET seq = coalesce((SELECT j.seq FROM journal j WHERE j.session_id = models.session_id),
                                 (SELECT j.seq FROM journal j WHERE j.kind = 3 AND j.version = models.version),
                                 0);
UPDATE models SET forced = 1 WHERE kind = 'trees';
CREATE INDEX models_seq ON models(seq);
ALTER TABLE impressions ADD COLUMN first_rank INTEGER NOT NULL DEFAULT 0;
)sql",
    // 3 -> 4: each user's taste profile (users of an older file start
    // without one; it builds up from their next sessions), and where an
    // impression explored and with what probability.
    R"sql(
CREATE TABLE tastes(user TEXT PRIMARY KEY, profile BLOB NOT NULL) WITHOUT ROWID;
ALTER TABLE impressions ADD COLUMN explore_position INTEGER;
ALTER TABLE impressions ADD COLUMN explore_probability REAL;
)sql",
    // 4 -> 5: the cold rows of format 4 docs blobs, by segment and chunk
    // (key seg << 32 | chunk: a rowid table, whose pages fill up when rows
    // are appended in key order, and one b-tree descent per chunk). Older
    // segments keep their cold rows in their blobs until a merge.
    R"sql(
CREATE TABLE doc_cold(id INTEGER PRIMARY KEY, data BLOB NOT NULL);
)sql",
    // 5 -> 6: the pooled learners apart from the closes (learn.pooled_at):
    // whether a session's close left them to pooled steps, which are
    // journal entries of their own (kind 4), so that a replay after a
    // forget runs them where they ran. Earlier closes ran them (0).
    R"sql(
ALTER TABLE journal ADD COLUMN apart INTEGER NOT NULL DEFAULT 0;
)sql",
};
constexpr int kNumMigrations = sizeof(kMigrations) / sizeof(kMigrations[0]);
static_assert(kNumMigrations == kSchemaVersion, "one migration per schema version");
// Version 1 files are upgraded in place; version 2 adds only new tables;
// version 3 adds the journal and re-keys learner state by journal position;
// version 4 adds a table and two nullable columns; version 5 a table;
// version 6 a column with a default.

Result<int64_t> PragmaInt(Connection* conn, const char* sql) {
  SAIKI_ASSIGN_OR_RETURN(Statement * st, conn->Prepare(sql));
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  int64_t v = row ? st->ColumnInt(0) : 0;
  st->Reset();
  return v;
}

}  // namespace

Status PrepareSchema(Connection* conn, bool read_only) {
  // Reading the header first turns "file is not a database" into a clear
  // error before any pragma tries to write.
  auto app_id = PragmaInt(conn, "PRAGMA application_id");
  if (!app_id.ok()) {
    if (app_id.status().code() == StatusCode::kCorruption) {
      return Status::Corruption(conn->path() + ": not a saiki database (not an SQLite file)");
    }
    return app_id.status();
  }
  SAIKI_ASSIGN_OR_RETURN(int64_t version, PragmaInt(conn, "PRAGMA user_version"));
  SAIKI_ASSIGN_OR_RETURN(int64_t tables,
                         PragmaInt(conn, "SELECT count(*) FROM sqlite_schema"));
  bool empty = *app_id == 0 && version == 0 && tables == 0;
  if (!empty && *app_id != kApplicationId) {
    return Status::Corruption(conn->path() +
                              ": not a saiki database (an SQLite file of another application)");
  }
  if (version > kSchemaVersion) {
    return Status::NotSupported(conn->path() + ": database schema version " +
                                std::to_string(version) + " is newer than this saiki supports (" +
                                std::to_string(kSchemaVersion) + "); upgrade saiki");
  }
  if (read_only) {
    if (version < kSchemaVersion) {
      return Status::NotSupported(conn->path() + ": database needs an upgrade (schema version " +
                                  std::to_string(version) + "), which a read-only open cannot do");
    }
    return Status::Ok();
  }
  // WAL lets readers go on while a writer imports; NORMAL sync is durable
  // across process crashes (a power loss may lose the last commits, never
  // corrupt the file): see README "Guarantees".
  if (empty) {
    // Before the first table and before WAL mode writes the header (both
    // are fixed from then on; older files keep theirs).
    //
    // Pages of 16 KiB, not SQLite's 4 KiB: the big values (the docs
    // table's 16 MB hot column and the posting lists of common terms at 1M
    // products) are chains of overflow pages that SQLite reads one page per
    // pread, so a quarter of the pages is a quarter of the system calls. A
    // cold `saiki search 犬` at 1M, the same file vacuumed to each size:
    // 4 KiB 30.2 ms, 16 KiB 26.0 ms (8 KiB, 64 KiB and the costs: README,
    // design notes, "Why 16 KiB pages").
    SAIKI_RETURN_IF_ERROR(conn->Exec("PRAGMA page_size=16384"));
    // Pages freed by a merge (the segments' lists it joined) go back to the
    // file system at its end (PRAGMA incremental_vacuum) instead of staying
    // in the file as free pages, 4% of an index of 1M products.
    SAIKI_RETURN_IF_ERROR(conn->Exec("PRAGMA auto_vacuum=INCREMENTAL"));
  }
  SAIKI_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode=WAL"));
  SAIKI_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous=NORMAL"));
  // Deleted rows (a forgotten user's logs) are overwritten, not left in
  // free pages.
  SAIKI_RETURN_IF_ERROR(conn->Exec("PRAGMA secure_delete=ON"));
  if (version == kSchemaVersion) return Status::Ok();

  SAIKI_ASSIGN_OR_RETURN(auto txn, WriteTransaction::Begin(conn));
  // Re-read under the write lock: another process may have migrated first.
  SAIKI_ASSIGN_OR_RETURN(version, PragmaInt(conn, "PRAGMA user_version"));
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    Status s = conn->Exec(kMigrations[v]);
    if (!s.ok()) return s.WithContext("migrating schema to version " + std::to_string(v + 1));
  }
  std::string bump = "PRAGMA application_id=" + std::to_string(kApplicationId) +
                     "; PRAGMA user_version=" + std::to_string(kSchemaVersion);
  SAIKI_RETURN_IF_ERROR(conn->Exec(bump.c_str()));
  return txn->Commit();
}

}  // namespace saiki::storage
