// The log store: what users did (sessions, logged impressions with their
// feature vectors, shown products, clicks) and the learning journal, the
// order of every event that changed learned state. It owns the SQL of the
// tables sessions, impressions, impression_items, clicks and journal, and
// the codecs of their blobs (docs/FORMAT.md, schema version 3):
//   impressions.features         shown rows x nfeatures float32, little-endian
//   impressions.candidate_stats  f64 count, then per feature f64 mean and
//                                f64 sum of squared deviations, over every
//                                candidate of the search
//   clicks.snapshot              u32 product id hash, u32 brand hash, 3 x u32
//                                category hashes, f32 price, 8 x u16 title
//                                MinHash (40 bytes)
// Decoders check every size and value and report kCorruption naming the
// file and the query id; they never read past a blob.
//
// Methods that write take a WriteToken (storage/sqlite.h): only a top-level
// API call begins the transaction they run in. Reads run in whatever
// transaction the caller holds (or none). Returned values own their data.
// Thread-safety: as the Connection's.
#ifndef SAIKI_STORAGE_LOG_STORE_H_
#define SAIKI_STORAGE_LOG_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ranker/features.h"
#include "ranker/session_log.h"
#include "saiki/status.h"
#include "storage/sqlite.h"

namespace saiki::storage {

// A journal entry (table journal). Sequence numbers only grow; forgetting a
// user deletes the user's entries and leaves gaps.
// kPooled: a pooled step apart from the closes (Database::LearnPooled).
enum class JournalKind { kSession = 1, kRollback = 2, kImport = 3, kPooled = 4 };
struct JournalEntry {
  int64_t seq = 0;
  JournalKind kind = JournalKind::kSession;
  // kSession: the session's user; kRollback: the scope ('' global, else
  // the user whose personal model was rolled back).
  std::string user;
  int64_t session_id = 0;  // kSession
  int64_t version = 0;     // kRollback: the target; kImport: the imported version
  int mode = 0;            // learn.mode in effect (ranker::LearnMode)
  bool pooled = false;     // kSession: fed the pooled learners
  int64_t clicks = 0;      // kSession: clicked positions (what the propensity trigger counts)
  bool forced = false;     // kImport: --force
  std::string note;        // kSession: why not pooled
  // kSession: the close left the pooled learners to pooled steps
  // (learn.pooled_at apart when it closed); a replay does the same.
  bool pooled_apart = false;
  double at = 0;
};

struct ImpressionToLog {
  int64_t session_id = 0;
  std::string user, query, query_norm, ranker;
  double at = 0;
  int64_t global_version = 0, user_version = 0;
  int64_t champion = -1;  // interleaving baseline; -1: not interleaved
  double gate = 1;
  uint32_t first_rank = 0;  // the page's offset
  // The feature rows of every candidate (for the statistics) and which of
  // them were shown, in shown order, with their product ids and teams.
  const ranker::FeatureMatrix* features = nullptr;
  std::vector<size_t> shown_rows;
  std::vector<std::string> product_ids;
  std::vector<uint8_t> teams;
  // The position exploration filled (-1: none) and the probability that it
  // did (engine/rerank.cc).
  int64_t explore_position = -1;
  double explore_probability = 0;
};

struct ClickToLog {
  int64_t query_id = 0;
  std::string user, product_id;
  int64_t position = 0;
  int kind = 1;
  double at = 0;
  ranker::ClickRecord snapshot;
};

// Pooled evidence between two journal positions.
struct PoolStats {
  uint64_t sessions = 0, users = 0, clicks = 0;
};

// One logged impression as the feature export writes it.
struct ExportedImpression {
  int64_t query_id = 0;
  ranker::FeatureMatrix features;          // shown rows
  std::vector<std::string> product_ids;    // by shown position
  std::vector<int> labels;                 // strongest signal by position
};

class LogStore {
 public:
  explicit LogStore(Connection* conn);

  // --- Sessions.
  struct OpenSessionRow {
    int64_t session_id = 0;
    double last_at = 0;
    double started_at = 0;
  };
  // The user's open sessions, oldest first.
  Result<std::vector<OpenSessionRow>> OpenSessionsOf(std::string_view user);
  // Open sessions last active before `cutoff`, oldest first.
  Result<std::vector<int64_t>> IdleSessions(double cutoff);
  struct SessionRow {
    std::string user;
    bool closed = false;
  };
  Result<std::optional<SessionRow>> GetSession(int64_t session_id);
  Result<int64_t> OpenSession(const WriteToken& t, std::string_view user, double now);
  // last_at = max(last_at, at).
  Status TouchSession(const WriteToken& t, int64_t session_id, double at);
  Status CloseSession(const WriteToken& t, int64_t session_id, double at, std::string_view outcome);

