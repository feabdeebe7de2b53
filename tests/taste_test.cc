// The taste profile (ranker/taste.h) and its stored form: beliefs learned
// from clicks and passed-over impressions, explaining away, position bias,
// the price tier, drift, pruning, the blob codec's checks; and through the engine: a session's clicks make the
// clicked brand's affinity positive and the skipped brand's negative, the
// profile is the user's alone, learn.taste off leaves the features at 0,
// exploration logs its place and probability.
#include "ranker/taste.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sqlite3.h>
#include <string>
#include <vector>

#include "ranker/interleaving.h"
#include "saiki/saiki.h"
#include "saiki/saiki_c.h"
#include "storage/model_store.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using ranker::TasteKeys;
using ranker::TasteProfile;

TasteKeys Keys(uint32_t brand, uint32_t leaf, uint32_t tier) {
  TasteKeys k;
  k.brand = brand;
  k.leaf = leaf;
  k.tier = tier;
  return k;
}

TEST_CASE("PriceTier splits a leaf's prices at 0.8 and 1.3 times its median", "[taste]") {
  CHECK(ranker::PriceTier(700, 1000) == 1);   // 701/1001 < 0.8
  CHECK(ranker::PriceTier(1000, 1000) == 2);
  CHECK(ranker::PriceTier(1400, 1000) == 3);  // 1401/1001 > 1.3
  CHECK(ranker::PriceTier(std::nanf(""), 1000) == 0);
  CHECK(ranker::PriceTier(1000, 0) == 0);
}

TEST_CASE("Clicked values learn a positive weight, values passed over a negative one, unseen 0",
          "[taste]") {
  TasteProfile p;
  std::vector<TasteProfile::Shown> shown;
  // Brand 1 shown 5 times at the top and clicked each time; brand 2 shown
  // 5 times at the top and never clicked; both in leaf 10.
  for (int i = 0; i < 5; ++i) {
    shown.push_back({Keys(1, 10, 1), 1.0, 1.0});
    shown.push_back({Keys(2, 10, 3), 1.0, 0.0});
  }
  p.Update(shown, 1000, 86400);
  CHECK(p.total_clicks() == 5);
  CHECK(p.total_exams() == 10);
  CHECK(p.Affinity(ranker::kTasteBrand, 1) > 0.3);
  CHECK(p.Affinity(ranker::kTasteBrand, 2) < -0.3);
  CHECK(p.Affinity(ranker::kTasteBrand, 3) == 0.0);
  // The leaf was clicked half the time, as often as the user's own rate
  // would have it: it stays near 0, far nearer than either brand.
  CHECK(std::fabs(p.Affinity(ranker::kTasteLeaf, 10)) <
        0.5 * std::fabs(p.Affinity(ranker::kTasteBrand, 2)));
  const TasteProfile::Scores s1 = p.Score(Keys(1, 10, 1));
  const TasteProfile::Scores s2 = p.Score(Keys(2, 10, 3));
  CHECK(s1.brand > 0);
  CHECK(s1.tier > 0);
  CHECK(s2.brand < 0);
  CHECK(s2.tier < 0);
  // What the profile saw is less uncertain than what it never saw.
  CHECK(p.Score(Keys(1, 10, 1)).uncertainty < p.Score(Keys(7, 70, 2)).uncertainty);
  for (const auto& e : p.entries()) {
    CHECK(std::isfinite(e.mean));
    CHECK(e.var > 0);
    CHECK(e.var <= ranker::TastePriorVar(static_cast<ranker::TasteKind>(e.key >> 32)));
  }
}

TEST_CASE("A value that only ever comes with an explained one learns less than it (explaining "
          "away)",
          "[taste]") {
  // Brand 1 (premium) is clicked whenever shown; brand 2, premium too, is
  // passed over whenever shown; budget brand 3 is clicked. A click rate per
  // value would make "premium" look liked (half its products were
  // clicked); the joint model puts the weight on the brands.
  TasteProfile p;
  std::vector<TasteProfile::Shown> shown;
  for (int i = 0; i < 8; ++i) {
    shown.push_back({Keys(1, 0, 3), 1.0, 1.0});
    shown.push_back({Keys(2, 0, 3), 1.0, 0.0});
    shown.push_back({Keys(3, 0, 1), 1.0, 1.0});
  }
  p.Update(shown, 1, 86400);
  const double brand1 = p.Affinity(ranker::kTasteBrand, 1);
  const double premium = p.Affinity(ranker::kTasteTier, 3);
  CHECK(brand1 > 0);
  CHECK(std::fabs(premium) < brand1);
  CHECK(p.Affinity(ranker::kTasteBrand, 2) < 0);
}

