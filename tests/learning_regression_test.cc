// Regression tests for the learning loop's bugs found in review (issue 11):
// a user with two idle open sessions could not search (a transaction begun
// inside another); a corrupt logged impression was reported with the wrong
// query id (a column read after Reset); Result::value() on an error read
// garbage in release builds (a search with k = 0 printed a made-up count).
// The failed-commit case (the in-memory model running ahead of the file) is
// in limits_test.cc, which has the disk-full file layer.
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::PetCatalog;
using testing::TempDir;

struct Fixture {
  TempDir dir;
  double now = 1.8e9;
  std::string path = dir.File("reg.saiki");
  std::unique_ptr<Database> db;
  Fixture() {
    OpenOptions o;
    o.clock = [this] { return now; };
    auto opened = Database::Open(path, o);
    REQUIRE(opened.ok());
    db = std::move(opened).value();
    std::istringstream in(PetCatalog("p", 200));
    REQUIRE(db->ImportCsv(in, "pets.csv", ImportOptions()).ok());
  }
  SearchResponse Search(const std::string& user, const std::string& q) {
    SearchRequest req;
    req.query = q;
    req.user = user;
    auto r = db->Search(req);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return std::move(r).value();
  }
  void Sql(const std::string& sql) {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &err);
    INFO((err ? err : ""));
    sqlite3_free(err);
    sqlite3_close(raw);
    REQUIRE(rc == SQLITE_OK);
  }
};

TEST_CASE("a user with two idle open sessions can search: both close and learn first",
          "[learning][regression]") {
  Fixture f;
  auto first = f.Search("uma", "犬");
  REQUIRE(f.db->RecordClick(*first.query_id, first.hits[2].id).ok());
  // A second open session of the same user, as two processes can leave
  // behind, idle as long as the first.
  f.Sql("INSERT INTO sessions(user, started_at, last_at) VALUES ('uma', " +
        std::to_string(f.now) + ", " + std::to_string(f.now) + ")");
  f.now += 31 * 60;
  SearchRequest req;
  req.query = "猫";
  req.user = "uma";
  auto r = f.db->Search(req);
  INFO(r.status().ToString());
  REQUIRE(r.ok());  // was "cannot start a transaction within a transaction"
  REQUIRE(r->query_id.has_value());
  auto history = f.db->ModelHistory("uma");
  REQUIRE(history.ok());
  CHECK_FALSE(history->empty());  // the idle session with a click was learned from
  // One open session is left: the new one.
  auto end = f.db->EndSession("uma");
  REQUIRE(end.ok());
  REQUIRE(end->has_value());
  CHECK((*end)->impressions == 1);
  CHECK_FALSE(f.db->EndSession("uma")->has_value());
}

TEST_CASE("a corrupt logged impression is reported with its own query id",
          "[learning][regression]") {
  Fixture f;
  auto a = f.Search("vic", "犬");
  auto b = f.Search("vic", "猫");
  REQUIRE(f.db->RecordClick(*b.query_id, b.hits[1].id).ok());
  f.Sql("UPDATE impressions SET nfeatures = 7 WHERE query_id = " + *b.query_id);
  auto end = f.db->EndSession("vic");
  REQUIRE_FALSE(end.ok());
  CHECK(end.status().code() == StatusCode::kCorruption);
  CHECK_THAT(end.status().message(), Catch::Contains("query id " + *b.query_id + ":"));
  CHECK_THAT(end.status().message(), Catch::Contains("logged 7 features"));
  CHECK_THAT(end.status().message(), !Catch::Contains("query id " + *a.query_id + ":"));
  // Nothing was learned or closed: the session is still open.
  auto history = f.db->ModelHistory("vic");
  REQUIRE(history.ok());
  CHECK(history->empty());
}

TEST_CASE("Result::value() on an error aborts with the status on stderr, in every build",
          "[regression]") {
  testing::ChildProcess child([](int out) {
    ::dup2(out, STDERR_FILENO);
    ::signal(SIGABRT, SIG_DFL);  // not the test framework's handler: die as a program would
    Result<int> r(Status::InvalidArgument("k must be 1..1000, got 0"));
    volatile int v = r.value();  // a bug in the caller: must not return
    (void)v;
    return 0;
  });
  const std::string err = child.ReadAll();
  child.Wait();
  CHECK_FALSE(child.exited());
  CHECK(child.Describe() == "signal " + std::to_string(SIGABRT));
  CHECK_THAT(err, Catch::Contains(
                      "Result::value() on an error: invalid argument: k must be 1..1000, got 0"));
}

TEST_CASE("a search with k = 0 through the API is an error, not a made-up hit count",
          "[regression]") {
  Fixture f;
  SearchRequest req;
  req.query = "犬";
  req.k = 0;
  auto r = f.db->Search(req);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::Contains("k must be 1..1000, got 0"));
}

}  // namespace
}  // namespace saiki
