// Regression tests for what fuzzing (fuzz/) found: each input is committed
// under tests/data/fuzz/ and replayed here through the code that failed.
//
//   docs_huge_docid.bin      a docs blob (segments.docs) holding docid
//                            0xFFFFFFF0. fuzz_postings found it
//                            (fuzz/crashes/fuzz_postings): DecodeDocs accepts
//                            it and DocTable::Add resizes its per-docid arrays
//                            to 2^32 entries (~280 GB), so opening a database
//                            with such a corrupt segment dies (std::bad_alloc
//                            out of Database::Open, or ASan's out-of-memory
//                            abort) instead of failing with kCorruption.
//   postings_docid_wrap.bin  a posting list whose second docid delta wraps
//                            around 2^32 (docs 10 then 9) and still ends on
//                            the directory's last docid: the cursor accepts
//                            it and goes backwards instead of reporting
//                            corruption (hand-made from the fuzz target's
//                            invariant; fuzz/crashes/fuzz_postings).
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <vector>

#include "index/doc_table.h"
#include "index/postings.h"
#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::ReadFile;
using testing::SourcePath;
using testing::TempDir;

std::string FuzzInput(const std::string& name) {
  std::string bytes = ReadFile(SourcePath("tests/data/fuzz/" + name));
  REQUIRE(!bytes.empty());
  return bytes;
}

TEST_CASE("a segment whose docs blob holds a huge docid is corruption, not a crash",
          "[fuzz]") {
  const std::string blob = FuzzInput("docs_huge_docid.bin");
  // The blob decodes (its docid is below kEndDoc)...
  std::vector<uint32_t> docids;
  Status decoded = index::DecodeDocs(blob, [&](const index::DocInfo& d) {
    docids.push_back(d.docid);
  });
  REQUIRE(decoded.ok());
  REQUIRE(docids == std::vector<uint32_t>{0xFFFFFFF0u});

  // ...and a database holding it in place of a real segment must be refused
  // as corrupt when opened.
  TempDir dir;
  const std::string path = dir.File("corrupt.saiki");
  {
    auto db = Database::Open(path);
    REQUIRE(db.ok());
    std::istringstream csv("id,title\np1,犬用 ベッド\n");
    REQUIRE((*db)->ImportCsv(csv, "one.csv", ImportOptions()).ok());
  }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "UPDATE segments SET docs = ?1", -1, &st, nullptr) == SQLITE_OK);
  sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  sqlite3_finalize(st);
  REQUIRE(sqlite3_changes(raw) == 1);
  sqlite3_close(raw);

  Result<std::unique_ptr<Database>> db = Status::Internal("not opened");
  REQUIRE_NOTHROW(db = Database::Open(path));
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().code() == StatusCode::kCorruption);
}

TEST_CASE("a posting list whose docids wrap around 2^32 is corruption", "[fuzz]") {
  auto list = index::PostingList::Parse(FuzzInput("postings_docid_wrap.bin"));
  if (!list.ok()) {
    CHECK(list.status().code() == StatusCode::kCorruption);
    return;
  }
  index::TermCursor cursor({&*list});
  std::vector<uint32_t> docs;
  for (; cursor.doc() != index::kEndDoc && docs.size() < 10; cursor.Next()) {
    docs.push_back(cursor.doc());
  }
  INFO("docs visited: " << docs.size() << (docs.size() == 2 ? " (10, 9)" : ""));
  bool increasing = true;
  for (size_t i = 1; i < docs.size(); ++i) increasing &= docs[i] > docs[i - 1];
  // Either the cursor reports the corruption, or it never goes backwards.
  CHECK((!cursor.status().ok() || increasing));
  CHECK(!cursor.status().ok());
}

}  // namespace
}  // namespace saiki
