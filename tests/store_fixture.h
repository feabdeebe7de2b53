// What the store tests share: a fresh saiki database in a temporary
// directory (schema prepared, nothing else), and helpers that fail the test
// with the status when a store call fails.
#ifndef SAIKI_TESTS_STORE_FIXTURE_H_
#define SAIKI_TESTS_STORE_FIXTURE_H_

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <utility>

#include "storage/schema.h"
#include "storage/sqlite.h"
#include "tests/test_util.h"

namespace saiki::testing {

// Opens (creating) `path` with the current schema.
inline std::unique_ptr<storage::Connection> OpenStoreDb(const std::string& path) {
  auto conn = storage::Connection::Open(path, storage::ConnectionOptions{});
  INFO(conn.status().ToString());
  REQUIRE(conn.ok());
  Status schema = storage::PrepareSchema(conn->get(), /*read_only=*/false);
  INFO(schema.ToString());
  REQUIRE(schema.ok());
  return std::move(conn).value();
}

struct StoreDb {
  TempDir dir;
  std::unique_ptr<storage::Connection> conn = OpenStoreDb(dir.File("store.saiki"));

  // Begins a write transaction, failing the test if it cannot.
  std::unique_ptr<storage::WriteTransaction> Begin() {
    auto txn = storage::WriteTransaction::Begin(conn.get());
    INFO(txn.status().ToString());
    REQUIRE(txn.ok());
    return std::move(txn).value();
  }
};

// The value of `r`, failing the test (with the status) when it is an error.
template <typename T>
T Must(Result<T> r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}
inline void Must(const Status& s) {
  INFO(s.ToString());
  REQUIRE(s.ok());
}

}  // namespace saiki::testing

#endif  // SAIKI_TESTS_STORE_FIXTURE_H_