TEST_CASE("A page with no click teaches only the bias", "[taste]") {
  TasteProfile p;
  std::vector<TasteProfile::Shown> shown;
  for (uint32_t b = 1; b <= 10; ++b) {
    TasteProfile::Shown s{Keys(b, 20, 2), 1.0, 0.0};
    s.page_clicked = false;
    shown.push_back(s);
  }
  p.Update(shown, 1, 86400);
  for (uint32_t b = 1; b <= 10; ++b) CHECK(p.Affinity(ranker::kTasteBrand, b) == 0.0);
  CHECK(p.Affinity(ranker::kTasteLeaf, 20) == 0.0);
  // The bias alone moved, down from its prior.
  REQUIRE(p.entries().size() == 1);
  CHECK((p.entries()[0].key >> 32) == ranker::kTasteBias);
  CHECK(p.entries()[0].mean < ranker::kTasteBiasMean);
  CHECK(p.total_exams() == 10);
}

TEST_CASE("A position rarely examined says less than the top position", "[taste]") {
  TasteProfile top, low;
  std::vector<TasteProfile::Shown> a, b;
  for (int i = 0; i < 4; ++i) {
    a.push_back({Keys(5, 0, 0), 1.0, 0.0});   // passed over at rank 1
    b.push_back({Keys(5, 0, 0), 0.1, 0.0});   // passed over at rank 10
    a.push_back({Keys(6, 0, 0), 1.0, 1.0});
    b.push_back({Keys(6, 0, 0), 1.0, 1.0});
  }
  top.Update(a, 1, 86400);
  low.Update(b, 1, 86400);
  CHECK(top.Affinity(ranker::kTasteBrand, 5) < low.Affinity(ranker::kTasteBrand, 5));
  CHECK(low.Affinity(ranker::kTasteBrand, 5) < 0);
}

TEST_CASE("Update drifts old beliefs to the prior by the half-life and keeps what it knows most "
          "about",
          "[taste]") {
  TasteProfile p;
  std::vector<TasteProfile::Shown> one = {{Keys(1, 0, 0), 1.0, 1.0}};
  p.Update(one, 1000, 100);
  const double learned = p.Affinity(ranker::kTasteBrand, 1);
  REQUIRE(learned > 0);
  double var_before = 0;
  for (const auto& e : p.entries()) {
    if (e.key == (uint64_t{ranker::kTasteBrand} << 32 | 1)) var_before = e.var;
  }
  p.Update({}, 1100, 100);  // one half-life later, nothing new
  CHECK(p.Affinity(ranker::kTasteBrand, 1) == Approx(learned / 2).epsilon(1e-5));
  for (const auto& e : p.entries()) {
    if (e.key == (uint64_t{ranker::kTasteBrand} << 32 | 1)) {
      // var' = f^2 var + (1 - f^2) prior, f = 1/2.
      CHECK(e.var == Approx(0.25 * var_before + 0.75 * ranker::kTastePriorVar).epsilon(1e-5));
    }
  }

  TasteProfile big;
  std::vector<TasteProfile::Shown> many;
  for (uint32_t b = 1; b <= ranker::kTasteMaxKeys + 10; ++b) {
    // Brands 1..10 are shown three times, the others once.
    for (int r = 0; r < (b <= 10 ? 3 : 1); ++r) many.push_back({Keys(b, 0, 0), 1.0, 0.0});
  }
  big.Update(many, 1, 86400);
  REQUIRE(big.entries().size() == ranker::kTasteMaxKeys);
  for (uint32_t b = 1; b <= 10; ++b) CHECK(big.Affinity(ranker::kTasteBrand, b) != 0.0);
  bool has_bias = false;
  for (size_t i = 0; i < big.entries().size(); ++i) {
    has_bias |= (big.entries()[i].key >> 32) == ranker::kTasteBias;
    if (i > 0) CHECK(big.entries()[i - 1].key < big.entries()[i].key);
  }
  CHECK(has_bias);
}

