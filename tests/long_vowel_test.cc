// The long-vowel rule through the whole stack (CSV import, the index in
// SQLite, Search): a query word that keeps its final ー (レザー, 3 characters)
// finds a longer document word that lost it (フェイクレザー is indexed as
// フェイクレザ), and サーバー / サーバ still find each other.
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

std::set<std::string> IdSet(Database* db, const std::string& query) {
  SearchRequest req;
  req.query = query;
  req.k = 100;
  auto res = db->Search(req);
  INFO(query << ": " << res.status().ToString());
  REQUIRE(res.ok());
  std::set<std::string> ids;
  for (const auto& h : res->hits) ids.insert(h.id);
  return ids;
}

TEST_CASE("レザー finds フェイクレザー; サーバー and サーバ meet (engine)", "[engine][analyzer]") {
  testing::TempDir dir;
  auto opened = Database::Open(dir.path() + "/lv.saiki");
  REQUIRE(opened.ok());
  std::unique_ptr<Database> db = std::move(opened).value();
  std::istringstream csv(
      "id,title,description,brand,category,price\n"
      "p1,フェイクレザー 長財布,,,,1000\n"
      "p2,本革レザー トートバッグ,,,,2000\n"
      "p3,ラック用 サーバー 1U,,,,3000\n"
      "p4,サーバ 用メモリ,,,,4000\n"
      "p5,マイカー 用品,,,,500\n"
      "p6,カード ケース,,,,600\n"
      "p7,フェイクレザ ポーチ,,,,700\n");
  auto report = db->ImportCsv(csv, "lv.csv", ImportOptions{});
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  REQUIRE(report->inserted == 7);

  using Ids = std::set<std::string>;
  CHECK(IdSet(db.get(), "レザー") == Ids{"p1", "p2"});
  CHECK(IdSet(db.get(), "ﾚｻﾞｰ") == Ids{"p1", "p2"});
  CHECK(IdSet(db.get(), "レザ") == Ids{"p1", "p2", "p7"});
  CHECK(IdSet(db.get(), "フェイクレザー") == Ids{"p1", "p7"});  // shortened like the documents
  CHECK(IdSet(db.get(), "サーバー") == Ids{"p3", "p4"});
  CHECK(IdSet(db.get(), "サーバ") == Ids{"p3", "p4"});
  CHECK(IdSet(db.get(), "カー") == Ids{"p5", "p6"});  // マイカー, and カード holds カー
  CHECK(IdSet(db.get(), "レザー 長財布") == Ids{"p1"});

  auto check = db->Check();
  REQUIRE(check.ok());
  CHECK(check->problem_count == 0);
}

}  // namespace
}  // namespace saiki
