// The learning loop through the library API and the CLI: personalisation
// end to end (two users with opposite brand preferences), sessions and
// their timeout, click validation, the guard, rollback and forget. A fake
// clock drives time; nothing sleeps.
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::Quote;
using testing::RunCli;
using testing::SourcePath;
using testing::TempDir;

struct Clock {
  double now = 1.8e9;
  std::function<double()> fn() {
    return [this] { return now; };
  }
};

struct LearningFixture {
  TempDir dir;
  Clock clock;
  std::unique_ptr<Database> db;
  LearningFixture() {
    OpenOptions o;
    o.clock = clock.fn();
    auto opened = Database::Open(dir.File("learn.saiki"), o);
    REQUIRE(opened.ok());
    db = std::move(opened).value();
    ImportOptions import;
    auto r = db->ImportCsv(SourcePath("datasets/catalog.csv"), import);
    REQUIRE(r.ok());
  }
  SearchResponse Search(const std::string& user, const std::string& q, int k = 10) {
    SearchRequest req;
    req.query = q;
    req.user = user;
    req.k = k;
    auto r = db->Search(req);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return *r;
  }
  // A deterministic user: clicks every result of its brand in the top 10.
  int Session(const std::string& user, const std::string& brand) {
    clock.now += 60;
    auto res = Search(user, "犬");
    int shown = 0;
    for (const auto& h : res.hits) {
      if (h.brand != brand) continue;
      ++shown;
      clock.now += 5;
      REQUIRE(db->RecordClick(*res.query_id, h.id).ok());
    }
    auto report = db->EndSession(user);
    REQUIRE(report.ok());
    REQUIRE(report->has_value());
    return shown;
  }
};

int CountBrand(const SearchResponse& r, const std::string& brand) {
  int n = 0;
  for (const auto& h : r.hits) n += h.brand == brand;
  return n;
}

TEST_CASE("two users with opposite brand preferences learn different orders for 犬",
          "[learning][slow]") {
  LearningFixture f;
  const std::map<std::string, std::string> likes = {{"alice", "モフリエ"},
                                                    {"bob", "ドギーズラボ"}};
  std::map<std::string, int> at_start;
  for (const auto& [user, brand] : likes) {
    at_start[user] = CountBrand(f.Search(user, "犬"), brand);
    REQUIRE(f.db->EndSession(user).ok());
  }
  for (int s = 0; s < 10; ++s) {
    for (const auto& [user, brand] : likes) f.Session(user, brand);
  }
  std::map<std::string, std::vector<std::string>> final_order;
  for (const auto& [user, brand] : likes) {
    auto res = f.Search(user, "犬");
    INFO(user << " liked " << brand << ": " << at_start[user] << " in the top 10 at start, "
              << CountBrand(res, brand) << " at the end");
    CHECK(CountBrand(res, brand) > at_start[user]);
    for (const auto& h : res.hits) final_order[user].push_back(h.id);
  }
  CHECK(final_order["alice"] != final_order["bob"]);
  // Each user's personal model exists; two users are too few to change
  // what everyone else sees (learn.global_min_users).
  auto model = f.db->GetModel("alice");
  REQUIRE(model.ok());
  CHECK(model->global.version == 0);
  REQUIRE(model->personal.has_value());
  CHECK(model->personal->user == "alice");
}

