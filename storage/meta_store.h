// The file-wide bookkeeping that belongs to no one table's store: how the
// engine notices that another connection committed (PRAGMA data_version and
// the generation counters in table `meta`), and SQLite's own integrity check.
//
// Table `meta(key, value)` is shared by key: this store owns `gen_catalog`,
// `gen_config` and `gen_models` (written by the first write that bumps one;
// a missing key reads as 0); IndexStore owns `postings_format` and
// `next_seg`. The engine maps its state parts (engine/engine_state.h) to the
// counters; this store knows nothing of what they guard.
//
// Read methods take no token and run in whatever transaction is open (or
// autocommit); writing methods take the WriteToken of the open write
// transaction (storage/sqlite.h). Errors are those of Connection::FromSqlite,
// naming the file.
//
// Thread-safety: as its Connection (one thread at a time).
#ifndef SAIKI_STORAGE_META_STORE_H_
#define SAIKI_STORAGE_META_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "saiki/status.h"
#include "storage/sqlite.h"

namespace saiki::storage {

// The generation counters, as read from `meta`.
struct GenerationCounters {
  int64_t catalog = 0;  // meta.gen_catalog
  int64_t config = 0;   // meta.gen_config
  int64_t models = 0;   // meta.gen_models
};

// One counter, for Bump.
enum class GenerationCounter { kCatalog, kConfig, kModels };

class MetaStore {
 public:
  // `conn` must outlive the store.
  explicit MetaStore(Connection* conn) : conn_(conn) {}
  MetaStore(const MetaStore&) = delete;
  MetaStore& operator=(const MetaStore&) = delete;

  // PRAGMA data_version: a number that changes when another connection
  // commits to the file (never for this connection's own commits).
  Result<int64_t> DataVersion();

  // The three generation counters; a counter never bumped reads as 0.
  Result<GenerationCounters> ReadGenerations();
  // Adds 1 to `which` (creating it at 1), inside the token's transaction,
  // so that other connections see the change when it commits.
  Status BumpGeneration(const WriteToken& token, GenerationCounter which);

  // PRAGMA integrity_check: the problems SQLite reports, one per line;
  // empty when the file is sound. A file too damaged to be read at all
  // fails (kCorruption) rather than listing problems.
  Result<std::vector<std::string>> IntegrityProblems();

 private:
  Connection* conn_;
};

}  // namespace saiki::storage

#endif  // SAIKI_STORAGE_META_STORE_H_
