// Crash safety: a child process runs (a) an import, (b) a burst of
// RecordClick calls, (c) EndSession updates through the public API and is
// killed with SIGKILL at many deterministic points. After each kill:
//   - PRAGMA integrity_check is "ok" and the database opens and searches;
//   - the whole content of the file (every table, row by row) equals the
//     state before or after each transaction, never a mix: the states are
//     computed by running the same calls to completion on a copy;
//   - every click (or session end) the child reported as returned, through
//     a pipe written right after the call, is in the file;
//   - each learner row names an existing model version of its scope.
//
// Kill points, without any sleep or timing:
//   - a wrapping SQLite VFS registered in the child counts every xWrite,
//     xTruncate, xSync, xDelete and xShmLock (all the file system effects of
//     a transaction, the WAL index locks included) from the first API call
//     on, and SIGKILLs the child before effect number N; N is spread over
//     the whole run, closing the database (the checkpoint) included, with
//     extra points on the last effects (the commit);
//   - from ImportOptions::on_progress, at its k-th call;
//   - from the parent, after reading N bytes of the child's progress pipe
//     (the child is then somewhere in the next call).
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "saiki/saiki.h"
#include "tests/kill_vfs.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::CopyDb;
using testing::RemoveDb;
using testing::TempDir;
using testing::WriteFile;
namespace killvfs = testing::killvfs;


// ------------------------------------------------------------------------
// The file's whole content, table by table, and its checks.

constexpr double kNow = 1.7e9;  // every clock in this file: deterministic state
OpenOptions Options() {
  OpenOptions o;
  o.clock = [] { return kNow; };
  return o;
}

