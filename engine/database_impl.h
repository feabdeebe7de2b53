// The implementation behind saiki::Database: one SQLite connection, the
// analyzer, and the in-memory state derived from the file (docs table,
// posting cache, settings, synonyms), reloaded whenever another connection
// commits (PRAGMA data_version) or this one writes.
//
// Split by concern over several .cc files of this folder:
//   database.cc  open, state loading, settings, stats, synonyms
//   importer.cc  CSV import, delete
//   index_writer.cc  writing segments, merging them
//   search.cc    query compilation and the search call
#ifndef SAIKI_ENGINE_DATABASE_IMPL_H_
#define SAIKI_ENGINE_DATABASE_IMPL_H_

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "index/analyzer.h"
#include "index/doc_table.h"
#include "index/searcher.h"
#include "index/segment_builder.h"
#include "saiki/saiki.h"
#include "storage/sqlite.h"

namespace saiki::engine {

// Limits (README "Limits"). Product ids and field sizes are checked on
// import; queries by the parser.
inline constexpr size_t kMaxIdBytes = 256;
inline constexpr size_t kMaxFieldBytes = 64 * 1024;
inline constexpr int kMaxK = 1000;
inline constexpr int kMaxOffset = 10000;
// Segments are flushed when the builder holds this much.
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

// Posting lists read from SQLite, cached by term until the next reload.
class PostingCache : public index::PostingSource {
 public:
  explicit PostingCache(storage::Connection* conn) : conn_(conn) {}
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
  storage::Connection* conn_;
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
  Result<uint64_t> DeleteProducts(const std::vector<std::string>& ids) override;
  Result<SearchResponse> Search(const SearchRequest& request) override;
  Result<std::optional<Product>> GetProduct(const std::string& id) override;
  Result<Stats> GetStats() override;
  Result<std::string> GetSetting(const std::string& key) override;
  Status SetSetting(const std::string& key, const std::string& value) override;
  Result<std::vector<std::pair<std::string, std::string>>> ListSettings() override;
  Result<uint64_t> LoadSynonyms(const std::string& path) override;
  Status Optimize() override;

 private:
  DatabaseImpl() = default;

  // State derived from the file.
  Status EnsureFresh();  // reloads when another connection committed
  Status Reload();
  Status LoadSettings();

  // index_writer.cc: all run inside the caller's transaction.
  Status WriteSegment(index::SegmentBuilder* builder);
  Status MergeAllSegments();
  Status MaybeMerge();
  Result<int64_t> NextSegmentId();

  // search.cc
  Result<index::CompiledQuery> Compile(const std::string& query, size_t k, bool explain,
                                       std::string* notice);

  std::unique_ptr<storage::Connection> conn_;
  std::unique_ptr<index::Analyzer> analyzer_;
  bool read_only_ = false;
  int64_t data_version_ = -1;
  index::DocTable docs_;
  std::unique_ptr<PostingCache> cache_;
  index::Bm25fParams params_;
  std::unordered_map<std::string, std::vector<std::string>> synonyms_;  // term -> its group
};

}  // namespace saiki::engine

#endif  // SAIKI_ENGINE_DATABASE_IMPL_H_
