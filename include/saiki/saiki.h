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
#include <ostream>
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
  // The time in seconds since the epoch, for sessions and click decay.
  // Default: the system clock. Tests and simulations set their own.
  std::function<double()> clock;
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
  // When set, the search is personalised for this user and logged as an
  // impression of the user's current session (query_id in the response).
  // Up to 256 bytes.
  std::string user;
};

struct FieldScore {
  std::string field;  // title, brand, category, tags, description, word_bonus
  double score;
};

// One feature of a re-ranked result (SearchRequest::explain).
struct FeatureScore {
  std::string feature;  // README "Features"
  double value;         // the feature's value
  double global;        // its contribution through the global model
  double personal;      // its contribution through the user's own weights
};

struct SearchHit {
  int rank = 0;  // 1-based
  std::string id, title, brand, category;
  std::optional<double> price;
  double score = 0;       // the ranker's score (BM25F for the bm25 ranker)
  double bm25f = 0;       // the retrieval score
  std::vector<FieldScore> explain;      // with SearchRequest::explain
  std::vector<FeatureScore> features;   // with explain, when re-ranked
};

struct SearchResponse {
  std::optional<std::string> query_id;  // set when the search was logged
  double took_ms = 0;
  uint64_t total = 0;    // matching products
  bool partial = false;  // nothing matched every term: partial matches shown
  std::string notice;    // a sentence for the user when partial or empty
  std::string ranker;    // the ranker that ordered the results
  int64_t global_version = 0;  // model versions used (0: none)
  int64_t user_version = 0;
  double gate = 0;             // weight of the personal part for this query
  bool interleaved = false;    // old and new personal models interleaved
  std::vector<SearchHit> hits;
};

enum class ClickKind { kClick = 1, kCart = 2, kPurchase = 3 };

// What closing a session did (the learning loop's record of it).
struct SessionReport {
  int64_t session_id = 0;
  std::string user;
  uint64_t impressions = 0, clicks = 0, pairs = 0;
  // "accepted", "rejected: <reason>", or "no update: <reason>".
  std::string global_outcome, user_outcome;
  int64_t global_version = 0, user_version = 0;  // active after the session
  double loss_before = 0, loss_after = 0;        // the personal update's loss
  // Interleaving of the user's old and new models: "", "running", "kept
  // new model", or "rolled back to version N".
  std::string interleaving;
};

struct ModelVersion {
  int64_t version = 0;
  std::string scope;   // "global" or "user"
  std::string user;
  std::string kind;    // "linear" or "trees"
  int64_t parent = 0;  // the version it was learned from
  int64_t session_id = 0;
  double created_at = 0;
  double loss_before = 0, loss_after = 0;
  double metric_before = 0, metric_after = 0;  // the guard's replay metric
  std::string status;  // active, accepted, rejected, rolled_back
  std::string reason;
};

struct ModelInfo {
  ModelVersion global;
  std::optional<ModelVersion> personal;  // with a user that has one
  double global_learning_rate = 0, user_learning_rate = 0;
  int64_t champion_version = 0;   // interleaving baseline (0: global only)
  int interleave_sessions_left = 0;
  int wins_new = 0, wins_old = 0, ties = 0;
  // Per feature: name, global weight, personal weight (current scale),
  // normalisation mean and scale.
  struct Weight {
    std::string feature;
    double global, personal, mean, scale;
  };
  std::vector<Weight> weights;
  std::vector<double> propensities;  // examination probability by position
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

// What Database::Check found.
struct CheckReport {
  bool ok = false;
  uint64_t problem_count = 0;
  std::vector<std::string> problems;  // the first 100, each naming where it is
  uint64_t products = 0, segments = 0, posting_lists = 0, model_versions = 0;
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

  // A full integrity check of the file and of the index against the
  // products (engine/check.cc lists what is checked). Problems are in the
  // report; the status is an error only when the check itself could not run.
  virtual Result<CheckReport> Check() = 0;

  // --- The learning loop (README "How it learns").

  // Records a click on product `product_id` in the results of `query_id`.
  // kNotFound for an unknown query id; kInvalidArgument when the product
  // was not shown for that query. Durable when it returns.
  virtual Status RecordClick(const std::string& query_id, const std::string& product_id,
                             ClickKind kind = ClickKind::kClick) = 0;
  // Closes the user's open session and learns from it. nullopt when the
  // user has no open session.
  virtual Result<std::optional<SessionReport>> EndSession(const std::string& user) = 0;
  // Closes (and learns from) every session idle past the timeout.
  virtual Result<std::vector<SessionReport>> SweepSessions() = 0;
  // The active models; with a user, that user's personal part too.
  virtual Result<ModelInfo> GetModel(const std::string& user = "") = 0;
  // Every model version, newest first; with a user, only that user's and
  // the global ones.
  virtual Result<std::vector<ModelVersion>> ModelHistory(const std::string& user = "") = 0;
  // Makes `version` (global or a user's) the active one again.
  virtual Status RollbackModel(int64_t version) = 0;
  // Deletes everything saiki holds about the user: impressions, clicks,
  // sessions, personal model versions. Returns the number of rows deleted.
  virtual Result<uint64_t> ForgetUser(const std::string& user) = 0;

  // --- Offline learning to rank (README "Training offline with XGBoost").

  // Writes every logged impression's shown results in SVMlight/LETOR format,
  // one line per shown result, in query id then position order:
  //   LABEL qid:Q 1:V1 2:V2 ... 24:V24 # Q PRODUCT_ID
  // LABEL is the strongest click on the result (0 none, 1 click, 2 cart,
  // 3 purchase), Q the query id, Vi feature i (README "Features" order,
  // 1-based) exactly as logged when the result was shown (the shortest
  // decimal that reads back as the same float). Every feature is written,
  // zeros included: XGBoost reads an absent feature as missing, not 0. A
  // product id is written with bytes <= 0x20, '#', '%' and 0x7f as %XX. No
  // user name, query text or time is written. When `names_out` is given it
  // gets the feature names, one per line (line i names feature i). Returns
  // the number of result lines. Errors: kIoError when a stream fails,
  // kCorruption for a malformed logged impression.
  virtual Result<uint64_t> ExportFeatures(std::ostream& out, std::ostream* names_out) = 0;
  // Imports a tree-ensemble model saved by XGBoost (Booster.save_model of a
  // gbtree model with a rank: objective, as JSON) trained on exported
  // features: validates it (feature names, structure, limits: see
  // README), stores it as a new global model version of kind "trees", makes
  // it the active global model and sets the setting `ranker` to "trees".
  // Personal linear weights keep applying on top of it. Returns the new
  // version. Errors: kNotFound (no file), kInvalidArgument (not a valid
  // model, with the reason), kResourceExhausted (over the size limit).
  virtual Result<int64_t> ImportModel(const std::string& path) = 0;
};

}  // namespace saiki

#endif  // SAIKI_SAIKI_H_
