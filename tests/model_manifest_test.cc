// The fleet model manifest (engine/model_manifest.h): `model import` checks
// a published model's manifest before it stores anything — a model for
// another feature set, or a manifest of another model file, is refused with
// the first difference named and nothing changed — and a model whose
// manifest matches still has to pass the promotion check of the global
// model (the off-policy comparison on the logged sessions).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ranker/features.h"
#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using Json = nlohmann::json;
using testing::Quote;
using testing::ReadFile;
using testing::RunCli;
using testing::SourcePath;
using testing::TempDir;
using testing::WriteFile;

std::vector<std::string> TodaysNames() {
  return {std::begin(ranker::kFeatureNames), std::end(ranker::kFeatureNames)};
}

// The committed 24-feature fixture (tests/data/xgb_small.json) renamed to
// today's feature list: its trees split on the first 24 features only, which
// keep their places, so it is a valid model for the current feature set.
std::string TodaysModel() {
  Json m = Json::parse(ReadFile(SourcePath("tests/data/xgb_small.json")));
  m["learner"]["feature_names"] = TodaysNames();
  m["learner"]["learner_model_param"]["num_feature"] = std::to_string(ranker::kNumFeatures);
  return m.dump();
}

// What fleet/publish.py writes for `model_text`.
Json ManifestFor(const std::string& model_text) {
  Json model = Json::parse(model_text);
  Json m;
  m["format"] = "saiki-model-manifest";
  m["format_version"] = 1;
  m["feature_set"] = {{"version", ranker::kNumFeatures}, {"names", TodaysNames()}};
  m["model"] = {
      {"bytes", model_text.size()},
      {"num_trees", model["learner"]["gradient_booster"]["model"]["trees"].size()},
      {"objective", model["learner"]["objective"]["name"]}};
  m["training_data"] = {{"devices", 3}, {"rows", 1200}};
  return m;
}

struct Shop {
  TempDir dir;
  double now = 1.8e9;
  std::unique_ptr<Database> db;
  Shop() {
    std::string csv = "id,title,brand,category,price,rating,review_count\n";
    const char* kinds[] = {"ベッド", "フード", "おもちゃ", "リード"};
    for (int i = 0; i < 16; ++i) {
      csv += "D" + std::to_string(100 + i) + ",犬用 " + kinds[i % 4] + " " + std::to_string(i) +
             ",brand" + std::to_string(i % 3) + ",ペット用品>犬用品>" + kinds[i % 4] + "," +
             std::to_string(500 + 370 * i) + ",4.0," + std::to_string(i * 13 % 200) + "\n";
    }
    WriteFile(dir.File("shop.csv"), csv);
    Open();
    auto r = db->ImportCsv(dir.File("shop.csv"), ImportOptions());
    REQUIRE(r.ok());
    // A few sessions of one user: too little evidence for the promotion
    // check to promote anything.
    for (int s = 0; s < 3; ++s) {
      SearchRequest req;
      req.query = "犬";
      req.user = "u1";
      req.k = 10;
      now += 30;
      auto res = db->Search(req);
      REQUIRE(res.ok());
      REQUIRE(db->RecordClick(*res->query_id, res->hits[2].id).ok());
      REQUIRE(db->EndSession("u1").ok());
    }
  }
  void Open() {
    OpenOptions o;
    o.clock = [this] { return now; };
    auto opened = Database::Open(dir.File("shop.saiki"), o);
    REQUIRE(opened.ok());
    db = std::move(opened).value();
  }
  size_t Versions() {
    auto h = db->ModelHistory("");
    REQUIRE(h.ok());
    return h->size();
  }
};

