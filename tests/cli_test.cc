// The `saiki` command as a user runs it: a child process per call, checking
// stdout, stderr and the documented exit statuses.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::Quote;
using testing::RunCli;
using testing::SourcePath;
using testing::TempDir;
using testing::WriteFile;

const char* kCsv =
    "id,title,description,brand,category,price,rating,review_count,tags\n"
    "c1,子犬用 ベッド,,ペティオ,ペット用品>犬用品>ベッド,1980,4.5,10,\n"
    "c2,愛犬 おやつ,,ドギーマン,ペット用品>犬用品>おやつ,580,4.1,3,\n"
    "c3,キャットフード,,ねこまる,ペット用品>猫用品>フード,980,4.2,2,\n";

struct CliFixture {
  TempDir dir;
  std::string db = "--db " + Quote(dir.File("cli.saiki"));
  CliFixture() {
    WriteFile(dir.File("p.csv"), kCsv);
    auto r = RunCli(db + " index " + Quote(dir.File("p.csv")));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
};

TEST_CASE("saiki search --json prints the documented object", "[cli]") {
  CliFixture f;
  auto r = RunCli(f.db + " search --json 犬");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j.contains("query_id"));
  CHECK(j["took_ms"].is_number());
  CHECK(j["total"] == 2);
  REQUIRE(j["results"].size() == 2);
  for (const char* key : {"rank", "id", "title", "brand", "category", "price", "score"}) {
    CHECK(j["results"][0].contains(key));
  }
  CHECK(j["results"][0]["rank"] == 1);
}

TEST_CASE("saiki search prints a table by default and --explain adds field scores", "[cli]") {
  CliFixture f;
  auto r = RunCli(f.db + " search 犬 --explain");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("2 products match") != std::string::npos);
  CHECK(r.out.find("子犬用 ベッド") != std::string::npos);
  CHECK(r.out.find("title=") != std::string::npos);
  auto j = nlohmann::json::parse(RunCli(f.db + " search --json --explain 犬").out);
  CHECK(j["results"][0]["explain"].contains("title"));
  CHECK(j["results"][0]["explain"].contains("category"));
}

TEST_CASE("saiki search --batch answers one JSON line per query", "[cli]") {
  CliFixture f;
  auto r = RunCli(f.db + " search --batch -", "犬\nキャット\nprice:abc\n");
  CHECK(r.exit_code == 3);  // the bad query, reported and skipped
  std::istringstream lines(r.out);
  std::string line;
  std::vector<nlohmann::json> out;
  while (std::getline(lines, line)) out.push_back(nlohmann::json::parse(line));
  REQUIRE(out.size() == 3);
  CHECK(out[0]["total"] == 2);
  CHECK(out[1]["results"][0]["id"] == "c3");
  CHECK(out[2].contains("error"));
  CHECK(r.err.find("line 3") != std::string::npos);
}

TEST_CASE("normalisations hold through the CLI", "[cli]") {
  CliFixture f;
  for (const char* q : {"いぬ", "ｲﾇ"}) {
    // No product says イヌ: both fold to the same katakana and find nothing
    // rather than erroring.
    auto r = RunCli(f.db + " search --json " + Quote(q));
    REQUIRE(r.exit_code == 0);
  }
  auto cat = nlohmann::json::parse(RunCli(f.db + " search --json ｷｬｯﾄ").out);
  CHECK(cat["total"] == 1);
  auto full = nlohmann::json::parse(RunCli(f.db + " search --json ＰＥＴＩＯ").out);
  CHECK(full["total"] == 0);
  auto brand = nlohmann::json::parse(RunCli(f.db + " search --json brand:ペティオ").out);
  CHECK(brand["total"] == 1);
}

TEST_CASE("bad rows are reported with line numbers and exit status 3", "[cli]") {
  CliFixture f;
  WriteFile(f.dir.File("bad.csv"),
            "id,title,price\nb1,犬 ハーネス,100\nb2,犬 首輪,abc\nb3,犬 リード\n");
  auto r = RunCli(f.db + " index " + Quote(f.dir.File("bad.csv")));
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("bad.csv line 3: price 'abc' is not a number") != std::string::npos);
  CHECK(r.err.find("bad.csv line 4: expected 3 fields, found 2") != std::string::npos);
  auto j = nlohmann::json::parse(RunCli(f.db + " search --json ハーネス").out);
  CHECK(j["total"] == 1);
  auto strict = RunCli(f.db + " index --strict " + Quote(f.dir.File("bad.csv")));
  CHECK(strict.exit_code == 3);
  CHECK(strict.err.find("nothing stored") != std::string::npos);
}

