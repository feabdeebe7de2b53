// The file-wide store (storage/meta_store.h) and the transaction rules the
// stores rely on (storage/sqlite.h): generation counters, data_version,
// integrity check, and a write transaction refused inside another.
#include "storage/meta_store.h"

#include <catch2/catch.hpp>

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

}  // namespace
}  // namespace saiki::storage