TEST_CASE("a session closes after 30 idle minutes, noticed at the next request or by sweep",
          "[learning]") {
  LearningFixture f;
  auto first = f.Search("carol", "犬");
  REQUIRE(first.query_id.has_value());
  REQUIRE(f.db->RecordClick(*first.query_id, first.hits[3].id).ok());
  f.clock.now += 29 * 60;
  auto same = f.Search("carol", "猫");
  auto history = f.db->ModelHistory("carol");
  REQUIRE(history.ok());
  CHECK(history->empty());  // still the same session: nothing learned yet
  f.clock.now += 31 * 60;
  f.Search("carol", "犬 ベッド");  // the idle session closes first
  history = f.db->ModelHistory("carol");
  REQUIRE(history.ok());
  CHECK_FALSE(history->empty());
  for (const auto& v : *history) CHECK(v.session_id == 1);

  f.clock.now += 31 * 60;
  auto swept = f.db->SweepSessions();
  REQUIRE(swept.ok());
  REQUIRE(swept->size() == 1);
  CHECK((*swept)[0].user == "carol");
  CHECK((*swept)[0].clicks == 0);
  auto none = f.db->EndSession("carol");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("clicks on unknown queries or unshown products are refused and change nothing",
          "[learning]") {
  LearningFixture f;
  auto res = f.Search("dave", "犬");
  REQUIRE(res.query_id.has_value());
  auto unknown = f.db->RecordClick("999999", res.hits[0].id);
  CHECK(unknown.code() == StatusCode::kNotFound);
  auto garbage = f.db->RecordClick("abc", res.hits[0].id);
  CHECK(garbage.code() == StatusCode::kInvalidArgument);
  auto unshown = f.db->RecordClick(*res.query_id, "P9999999");
  CHECK(unshown.code() == StatusCode::kInvalidArgument);
  CHECK(unshown.message().find("was not shown") != std::string::npos);
  auto report = f.db->EndSession("dave");
  REQUIRE(report.ok());
  REQUIRE(report->has_value());
  CHECK((*report)->clicks == 0);
  CHECK((*report)->personal.outcome == UpdateOutcome::kNone);
  CHECK((*report)->personal.reason == "no clicks");
}

TEST_CASE("a user who clicks everything, thousands of times, cannot blow up the weights",
          "[learning]") {
  LearningFixture f;
  for (int s = 0; s < 3; ++s) {
    auto res = f.Search("mallory", "犬", 20);
    for (int rep = 0; rep < 200; ++rep) {
      for (size_t i = 0; i < res.hits.size(); i += (rep % 3) + 1) {
        REQUIRE(f.db->RecordClick(*res.query_id, res.hits[i].id,
                                  rep % 7 == 0 ? ClickKind::kPurchase : ClickKind::kClick)
                    .ok());
      }
    }
    REQUIRE(f.db->EndSession("mallory").ok());
  }
  auto model = f.db->GetModel("mallory");
  REQUIRE(model.ok());
  double norm = 0;
  for (const auto& w : model->weights) {
    REQUIRE(std::isfinite(w.global));
    REQUIRE(std::isfinite(w.personal));
    norm += w.personal * w.personal;
  }
  CHECK(std::sqrt(norm) <= 100.0);
  // Another user's results are still ordered by a finite model.
  auto other = f.Search("erin", "犬");
  for (const auto& h : other.hits) CHECK(std::isfinite(h.score));
}

TEST_CASE("the guard rejects an update that worsens replay on recent sessions", "[learning]") {
  LearningFixture f;
  // A drastic learner (big steps, many of them, little shrinkage), so that
  // one contradicting session makes an update the guard must catch.
  REQUIRE(f.db->SetSetting("learn.lr_user", "10").ok());
  REQUIRE(f.db->SetSetting("learn.steps", "100").ok());
  REQUIRE(f.db->SetSetting("learn.l2_user", "0.05").ok());
  REQUIRE(f.db->SetSetting("learn.interleave_sessions", "0").ok());
  // Sessions where the user always clicks the first result...
  std::string first_id, second_id;
  for (int s = 0; s < 3; ++s) {
    f.clock.now += 3600;
    for (int q = 0; q < 3; ++q) {
      auto res = f.Search("grace", "ドッグフード");
      first_id = res.hits[0].id;
      second_id = res.hits[1].id;
      REQUIRE(f.db->RecordClick(*res.query_id, res.hits[0].id).ok());
    }
    REQUIRE(f.db->EndSession("grace").ok());
  }
  auto before = f.db->GetModel("grace");
  REQUIRE(before.ok());
  // ... then one that contradicts them: a lower result, again and again.
  f.clock.now += 3600;
  for (int q = 0; q < 5; ++q) {
    auto res = f.Search("grace", "ドッグフード");
    size_t pos = 5;
    while (pos < res.hits.size() && res.hits[pos].id == first_id) ++pos;
    REQUIRE(f.db->RecordClick(*res.query_id, res.hits[pos].id).ok());
  }
  auto report = f.db->EndSession("grace");
  REQUIRE(report.ok());
  REQUIRE(report->has_value());
  INFO((*report)->personal.reason);
  REQUIRE((*report)->personal.outcome == UpdateOutcome::kRejected);
  REQUIRE((*report)->personal.reason.rfind("replay", 0) == 0);
  auto after = f.db->GetModel("grace");
  REQUIRE(after.ok());
  // The old model stays, the rejected version is on record, the rate halves.
  REQUIRE(after->personal.has_value());
  CHECK(after->personal->version == before->personal->version);
  CHECK(after->user_learning_rate == Approx(before->user_learning_rate * 0.5));
  auto history = f.db->ModelHistory("grace");
  REQUIRE(history.ok());
  CHECK(history->front().status == ModelStatus::kRejected);
  CHECK(history->front().reason.find("replay") != std::string::npos);
}

TEST_CASE("rollback makes an earlier version active; a rejected one is refused",
          "[learning]") {
  LearningFixture f;
  REQUIRE(f.db->SetSetting("learn.interleave_sessions", "0").ok());
  for (int s = 0; s < 3; ++s) f.Session("heidi", "モフリエ");
  auto history = f.db->ModelHistory("heidi");
  REQUIRE(history.ok());
  int64_t oldest = 0, rejected = 0;
  for (const auto& v : *history) {
    if (v.scope != ModelScope::kUser) continue;
    if (v.status == ModelStatus::kRejected) {
      rejected = v.version;
    } else {
      oldest = v.version;
    }
  }
  REQUIRE(oldest > 0);
  REQUIRE(f.db->RollbackModel(oldest).ok());
  auto model = f.db->GetModel("heidi");
  REQUIRE(model.ok());
  REQUIRE(model->personal.has_value());
  CHECK(model->personal->version == oldest);
  CHECK(f.Search("heidi", "犬").user_version == oldest);
  // A version of someone else is refused for a user; an unknown one is not found.
  CHECK(f.db->RollbackModel(oldest, "mallory").code() == StatusCode::kInvalidArgument);
  CHECK(f.db->RollbackModel(123456).code() == StatusCode::kNotFound);
  CHECK(f.db->RollbackModel(0, "nobody").code() == StatusCode::kNotFound);
  if (rejected > 0) CHECK(f.db->RollbackModel(rejected).code() == StatusCode::kInvalidArgument);
  // Version 0 for a user: the personal part goes, the global model alone.
  REQUIRE(f.db->RollbackModel(0, "heidi").ok());
  CHECK(f.Search("heidi", "犬").user_version == 0);
  auto after = f.db->ModelHistory("heidi");
  REQUIRE(after.ok());
  for (const auto& v : *after) {
    if (v.version == oldest) CHECK(v.status == ModelStatus::kRolledBack);
  }
}

TEST_CASE("forgetting a user removes their logs and personal model, not the others'",
          "[learning]") {
  LearningFixture f;
  for (int s = 0; s < 2; ++s) {
    f.Session("ivan", "モフリエ");
    f.Session("judy", "ドギーズラボ");
  }
  auto n = f.db->ForgetUser("ivan");
  REQUIRE(n.ok());
  CHECK(n->rows_deleted > 0);
  auto ivan = f.db->GetModel("ivan");
  REQUIRE(ivan.ok());
  CHECK_FALSE(ivan->personal.has_value());
  auto history = f.db->ModelHistory("ivan");
  REQUIRE(history.ok());
  for (const auto& v : *history) CHECK(v.user != "ivan");
  auto judy = f.db->GetModel("judy");
  REQUIRE(judy.ok());
  CHECK(judy->personal.has_value());
  // A forgotten user starts again from the global model.
  auto res = f.Search("ivan", "犬");
  CHECK(res.user_version == 0);
}

TEST_CASE("explain shows feature values with global and personal contributions apart",
          "[learning]") {
  LearningFixture f;
  for (int s = 0; s < 3; ++s) f.Session("ken", "モフリエ");
  SearchRequest req;
  req.query = "犬";
  req.user = "ken";
  req.explain = true;
  auto res = f.db->Search(req);
  REQUIRE(res.ok());
  REQUIRE_FALSE(res->hits.empty());
  const auto& features = res->hits[0].features;
  REQUIRE(features.size() > 20);
  std::set<std::string> names;
  bool personal = false;
  for (const auto& fs : features) {
    names.insert(fs.feature);
    personal |= fs.personal != 0;
  }
  for (auto name : {"bm25f", "user_clicks_brand", "price_vs_category", "title_term_share"}) {
    CHECK(names.count(name));
  }
  CHECK(personal);
  // Anonymous searches have no personal part.
  req.user.clear();
  auto anon = f.db->Search(req);
  REQUIRE(anon.ok());
  for (const auto& fs : anon->hits[0].features) CHECK(fs.personal == 0);
}

// ---- the same scenario through the CLI ------------------------------------

TEST_CASE("through the CLI, two users' clicks give them different orders for 犬",
          "[learning][cli][slow]") {
  TempDir dir;
  std::string db = "--db " + Quote(dir.File("cli.saiki"));
  REQUIRE(RunCli(db + " index " + Quote(SourcePath("datasets/catalog.csv"))).exit_code == 0);
  const std::map<std::string, std::string> likes = {{"alice", "モフリエ"},
                                                    {"bob", "ドギーズラボ"}};
  auto search = [&](const std::string& user) {
    auto r = RunCli(db + " search --json --user " + user + " 犬");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  };
  auto count = [](const nlohmann::json& j, const std::string& brand) {
    int n = 0;
    for (const auto& h : j["results"]) n += h["brand"] == brand;
    return n;
  };
  std::map<std::string, int> start;
  for (const auto& [user, brand] : likes) {
    start[user] = count(search(user), brand);
    REQUIRE(RunCli(db + " session end --user " + user).exit_code == 0);
  }
  for (int s = 0; s < 10; ++s) {
    for (const auto& [user, brand] : likes) {
      auto j = search(user);
      std::string qid = j["query_id"];
      for (const auto& h : j["results"]) {
        if (h["brand"] != brand) continue;
        std::string id = h["id"];
        REQUIRE(RunCli(db + " click --query-id " + qid + " --id " + id).exit_code == 0);
      }
      auto end = RunCli(db + " session end --user " + user);
      REQUIRE(end.exit_code == 0);
      REQUIRE(nlohmann::json::parse(end.out)["session_id"].is_number());
    }
  }
  std::vector<std::string> orders;
  for (const auto& [user, brand] : likes) {
    auto j = search(user);
    CHECK(count(j, brand) > start[user]);
    std::string order;
    for (const auto& h : j["results"]) order += std::string(h["id"]) + " ";
    orders.push_back(order);
  }
  CHECK(orders[0] != orders[1]);
  auto show = RunCli(db + " model show --user alice");
  REQUIRE(show.exit_code == 0);
  auto m = nlohmann::json::parse(show.out);
  CHECK(m["personal"]["user"] == "alice");
  auto history = RunCli(db + " model history");
  REQUIRE(history.exit_code == 0);
  CHECK(history.out.find("\"scope\":\"user\"") != std::string::npos);
  auto bad_click = RunCli(db + " click --query-id 999999 --id P0000001");
  CHECK(bad_click.exit_code == 4);
  auto forget = RunCli(db + " user forget bob");
  CHECK(forget.exit_code == 0);
}

}  // namespace
}  // namespace saiki

