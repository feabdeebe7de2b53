// The implementation behind saiki::Database: one SQLite connection with the
// stores over it (storage/: the catalogue, the index, the file's
// bookkeeping; they own the SQL), the analyzer, and the in-memory state
// derived from the file (docs table, posting cache, settings, synonyms),
// reloaded whenever another connection commits (PRAGMA data_version) or
// this one writes.
//
// Transactions: only a public API method begins a storage::WriteTransaction;
// the functions below it that write take its `const storage::WriteToken&`.
//
// Split by concern over several .cc files of this folder:
//   database.cc      open, the in-memory state (engine_state.h), settings,
//                    stats, synonyms
//   importer.cc      CSV import, delete
//   index_writer.cc  writing segments, merging them
//   search.cc        query compilation and the search call
//   rerank.cc        re-ranking for a user: features, scores, interleaving
//   sessions.cc      logging searches and clicks, closing sessions
//   learning.cc      a session close: gather, plan (ranker/learning_plan.h),
//                    apply
//   models.cc        the models as state, model show/history, rollbacks
//   trees_model.cc   importing (and checking) tree-ensemble models
//   forget.cc        forgetting a user: delete, then replay the journal
//   export.cc        exporting logged features (SVMlight/LETOR)
// Only the public calls begin a write transaction; everything below them
// that writes takes its WriteToken. No file here holds SQL: the stores in
// storage/ do.
#ifndef SAIKI_ENGINE_DATABASE_IMPL_H_
#define SAIKI_ENGINE_DATABASE_IMPL_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "engine/engine_state.h"
#include "engine/settings.h"
#include "index/analyzer.h"
#include "index/doc_table.h"
#include "index/highlighter.h"
#include "index/searcher.h"
#include "index/segment_builder.h"
#include "index/segment_runs.h"
#include "ranker/features.h"
#include "ranker/learner.h"
#include "ranker/learning_plan.h"
#include "ranker/linear_model.h"
#include "ranker/trees.h"
#include "saiki/saiki.h"
#include "storage/catalog_store.h"
#include "storage/index_store.h"
#include "storage/log_store.h"
#include "storage/meta_store.h"
#include "storage/model_store.h"
#include "storage/sqlite.h"

