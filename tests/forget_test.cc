// Forgetting a user removes their influence, not only their rows: after
// ForgetUser(zed), every stored model (global and every other user's
// personal one), and what every other user is shown, equals that of a
// database in which zed's sessions never happened, with the same other
// sessions in the same order.
//
// Two databases run the same script of sessions at the same simulated
// times; one also has zed's sessions in between. For the comparison to be
// about forgetting, the other users' logs must be the same in both files:
// - with learn.mode shadow, what is served never changes, so zed can be
//   anywhere in the script; every learner runs (candidates, checks,
//   position bias, epochs), and forgetting must re-derive all of it;
// - with learning on, zed's sessions come last: they complete an epoch
//   whose candidate is promoted in the file that has them.
#include <catch2/catch.hpp>

#include "saiki/saiki.h"
#include "tests/learning_script.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::ExpectSame;
using testing::OthersLogs;
using testing::Script;
using testing::TempDir;
using testing::User;
using testing::Versions;

TEST_CASE("after forgetting a user, every model equals a database that never had them "
          "(shadow mode, the user's sessions anywhere)",
          "[forget][slow]") {
  const ForgetReport report = testing::ForgetZedInShadow(testing::PooledAt::kClose);
  CHECK(report.rows_deleted > 0);
  CHECK(report.entries_replayed > 40);
  CHECK(report.versions_rederived > 0);
  CHECK(report.notes.empty());
}

TEST_CASE("after forgetting a user whose sessions got a global candidate promoted, the "
          "global model is the one learned without them",
          "[forget][slow]") {
  TempDir dir;
  const std::string with = dir.File("with.saiki"), without = dir.File("without.saiki");
  Script a(with, "on"), b(without, "on");
  const int kUsers = 8;
  int slot = 0;
  for (int round = 0; round < 6; ++round) {
    for (int u = 0; u < kUsers; ++u) {
      ++slot;
      a.Session(User(u), slot);
      b.Session(User(u), slot);
    }
  }
  REQUIRE(OthersLogs(with, "zed") == OthersLogs(without, "zed"));
  // zed's sessions complete an epoch in `with`; its candidate learned from
  // zed too.
  bool zed_fed_a_candidate = false;
  for (int s = 0; s < 12 && !zed_fed_a_candidate; ++s) {
    SessionReport r = a.Session("zed", ++slot);
    zed_fed_a_candidate = r.global.outcome != UpdateOutcome::kNone;
  }
  REQUIRE(zed_fed_a_candidate);
  a.At(slot + 1);
  b.At(slot + 1);
  auto forgot = a.db()->ForgetUser("zed");
  REQUIRE(forgot.ok());
  ExpectSame(a.db(), b.db(), kUsers);
}

TEST_CASE("forgetting a user who never closed a session deletes their rows and re-derives "
          "nothing",
          "[forget]") {
  TempDir dir;
  Script a(dir.File("a.saiki"), "on");
  a.Session(User(0), 1);
  const auto before = Versions(a.db());
  SearchRequest req;
  req.query = "犬";
  req.user = "ghost";
  auto r = a.db()->Search(req);
  REQUIRE(r.ok());
  REQUIRE(a.db()->RecordClick(*r->query_id, r->hits[0].id).ok());
  auto forgot = a.db()->ForgetUser("ghost");
  REQUIRE(forgot.ok());
  CHECK(forgot->rows_deleted >= 3);  // session, impression, its items, the click
  CHECK(forgot->entries_replayed == 0);
  CHECK(Versions(a.db()) == before);
  CHECK(a.db()->ForgetUser("").status().code() == StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace saiki