TEST_CASE("The stored taste blob round-trips and every malformed blob is refused", "[taste]") {
  TasteProfile p;
  TasteKeys k = Keys(3, 4, 2);
  k.has_words = true;
  k.words = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<TasteProfile::Shown> shown = {{k, 0.5, 1.0}, {Keys(9, 4, 1), 1.0, 0.0}};
  p.Update(shown, 12345, 86400);
  const std::string blob = storage::EncodeTaste(p);
  auto back = storage::DecodeTaste(blob);
  REQUIRE(back.has_value());
  CHECK(*back == p);

  CHECK_FALSE(storage::DecodeTaste("").has_value());
  CHECK_FALSE(storage::DecodeTaste(blob.substr(0, blob.size() - 1)).has_value());
  std::string bad_version = blob;
  bad_version[0] = 9;
  CHECK_FALSE(storage::DecodeTaste(bad_version).has_value());
  // Two entries out of order.
  auto entries = p.entries();
  REQUIRE(entries.size() >= 2);
  std::swap(entries[0], entries[1]);
  CHECK_FALSE(TasteProfile::FromParts(1, 1, 1, entries).has_value());
  // A variance of 0, one above the prior, a mean not finite, an unknown kind.
  entries = p.entries();
  entries[0].var = 0;
  CHECK_FALSE(TasteProfile::FromParts(1, 1, 1, entries).has_value());
  entries = p.entries();
  entries[0].var = 2 * ranker::kTastePriorVar;
  CHECK_FALSE(TasteProfile::FromParts(1, 1, 1, entries).has_value());
  entries = p.entries();
  entries[0].mean = std::nanf("");
  CHECK_FALSE(TasteProfile::FromParts(1, 1, 1, entries).has_value());
  CHECK(TasteProfile::FromParts(1, 1, 1, p.entries()).has_value());
  entries = p.entries();
  entries.back().key = uint64_t{ranker::kNumTasteKinds} << 32;
  CHECK_FALSE(TasteProfile::FromParts(1, 1, 1, entries).has_value());
  CHECK_FALSE(TasteProfile::FromParts(std::nan(""), 1, 1, p.entries()).has_value());
}

// --- Through the engine.

