// Regression tests for what fuzzing (fuzz/) found: each input is committed
// under tests/data/fuzz/ and replayed here through the code that failed.
//
//   postings_oom_docs_blob.bin  fuzz_postings' input (fuzz/crashes/
//                            fuzz_postings/oom-10ef64be...): after its
//                            control byte, a corrupt docs blob (segments.docs)
//                            whose 19th docid is 12,484,426 before it ends
//                            truncated. DocTable::Add sized its per-docid
//                            arrays by the largest docid it was given, before
//                            DecodeDocs got to the corruption: ~1 GB for 19
//                            documents. Fixed: Reload() decodes with
//                            DecodeSegmentDocs, which checks each blob
//                            against its segment row (docid range, count,
//                            length) and the rows against the largest docid
//                            ever assigned (sqlite_sequence) first. A second
//                            fuzz input (oom-14b8..., mode 0: a posting list
//                            read as a docs blob too) was the same bug.
//   docs_huge_docid.bin      the same bug at its worst, made by hand: a
//                            well-formed docs blob with docid 0xFFFFFFF0.
//                            DecodeDocs accepted it and DocTable::Add asked
//                            for 2^32 entries (~280 GB): opening a database
//                            with such a segment died (std::bad_alloc out of
//                            Database::Open, or ASan's out-of-memory abort)
//                            instead of failing with kCorruption.
//   xgb_leaf_1e300.json      tests/data/xgb_small.json with one leaf value of
//                            1e300: finite as a double, so it was accepted,
//                            then cast to float (inf; out of range, undefined
//                            behaviour): Predict could return inf and Explain
//                            NaN. Found by fuzz_model_loader's invariant on a
//                            hand-made input. Fixed: thresholds and leaf
//                            values must be within float's range.
//   xgb_num_feature_nan.json num_feature "nan": the error message converted
//                            it with static_cast<int64_t> (undefined
//                            behaviour, UBSan float-cast-overflow; printed
//                            -9223372036854775808 on x86), as did num_class
//                            and num_target. Fixed: messages print the JSON
//                            value as written.
//   xgb_hessian_overflow.json  tests/data/xgb_small.json with the first
//                            tree's root cover 1e-300 and its left child's
//                            1e300 (found reviewing the fix above): the
//                            cover-weighted node mean overflowed to inf and
//                            Explain returned NaN. Fixed: covers outside
//                            float's range are unusable, and a node mean
//                            outside it refuses the model.
//   postings_docid_wrap.bin  a posting list whose second docid delta wraps
//                            around 2^32 (docs 10 then 9) and still ends on
//                            the directory's last docid: the cursor accepts
//                            it and goes backwards instead of reporting
//                            corruption (hand-made from the fuzz target's
//                            invariant; fuzz/crashes/fuzz_postings).
#include <sqlite3.h>

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
  // The input is a format 1 list (found when that was the format): reading
  // it now means upgrading it, which must refuse it.
  auto upgraded = index::UpgradePostingList(FuzzInput("postings_docid_wrap.bin"), true);
  REQUIRE_FALSE(upgraded.ok());
  CHECK(upgraded.status().code() == StatusCode::kCorruption);
  // Format 2's version of the case is in postings_test ("packed docid gaps
  // that overflow their block").
}

TEST_CASE("a corrupt docs blob is refused without allocating by its docids", "[fuzz]") {
  const std::string blob = FuzzInput("postings_oom_docs_blob.bin").substr(1);  // control byte
  TempDir dir;
  const std::string path = DatabaseWithDocsBlob(dir, blob);
  // Open in a child, to measure its peak memory alone: the status code and
  // the growth of the peak resident size come back through a pipe.
  testing::ChildProcess child([&](int out) {
    const long before = testing::PeakRssKb();
    int code = -1;
    try {
      auto db = Database::Open(path);
      code = static_cast<int>(db.status().code());
    } catch (...) {
      code = 100;  // an exception crossed the API
    }
    const long grown_kb = testing::PeakRssKb() - before;
    return testing::WriteAll(out, std::to_string(code) + " " + std::to_string(grown_kb)) ? 0 : 3;
  });
  const std::string msg = child.ReadAll();
  child.Wait();
  INFO("child: '" << msg << "' (status code, peak RSS growth in KiB), " << child.Describe());
  REQUIRE(child.exit_code() == 0);
  std::istringstream in(msg);
  int code = -1;
  long grown_kb = -1;
  in >> code >> grown_kb;
  CHECK(code == static_cast<int>(StatusCode::kCorruption));
  // 19 documents: nothing near the ~1 GB that arrays for 12,484,426 docids
  // take (a docid limit of 2^30 alone still allows ~70 GB).
  CHECK(grown_kb < 256 * 1024);
}

// Whether a model that was (wrongly) accepted at least explains a zero
// vector with finite contributions.
bool ExplainsFinitely(const ranker::TreeEnsemble& model) {
  float x[ranker::kNumFeatures] = {};
  double contrib[ranker::kNumFeatures];
  double sum = model.Explain(x, contrib);
  for (double c : contrib) sum += c;
  return std::isfinite(sum);
}

