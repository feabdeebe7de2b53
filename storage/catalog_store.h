// The catalogue's tables and every SQL string that touches them:
//   products(docid, id, ...)  one row per live product. docid is the
//                             internal number the index uses; AUTOINCREMENT
//                             hands out each value once, so a replaced or
//                             deleted product's docid is never reused (the
//                             index keeps it as a tombstone until a merge);
//   settings(key, value)      user-settable options, stored as canonical text
//                             (the engine validates them: engine/settings.h);
//   synonyms(term, grp)       query-time synonym groups of normalized terms;
// and temp.import_seen, the ids a `--replace` import has stored so far.
//
// The store moves rows, not meaning: product attributes are stored as the
// JSON text the engine encodes, settings as strings, synonym terms as given.
//
// Read methods take no token and see whatever transaction is open (a
// ReadTransaction for a consistent snapshot). Writing methods take the
// WriteToken of the open write transaction (storage/sqlite.h) and fail with
// kInternal when it is another connection's. SQLite errors come back as
// Connection::FromSqlite makes them (naming the file): kBusy, kIoError,
// kCorruption, and kInvalidArgument for a broken constraint.
//
// Thread-safety: as its Connection (one thread at a time). Callbacks must
// not call back into the method that is calling them (the statement is the
// same); calling other methods of the stores is fine.
#ifndef SAIKI_STORAGE_CATALOG_STORE_H_
#define SAIKI_STORAGE_CATALOG_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "saiki/status.h"
#include "storage/sqlite.h"

namespace saiki::storage {

// A product's columns for an insert. The views need only live for the call.
struct ProductFields {
  std::string_view id;  // unique, non-empty (the engine checks)
  std::string_view title, description, brand, category, tags;
  std::optional<double> price, rating;  // NULL when unknown
  std::optional<int64_t> review_count;
  std::string_view attrs_json = "{}";  // extra CSV columns as a JSON object
};

// A stored product, every column owned.
struct ProductRow {
  int64_t docid = 0;
  std::string id, title, description, brand, category, tags;
  std::optional<double> price, rating;
  std::optional<int64_t> review_count;
  std::string attrs_json;
};

// What a search result shows of a product, read by docid.
struct HitRow {
  std::string id, title, brand, category;
  std::optional<double> price;
};

class CatalogStore {
 public:
  // `conn` must outlive the store.
  explicit CatalogStore(Connection* conn) : conn_(conn) {}
  CatalogStore(const CatalogStore&) = delete;
  CatalogStore& operator=(const CatalogStore&) = delete;

  // --- products -----------------------------------------------------------

  // Inserts a product and returns its new docid (larger than every docid
  // handed out before). kInvalidArgument when a product with this id
  // already exists: an upsert deletes the old one first (DeleteById).
  Result<int64_t> Insert(const WriteToken& token, const ProductFields& product);
  // Deletes the product with `id` and returns the docid it had, or nullopt
  // when there is none. The docid's postings are the caller's to tombstone.
  Result<std::optional<int64_t>> DeleteById(const WriteToken& token, std::string_view id);
  // The docid of the product with `id`, or nullopt.
  Result<std::optional<int64_t>> FindDocid(std::string_view id);
  // The product with `id`, or nullopt.
  Result<std::optional<ProductRow>> GetProduct(std::string_view id);
  // What a hit shows of the product with `docid`, or nullopt when no product
  // has it (a deleted one, or an index out of step with the table).
  Result<std::optional<HitRow>> GetHitRow(int64_t docid);
  // Calls `visit(docid, id)` for every product, in docid order, until it
  // returns an error, which is returned as it is. `id` views the row and is
  // valid only during the call.
  Status ForEachProductId(const std::function<Status(int64_t docid, std::string_view id)>& visit);
  // Calls `visit(row)` for every product, in docid order, until it returns
  // an error, which is returned as it is. `row` is reused between calls.
  Status ForEachProduct(const std::function<Status(const ProductRow& row)>& visit);
  Result<int64_t> CountProducts();
  // The largest docid ever handed out (products' AUTOINCREMENT counter in
  // sqlite_sequence), deleted products included; 0 before the first insert.
  // Stored docids larger than this are corrupt.
  Result<int64_t> MaxAssignedDocid();

  // --- the ids a `--replace` import has seen (temp.import_seen) ----------
  // The set lives in the connection's temp schema: created and emptied by
  // BeginSeenIds, gone with a rollback, emptied again by DeleteUnseen.

  // Creates the set if needed and empties it.
  Status BeginSeenIds(const WriteToken& token);
  // Adds `id` to the set (again: no-op). The set must exist (BeginSeenIds
  // on this connection, not undone by a rollback): else kInternal naming
  // the missing table.
  Status MarkSeen(const WriteToken& token, std::string_view id);
  // Deletes every product whose id is not in the set, empties the set, and
  // returns the deleted products' docids (ascending) for the caller to
  // tombstone.
  Result<std::vector<int64_t>> DeleteUnseen(const WriteToken& token);

  // --- settings -----------------------------------------------------------

  // Every stored (key, value), ordered by key. Keys this saiki does not
  // know (written by a newer one) are returned too.
  Result<std::vector<std::pair<std::string, std::string>>> ListSettings();
  // Stores `value` under `key`, replacing any previous value.
  Status PutSetting(const WriteToken& token, std::string_view key, std::string_view value);

  // --- synonyms -----------------------------------------------------------

  // Every (group number, term), ordered by group then term.
  Result<std::vector<std::pair<int64_t, std::string>>> ListSynonyms();
  // Replaces every synonym with `groups`: the terms of groups[g] are stored
  // with group number g. A term listed in two groups ends in the later one.
  Status ReplaceSynonyms(const WriteToken& token,
                         const std::vector<std::vector<std::string>>& groups);
  // Adds one group of terms with a new group number (one above the
  // largest); a term already in another group moves to this one.
  Status AddSynonymGroup(const WriteToken& token, const std::vector<std::string>& terms);

 private:
  Connection* conn_;
};

}  // namespace saiki::storage

#endif  // SAIKI_STORAGE_CATALOG_STORE_H_