int CountTastes(const std::string& path, const std::string& user) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT count(*) FROM tastes WHERE user = ?1", -1, &st,
                             nullptr) == SQLITE_OK);
  sqlite3_bind_text(st, 1, user.c_str(), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const int n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

double FeatureOf(const SearchHit& hit, const std::string& name) {
  for (const auto& f : hit.features) {
    if (f.feature == name) return f.value;
  }
  FAIL("no feature " << name);
  return 0;
}

// Searches `query` as `user`; clicks every result of brand `liked` on the
// page; ends the session.
void Session(Database* db, const std::string& user, const std::string& query,
             const std::string& liked) {
  SearchRequest req;
  req.query = query;
  req.user = user;
  req.k = 10;
  auto r = db->Search(req);
  REQUIRE(r.ok());
  REQUIRE(r->query_id.has_value());
  for (const auto& hit : r->hits) {
    if (hit.brand == liked) REQUIRE(db->RecordClick(*r->query_id, hit.id, ClickKind::kClick).ok());
  }
  REQUIRE(db->EndSession(user).ok());
}

TEST_CASE("A user's clicks and skips become their taste features, and no one else's",
          "[taste][engine]") {
  testing::TempDir dir;
  const std::string path = dir.File("t.saiki");
  testing::WriteFile(dir.File("c.csv"), testing::PetCatalog("p", 200));
  {
    auto db = Database::Open(path);
    REQUIRE(db.ok());
    REQUIRE((*db)->ImportCsv(dir.File("c.csv"), ImportOptions{}).ok());
  }
  auto opened = Database::Open(path);
  REQUIRE(opened.ok());
  Database* db = opened->get();
  // Which brands does 犬 show on the first page?
  SearchRequest probe;
  probe.query = "犬";
  probe.k = 10;
  auto first = db->Search(probe);
  REQUIRE(first.ok());
  REQUIRE(first->hits.size() == 10);
  const std::string liked = first->hits[0].brand;
  std::string other;
  for (const auto& h : first->hits) {
    if (h.brand != liked) other = h.brand;
  }
  REQUIRE_FALSE(other.empty());

  for (int s = 0; s < 3; ++s) Session(db, "alice", "犬", liked);
  CHECK(CountTastes(path, "alice") == 1);
  CHECK(CountTastes(path, "bob") == 0);

  SearchRequest req;
  req.query = "犬";
  req.user = "alice";
  req.k = 40;  // the skipped brand may have left the first page
  req.explain = true;
  auto r = db->Search(req);
  REQUIRE(r.ok());
  bool saw_liked = false, saw_other = false;
  for (const auto& hit : r->hits) {
    const double a = FeatureOf(hit, "user_brand_affinity");
    if (hit.brand == liked) {
      CHECK(a > 0);
      saw_liked = true;
    } else if (hit.brand == other) {
      CHECK(a < 0);
      saw_other = true;
    }
  }
  CHECK(saw_liked);
  CHECK(saw_other);
  // Another user sees neutral taste features.
  req.user = "bob";
  auto b = db->Search(req);
  REQUIRE(b.ok());
  for (const auto& hit : b->hits) {
    for (const char* f : {"user_brand_affinity", "user_leaf_affinity", "user_tier_affinity",
                          "user_style_affinity"}) {
      CHECK(FeatureOf(hit, f) == 0.0);
    }
  }
  // learn.taste off: alice's features are 0 too, and her profile stays.
  REQUIRE(db->SetSetting("learn.taste", "off").ok());
  req.user = "alice";
  auto off = db->Search(req);
  REQUIRE(off.ok());
  for (const auto& hit : off->hits) CHECK(FeatureOf(hit, "user_brand_affinity") == 0.0);
  CHECK(CountTastes(path, "alice") == 1);

  // Forgetting alice deletes her profile.
  REQUIRE(db->SetSetting("learn.taste", "on").ok());
  auto forget = db->ForgetUser("alice");
  REQUIRE(forget.ok());
  CHECK(CountTastes(path, "alice") == 0);
}

// A database at `path` of 200 pet products whose clock reads *now, with
// exploration at half of the searches that may explore (learn.explore 0.5).
std::unique_ptr<Database> ExploringShop(const testing::TempDir& dir, const std::string& path,
                                        double* now) {
  testing::WriteFile(dir.File("c.csv"), testing::PetCatalog("p", 200));
  OpenOptions options;
  options.clock = [now] { return *now; };
  auto opened = Database::Open(path, options);
  REQUIRE(opened.ok());
  REQUIRE((*opened)->ImportCsv(dir.File("c.csv"), ImportOptions{}).ok());
  REQUIRE((*opened)->SetSetting("learn.explore", "0.5").ok());
  return std::move(opened).value();
}

TEST_CASE("Exploration shows a candidate from beyond the page in one of its last three places "
          "and logs the probability",
          "[taste][engine]") {
  testing::TempDir dir;
  const std::string path = dir.File("e.saiki");
  double now = 1.7e9;
  std::unique_ptr<Database> shop = ExploringShop(dir, path, &now);
  Database* db = shop.get();
  // No interleaving trial: every page is the personal model's own.
  REQUIRE(db->SetSetting("learn.interleave_sessions", "0").ok());
  SearchRequest anon;
  anon.query = "犬";
  anon.k = 10;
  anon.offset = 0;
  // The response says which result exploration placed, as the log does.
  int flagged = 0;
  auto count_flagged = [&](const SearchResponse& r) {
    int on_page = 0;
    for (const SearchHit& h : r.hits) {
      if (!h.explored) continue;
      ++on_page;
      CHECK(h.rank >= 8);
    }
    CHECK(on_page <= 1);
    flagged += on_page;
  };
  // Without a personal model a user is not explored for: a few sessions
  // with a click first.
  for (int s = 0; s < 6; ++s) {
    now += 3600;
    SearchRequest req = anon;
    req.user = "carol";
    auto r = db->Search(req);
    REQUIRE(r.ok());
    count_flagged(*r);
    REQUIRE(db->RecordClick(*r->query_id, r->hits[2 + s % 3].id, ClickKind::kClick).ok());
    REQUIRE(db->EndSession("carol").ok());
  }
  auto model = db->GetModel("carol");
  REQUIRE(model.ok());
  REQUIRE(model->personal.has_value());
  const int flagged_before = flagged;
  int explored = 0;
  for (int i = 0; i < 20; ++i) {
    now += 60;
    SearchRequest req = anon;
    req.user = "carol";
    auto r = db->Search(req);
    REQUIRE(r.ok());
    REQUIRE(r->hits.size() == 10);
    count_flagged(*r);
  }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw,
                             "SELECT explore_position, explore_probability FROM impressions "
                             "WHERE explore_position IS NOT NULL",
                             -1, &st, nullptr) == SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    ++explored;
    const int pos = sqlite3_column_int(st, 0);
    CHECK(pos >= 7);
    CHECK(pos <= 9);
    CHECK(sqlite3_column_double(st, 1) == Approx(0.5 / 3));
  }
  sqlite3_finalize(st);
  sqlite3_close(raw);
  // About half of the 20 searches after it explore (binomial: 4..16 with
  // probability above 0.99); every explored search is logged as such.
  CHECK(flagged - flagged_before >= 4);
  CHECK(flagged - flagged_before <= 16);
  CHECK(flagged == explored);
}

