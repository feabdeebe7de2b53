// The database schema: what one saiki file holds, its version, and the
// migrations that bring an older file up to date.
//
// A saiki database is an SQLite file with PRAGMA application_id = 0x5341494B
// ("SAIK") and PRAGMA user_version = its schema version. Tables (version 1):
//   meta(key, value)          counters and format versions
//   settings(key, value)      user-settable options (BM25F weights, ...)
//   products(docid, id, ...)  the catalogue; docid is the internal number
//                             used in postings, never reused (AUTOINCREMENT)
//   segments(seg, ...)        per-segment document table (docs blob)
//   postings(term, seg, ...)  one compressed posting list per term and
//                             segment (format in index/postings.h)
//   tombstones(docid)         deleted docids still present in postings,
//                             purged when segments are merged
//   synonyms(term, grp)       query-time synonym groups (normalized terms)
// Version 2 adds the learning loop's tables: sessions, impressions (with the
// logged feature vectors), impression_items, clicks, models (every version
// of every model), learners (each model's active version and guard state),
// propensities (position-bias estimates).
// Version 3 makes learning replayable: journal (every event that changed
// learned state, in order), learner_states and propensity_sets keyed by
// journal position (replacing learners and propensities), models gain the
// journal position that made them, forced, and evidence; impressions gain
// first_rank (a page's offset).
// Version 4 adds tastes(user, profile): each user's taste profile
// (ranker/taste.h), updated when their sessions close, deleted with them;
// impressions gain explore_position and explore_probability (the shown
// position exploration filled and the probability it did; NULL: none).
// Version 5 adds doc_cold(id, data): the cold rows of docs blobs of format 4
// (index/doc_table.h), one row per chunk of a segment's documents, id =
// seg << 32 | chunk.
// The full description, with the blob formats, is in docs/FORMAT.md.
#ifndef SAIKI_STORAGE_SCHEMA_H_
#define SAIKI_STORAGE_SCHEMA_H_

#include "saiki/status.h"
#include "storage/sqlite.h"

namespace saiki::storage {

inline constexpr int kApplicationId = 0x5341494B;  // "SAIK"
inline constexpr int kSchemaVersion = 6;

// Sets the connection's pragmas (WAL, synchronous=NORMAL, foreign keys) and
// makes sure the file is a saiki database of the current schema: creates the
// schema in an empty file, migrates an older one in one transaction.
// Fails with kCorruption for a file that is not a saiki database (another
// SQLite database, or not SQLite at all), kNotSupported for a newer schema.
// A read-only connection is checked but never created or migrated
// (kNotSupported if it would need to be).
Status PrepareSchema(Connection* conn, bool read_only);

}  // namespace saiki::storage

#endif  // SAIKI_STORAGE_SCHEMA_H_