TEST_CASE("bad files, bad databases and bad arguments get documented exit statuses",
          "[cli]") {
  CliFixture f;
  WriteFile(f.dir.File("empty.csv"), "");
  auto empty = RunCli(f.db + " index " + Quote(f.dir.File("empty.csv")));
  CHECK(empty.exit_code == 3);
  CHECK(empty.err.find("empty") != std::string::npos);
  auto missing = RunCli(f.db + " index " + Quote(f.dir.File("nope.csv")));
  CHECK(missing.exit_code == 4);
  WriteFile(f.dir.File("junk.saiki"), std::string(4096, 'j'));
  auto junk = RunCli("--db " + Quote(f.dir.File("junk.saiki")) + " search 犬");
  CHECK(junk.exit_code == 5);
  CHECK(junk.err.find("not a saiki database") != std::string::npos);
  auto nodb = RunCli("--db " + Quote(f.dir.File("absent.saiki")) + " search 犬");
  CHECK(nodb.exit_code == 4);
  CHECK(RunCli("frobnicate").exit_code == 2);
  CHECK(RunCli(f.db + " search -k 0 犬").exit_code == 2);
  auto help = RunCli("--help");
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("search") != std::string::npos);
  CHECK(RunCli("search --help").out.find("--batch") != std::string::npos);
  // The stored catalogue is untouched by all of the above.
  auto j = nlohmann::json::parse(RunCli(f.db + " search --json 犬").out);
  CHECK(j["total"] == 2);
}

TEST_CASE("the bundled catalogue answers 犬 with dog products", "[cli][dataset]") {
  TempDir dir;
  std::string db = "--db " + Quote(dir.File("bundled.saiki"));
  auto r = RunCli(db + " index " + Quote(SourcePath("datasets/catalog.csv")));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(RunCli(db + " search --json -k 50 犬").out);
  REQUIRE(j["total"].get<int>() >= 100);
  int with_variants = 0;
  for (const auto& hit : j["results"]) {
    std::string title = hit["title"];
    std::string category = hit["category"];
    CHECK((title.find("犬") != std::string::npos || category.find("犬") != std::string::npos ||
           title.find("ドッグ") != std::string::npos));
    for (const char* v : {"子犬", "愛犬", "犬用"}) {
      if (title.find(v) != std::string::npos) ++with_variants;
    }
  }
  CHECK(with_variants > 0);
  auto stats = nlohmann::json::parse(RunCli(db + " stats --json").out);
  CHECK(stats["products"].get<int>() >= 5000);
}

TEST_CASE("with learn.pooled_at apart, session sweep runs the pooled step and model pooled "
          "reports what it did",
          "[cli][pooled]") {
  CliFixture f;
  REQUIRE(RunCli(f.db + " settings set learn.pooled_at apart").exit_code == 0);
  auto bad = RunCli(f.db + " settings set learn.pooled_at later");
  CHECK(bad.exit_code == 3);  // a bad setting value
  CHECK_THAT(bad.err, Catch::Contains("learn.pooled_at") && Catch::Contains("close, apart"));
  auto found = RunCli(f.db + " search --json --user alice 犬");
  REQUIRE(found.exit_code == 0);
  auto j = nlohmann::json::parse(found.out);
  const std::string qid = j["query_id"].get<std::string>();
  const std::string id = j["results"][0]["id"].get<std::string>();
  REQUIRE(RunCli(f.db + " click --query-id " + qid + " --id " + id).exit_code == 0);
  auto end = RunCli(f.db + " session end --user alice");
  REQUIRE(end.exit_code == 0);
  CHECK_THAT(end.out, Catch::Contains("learn.pooled_at apart"));
  auto sweep = RunCli(f.db + " session sweep");
  INFO(sweep.err);
  REQUIRE(sweep.exit_code == 0);
  CHECK_THAT(sweep.err, Catch::Contains("closed 0 idle sessions"));
  CHECK_THAT(sweep.err, Catch::Contains("pooled step: journal position"));
  auto step = RunCli(f.db + " model pooled");
  REQUIRE(step.exit_code == 0);
  auto report = nlohmann::json::parse(step.out);
  CHECK(report["ran"] == false);
  CHECK_THAT(report["global"]["reason"].get<std::string>(), Catch::Contains("no pooled session"));
}

}  // namespace
}  // namespace saiki
