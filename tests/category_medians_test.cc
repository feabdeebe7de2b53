// The category medians (the re-ranker's price_vs_category and taste tiers)
// are stored in the file by every write that changes the catalogue, in its
// transaction, stamped with the catalogue's generation, and read at open
// instead of computed over every product. Checked against an oracle that
// decodes the docs blobs straight from SQLite and computes the medians;
// an older file (no medians, or medians of an older catalogue) still opens
// and ranks with the medians its docs give.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <random>
#include <sstream>

#include "index/doc_table.h"
#include "ranker/features.h"
#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::CopyDb;
using testing::FileDigest;
using testing::TempDir;

std::unique_ptr<Database> OpenOrDie(const std::string& path, bool read_only = false) {
  OpenOptions o;
  o.read_only = read_only;
  auto db = Database::Open(path, o);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

void Import(Database* db, const std::string& csv, bool replace = false) {
  std::istringstream in(csv);
  ImportOptions o;
  o.replace = replace;
  auto r = db->ImportCsv(in, "test.csv", o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
}

// Products P<i> over 4 x 3 leaf categories (and some with only a top level,
// or none, or no price), prices drawn from `seed`: upper medians that move
// when prices change.
std::string Catalogue(int n, unsigned seed, int offset = 0) {
  std::mt19937 rng(seed);
  static const char* kTop[] = {"犬用品", "猫用品", "食品", "家電"};
  static const char* kLeaf[] = {"フード", "ベッド", "おもちゃ"};
  std::string csv = "id,title,description,brand,category,price,rating,review_count,tags\n";
  for (int i = offset; i < offset + n; ++i) {
    const char* top = kTop[rng() % 4];
    const char* leaf = kLeaf[rng() % 3];
    std::string category = std::string(top) + ">" + leaf;
    if (i % 17 == 0) category = top;
    if (i % 23 == 0) category.clear();
    std::string price = std::to_string(100 + rng() % 5000);
    if (i % 19 == 0) price.clear();
    csv += "P" + std::to_string(i) + ",犬 " + leaf + " " + std::to_string(i) + ",説明,ブランド" +
           std::to_string(i % 5) + "," + category + "," + price + ",4.0,10,\n";
  }
  return csv;
}

// Runs `fn(stmt)` over the rows of `sql` in the file at `path` (read-only).
template <typename Fn>
void Query(const std::string& path, const char* sql, Fn fn) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) fn(st);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

void Exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO(sql << ": " << (err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

int64_t GenCatalog(const std::string& path) {
  int64_t gen = -1;
  Query(path, "SELECT value FROM meta WHERE key = 'gen_catalog'",
        [&](sqlite3_stmt* st) { gen = sqlite3_column_int64(st, 0); });
  return gen;
}

// meta.category_medians, or "" when there is none.
std::string StoredBlob(const std::string& path) {
  std::string blob;
  Query(path, "SELECT value FROM meta WHERE key = 'category_medians'", [&](sqlite3_stmt* st) {
    blob.assign(static_cast<const char*>(sqlite3_column_blob(st, 0)),
                static_cast<size_t>(sqlite3_column_bytes(st, 0)));
  });
  return blob;
}

void PutBlob(const std::string& path, const std::string& blob) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "INSERT INTO meta(key, value) VALUES ('category_medians', ?1) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                             -1, &st, nullptr) == SQLITE_OK);
  sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  const int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_DONE);
}

struct Stored {
  int64_t generation = -1;
  ranker::CategoryMedians medians;
};

Stored StoredMedians(const std::string& path) {
  const std::string blob = StoredBlob(path);
  REQUIRE(!blob.empty());
  Stored s;
  Status st = ranker::DecodeCategoryMedians(blob, &s.generation, &s.medians);
  INFO(st.ToString());
  REQUIRE(st.ok());
  return s;
}

// The oracle: the live documents decoded from the segments' blobs, less the
// tombstones, and their medians computed.
ranker::CategoryMedians ComputedMedians(const std::string& path) {
  index::DocTable docs;
  std::vector<std::pair<int64_t, std::string>> blobs;
  Query(path, "SELECT seg, docs FROM segments ORDER BY seg", [&](sqlite3_stmt* st) {
    blobs.emplace_back(sqlite3_column_int64(st, 0),
                       std::string(static_cast<const char*>(sqlite3_column_blob(st, 1)),
                                   static_cast<size_t>(sqlite3_column_bytes(st, 1))));
  });
  for (const auto& [seg, blob] : blobs) {
    // Format 4's cold rows are in table doc_cold, a row per chunk.
    std::vector<std::string> chunks;
    const std::string sql =
        "SELECT data FROM doc_cold WHERE id >> 32 = " + std::to_string(seg) + " ORDER BY id";
    Query(path, sql.c_str(), [&](sqlite3_stmt* st) {
      chunks.emplace_back(static_cast<const char*>(sqlite3_column_blob(st, 0)),
                          static_cast<size_t>(sqlite3_column_bytes(st, 0)));
    });
    auto scan = [&](const index::ColdChunkVisitor& visit) -> Status {
      for (size_t c = 0; c < chunks.size(); ++c) SAIKI_RETURN_IF_ERROR(visit(c, chunks[c]));
      return Status::Ok();
    };
    REQUIRE(index::DecodeDocs(blob, [&](const index::DocInfo& d) { docs.Add(d); }, scan).ok());
  }
  Query(path, "SELECT docid FROM tombstones", [&](sqlite3_stmt* st) {
    docs.Remove(static_cast<uint32_t>(sqlite3_column_int64(st, 0)));
  });
  return ranker::ComputeCategoryMedians(docs);
}

// The stored medians are the current catalogue's and equal the oracle's.
void CheckStored(const std::string& path) {
  Stored s = StoredMedians(path);
  CHECK(s.generation == GenCatalog(path));
  CHECK(s.medians == ComputedMedians(path));
}

// price_vs_category of every hit of 犬 (re-ranked by the default ranker),
// by product id.
std::map<std::string, double> PriceVsCategory(Database* db) {
  SearchRequest req;
  req.query = "犬";
  req.k = 1000;
  req.explain = true;
  auto r = db->Search(req);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  std::map<std::string, double> out;
  for (const auto& h : r->hits) {
    for (const auto& f : h.features) {
      if (f.feature == "price_vs_category") out[h.id] = f.value;
    }
  }
  REQUIRE(out.size() == r->hits.size());
  return out;
}

TEST_CASE("category medians round trip through their blob, and bad blobs are corruption",
          "[medians]") {
  ranker::CategoryMedians m = {{7, 1980.0f}, {3, 0.5f}, {0xFFFFFFFFu, -2.0f}};
  const std::string blob = ranker::EncodeCategoryMedians(42, m);
  CHECK(blob.size() == 1 + 8 + 4 + 3 * 8);
  int64_t gen = 0;
  ranker::CategoryMedians back;
  REQUIRE(ranker::DecodeCategoryMedians(blob, &gen, &back).ok());
  CHECK(gen == 42);
  CHECK(back == m);
  CHECK(ranker::EncodeCategoryMedians(42, back) == blob);  // deterministic

  ranker::CategoryMedians none;
  REQUIRE(ranker::DecodeCategoryMedians(ranker::EncodeCategoryMedians(0, none), &gen, &back).ok());
  CHECK(back.empty());

  auto corrupt = [&](const std::string& bad, const std::string& says) {
    Status s = ranker::DecodeCategoryMedians(bad, &gen, &back);
    INFO(s.ToString());
    CHECK(s.code() == StatusCode::kCorruption);
    CHECK(s.message().find("category medians: " + says) != std::string::npos);
    CHECK(back.empty());
  };
  corrupt("", "empty");
  corrupt(std::string(1, '\x02') + blob.substr(1), "unknown format 2");
  corrupt(blob.substr(0, 10), "truncated header");
  corrupt(blob.substr(0, blob.size() - 1), std::to_string(blob.size() - 1) + " bytes for 3");
  corrupt(blob + "x", std::to_string(blob.size() + 1) + " bytes for 3");
  std::string swapped = blob;  // entries 1 and 2 swapped: leaves out of order
  std::swap_ranges(swapped.begin() + 13, swapped.begin() + 21, swapped.begin() + 21);
  corrupt(swapped, "entry 2 of 3: leaf 3 is out of order");
  corrupt(ranker::EncodeCategoryMedians(1, {{0, 1.0f}}), "entry 1 of 1: leaf 0 is 0");
  corrupt(ranker::EncodeCategoryMedians(1, {{5, std::nanf("")}}),
          "entry 1 of 1: the median of leaf 5 is NaN");
}

TEST_CASE("every catalogue write stores the medians its docs give, stamped with its generation",
          "[medians]") {
  TempDir dir;
  const std::string path = dir.File("m.saiki");
  auto db = OpenOrDie(path);
  Import(db.get(), Catalogue(400, 1));
  CheckStored(path);
  const ranker::CategoryMedians first = StoredMedians(path).medians;
  CHECK(first.size() >= 12);

  // Upserts with new prices (and new products) in a second segment.
  Import(db.get(), Catalogue(300, 2, 200));
  CheckStored(path);
  CHECK(StoredMedians(path).medians != first);

  const ranker::CategoryMedians before_delete = StoredMedians(path).medians;
  std::vector<std::string> ids;
  for (int i = 0; i < 500; i += 2) ids.push_back("P" + std::to_string(i));
  auto deleted = db->DeleteProducts(ids);
  REQUIRE(deleted.ok());
  CHECK(*deleted == ids.size());
  CheckStored(path);
  CHECK(StoredMedians(path).medians != before_delete);

  Import(db.get(), Catalogue(150, 3), /*replace=*/true);
  CheckStored(path);
  REQUIRE(db->Optimize().ok());
  CheckStored(path);

  auto check = db->Check();
  REQUIRE(check.ok());
  INFO((check->problems.empty() ? std::string() : check->problems.front()));
  CHECK(check->ok);
}

TEST_CASE("an open reads the stored medians instead of computing them", "[medians]") {
  TempDir dir;
  const std::string path = dir.File("m.saiki");
  std::map<std::string, double> ranked;
  {
    auto db = OpenOrDie(path);
    Import(db.get(), Catalogue(300, 4));
    ranked = PriceVsCategory(db.get());
  }
  const std::string digest = FileDigest(path);
  {
    auto db = OpenOrDie(path);  // read-write: nothing to store
    CHECK(PriceVsCategory(db.get()) == ranked);
  }
  CHECK(FileDigest(path) == digest);

  // Medians stored for this generation but different from the docs' (as
  // no saiki writes them): the open uses them, and Check finds them wrong.
  Stored s = StoredMedians(path);
  ranker::CategoryMedians doubled = s.medians;
  for (auto& [leaf, median] : doubled) median *= 2;
  PutBlob(path, ranker::EncodeCategoryMedians(s.generation, doubled));
  auto db = OpenOrDie(path, /*read_only=*/true);
  auto tampered = PriceVsCategory(db.get());
  REQUIRE(tampered.size() == ranked.size());
  int moved = 0;
  for (const auto& [id, value] : ranked) moved += tampered[id] != value;
  CHECK(moved > 0);
  auto check = db->Check();
  REQUIRE(check.ok());
  CHECK_FALSE(check->ok);
  REQUIRE(!check->problems.empty());
  CHECK(check->problems.front().find("category medians: leaf") != std::string::npos);
}

TEST_CASE("a file without stored medians opens as before, and a read-write open stores them",
          "[medians]") {
  TempDir dir;
  const std::string path = dir.File("m.saiki");
  std::map<std::string, double> ranked;
  {
    auto db = OpenOrDie(path);
    Import(db.get(), Catalogue(300, 5));
    ranked = PriceVsCategory(db.get());
  }
  // As a saiki from before the medians left it.
  Exec(path, "DELETE FROM meta WHERE key = 'category_medians'");
  const std::string digest = FileDigest(path);
  {
    auto db = OpenOrDie(path, /*read_only=*/true);
    CHECK(PriceVsCategory(db.get()) == ranked);
    auto check = db->Check();
    REQUIRE(check.ok());
    CHECK(check->ok);
  }
  CHECK(FileDigest(path) == digest);
  CHECK(StoredBlob(path).empty());
  {
    auto db = OpenOrDie(path);
    CHECK(PriceVsCategory(db.get()) == ranked);
  }
  CheckStored(path);
}

TEST_CASE("a read-write open does not wait for another process's write lock to store the medians",
          "[medians]") {
  TempDir dir;
  const std::string path = dir.File("m.saiki");
  std::map<std::string, double> ranked;
  {
    auto db = OpenOrDie(path);
    Import(db.get(), Catalogue(200, 9));
    ranked = PriceVsCategory(db.get());
  }
  Exec(path, "DELETE FROM meta WHERE key = 'category_medians'");
  // Another connection holds the write lock for the whole open; with a busy
  // timeout of 10 minutes, an open that waited for it would hang the test.
  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &writer) == SQLITE_OK);
  REQUIRE(sqlite3_exec(writer, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  {
    OpenOptions o;
    o.busy_timeout_ms = 600000;
    auto db = Database::Open(path, o);
    INFO(db.status().ToString());
    REQUIRE(db.ok());
    CHECK(PriceVsCategory((*db).get()) == ranked);
  }
  REQUIRE(sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(writer);
  CHECK(StoredBlob(path).empty());
  OpenOrDie(path).reset();  // no one writing now: stored
  CheckStored(path);
}

TEST_CASE("medians stored for an older catalogue are not used", "[medians]") {
  TempDir dir;
  const std::string path = dir.File("m.saiki");
  auto db = OpenOrDie(path);
  Import(db.get(), Catalogue(300, 6));
  const std::string old_blob = StoredBlob(path);
  const int64_t old_gen = GenCatalog(path);
  Import(db.get(), Catalogue(200, 7, 100));
  const auto ranked = PriceVsCategory(db.get());
  db.reset();
  // As an older saiki's write leaves them: the catalogue (and gen_catalog)
  // moved on, the medians stayed those of the earlier catalogue.
  PutBlob(path, old_blob);
  REQUIRE(StoredMedians(path).generation == old_gen);
  REQUIRE(StoredMedians(path).medians != ComputedMedians(path));
  {
    auto ro = OpenOrDie(path, /*read_only=*/true);
    CHECK(PriceVsCategory(ro.get()) == ranked);
    auto check = ro->Check();
    REQUIRE(check.ok());
    CHECK(check->ok);  // stale medians are not this catalogue's: nothing to compare
  }
  {
    auto rw = OpenOrDie(path);
    CHECK(PriceVsCategory(rw.get()) == ranked);
  }
  CheckStored(path);
}

TEST_CASE("a corrupt medians blob is refused at open, naming it", "[medians]") {
  TempDir dir;
  const std::string path = dir.File("m.saiki");
  {
    auto db = OpenOrDie(path);
    Import(db.get(), Catalogue(50, 8));
  }
  std::string blob = StoredBlob(path);
  PutBlob(path, blob.substr(0, blob.size() - 3));
  auto db = Database::Open(path);
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == StatusCode::kCorruption);
  CHECK(db.status().message().find("meta.category_medians") != std::string::npos);
  CHECK(db.status().message().find("category medians: ") != std::string::npos);
}

}  // namespace
}  // namespace saiki