namespace saiki {
namespace {

TEST_CASE("position bias is re-estimated from logged clicks and falls with rank",
          "[learning][slow]") {
  LearningFixture f;
  // A position-based click model with examination 1/(rank+1) and equal
  // relevance, seeded: the estimate must come back near it.
  std::mt19937_64 rng(20261129);
  std::uniform_real_distribution<double> u(0, 1);
  const char* queries[] = {"犬", "猫", "ドッグフード", "ベッド", "おもちゃ", "首輪"};
  for (int s = 0; s < 260; ++s) {
    std::string user = "u" + std::to_string(s % 40);
    auto res = f.Search(user, queries[s % 6]);
    bool clicked = false;
    for (size_t k = 0; k < res.hits.size(); ++k) {
      if (u(rng) < 0.6 / (k + 1.0)) {
        REQUIRE(f.db->RecordClick(*res.query_id, res.hits[k].id).ok());
        clicked = true;
      }
    }
    if (!clicked) REQUIRE(f.db->RecordClick(*res.query_id, res.hits[0].id).ok());
    f.clock.now += 60;
    REQUIRE(f.db->EndSession(user).ok());
  }
  auto model = f.db->GetModel();
  REQUIRE(model.ok());
  const auto& theta = model->propensities;
  REQUIRE(theta.size() == 10);
  INFO("theta: " << theta[0] << " " << theta[1] << " " << theta[2] << " " << theta[5] << " "
                 << theta[9]);
  CHECK(theta[0] == Approx(1.0));
  CHECK(theta[1] > 0.3);
  CHECK(theta[1] < 0.7);
  CHECK(theta[1] > theta[4]);
  CHECK(theta[4] > theta[9] - 0.05);
}

}  // namespace
}  // namespace saiki

