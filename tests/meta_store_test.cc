// The file-wide store (storage/meta_store.h) and the transaction rules the
// stores rely on (storage/sqlite.h): generation counters, data_version,
// integrity check, a write transaction refused inside another, and the
// rollback-journal scope of a first import.
#include "storage/meta_store.h"

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "tests/store_fixture.h"

namespace saiki::storage {
namespace {

using testing::Must;
using testing::OpenStoreDb;
using testing::StoreDb;

TEST_CASE("generation counters start at zero and a bump moves only its own", "[storage]") {
  StoreDb db;
  MetaStore store(db.conn.get());
  GenerationCounters g = Must(store.ReadGenerations());
  CHECK(g.catalog == 0);
  CHECK(g.config == 0);
  CHECK(g.models == 0);
  auto txn = db.Begin();
  Must(store.BumpGeneration(txn->token(), GenerationCounter::kConfig));
  Must(store.BumpGeneration(txn->token(), GenerationCounter::kConfig));
  Must(store.BumpGeneration(txn->token(), GenerationCounter::kModels));
  Must(txn->Commit());
  g = Must(store.ReadGenerations());
  CHECK(g.catalog == 0);
  CHECK(g.config == 2);
  CHECK(g.models == 1);
}

TEST_CASE("a bump that does not commit leaves the counter as it was", "[storage]") {
  StoreDb db;
  MetaStore store(db.conn.get());
  {
    auto txn = db.Begin();
    Must(store.BumpGeneration(txn->token(), GenerationCounter::kCatalog));
  }
  CHECK(Must(store.ReadGenerations()).catalog == 0);
}

TEST_CASE("data_version moves when another connection commits, not for our own commits",
          "[storage]") {
  StoreDb db;
  MetaStore store(db.conn.get());
  const int64_t before = Must(store.DataVersion());
  {
    auto txn = db.Begin();
    Must(store.BumpGeneration(txn->token(), GenerationCounter::kCatalog));
    Must(txn->Commit());
  }
  CHECK(Must(store.DataVersion()) == before);
  auto other = OpenStoreDb(db.dir.File("store.saiki"));
  MetaStore other_store(other.get());
  {
    auto txn = Must(WriteTransaction::Begin(other.get()));
    Must(other_store.BumpGeneration(txn->token(), GenerationCounter::kCatalog));
    Must(txn->Commit());
  }
  CHECK(Must(store.DataVersion()) != before);
  CHECK(Must(store.ReadGenerations()).catalog == 2);
}

TEST_CASE("the integrity check of a sound file reports no problem", "[storage]") {
  StoreDb db;
  MetaStore store(db.conn.get());
  CHECK(Must(store.IntegrityProblems()).empty());
}

TEST_CASE("a generation bump given another connection's token is refused as internal",
          "[storage]") {
  StoreDb db;
  StoreDb other;
  MetaStore store(db.conn.get());
  auto txn = other.Begin();
  Status s = store.BumpGeneration(txn->token(), GenerationCounter::kModels);
  CHECK(s.code() == StatusCode::kInternal);
  CHECK(Must(store.ReadGenerations()).models == 0);
}

TEST_CASE("a write transaction begun inside another is refused as internal, saying why",
          "[storage]") {
  StoreDb db;
  auto outer = db.Begin();
  auto inner = WriteTransaction::Begin(db.conn.get());
  REQUIRE_FALSE(inner.ok());
  CHECK(inner.status().code() == StatusCode::kInternal);
  CHECK_THAT(inner.status().message(),
             Catch::Contains("store.saiki") && Catch::Contains("inside another transaction"));
  // The outer transaction is still open and still commits.
  CHECK(db.conn->InTransaction());
  Must(outer->Commit());
  CHECK_FALSE(db.conn->InTransaction());
}

TEST_CASE("a write transaction begun inside a read snapshot is refused as internal", "[storage]") {
  StoreDb db;
  ReadTransaction snapshot(db.conn.get());
  Must(snapshot.Begin());
  auto txn = WriteTransaction::Begin(db.conn.get());
  REQUIRE_FALSE(txn.ok());
  CHECK(txn.status().code() == StatusCode::kInternal);
  Must(snapshot.End());
  Must(WriteTransaction::Begin(db.conn.get()).status());
}

std::string JournalMode(Connection* conn) {
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(conn->raw(), "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  std::string mode = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return mode;
}

TEST_CASE("a rollback-journal scope writes past the WAL and puts the file back in WAL mode",
          "[storage]") {
  StoreDb db;
  const std::string path = db.dir.File("store.saiki");
  MetaStore store(db.conn.get());
  REQUIRE(JournalMode(db.conn.get()) == "wal");
  {
    RollbackJournalScope scope(db.conn.get());
    REQUIRE(scope.active());
    CHECK(JournalMode(db.conn.get()) == "delete");
    auto txn = db.Begin();
    Must(store.BumpGeneration(txn->token(), GenerationCounter::kCatalog));
    Must(txn->Commit());
    // Committed into the file itself: there is no WAL to hold it.
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
    CHECK_FALSE(std::filesystem::exists(path + "-journal"));
  }
  CHECK(JournalMode(db.conn.get()) == "wal");
  auto other = OpenStoreDb(path);
  CHECK(Must(MetaStore(other.get()).ReadGenerations()).catalog == 1);
}

TEST_CASE("a rollback-journal scope rolls back what it did not commit", "[storage]") {
  StoreDb db;
  MetaStore store(db.conn.get());
  {
    RollbackJournalScope scope(db.conn.get());
    REQUIRE(scope.active());
    auto txn = db.Begin();
    Must(store.BumpGeneration(txn->token(), GenerationCounter::kCatalog));
  }
  CHECK(JournalMode(db.conn.get()) == "wal");
  CHECK(Must(store.ReadGenerations()).catalog == 0);
}

TEST_CASE("a rollback-journal scope changes nothing while another connection has the file open",
          "[storage]") {
  StoreDb db;
  auto other = OpenStoreDb(db.dir.File("store.saiki"));
  RollbackJournalScope scope(db.conn.get());
  CHECK_FALSE(scope.active());
  CHECK(JournalMode(db.conn.get()) == "wal");
  // Both connections still write, in WAL mode.
  auto txn = db.Begin();
  Must(MetaStore(db.conn.get()).BumpGeneration(txn->token(), GenerationCounter::kConfig));
  Must(txn->Commit());
  CHECK(Must(MetaStore(other.get()).ReadGenerations()).config == 1);
}

TEST_CASE("a rollback-journal scope inside a transaction changes nothing", "[storage]") {
  StoreDb db;
  auto txn = db.Begin();
  RollbackJournalScope scope(db.conn.get());
  CHECK_FALSE(scope.active());
  Must(txn->Commit());
  CHECK(JournalMode(db.conn.get()) == "wal");
}

}  // namespace
}  // namespace saiki::storage
