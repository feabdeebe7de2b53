// The pooled learners apart from the session closes (learn.pooled_at
// apart): a close runs only its user's update, and Database::LearnPooled
// runs the position-bias estimate and the global candidate when their
// evidence is complete, as a journaled step that forgetting a user replays.
//
// With learn.mode shadow nothing served changes, so two files that run the
// same script log the same sessions whichever way the pooled learners run:
// one that learns in the closes and one that calls LearnPooled after each
// close must then make the same global candidates with the same figures
// and the same position-bias estimates.
#include <catch2/catch.hpp>

#include "saiki/saiki.h"
#include "tests/learning_script.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::OthersLogs;
using testing::Script;
using testing::TempDir;
using testing::User;
using testing::Versions;

std::vector<std::string> GlobalVersions(Database* db) {
  std::vector<std::string> out;
  for (const std::string& line : Versions(db)) {
    if (line.rfind("global ", 0) == 0) out.push_back(line);
  }
  return out;
}

TEST_CASE("with the pooled learners apart, closes learn only the user's model and LearnPooled "
          "makes the global candidates the closes would have made",
          "[learning][pooled][slow]") {
  TempDir dir;
  const std::string in_close = dir.File("close.saiki"), apart = dir.File("apart.saiki");
  Script a(in_close, "shadow"), b(apart, "shadow");
  b.PooledApart();
  const int kUsers = 8;
  int slot = 0;
  uint64_t close_candidates = 0;
  for (int round = 0; round < 6; ++round) {
    for (int u = 0; u < kUsers; ++u) {
      ++slot;
      close_candidates += a.Session(User(u), slot).global.outcome != UpdateOutcome::kNone;
      const SessionReport r = b.Session(User(u), slot);
      INFO("session " << slot);
      CHECK(r.global.outcome == UpdateOutcome::kNone);
      CHECK(r.global.reason.find("apart") != std::string::npos);
    }
  }
  REQUIRE(close_candidates >= 2);
  REQUIRE(OthersLogs(in_close, "") == OthersLogs(apart, ""));

  // Every pooled step ran (each followed a pooled session); some completed
  // an epoch and some re-estimated position bias, and each candidate is
  // stored at a step, not at a close.
  const auto& steps = b.pooled_steps();
  REQUIRE(steps.size() == static_cast<size_t>(slot));
  uint64_t epochs = 0, estimates = 0, candidates = 0;
  for (const PooledReport& s : steps) {
    CHECK(s.ran);
    CHECK(s.seq > 0);
    epochs += s.epoch;
    estimates += s.propensities_estimated;
    candidates += s.global.outcome != UpdateOutcome::kNone;
    if (s.global.outcome != UpdateOutcome::kNone) {
      CHECK(s.epoch);
      CHECK(s.global.version > 0);
      CHECK(s.global_evidence.has_value());
    }
  }
  CHECK(epochs >= candidates);
  CHECK(estimates >= 1);
  CHECK(candidates == close_candidates);
  CHECK(GlobalVersions(a.db()) == GlobalVersions(b.db()));
  auto ma = a.db()->GetModel(), mb = b.db()->GetModel();
  REQUIRE(ma.ok());
  REQUIRE(mb.ok());
  CHECK(ma->propensities == mb->propensities);

  // Asked again with no session since, it does nothing and says why.
  auto again = b.db()->LearnPooled();
  REQUIRE(again.ok());
  CHECK_FALSE(again->ran);
  CHECK(again->global.reason.find("no pooled session") != std::string::npos);
  // With the learners in the closes, it leaves them there.
  auto in_closes = a.db()->LearnPooled();
  REQUIRE(in_closes.ok());
  CHECK_FALSE(in_closes->ran);
  CHECK(in_closes->global.reason.find("learn.pooled_at close") != std::string::npos);
}

TEST_CASE("with the pooled learners apart and learning on, a global candidate is promoted at a "
          "pooled step, and what users are shown changes only then",
          "[learning][pooled][slow]") {
  TempDir dir;
  Script s(dir.File("apart.saiki"), "on");
  s.PooledApart();
  int slot = 0;
  const int kUsers = 8;
  int64_t promoted_at = 0;
  for (int round = 0; round < 8 && promoted_at == 0; ++round) {
    for (int u = 0; u < kUsers && promoted_at == 0; ++u) {
      const int64_t before = s.db()->GetModel()->global.version;
      s.Session(User(u), ++slot);
      const PooledReport& step = s.pooled_steps().back();
      if (step.global.outcome == UpdateOutcome::kAccepted) {
        CHECK(step.global_version == step.global.version);
        CHECK(s.db()->GetModel()->global.version == step.global.version);
        promoted_at = step.seq;
      } else {
        CHECK(s.db()->GetModel()->global.version == before);
      }
    }
  }
  REQUIRE(promoted_at > 0);
  auto history = s.db()->ModelHistory();
  REQUIRE(history.ok());
  bool found = false;
  for (const ModelVersion& v : *history) {
    if (v.scope != ModelScope::kGlobal || v.status != ModelStatus::kActive) continue;
    found = true;
    CHECK(v.session_id == 0);  // made at a pooled step, not by a session's close
  }
  CHECK(found);
}

TEST_CASE("after forgetting a user, with the pooled learners apart, every model equals a "
          "database that never had them",
          "[forget][pooled][slow]") {
  const ForgetReport report = testing::ForgetZedInShadow(testing::PooledAt::kApart);
  CHECK(report.versions_rederived > 0);
  CHECK(report.notes.empty());
}

// The replay runs the pooled learners where they ran: in the closes before
// the switch, in the steps after it, whatever the setting is now.
TEST_CASE("after forgetting a user, with the pooled learners moved out of the closes midway, "
          "every model equals a database that never had them",
          "[forget][pooled][slow]") {
  const ForgetReport report = testing::ForgetZedInShadow(testing::PooledAt::kSwitched);
  CHECK(report.versions_rederived > 0);
  CHECK(report.notes.empty());
}

TEST_CASE("LearnPooled refuses a read-only file and does nothing with learning off",
          "[learning][pooled]") {
  TempDir dir;
  const std::string path = dir.File("shop.saiki");
  {
    Script s(path, "off");
    s.PooledApart();
    s.Session(User(0), 1);
    CHECK_FALSE(s.pooled_steps().back().ran);
    CHECK(s.pooled_steps().back().global.reason.find("learn.mode off") != std::string::npos);
  }
  OpenOptions o;
  o.read_only = true;
  auto ro = Database::Open(path, o);
  REQUIRE(ro.ok());
  auto r = (*ro)->LearnPooled();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kIoError);
  CHECK(r.status().message().find("read-only") != std::string::npos);
}

}  // namespace
}  // namespace saiki