namespace saiki {
namespace {

TEST_CASE("personalisation weighs less on a query whose clicks all go to one product",
          "[learning]") {
  LearningFixture f;
  // An epoch of pooled evidence every 12 sessions from 10 users.
  REQUIRE(f.db->SetSetting("learn.global_min_users", "10").ok());
  REQUIRE(f.db->SetSetting("learn.global_min_sessions", "12").ok());
  std::string target;
  for (int u = 0; u < 12; ++u) {
    std::string user = "nav" + std::to_string(u);
    f.clock.now += 60;
    auto res = f.Search(user, "ドッグフード");
    if (target.empty()) target = res.hits[2].id;
    bool shown = false;
    for (const auto& h : res.hits) shown |= h.id == target;
    REQUIRE(shown);
    REQUIRE(f.db->RecordClick(*res.query_id, target).ok());
    // Before the epoch the clicks are not yet pooled evidence: full weight.
    if (u == 10) CHECK(f.Search("newcomer", "ドッグフード").gate == Approx(1.0));
    REQUIRE(f.db->EndSession(user).ok());
  }
  auto navigational = f.Search("newcomer", "ドッグフード");
  CHECK(navigational.gate == Approx(0.25));
  // A query with clicks spread evenly over many products keeps full weight.
  for (int u = 0; u < 12; ++u) {
    std::string user = "broad" + std::to_string(u);
    f.clock.now += 60;
    auto res = f.Search(user, "猫");
    REQUIRE(f.db->RecordClick(*res.query_id, res.hits[u % 6].id).ok());
    REQUIRE(f.db->EndSession(user).ok());
  }
  auto broad = f.Search("newcomer", "猫");
  CHECK(broad.gate == Approx(1.0));
  // Too few clicks to judge: full weight.
  auto fresh = f.Search("newcomer", "ベッド");
  CHECK(fresh.gate == Approx(1.0));
}

TEST_CASE("one user clicking one product again and again counts once in a query's gate",
          "[learning]") {
  LearningFixture f;
  REQUIRE(f.db->SetSetting("learn.global_min_users", "1").ok());
  REQUIRE(f.db->SetSetting("learn.global_min_sessions", "12").ok());
  for (int s = 0; s < 12; ++s) {
    f.clock.now += 3600;
    auto res = f.Search("mallory", "ドッグフード");
    REQUIRE(f.db->RecordClick(*res.query_id, res.hits[0].id).ok());
    REQUIRE(f.db->EndSession("mallory").ok());
  }
  // Twelve sessions of clicks on one product: one user, under the
  // learn.gate_min_clicks (10) users a gate needs.
  CHECK(f.Search("newcomer", "ドッグフード").gate == Approx(1.0));
}

TEST_CASE("one user's clicks never change another user's personal weights", "[learning]") {
  LearningFixture f;
  for (int s = 0; s < 2; ++s) f.Session("olivia", "モフリエ");
  auto before = f.db->GetModel("olivia");
  REQUIRE(before.ok());
  for (int s = 0; s < 3; ++s) f.Session("peggy", "ドギーズラボ");
  auto after = f.db->GetModel("olivia");
  REQUIRE(after.ok());
  REQUIRE(before->personal.has_value() == after->personal.has_value());
  if (before->personal) CHECK(after->personal->version == before->personal->version);
  for (size_t i = 0; i < before->weights.size(); ++i) {
    // Personal weights are re-expressed when the global normalisation moves,
    // but their effect in raw feature space stays: personal / scale.
    CHECK(after->weights[i].personal / after->weights[i].scale ==
          Approx(before->weights[i].personal / before->weights[i].scale).margin(1e-9));
  }
}

}  // namespace
}  // namespace saiki
