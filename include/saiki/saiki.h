// saiki: an embedded Japanese product search engine.
//
// This header (with status.h) is the whole public API: an app includes it and
// links libsaiki; it exposes no SQLite, ICU, Eigen or RE2 type.
//
//   auto db = saiki::Database::Open("shop.saiki");
//   if (!db.ok()) { ...db.status().ToString()... }
//   saiki::ImportOptions opt;
//   auto report = (*db)->ImportCsv("products.csv", opt);
//   saiki::SearchRequest req;
//   req.query = "犬 ベッド";
//   auto res = (*db)->Search(req);
//   for (const auto& hit : res->hits) { ...hit.id, hit.title, hit.score... }
//
// One database file holds a deployment: products, index, settings. Every
// write is one SQLite transaction: an interrupted import leaves the previous
// state whole.
//
// Thread-safety: a Database is used by one thread at a time. Open one per
// thread (or per process); SQLite's WAL mode lets them read while one
// writes. A write that cannot get the lock within the busy timeout fails
// with StatusCode::kBusy.
#ifndef SAIKI_SAIKI_H_
#define SAIKI_SAIKI_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "saiki/status.h"

namespace saiki {

struct OpenOptions {
  // Create the file (owner-only permissions) when missing. Default true.
  bool create_if_missing = true;
  // Open read-only: searches work, writes fail with kIoError. Default false.
  bool read_only = false;
  // How long a write waits for another writer's lock before kBusy. Default
  // 5000 ms; range 0..600000.
  int busy_timeout_ms = 5000;
};

struct RowError {
  uint64_t line = 0;    // 1-based line of the CSV record
  std::string message;  // "price 'abc' is not a number"
};

struct ImportProgress {
  uint64_t bytes_read = 0;
  uint64_t bytes_total = 0;  // 0 when unknown (a pipe)
  uint64_t rows = 0;
};

struct ImportOptions {
  // "" (UTF-8) or an ICU converter name such as "shift_jis", "cp932".
  std::string encoding;
  // Header renames "field=Header,...", e.g. "id=商品ID,title=商品名,price=価格".
  std::string field_map;
  // Make the index equal to the file: products absent from it are deleted.
  bool replace = false;
  // Reject the whole file (store nothing) when any row is bad.
  bool strict = false;
  // Called for each rejected row, as it is found.
  std::function<void(const RowError&)> on_row_error;
  // Called about every 64 KiB of input.
  std::function<void(const ImportProgress&)> on_progress;
};

struct ImportReport {
  uint64_t rows = 0;       // data records read
  uint64_t inserted = 0;   // new products
  uint64_t updated = 0;    // existing ids replaced
  uint64_t rejected = 0;   // bad rows (not stored)
  uint64_t deleted = 0;    // removed by `replace`
  bool committed = false;  // false when strict mode rejected the file
};

// A stored product.
struct Product {
  std::string id;
  std::string title, description, brand, category, tags;
  std::optional<double> price, rating;
  std::optional<int64_t> review_count;
  // Columns the CSV had beyond the known fields, in header order.
  std::vector<std::pair<std::string, std::string>> attributes;
};

struct SearchRequest {
  std::string query;   // query syntax: see README "Query syntax"
  int k = 10;          // results wanted, 1..1000
  int offset = 0;      // results to skip (paging), 0..10000
  bool explain = false;
};

struct FieldScore {
  std::string field;  // title, brand, category, tags, description, word_bonus
  double score;
};

struct SearchHit {
  int rank = 0;  // 1-based
  std::string id, title, brand, category;
  std::optional<double> price;
  double score = 0;
  std::vector<FieldScore> explain;  // with SearchRequest::explain
};

struct SearchResponse {
  std::optional<std::string> query_id;  // set when the search was logged
  double took_ms = 0;
  uint64_t total = 0;    // matching products
  bool partial = false;  // nothing matched every term: partial matches shown
  std::string notice;    // a sentence for the user when partial or empty
  std::vector<SearchHit> hits;
};

struct Stats {
  uint64_t products = 0;
  uint64_t segments = 0;
  uint64_t terms = 0;          // distinct (term, segment) posting lists
  uint64_t deleted_pending = 0;  // deleted docs still in postings
  uint64_t postings_bytes = 0;
  uint64_t file_bytes = 0;
  int schema_version = 0;
};

class Database {
 public:
  // Opens or creates the database at `path`. Errors: kNotFound (missing and
  // not created), kCorruption (not a saiki database), kNotSupported (a newer
  // schema), kIoError, kBusy.
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                const OpenOptions& options = OpenOptions());
  virtual ~Database() = default;

  // Imports a CSV file (see README "CSV format"); upserts by product id.
  // Bad rows are reported through options.on_row_error and counted; the
  // valid rows are stored in one transaction (none with options.strict).
  // The returned status is an error only when the file as a whole is
  // unusable (missing, empty, no header, no id column, unknown encoding) or
  // storage failed; nothing is stored then.
  virtual Result<ImportReport> ImportCsv(const std::string& path,
                                         const ImportOptions& options) = 0;
  virtual Result<ImportReport> ImportCsv(std::istream& in, const std::string& name,
                                         const ImportOptions& options) = 0;

  // Deletes products by id; returns how many existed.
  virtual Result<uint64_t> DeleteProducts(const std::vector<std::string>& ids) = 0;

  virtual Result<SearchResponse> Search(const SearchRequest& request) = 0;

  // nullopt when no product has that id.
  virtual Result<std::optional<Product>> GetProduct(const std::string& id) = 0;

  virtual Result<Stats> GetStats() = 0;

  // Settings (README "Settings"): BM25F parameters and more. Set validates
  // the key and the value's range.
  virtual Result<std::string> GetSetting(const std::string& key) = 0;
  virtual Status SetSetting(const std::string& key, const std::string& value) = 0;
  // Every known key with its current value.
  virtual Result<std::vector<std::pair<std::string, std::string>>> ListSettings() = 0;

  // Replaces the query-time synonym groups with those in the file: one group
  // per line, terms separated by spaces; '#' starts a comment. Returns the
  // number of groups.
  virtual Result<uint64_t> LoadSynonyms(const std::string& path) = 0;

  // Merges all index segments into one and purges deleted documents.
  virtual Status Optimize() = 0;
};

}  // namespace saiki

#endif  // SAIKI_SAIKI_H_