TEST_CASE("model import refuses a model whose manifest names another feature set or model",
          "[trees][fleet]") {
  Shop shop;
  const std::string model_text = TodaysModel();
  const std::string model = shop.dir.File("fleet.json");
  WriteFile(model, model_text);
  const Json good = ManifestFor(model_text);
  const size_t versions = shop.Versions();
  const int64_t active = shop.db->GetModel("")->global.version;

  // Each refusal names what differs; nothing is stored or changed.
  auto refused = [&](Json manifest, const std::string& expected) {
    WriteFile(model + ".manifest", manifest.dump(2));
    auto r = shop.db->ImportModel(model);
    INFO(expected);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains(expected));
    CHECK_THAT(r.status().message(), Catch::Contains(model + ".manifest"));
    CHECK(shop.Versions() == versions);
    CHECK(*shop.db->GetSetting("ranker") == "linear");
    CHECK(shop.db->GetModel("")->global.version == active);
  };

  SECTION("an earlier feature set (24 features)") {
    Json m = good;
    std::vector<std::string> names = TodaysNames();
    names.resize(24);
    m["feature_set"] = {{"version", 24}, {"names", names}};
    refused(m, "trained on feature set version 24; this saiki's feature set is version " +
                   std::to_string(ranker::kNumFeatures));
  }
  SECTION("the same count in another order") {
    Json m = good;
    std::swap(m["feature_set"]["names"][2], m["feature_set"]["names"][3]);
    refused(m, "feature 3 is 'bm25f_category' in the manifest, 'bm25f_brand' in this saiki");
  }
  SECTION("one feature short") {
    Json m = good;
    m["feature_set"]["names"].erase(ranker::kNumFeatures - 1);
    refused(m, "feature " + std::to_string(ranker::kNumFeatures) + " is none in the manifest");
  }
  SECTION("a manifest of another model file") {
    Json m = good;
    m["model"]["bytes"] = model_text.size() + 1;
    refused(m, "the manifest describes another model file");
    m = good;
    m["model"]["num_trees"] = 5;
    refused(m, "the model has 4 trees, the manifest says 5");
    m = good;
    m["model"]["objective"] = "rank:ndcg";
    refused(m, "the model's objective is rank:pairwise, the manifest says \"rank:ndcg\"");
  }
  SECTION("malformed manifests") {
    WriteFile(model + ".manifest", "{\"format\": ");
    auto r = shop.db->ImportModel(model);
    CHECK_THAT(r.status().message(), Catch::Contains("not valid JSON"));
    Json m = good;
    m.erase("feature_set");
    refused(m, "\"feature_set\" is missing");
    m = good;
    m["format"] = "something-else";
    refused(m, "\"format\" is \"something-else\", expected \"saiki-model-manifest\"");
    m = good;
    m["format_version"] = 2;
    refused(m, "format_version 2; this saiki reads version 1");
    m = good;
    m["feature_set"]["version"] = "28";
    refused(m, "\"version\" is \"28\", not a count");
  }
  SECTION("a named manifest that is not there") {
    ModelImportOptions o;
    o.manifest = shop.dir.File("nowhere.manifest");
    auto r = shop.db->ImportModel(model, o);
    CHECK(r.status().code() == StatusCode::kNotFound);
    CHECK(shop.Versions() == versions);
  }
  SECTION("the committed 24-feature fixture against today's manifest") {
    const std::string old_model = shop.dir.File("old.json");
    const std::string old_text = ReadFile(SourcePath("tests/data/xgb_small.json"));
    WriteFile(old_model, old_text);
    WriteFile(old_model + ".manifest", ManifestFor(old_text).dump());
    auto r = shop.db->ImportModel(old_model);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(),
               Catch::Contains("the model has 24 features, the manifest's feature set " +
                               std::to_string(ranker::kNumFeatures)));
    CHECK(shop.Versions() == versions);
  }
}

TEST_CASE("a model whose manifest matches still has to pass the promotion check",
          "[trees][fleet]") {
  Shop shop;
  const std::string model_text = TodaysModel();
  const std::string model = shop.dir.File("fleet.json");
  WriteFile(model, model_text);
  WriteFile(model + ".manifest", ManifestFor(model_text).dump(2));
  const int64_t active = shop.db->GetModel("")->global.version;

  // One user's three sessions cannot show it better: kept as a rejected
  // version (its history, as for a learned candidate), nothing served
  // changes.
  auto checked = shop.db->ImportModel(model);
  INFO(checked.status().ToString());
  REQUIRE(checked.ok());
  CHECK(checked->status == ModelStatus::kRejected);
  CHECK_THAT(checked->reason, Catch::Contains("import with --force"));
  CHECK(*shop.db->GetSetting("ranker") == "linear");
  CHECK(shop.db->GetModel("")->global.version == active);

  ModelImportOptions force;
  force.force = true;
  auto forced = shop.db->ImportModel(model, force);
  REQUIRE(forced.ok());
  CHECK(forced->status == ModelStatus::kActive);
  CHECK(*shop.db->GetSetting("ranker") == "trees");
}

TEST_CASE("saiki model import checks the manifest beside the model or the one named",
          "[trees][fleet][cli]") {
  Shop shop;
  const std::string model_text = TodaysModel();
  const std::string model = shop.dir.File("fleet.json");
  WriteFile(model, model_text);
  Json other = ManifestFor(model_text);
  other["feature_set"]["version"] = 24;
  WriteFile(model + ".manifest", other.dump());
  const std::string good = shop.dir.File("good.manifest");
  WriteFile(good, ManifestFor(model_text).dump());
  shop.db.reset();
  const std::string db = "--db " + Quote(shop.dir.File("shop.saiki"));

  auto refused = RunCli(db + " model import " + Quote(model));
  CHECK(refused.exit_code == 3);
  CHECK_THAT(refused.err, Catch::Contains("trained on feature set version 24"));
  CHECK(refused.out.empty());
  auto history = RunCli(db + " model history");
  CHECK(history.exit_code == 0);
  CHECK_THAT(history.out, !Catch::Contains("fleet.json"));

  auto forced = RunCli(db + " model import " + Quote(model) + " --manifest " + Quote(good) +
                       " --force");
  INFO(forced.err);
  CHECK(forced.exit_code == 0);
  CHECK_THAT(forced.out, Catch::Contains("\"status\":\"active\""));
}

}  // namespace
}  // namespace saiki