TEST_CASE("a tree model whose leaf value overflows a float is refused", "[fuzz]") {
  auto model = ranker::TreeEnsemble::FromXgboostJson(FuzzInput("xgb_leaf_1e300.json"));
  INFO(model.status().ToString());
  if (model.ok()) CHECK(ExplainsFinitely(*model));  // tells more than the REQUIRE alone
  REQUIRE_FALSE(model.ok());
  CHECK(model.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a tree model with num_feature nan is refused with a readable message", "[fuzz]") {
  auto model = ranker::TreeEnsemble::FromXgboostJson(FuzzInput("xgb_num_feature_nan.json"));
  REQUIRE_FALSE(model.ok());
  CHECK(model.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(model.status().message(), Catch::Contains("num_feature"));
  // Not the value of an out-of-range float-to-integer conversion.
  CHECK_THAT(model.status().message(), !Catch::Contains("9223372036854775808"));
}

TEST_CASE("a tree model whose node covers overflow the mean values is refused", "[fuzz]") {
  auto model = ranker::TreeEnsemble::FromXgboostJson(FuzzInput("xgb_hessian_overflow.json"));
  INFO(model.status().ToString());
  if (model.ok()) CHECK(ExplainsFinitely(*model));  // tells more than the REQUIRE alone
  REQUIRE_FALSE(model.ok());
  CHECK(model.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(model.status().message(), Catch::Contains("sum_hessian"));
}

// A well-formed docs blob of one document with `docid`.
std::string OneDocBlob(uint32_t docid, uint8_t format = index::kDocsFormat) {
  index::DocInfo d;
  d.docid = docid;
  d.lengths[0] = 3;
  return index::EncodeDocs({d}, format);
}

TEST_CASE("a docs blob is checked against its segment row before any docid is used", "[fuzz]") {
  const std::string blob = OneDocBlob(12484426, 2);
  int visited = 0;
  auto visit = [&](const index::DocInfo&) { ++visited; };
  struct Case {
    index::SegmentDocsRow row;
    uint32_t max_docid;
    const char* says;
  };
  const Case cases[] = {
      {{1, 1, 1}, 20000000, "does not fit its segment row's docids 1..1"},
      {{1, 12484426, 1}, 1, "past the largest docid ever assigned (1)"},
      {{12484426, 12484426, 2}, 20000000, "2 documents for docids"},
      {{5, 4, 1}, 20000000, "are not a range"},
      {{0, 12484426, 1}, 20000000, "are not a range"},
      {{1, 12484426, 12484426}, 20000000, "hold at most 1"},
  };
  for (const Case& c : cases) {
    visited = 0;
    Status s = index::DecodeSegmentDocs(blob, c.row, c.max_docid, visit);
    INFO(c.row.first_docid << ".." << c.row.last_docid << " n=" << c.row.ndocs << ": "
                           << s.ToString());
    CHECK(s.code() == StatusCode::kCorruption);
    CHECK_THAT(s.message(), Catch::Contains(c.says));
    CHECK(visited == 0);
  }
  // The row the writer stores is accepted.
  CHECK(index::DecodeSegmentDocs(blob, {12484426, 12484426, 1}, 12484426, visit).ok());
  CHECK(visited == 1);
  // Format 3: its header says the docids, and must say the row's.
  const std::string blob3 = OneDocBlob(12484426, 3);
  const Case cases3[] = {
      {{1, 1, 1}, 20000000, "its segment row says 1, docids 1..1"},
      {{1, 12484426, 1}, 1, "past the largest docid ever assigned (1)"},
      {{12484426, 12484426, 2}, 20000000, "2 documents for docids"},
      {{0, 12484426, 1}, 20000000, "are not a range"},
      {{1, 12484426, 12484426}, 20000000, "hold at most 3"},
  };
  for (const Case& c : cases3) {
    visited = 0;
    Status s = index::DecodeSegmentDocs(blob3, c.row, c.max_docid, visit);
    INFO(c.row.first_docid << ".." << c.row.last_docid << " n=" << c.row.ndocs << ": "
                           << s.ToString());
    CHECK(s.code() == StatusCode::kCorruption);
    CHECK_THAT(s.message(), Catch::Contains(c.says));
    CHECK(visited == 0);
  }
  CHECK(index::DecodeSegmentDocs(blob3, {12484426, 12484426, 1}, 12484426, visit).ok());
  CHECK(visited == 1);
}

TEST_CASE("a segment row and blob both claiming a docid never assigned are corruption",
          "[fuzz]") {
  // Blob and row agree with each other, but the products table never
  // handed out docid 12,484,426 (sqlite_sequence says 1): refused before
  // the docs table is sized by it.
  TempDir dir;
  const std::string path = DatabaseWithDocsBlob(dir, OneDocBlob(12484426));
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, "UPDATE segments SET first_docid = 12484426, last_docid = 12484426",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  testing::ChildProcess child([&](int out) {
    const long before = testing::PeakRssKb();
    auto db = Database::Open(path);
    const long grown_kb = testing::PeakRssKb() - before;
    std::string msg = std::to_string(static_cast<int>(db.status().code())) + " " +
                      std::to_string(grown_kb) + " " + db.status().ToString();
    return testing::WriteAll(out, msg) ? 0 : 3;
  });
  const std::string msg = child.ReadAll();
  child.Wait();
  INFO("child: '" << msg << "', " << child.Describe());
  REQUIRE(child.exit_code() == 0);
  std::istringstream in(msg);
  int code = -1;
  long grown_kb = -1;
  in >> code >> grown_kb;
  CHECK(code == static_cast<int>(StatusCode::kCorruption));
  CHECK_THAT(msg, Catch::Contains("largest docid ever assigned (1)"));
  CHECK_THAT(msg, Catch::Contains(path + ": segment"));
  CHECK(grown_kb < 256 * 1024);  // 12.5M docids would be ~800 MB
}

}  // namespace
}  // namespace saiki
