// saiki: an embedded Japanese product search engine.
//
// This header (with status.h and version.h) is the whole C++ public API: an
// app includes it and links libsaiki (find_package(saiki) or pkg-config
// saiki); it exposes no SQLite, ICU, Eigen or RE2 type. C and other
// languages use saiki_c.h, the same engine behind a C interface.
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

#include "saiki/export.h"
#include "saiki/status.h"
#include "saiki/version.h"

namespace saiki {

// The version of the library in use, e.g. "0.2.0". SAIKI_VERSION
// (saiki/version.h) is the version of the headers the caller was compiled
// against.
SAIKI_EXPORT const char* Version();

struct OpenOptions {
  // Create the file (owner-only permissions) when missing. Default true.
  bool create_if_missing = true;
  // Open read-only: searches work, writes fail with kIoError. Default false.
  bool read_only = false;
  // How long a write waits for another writer's lock before kBusy. Default
  // 5000 ms; range 0..600000.
  int busy_timeout_ms = 5000;
  // KiB of SQLite page cache for this handle; 0 (the default): SQLite's own
  // default, 2 MB. Range 0..1048576. The cache's pages are fresh memory,
  // and each first write to one is a page fault: a process that answers
  // one search and exits does better with a few hundred KiB (the `saiki
  // search` command uses 256: README "Performance"), a handle kept open
  // for many queries and writes with the default.
  int page_cache_kib = 0;
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

// What an import does with a product id that appears on more than one row of
// the same file (Shopify exports one row per variant, for example).
enum class DuplicateIds {
  kLast,   // the later row replaces the earlier one (reported through on_duplicate)
  kFirst,  // the first row is kept, later ones are skipped (reported through on_duplicate)
  kError,  // each later row is a bad row: reported through on_row_error, not
           // stored, counted as rejected (with strict, nothing is stored)
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
  // Rows of this file repeating an earlier row's id. Default kLast.
  DuplicateIds duplicates = DuplicateIds::kLast;
  // Called for each rejected row, as it is found.
  std::function<void(const RowError&)> on_row_error;
  // Called for each row whose id an earlier row of the same file had, with
  // kLast and kFirst (the message names the earlier line and which row was
  // kept). With kError such rows go to on_row_error instead.
  std::function<void(const RowError&)> on_duplicate;
  // Called about every 64 KiB of input.
  std::function<void(const ImportProgress&)> on_progress;
  // Memory for the postings being built, MiB (1..65536; default 256). A
  // larger import is built in pieces of this size, kept in a scratch file
  // beside the database and joined at the end (README "Limits").
  uint32_t memory_budget_mib = 256;
};

struct ImportReport {
  uint64_t rows = 0;       // data records read
  uint64_t inserted = 0;   // new products
  uint64_t updated = 0;    // existing ids replaced
  uint64_t rejected = 0;   // bad rows (not stored)
  uint64_t deleted = 0;    // removed by `replace`
  uint64_t duplicates = 0; // rows repeating an earlier row's id in this file
                           // (with kError they are also counted in rejected)
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

// The order of search results. kRelevance (the default) is the ranker's
// order. The others sort the whole match set by the product's price,
// rating or review count, ascending or descending; products without the
// value come last, ties go by BM25F relevance, and products matching fewer
// terms (a partial answer) still come after those matching more. A sorted
// search is not re-ranked, and with a user it is not logged for learning (a
// list in price order says little about relevance): query_id stays unset.
enum class SortOrder {
  kRelevance,
  kPriceAscending,
  kPriceDescending,
  kRatingAscending,
  kRatingDescending,
  kReviewsAscending,
  kReviewsDescending,
};
// "relevance", "price", "-price", "rating", "-rating", "reviews", "-reviews"
// (a leading '-' for descending): what the CLI's --sort, the C API's
// saiki_search_options.sort and the HTTP API's `sort` take.
SAIKI_EXPORT const char* SortOrderName(SortOrder order);
// The order a name above stands for; nullopt for any other text.
SAIKI_EXPORT std::optional<SortOrder> ParseSortOrder(const std::string& name);

// A facet of a search's match set (SearchRequest::facets, README "Facets").
enum class FacetField {
  kBrand,     // the brand, as stored (products whose brands normalise alike count as one)
  kCategory,  // the whole category path (its first three levels), as stored
  kPrice,     // price ranges of the 1-2-5 series: [1000, 2000), [2000, 5000), ...
};
SAIKI_EXPORT const char* FacetFieldName(FacetField field);  // "brand", "category", "price"

// One value of a brand or category facet and how many matching products
// have it.
struct FacetValue {
  std::string value;  // as stored in the first product indexed with it
  uint64_t count = 0;
};

// One price range of the price facet: products with from <= price < to.
struct PriceBucket {
  double from = 0;
  double to = 0;
  uint64_t count = 0;
};

// The counts of one facet over the whole match set (not only the page).
struct FacetCounts {
  FacetField field = FacetField::kBrand;
  // kBrand, kCategory: the most frequent values, most products first (ties:
  // the value indexed first), at most SearchRequest::facet_limit.
  std::vector<FacetValue> values;
  // kPrice: every non-empty range, cheapest first.
  std::vector<PriceBucket> buckets;
  // Matching products without this field (no brand, no category, no price).
  uint64_t missing = 0;
};

// Part of a stored field with the matched query terms marked
// (SearchRequest::highlight, README "Highlighting").
struct HighlightedText {
  // The stored text (the title whole; the description cut to a snippet
  // around its best passage, "…" where cut), unescaped.
  std::string text;
  // Byte ranges [begin, end) of `text` that matched a query term, in
  // order, not overlapping, on UTF-8 character boundaries.
  std::vector<std::pair<uint32_t, uint32_t>> marks;
};

struct Highlight {
  HighlightedText title, description;
};

struct SearchRequest {
  std::string query;   // query syntax: see README "Query syntax"
  int k = 10;          // results wanted, 1..1000
  int offset = 0;      // results to skip (paging), 0..10000
  bool explain = false;
  SortOrder sort = SortOrder::kRelevance;
  // When set, the search is personalised for this user and logged as an
  // impression of the user's current session (query_id in the response).
  // Up to 256 bytes.
  std::string user;
  // Facet counts to compute over the whole match set (README "Facets"), in
  // the order given; each field at most once. Default none.
  std::vector<FacetField> facets;
  // Most values per brand or category facet, 1..1000. Default 10.
  int facet_limit = 10;
  // Mark the query's matched terms in each hit's title and in a snippet of
  // its description (SearchHit::highlight). Default false.
  bool highlight = false;
  // The description snippet's length in characters, 10..10000. Default 120.
  int snippet_chars = 120;
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
  // Put here by exploration (setting learn.explore, README "Exploration"):
  // a candidate from beyond the page, shown in one of its last places to
  // learn about it. An app may label it ("you might also like").
  bool explored = false;
  std::vector<FieldScore> explain;      // with SearchRequest::explain
  std::vector<FeatureScore> features;   // with explain, when re-ranked
  std::optional<Highlight> highlight;   // with SearchRequest::highlight
};

// A query term that was rare or absent in the catalogue and also matched
// words within a small edit distance (README "Typos").
struct TypoCorrection {
  std::string term;                      // the term as normalized (ドックフード)
  std::vector<std::string> corrections;  // the words it also matched, best first
};

struct SearchResponse {
  std::optional<std::string> query_id;  // set when the search was logged
  double took_ms = 0;
  uint64_t total = 0;    // matching products
  // `total` is a lower bound ("1000+ products match"): past the setting
  // total.exact_up_to matches, the search skips products that cannot reach
  // the results and stops counting exactly (README "Dynamic pruning").
  // Never with facets, a sort other than relevance, or partial matches.
  bool total_at_least = false;
  bool partial = false;  // nothing matched every term: partial matches shown
  std::string notice;    // a sentence for the user when partial or empty
  std::string ranker;    // the ranker that ordered the results
  int64_t global_version = 0;  // model versions used (0: none)
  int64_t user_version = 0;
  double gate = 0;             // weight of the personal part for this query
  bool interleaved = false;    // old and new personal models interleaved
  std::vector<SearchHit> hits;
  // Typo tolerance (setting `typo`): the terms matched through corrections
  // too (their matches count at typo.weight, below the text itself); the
  // notice names them.
  std::vector<TypoCorrection> typos;
  // The query (normalized) with each such term replaced by its best
  // correction, when the corrections find at least twice as many products
  // as the query as typed; else "".
  std::string did_you_mean;
  // One per SearchRequest::facets field, in that order.
  std::vector<FacetCounts> facets;
};

enum class ClickKind { kClick = 1, kCart = 2, kPurchase = 3 };

// --- Suggestions as a user types (README "Suggestions").

struct SuggestRequest {
  std::string prefix;  // what the user has typed so far; up to 256 bytes
  int k = 10;          // suggestions wanted, 1..100
  // When set, this user's own past searches count more (and count at all
  // when no other user made them). Up to 256 bytes.
  std::string user;
};

enum class SuggestionSource {
  kQuery,    // a query users searched (and clicked in)
  kWord,     // a word of the products' titles
  kReading,  // a kanji word of the titles read as the kana typed (いぬ -> 犬用)
};
SAIKI_EXPORT const char* SuggestionSourceName(SuggestionSource source);  // "query", "word", "reading"

struct Suggestion {
  std::string text;  // the whole completed query (the words before the last kept)
  double score = 0;  // higher first; comparable within one response only
  SuggestionSource source = SuggestionSource::kWord;
};

struct SuggestResponse {
  std::vector<Suggestion> suggestions;  // best first, distinct texts
  double took_ms = 0;
};

// --- The learning loop's vocabulary (README "How it learns"). Enums in the
// --- API; their names (the ...Name functions) only at the edges (JSON, CLI).

enum class ModelScope { kGlobal, kUser };
enum class ModelKind { kLinear, kTrees };
// What became of a model version.
enum class ModelStatus {
  kActive,      // serving now
  kAccepted,    // was active; a later version replaced it
  kRejected,    // a candidate that failed its check (the reason says which)
  kRolledBack,  // was active; rolled back (by interleaving or by hand)
  kShadow,      // trained and evaluated with learn.mode shadow; never served
};
// What one learner did when a session closed.
enum class UpdateOutcome {
  kNone,      // no candidate; the reason says why
  kAccepted,  // the candidate became active
  kRejected,  // the candidate failed its check; the old model stays
  kShadow,    // learn.mode shadow: the candidate is stored, not served
};
enum class InterleavingOutcome { kNone, kRunning, kKeptNew, kRolledBack };

SAIKI_EXPORT const char* ModelScopeName(ModelScope scope);          // "global", "user"
SAIKI_EXPORT const char* ModelKindName(ModelKind kind);             // "linear", "trees"
SAIKI_EXPORT const char* ModelStatusName(ModelStatus status);       // "active", "rolled_back", ...
SAIKI_EXPORT const char* UpdateOutcomeName(UpdateOutcome outcome);  // "none", "accepted", ...
SAIKI_EXPORT const char* InterleavingOutcomeName(InterleavingOutcome outcome);  // "", "running", ...

struct UpdateReport {
  UpdateOutcome outcome = UpdateOutcome::kNone;
  std::string reason;   // set for kNone and kRejected; for kShadow the verdict it would have had
  int64_t version = 0;  // the version stored for the candidate (0: none stored)
};

// The evidence behind a global candidate (or a checked import): what fed it
// and what the off-policy check said (README "Global learning").
struct PooledEvidence {
  uint64_t sessions = 0;           // pooled sessions in the training window
  uint64_t users = 0;              // distinct users who fed the candidate
  uint64_t clipped_users = 0;      // users whose update was clipped to learn.user_clip
  uint64_t capped_clicks = 0;      // clicks over the per-search and per-session caps, left out
  uint64_t screened_sessions = 0;  // sessions of the window's span left out as inhuman
  uint64_t heldout_units = 0;      // users (or sessions) the check compared on
  uint64_t heldout_impressions = 0;
  double active_estimate = 0;     // off-policy estimate (IPS reciprocal rank) of the active model
  double candidate_estimate = 0;  // ... of the candidate
  double lower_bound = 0;         // lower confidence bound of candidate - active
  double influence_bound = 0;     // no one user moved the weights more than this (L2 norm)
};

// What closing a session did (the learning loop's record of it).
struct SessionReport {
  int64_t session_id = 0;
  std::string user;
  uint64_t impressions = 0, clicks = 0, pairs = 0;
  // Whether the session feeds the pooled learners (the global model and
  // the position-bias estimate); when not, the reason (a screening
  // heuristic, README "Bounded influence", or learn.mode off).
  bool pooled = false;
  std::string not_pooled_reason;
  UpdateReport personal;  // the user's personal update
  // The pooled global learner: kNone unless this session completed the
  // evidence for a candidate (learn.global_min_users / _min_sessions).
  UpdateReport global;
  std::optional<PooledEvidence> global_evidence;  // when a candidate was trained
  InterleavingOutcome interleaving = InterleavingOutcome::kNone;
  int64_t rolled_back_to = 0;  // the version restored, with kRolledBack
  int64_t global_version = 0, user_version = 0;  // active after the session
  double loss_before = 0, loss_after = 0;        // the personal update's loss
};

// What a pooled step did (Database::LearnPooled, learn.pooled_at apart).
struct PooledReport {
  // A step was journaled and planned: sessions closed since the last one.
  // Otherwise `global.reason` says why not.
  bool ran = false;
  int64_t seq = 0;                      // its journal position
  bool epoch = false;                   // it completed an epoch of pooled evidence
  bool propensities_estimated = false;  // it re-estimated position bias
  UpdateReport global;                  // the global learner: a candidate and its outcome, or why none
  std::optional<PooledEvidence> global_evidence;  // when a candidate was trained
  int64_t global_version = 0;                     // active afterwards
};

struct ModelVersion {
  int64_t version = 0;
  ModelScope scope = ModelScope::kGlobal;
  std::string user;  // for kUser
  ModelKind kind = ModelKind::kLinear;
  int64_t parent = 0;      // the version it was learned from (0: the factory model)
  int64_t session_id = 0;  // the session whose close produced it (0: none: a pooled step, an import)
  double created_at = 0;
  double loss_before = 0, loss_after = 0;  // personal: training loss
  // Personal: the guard's replay metric on the user's last sessions before
  // and after. Global: the off-policy estimates of the active model and of
  // the candidate.
  double metric_before = 0, metric_after = 0;
  ModelStatus status = ModelStatus::kActive;
  bool forced = false;  // made active by `model import --force`, without the check
  std::string reason;
  std::optional<PooledEvidence> evidence;  // global candidates and checked imports
};

struct ModelInfo {
  ModelVersion global;  // version 0: the factory model (BM25F order)
  std::optional<ModelVersion> personal;  // with a user that has one
  std::string learn_mode;                // "on", "shadow" or "off"
  double global_learning_rate = 0, user_learning_rate = 0;
  // Pooled evidence gathered since the last global candidate, and what the
  // next one needs (learn.global_min_sessions, learn.global_min_users).
  uint64_t pending_sessions = 0, pending_users = 0;
  uint64_t needed_sessions = 0, needed_users = 0;
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

struct ModelImportOptions {
  // Make the model active even when the off-policy check does not show it
  // beating the active model (recorded as forced). Default false.
  bool force = false;
  // The manifest of a model published by the fleet tools (fleet/publish.py,
  // README "Learning across a fleet"): JSON naming the feature set the model
  // was trained on and the model file's size, tree count and objective.
  // Empty: MODEL.manifest beside the model file when there is one, else no
  // manifest check. A manifest that names another feature set than this
  // saiki's, or another model than the file, refuses the import
  // (kInvalidArgument naming the first difference) before anything is
  // stored.
  std::string manifest;
};

struct ModelImportReport {
  int64_t version = 0;
  ModelStatus status = ModelStatus::kRejected;  // kActive, kRejected or kShadow
  bool forced = false;
  std::string reason;
  std::optional<PooledEvidence> evidence;  // the check, when logged sessions allowed one
};

// What forgetting a user did.
struct ForgetReport {
  uint64_t rows_deleted = 0;       // impressions, clicks, sessions, models, states
  // Learned state since the user's first session, re-derived from the
  // remaining logs: journal entries replayed and model versions
  // re-created in place of those the user had fed.
  uint64_t entries_replayed = 0;
  uint64_t versions_rederived = 0;
  std::vector<std::string> notes;  // what could not be re-derived exactly, and why
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

class SAIKI_EXPORT Database {
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