std::unique_ptr<Database> OpenOrDie(const std::string& path) {
  auto db = Database::Open(path, Options());
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

using testing::ContentDigest;

struct FileCheck {
  std::string integrity;
  std::string digest;
};

// Opens the file with SQLite alone (recovering the WAL as any opener would),
// runs the integrity check, digests the content and checks the learners.
FileCheck CheckFile(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  FileCheck r;
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    r.integrity += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  r.digest = ContentDigest(db);
  // Each learner's current version exists and is of its scope and user
  // (the global learner may point at any global version), and every
  // closed session is journaled once.
  REQUIRE(sqlite3_prepare_v2(
              db,
              "SELECT (SELECT count(*) FROM learner_states l WHERE l.version > 0 AND "
              "l.seq = (SELECT max(seq) FROM learner_states k WHERE k.user = l.user) AND "
              "NOT EXISTS (SELECT 1 FROM models m WHERE m.version = l.version AND "
              "(m.user = l.user OR l.user = '') AND m.scope = CASE WHEN "
              "l.user = '' THEN 'global' ELSE 'user' END)) + "
              "(SELECT count(*) FROM sessions s WHERE s.closed_at IS NOT NULL AND "
              "(SELECT count(*) FROM journal j WHERE j.session_id = s.session_id) <> 1)",
              -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int64(st, 0) == 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return r;
}

std::string CheckedDigest(const std::string& path) {
  FileCheck c = CheckFile(path);
  REQUIRE(c.integrity == "ok");
  return c.digest;
}

// ------------------------------------------------------------------------
// Running a child.

// What the child reports through its pipe, one byte per event:
//   '+'  a call returned OK          'p'  an on_progress call
//   'E'  an unexpected error (the message follows, up to the end)
//   'T'  done; the number of counted effects follows, then '\n'
struct ChildReport {
  int returned = 0;      // '+' count
  int progress = 0;      // 'p' count
  bool done = false;     // reached 'T'
  long effects = -1;     // after 'T'
  std::string error;     // after 'E'
  bool killed = false;   // died of SIGKILL
  int exit_code = -1;
};

void Put(int fd, const std::string& s) { (void)testing::WriteAll(fd, s); }

// How the child is stopped.
struct KillPlan {
  long at_effect = -1;    // VFS effect number
  int at_progress = -1;   // on_progress call number (1-based)
  int parent_after = -1;  // parent kills after reading this many '+'
};

// Forks a child that opens `path`, arms the counter, runs `body` (which
// calls `ok(fd)` after each call that returned OK) and closes the database.
template <typename Body>
ChildReport RunChild(const std::string& path, const KillPlan& plan, Body body) {
  testing::ChildProcess child([&](int out) {
    killvfs::Install(plan.at_effect);
    {
      auto db = Database::Open(path, Options());
      if (!db.ok()) {
        Put(out, "Eopen: " + db.status().ToString());
        return 2;
      }
      killvfs::g_armed = true;
      std::string error = body(db->get(), out, plan);
      if (!error.empty()) {
        Put(out, "E" + error);
        return 2;
      }
    }  // closing: the checkpoint is counted too
    Put(out, "T" + std::to_string(killvfs::g_effects) + "\n");
    return 0;
  });
  ChildReport r;
  std::string tail;
  child.Read([&](std::string_view chunk) {
    for (char c : chunk) {
      if (!r.error.empty() || r.done) {
        tail += c;
        continue;
      }
      if (c == '+') {
        ++r.returned;
        if (plan.parent_after > 0 && r.returned >= plan.parent_after) child.Kill();
      } else if (c == 'p') {
        ++r.progress;
      } else if (c == 'T') {
        r.done = true;
      } else if (c == 'E') {
        r.error = "E";
      }
    }
  });
  if (r.done) r.effects = std::atol(tail.c_str());
  if (!r.error.empty()) r.error = tail;
  child.Wait();
  r.killed = child.killed();
  r.exit_code = child.exit_code();
  return r;
}

// Kill points over a run of `total` effects: `spread` evenly, plus the last
// `tail` ones (commit and checkpoint), each once.
std::vector<long> KillPoints(long total, int spread, int tail) {
  std::set<long> points;
  for (int i = 1; i <= spread; ++i) points.insert(std::max<long>(1, total * i / (spread + 1)));
  for (long k = std::max<long>(1, total - tail + 1); k <= total; ++k) points.insert(k);
  return {points.begin(), points.end()};
}

int g_kill_points = 0;  // over the whole file, for the closing WARN

// After a kill: the file is whole, opens, answers, and its content is one
// of `states` (index returned; REQUIREs one matches).
size_t VerifyAfterKill(const std::string& path, const std::vector<std::string>& states,
                       const std::string& what) {
  FileCheck c = CheckFile(path);
  INFO(what);
  REQUIRE(c.integrity == "ok");
  auto it = std::find(states.begin(), states.end(), c.digest);
  INFO("content after the kill: " << c.digest);
  REQUIRE(it != states.end());
  auto db = OpenOrDie(path);
  auto stats = db->GetStats();
  REQUIRE(stats.ok());
  SearchRequest req;
  req.query = "犬";
  auto res = db->Search(req);
  INFO(res.status().ToString());
  REQUIRE(res.ok());
  REQUIRE(db->GetModel("").ok());
  return static_cast<size_t>(it - states.begin());
}

std::string Catalog(const std::string& prefix, int n, int offset = 0, const char* tag = "") {
  return testing::PetCatalog(prefix, n, offset, tag);
}

void Import(Database* db, const std::string& csv) {
  std::istringstream in(csv);
  auto r = db->ImportCsv(in, "crash.csv", ImportOptions());
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  REQUIRE(r->rejected == 0);
}

// ------------------------------------------------------------------------

// Kills an import of `csv` (inserting `inserted` products and updating
// `updated`) into a copy of `base`, which holds `before_products`: at effects
// spread over the whole run and at each progress call. Every kill must leave
// the file whole, with base's content or the finished import's, and both
// outcomes must occur. `check_after` looks at the finished import's file.
void CheckImportKilledAnywhere(const TempDir& dir, const std::string& base, const std::string& csv,
                               uint64_t before_products, uint64_t inserted, uint64_t updated,
                               const std::function<void(Database*)>& check_after) {
  const std::string work = dir.File("work.saiki");
  WriteFile(dir.File("import.csv"), csv);
  auto import = [&](Database* db, int out, const KillPlan& plan) -> std::string {
    ImportOptions opts;
    int calls = 0;
    opts.on_progress = [&](const ImportProgress&) {
      Put(out, "p");
      if (++calls == plan.at_progress) ::kill(::getpid(), SIGKILL);
    };
    auto r = db->ImportCsv(dir.File("import.csv"), opts);
    if (!r.ok()) return r.status().ToString();
    if (r->inserted != inserted || r->updated != updated) return "unexpected import report";
    Put(out, "+");
    return "";
  };

  CopyDb(base, work);
  const std::string before = CheckedDigest(work);
  ChildReport calibration = RunChild(work, KillPlan(), import);
  INFO(calibration.error);
  REQUIRE(calibration.done);
  REQUIRE(calibration.returned == 1);
  const std::string after = CheckedDigest(work);
  REQUIRE(before != after);
  {
    auto db = OpenOrDie(work);
    REQUIRE(db->GetStats()->products == before_products + inserted);
    check_after(db.get());
  }
  // Same run again: the after-state is deterministic.
  CopyDb(base, work);
  REQUIRE(RunChild(work, KillPlan(), import).done);
  REQUIRE(CheckedDigest(work) == after);

  std::vector<KillPlan> plans;
  for (long e : KillPoints(calibration.effects, 22, 10)) plans.push_back({e, -1, -1});
  for (int p = 1; p <= calibration.progress; ++p) plans.push_back({-1, p, -1});
  int old_state = 0, new_state = 0;
  for (const KillPlan& plan : plans) {
    CopyDb(base, work);
    ChildReport r = RunChild(work, plan, import);
    INFO("kill at effect " << plan.at_effect << " of " << calibration.effects << ", progress call "
                           << plan.at_progress << "; child error: " << r.error);
    REQUIRE(r.killed);
    ++g_kill_points;
    size_t state = VerifyAfterKill(work, {before, after}, "import");
    // A reported import is committed.
    if (r.returned == 1) REQUIRE(state == 1);
    (state == 0 ? old_state : new_state)++;
    auto db = OpenOrDie(work);
    auto stats = db->GetStats();
    CHECK(stats->products == (state == 0 ? before_products : before_products + inserted));
  }
  WARN("import: " << plans.size() << " kill points over " << calibration.effects
                  << " file effects and " << calibration.progress << " progress calls; "
                  << old_state << " left the old catalogue, " << new_state << " the new one");
  CHECK(old_state > 0);
  CHECK(new_state > 0);  // points after the commit
}

TEST_CASE("an import killed at any write leaves the old catalogue or the new one", "[crash]") {
  TempDir dir;
  const std::string base = dir.File("base.saiki");
  {
    // Eight segments, so the import under test (the ninth) ends with a merge
    // inside its transaction.
    auto db = OpenOrDie(base);
    for (int s = 0; s < 8; ++s) Import(db.get(), Catalog("b", 10, s * 10));
  }
  // Replaces b0..b19 and adds 1200 products: ~180 KB, a few progress calls.
  const std::string csv = Catalog("b", 20, 0, "新") + Catalog("n", 1200).substr(
                                                          Catalog("n", 0).size());
  CheckImportKilledAnywhere(dir, base, csv, 80, 1200, 20, [](Database* db) {
    REQUIRE(db->GetStats()->segments == 1);  // merged
  });
}

// The first import into a file goes through a rollback journal, not the
// WAL (storage::RollbackJournalScope): a kill leaves a hot journal that the
// next opener rolls back.
TEST_CASE("a first import killed at any write leaves an empty catalogue or the new one",
          "[crash]") {
  TempDir dir;
  const std::string base = dir.File("base.saiki");
  { OpenOrDie(base); }  // the schema, no product
  CheckImportKilledAnywhere(dir, base, Catalog("n", 1500), 0, 1500, 0, [](Database* db) {
    REQUIRE(db->GetStats()->segments == 1);
  });
}

// Searches logged for `users` on `db`: (query id, shown product ids).
struct Logged {
  std::string user, query_id;
  std::vector<std::string> shown;
};
std::vector<Logged> LogSearches(Database* db, const std::vector<std::string>& users,
                                const std::vector<std::string>& queries) {
  std::vector<Logged> out;
  for (const auto& u : users) {
    for (const auto& q : queries) {
      SearchRequest req;
      req.query = q;
      req.user = u;
      req.k = 10;
      auto res = db->Search(req);
      INFO(res.status().ToString());
      REQUIRE(res.ok());
      REQUIRE(res->query_id.has_value());
      Logged l{u, *res->query_id, {}};
      for (const auto& h : res->hits) l.shown.push_back(h.id);
      REQUIRE(l.shown.size() >= 3);
      out.push_back(std::move(l));
    }
  }
  return out;
}

struct Click {
  std::string query_id, product;
  ClickKind kind;
};

TEST_CASE("a click burst killed at any write keeps every click that returned", "[crash]") {
  TempDir dir;
  const std::string base = dir.File("base.saiki"), work = dir.File("work.saiki");
  std::vector<Click> clicks;
  {
    auto db = OpenOrDie(base);
    Import(db.get(), Catalog("p", 200));
    auto logged = LogSearches(db.get(), {"u1", "u2", "u3"}, {"犬", "猫 フード", "ベッド"});
    for (int i = 0; i < 36; ++i) {
      const Logged& l = logged[i % logged.size()];
      ClickKind kind = i % 9 == 8 ? ClickKind::kPurchase : i % 4 == 3 ? ClickKind::kCart
                                                                      : ClickKind::kClick;
      clicks.push_back({l.query_id, l.shown[(i * 7) % l.shown.size()], kind});
    }
  }
  // The state after each prefix of the burst, from running it here.
  std::vector<std::string> states;
  CopyDb(base, work);
  states.push_back(CheckedDigest(work));
  {
    auto db = OpenOrDie(work);
    for (const Click& c : clicks) {
      Status s = db->RecordClick(c.query_id, c.product, c.kind);
      INFO(s.ToString());
      REQUIRE(s.ok());
      sqlite3* raw = nullptr;
      REQUIRE(sqlite3_open(work.c_str(), &raw) == SQLITE_OK);
      states.push_back(ContentDigest(raw));
      sqlite3_close(raw);
    }
  }
  auto burst = [&](Database* db, int out, const KillPlan&) -> std::string {
    for (const Click& c : clicks) {
      Status s = db->RecordClick(c.query_id, c.product, c.kind);
      if (!s.ok()) return s.ToString();
      Put(out, "+");
    }
    return "";
  };
  CopyDb(base, work);
  ChildReport calibration = RunChild(work, KillPlan(), burst);
  INFO(calibration.error);
  REQUIRE(calibration.done);
  REQUIRE(calibration.returned == static_cast<int>(clicks.size()));
  REQUIRE(CheckedDigest(work) == states.back());

  std::vector<KillPlan> plans;
  for (long e : KillPoints(calibration.effects, 40, 8)) plans.push_back({e, -1, -1});
  for (int n : {1, 5, 17, 30}) plans.push_back({-1, -1, n});
  int lost = 0, killed = 0;
  for (const KillPlan& plan : plans) {
    CopyDb(base, work);
    ChildReport r = RunChild(work, plan, burst);
    INFO("kill at effect " << plan.at_effect << " of " << calibration.effects
                           << " / after reading " << plan.parent_after << " reports; returned "
                           << r.returned << "; child error: " << r.error);
    if (plan.parent_after > 0 && !r.killed) {
      REQUIRE(r.done);  // the burst ended before the parent's kill landed
      continue;
    }
    REQUIRE(r.killed);
    ++g_kill_points;
    ++killed;
    size_t state = VerifyAfterKill(work, states, "click burst");
    // Every click that returned is there; at most the one in flight more.
    if (state < static_cast<size_t>(r.returned)) ++lost;
    CHECK(state >= static_cast<size_t>(r.returned));
    CHECK(state <= static_cast<size_t>(r.returned) + 1);
    // The same, spelled out on the clicks table.
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(work.c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "SELECT count(*) FROM clicks", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int64(st, 0) >= r.returned);
    sqlite3_finalize(st);
    sqlite3_close(raw);
  }
  WARN("click burst: " << killed << " kill points over " << calibration.effects
                       << " file effects of " << clicks.size() << " clicks; lost clicks: "
                       << lost);
}

TEST_CASE("session ends killed at any write leave each learning update whole", "[crash]") {
  TempDir dir;
  const std::string base = dir.File("base.saiki"), work = dir.File("work.saiki");
  const std::vector<std::string> users = {"a", "b", "c", "d", "e"};
  {
    auto db = OpenOrDie(base);
    Import(db.get(), Catalog("p", 200));
    auto logged = LogSearches(db.get(), users, {"犬", "猫 フード", "ハーネス", "おやつ"});
    // Clicks below the top so that they make preferences (pairs) to learn.
    for (size_t i = 0; i < logged.size(); ++i) {
      const Logged& l = logged[i];
      REQUIRE(db->RecordClick(l.query_id, l.shown[2 + i % 3], ClickKind::kClick).ok());
      if (i % 2 == 0) REQUIRE(db->RecordClick(l.query_id, l.shown[1], ClickKind::kCart).ok());
    }
  }
  std::vector<std::string> states;
  CopyDb(base, work);
  states.push_back(CheckedDigest(work));
  {
    auto db = OpenOrDie(work);
    for (const auto& u : users) {
      auto r = db->EndSession(u);
      INFO(r.status().ToString());
      REQUIRE(r.ok());
      REQUIRE(r->has_value());
      CHECK((*r)->pairs > 0);
      sqlite3* raw = nullptr;
      REQUIRE(sqlite3_open(work.c_str(), &raw) == SQLITE_OK);
      states.push_back(ContentDigest(raw));
      sqlite3_close(raw);
    }
  }
  REQUIRE(std::set<std::string>(states.begin(), states.end()).size() == states.size());
  auto end_sessions = [&](Database* db, int out, const KillPlan&) -> std::string {
    for (const auto& u : users) {
      auto r = db->EndSession(u);
      if (!r.ok()) return r.status().ToString();
      if (!r->has_value()) return "no open session for " + u;
      Put(out, "+");
    }
    return "";
  };
  CopyDb(base, work);
  ChildReport calibration = RunChild(work, KillPlan(), end_sessions);
  INFO(calibration.error);
  REQUIRE(calibration.done);
  REQUIRE(CheckedDigest(work) == states.back());

  std::vector<KillPlan> plans;
  for (long e : KillPoints(calibration.effects, 50, 10)) plans.push_back({e, -1, -1});
  for (const KillPlan& plan : plans) {
    CopyDb(base, work);
    ChildReport r = RunChild(work, plan, end_sessions);
    INFO("kill at effect " << plan.at_effect << " of " << calibration.effects << "; returned "
                           << r.returned << "; child error: " << r.error);
    REQUIRE(r.killed);
    ++g_kill_points;
    size_t state = VerifyAfterKill(work, states, "session ends");
    CHECK(state >= static_cast<size_t>(r.returned));
    CHECK(state <= static_cast<size_t>(r.returned) + 1);
  }
  WARN("session ends: " << plans.size() << " kill points over " << calibration.effects
                        << " file effects of " << users.size() << " learning updates");
  WARN("crash safety: " << g_kill_points << " kill points tried so far in this process");
}

}  // namespace
}  // namespace saiki
