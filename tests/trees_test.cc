// The tree-ensemble ranker and the offline path: XGBoost JSON models load
// and predict exactly what XGBoost predicts (committed fixtures made by
// tests/data/make_xgb_fixture.py), malformed models are refused with the
// reason, exported features are SVMlight lines with click labels and no user
// names, and an imported model becomes the active ranker and orders the
// results, with personal weights still learned on top of it.
#include "ranker/trees.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using Json = nlohmann::json;
using ranker::kNumFeatures;
using ranker::TreeEnsemble;
using testing::Quote;
using testing::ReadFile;
using testing::RunCli;
using testing::SourcePath;
using testing::TempDir;
using testing::WriteFile;

std::string Fixture() { return ReadFile(SourcePath("tests/data/xgb_small.json")); }

struct Vector {
  double margin = 0;
  std::vector<float> x;
  std::vector<double> contrib;  // kNumFeatures, then the bias
};

std::vector<Vector> FixtureVectors() {
  std::istringstream in(ReadFile(SourcePath("tests/data/xgb_small_vectors.txt")));
  std::vector<Vector> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::vector<std::string> tok;
    for (std::string t; fields >> t;) tok.push_back(t);
    // The committed model and vectors are of the 24-feature list (an
    // earlier prefix of today's): the features added since read 0 and
    // contribute nothing.
    constexpr int kFixtureFeatures = 24;
    REQUIRE(tok.size() == 1 + kFixtureFeatures + kFixtureFeatures + 1);
    Vector v;
    v.margin = std::stod(tok[0]);
    for (int i = 0; i < kNumFeatures; ++i) {
      const std::string t = i < kFixtureFeatures ? tok[1 + i] : "0";
      v.x.push_back(t == "nan" ? std::nanf("") : std::strtof(t.c_str(), nullptr));
    }
    for (int i = 0; i <= kNumFeatures; ++i) {
      // Contributions: the fixture's, 0 for the later features, the bias last.
      if (i < kFixtureFeatures) {
        v.contrib.push_back(std::stod(tok[1 + kFixtureFeatures + i]));
      } else if (i < kNumFeatures) {
        v.contrib.push_back(0.0);
      } else {
        v.contrib.push_back(std::stod(tok[1 + 2 * kFixtureFeatures]));
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

Status Load(const Json& j) { return TreeEnsemble::FromXgboostJson(j.dump()).status(); }

Json& Tree0(Json& j) { return j["learner"]["gradient_booster"]["model"]["trees"][0]; }

// A tree that is a chain of `depth` splits on bm25f (each right child a leaf).
Json ChainTree(int depth) {
  Json fixture = Json::parse(Fixture());
  Json t = Tree0(fixture);  // the field layout of a real tree
  int n = 2 * depth + 1;
  std::vector<int> left(n, -1), right(n, -1), split(n, 0), dl(n, 0);
  std::vector<double> cond(n, 0.25), hess(n, 1);
  for (int d = 0; d < depth; ++d) {
    left[2 * d] = 2 * d + 2;
    right[2 * d] = 2 * d + 1;
    cond[2 * d] = -d;  // x < -d goes deeper
  }
  t["left_children"] = left;
  t["right_children"] = right;
  t["split_indices"] = split;
  t["split_conditions"] = cond;
  t["default_left"] = dl;
  t["sum_hessian"] = hess;
  t["base_weights"] = cond;
  t["loss_changes"] = cond;
  t["parents"] = std::vector<int>(n, 0);
  t["split_type"] = std::vector<int>(n, 0);
  t["tree_param"]["num_nodes"] = std::to_string(n);
  return t;
}

TEST_CASE("saiki's tree predictions equal XGBoost's own on the committed vectors", "[trees]") {
  auto model = TreeEnsemble::FromXgboostJson(Fixture());
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  CHECK(model->num_trees() == 4);
  CHECK(model->max_depth() <= 4);
  CHECK(model->named_features());
  CHECK(model->objective() == "rank:pairwise");
  auto vectors = FixtureVectors();
  REQUIRE(vectors.size() == 50);
  for (size_t r = 0; r < vectors.size(); ++r) {
    const Vector& v = vectors[r];
    INFO("vector " << r);
    CHECK(model->Predict(v.x.data()) == Approx(v.margin).margin(1e-5));
    // Path attribution as XGBoost's approx_contribs, summing to the margin.
    double contrib[kNumFeatures];
    double bias = model->Explain(v.x.data(), contrib);
    CHECK(bias == Approx(v.contrib[kNumFeatures]).margin(1e-5));
    double sum = bias;
    for (int i = 0; i < kNumFeatures; ++i) {
      CHECK(contrib[i] == Approx(v.contrib[i]).margin(1e-5));
      sum += contrib[i];
    }
    CHECK(sum == Approx(model->Predict(v.x.data())).margin(1e-9));
  }
}

TEST_CASE("a model without feature names is matched by count and order", "[trees]") {
  Json j = Json::parse(Fixture());
  j["learner"]["feature_names"] = Json::array();
  auto model = TreeEnsemble::FromXgboostJson(j.dump());
  REQUIRE(model.ok());
  CHECK_FALSE(model->named_features());
  // 1-based SVMlight read as 0-based: one column too many.
  j["learner"]["learner_model_param"]["num_feature"] = "25";
  Status s = Load(j);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("num_feature is 25"));
}

TEST_CASE("malformed tree models are refused with the reason", "[trees]") {
  const Json good = Json::parse(Fixture());
  auto refused = [&](auto mutate, const std::string& reason) {
    Json j = good;
    mutate(j);
    Status s = Load(j);
    INFO(reason << ": " << s.ToString());
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains(reason));
  };
  CHECK(TreeEnsemble::FromXgboostJson("{not json").status().code() == StatusCode::kInvalidArgument);
  CHECK(TreeEnsemble::FromXgboostJson("[1, 2]").status().code() == StatusCode::kInvalidArgument);
  refused(
      [](Json& j) {
        std::swap(j["learner"]["feature_names"][0], j["learner"]["feature_names"][1]);
      },
      "expected 'bm25f'");
  refused([](Json& j) { j["learner"]["feature_names"].push_back("extra"); },
          "trained on 25 features");
  refused([](Json& j) { j["learner"]["objective"]["name"] = "reg:squarederror"; },
          "not a ranking objective");
  refused([](Json& j) { j["learner"]["gradient_booster"]["name"] = "dart"; }, "only gbtree");
  refused([](Json& j) { j["learner"]["learner_model_param"]["num_class"] = "3"; }, "one output");
  refused([](Json& j) { j["learner"]["learner_model_param"]["base_score"] = "nan"; },
          "base_score is not finite");
  refused([](Json& j) { j["learner"].erase("gradient_booster"); }, "gradient_booster");
  refused([](Json& j) { Tree0(j)["split_conditions"][0] = "NaN"; }, "is not a number");
  refused([](Json& j) { Tree0(j)["split_conditions"][0] = nullptr; }, "is not a number");
  refused([](Json& j) { Tree0(j)["left_children"][0] = 999; }, "outside the tree");
  refused([](Json& j) { Tree0(j)["right_children"][0] = -1; }, "outside the tree");
  refused([](Json& j) { Tree0(j)["left_children"][1] = 0; }, "reached twice");
  refused([](Json& j) { Tree0(j)["right_children"][2] = 1; }, "reached twice");
  refused([](Json& j) { Tree0(j)["split_indices"][0] = 24; }, "not one of the 24 features");
  refused([](Json& j) { Tree0(j)["split_indices"][0] = 1.5; }, "not one of the 24 features");
  refused([](Json& j) { Tree0(j)["left_children"].erase(0); }, "'left_children' has");
  refused([](Json& j) { Tree0(j)["tree_param"]["num_nodes"] = "0"; }, "num_nodes must be");
  refused([](Json& j) { Tree0(j)["split_type"][0] = 1; }, "categorical");
  refused([](Json& j) { Tree0(j)["tree_param"]["size_leaf_vector"] = "3"; }, "vector leaves");

  // Depth: 64 levels are fine, 65 are not.
  Json deep = good;
  deep["learner"]["gradient_booster"]["model"]["trees"] = Json::array({ChainTree(64)});
  deep["learner"]["gradient_booster"]["model"]["tree_info"] = Json::array({0});
  auto ok = TreeEnsemble::FromXgboostJson(deep.dump());
  INFO(ok.status().ToString());
  REQUIRE(ok.ok());
  CHECK(ok->max_depth() == 64);
  std::vector<float> x(kNumFeatures, -100.0f);
  CHECK(ok->Predict(x.data()) == Approx(0.5 + 0.25));  // base_score + the deepest leaf
  deep["learner"]["gradient_booster"]["model"]["trees"] = Json::array({ChainTree(65)});
  CHECK_THAT(Load(deep).message(), Catch::Contains("deeper than 64"));

  // Size.
  std::string huge(ranker::kMaxTreeModelBytes + 1, ' ');
  CHECK_THAT(TreeEnsemble::FromXgboostJson(huge).status().message(), Catch::Contains("limit"));
}

TEST_CASE("the trees ranker adds the gated personal part to the tree score", "[trees]") {
  auto model = TreeEnsemble::FromXgboostJson(Fixture());
  REQUIRE(model.ok());
  auto vectors = FixtureVectors();
  ranker::FeatureMatrix x;
  for (const auto& v : vectors) {
    bool finite = std::all_of(v.x.begin(), v.x.end(), [](float f) { return std::isfinite(f); });
    if (!finite) continue;
    x.values.insert(x.values.end(), v.x.begin(), v.x.end());
    ++x.rows;
  }
  ranker::GlobalLinearModel global = ranker::GlobalLinearModel::Initial();
  for (int i = 0; i < kNumFeatures; ++i) {
    global.mean[i] = 0.1 * i;
    global.scale[i] = 1.0 + 0.05 * i;
  }
  ranker::RankingContext ctx;
  ctx.global = &global;
  ctx.trees = &*model;
  ctx.gate = 0.6;
  for (int i = 0; i < kNumFeatures; ++i) ctx.personal[i] = 0.3 - 0.02 * i;
  const ranker::Ranker* rk = ranker::FindRanker("trees");
  REQUIRE(rk != nullptr);
  std::vector<double> scores;
  rk->Score(x, ctx, &scores);
  REQUIRE(scores.size() == x.rows);
  std::vector<ranker::Contribution> contrib;
  for (size_t r = 0; r < x.rows; ++r) {
    const float* v = x.row(r);
    double personal = 0;
    for (int i = 0; i < kNumFeatures; ++i) {
      personal += ctx.gate * ctx.personal[i] * (v[i] - global.mean[i]) / global.scale[i];
    }
    CHECK(scores[r] == Approx(model->Predict(v) + personal).margin(1e-9));
    rk->Explain(x, r, ctx, &contrib);
    double sum_global = 0, sum_personal = 0;
    for (const auto& c : contrib) {
      sum_global += c.global;
      sum_personal += c.personal;
    }
    double unused[kNumFeatures];
    CHECK(sum_global + model->Explain(v, unused) == Approx(model->Predict(v)).margin(1e-9));
    CHECK(sum_personal == Approx(personal).margin(1e-9));
  }
  // Without personal weights, the tree score alone.
  ctx.personal.setZero();
  rk->Score(x, ctx, &scores);
  for (size_t r = 0; r < x.rows; ++r) CHECK(scores[r] == model->Predict(x.row(r)));
  CHECK(ranker::IsRankerName("trees"));
}

// ------------------------------------------------------------ export and import

struct Clock {
  double now = 1.8e9;
};

// A small shop: dog products that differ in brand, price and rating, so
// that the features (and a tree model's scores) differ between them.
std::string SmallCatalog() {
  std::string csv = "id,title,description,brand,category,price,rating,review_count,tags\n";
  const char* brands[] = {"ペティオ", "アイリス", "Barkley & Co."};
  const char* kinds[] = {"ベッド", "フード", "おもちゃ", "リード"};
  for (int i = 0; i < 24; ++i) {
    csv += "D" + std::to_string(100 + i) + ",犬用 " + kinds[i % 4] + " " + std::to_string(i) +
           ",やわらかい犬の" + kinds[i % 4] + "," + brands[i % 3] + ",ペット用品>犬用品>" +
           kinds[i % 4] + "," + std::to_string(500 + 370 * i) + "," +
           (i % 5 == 0 ? std::string("") : std::to_string(1 + (i * 7) % 40 / 10.0).substr(0, 3)) +
           "," + std::to_string(i * 13 % 200) + ",犬\n";
  }
  return csv;
}

struct ShopFixture {
  TempDir dir;
  Clock clock;
  std::unique_ptr<Database> db;
  ShopFixture() {
    WriteFile(dir.File("shop.csv"), SmallCatalog());
    OpenOptions o;
    o.clock = [this] { return clock.now; };
    auto opened = Database::Open(dir.File("shop.saiki"), o);
    REQUIRE(opened.ok());
    db = std::move(opened).value();
    auto r = db->ImportCsv(dir.File("shop.csv"), ImportOptions());
    REQUIRE(r.ok());
    REQUIRE(r->inserted == 24);
  }
  SearchResponse Search(const std::string& user, const std::string& q, bool explain = false) {
    clock.now += 30;
    SearchRequest req;
    req.query = q;
    req.user = user;
    req.k = 10;
    req.explain = explain;
    auto r = db->Search(req);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return *r;
  }
};

struct ExportLine {
  int label = -1;
  int64_t qid = 0;
  std::vector<float> x;
  std::string comment;
};

// Parses one SVMlight line strictly: dense 1-based features in order.
ExportLine ParseExportLine(const std::string& line) {
  ExportLine e;
  size_t hash = line.find(" # ");
  REQUIRE(hash != std::string::npos);
  e.comment = line.substr(hash + 3);
  std::istringstream in(line.substr(0, hash));
  std::string tok;
  REQUIRE(in >> e.label);
  REQUIRE(in >> tok);
  REQUIRE(tok.rfind("qid:", 0) == 0);
  e.qid = std::stoll(tok.substr(4));
  for (int i = 1; in >> tok; ++i) {
    size_t colon = tok.find(':');
    REQUIRE(colon != std::string::npos);
    CHECK(std::stoi(tok.substr(0, colon)) == i);
    char* end = nullptr;
    e.x.push_back(std::strtof(tok.c_str() + colon + 1, &end));
    CHECK(*end == '\0');
  }
  CHECK(e.x.size() == static_cast<size_t>(kNumFeatures));
  return e;
}

TEST_CASE("exported features are SVMlight lines with click labels and no user names",
          "[trees][export]") {
  ShopFixture f;
  const std::string alice = "alice.tanaka@example.jp", bob = "bob-suzuki";
  SearchResponse a = f.Search(alice, "犬 ベッド", true);
  REQUIRE(a.hits.size() >= 4);
  REQUIRE(f.db->RecordClick(*a.query_id, a.hits[1].id).ok());
  REQUIRE(f.db->RecordClick(*a.query_id, a.hits[3].id, ClickKind::kCart).ok());
  REQUIRE(f.db->RecordClick(*a.query_id, a.hits[3].id).ok());  // the strongest counts
  SearchResponse b = f.Search(bob, "犬", true);
  REQUIRE(b.hits.size() == 10);
  REQUIRE(f.db->RecordClick(*b.query_id, b.hits[0].id, ClickKind::kPurchase).ok());
  REQUIRE(f.db->EndSession(alice).ok());
  SearchResponse a2 = f.Search(alice, "犬 フード", true);  // not clicked

  std::ostringstream out, names;
  auto n = f.db->ExportFeatures(out, &names);
  INFO(n.status().ToString());
  REQUIRE(n.ok());
  CHECK(*n == a.hits.size() + b.hits.size() + a2.hits.size());

  std::istringstream name_lines(names.str());
  std::string name;
  for (int i = 0; i < kNumFeatures; ++i) {
    REQUIRE(std::getline(name_lines, name));
    CHECK(name == ranker::kFeatureNames[i]);
  }
  CHECK_FALSE(std::getline(name_lines, name));

  const std::string text = out.str();
  CHECK(text.find("alice") == std::string::npos);
  CHECK(text.find("bob") == std::string::npos);
  CHECK(text.find("ベッド") == std::string::npos);  // no query text either

  std::map<int64_t, const SearchResponse*> by_qid = {{std::stoll(*a.query_id), &a},
                                                     {std::stoll(*b.query_id), &b},
                                                     {std::stoll(*a2.query_id), &a2}};
  std::istringstream lines(text);
  std::string line;
  int64_t last_qid = 0;
  size_t pos = 0;
  std::map<std::string, int> labels;
  while (std::getline(lines, line)) {
    ExportLine e = ParseExportLine(line);
    if (e.qid != last_qid) pos = 0;
    CHECK(e.qid >= last_qid);  // grouped by query, in query id order
    last_qid = e.qid;
    REQUIRE(by_qid.count(e.qid));
    const SearchResponse& r = *by_qid[e.qid];
    REQUIRE(pos < r.hits.size());
    const SearchHit& hit = r.hits[pos];
    CHECK(e.comment == std::to_string(e.qid) + " " + hit.id);
    // The features exactly as they were scored and logged.
    REQUIRE(hit.features.size() == static_cast<size_t>(kNumFeatures));
    for (int i = 0; i < kNumFeatures; ++i) {
      CHECK(e.x[i] == static_cast<float>(hit.features[i].value));
    }
    labels[std::to_string(e.qid) + "/" + hit.id] = e.label;
    ++pos;
  }
  CHECK(labels[*a.query_id + "/" + a.hits[0].id] == 0);
  CHECK(labels[*a.query_id + "/" + a.hits[1].id] == 1);
  CHECK(labels[*a.query_id + "/" + a.hits[3].id] == 2);
  CHECK(labels[*b.query_id + "/" + b.hits[0].id] == 3);
  CHECK(labels[*a2.query_id + "/" + a2.hits[0].id] == 0);

  // The CLI writes FILE and FILE.features; stdout by default.
  const std::string db = Quote(f.dir.File("shop.saiki"));
  const std::string file = f.dir.File("train.txt");
  f.db.reset();
  auto cli = RunCli("--db " + db + " export-features --out " + Quote(file));
  INFO(cli.err);
  REQUIRE(cli.exit_code == 0);
  CHECK(ReadFile(file) == text);
  CHECK(ReadFile(file + ".features") == names.str());
  auto piped = RunCli("--db " + db + " export-features");
  CHECK(piped.exit_code == 0);
  CHECK(piped.out == text);
}

TEST_CASE("an imported XGBoost model becomes the active trees ranker and orders the results",
          "[trees][export]") {
  ShopFixture f;
  REQUIRE(f.db->SetSetting("learn.interleave_sessions", "0").ok());  // rankings in score order
  auto model = TreeEnsemble::FromXgboostJson(Fixture());
  REQUIRE(model.ok());
  // Some sessions first: the import is checked on them.
  const std::string user = "u1";
  for (int s = 0; s < 3; ++s) {
    SearchResponse r = f.Search(user, "犬");
    REQUIRE(f.db->RecordClick(*r.query_id, r.hits[2].id).ok());
    REQUIRE(f.db->EndSession(user).ok());
  }
  auto before = f.db->GetModel(user);
  REQUIRE(before.ok());
  const int64_t linear_version = before->global.version;

  // Refused models change nothing.
  WriteFile(f.dir.File("bad.json"), "{\"learner\": {}}");
  CHECK(f.db->ImportModel(f.dir.File("bad.json")).status().code() == StatusCode::kInvalidArgument);
  CHECK(f.db->ImportModel(f.dir.File("missing.json")).status().code() == StatusCode::kNotFound);
  CHECK(*f.db->GetSetting("ranker") == "linear");

  // One user's three sessions are too little evidence to check it on: it is
  // stored, rejected, and nothing serves it.
  auto unchecked = f.db->ImportModel(SourcePath("tests/data/xgb_small.json"));
  REQUIRE(unchecked.ok());
  CHECK(unchecked->status == ModelStatus::kRejected);
  CHECK_THAT(unchecked->reason, Catch::Contains("--force"));
  CHECK(*f.db->GetSetting("ranker") == "linear");
  CHECK(f.db->GetModel("")->global.version == linear_version);

  ModelImportOptions force;
  force.force = true;
  auto imported = f.db->ImportModel(SourcePath("tests/data/xgb_small.json"), force);
  INFO(imported.status().ToString());
  REQUIRE(imported.ok());
  CHECK(imported->status == ModelStatus::kActive);
  CHECK(imported->forced);
  const int64_t* v = &imported->version;
  CHECK(*f.db->GetSetting("ranker") == "trees");
  auto info = f.db->GetModel("");
  REQUIRE(info.ok());
  CHECK(info->global.version == *v);
  CHECK(info->global.kind == ModelKind::kTrees);
  CHECK(info->global.parent == linear_version);
  CHECK(info->global.status == ModelStatus::kActive);
  CHECK(info->global.forced);

  // Anonymous: the tree score alone, results in its order.
  auto check_order = [&](const SearchResponse& r, bool personal) {
    CHECK(r.ranker == "trees");
    CHECK(r.global_version == *v);
    REQUIRE(r.hits.size() == 10);
    for (size_t i = 0; i < r.hits.size(); ++i) {
      std::vector<float> x;
      double personal_sum = 0;
      for (const auto& fs : r.hits[i].features) {
        x.push_back(static_cast<float>(fs.value));
        personal_sum += fs.personal;
      }
      REQUIRE(x.size() == static_cast<size_t>(kNumFeatures));
      CHECK(r.hits[i].score == Approx(model->Predict(x.data()) + personal_sum).margin(1e-9));
      if (!personal) CHECK(personal_sum == 0);
      if (i > 0) CHECK(r.hits[i - 1].score >= r.hits[i].score);
    }
  };
  SearchRequest anon;
  anon.query = "犬";
  anon.explain = true;
  auto r = f.db->Search(anon);
  REQUIRE(r.ok());
  check_order(*r, false);
  // The trees reorder BM25F's ranking (the fixture model does not follow bm25f).
  bool reordered = false;
  for (size_t i = 1; i < r->hits.size(); ++i) reordered |= r->hits[i - 1].bm25f < r->hits[i].bm25f;
  CHECK(reordered);

  // A session while the trees are active: the personal weights learn on
  // top of them, the global tree model stays.
  SearchResponse s = f.Search(user, "犬", true);
  check_order(s, true);
  REQUIRE(f.db->RecordClick(*s.query_id, s.hits[4].id).ok());
  REQUIRE(f.db->RecordClick(*s.query_id, s.hits[6].id).ok());
  auto report = f.db->EndSession(user);
  REQUIRE(report.ok());
  REQUIRE(report->has_value());
  CHECK((*report)->global.outcome == UpdateOutcome::kNone);
  CHECK((*report)->global_version == *v);
  CHECK((*report)->personal.reason.rfind("update", 0) != 0);  // no numeric failure
  check_order(f.Search(user, "犬", true), true);
  auto history = f.db->ModelHistory("");
  REQUIRE(history.ok());
  int trees = 0;
  for (const auto& h : *history) trees += h.kind == ModelKind::kTrees;
  CHECK(trees == 2);

  // Rolling back to the linear version: `trees` falls back to linear.
  REQUIRE(f.db->RollbackModel(linear_version).ok());
  auto back = f.db->Search(anon);
  REQUIRE(back.ok());
  CHECK(back->ranker == "linear");
  CHECK(back->global_version == linear_version);

  // The CLI: `model import` prints the version and the verdict: rejected
  // without evidence (exit 3), active with --force; a bad file is refused
  // with 3.
  const std::string db = Quote(f.dir.File("shop.saiki"));
  f.db.reset();
  const std::string import = "--db " + db + " model import " +
                             Quote(SourcePath("tests/data/xgb_small.json"));
  auto rejected_cli = RunCli(import);
  CHECK(rejected_cli.exit_code == 3);
  CHECK(Json::parse(rejected_cli.out)["status"] == "rejected");
  auto cli = RunCli(import + " --force");
  INFO(cli.err);
  CHECK(cli.exit_code == 0);
  CHECK(Json::parse(cli.out)["kind"] == "trees");
  CHECK(Json::parse(cli.out)["forced"] == true);
  auto bad = RunCli("--db " + db + " model import " + Quote(f.dir.File("bad.json")));
  CHECK(bad.exit_code == 3);
  CHECK_THAT(bad.err, Catch::Contains("bad.json"));
}

}  // namespace
}  // namespace saiki
