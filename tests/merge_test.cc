// Merging segments through the engine: a merge that purges nothing joins the
// segments' posting lists block by block (index/postings.h,
// ConcatPostingLists); one that purges deleted products re-encodes them.
// Either way every query answers exactly as before the merge.
#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <sstream>

#include <sqlite3.h>

#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

// n products with ids from `first`; titles repeat words so that lists span
// several blocks and every segment holds most terms.
std::string Catalog(int first, int n) {
  const char* words[] = {"犬", "猫", "ドッグフード", "サーバー", "レザー", "ケース", "2.5kg", "sku-12"};
  std::ostringstream csv;
  csv << "id,title,description,brand,category,price\n";
  for (int i = first; i < first + n; ++i) {
    csv << "p" << i << "," << words[i % 8] << " " << words[(i / 8) % 8] << " 商品" << i % 13
        << "," << words[(i * 7) % 8] << ",brand" << i % 5 << ",ペット用品>犬用品,"
        << 100 + i << "\n";
  }
  return csv.str();
}

// The ranked ids with their scores; `with_scores` false: the set of ids.
std::vector<std::string> Ranked(Database* db, const std::string& query, bool with_scores = true) {
  SearchRequest req;
  req.query = query;
  req.k = 1000;
  auto res = db->Search(req);
  INFO(query << ": " << res.status().ToString());
  REQUIRE(res.ok());
  std::vector<std::string> out;
  for (const auto& h : res->hits) out.push_back(with_scores ? h.id + "@" + std::to_string(h.score) : h.id);
  if (!with_scores) {
    // A set only when it is whole; else the number of matches.
    if (res->total > out.size()) return {"total " + std::to_string(res->total)};
    std::sort(out.begin(), out.end());
  }
  return out;
}

// PRAGMA freelist_count of a database file, read through a connection of
// its own (the engine's may hold the file open).
int64_t FreePages(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA freelist_count", -1, &st, nullptr) == SQLITE_OK);
  int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

void Import(Database* db, const std::string& text) {
  std::istringstream in(text);
  auto r = db->ImportCsv(in, "m.csv", ImportOptions{});
  INFO(r.status().ToString());
  REQUIRE(r.ok());
}

TEST_CASE("merging segments keeps every answer, with and without deletions", "[engine][merge]") {
  testing::TempDir dir;
  auto opened = Database::Open(dir.File("m.saiki"));
  REQUIRE(opened.ok());
  std::unique_ptr<Database> db = std::move(opened).value();
  // Three imports: three segments (docids increase from one to the next).
  Import(db.get(), Catalog(0, 700));
  Import(db.get(), Catalog(700, 300));
  Import(db.get(), Catalog(1000, 450));
  REQUIRE(db->GetStats()->segments == 3);
  const std::vector<std::string> queries = {"犬", "ドッグフード", "サーバ", "レザー", "2.5kg",
                                            "sku-12", "猫 ケース", "brand:brand3 犬",
                                            "\"犬 猫\"", "商品7"};
  std::vector<std::vector<std::string>> before;
  for (const auto& q : queries) before.push_back(Ranked(db.get(), q));

  SECTION("nothing deleted: lists are joined") {
    REQUIRE(db->Optimize().ok());
    CHECK(db->GetStats()->segments == 1);
    // The three segments' rows took more pages than the joined ones: a new
    // file (auto_vacuum incremental) gives them back instead of keeping them
    // as free pages.
    CHECK(FreePages(dir.File("m.saiki")) == 0);
    for (size_t i = 0; i < queries.size(); ++i) CHECK(Ranked(db.get(), queries[i]) == before[i]);
  }
  SECTION("products deleted: lists are re-encoded without them") {
    auto deleted = db->DeleteProducts({"p3", "p701", "p1449"});
    REQUIRE(deleted.ok());
    std::vector<std::vector<std::string>> after_delete;
    for (const auto& q : queries) after_delete.push_back(Ranked(db.get(), q, false));
    REQUIRE(db->Optimize().ok());
    CHECK(db->GetStats()->segments == 1);
    // Purged documents change the statistics, so the same products, not
    // the same scores.
    for (size_t i = 0; i < queries.size(); ++i) {
      CHECK(Ranked(db.get(), queries[i], false) == after_delete[i]);
    }
  }
  auto check = db->Check();
  REQUIRE(check.ok());
  CHECK(check->problem_count == 0);
}

TEST_CASE("an import over its memory budget is built in pieces and stored as one segment",
          "[engine][merge]") {
  // A 1 MiB budget holds about 2,000 of these products; at 256 MiB the
  // same file is built in one piece.
  const std::string csv = Catalog(0, 6000);
  testing::TempDir dir;
  auto open = [&](const std::string& name) {
    auto opened = Database::Open(dir.File(name));
    REQUIRE(opened.ok());
    return std::move(opened).value();
  };
  std::unique_ptr<Database> pieces = open("pieces.saiki"), whole = open("whole.saiki");
  ImportOptions small;
  small.memory_budget_mib = 1;
  {
    std::istringstream in(csv);
    auto r = pieces->ImportCsv(in, "m.csv", small);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    CHECK(r->inserted == 6000);
  }
  Import(whole.get(), csv);
  CHECK(pieces->GetStats()->segments == 1);
  CHECK(whole->GetStats()->segments == 1);
  for (const std::string q : {"犬", "ドッグフード", "サーバ", "2.5kg", "sku-12", "猫 ケース",
                              "brand:brand3 犬", "\"犬 猫\"", "商品7", "p5999"}) {
    CHECK(Ranked(pieces.get(), q) == Ranked(whole.get(), q));
  }
  auto check = pieces->Check();
  REQUIRE(check.ok());
  CHECK(check->problem_count == 0);
  // No scratch file is left beside the database.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    files += entry.path().filename().string().find("saiki-import") != std::string::npos;
  }
  CHECK(files == 0);

  ImportOptions bad;
  bad.memory_budget_mib = 0;
  std::istringstream in(csv);
  auto r = pieces->ImportCsv(in, "m.csv", bad);
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().message().find("memory budget") != std::string::npos);
}

}  // namespace
}  // namespace saiki