TEST_CASE("The C API gives the explored result's rank, as its JSON marks it", "[taste][c_api]") {
  testing::TempDir dir;
  const std::string path = dir.File("c.saiki");
  {
    double now = 1.7e9;
    std::unique_ptr<Database> shop = ExploringShop(dir, path, &now);
    // Sessions with a click until erin has a personal model (exploration
    // serves only users with one).
    for (int s = 0; s < 6; ++s) {
      now += 3600;
      SearchRequest req;
      req.query = "犬";
      req.user = "erin";
      auto r = shop->Search(req);
      REQUIRE(r.ok());
      REQUIRE(shop->RecordClick(*r->query_id, r->hits[2 + s % 3].id, ClickKind::kClick).ok());
      REQUIRE(shop->EndSession("erin").ok());
    }
    auto model = shop->GetModel("erin");
    REQUIRE(model.ok());
    REQUIRE(model->personal.has_value());
  }
  saiki_db* c = nullptr;
  REQUIRE(saiki_open(path.c_str(), nullptr, &c) == SAIKI_OK);
  saiki_search_options o;
  saiki_search_options_init(&o);
  o.user = "erin";
  // Half of the searches explore, drawn from the user and the clock's
  // millisecond (wall time here): search until both kinds were seen, which
  // takes a few searches, bounded so that a search that never explores
  // fails the test.
  int explored = 0, plain = 0;
  for (int i = 0; i < 5000 && (explored == 0 || plain == 0); ++i) {
    saiki_results* res = nullptr;
    REQUIRE(saiki_search(c, "犬", &o, &res) == SAIKI_OK);
    const auto j = nlohmann::json::parse(saiki_results_json(res));
    int marked = 0;
    for (const auto& hit : j["results"]) {
      if (hit.value("explored", false)) marked = hit["rank"].get<int>();
    }
    CHECK(res->explored_rank == marked);
    if (res->explored_rank != 0) {
      ++explored;
      CHECK(res->explored_rank >= 8);
      CHECK(res->explored_rank <= 10);
    } else {
      ++plain;
    }
    saiki_results_free(res);
  }
  CHECK(explored > 0);
  CHECK(plain > 0);
  CHECK(saiki_close(c) == SAIKI_OK);
}