  // --- Impressions and clicks (the serving side).
  // Returns the query id.
  Result<int64_t> InsertImpression(const WriteToken& t, const ImpressionToLog& imp);
  struct ImpressionOwner {
    std::string user;
    int64_t session_id = 0;
    bool session_open = false;
  };
  Result<std::optional<ImpressionOwner>> FindImpression(int64_t query_id);
  // The shown position of `product_id` in impression `query_id`, if shown.
  Result<std::optional<int64_t>> ShownPosition(int64_t query_id, std::string_view product_id);
  Status InsertClick(const WriteToken& t, const ClickToLog& click);
  // The user's last `limit` clicks, newest first, with their snapshots.
  Result<std::vector<ranker::ClickRecord>> RecentClicks(std::string_view user, int limit);
  // The distinct (user, product) clicks on the last `impressions` logged
  // impressions of a normalized query in pooled sessions journaled at or
  // before `up_to_seq` (the personalisation gate's click entropy).
  Result<std::vector<std::pair<std::string, std::string>>> QueryClickPairs(
      std::string_view query_norm, int64_t up_to_seq, int impressions);
  // Logged searches whose normalized query starts with `prefix` (not
  // empty), in query order, at most `limit`: the query, its user, its time
  // and the clicks on its results (suggestions, engine/suggest.cc).
  struct QueryPrefixRow {
    std::string query_norm, user;
    double at = 0;
    int64_t clicks = 0;
  };
  Result<std::vector<QueryPrefixRow>> QueriesWithPrefix(std::string_view prefix, int64_t limit);

  // --- Learning reads. A session's log holds its impressions (signals,
  // teams, candidate statistics) and click events.
  Result<ranker::SessionLog> LoadSession(int64_t session_id);
  // The product ids a session's impressions showed, per impression in the
  // order LoadSession gives them, by shown position.
  Result<std::vector<std::vector<std::string>>> ShownProducts(int64_t session_id);
  // The user's closed sessions journaled before `before_seq`, newest first.
  Result<std::vector<ranker::SessionLog>> LoadUserSessions(std::string_view user,
                                                           int64_t before_seq, int64_t limit);
  // The newest `limit` pooled sessions journaled at or before `up_to_seq`,
  // at most `per_user` of one user (so that one busy user or bot cannot
  // crowd the others out of a window), newest first. Only the newest
  // 4 * limit pooled sessions are considered (a bounded cost).
  Result<std::vector<ranker::SessionLog>> LoadPooledSessions(int64_t up_to_seq, int64_t limit,
                                                             int64_t per_user);
  // Pooled evidence with journal position in (after_seq, up_to_seq]: the
  // sessions, counting at most `sessions_per_user` of one user; the
  // distinct users; the clicked positions, counting at most
  // `clicks_per_user` of one user. So one user cannot hurry an epoch or a
  // position-bias estimate.
  Result<PoolStats> PooledBetween(int64_t after_seq, int64_t up_to_seq, int64_t sessions_per_user,
                                  int64_t clicks_per_user);
  // Session entries not pooled with position in [from_seq, up_to_seq].
  Result<uint64_t> ScreenedBetween(int64_t from_seq, int64_t up_to_seq);

  // --- The journal.
  // Appends an entry; returns its seq (entry.seq is ignored).
  Result<int64_t> AppendJournal(const WriteToken& t, const JournalEntry& entry);
  // Whether a pooled session was journaled after the last pooled step (or
  // ever, before the first): only those move the pooled learners' triggers.
  Result<bool> PooledSinceLastStep();
  // Entries with seq >= from_seq, in order.
  Result<std::vector<JournalEntry>> JournalFrom(int64_t from_seq);
  // The first entry of the user's sessions (nullopt: none).
  Result<std::optional<int64_t>> FirstSeqOf(std::string_view user);
  Status SetJournalVersion(const WriteToken& t, int64_t seq, int64_t version);
  // Entries at or below it were migrated from schema version 2, whose
  // learner states are not kept per position (meta.journal_floor; 0: none).
  Result<int64_t> JournalFloor();
  // After a replay from the start: every position has its state now.
  Status ClearJournalFloor(const WriteToken& t);

  // --- Export and forgetting.
  // Every logged impression in query id order, one at a time.
  Status ForEachExported(const std::function<Status(const ExportedImpression&)>& visit);
  // Deletes the user's impressions, shown products, clicks, sessions and
  // journal entries (sessions and rollbacks of the user's personal model).
  // Returns the rows deleted.
  Result<uint64_t> DeleteUser(const WriteToken& t, std::string_view user);

 private:
  enum Selector { kBySession = 0, kByUser = 1, kPooled = 2, kNumSelectors };
  Result<std::vector<ranker::SessionLog>> Load(Selector sel,
                                               const std::function<void(Statement*)>& bind);
  Connection* conn_;
  // Per selector: sessions, impressions, clicks, teams (SQL built once).
  std::string sql_[kNumSelectors][4];
};

}  // namespace saiki::storage

#endif  // SAIKI_STORAGE_LOG_STORE_H_
