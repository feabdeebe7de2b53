// Tests for the user simulator (eval/simulator.h) on the bundled catalogue:
// the utility and attractiveness definitions, metric sanity (the oracle
// scores NDCG@10 = 1, counts add up), determinism for a seed, the outputs
// (table, JSON, SVG, the `saiki simulate` command), and that a fixed-seed
// simulation ranks personalised and global+history above bm25 in NDCG@10 by
// a clear margin while the anonymous-visitor arm, whose global candidates
// are never promoted, equals bm25 (the slow one: the engine's real logging
// and per-session learning).
// The bot arm (eval/bot.h): its plan, that its sessions happen as specified
// (read back from its kept database), determinism, and that without it the
// other arms and the output are as before; that the "forgotten" probe runs
// on a copy of the bot arm in which the bot was forgotten, deterministically,
// and that global candidates are tallied once each (real users' or the
// bot's); that the control probe runs on another copy with the plan's first
// real user forgotten instead, and that its gain leaves that user out. The bot's effect on the
// others is not asserted here: it is the learner's property, not the simulator's.
#include "eval/simulator.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/test_util.h"

namespace saiki::eval {
namespace {

using saiki::testing::RunCli;
using saiki::testing::SourcePath;
using saiki::testing::TempDir;

SimulationOptions Small() {
  SimulationOptions o;
  o.catalog_path = SourcePath("datasets/catalog.csv");
  o.seed = 7;
  o.seeds = 2;
  o.users = 5;
  o.sessions = 3;
  o.queries_per_session = 3;
  // The tests that are not about the bot run without its arm (and its time).
  o.bot_sessions = 0;
  return o;
}

// One value of an SQL query on a database file (first column, first row;
// throws when there is none).
class SqlFile {
 public:
  explicit SqlFile(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      throw std::runtime_error(path + ": " + sqlite3_errmsg(db_));
    }
  }
  ~SqlFile() { sqlite3_close(db_); }
  SqlFile(const SqlFile&) = delete;
  SqlFile& operator=(const SqlFile&) = delete;