TEST_CASE("A page on interleaving trial explores too, and its explored result credits neither "
          "model",
          "[taste][engine]") {
  testing::TempDir dir;
  const std::string path = dir.File("t.saiki");
  double now = 1.7e9;
  std::unique_ptr<Database> shop = ExploringShop(dir, path, &now);
  Database* db = shop.get();
  // Sessions of one search and a click each, ended, until a search comes
  // back interleaved (a personal update was accepted and is on trial);
  // then searches in that session until one of them explores.
  std::optional<std::string> explored_qid;
  int explored_rank = 0;
  for (int s = 0; s < 40 && !explored_qid; ++s) {
    now += 3600;
    for (int q = 0; q < 10 && !explored_qid; ++q) {
      now += 60;
      SearchRequest req;
      req.query = "犬";
      req.user = "dave";
      auto r = db->Search(req);
      REQUIRE(r.ok());
      REQUIRE(r->query_id);
      if (q == 0) {
        REQUIRE(db->RecordClick(*r->query_id, r->hits[1 + s % 4].id, ClickKind::kClick).ok());
      }
      if (!r->interleaved) break;
      for (const SearchHit& h : r->hits) {
        if (h.explored) {
          explored_qid = *r->query_id;
          explored_rank = h.rank;
        }
      }
    }
    REQUIRE(db->EndSession("dave").ok());
  }
  REQUIRE(explored_qid);
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  auto teams_of = [&](int team) {
    sqlite3_stmt* st = nullptr;
    std::vector<int> positions;
    REQUIRE(sqlite3_prepare_v2(raw,
                               "SELECT i.position FROM impression_items i JOIN impressions m "
                               "ON m.query_id = i.query_id WHERE m.query_id = ?1 AND i.team = ?2 "
                               "ORDER BY i.position",
                               -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_int64(st, 1, std::stoll(*explored_qid));
    sqlite3_bind_int(st, 2, team);
    while (sqlite3_step(st) == SQLITE_ROW) positions.push_back(sqlite3_column_int(st, 0));
    sqlite3_finalize(st);
    return positions;
  };
  // The explored place is nobody's; the other nine are the two models'.
  CHECK(teams_of(ranker::kTeamNone) == std::vector<int>{explored_rank - 1});
  const size_t a = teams_of(ranker::kTeamA).size(), b = teams_of(ranker::kTeamB).size();
  CHECK(a + b == 9);
  CHECK(a >= 4);
  CHECK(b >= 4);
  sqlite3_close(raw);
}

TEST_CASE("Impressions logged with the earlier 24-feature list are learned from",
          "[taste][engine]") {
  testing::TempDir dir;
  const std::string path = dir.File("old.saiki");
  testing::WriteFile(dir.File("c.csv"), testing::PetCatalog("p", 200));
  auto opened = Database::Open(path);
  REQUIRE(opened.ok());
  Database* db = opened->get();
  REQUIRE(db->ImportCsv(dir.File("c.csv"), ImportOptions{}).ok());
  SearchRequest req;
  req.query = "犬";
  req.user = "dan";
  auto r = db->Search(req);
  REQUIRE(r.ok());
  REQUIRE(r->hits.size() >= 3);
  REQUIRE(db->RecordClick(*r->query_id, r->hits[2].id, ClickKind::kClick).ok());
  // Rewrite the logged rows and statistics as an earlier saiki wrote them:
  // the first 24 features of each row.
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "SELECT features, candidate_stats FROM impressions", -1, &st,
                               nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const auto* f = static_cast<const char*>(sqlite3_column_blob(st, 0));
    std::string features(f, static_cast<size_t>(sqlite3_column_bytes(st, 0)));
    const auto* c = static_cast<const char*>(sqlite3_column_blob(st, 1));
    std::string stats(c, static_cast<size_t>(sqlite3_column_bytes(st, 1)));
    sqlite3_finalize(st);
    const size_t row = 4 * ranker::kNumFeatures;
    REQUIRE(features.size() % row == 0);
    std::string old_features;
    for (size_t at = 0; at < features.size(); at += row) old_features += features.substr(at, 4 * 24);
    const std::string old_stats = stats.substr(0, 8 + 16 * 24);
    REQUIRE(sqlite3_prepare_v2(raw,
                               "UPDATE impressions SET nfeatures = 24, features = ?1, "
                               "candidate_stats = ?2",
                               -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_blob(st, 1, old_features.data(), static_cast<int>(old_features.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, old_stats.data(), static_cast<int>(old_stats.size()),
                      SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(raw);
  }
  auto end = db->EndSession("dan");
  INFO(end.status().ToString());
  REQUIRE(end.ok());
  REQUIRE(end->has_value());
  CHECK((*end)->clicks == 1);
  CHECK((*end)->pairs > 0);
}

TEST_CASE("A pass outside the page's clicked leaves teaches its leaf, not its brand; the visit's "
          "leaf counts the open session's clicks",
          "[taste][engine]") {
  testing::TempDir dir;
  const std::string path = dir.File("t.saiki");
  // Two dog leaves, brands apart: A and B sell food, C toys only.
  std::string csv = "id,title,brand,category,price\n";
  for (int i = 0; i < 12; ++i) {
    const bool food = i % 2 == 0;
    csv += "p" + std::to_string(i) + ",犬用 " + (food ? "フード " : "おもちゃ ") +
           std::to_string(i) + "," + (food ? (i % 4 == 0 ? "ブランドA" : "ブランドB") : "ブランドC") +
           ",ペット用品>犬用品>" + (food ? "フード" : "おもちゃ") + "," +
           std::to_string(500 + 100 * i) + "\n";
  }
  testing::WriteFile(dir.File("c.csv"), csv);
  auto opened = Database::Open(path);
  REQUIRE(opened.ok());
  Database* db = opened->get();
  REQUIRE(db->ImportCsv(dir.File("c.csv"), ImportOptions{}).ok());

  SearchRequest req;
  req.query = "犬";
  req.user = "alice";
  req.k = 10;
  req.explain = true;
  auto page = db->Search(req);
  REQUIRE(page.ok());
  REQUIRE(page->hits.size() == 10);
  // alice clicks the first result only: its leaf is the page's clicked leaf.
  const std::string leaf = page->hits[0].category;
  std::set<std::string> brands_in_leaf, brands_elsewhere;
  for (const auto& h : page->hits) {
    (h.category == leaf ? brands_in_leaf : brands_elsewhere).insert(h.brand);
  }
  std::string outside;  // a brand the page showed only outside the clicked leaf
  for (const auto& b : brands_elsewhere) {
    if (!brands_in_leaf.count(b)) outside = b;
  }
  REQUIRE_FALSE(outside.empty());
  std::set<std::string> passed_outside;  // its products on the page
  for (const auto& h : page->hits) {
    if (h.brand == outside) passed_outside.insert(h.id);
  }
  REQUIRE(db->RecordClick(*page->query_id, page->hits[0].id, ClickKind::kClick).ok());

  // Within the open session the clicked leaf is the visit's: ln(1 + 1).
  auto during = db->Search(req);
  REQUIRE(during.ok());
  bool saw_leaf = false, saw_other = false;
  for (const auto& h : during->hits) {
    const double v = FeatureOf(h, "user_visit_leaf");
    if (h.category == leaf) {
      CHECK(v == Approx(std::log(2.0)).margin(1e-6));
      saw_leaf = true;
    } else {
      CHECK(v == 0.0);
      saw_other = true;
    }
  }
  CHECK(saw_leaf);
  CHECK(saw_other);
  REQUIRE(db->EndSession("alice").ok());

  // After the session: the passed-over leaves learned a negative weight, the
  // brand seen only there none; and a new session has no visit clicks yet.
  auto after = db->Search(req);
  REQUIRE(after.ok());
  bool saw_outside = false;
  for (const auto& h : after->hits) {
    CHECK(FeatureOf(h, "user_visit_leaf") == 0.0);
    if (h.brand == outside) CHECK(FeatureOf(h, "user_brand_affinity") == 0.0);
    if (passed_outside.count(h.id)) {
      CHECK(FeatureOf(h, "user_leaf_affinity") < 0);
      saw_outside = true;
    }
  }
  CHECK(saw_outside);
}

}  // namespace
}  // namespace saiki
