// One JSON encoder (bindings/json/json_encoder.h) behind every way in: the
// CLI's --json, the C API's saiki_results_json and the HTTP API answer the
// same search, product, stats and model with the same JSON (timings aside).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bindings/json/json_encoder.h"
#include "saiki/saiki.h"
#include "saiki/saiki_c.h"
#include "server/api.h"
#include "tests/test_util.h"

namespace saiki::server {
namespace {

using Json = nlohmann::json;
using testing::Quote;
using testing::RunCli;
using testing::TempDir;

ApiRequest Get(const std::string& path, std::vector<std::pair<std::string, std::string>> params) {
  ApiRequest r;
  r.method = "GET";
  r.path = path;
  r.params = std::move(params);
  r.headers = {{"Host", "127.0.0.1:8700"}};
  r.remote_addr = "127.0.0.1";
  return r;
}

// The JSON without what differs between two runs of the same call.
Json Stable(Json j) {
  j.erase("took_ms");
  j.erase("database");  // the CLI's stats name the file
  return j;
}

TEST_CASE("The CLI, the C API and the HTTP API write the same JSON for the same results",
          "[server][json]") {
  TempDir dir;
  const std::string path = dir.File("shop.saiki");
  {
    auto db = Database::Open(path);
    REQUIRE(db.ok());
    std::istringstream csv(testing::PetCatalog("P", 80));
    REQUIRE((*db)->ImportCsv(csv, "pets", ImportOptions()).ok());
  }
  const std::string cli = "--db " + Quote(path) + " ";
  DatabasePool pool{[&] { return Database::Open(path); }};
  Api api(&pool, ApiOptions());
  auto http = [&](const ApiRequest& r) {
    ApiResponse out = api.Handle(r);
    INFO(out.body);
    REQUIRE(out.status == 200);
    return Json::parse(out.body);
  };
  saiki_db* c = nullptr;
  REQUIRE(saiki_open(path.c_str(), nullptr, &c) == SAIKI_OK);

  SECTION("a search with facets, highlights and explanations") {
    auto from_cli = RunCli(cli +
                           "search 犬 ベッド -k 4 --offset 1 --explain --highlight "
                           "--facets brand,category,price --facet-limit 3 --json");
    INFO(from_cli.err);
    REQUIRE(from_cli.exit_code == 0);
    Json j_cli = Json::parse(from_cli.out);

    Json j_http = http(Get("/api/search", {{"q", "犬 ベッド"},
                                           {"k", "4"},
                                           {"offset", "1"},
                                           {"explain", "1"},
                                           {"highlight", "1"},
                                           {"facets", "brand,category,price"},
                                           {"facet_limit", "3"}}));

    saiki_search_options o;
    saiki_search_options_init(&o);
    o.k = 4;
    o.offset = 1;
    o.explain = 1;
    o.highlight = 1;
    o.facets = "brand,category,price";
    o.facet_limit = 3;
    saiki_results* res = nullptr;
    REQUIRE(saiki_search(c, "犬 ベッド", &o, &res) == SAIKI_OK);
    Json j_c = Json::parse(saiki_results_json(res));
    saiki_results_free(res);

    CHECK(j_cli["facets"]["brand"].size() == 3);
    CHECK(j_cli["results"][0].contains("highlight"));
    CHECK(j_cli["results"][0].contains("features"));  // with explain, always (empty: not re-ranked)
    CHECK(Stable(j_cli) == Stable(j_http));
    CHECK(Stable(j_cli) == Stable(j_c));
  }
  SECTION("a sorted search, and a sort order that does not exist") {
    auto from_cli = RunCli(cli + "search 犬 --sort -price -k 5 --json");
    INFO(from_cli.err);
    REQUIRE(from_cli.exit_code == 0);
    Json j_cli = Json::parse(from_cli.out);
    Json j_get = http(Get("/api/search", {{"q", "犬"}, {"k", "5"}, {"sort", "-price"}}));
    ApiRequest post = Get("/api/search", {});
    post.method = "POST";
    post.headers.push_back({"Content-Type", "application/json"});
    post.body = R"({"query": "犬", "k": 5, "sort": "-price"})";
    Json j_post = http(post);
    saiki_search_options o;
    saiki_search_options_init(&o);
    o.k = 5;
    o.sort = "-price";
    saiki_results* res = nullptr;
    REQUIRE(saiki_search(c, "犬", &o, &res) == SAIKI_OK);
    Json j_c = Json::parse(saiki_results_json(res));
    saiki_results_free(res);

    REQUIRE(j_cli["results"].size() == 5);
    for (size_t i = 1; i < j_cli["results"].size(); ++i) {
      CHECK(j_cli["results"][i - 1]["price"].get<double>() >=
            j_cli["results"][i]["price"].get<double>());
    }
    CHECK(Stable(j_cli) == Stable(j_get));
    CHECK(Stable(j_cli) == Stable(j_post));
    CHECK(Stable(j_cli) == Stable(j_c));

    o.sort = "colour";
    CHECK(saiki_search(c, "犬", &o, &res) == SAIKI_INVALID_ARGUMENT);
    CHECK(std::string(saiki_errmsg(c)).find("'colour' is not relevance, price") !=
          std::string::npos);
    ApiResponse bad = api.Handle(Get("/api/search", {{"q", "犬"}, {"sort", "colour"}}));
    CHECK(bad.status == 400);
    CHECK(bad.body.find("is not a sort order") != std::string::npos);
  }
  SECTION("a product, statistics and the model") {
    char* product = nullptr;
    REQUIRE(saiki_get_product(c, "P3", &product) == SAIKI_OK);
    auto got = RunCli(cli + "get P3");
    REQUIRE(got.exit_code == 0);
    CHECK(Json::parse(got.out) == Json::parse(product));
    saiki_string_free(product);

    auto stats = RunCli(cli + "stats --json");
    REQUIRE(stats.exit_code == 0);
    CHECK(Stable(Json::parse(stats.out)) == http(Get("/api/stats", {})));

    char* model = nullptr;
    REQUIRE(saiki_model_show(c, "", &model) == SAIKI_OK);
    auto shown = RunCli(cli + "model show");
    REQUIRE(shown.exit_code == 0);
    CHECK(Json::parse(shown.out) == Json::parse(model));
    CHECK(Json::parse(model) == http(Get("/api/model", {})));
    saiki_string_free(model);
  }
  saiki_close(c);
}

TEST_CASE("A result placed by exploration says so in its JSON; the others carry no such key",
          "[server][json]") {
  SearchHit hit;
  hit.rank = 9;
  hit.id = "P1";
  CHECK_FALSE(json::SearchHitJson(hit, false).contains("explored"));
  hit.explored = true;
  const Json j = json::SearchHitJson(hit, false);
  REQUIRE(j.contains("explored"));
  CHECK(j["explored"] == true);
}

}  // namespace
}  // namespace saiki::server
