// Regression tests for what fuzzing (fuzz/) found: each input is committed
// under tests/data/fuzz/ and replayed here through the code that failed.
//
//   postings_oom_docs_blob.bin  fuzz_postings' input (fuzz/crashes/
//                            fuzz_postings/oom-10ef64be...): after its
//                            control byte, a corrupt docs blob (segments.docs)
//                            whose 19th docid is 12,484,426 before it ends
//                            truncated. DocTable::Add (index/doc_table.cc:146)
//                            sizes its per-docid arrays by the largest docid
//                            it is given, before DecodeDocs gets to the
//                            corruption: ~1 GB for 19 documents.
//   docs_huge_docid.bin      the same bug at its worst, made by hand: a
//                            well-formed docs blob with docid 0xFFFFFFF0.
//                            DecodeDocs accepts it and DocTable::Add asks for
//                            2^32 entries (~280 GB): opening a database with
//                            such a segment dies (std::bad_alloc out of
//                            Database::Open, or ASan's out-of-memory abort)
//                            instead of failing with kCorruption.
//   xgb_leaf_1e300.json      tests/data/xgb_small.json with one leaf value of
//                            1e300: finite as a double, so accepted
//                            (ranker/trees.cc:230 checks the double), then
//                            cast to float (inf; out of range, undefined
//                            behaviour): Predict can return inf and Explain
//                            NaN. Found by fuzz_model_loader's invariant on a
//                            hand-made input.
//   xgb_num_feature_nan.json num_feature "nan": the error message converts
//                            it with static_cast<int64_t> (ranker/trees.cc:
//                            141, also :118 for num_class/num_target), which
//                            is undefined behaviour (UBSan:
//                            float-cast-overflow) and prints
//                            -9223372036854775808 on x86.
//   postings_docid_wrap.bin  a posting list whose second docid delta wraps
//                            around 2^32 (docs 10 then 9) and still ends on
//                            the directory's last docid: the cursor accepts
//                            it and goes backwards instead of reporting
//                            corruption (hand-made from the fuzz target's
//                            invariant; fuzz/crashes/fuzz_postings).
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <vector>

#include "index/doc_table.h"
#include "index/postings.h"
#include "ranker/trees.h"
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

// A one-product database whose only segment's docs blob is `blob`.
std::string DatabaseWithDocsBlob(const TempDir& dir, const std::string& blob) {
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
  return path;
}

TEST_CASE("a segment whose docs blob holds a huge docid is corruption, not a crash",
          "[fuzz]") {
  const std::string blob = FuzzInput("docs_huge_docid.bin");
  // Its docid (0xFFFFFFF0) is past the docs table's limit: decoding says so,
  // instead of the table allocating arrays for four billion docids...
  Status decoded = index::DecodeDocs(blob, [&](const index::DocInfo&) {});
  CHECK(decoded.code() == StatusCode::kCorruption);

  // ...and a database holding it in place of a real segment must be refused
  // as corrupt when opened.
  TempDir dir;
  const std::string path = DatabaseWithDocsBlob(dir, blob);

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