  // Deletes products by id in one transaction; returns how many existed.
  // When `not_found` is given, the ids no product had are appended to it,
  // in the order given (an id listed twice is found the first time only).
  virtual Result<uint64_t> DeleteProducts(const std::vector<std::string>& ids,
                                          std::vector<std::string>* not_found = nullptr) = 0;

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

  // Replaces the database's own query-time synonym groups with those in the
  // file, in saiki's format (one group per line, terms separated by spaces;
  // '#' starts a comment) or SudachiDict's synonyms.txt (its orthographic
  // variant groups; detected from the first line): README "Synonyms".
  // Returns the number of groups. kNotFound for a missing file,
  // kInvalidArgument naming the line for a bad one (nothing changes then).
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
  // With learn.pooled_at apart, the pooled learners do not run in session
  // closes: this runs them — a position-bias estimate and a global
  // candidate, each when its evidence is complete (README "Pooled learning
  // apart from the close") — in one write transaction, journaled so that
  // forgetting a user replays it. Call it from an idle moment, a timer or
  // after a batch of closes; it costs a few index reads when nothing is
  // due. With learn.pooled_at close it does nothing (the closes do it).
  virtual Result<PooledReport> LearnPooled() = 0;
  // The active models; with a user, that user's personal part too.
  virtual Result<ModelInfo> GetModel(const std::string& user = "") = 0;
  // Every model version, newest first; with a user, only that user's and
  // the global ones.
  virtual Result<std::vector<ModelVersion>> ModelHistory(const std::string& user = "") = 0;
  // Makes `version` the active one again: a global version, a user's
  // personal version, or 0 — with `user` empty the factory global model
  // (BM25F order exactly), with a user that user's personal part removed
  // (the global model alone). kNotFound for an unknown version,
  // kInvalidArgument for a rejected or shadow version or a version of
  // another user than `user`.
  virtual Status RollbackModel(int64_t version, const std::string& user = "") = 0;
  // Deletes everything saiki holds about the user (impressions, clicks,
  // sessions, personal model versions) and removes the user's influence on
  // every other model: the learned state since the user's first session is
  // re-derived from the remaining logs, as if the user's sessions had never
  // happened (README "Forgetting a user"). One transaction; it holds the
  // write lock while it replays (about 6.5 ms of CPU per later session
  // close: README "Performance").
  virtual Result<ForgetReport> ForgetUser(const std::string& user) = 0;

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
  // README) and stores it as a new global model version of kind "trees".
  // It becomes the active global model (and the setting `ranker` becomes
  // "trees") only when the off-policy check on the logged sessions says it
  // beats the active model, as for a learned candidate, or with
  // options.force (recorded as forced); otherwise it is kept as a rejected
  // version with the figures (with learn.mode shadow: a shadow version).
  // Personal linear weights keep applying on top of it. With a manifest
  // (ModelImportOptions::manifest) the model is first checked against it.
  // Errors: kNotFound (no model or manifest file), kInvalidArgument (not a
  // valid model, or a manifest that is malformed or does not match, with
  // the reason), kResourceExhausted (over the size limit); on an error
  // nothing is stored.
  virtual Result<ModelImportReport> ImportModel(const std::string& path,
                                                const ModelImportOptions& options = {}) = 0;

