// Resources and limits (README "Limits", "Guarantees"):
//   - a full disk: a child process runs an import, a click, a session end
//     through a SQLite VFS shim (kill_vfs.h, g_full_after) that fails every
//     write past a byte budget with SQLITE_FULL, as a full file system does.
//     The budget is spread over the whole run (calibrated first). After
//     each: the call failed with kIoError naming "disk full" and the file,
//     or it returned OK (the budget ran out after its commit, in the
//     checkpoint); the file passes PRAGMA integrity_check and holds exactly
//     the state before the call (failed) or after it (returned OK); the same
//     Database object still answers searches; with space again, the call
//     succeeds.
//   - a read-only database: writes (import, click, settings, session end)
//     fail with kIoError and the CLI exits 7 with a message naming the file;
//     searches still work; nothing changes in the file.
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <array>
#include <filesystem>
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
using testing::FileDigest;
using testing::IntegrityCheck;
using testing::RemoveDb;
using testing::PetCatalog;
using testing::TempDir;
namespace killvfs = testing::killvfs;

constexpr double kNow = 1.7e9;  // a fixed clock: the after-states are deterministic
OpenOptions Options() {
  OpenOptions o;
  o.clock = [] { return kNow; };
  return o;
}

std::unique_ptr<Database> OpenOrDie(const std::string& path, OpenOptions o = Options()) {
  auto db = Database::Open(path, o);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

// What a run under a byte budget reports (one line through the pipe):
// status code, bytes written, whether a search worked afterwards, message.
struct BudgetRun {
  int code = -1;
  long long bytes = -1;
  bool searched_after = false;
  std::string message;
  std::string child;  // how the child ended
};

// In a child: opens `path`, arms the shim with `budget` bytes (-1: no
// limit), runs `op`, then searches with the same Database (still under the
// budget: a read needs no space).
template <typename Op>
BudgetRun RunWithBudget(const std::string& path, long long budget, Op op) {
  testing::ChildProcess child([&](int out) {
    killvfs::Install(-1);
    auto db = Database::Open(path, Options());
    if (!db.ok()) {
      testing::WriteAll(out, "-1 -1 0 open: " + db.status().ToString());
      return 2;
    }
    killvfs::g_full_after = budget;
    killvfs::g_armed = true;
    Status s = op(db->get());
    const long long bytes = killvfs::g_bytes_written;
    SearchRequest req;
    req.query = "犬";
    const bool searched = (*db)->Search(req).ok();
    killvfs::g_armed = false;  // closing (the checkpoint) is not measured
    std::ostringstream line;
    line << static_cast<int>(s.code()) << " " << bytes << " " << searched << " " << s.message();
    return testing::WriteAll(out, line.str()) ? 0 : 3;
  });
  const std::string line = child.ReadAll();
  child.Wait();
  BudgetRun r;
  r.child = child.Describe();
  std::istringstream in(line);
  in >> r.code >> r.bytes >> r.searched_after;
  std::getline(in, r.message);
  if (!r.message.empty() && r.message[0] == ' ') r.message.erase(0, 1);
  return r;
}

// Budgets over a run that writes `total` bytes: none at all, then spread.
std::vector<long long> Budgets(long long total, int spread) {
  std::set<long long> b = {0, 1, total - 1};
  for (int i = 1; i <= spread; ++i) b.insert(total * i / (spread + 1));
  return {b.begin(), b.end()};
}

// Runs `op` under budgets spread over its calibrated bytes, on copies of
// `base`; checks the file after each as the header says. Returns the
// number of runs that failed with "disk full".
template <typename Op>
int CheckDiskFull(const std::string& base, const std::string& work, const std::string& what,
                  int spread, Op op) {
  CopyDb(base, work);
  const std::string before = FileDigest(work);
  BudgetRun calibration = RunWithBudget(work, -1, op);
  INFO(what << " without a limit: " << calibration.message << " (" << calibration.child << ")");
  REQUIRE(calibration.code == 0);
  REQUIRE(calibration.bytes > 0);
  const std::string after = FileDigest(work);
  REQUIRE(after != before);

  int full = 0, ok = 0;
  for (long long budget : Budgets(calibration.bytes, spread)) {
    CopyDb(base, work);
    BudgetRun r = RunWithBudget(work, budget, op);
    INFO(what << " with the disk full after " << budget << " of " << calibration.bytes
              << " bytes: code " << r.code << ", '" << r.message << "', child " << r.child);
    REQUIRE(r.child == "exit 0");
    CHECK(r.searched_after);
    REQUIRE(IntegrityCheck(work) == "ok");
    const std::string state = FileDigest(work);
    if (r.code == static_cast<int>(StatusCode::kOk)) {
      ++ok;
      CHECK(state == after);
    } else {
      ++full;
      CHECK(r.code == static_cast<int>(StatusCode::kIoError));
      CHECK_THAT(r.message, Catch::Contains("disk full"));
      CHECK_THAT(r.message, Catch::Contains(work));
      CHECK(state == before);
    }
  }
  // With room again the same call succeeds on the file left behind.
  BudgetRun again = RunWithBudget(work, -1, op);
  INFO(what << " with room again: " << again.message);
  CHECK(again.code == 0);
  CHECK(IntegrityCheck(work) == "ok");
  WARN("disk full during " << what << ": " << full << " budgets failed cleanly, " << ok
                           << " ran out only after the commit; " << calibration.bytes
                           << " bytes written without a limit");
  CHECK(full > 0);
  return full;
}

TEST_CASE("a full disk during an import gives a clear error and keeps the old catalogue",
          "[limits][diskfull]") {
  TempDir dir;
  const std::string base = dir.File("base.saiki"), work = dir.File("work.saiki");
  {
    auto db = OpenOrDie(base);
    std::istringstream in(PetCatalog("p", 200));
    REQUIRE(db->ImportCsv(in, "base.csv", ImportOptions()).ok());
  }
  // 1,500 new products and 50 re-imported: several hundred KB of pages.
  const std::string csv =
      PetCatalog("p", 50, 0, "新") + PetCatalog("n", 1500).substr(PetCatalog("n", 0).size());
  testing::WriteFile(dir.File("import.csv"), csv);
  CheckDiskFull(base, work, "an import", 10, [&](Database* db) {
    auto r = db->ImportCsv(dir.File("import.csv"), ImportOptions());
    return r.status();
  });
}

TEST_CASE("a full disk during a click or a session end gives a clear error and loses nothing",
          "[limits][diskfull]") {
  TempDir dir;
  const std::string base = dir.File("base.saiki"), work = dir.File("work.saiki");
  std::string query_id, product;
  {
    auto db = OpenOrDie(base);
    std::istringstream in(PetCatalog("p", 200));
    REQUIRE(db->ImportCsv(in, "base.csv", ImportOptions()).ok());
    SearchRequest req;
    req.query = "犬";
    req.user = "u1";
    auto res = db->Search(req);
    REQUIRE(res.ok());
    REQUIRE(res->query_id.has_value());
    REQUIRE(res->hits.size() >= 3);
    query_id = *res->query_id;
    product = res->hits[2].id;
    // A click for the session end to learn from (below the top: a pair).
    REQUIRE(db->RecordClick(query_id, res->hits[1].id).ok());
  }
  CheckDiskFull(base, work, "a click", 4, [&](Database* db) {
    return db->RecordClick(query_id, product, ClickKind::kCart);
  });
  CheckDiskFull(base, work, "a session end", 8, [&](Database* db) {
    auto r = db->EndSession("u1");
    if (r.ok() && !r->has_value()) return Status::Internal("no open session");
    return r.status();
  });
}

// A shop whose next EndSession(user) promotes a global candidate: rating
// shoppers (each clicks the best-rated result) until a session end would
// promote, tried on a copy; the session is left open with its clicks.
std::string PreparePromotion(const std::string& base, const std::string& probe) {
  auto db = OpenOrDie(base);
  REQUIRE(db->ImportCsv(testing::SourcePath("datasets/catalog.csv"), ImportOptions()).ok());
  REQUIRE(db->SetSetting("learn.global_min_users", "6").ok());
  REQUIRE(db->SetSetting("learn.global_min_sessions", "16").ok());
  std::map<std::string, double> rating;
  auto rated = [&](const std::string& id) {
    if (!rating.count(id)) rating[id] = (*db->GetProduct(id))->rating.value_or(0);
    return rating[id];
  };
  const char* queries[] = {"犬", "猫", "ドッグフード", "ベッド", "おもちゃ", "首輪",
                           "マグカップ", "コーヒー", "スニーカー", "ノート", "タオル", "バッグ"};
  for (int s = 0; s < 400; ++s) {
    const std::string user = "shopper" + std::to_string(s % 16);
    for (int q = 0; q < 3; ++q) {
      SearchRequest req;
      req.query = queries[(s + 5 * q) % 12];
      req.user = user;
      auto r = db->Search(req);
      REQUIRE(r.ok());
      size_t best = 0;
      for (size_t i = 1; i < r->hits.size(); ++i) {
        if (rated(r->hits[i].id) > rated(r->hits[best].id)) best = i;
      }
      if (best != 0 && rated(r->hits[0].id) >= 4.0) {
        REQUIRE(db->RecordClick(*r->query_id, r->hits[0].id).ok());
      }
      REQUIRE(db->RecordClick(*r->query_id, r->hits[best].id).ok());
    }
    CopyDb(base, probe);
    bool promotes = false;
    {
      auto copy = OpenOrDie(probe);
      auto end = copy->EndSession(user);
      REQUIRE(end.ok());
      promotes = (*end)->global.outcome == UpdateOutcome::kAccepted;
    }
    if (promotes) return user;
    REQUIRE(db->EndSession(user).ok());
  }
  FAIL("no session end promoted a global candidate");
  return "";
}

TEST_CASE("a session end whose commit fails leaves the handle serving the models the file holds",
          "[limits][diskfull][regression]") {
  // The bug: the global model was installed in memory before the commit,
  // so a failed commit left the handle scoring and logging with a version
  // the file does not have.
  TempDir dir;
  const std::string base = dir.File("base.saiki"), work = dir.File("work.saiki");
  const std::string user = PreparePromotion(base, dir.File("probe.saiki"));
  auto global_version = [](Database* db) {
    SearchRequest req;
    req.query = "犬";
    auto r = db->Search(req);
    return r.ok() ? r->global_version : -1;
  };
  int64_t before = 0;
  {
    auto db = OpenOrDie(base);
    before = global_version(db.get());
  }
  // In a child, under a byte budget: the session end, then what the handle
  // serves and what a fresh handle on the same file serves.
  auto run = [&](long long budget) {
    testing::ChildProcess child([&](int out) {
      killvfs::Install(-1);
      auto db = Database::Open(work, Options());
      if (!db.ok()) return 2;
      killvfs::g_full_after = budget;
      killvfs::g_armed = true;
      auto end = (*db)->EndSession(user);
      killvfs::g_armed = false;
      const int64_t handle = global_version(db->get());
      auto fresh = Database::Open(work, Options());
      const int64_t file = fresh.ok() ? global_version(fresh->get()) : -2;
      std::ostringstream line;
      line << (end.ok() ? 0 : static_cast<int>(end.status().code())) << " " << handle << " "
           << file << " " << killvfs::g_bytes_written;
      return testing::WriteAll(out, line.str()) ? 0 : 3;
    });
    std::istringstream in(child.ReadAll());
    child.Wait();
    REQUIRE(child.Describe() == "exit 0");
    std::array<long long, 4> v{-9, -9, -9, -9};
    in >> v[0] >> v[1] >> v[2] >> v[3];
    return v;
  };
  CopyDb(base, work);
  const auto calibration = run(-1);
  REQUIRE(calibration[0] == 0);
  REQUIRE(calibration[1] != before);  // the promotion
  REQUIRE(calibration[1] == calibration[2]);
  int failed = 0;
  for (long long budget : Budgets(calibration[3], 12)) {
    CopyDb(base, work);
    const auto r = run(budget);
    INFO("budget " << budget << ": code " << r[0] << ", handle " << r[1] << ", file " << r[2]);
    CHECK(r[1] == r[2]);  // the handle serves what the file holds
    if (r[0] != 0) {
      ++failed;
      CHECK(r[2] == before);
    }
  }
  CHECK(failed > 0);
}

TEST_CASE("a database opened read-only refuses every write with kIoError and still searches",
          "[limits][readonly]") {
  TempDir dir;
  const std::string path = dir.File("ro.saiki");
  std::string query_id, product;
  {
    auto db = OpenOrDie(path);
    std::istringstream in(PetCatalog("p", 100));
    REQUIRE(db->ImportCsv(in, "c.csv", ImportOptions()).ok());
    SearchRequest req;
    req.query = "犬";
    req.user = "u1";
    auto res = db->Search(req);
    REQUIRE(res.ok());
    query_id = *res->query_id;
    product = res->hits.at(1).id;
  }
  const std::string before = FileDigest(path);
  OpenOptions ro = Options();
  ro.read_only = true;
  auto db = OpenOrDie(path, ro);
  std::istringstream in(PetCatalog("q", 10));
  std::vector<std::pair<std::string, Status>> writes;
  writes.emplace_back("import", db->ImportCsv(in, "c.csv", ImportOptions()).status());
  writes.emplace_back("click", db->RecordClick(query_id, product));
  writes.emplace_back("session end", db->EndSession("u1").status());
  writes.emplace_back("setting", db->SetSetting("bm25.k1", "1.1"));
  writes.emplace_back("delete", db->DeleteProducts({"p1"}).status());
  writes.emplace_back("forget", db->ForgetUser("u1").status());
  SearchRequest logged;
  logged.query = "犬";
  logged.user = "u2";
  writes.emplace_back("search --user", db->Search(logged).status());
  for (const auto& [what, s] : writes) {
    INFO(what << ": " << s.ToString());
    CHECK(s.code() == StatusCode::kIoError);
    CHECK_THAT(s.message(), Catch::Contains(path));
    CHECK_THAT(s.message(), Catch::Contains("read-only"));
  }
  SearchRequest req;
  req.query = "犬";
  auto res = db->Search(req);
  REQUIRE(res.ok());
  CHECK(res->hits.size() > 0);
  db.reset();
  CHECK(FileDigest(path) == before);
}

TEST_CASE("a read-only database file (chmod 0400) fails writes through the CLI with exit 7",
          "[limits][readonly]") {
  TempDir dir;
  const std::string path = dir.File("ro.saiki");
  const std::string db = "--db " + testing::Quote(path);
  testing::WriteFile(dir.File("c.csv"), PetCatalog("p", 100));
  REQUIRE(testing::RunCli(db + " index " + testing::Quote(dir.File("c.csv"))).exit_code == 0);
  auto logged = testing::RunCli(db + " search --json --user u1 犬");
  REQUIRE(logged.exit_code == 0);
  const std::string qid = nlohmann::json::parse(logged.out)["query_id"];
  const std::string product = nlohmann::json::parse(logged.out)["results"][1]["id"];
  const std::string before = FileDigest(path);
  REQUIRE(::chmod(path.c_str(), 0400) == 0);

  // root writes to a 0400 file anyway (CAP_DAC_OVERRIDE): run the CLI
  // without that capability (setpriv, util-linux), so the file's mode
  // decides as it does for any other user.
  std::string wrapper;
  if (::geteuid() == 0) {
    wrapper = "setpriv --bounding-set -dac_override,-dac_read_search,-fowner --inh-caps -all";
    auto probe = testing::RunCliWrapped(wrapper, "--help");
    INFO("setpriv is needed to test a read-only file as root: " << probe.err);
    REQUIRE(probe.exit_code == 0);
  }
  struct Write {
    const char* what;
    std::string args;
  };
  const Write writes[] = {
      {"index", " index " + testing::Quote(dir.File("c.csv"))},
      {"click", " click --query-id " + qid + " --id " + product},
      {"session end", " session end --user u1"},
      {"search --user", " search --user u2 犬"},
      {"settings set", " settings set bm25.k1 1.1"},
      {"user forget", " user forget u1"},
  };
  for (const Write& w : writes) {
    auto r = testing::RunCliWrapped(wrapper, db + w.args);
    INFO(w.what << ": exit " << r.exit_code << ", stderr: " << r.err);
    CHECK(r.exit_code == 7);
    CHECK_THAT(r.err, Catch::Contains(path + ": database is read-only"));
  }
  auto search = testing::RunCliWrapped(wrapper, db + " search 犬");
  INFO(search.err);
  CHECK(search.exit_code == 0);
  CHECK_THAT(search.out, Catch::Contains("products match"));
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  CHECK(FileDigest(path) == before);
  CHECK(IntegrityCheck(path) == "ok");
}

}  // namespace
}  // namespace saiki