  // Every row's first column as text.
  std::vector<std::string> Column(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
    std::vector<std::string> out;
    while (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      out.push_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    sqlite3_finalize(st);
    return out;
  }
  std::string Text(const std::string& sql) {
    std::vector<std::string> rows = Column(sql);
    if (rows.empty()) throw std::runtime_error(sql + ": no row");
    return rows[0];
  }
  double Number(const std::string& sql) { return std::stod(Text(sql)); }

 private:
  sqlite3* db_ = nullptr;
};

// An engine setting's default, read from a new database (whole numbers).
int DefaultSetting(const std::string& key) {
  TempDir dir;
  auto db = Database::Open(dir.File("defaults.saiki"));
  REQUIRE(db.ok());
  auto v = (*db)->GetSetting(key);
  REQUIRE(v.ok());
  return std::stoi(*v);
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST_CASE("True utility and attractiveness follow their definitions", "[simulate]") {
  CHECK(TrueUtility(1.0, 0.0) == 1.5);
  CHECK(TrueUtility(1.0, 1.0) == 3.0);
  CHECK(TrueUtility(1.0, -1.0) == 0.0);
  CHECK(TrueUtility(0.5, 1.0) == 1.5);
  CHECK(TrueUtility(0.5, 0.0) == 0.75);
  CHECK(TrueUtility(0.0, 1.0) == 0.0);
  CHECK(TrueUtility(1.0, 5.0) == 3.0);  // clamped

  UserModel m;
  CHECK(Attractiveness(m, 0.0) == Approx(m.attract_min));
  CHECK(Attractiveness(m, 3.0) == Approx(m.attract_max));
  CHECK(Attractiveness(m, 1.5) ==
        Approx(m.attract_min + (m.attract_max - m.attract_min) * std::pow(0.5, m.attract_gamma)));
  CHECK(Attractiveness(m, -2.0) == Approx(m.attract_min));
  CHECK(Attractiveness(m, 9.0) == Approx(m.attract_max));
  double last = -1;
  for (double u = 0; u <= 3.0; u += 0.25) {
    CHECK(Attractiveness(m, u) > last);
    last = Attractiveness(m, u);
  }
}

TEST_CASE("A small simulation scores the oracle at NDCG 1 and adds up its counts", "[simulate]") {
  SimulationOptions o = Small();
  o.gap_report = true;
  auto r = RunSimulation(o);
  REQUIRE(r.ok());
  REQUIRE(r->arms.size() == 5);
  CHECK(r->products == 5000);
  CHECK(r->query_texts > 0);
  const char* names[] = {"bm25", "global", "global+history", "personalised", "oracle"};
  for (size_t a = 0; a < 5; ++a) {
    const ArmResult& arm = r->arms[a];
    INFO(arm.name);
    CHECK(arm.name == names[a]);
    CHECK(arm.searches == uint64_t(o.seeds * o.users * o.sessions * o.queries_per_session));
    CHECK(arm.purchases <= arm.carts);
    CHECK(arm.carts <= arm.clicks);
    REQUIRE(arm.ndcg.mean.size() == size_t(o.sessions));
    REQUIRE(arm.ndcg.per_seed.size() == size_t(o.seeds));
    for (int s = 0; s < o.sessions; ++s) {
      CHECK(arm.ndcg.mean[s] >= 0.0);
      CHECK(arm.ndcg.mean[s] <= 1.0 + 1e-9);
      CHECK(arm.ctr.mean[s] >= 0.0);
      CHECK(arm.ctr.mean[s] <= 1.0);
      CHECK(arm.mrr_purchase.mean[s] >= 0.0);
      CHECK(arm.mrr_purchase.mean[s] <= 1.0);
      CHECK(arm.ndcg.ci[s] >= 0.0);
    }
  }
  // The oracle orders the candidates by true utility: NDCG@10 is 1 in every
  // session of every seed, with no spread.
  const ArmResult& oracle = r->arms[4];
  for (const auto& seed : oracle.ndcg.per_seed) {
    for (double v : seed) CHECK(v == Approx(1.0).margin(1e-12));
  }
  CHECK(oracle.ndcg.overall_ci == Approx(0.0).margin(1e-12));
  // bm25 is below the ceiling and it does not learn; the oracle gets the
  // most clicks and purchases.
  CHECK(r->arms[0].ndcg.overall < 0.95);
  CHECK(r->arms[0].ndcg.overall > 0.2);
  CHECK(oracle.clicks > r->arms[0].clicks);
  CHECK(oracle.purchases > r->arms[0].purchases);
  CHECK(oracle.mrr_purchase.overall > r->arms[0].mrr_purchase.overall);
  // Every session was closed and learned from in the engine arms: each close
  // has a personal outcome, and personal updates happen. The global model
  // learns only from pooled evidence of learn.global_min_users distinct
  // users: with fewer users in a seed's database no global candidate is ever
  // proposed, so no global outcome is tallied. (The global arm's visitors
  // are a new user each session: 15 per seed, still fewer.)
  REQUIRE(o.users * o.sessions < DefaultSetting("learn.global_min_users"));
  for (int a : {1, 2, 3}) {
    const ArmResult& arm = r->arms[a];
    INFO(arm.name);
    CHECK(arm.learns);
    CHECK(arm.global_accepted == 0);
    CHECK(arm.global_rejected == 0);
    CHECK(arm.user_accepted + arm.user_rejected + arm.no_update ==
          uint64_t(o.seeds * o.users * o.sessions));
    // The global arms run with learn.lr_user 0: their personal updates
    // change nothing and are not stored.
    if (a == 3) {
      CHECK(arm.user_accepted > 0);
    } else {
      CHECK(arm.user_accepted == 0);
      CHECK(arm.no_update == uint64_t(o.seeds * o.users * o.sessions));
    }
    CHECK(arm.bot_global_candidates == 0);
  }
  CHECK(!r->arms[0].learns);
  CHECK(!oracle.learns);
  // The global arms never move personal weights, so their personal updates
  // can never lower the replay metric and are never rejected.
  CHECK(r->arms[1].user_rejected == 0);
  CHECK(r->arms[2].user_rejected == 0);
  // Without a promoted global model and with personal weights that never
  // move, the engine serves the factory model, BM25F's order exactly: the
  // global arms show what bm25 shows, so the same users click the same.
  for (int a : {1, 2}) {
    INFO(r->arms[a].name);
    CHECK(r->arms[a].ndcg.per_seed == r->arms[0].ndcg.per_seed);
    CHECK(r->arms[a].clicks == r->arms[0].clicks);
    CHECK(r->arms[a].purchases == r->arms[0].purchases);
  }

  SECTION("the gap report splits the last quarter's searches of the personalised arm") {
    // Three sessions: the last quarter is the last session.
    const uint64_t window = uint64_t(o.seeds * o.users * o.queries_per_session);
    REQUIRE(r->gap.size() >= 3);
    CHECK(r->gap.front().kind == "all");
    CHECK(r->gap.front().searches == window);
    CHECK(r->gap.back().kind == "first search");
    CHECK(r->gap.back().searches == uint64_t(o.seeds * o.users));
    uint64_t by_kind = 0;
    for (size_t i = 1; i + 1 < r->gap.size(); ++i) by_kind += r->gap[i].searches;
    CHECK(by_kind == window);
    // Every user searched as often in the session: the mean over searches
    // is the arm's curve at that session.
    CHECK(r->gap.front().ndcg == Approx(r->arms[3].ndcg.mean[o.sessions - 1]));
    for (const GapRow& g : r->gap) {
      INFO(g.kind);
      CHECK(g.ndcg >= 0.0);
      // Sorting the page it showed by true utility can only help.
      CHECK(g.ndcg <= g.ndcg_page_sorted + 1e-12);
      CHECK(g.ndcg_page_sorted <= 1.0 + 1e-9);
      CHECK(g.fitting_shown + g.unrelated_shown <= o.k);
      CHECK(g.fitting_ideal <= o.k);
      CHECK(g.ceiling_observable > 0.0);
      CHECK(g.ceiling_observable <= 1.0 + 1e-9);
      CHECK(g.ceiling_brand_leaf > 0.0);
      CHECK(g.ceiling_brand_leaf <= 1.0 + 1e-9);
    }
    CHECK(FormatTable(*r).find("Where the personalised arm's gap is") != std::string::npos);
    auto j = nlohmann::json::parse(FormatJson(*r));
    CHECK(j["gap"]["first_session"] == o.sessions);
    CHECK(j["gap"]["rows"].size() == r->gap.size());
  }

  SECTION("the outputs: a table, JSON and an SVG with one line per arm") {
    std::string table = FormatTable(*r);
    for (const char* n : names) CHECK(table.find(n) != std::string::npos);
    CHECK(table.find("session 1") != std::string::npos);
    CHECK(table.find("session 3") != std::string::npos);
    CHECK(table.find("overall") != std::string::npos);

    auto j = nlohmann::json::parse(FormatJson(*r));
    REQUIRE(j["arms"].size() == 5);
    CHECK(j["arms"][4]["arm"] == "oracle");
    CHECK(j["arms"][4]["ndcg10"]["overall"].get<double>() == Approx(1.0));
    CHECK(j["arms"][0]["ndcg10"]["mean"].size() == size_t(o.sessions));
    CHECK(j["options"]["users"] == o.users);

    std::string svg = LearningCurvesSvg(*r);
    CHECK(svg.rfind("<?xml", 0) == 0);
    CHECK(svg.find("</svg>") != std::string::npos);
    CHECK(Count(svg, "<polyline") == 5);
    CHECK(Count(svg, "<polygon") == 5);  // a CI band per arm (two seeds)
  }
}

TEST_CASE("A simulation is deterministic for a seed and changes with it", "[simulate]") {
  SimulationOptions o = Small();
  o.seeds = 1;
  o.users = 4;
  o.sessions = 2;
  auto a = RunSimulation(o);
  auto b = RunSimulation(o);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->gap.empty());  // only with gap_report
  for (size_t i = 0; i < 5; ++i) {
    INFO(a->arms[i].name);
    CHECK(a->arms[i].ndcg.mean == b->arms[i].ndcg.mean);
    CHECK(a->arms[i].ctr.mean == b->arms[i].ctr.mean);
    CHECK(a->arms[i].clicks == b->arms[i].clicks);
    CHECK(a->arms[i].purchases == b->arms[i].purchases);
  }
  o.seed = 8;
  auto c = RunSimulation(o);
  REQUIRE(c.ok());
  CHECK((c->arms[0].ndcg.mean != a->arms[0].ndcg.mean || c->arms[0].clicks != a->arms[0].clicks));
}

TEST_CASE("Every click model and bad options are handled", "[simulate]") {
  SimulationOptions o = Small();
  o.seeds = 1;
  o.users = 3;
  o.sessions = 2;
  o.queries_per_session = 2;
  for (auto kind : {ClickModelKind::kCascade, ClickModelKind::kNoisy}) {
    o.click.kind = kind;
    auto r = RunSimulation(o);
    REQUIRE(r.ok());
    CHECK(r->arms[4].ndcg.overall == Approx(1.0));
    if (kind == ClickModelKind::kCascade) {
      // Classic cascade: at most one click per search.
      for (const ArmResult& arm : r->arms) CHECK(arm.clicks <= arm.searches);
    }
  }
  SimulationOptions bad = o;
  bad.users = 0;
  CHECK(RunSimulation(bad).status().code() == StatusCode::kInvalidArgument);
  bad = o;
  bad.catalog_path = "/nonexistent/catalog.csv";
  CHECK(RunSimulation(bad).status().code() == StatusCode::kNotFound);
  bad = o;
  bad.settings = {{"learn.lr_user", "-1"}};
  CHECK(!RunSimulation(bad).ok());
}

TEST_CASE("The exploration arm explores its share and pairs its searches with the personalised "
          "arm's",
          "[simulate]") {
  TempDir dir;
  SimulationOptions o = Small();
  o.seeds = 1;
  o.users = 4;
  o.sessions = 4;
  auto plain = RunSimulation(o);
  REQUIRE(plain.ok());
  CHECK(plain->explore.empty());
  CHECK(FindArm(*plain, "personalised+explore") == nullptr);
  o.explore_arm = 0.5;
  o.work_dir = dir.File("work");
  auto r = RunSimulation(o);
  REQUIRE(r.ok());
  const ArmResult* arm = FindArm(*r, "personalised+explore");
  REQUIRE(arm != nullptr);
  CHECK(r->arms.back().name == "personalised+explore");
  // The other arms are the same as without it (common random numbers).
  const ArmResult* personal = FindArm(*r, "personalised");
  REQUIRE(personal != nullptr);
  CHECK(personal->ndcg.mean == FindArm(*plain, "personalised")->ndcg.mean);
  CHECK(personal->clicks == FindArm(*plain, "personalised")->clicks);
  REQUIRE(r->explore.size() == 1);
  const ExploreSeedResult& e = r->explore[0];
  CHECK(e.searches == static_cast<uint64_t>(o.users * o.sessions * o.queries_per_session));
  // Its searches that explored are those its database logged as explored.
  SqlFile db(dir.File("work/seed7-personalised-explore.saiki"));
  CHECK(e.explored ==
        static_cast<uint64_t>(db.Number(
            "SELECT count(*) FROM impressions WHERE explore_position IS NOT NULL")));
  CHECK(e.explored > 0);
  CHECK(e.sessions > 0);
  CHECK(e.sessions <= e.explored);
  CHECK(e.explored_clicks ==
        static_cast<uint64_t>(db.Number(
            "SELECT count(*) FROM clicks c JOIN impressions i ON i.query_id = c.query_id AND "
            "c.position = i.explore_position WHERE c.kind = 1")));
  for (double v : {e.ndcg_explored, e.ndcg_paired, e.session_ndcg_explored,
                   e.session_ndcg_paired}) {
    CHECK(v >= 0);
    CHECK(v <= 1);
  }
  // The report and the JSON carry it.
  const std::string table = FormatTable(*r);
  CHECK(table.find("Exploration (arm personalised+explore: learn.explore 0.5)") !=
        std::string::npos);
  auto j = nlohmann::json::parse(FormatJson(*r));
  CHECK(j["explore"]["per_seed"][0]["explored"].get<uint64_t>() == e.explored);
  CHECK(j["options"]["explore_arm"].get<double>() == 0.5);
  SimulationOptions bad = o;
  bad.explore_arm = 0.6;
  CHECK(RunSimulation(bad).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("An offline tree model runs as a sixth arm; a bad one fails the run", "[simulate]") {
  SimulationOptions o = Small();
  o.seeds = 1;
  o.users = 3;
  o.sessions = 2;
  o.queries_per_session = 2;
  o.offline_model = SourcePath("tests/data/xgb_small.json");
  auto r = RunSimulation(o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  REQUIRE(r->arms.size() == 6);
  CHECK(r->arms[4].name == "oracle");
  const ArmResult& offline = r->arms[5];
  CHECK(offline.name == "xgboost offline");
  CHECK(offline.searches == uint64_t(o.users * o.sessions * o.queries_per_session));
  // The imported model is fixed: the session learner never replaces it.
  CHECK(offline.global_accepted == 0);
  // A different ranker from bm25 on the same users and clicks: different
  // outcomes somewhere (the committed model is not BM25F's order).
  CHECK((offline.ndcg.mean != r->arms[0].ndcg.mean || offline.clicks != r->arms[0].clicks));

  SimulationOptions bad = o;
  bad.offline_model = SourcePath("tests/data/fuzz/xgb_num_feature_nan.json");
  auto b = RunSimulation(bad);
  REQUIRE_FALSE(b.ok());
  CHECK_THAT(b.status().message(), Catch::Contains("offline-model"));
}

TEST_CASE("saiki simulate prints the table, JSON and writes the plot", "[simulate][cli]") {
  TempDir dir;
  std::string svg = dir.File("curves.svg");
  std::string common =
      "simulate --catalog " + saiki::testing::Quote(SourcePath("datasets/catalog.csv")) +
      " --seeds 1 --users 3 --sessions 2 --queries-per-session 2 --quiet" + " --bot-sessions 4";
  auto table = RunCli(common + " --plot " + saiki::testing::Quote(svg));
  INFO(table.err);
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("personalised") != std::string::npos);
  CHECK(table.out.find("NDCG@10") != std::string::npos);
  CHECK(table.out.find("personalised+bot") != std::string::npos);
  CHECK(table.out.find("\nBot: one account, 4 sessions per seed") != std::string::npos);
  CHECK_THAT(table.out, Catch::Contains("control: user forgotten"));
  CHECK_THAT(table.out, Catch::Contains("control user sim-s1-u000"));  // the default seed 1
  CHECK_THAT(table.out, Catch::Contains("Forgetting the control user (per seed, mean)"));
  CHECK(saiki::testing::ReadFile(svg).find("<polyline") != std::string::npos);

  auto json = RunCli(common + " --json --click-model noisy --noise 0.3");
  REQUIRE(json.exit_code == 0);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["options"]["click_model"] == "noisy");
  CHECK(j["options"]["noise"].get<double>() == Approx(0.3));
  CHECK(j["arms"].size() == 6);
  CHECK(j["options"]["bot_sessions"] == 4);
  REQUIRE(j["bot"]["seeds"].size() == 1);
  CHECK(j["bot"]["seeds"][0]["bot"]["sessions"] == 4);
  // The control: the seed's first user forgotten instead of the bot, its
  // ranks for every real user, its figures and ForgetUser's report.
  CHECK(j["bot"].contains("control"));
  {
    INFO(j["bot"].dump(2));
    const auto& seed = j["bot"]["seeds"][0];
    REQUIRE(seed.contains("control"));
    const auto& c = seed["control"];
    CHECK(c["user"] == "sim-s" + std::to_string(seed["seed"].get<uint64_t>()) + "-u000");
    CHECK(c["index"] == 0);
    CHECK(c["anonymous"].contains("control"));
    CHECK(c["anonymous"]["with"] == seed["steer"]["anonymous"]["with"]);
    CHECK(c["anonymous"]["gain"] ==
          c["anonymous"]["control"].get<int>() - c["anonymous"]["with"].get<int>());
    CHECK(c["users"]["control"].size() == 3);
    CHECK(c["users"]["with"] == seed["steer"]["users"]["with"]);
    CHECK(c["users"].contains("top_control"));
    CHECK(c["users"].contains("mean_gain"));
    CHECK(c["users"].contains("max_gain"));
    CHECK(c["forget"]["rows_deleted"].get<int>() > 0);
    CHECK(c["forget"]["entries_replayed"].get<int>() > 0);
    CHECK(j["bot"]["mean"]["control"]["anonymous"]["gain"] == c["anonymous"]["gain"]);
    CHECK(j["bot"]["mean"]["control_forget"]["entries_replayed"].get<double>() ==
          c["forget"]["entries_replayed"].get<double>());
  }

  CHECK(RunCli(common + " --click-model dbn").exit_code == 2);
  for (const char* bad : {"100001", "-1", "abc", "2.5", ""}) {
    INFO("--bot-sessions '" << bad << "'");
    auto refused = RunCli(common + " --bot-sessions " + saiki::testing::Quote(bad));
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Catch::Contains("--bot-sessions"));
  }
  auto big = RunCli(common + " --bot-sessions 100001");
  CHECK_THAT(big.err, Catch::Contains("0..100000"));
  for (const char* bad : {"0.6", "-0.1", "abc", "nan", ""}) {
    INFO("--explore-arm '" << bad << "'");
    auto refused = RunCli(common + " --explore-arm " + saiki::testing::Quote(bad));
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Catch::Contains("is not a share 0..0.5"));
  }
  CHECK(RunCli(common + " --examination 1,2").exit_code == 2);
  CHECK(RunCli("simulate --catalog /nonexistent.csv --quiet").exit_code == 4);
}

TEST_CASE("The bot arm of a simulation plans its query, target and sessions as documented",
          "[simulate][bot]") {
  CHECK(MostFrequentQuery({}) == "");
  CHECK(MostFrequentQuery({"犬", "猫", "犬"}) == "犬");
  // A tie goes to the first text in byte order, wherever it appears.
  CHECK(MostFrequentQuery({"猫", "犬", "犬", "猫"}) == std::min<std::string>("猫", "犬"));
  CHECK(MostFrequentQuery({"b", "a", "c"}) == "a");

  // BM25F rank 21 when there is one; else the last candidate past the
  // first page; else none.
  CHECK(BotTargetRank(200) == 21);
  CHECK(BotTargetRank(21) == 21);
  CHECK(BotTargetRank(20) == 20);
  CHECK(BotTargetRank(11) == 11);
  CHECK_FALSE(BotTargetRank(10).has_value());
  CHECK_FALSE(BotTargetRank(0).has_value());

  // Spread evenly: 200 over 20 rounds is 10 a round; any split sums to the
  // total, and rounds differ by at most one session.
  for (int r = 0; r < 20; ++r) CHECK(BotSessionsInRound(200, 20, r) == 10);
  CHECK(MaxBotSessionsPerRound(200, 20) == 10);
  for (auto [total, rounds] : {std::pair{5, 3}, {7, 20}, {1, 1}, {100000, 1000}, {0, 4}}) {
    INFO(total << " sessions over " << rounds << " rounds");
    int sum = 0, lo = total, hi = 0;
    for (int r = 0; r < rounds; ++r) {
      const int n = BotSessionsInRound(total, rounds, r);
      sum += n;
      lo = std::min(lo, n);
      hi = std::max(hi, n);
    }
    CHECK(sum == total);
    CHECK(hi - lo <= 1);
    CHECK(hi == MaxBotSessionsPerRound(total, rounds));
  }
  CHECK(BotSessionsInRound(10, 4, 4) == 0);  // no such round

  // The summary of a seed: steer (against the bot forgotten) and lift
  // (against the separate run) are places gained, absent is candidates + 1,
  // the top counts use kBotTopN.
  BotSeedResult seed;
  seed.target = "P1";
  seed.candidates = 200;
  seed.anonymous_with = 4;
  seed.anonymous_forgotten = 9;
  seed.anonymous_without = 21;
  seed.users_with = {3, 40, 12, 1};
  seed.users_forgotten = {3, 41, 20, 11};
  seed.users_without = {21, 30, 201, 5};
  seed.forget.entries_replayed = 100;
  seed.forget.versions_rederived = 60;
  // The control: user 0 forgotten instead of the bot. Its own entry (50 vs
  // 3) is left out: the gain is over users 1..3 only.
  seed.control_user = "u0";
  seed.control_index = 0;
  seed.anonymous_control = 7;
  seed.users_control = {50, 38, 9, 2};
  seed.control_forget.entries_replayed = 200;
  seed.control_forget.versions_rederived = 90;
  seed.control_forget_seconds = 2;
  BotSeedSummary m = SummariseBotSeed(seed);
  CHECK(m.steer.anonymous_reference == 9);
  CHECK(m.steer.anonymous_with == 4);
  CHECK(m.steer.anonymous == 5);
  CHECK(m.steer.users_top_reference == 1);
  CHECK(m.steer.users_top_with == 2);
  CHECK(m.steer.mean == Approx((0 + 1 + 8 + 10) / 4.0));
  CHECK(m.steer.max == 10);
  CHECK(m.lift.anonymous == 17);
  CHECK(m.lift.users_top_reference == 1);
  CHECK(m.lift.users_top_with == 2);
  CHECK(m.lift.mean == Approx((18 - 10 + 189 + 4) / 4.0));
  CHECK(m.lift.max == 189);
  CHECK(m.control.anonymous_reference == 7);
  CHECK(m.control.anonymous_with == 4);
  CHECK(m.control.anonymous == 3);
  CHECK(m.control.users_top_reference == 2);  // 9, 2 (not user 0's 50)
  CHECK(m.control.users_top_with == 1);       // 1 (not user 0's 3)
  CHECK(m.control.mean == Approx((-2 - 3 + 1) / 3.0));
  CHECK(m.control.max == 1);
  {
    // Another control user: its own entry is the one left out.
    BotSeedResult third = seed;
    third.control_index = 2;
    const RankGain c = SummariseBotSeed(third).control;
    CHECK(c.mean == Approx((47 - 2 + 1) / 3.0));
    CHECK(c.max == 47);
    CHECK(c.users_top_with == 2);  // 3, 1
    // No control probed: no control figures.
    BotSeedResult no_control = seed;
    no_control.control_index = -1;
    no_control.users_control.clear();
    const RankGain z = SummariseBotSeed(no_control).control;
    CHECK(z.anonymous == 0);
    CHECK(z.users_top_with == 0);
    CHECK(z.mean == 0);
    CHECK(z.max == 0);
  }
  // The largest gain can be a loss: max is the largest, not clamped at 0.
  CHECK(CompareRanks(5, 9, {5, 6}, {9, 7}).max == -1);
  BotSeedResult none;  // a seed without a target does not count
  none.query = "x";
  BotSeedResult other = seed;
  other.anonymous_forgotten = 6;
  other.users_forgotten = {3, 40, 12, 1};
  other.forget.entries_replayed = 50;
  other.anonymous_control = 4;
  other.users_control = {3, 40, 12, 1};  // as with the bot: no gain
  other.control_forget.entries_replayed = 100;
  other.control_forget.versions_rederived = 30;
  other.control_forget_seconds = 1;
  BotSummary all = SummariseBot({seed, none, other});
  CHECK(all.seeds == 2);
  CHECK(all.steer.anonymous == Approx((5 + 2) / 2.0));
  CHECK(all.steer.anonymous_reference == Approx((9 + 6) / 2.0));
  CHECK(all.steer.mean == Approx((19 / 4.0 + 0) / 2.0));
  CHECK(all.steer.max == 10);
  CHECK(all.lift.anonymous == Approx(17));
  CHECK(all.lift.max == 189);
  CHECK(all.entries_replayed == Approx(75));
  CHECK(all.versions_rederived == Approx(60));
  CHECK(all.control.anonymous == Approx((3 + 0) / 2.0));
  CHECK(all.control.anonymous_reference == Approx((7 + 4) / 2.0));
  CHECK(all.control.users_top_reference == Approx((2 + 1) / 2.0));
  CHECK(all.control.users_top_with == Approx((1 + 1) / 2.0));
  CHECK(all.control.mean == Approx((-4 / 3.0 + 0) / 2.0));
  CHECK(all.control.max == 1);
  CHECK(all.control_entries_replayed == Approx(150));
  CHECK(all.control_versions_rederived == Approx(60));
  CHECK(all.control_forget_seconds == Approx(1.5));
}

TEST_CASE("A simulation's bot searches, pages and buys its target like a person between rounds",
          "[simulate][bot]") {
  TempDir dir;
  SimulationOptions o = Small();
  o.seeds = 1;
  o.bot_sessions = 8;  // over 3 rounds: 2, 3, 3
  o.work_dir = dir.path();
  auto r = RunSimulation(o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  REQUIRE(r->arms.size() == 6);
  const ArmResult& arm = r->arms[5];
  CHECK(arm.name == "personalised+bot");
  CHECK(FindArm(*r, "personalised+bot") == &arm);
  CHECK(arm.learns);
  // Its NDCG and counts are the real users' only.
  CHECK(arm.searches == uint64_t(o.users * o.sessions * o.queries_per_session));
  // The first round comes before any bot session: the same users, queries
  // and clicks as the personalised arm, so the same first session.
  CHECK(arm.ndcg.per_seed[0][0] == r->arms[3].ndcg.per_seed[0][0]);

  REQUIRE(r->bot.size() == 1);
  const BotSeedResult& b = r->bot[0];
  INFO(FormatTable(*r));
  CHECK(b.seed == o.seed);
  REQUIRE_FALSE(b.target.empty());
  CHECK(b.bm25_rank == *BotTargetRank(b.candidates));
  CHECK(b.sessions == o.bot_sessions);
  CHECK(b.searches >= b.sessions);
  CHECK(b.sessions_seen <= b.sessions);
  CHECK(b.sessions_first_page <= b.sessions_seen);
  // Every viewer was probed; ranks are 1..candidates + 1.
  CHECK(b.users_without.size() == size_t(o.users));
  CHECK(b.users_with.size() == size_t(o.users));
  for (int rank : b.users_without) CHECK((rank >= 1 && rank <= b.candidates + 1));
  for (int rank : b.users_with) CHECK((rank >= 1 && rank <= b.candidates + 1));
  for (int rank : {b.anonymous_without, b.anonymous_with, b.bot_rank}) {
    CHECK((rank >= 1 && rank <= b.candidates + 1));
  }
  // The bot's own history and model put its target on its first page: the
  // bot steering itself is what a personalised engine should do.
  CHECK(b.sessions_seen >= 1);
  CHECK(b.bot_rank <= kBotTopN);

  // The target is what BM25F ranks at bm25_rank, off its first page (the
  // pool database the simulator searched with ranker=bm25, kept here).
  {
    auto pool = Database::Open(dir.File("pool.saiki"));
    REQUIRE(pool.ok());
    SearchRequest req;
    req.query = b.query;
    req.k = b.candidates;
    auto res = (*pool)->Search(req);
    REQUIRE(res.ok());
    REQUIRE(res->hits.size() == size_t(b.candidates));
    CHECK(res->hits[b.bm25_rank - 1].id == b.target);
    for (int i = 0; i < kBotTopN; ++i) CHECK(res->hits[i].id != b.target);
  }

  // The query is the real users' most frequent (ties: byte order), read
  // back from the personalised arm's log, which no probe touched.
  const std::string bot_user = "sim-s7-bot";
  SqlFile without(dir.File("seed7-personalised.saiki"));
  CHECK(without.Text("SELECT query FROM impressions GROUP BY query "
                     "ORDER BY count(*) DESC, query ASC LIMIT 1") == b.query);
  CHECK(without.Number("SELECT count(*) FROM sessions") == o.users * o.sessions);
  CHECK(without.Number("SELECT count(*) FROM impressions") ==
        o.users * o.sessions * o.queries_per_session);

  // The bot's log in its arm: its sessions, its searches of the one query
  // (pages of k from offset 0), and per session that saw the target a
  // click, a cart and a purchase of it.
  SqlFile with(dir.File("seed7-personalised-bot.saiki"));
  const std::string bot = "user = '" + bot_user + "'";
  CHECK(with.Number("SELECT count(*) FROM sessions WHERE " + bot) == o.bot_sessions);
  CHECK(with.Number("SELECT count(*) FROM sessions WHERE " + bot + " AND closed_at IS NULL") == 0);
  CHECK(with.Number("SELECT count(*) FROM impressions WHERE " + bot) == b.searches);
  CHECK(with.Number("SELECT count(DISTINCT query) FROM impressions WHERE " + bot) == 1);
  CHECK(with.Text("SELECT query FROM impressions WHERE " + bot + " LIMIT 1") == b.query);
  CHECK(with.Number("SELECT count(*) FROM clicks WHERE " + bot) == 3 * b.sessions_seen);
  CHECK(with.Number("SELECT count(*) FROM clicks WHERE " + bot + " AND product_id != '" + b.target +
                    "'") == 0);
  // Paced like a person: each action a few seconds after the search or the
  // action before it, sessions minutes apart.
  const std::string gaps =
      "SELECT min(c.at - i.at) FROM clicks c JOIN impressions i USING (query_id) WHERE c." + bot;
  CHECK(with.Number(gaps) >= kBotStepSeconds);
  std::vector<std::string> starts =
      with.Column("SELECT started_at FROM sessions WHERE " + bot + " ORDER BY started_at");
  REQUIRE(starts.size() == size_t(o.bot_sessions));
  // Spread over the rounds (2, 3, 3), each share after the round's real
  // sessions and before the next round's.
  const int expected_round[] = {0, 0, 1, 1, 1, 2, 2, 2};
  for (size_t i = 0; i < starts.size(); ++i) {
    INFO("bot session " << i);
    if (i > 0) CHECK(std::stod(starts[i]) - std::stod(starts[i - 1]) >= kBotSessionSeconds - 1e-6);
    const double users_before = with.Number("SELECT count(*) FROM sessions WHERE user != '" +
                                            bot_user + "' AND started_at < " + starts[i]);
    CHECK(users_before == o.users * (expected_round[i] + 1));
  }
}

TEST_CASE(
    "A simulation with a bot is deterministic, and without one leaves the other arms as "
    "they were",
    "[simulate][bot]") {
  SimulationOptions o = Small();
  o.seeds = 1;
  o.users = 4;
  o.sessions = 2;
  o.bot_sessions = 5;
  auto a = RunSimulation(o);
  auto b = RunSimulation(o);
  o.bot_sessions = 0;
  auto off = RunSimulation(o);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(off.ok());
  REQUIRE(a->arms.size() == 6);
  REQUIRE(b->arms.size() == 6);
  REQUIRE(off->arms.size() == 5);

  // The same seed, the same bot, the same effect.
  REQUIRE(a->bot.size() == 1);
  REQUIRE(b->bot.size() == 1);
  const BotSeedResult &x = a->bot[0], &y = b->bot[0];
  CHECK(x.query == y.query);
  CHECK(x.target == y.target);
  CHECK(x.searches == y.searches);
  CHECK(x.sessions_seen == y.sessions_seen);
  CHECK(x.anonymous_without == y.anonymous_without);
  CHECK(x.anonymous_with == y.anonymous_with);
  CHECK(x.users_without == y.users_without);
  CHECK(x.users_with == y.users_with);
  CHECK(x.bot_rank == y.bot_rank);
  CHECK(x.control_user == y.control_user);
  CHECK(x.anonymous_control == y.anonymous_control);
  CHECK(x.users_control == y.users_control);
  CHECK(a->arms[5].ndcg.per_seed == b->arms[5].ndcg.per_seed);
  CHECK(a->arms[5].clicks == b->arms[5].clicks);

  // Turning the bot off removes its arm and report and changes nothing else.
  for (size_t i = 0; i < 5; ++i) {
    INFO(off->arms[i].name);
    CHECK(off->arms[i].name == a->arms[i].name);
    CHECK(off->arms[i].ndcg.per_seed == a->arms[i].ndcg.per_seed);
    CHECK(off->arms[i].mrr_purchase.per_seed == a->arms[i].mrr_purchase.per_seed);
    CHECK(off->arms[i].clicks == a->arms[i].clicks);
    CHECK(off->arms[i].purchases == a->arms[i].purchases);
    CHECK(off->arms[i].global_accepted == a->arms[i].global_accepted);
    CHECK(off->arms[i].user_accepted == a->arms[i].user_accepted);
  }
  CHECK(off->bot.empty());
  CHECK(FindArm(*off, "personalised+bot") == nullptr);
  CHECK(FormatTable(*off).find("Bot:") == std::string::npos);
  CHECK(FormatTable(*a).find("\nBot:") != std::string::npos);
  auto j = nlohmann::json::parse(FormatJson(*off));
  CHECK_FALSE(j.contains("bot"));
  CHECK_FALSE(j["options"].contains("bot_sessions"));
  CHECK(Count(LearningCurvesSvg(*off), "<polyline") == 5);
  CHECK(Count(LearningCurvesSvg(*a), "<polyline") == 6);

  auto ja = nlohmann::json::parse(FormatJson(*a));
  REQUIRE(ja["bot"]["seeds"].size() == 1);
  const auto& js = ja["bot"]["seeds"][0];
  CHECK(js["target"] == x.target);
  CHECK(js["steer"]["anonymous"]["with"] == x.anonymous_with);
  CHECK(js["steer"]["anonymous"]["forgotten"] == x.anonymous_forgotten);
  CHECK(js["steer"]["users"]["forgotten"].size() == size_t(o.users));
  CHECK(js["separate_run"]["anonymous"]["without"] == x.anonymous_without);
  CHECK(js["separate_run"]["users"]["with"].size() == size_t(o.users));
  CHECK(js["forget"]["entries_replayed"] == x.forget.entries_replayed);
  CHECK(ja["bot"]["mean"]["seeds_with_target"] == 1);

  SimulationOptions bad = o;
  bad.bot_sessions = 100001;
  CHECK(RunSimulation(bad).status().code() == StatusCode::kInvalidArgument);
  bad.bot_sessions = -1;
  CHECK(RunSimulation(bad).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE(
    "A simulation's bot arm is probed again in a copy with the bot forgotten, "
    "deterministically, and its global candidates are tallied",
    "[simulate][bot]") {
  // Low pooling thresholds, so that a small run has global candidates and
  // some of them complete on a bot session.
  SimulationOptions o = Small();
  o.seeds = 1;
  o.users = 5;
  o.sessions = 3;
  o.bot_sessions = 8;
  o.settings = {{"learn.global_min_users", "2"},
                {"learn.global_min_sessions", "3"},
                {"learn.propensity_clicks", "10"}};
  TempDir dir;
  o.work_dir = dir.path();
  auto r = RunSimulation(o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  REQUIRE(r->bot.size() == 1);
  const BotSeedResult& b = r->bot[0];
  INFO(FormatTable(*r));
  REQUIRE_FALSE(b.target.empty());

  // The forgotten probe is filled: every real user, ranks in 1..candidates + 1.
  REQUIRE(b.users_forgotten.size() == size_t(o.users));
  for (int rank : b.users_forgotten) CHECK((rank >= 1 && rank <= b.candidates + 1));
  CHECK((b.anonymous_forgotten >= 1 && b.anonymous_forgotten <= b.candidates + 1));

  // ForgetUser ran on a copy: the arm's own database still holds every bot
  // session, the forgotten copy (kept with the work directory) none of the
  // bot's rows and all the real users' closed sessions.
  const std::string bot = "user = 'sim-s7-bot'";
  SqlFile arm(dir.File("seed7-personalised-bot.saiki"));
  SqlFile forgotten(dir.File("seed7-personalised-bot-forgotten.saiki"));
  CHECK(arm.Number("SELECT count(*) FROM sessions WHERE " + bot) == o.bot_sessions);
  CHECK(arm.Number("SELECT count(*) FROM impressions WHERE " + bot) == b.searches);
  for (const char* table : {"sessions", "impressions", "clicks", "models", "journal"}) {
    INFO(table);
    CHECK(forgotten.Number(std::string("SELECT count(*) FROM ") + table + " WHERE " + bot) == 0);
  }
  const std::string real_closed =
      "SELECT count(*) FROM sessions WHERE closed_at IS NOT NULL AND NOT " + bot;
  CHECK(forgotten.Number(real_closed) == arm.Number(real_closed));
  CHECK(arm.Number(real_closed) == o.users * o.sessions);
  // The report: the bot's rows deleted, and every later journal entry of
  // the others replayed, from the bot's first session on.
  CHECK(b.forget.rows_deleted > 0);
  CHECK(b.forget.entries_replayed ==
        arm.Number("SELECT count(*) FROM journal WHERE NOT " + bot +
                   " AND seq > (SELECT min(seq) FROM journal WHERE " + bot + ")"));
  CHECK(b.forget.versions_rederived > 0);
  CHECK(b.forget.notes.empty());

  // The control: the plan's first real user forgotten in another copy of
  // the bot arm (kept too): its rows gone, the bot's and the other users'
  // still there; every real user probed.
  CHECK(b.control_user == "sim-s7-u000");
  CHECK(b.control_index == 0);
  REQUIRE(b.users_control.size() == size_t(o.users));
  for (int rank : b.users_control) CHECK((rank >= 1 && rank <= b.candidates + 1));
  CHECK((b.anonymous_control >= 1 && b.anonymous_control <= b.candidates + 1));
  {
    // The probe's own search as the control user is logged in the copy: one
    // open session with one impression, nothing learned from it.
    SqlFile control(dir.File("seed7-personalised-bot-control.saiki"));
    const std::string user = "user = 'sim-s7-u000'";
    CHECK(control.Number("SELECT count(*) FROM sessions WHERE " + user) == 1);
    CHECK(control.Number("SELECT count(*) FROM sessions WHERE closed_at IS NULL AND " + user) == 1);
    CHECK(control.Number("SELECT count(*) FROM impressions WHERE " + user) == 1);
    for (const char* table : {"clicks", "models", "journal"}) {
      INFO(table);
      CHECK(control.Number(std::string("SELECT count(*) FROM ") + table + " WHERE " + user) == 0);
    }
    CHECK(control.Number("SELECT count(*) FROM sessions WHERE " + bot) == o.bot_sessions);
    const std::string others_closed =
        "SELECT count(*) FROM sessions WHERE closed_at IS NOT NULL AND NOT " + user + " AND NOT " +
        bot;
    CHECK(control.Number(others_closed) == (o.users - 1) * o.sessions);
    CHECK(b.control_forget.rows_deleted > 0);
    CHECK(b.control_forget.entries_replayed ==
          arm.Number("SELECT count(*) FROM journal WHERE NOT " + user +
                     " AND seq > (SELECT min(seq) FROM journal WHERE " + user + ")"));
    CHECK(b.control_forget.versions_rederived > 0);
  }

  // The tallies: each global candidate of an arm is counted once, under the
  // real users' outcomes or, in the bot arm, under those the bot completed.
  const ArmResult* with = FindArm(*r, kBotArmName);
  const ArmResult* without = FindArm(*r, "personalised");
  REQUIRE(with != nullptr);
  REQUIRE(without != nullptr);
  const std::string global_versions = "SELECT count(*) FROM models WHERE scope = 'global'";
  CHECK(with->global_accepted + with->global_rejected + with->bot_global_candidates ==
        arm.Number(global_versions));
  CHECK(with->bot_global_candidates == uint64_t(b.global_candidates));
  CHECK(with->bot_global_promoted == uint64_t(b.global_promoted));
  // The bot buys one product every session: from its fifth session on,
  // screening keeps its sessions out of pooled learning (ranker/screening.h),
  // so only its first four could complete an epoch.
  CHECK(arm.Number("SELECT count(*) FROM journal WHERE pooled = 0 AND " + bot) ==
        o.bot_sessions - 4);
  CHECK(with->bot_global_candidates <= 4);
  CHECK(with->global_accepted + with->global_rejected > 0);
  SqlFile separate(dir.File("seed7-personalised.saiki"));
  CHECK(without->global_accepted + without->global_rejected == separate.Number(global_versions));
  CHECK(without->bot_global_candidates == 0);
  const std::string table = FormatTable(*r);
  CHECK_THAT(table, Catch::Contains("steer: bot forgotten"));
  CHECK_THAT(table, Catch::Contains("lift:  separate run"));
  CHECK_THAT(table, Catch::Contains("control: user forgotten"));
  CHECK_THAT(table, Catch::Contains("by bot"));
  auto j = nlohmann::json::parse(FormatJson(*r));
  CHECK(j["arms"][5]["global_candidates_by_bot"]["candidates"] == with->bot_global_candidates);

  // The same seed forgets the same way: the same re-derived models, ranks.
  SimulationOptions again = o;
  again.work_dir = "";
  auto r2 = RunSimulation(again);
  REQUIRE(r2.ok());
  REQUIRE(r2->bot.size() == 1);
  const BotSeedResult& c = r2->bot[0];
  CHECK(c.anonymous_forgotten == b.anonymous_forgotten);
  CHECK(c.users_forgotten == b.users_forgotten);
  CHECK(c.anonymous_with == b.anonymous_with);
  CHECK(c.users_with == b.users_with);
  CHECK(c.forget.rows_deleted == b.forget.rows_deleted);
  CHECK(c.forget.entries_replayed == b.forget.entries_replayed);
  CHECK(c.forget.versions_rederived == b.forget.versions_rederived);
  CHECK(c.anonymous_control == b.anonymous_control);
  CHECK(c.users_control == b.users_control);
  CHECK(c.control_forget.entries_replayed == b.control_forget.entries_replayed);
  CHECK(c.control_forget.versions_rederived == b.control_forget.versions_rederived);
  CHECK(c.global_candidates == b.global_candidates);
  CHECK(FindArm(*r2, kBotArmName)->global_accepted == with->global_accepted);
}

TEST_CASE("A simulation whose bot query has no product off the first page runs without the bot",
          "[simulate][bot]") {
  // Two categories of six products: no query has more than ten candidates,
  // so no product is off BM25F's first page for the bot to push.
  TempDir dir;
  std::string csv = "id,title,brand,category,price,style,price_tier\n";
  const char* styles[] = {"シンプル", "かわいい", "高級"};
  const char* tiers[] = {"budget", "standard", "premium"};
  for (int i = 0; i < 12; ++i) {
    const bool dog = i < 6;
    csv += fmt::format("Q{:02d},{} {},{},{},{},{},{}\n", i,
                       dog ? "犬 ベッド ふわふわ" : "茶碗 和食器", i, i % 2 ? "BrandA" : "BrandB",
                       dog ? "ペット用品>犬用品>ベッド" : "キッチン用品>食器>茶碗", 1000 + 100 * i,
                       styles[i % 3], tiers[i % 3]);
  }
  saiki::testing::WriteFile(dir.File("tiny.csv"), csv);
  SimulationOptions o = Small();
  o.catalog_path = dir.File("tiny.csv");
  o.seeds = 1;
  o.users = 2;
  o.sessions = 2;
  o.queries_per_session = 2;
  o.bot_sessions = 4;
  auto r = RunSimulation(o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  REQUIRE(r->bot.size() == 1);
  const BotSeedResult& b = r->bot[0];
  CHECK_FALSE(b.query.empty());
  CHECK(b.candidates <= kBotTopN);
  CHECK(b.target.empty());
  CHECK(b.sessions == 0);
  // The arm still runs, as the personalised arm without a bot.
  const ArmResult* arm = FindArm(*r, kBotArmName);
  REQUIRE(arm != nullptr);
  CHECK(arm->ndcg.per_seed == r->arms[3].ndcg.per_seed);
  CHECK(arm->clicks == r->arms[3].clicks);
  CHECK(SummariseBot(r->bot).seeds == 0);
  CHECK_THAT(FormatTable(*r), Catch::Contains("no target"));
  auto j = nlohmann::json::parse(FormatJson(*r));
  CHECK(j["bot"]["seeds"][0]["target"].is_null());
  CHECK(j["bot"]["mean"]["seeds_with_target"] == 0);
}

// The claim `saiki simulate` exists to check. Sizes are picked so that it
// runs in well under a minute on two cores; the margin is on the mean over
// the second half of the sessions (after some learning), where each arm's
// curve is an average over 30 users x 4 queries per session.
//
// The global model changes only when a candidate trained on pooled evidence
// passes the off-policy check (ranker/global_learner.h), which at this size
// happens once or not at all in a run; the assertions read the tallies to
// say which. The anonymous-visitor arm never promotes one (each visitor is a
// new user with one session: nothing a candidate learns from them carries
// to the held-out visitors), so it shows BM25F's order exactly: that is the
// documented behaviour, not a failure to learn. Seed 2 is one where the
// global+history arm does promote a candidate (seed 1 at this size does
// not: 0 of 9 candidates, and that arm then equals bm25 too).
TEST_CASE(
    "A fixed-seed simulation ranks personalised and global+history above bm25, and the "
    "anonymous-visitor arm equals bm25",
    "[simulate][slow]") {
  SimulationOptions o;
  o.catalog_path = SourcePath("datasets/catalog.csv");
  o.seed = 2;
  o.seeds = 1;
  o.users = 30;
  o.sessions = 16;
  o.queries_per_session = 4;
  o.bot_sessions = 0;
  auto r = RunSimulation(o);
  REQUIRE(r.ok());
  auto late = [&](int arm) {
    const std::vector<double>& m = r->arms[arm].ndcg.mean;
    double sum = 0;
    for (size_t s = m.size() / 2; s < m.size(); ++s) sum += m[s];
    return sum / static_cast<double>(m.size() - m.size() / 2);
  };
  const ArmResult &bm25_arm = r->arms[0], &global_arm = r->arms[1], &history_arm = r->arms[2],
                  &personal_arm = r->arms[3];
  const double bm25 = late(0), history = late(2), personal = late(3);
  INFO(FormatTable(*r));
  INFO("NDCG@10 over sessions " << o.sessions / 2 + 1 << ".." << o.sessions << ": bm25 " << bm25
                                << ", global " << late(1) << ", global+history " << history
                                << ", personalised " << personal);
  constexpr double kMargin = 0.01;
  // In every engine arm an epoch of pooled evidence comes every
  // learn.global_min_sessions sessions (there are always enough distinct
  // users); from the first position-bias estimate on, each gets a candidate.
  const uint64_t epochs = o.users * o.sessions / DefaultSetting("learn.global_min_sessions");
  for (const ArmResult* arm : {&global_arm, &history_arm, &personal_arm}) {
    INFO(arm->name);
    CHECK(arm->global_accepted + arm->global_rejected >= epochs / 2);
    CHECK(arm->global_accepted + arm->global_rejected <= epochs);
  }

  // Anonymous visitors: candidates are proposed and all rejected; what they
  // are shown is BM25F's order, so they click exactly as in the bm25 arm.
  CHECK(global_arm.global_accepted == 0);
  CHECK(global_arm.ndcg.per_seed == bm25_arm.ndcg.per_seed);
  CHECK(global_arm.clicks == bm25_arm.clicks);
  CHECK(global_arm.purchases == bm25_arm.purchases);

  // Known users, global model with the history features: once a candidate
  // is promoted, the history features lift NDCG@10 clearly above bm25.
  REQUIRE(history_arm.global_accepted >= 1);
  CHECK(history > bm25 + kMargin);

  // Personalised: the users' own offsets learn from the first sessions on,
  // whatever the global model does.
  CHECK(personal_arm.user_accepted > 0);
  CHECK(personal > bm25 + kMargin);
  // The personal offsets add to what the history features bring, never
  // take away (skip-above pairs once made them do).
  CHECK(personal > history);
  CHECK(r->arms[4].ndcg.overall == Approx(1.0));
}

}  // namespace
}  // namespace saiki::eval