  // --- Synonyms beyond LoadSynonyms (README "Synonyms"). The setting
  // `synonyms` (on, mine, off) says which groups apply to queries.

  // The database's own groups, as stored (normalized terms), in group
  // order; with `builtin`, the built-in ones (SudachiDict's orthographic
  // variants, embedded in the library) instead, one entry per term that
  // expands: the term, then what it expands to, in byte order of the term.
  virtual Result<std::vector<std::vector<std::string>>> ListSynonyms(bool builtin = false) = 0;
  // Adds one group to the database's own. kInvalidArgument unless the terms
  // hold at least two distinct ones after normalisation (or for invalid
  // UTF-8, or a term of over 256 bytes). A term already in one of the
  // database's groups moves to the new one.
  virtual Status AddSynonyms(const std::vector<std::string>& terms) = 0;

  // Completions of what a user has typed (README "Suggestions"): queries
  // users searched and clicked in (popularity decayed by
  // learn.half_life_days; with request.user, that user's own count more),
  // words of the product titles starting with the last word typed, and,
  // for a last word written in kana, the kanji words of the titles read
  // that way (いぬ -> 犬, 犬用). Reads only; logs nothing.
  // kInvalidArgument for k outside 1..100 or an over-long prefix or user.
  virtual Result<SuggestResponse> Suggest(const SuggestRequest& request) = 0;
};

}  // namespace saiki

#endif  // SAIKI_SAIKI_H_
