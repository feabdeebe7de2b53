// Databases written by an older saiki keep working: opening one whose posting
// lists are in format 1 upgrades them in one transaction, and re-indexes it
// (it predates readings: docs/FORMAT.md "analysis_version"), after which it
// answers exactly as a database built now from the same files.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::CopyDb;
using testing::FileDigest;
using testing::SourcePath;
using testing::TempDir;

const char* const kFixture = "tests/data/format1/format1.db";

int64_t PostingsFormat(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'postings_format'", -1, &st,
                             nullptr) == SQLITE_OK);
  int64_t format = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return format;
}

// Ids, scores and totals of a query, BM25F and re-ranked alike.
std::string Answer(Database* db, const std::string& query) {
  SearchRequest req;
  req.query = query;
  req.k = 100;
  req.explain = true;
  auto r = db->Search(req);
  INFO(query << ": " << r.status().ToString());
  REQUIRE(r.ok());
  if (std::string(query) != "zzzz") CHECK(r->total > 0);  // the queries are about the fixture
  std::string out = std::to_string(r->total) + (r->partial ? " partial" : "") + ":";
  for (const auto& h : r->hits) out += " " + h.id + "=" + std::to_string(h.score);
  return out;
}

TEST_CASE("a format 1 database is upgraded on open and answers as one built now",
          "[upgrade]") {
  TempDir dir;
  const std::string old_path = dir.File("old.db");
  CopyDb(SourcePath(kFixture), old_path);
  REQUIRE(PostingsFormat(old_path) == 1);

  auto fresh = Database::Open(dir.File("fresh.db"));
  REQUIRE(fresh.ok());
  for (const char* csv : {"a.csv", "b.csv"}) {
    auto r = (*fresh)->ImportCsv(SourcePath(std::string("tests/data/format1/") + csv), ImportOptions{});
    REQUIRE(r.ok());
  }
  REQUIRE((*fresh)->DeleteProducts({"P0000010"}).ok());
  // A format 1 file predates readings too (analysis version 1): opening it
  // re-indexes every product into one segment with no tombstone, which is
  // what a fresh file is after an optimize.
  REQUIRE((*fresh)->Optimize().ok());

  auto old = Database::Open(old_path);
  INFO(old.status().ToString());
  REQUIRE(old.ok());
  CHECK(PostingsFormat(old_path) == 2);
  auto check = (*old)->Check();
  REQUIRE(check.ok());
  INFO((check->problems.empty() ? std::string() : check->problems.front()));
  CHECK(check->ok);
  CHECK(check->segments == 1);

  // Single kanji, kana words, phrases across fields, Latin, numbers, filters,
  // exclusions, the whole-word bonus (dictionary words), updated titles.
  // Single kanji, kana and kanji words (bigram phrases need positions),
  // quoted phrases, Latin, numbers next to kanji, model numbers, filters,
  // exclusions, the whole-word bonus (dictionary words), updated titles.
  for (const char* q : {"犬", "犬用", "ラグジュアリー", "\"シニア犬\"", "鹿児島県産", "\"北欧デザイン\"",
                        "パーカー風", "防水 冷感", "20%", "3月発売", "600ml", "HappyTail", "of-1700",
                        "改訂", "-犬 プレミアム", "price:1000..5000 犬", "brand:HappyTail",
                        "category:ペット用品", "ギフト", "zzzz"}) {
    CHECK(Answer(old->get(), q) == Answer(fresh->get(), q));
  }
  // Merging the upgraded segments (purging the deleted products) keeps the answers.
  REQUIRE((*old)->Optimize().ok());
  REQUIRE((*fresh)->Optimize().ok());
  for (const char* q : {"犬", "\"シニア犬\"", "改訂", "3月発売", "ギフト"}) {
    CHECK(Answer(old->get(), q) == Answer(fresh->get(), q));
  }
}

TEST_CASE("a read-only open of a format 1 database is refused and leaves it as it was",
          "[upgrade]") {
  TempDir dir;
  const std::string path = dir.File("old.db");
  CopyDb(SourcePath(kFixture), path);
  const std::string before = FileDigest(path);
  OpenOptions ro;
  ro.read_only = true;
  auto db = Database::Open(path, ro);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == StatusCode::kNotSupported);
  // The fixture is of schema version 2 as well: the schema is checked first.
  CHECK_THAT(db.status().message(), Catch::Contains("which a read-only open cannot do"));
  CHECK(FileDigest(path) == before);
  CHECK(PostingsFormat(path) == 1);
}

}  // namespace
}  // namespace saiki
