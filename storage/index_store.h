// The inverted index's tables and every SQL string that touches them:
//   segments(seg, first_docid, last_docid, ndocs, docs)
//                 one row per segment: its docid range, its document count
//                 and its docs blob (per-document numbers, format in
//                 index/doc_table.h);
//   postings(term, seg, df, data)
//                 one compressed posting list per term and segment (format
//                 in index/postings.h); unique on (term, seg);
//   doc_cold(id, data)
//                 the cold rows of format 4 docs blobs, one row per chunk of
//                 a segment's documents: id = seg << 32 | chunk;
//   tombstones(docid)
//                 deleted docids still present in postings, purged when the
//                 segments are merged;
// and, in table `meta`, the keys `postings_format` (the format every
// posting list of the file is in), `next_seg` (the next segment number;
// segment numbers only grow, so segment order is docid order),
// `analysis_version` and `category_medians`.
//
// The store does blob I/O only: it takes and returns bytes, and index/
// encodes and decodes them (the engine calls both). Rows that view a
// statement (the *View structs) are handed to a callback and are valid only
// during that call; the rest is owned by the caller.
//
// Read methods take no token and see whatever transaction is open (a
// ReadTransaction for a consistent snapshot). Writing methods take the
// WriteToken of the open write transaction (storage/sqlite.h) and fail with
// kInternal when it is another connection's. SQLite errors come back as
// Connection::FromSqlite makes them (naming the file): kBusy, kIoError,
// kCorruption, and kInvalidArgument for a broken constraint (a second list
// for the same term and segment).
//
// Thread-safety: as its Connection (one thread at a time). Callbacks must
// not call back into the method that is calling them (the statement is the
// same); calling other methods of the stores is fine, writing to the table
// being scanned is not.
#ifndef SAIKI_STORAGE_INDEX_STORE_H_
#define SAIKI_STORAGE_INDEX_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "saiki/status.h"
#include "storage/sqlite.h"

namespace saiki::storage {

// One row of `segments`. As a callback's argument, `docs` views the
// statement: valid during the call only. To insert, the views need only
// live for the call.
struct SegmentView {
  int64_t seg = 0;
  int64_t first_docid = 0, last_docid = 0;  // as stored: unchecked
  int64_t ndocs = 0;
  std::string_view docs;
};

// One row of `postings`, as a callback's argument: the views are valid
// during the call only.
struct PostingListView {
  std::string_view term;
  int64_t seg = 0;
  int64_t df = 0;  // as stored: unchecked against the list's header
  std::string_view data;
};

// One row of `postings`, owned (for the posting-format upgrade).
struct PostingListRow {
  std::string term;
  int64_t seg = 0;
  int64_t df = 0;
  std::string data;
};

class IndexStore {
 public:
  // `conn` must outlive the store.
  explicit IndexStore(Connection* conn) : conn_(conn) {}
  IndexStore(const IndexStore&) = delete;
  IndexStore& operator=(const IndexStore&) = delete;

  // The file's name, for callers' error messages.
  const std::string& path() const { return conn_->path(); }

  // --- meta ---------------------------------------------------------------

  // meta.postings_format. kCorruption when missing or below 1 (a file whose
  // index this saiki cannot interpret).
  Result<int64_t> PostingsFormat();
  Status SetPostingsFormat(const WriteToken& token, int64_t format);
  // meta.analysis_version: which analysis built the posting lists (1: before
  // readings; a missing key reads as 1). See docs/FORMAT.md.
  Result<int64_t> AnalysisVersion();
  Status SetAnalysisVersion(const WriteToken& token, int64_t version);
  // meta.category_medians: the catalogue's category medians as encoded by
  // ranker::EncodeCategoryMedians (a cache of what the docs table implies,
  // stamped with the generation it was computed at); nullopt when the file
  // has none (written by a saiki before them). kCorruption when the value
  // is not a blob.
  Result<std::optional<std::string>> CategoryMedians();
  Status SetCategoryMedians(const WriteToken& token, std::string_view blob);
  // Takes the next segment number (and advances meta.next_seg). kCorruption
  // when meta.next_seg is missing.
  Result<int64_t> NextSegmentId(const WriteToken& token);

  // --- segments -----------------------------------------------------------

  // Calls `visit` for every segment in segment order (= docid order), until
  // it returns an error, which is returned as it is: add the segment's
  // number to it inside the callback, while the row is still valid.
  Status ForEachSegment(const std::function<Status(const SegmentView&)>& visit);
  // As ForEachSegment without the docs blobs: SegmentView::docs is empty
  // and `docs_bytes` is its length, for reading it with OpenSegmentDocs
  // in pieces of the caller's choosing.
  Status ForEachSegmentRow(
      const std::function<Status(const SegmentView& row, size_t docs_bytes)>& visit);
  // Segment `seg`'s docs blob, open for reading at offsets; valid in the
  // transaction it was opened in.
  Result<std::unique_ptr<BlobReader>> OpenSegmentDocs(int64_t seg);
  // The largest last_docid of any segment; 0 when there is none.
  Result<int64_t> MaxLastDocid();
  Result<int64_t> CountSegments();
  // kInvalidArgument when a segment with this number exists.
  Status InsertSegment(const WriteToken& token, const SegmentView& segment);
  // Deletes every segment and every cold chunk.
  Status DeleteAllSegments(const WriteToken& token);