namespace saiki::engine {

// Limits (README "Limits"). Product ids and field sizes are checked on
// import; queries by the parser.
inline constexpr size_t kMaxIdBytes = 256;
inline constexpr size_t kMaxFieldBytes = 64 * 1024;
inline constexpr int kMaxK = 1000;
inline constexpr int kMaxOffset = 10000;
// A builder holding this much becomes a run (index/segment_runs.h) when
// the file is re-indexed (an import has its own budget, ImportOptions).
inline constexpr size_t kSegmentMemoryBudget = 256u << 20;
// More segments than this, or more deleted docs than a fifth of the live
// ones, and an import or delete ends with a full merge.
inline constexpr int kMaxSegments = 8;
// Posting lists kept in memory between queries.
inline constexpr size_t kPostingCacheBytes = 512u << 20;

// Products' extra CSV columns, stored as a JSON object in header order.
std::string EncodeAttributes(const std::vector<std::pair<std::string, std::string>>& attrs);
Status DecodeAttributes(const std::string& json,
                        std::vector<std::pair<std::string, std::string>>* out);

class DatabaseImpl;

// Posting lists read from the index store, cached by term until the next
// reload.
class PostingCache : public index::PostingSource {
 public:
  explicit PostingCache(storage::IndexStore* store) : store_(store) {}
  Result<const index::TermPostings*> Lookup(std::string_view term) override;
  void Clear() {
    entries_.clear();
    bytes_ = 0;
  }
  // Clears the cache when it holds more than kPostingCacheBytes.
  void Trim();

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  storage::IndexStore* store_;
  // nullptr entries remember terms that are not in the index.
  std::unordered_map<std::string, std::unique_ptr<index::TermPostings>, Hash, std::equal_to<>>
      entries_;
  size_t bytes_ = 0;
};

class DatabaseImpl final : public Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                const OpenOptions& options);

  Result<ImportReport> ImportCsv(const std::string& path, const ImportOptions& options) override;
  Result<ImportReport> ImportCsv(std::istream& in, const std::string& name,
                                 const ImportOptions& options) override;
  Result<uint64_t> DeleteProducts(const std::vector<std::string>& ids,
                                  std::vector<std::string>* not_found = nullptr) override;
  Result<SearchResponse> Search(const SearchRequest& request) override;
  Result<std::optional<Product>> GetProduct(const std::string& id) override;
  Result<Stats> GetStats() override;
  Result<std::string> GetSetting(const std::string& key) override;
  Status SetSetting(const std::string& key, const std::string& value) override;
  Result<std::vector<std::pair<std::string, std::string>>> ListSettings() override;
  Result<uint64_t> LoadSynonyms(const std::string& path) override;
  Status Optimize() override;
  Result<CheckReport> Check() override;
  Status RecordClick(const std::string& query_id, const std::string& product_id,
                     ClickKind kind) override;
  Result<std::optional<SessionReport>> EndSession(const std::string& user) override;
  Result<std::vector<SessionReport>> SweepSessions() override;
  Result<PooledReport> LearnPooled() override;
  Result<ModelInfo> GetModel(const std::string& user) override;
  Result<std::vector<ModelVersion>> ModelHistory(const std::string& user) override;
  Status RollbackModel(int64_t version, const std::string& user) override;
  Result<ForgetReport> ForgetUser(const std::string& user) override;
  Result<uint64_t> ExportFeatures(std::ostream& out, std::ostream* names_out) override;
  Result<ModelImportReport> ImportModel(const std::string& path,
                                        const ModelImportOptions& options) override;
  // synonyms_db.cc
  Result<std::vector<std::vector<std::string>>> ListSynonyms(bool builtin) override;
  Status AddSynonyms(const std::vector<std::string>& terms) override;
  // suggest.cc
  Result<SuggestResponse> Suggest(const SuggestRequest& request) override;

 private:
  DatabaseImpl() = default;

  // A search after parsing, as the re-ranker and the logger need it.
  struct CompiledRequest {
    std::string query, query_norm, user;
    size_t k = 10, offset = 0;
    bool explain = false;
    uint32_t num_clauses = 0;
    // Per required clause of the compiled query, the term typo tolerance
    // may correct (the normalized word), or "" (a quoted phrase).
    std::vector<std::string> typo_terms;
    // The normalised texts and readings the required terms matched
    // through, for highlighting (index/highlighter.h). Whatever widens a
    // term's match (synonyms, readings, typo corrections) adds to it.
    index::MatchTerms match_terms;
  };
  // One shown result after re-ranking: its candidate row, score, the
  // interleaving team that placed it, and its explanation. An explored
  // result (rerank.cc) carries the probability that exploration put it
  // there; 0 for every other.
  struct RankedHit {
    size_t row = 0;
    double score = 0;
    uint8_t team = 0;
    std::vector<FeatureScore> features;
    double explore_probability = 0;
  };
  double Now() const;

  // The state (engine_state.h). EnsureFresh reloads the parts another
  // connection changed; Reload(parts) reads `parts` (and whatever else
  // another connection changed) from the file and installs them: called
  // after this connection's own commit, never before.
  // `committed`, when given, is the catalogue this connection's write just
  // committed (StoreCatalogMedians): installed instead of read again when
  // the file's gen_catalog is still its generation.
  Status EnsureFresh();
  Status Reload(unsigned parts, std::shared_ptr<const CatalogState> committed = nullptr);
  Result<Generations> ReadGenerations();
  // Inside the token's write transaction: marks `parts` changed, so that
  // other connections reload them.
  Status BumpGenerations(const storage::WriteToken& token, unsigned parts);
  // The docs table (and the category medians stored for `generation`, the
  // file's gen_catalog) as the open transaction sees the file.
  Result<std::shared_ptr<CatalogState>> LoadCatalogState(int64_t generation);
  // Every write that changes the catalogue calls it inside its transaction,
  // after BumpGenerations(kCatalogPart): reads the catalogue as the
  // transaction left it, computes its category medians and stores them
  // stamped with the new gen_catalog (meta.category_medians), so that an
  // open reads them instead of computing them. Returns that catalogue, for
  // Reload to install once the transaction committed.
  Result<std::shared_ptr<const CatalogState>> StoreCatalogMedians(const storage::WriteToken& token);
  // Called by Open after the first Reload: a read-write open of a file
  // whose medians are missing or stale (written by an older saiki) stores
  // them, in a transaction of its own. Best effort (a cache): skipped when
  // another process holds the write lock or changed the catalogue
  // meanwhile, and rolled back on any error, which the open does not see.
  void UpgradeCategoryMedians();
  Result<std::shared_ptr<const ConfigState>> LoadConfigState();
  // The learned models as of journal position `before_seq` (exclusive;
  // INT64_MAX: now): the global learner's active version (and its trees),
  // the position-bias estimate (or the prior).
  Result<std::shared_ptr<const ModelState>> LoadModelState(const EngineSettings& settings,
                                                          int64_t before_seq = INT64_MAX);
  // Sets m's global model (and trees) to `version` (0: the factory model).
  Status LoadGlobalVersion(int64_t version, ModelState* m);
  // The largest docid the products table ever handed out (sqlite_sequence),
  // capped at index::kMaxDocid: what stored docids are checked against.
  Result<uint32_t> MaxAssignedDocid();

  // importer.cc: deletes the product with `id`, if any, leaving its docid as
  // a tombstone for the postings that still hold it. Returns whether it
  // existed.
  Result<bool> RemoveById(const storage::WriteToken& token, const std::string& id);

  // index_writer.cc: all write inside the token's transaction.
  // One new segment of `builder`'s documents, joined with those of `runs`
  // (set aside before it, lower docids) when given: the lists and docs of
  // all of them in one segment. Nothing when there are no documents.
  Status WriteSegment(const storage::WriteToken& token, index::SegmentBuilder* builder,
                      index::SegmentRuns* runs = nullptr);
  // Where an import's scratch file goes: the database's directory (the
  // temporary directory for an in-memory database).
  std::string ScratchDir() const;
  // Stores segment `seg`'s docs: its row with the docs blob, and its cold
  // chunks (table doc_cold), in the token's transaction.
  Status InsertSegmentDocs(const storage::WriteToken& token, int64_t seg,
                           const index::SegmentDocs& docs);
  // Segment `seg`'s cold chunks from the store, for a full decode of its
  // docs (format 4); valid while the store is.
  index::ColdChunkScan ColdChunksOf(int64_t seg);
  Status MergeAllSegments(const storage::WriteToken& token);
  // Merges all segments when there are too many, or too many deletions.
  Status MaybeMerge(const storage::WriteToken& token);
  // Brings the posting lists to index::kPostingsFormat in one transaction of
  // its own (meta.postings_format says which they are): called by Open
  // only. A read-only open of an older format is refused, a newer one
  // always.
  Status UpgradePostingsFormat();
  // Re-indexes every product, in one transaction of its own, when the file's
  // posting lists were built by an older analysis (meta.analysis_version <
  // kAnalysisVersion: before readings). Called by Open after
  // UpgradePostingsFormat. A read-only open of such a file is refused, as
  // is a file of a newer analysis.
  Status UpgradeAnalysis();

  // search.cc
  Result<index::CompiledQuery> Compile(const ConfigState& config, const std::string& query,
                                       size_t k, bool explain, bool title_phrase,
                                       std::string* notice, CompiledRequest* req);

  // typos.cc: when a required term is rare or absent as a word and words
  // within its edit budget are more common, searches again with them as
  // alternatives at typo.weight; keeps that outcome when it finds more and
  // fills response->typos, did_you_mean and the notice (README "Typos").
  Status ApplyTypos(const EngineState& state, const CompiledRequest& req,
                    const index::CompiledQuery& cq, index::SearchOutcome* outcome,
                    SearchResponse* response);

  // rerank.cc: orders the candidates with the active ranker (interleaving
  // old and new personal models when a test runs); *champion is the
  // baseline version interleaved against, or -1.
  // Adds a closed session's shown products to its user's taste profile
  // (learning.cc), inside the caller's write transaction.
  Status UpdateTaste(const storage::WriteToken& t, const ranker::SessionLog& session,
                     const ModelState& models);
  // search_extras.cc: facet counts over the whole match set (`matches`,
  // the docids the searcher counted) and highlights of the shown hits,
  // added to `response`. Inside the search's read snapshot.
  static Status CheckExtras(const SearchRequest& request);  // facets and highlight options
  Status AddFacets(const EngineState& state, const SearchRequest& request,
                   const std::vector<uint32_t>& matches, SearchResponse* response);
  Status AddHighlights(const CompiledRequest& req, const SearchRequest& request,
                       SearchResponse* response);
  Status Rerank(const EngineState& state, const CompiledRequest& req,
                index::SearchOutcome* outcome, SearchResponse* response,
                std::vector<RankedHit>* ranked, int64_t* champion);
  // The personal offsets of `version` (0: zeros) at the global model's scale.
  Result<Eigen::VectorXd> PersonalWeights(int64_t version, const Eigen::VectorXd& scale);
  // The personalisation gate of a query, 0.25..1 (rerank.cc).
  Result<double> QueryGate(const EngineState& state, const std::string& query_norm);

  // sessions.cc: logging a personalised search into the user's session
  // (closing and learning from the user's idle sessions first, in the same
  // transaction). Returns the query id.
  Result<std::string> LogSearch(const CompiledRequest& req, const SearchResponse& response,
                                const std::vector<RankedHit>& ranked,
                                const std::vector<std::string>& product_ids, int64_t champion);

  // learning.cc: inside the caller's write transaction, with `models` the
  // learned state the close starts from (updated in place: the next close,
  // in a sweep or a replay, starts from what this one learned).
  // Journals a session's close and learns from it.
  Result<SessionReport> CloseSession(const storage::WriteToken& t, int64_t session_id,
                                     ModelState* models);
  // Learns from a journaled session close (the online loop and the replay).
  // `preloaded` and `preloaded_earlier` are the session's log and the
  // user's earlier sessions when the caller has them.
  Result<SessionReport> LearnFromSession(
      const storage::WriteToken& t, const storage::JournalEntry& entry, ModelState* models,
      const ranker::SessionLog* preloaded,
      const std::vector<ranker::SessionLog>* preloaded_earlier = nullptr);
  // A close's gathered inputs (GatherClose) and the buffers they point into.
  struct CloseInputs {
    ranker::SessionLog session;
    std::vector<ranker::SessionLog> earlier, window;
    std::vector<ranker::LoggedImpression> sample;
    ranker::SessionCloseInput in;  // points into the above
  };
  // Reads what a close of `entry` plans from: the session, the user's
  // earlier sessions, the learners' states, and, when a trigger fires, the
  // pooled window or the position-bias sample; all as of entry.seq.
  Status GatherClose(const storage::JournalEntry& entry, const ModelState& models,
                     const ranker::SessionLog* preloaded,
                     const std::vector<ranker::SessionLog>* preloaded_earlier, CloseInputs* out);
  // Reads the pooled learners' triggers as of journal position `seq` and,
  // when one fires, its inputs (into `window` and `sample`, which *in
  // points into). in->global_learner and in->global must be set.
  Status GatherPooled(int64_t seq, const LearnSettings& settings, ranker::PooledInput* in,
                      std::vector<ranker::SessionLog>* window,
                      std::vector<ranker::LoggedImpression>* sample);
  // Stores the pooled learners' part of a plan made at `entry` (the global
  // learner's candidate, statuses and state, a position-bias estimate) and
  // moves `models` to it; returns the candidate's version (0: none).
  Result<int64_t> ApplyPooled(const storage::WriteToken& t, const storage::JournalEntry& entry,
                              bool epoch_due, const ranker::LearnerPlan& global,
                              const std::optional<std::vector<double>>& propensities,
                              const std::optional<ranker::GlobalLinearModel>& promoted,
                              ModelState* models);
  // Plans and applies the pooled learners at a journaled pooled step
  // (LearnPooled and the replay).
  Result<PooledReport> RunPooled(const storage::WriteToken& t, const storage::JournalEntry& entry,
                                 ModelState* models);
  // Stores the plan (versions, statuses, learner states, position bias, the
  // session's outcome) and moves `models` to what it made active.
  Result<SessionReport> ApplyClose(const storage::WriteToken& t, const storage::JournalEntry& entry,
                                   const CloseInputs& inputs, const ranker::SessionPlan& plan,
                                   ModelState* models);
  // The learner state of `user` ('' global) before journal position
  // `before_seq`, or a new learner's.
  Result<ranker::LearnerState> LearnerBefore(const std::string& user, int64_t before_seq);

  // models.cc: rollbacks and imports as journal entries (the online call
  // and the replay apply them alike). `created` maps the versions a replay
  // re-created; an entry whose target is gone is skipped with a note.
  Status ApplyRollback(const storage::WriteToken& t, const storage::JournalEntry& entry,
                       ModelState* models);
  Result<ModelImportReport> ApplyImport(const storage::WriteToken& t,
                                        const storage::JournalEntry& entry, ModelState* models);

  // trees_model.cc: when `version` (the active global one) is a tree model,
  // sets *trees to it (reusing the current state's parsed model when it is
  // the same version) and returns the version of the linear global model
  // under it, whose normalisation the personal part uses (its nearest
  // linear ancestor; 0: the initial model); otherwise resets *trees and
  // returns `version`.
  Result<int64_t> LoadGlobalTrees(int64_t version,
                                  std::shared_ptr<const ranker::TreeEnsemble>* trees);

  std::unique_ptr<storage::Connection> conn_;
  // The stores own every SQL string of the catalogue, the index and the
  // file's bookkeeping (storage/*_store.h); declared after conn_, so they
  // go first.
  std::unique_ptr<storage::MetaStore> meta_store_;
  std::unique_ptr<storage::CatalogStore> catalog_store_;
  std::unique_ptr<storage::IndexStore> index_store_;
  std::unique_ptr<index::Analyzer> analyzer_;
  bool read_only_ = false;
  std::function<double()> clock_;
  // The current snapshot: replaced whole, never modified (engine_state.h).
  std::shared_ptr<const EngineState> state_;
  // Posting lists of the current catalogue (cleared when it is reloaded).
  std::unique_ptr<PostingCache> cache_;
  ranker::FeatureMatrix features_scratch_;  // reused by every re-rank
  // typos.cc: the corrections found for a term (word, distance, df) and the
  // term's own df, for the current catalogue (cleared with the posting
  // cache); at most kTypoCacheTerms terms.
  struct TypoCacheEntry {
    int64_t df = 0;
    std::vector<std::tuple<std::string, int, int64_t>> corrections;
  };
  std::unordered_map<std::string, TypoCacheEntry> typo_cache_;
  std::unique_ptr<storage::LogStore> logs_;
  std::unique_ptr<storage::ModelStore> models_;
};

}  // namespace saiki::engine

#endif  // SAIKI_ENGINE_DATABASE_IMPL_H_