  // --- cold chunks (doc_cold) ---------------------------------------------

  // kInvalidArgument when seg is not in [0, 2^31) or chunk not in [0,
  // 2^32), or when the chunk exists.
  Status InsertColdChunk(const WriteToken& token, int64_t seg, int64_t chunk,
                         std::string_view data);
  // Chunk `chunk` of segment `seg` into *out (reusing its capacity); false,
  // *out unchanged, when there is none. kCorruption when its data is not a blob.
  Result<bool> ColdChunk(int64_t seg, int64_t chunk, std::string* out);
  // Calls `visit(chunk, data)` for each chunk of segment `seg` in chunk
  // order, until it returns an error, which is returned as it is; `data`
  // is valid during the call only.
  Status ForEachColdChunk(int64_t seg,
                          const std::function<Status(int64_t chunk, std::string_view data)>& visit);
  // Every segment number that has cold chunks, ascending (`saiki check`
  // looks for chunks of no segment), and the number of chunks.
  Result<std::vector<std::pair<int64_t, int64_t>>> ColdChunkCounts();
  // Deletes every posting list (a re-index rebuilds them all).
  Status DeleteAllLists(const WriteToken& token);

  // --- tombstones ---------------------------------------------------------

  // Every tombstoned docid, ascending.
  Result<std::vector<int64_t>> Tombstones();
  Result<int64_t> CountTombstones();
  // Marks `docid` deleted (again: no-op).
  Status AddTombstone(const WriteToken& token, int64_t docid);
  Status DeleteAllTombstones(const WriteToken& token);

  // --- posting lists ------------------------------------------------------

  // Calls `visit(seg, data)` for each list of `term`, in segment order,
  // until it returns an error, which is returned as it is. `data` is valid
  // during the call only. A term with no list visits nothing.
  Status ForEachListOfTerm(std::string_view term,
                           const std::function<Status(int64_t seg, std::string_view data)>& visit);
  // ForEachListOfTerm handing each list over as a string of its own (for a
  // caller that keeps it, as the posting cache does): a list of
  // kDirectListBytes or more is read from its blob straight into that
  // string, not first into SQLite's memory and then copied (at 1M
  // products, 犬's list is 382 KB: two fresh buffers of it were page
  // faults of a cold search).
  static constexpr int64_t kDirectListBytes = 64 << 10;
  Status ReadListsOfTerm(std::string_view term,
                         const std::function<Status(int64_t seg, std::string data)>& visit);
  // Calls `visit` for every posting list of the file, in no particular
  // order, until it returns an error, which is returned as it is.
  Status ForEachList(const std::function<Status(const PostingListView&)>& visit);
  // Every term with at least one list, in byte order.
  Result<std::vector<std::string>> DistinctTerms();
  // The smallest term >= `key` in byte order, or nullopt: one seek in the
  // postings index, for walks over the term dictionary (index/typo.h).
  Result<std::optional<std::string>> TermAtLeast(std::string_view key);
  // The sum of a term's per-segment document frequencies (deleted documents
  // still in a segment count until a merge); 0 when the term is absent.
  Result<int64_t> TermDf(std::string_view term);
  // The terms starting with `prefix` (not empty) with their summed
  // document frequencies, most frequent first (ties by term), at most
  // `limit` (suggestions, engine/suggest.cc).
  Result<std::vector<std::pair<std::string, int64_t>>> TermsWithPrefix(std::string_view prefix,
                                                                       int64_t limit);
  // Number of posting lists (rows), and their total size in bytes.
  Result<int64_t> CountLists();
  Result<int64_t> ListBytes();
  // kInvalidArgument when `term` already has a list in `seg`.
  Status InsertList(const WriteToken& token, std::string_view term, int64_t seg, int64_t df,
                    std::string_view data);
  // Deletes every list of `term`.
  Status DeleteListsOfTerm(const WriteToken& token, std::string_view term);

  // For the posting-format upgrade, which rewrites every list in place: the
  // rows' ids first (rewriting rows of the table a statement is scanning
  // could revisit them), then one row at a time.
  Result<std::vector<int64_t>> ListRowids();
  // The list with row id `rowid`, or nullopt when there is none.
  Result<std::optional<PostingListRow>> GetListByRowid(int64_t rowid);
  Status UpdateListData(const WriteToken& token, int64_t rowid, std::string_view data);

  // --- space --------------------------------------------------------------

  // PRAGMA incremental_vacuum: gives the free pages back to the file
  // system, in the token's transaction. A no-op in files created without
  // auto_vacuum (before posting format 2).
  Status IncrementalVacuum(const WriteToken& token);

 private:
  Result<int64_t> Count(const char* sql);
  Connection* conn_;
};

}  // namespace saiki::storage

#endif  // SAIKI_STORAGE_INDEX_STORE_H_
