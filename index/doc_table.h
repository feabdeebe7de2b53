// The per-document numbers the query path needs for every matching document:
// field lengths (for BM25F length normalisation), price (for price filters)
// and whether the document is live (not deleted). Kept in memory as arrays
// indexed by docid, filled from the segments' docs blobs.
//
// It also holds what the re-ranker's product features need without a trip
// to the products table: hashes of the brand and category levels, rating,
// review count, and a b-bit MinHash signature of the title's tokens (for the
// text similarity of a product to what a user clicked).
//
// Segment docs, format 4, written by every write that encodes a segment
// (import, merge, re-index): the docs blob (table `segments`, column `docs`)
// holds what an open and a search need, and the cold rows (what only the
// re-ranker, facets and some sorts read) are in table `doc_cold`, one row per
// chunk of `chunk_docs` documents, so that a re-ranker reads the chunks of
// its ~200 candidates and nothing else. All little-endian, floats IEEE (NaN
// when unknown), varints LEB128:
//   header (72 bytes): u8 format(=4), u8 flags (bit 0: dense, as in format
//     3), u16 chunk_docs (>= 1), u32 ndocs, u32 first_docid, u32
//     last_docid, kNumFields x u64 field length totals, u32 nbrands, u32
//     ncategories, u32 nratings, u32 0 (reserved);
//   docid column (absent when dense): as in format 3;
//   brands: nbrands x u32 brand hash; categories: ncategories x
//     kCategoryLevels x u32 level hashes; ratings: nratings x f32 (each
//     distinct value of the segment once, as its bits: one NaN is one value);
//   hot column: ndocs x 16 bytes, as in format 3.
// The blob is exactly that long. Chunk c (doc_cold row key seg << 32 | c)
// holds the cold rows of the segment's documents c*chunk_docs ..
// min(ndocs, (c+1)*chunk_docs) - 1 (in docid order), each: u32 product id
// hash, varint brand index, varint category index, varint rating index,
// varint review count, kSignatureSlots x u16 title signature; the chunk is
// exactly that long, and a segment has exactly ceil(ndocs / chunk_docs)
// chunks. About 25 bytes a document against format 3's 44, and a chunk of
// 16 fits many times in a page: one page read per candidate's chunk.
//
// Format 3 (still read; a merge rewrites it in format 4), fixed-width
// columns in the blob:
//   header (64 bytes): u8 format(=3), u8 flags (bit 0: dense, the docids are
//     first_docid..first_docid+ndocs-1 and there is no docid column; other
//     bits 0), u16 0, u32 ndocs, u32 first_docid, u32 last_docid,
//     kNumFields x u64 the sum of each field's lengths over the documents,
//     u64 0 (reserved);
//   docid column (absent when dense): ndocs x u32, strictly increasing, from
//     first_docid to last_docid;
//   hot column: ndocs x 16 bytes, DocTable's in-memory hot row:
//     kNumFields x u16 field lengths, u16 0, f32 price;
//   cold column: ndocs x 44 bytes, DocTable's in-memory cold row: u32 product
//     id hash, u32 brand hash, kCategoryLevels x u32 category level hashes,
//     f32 rating, u32 review count, kSignatureSlots x u16 title signature.
// The blob is exactly that long. Nothing in it is decoded: an open reads
// the header (and the docid column of a sparse segment) to know which
// docids are live and the length totals; the first search reads the hot
// column into the table, straight into its rows, and the cold column too
// in the same pass when it needs it (re-ranking, facets, sorts by rating
// or reviews; DocTable::EnsureHot, EnsureCold). Brand and category are
// stored as hashes, not as indexes into tables as in format 2: a row then
// needs no lookup and no check to be copied, at 8 bytes more per document.
//
// Why the columns are read whole when first needed, and the re-ranker's
// ~200 candidates' cold rows not read one by one: a blob is a chain of
// SQLite overflow pages, and the first read at an offset through a fresh
// blob handle walks the chain from the start (on the 1M-product file it
// read a page per 4 KiB passed, auto_vacuum's pointer map
// notwithstanding). There, one 44-byte read near the end of the 37 MB
// format 2 blob took 22-33 ms, in the middle 9-11 ms; the whole blob 15-31
// ms (load 3-6). A handle cannot stay open between calls (it holds a read
// transaction); a second handle for the cold column after the hot one's
// read made 18.8k page reads for `saiki search 犬` against 14.8k in one
// pass (strace). Hence format 4's table of chunks keyed by segment and
// chunk number.
//
// Format 2 (still read, and re-encoded in format 4 when a merge rewrites
// the segment):
//   u8 format(=2) varint ndocs, varint nbrands, nbrands x u32 brand hash,
//   varint ncategories, ncategories x (3 x u32 category level hashes), then
//   per doc: varint docid_delta (from the previous docid, the first from 0),
//   kNumFields varint field lengths, f32 price, u32 product id hash, varint
//   brand index, varint category index, f32 rating, varint review count,
//   kSignatureSlots x u16 title signature. Format 1 (also still read) had
//   no tables and each doc's u32 brand and 3 x u32 category hashes in place
//   of the two indexes. Both are decoded document by document at open.
#ifndef SAIKI_INDEX_DOC_TABLE_H_
#define SAIKI_INDEX_DOC_TABLE_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <mutex>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "index/postings.h"
#include "saiki/status.h"

namespace saiki::index {

// The format every write encodes; formats 1, 2 and 3 are still read.
inline constexpr uint8_t kDocsFormat = 4;
// Documents per cold chunk in format 4 (the header says which a segment
// uses). 16 rows of about 25 bytes: a chunk is a small part of a page, so
// that pages stay nearly full (a row does not straddle pages in SQLite) and
// a candidate's read decodes few rows besides its own.
inline constexpr uint16_t kColdChunkDocs = 16;
// The largest docid a database may hold (docids count every product ever
// inserted, re-imports included): the docs table keeps arrays indexed by
// docid, so a corrupt blob must not make it allocate beyond this.
inline constexpr uint32_t kMaxDocid = (1u << 30) - 1;
inline constexpr int kCategoryLevels = 3;
inline constexpr int kSignatureSlots = 8;
using TitleSignature = std::array<uint16_t, kSignatureSlots>;

struct DocInfo {
  uint32_t docid = 0;
  FieldLengths lengths{};
  float price = 0;  // NaN when unknown
  uint32_t id_hash = 0;  // StableHash of the product id (stable across re-imports)
  uint32_t brand = 0;  // StableHash of the normalized brand; 0 when none
  // StableHash of the normalized category path prefixes (level 1, 1>2,
  // 1>2>3); 0 where the path is shorter.
  std::array<uint32_t, kCategoryLevels> category{};
  float rating = 0;  // NaN when unknown
  uint32_t reviews = 0;
  TitleSignature signature{};
};

// A hash that never changes across platforms or releases (it is stored):
// 64-bit FNV-1a folded to 32 bits, never 0 for a non-empty input.
uint32_t StableHash(std::string_view bytes);

// b-bit MinHash (Li & Koenig 2010) of a set of tokens: slot i keeps the low
// 16 bits of the minimum of hash_i over the tokens. The share of equal slots
// of two signatures estimates the Jaccard similarity of their sets. The
// signature of an empty set is all zeros.
TitleSignature MinHashSignature(const std::vector<std::string_view>& tokens);
double SignatureSimilarity(const TitleSignature& a, const TitleSignature& b);

// A segment's docs in format 4: the docs blob and its cold chunks
// (chunks[c] is doc_cold's row for chunk c), and the docid range.
struct SegmentDocs {
  std::string blob;
  std::vector<std::string> chunks;
  uint32_t first_docid = 0, last_docid = 0, ndocs = 0;  // 0 when empty
};
// Docs sorted by docid, strictly increasing, each at most kMaxDocid; in
// format 4, `chunk_docs` (>= 1) documents a chunk.
SegmentDocs EncodeSegmentDocs(const std::vector<DocInfo>& docs,
                              uint16_t chunk_docs = kColdChunkDocs);
// The single-blob formats, for tests and tools that need one: 3 (the
// default) or 2 (format 1 is no longer written).
std::string EncodeDocs(const std::vector<DocInfo>& docs, uint8_t format = 3);

// Visits one segment's cold chunks (format 4; doc_cold's rows of the
// segment) in increasing chunk order, until `visit` fails (its error is
// returned as it is).
using ColdChunkVisitor = std::function<Status(int64_t chunk, std::string_view data)>;
using ColdChunkScan = std::function<Status(const ColdChunkVisitor& visit)>;

// Calls `visit` for each document of the blob. kCorruption when malformed
// (for format 4, when a chunk is missing, extra, short or malformed:
// the message names the chunk). A format 4 blob needs `chunks`, its
// segment's cold chunks (kInternal without).
Status DecodeDocs(std::string_view blob, const std::function<void(const DocInfo&)>& visit,
                  const ColdChunkScan& chunks = {});

// The fewest bytes one document takes in a docs blob of any format
// (format 2, one-byte varints).
inline constexpr size_t kMinDocBytes = 1 + kNumFields + 4 + 4 + 1 + 1 + 4 + 1 + 2 * kSignatureSlots;

// The most bytes one document takes in format 1 or 2 (format 1, five-byte
// varints): a streamed decode keeps at least this much of the blob in its
// window.
inline constexpr size_t kMaxDocBytes = 5 * (1 + kNumFields) + 4 + 4 + 4 * (1 + kCategoryLevels) + 4 +
                                       5 + 2 * kSignatureSlots;

// What a segment's row in table `segments` says about its docs blob.
struct SegmentDocsRow {
  int64_t first_docid = 0;
  int64_t last_docid = 0;
  int64_t ndocs = 0;
};

// DecodeDocs for a blob read from a database, checked against its segment's
// row and against `max_docid`, the largest docid the database ever assigned:
// a corrupt blob or row must not make the caller size a docid-indexed table
// (DocTable) by a docid the database never had. Before anything is visited,
// the row must satisfy 1 <= first_docid <= last_docid <= max_docid and
// 1 <= ndocs <= last_docid - first_docid + 1, the blob must be long enough
// for ndocs documents and its header must say ndocs; every docid visited
// lies in [first_docid, last_docid]; the first and last docids must be the
// row's. kCorruption naming the mismatch otherwise (documents visited before
// a later error were within the row's range).
// A format 4 blob needs `chunks`, as DecodeDocs.
Status DecodeSegmentDocs(std::string_view blob, const SegmentDocsRow& row, uint32_t max_docid,
                         const std::function<void(const DocInfo&)>& visit,
                         const ColdChunkScan& chunks = {});

// Reads bytes [offset, offset + out.size()) of a blob into `out` (a
// stored blob read in place, e.g. with SQLite's incremental blob I/O);
// an error stops the decode and is returned as it is.
using BlobReadAt = std::function<Status(size_t offset, std::span<char> out)>;
// The window a streamed decode reads the blob through.
inline constexpr size_t kDocsChunkBytes = size_t{64} << 10;

// DecodeSegmentDocs of a blob of `blob_size` bytes that is not in memory:
// read through `read` in chunks of `chunk_bytes` into one small buffer
// reused to the end, instead of a copy of the whole blob (40 MB at 1M
// products, zero-filled by the kernel at every open). The same checks,
// errors and visits as the in-memory form (tests/doc_table_test.cc
// compares them), plus `read`'s errors unchanged.
Status DecodeSegmentDocs(size_t blob_size, const BlobReadAt& read, const SegmentDocsRow& row,
                         uint32_t max_docid, const std::function<void(const DocInfo&)>& visit,
                         size_t chunk_bytes = kDocsChunkBytes, const ColdChunkScan& chunks = {});

// Asks the kernel to back [p, p + bytes) with huge pages where it can (a
// hint: no effect without transparent huge pages in "madvise" or "always"
// mode, or on a range smaller than one). Call it on memory not yet touched:
// the docs table and the vectors sized by the catalogue take one page fault
// per 2 MiB instead of one per 4 KiB when they are first written (at 1M
// products, 28k page faults of a cold `saiki search` were most of them).
void AdviseHugePages(void* p, size_t bytes);

// v.resize(n) on fresh memory advised for huge pages when v must grow.
template <typename V>
void ResizeAdvised(V& v, size_t n) {
  if (n > v.capacity()) {
    V fresh;
    fresh.reserve(n);
    AdviseHugePages(fresh.data(), n * sizeof(typename V::value_type));
    fresh.assign(v.begin(), v.end());
    v.swap(fresh);
  }
  v.resize(n);
}

// Zeroed memory that is not touched until written. From 256 KiB up with
// `huge_pages`, a mapping of its own aligned to 2 MiB, every page of it
// advised for huge pages: a calloc'd block starts at no particular
// address, and the 4 KiB pages outside its aligned middle fault in one at
// a time. A page fault costs several microseconds on a virtual machine:
// on the development VM, first writes to 16 MiB took 27-32 ms in 4 KiB
// pages and 2-6 ms in huge ones, and reading the 1M-product hot column
// into a calloc'd table took 803 page faults (none once aligned). Below
// 256 KiB, or without `huge_pages`, calloc'd.
// Throws std::bad_alloc.
struct ZeroedBlock {
  void* data = nullptr;
  size_t mapped = 0;  // bytes of data's own mapping; 0 when calloc'd
};
ZeroedBlock AllocateZeroed(size_t count, size_t size, bool huge_pages);
void FreeZeroed(const ZeroedBlock& block);

// A docid-indexed array of plain rows on zeroed memory (AllocateZeroed):
// fresh pages from the kernel, zero already and not touched until
// written, where std::vector::resize would write every byte once more (the
// docs table at 1M products is 61 MB; most of a format 3 or 4 table is
// then written once, by the read of its hot column).
template <typename T>
class ZeroedRows {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  ZeroedRows() = default;
  ZeroedRows(const ZeroedRows&) = delete;
  ZeroedRows& operator=(const ZeroedRows&) = delete;
  ~ZeroedRows() { FreeZeroed(block_); }
  // Grows to n rows, keeping the first size() and zeroing the rest (no-op
  // when n <= size()), on memory advised for huge pages unless
  // `huge_pages` is false. Throws std::bad_alloc.
  void Grow(size_t n, bool huge_pages = true);
  size_t size() const { return size_; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
  ZeroedBlock block_;
};

template <typename T>
void ZeroedRows<T>::Grow(size_t n, bool huge_pages) {
  if (n <= size_) return;
  const ZeroedBlock fresh = AllocateZeroed(n, sizeof(T), huge_pages);
  if (size_ > 0) std::memcpy(fresh.data, data_, size_ * sizeof(T));
  FreeZeroed(block_);
  block_ = fresh;
  data_ = static_cast<T*>(fresh.data);
  size_ = n;
}

// Opens segment `seg`'s docs blob as it is stored now, for reads through
// the BlobReadAt it returns (which owns whatever it reads through: one
// open blob per segment, for all the reads of its cold column, since each
// fresh open of a blob walks its page chain again to reach an offset).
// DocTable::EnsureCold reads the cold columns it left in the file so.
using SegmentBlobOpener = std::function<Result<BlobReadAt>(int64_t seg)>;

// How a DocTable reads format 4 segments' cold chunks (table doc_cold).
struct ColdChunkSource {
  // Chunk `chunk` of segment `seg` into *out: false when there is no such
  // row. One point lookup (the re-ranker's candidates).
  std::function<Result<bool>(int64_t seg, int64_t chunk, std::string* out)> read;
  // Every chunk of segment `seg`, in chunk order: one scan (EnsureCold).
  std::function<Status(int64_t seg, const ColdChunkVisitor& visit)> scan;
};

class DocTable {
  // Two columns by docid. The hot one is what every match reads (BM25F
  // lengths, the price filter), 16 bytes a row: the search prefetches the
  // rows of its candidates as it decodes their postings, and narrow rows
  // keep more of them in cache. The cold one is the rest of DocInfo, read
  // for the re-ranker's candidates, facets and sorts. A format 3 blob holds
  // both rows exactly as here (see the header comment), so loading it is
  // reading its columns into these arrays.
  struct HotDoc {
    FieldLengths lengths{};
    uint16_t unused = 0;
    float price = 0;
  };
  struct ColdDoc {
    uint32_t id_hash = 0;
    uint32_t brand = 0;
    std::array<uint32_t, kCategoryLevels> category{};
    float rating = 0;
    uint32_t reviews = 0;
    TitleSignature signature{};
  };

 public:
  static constexpr uint32_t kHotRowBytes = 16;
  static constexpr uint32_t kColdRowBytes = 44;

  DocTable() = default;
  DocTable(const DocTable&) = delete;
  DocTable& operator=(const DocTable&) = delete;

  // Adds a live document (from a segment). Memory: 60 bytes per docid
  // up to the largest docid: callers decoding stored blobs check the docids
  // first (DecodeSegmentDocs). Not for a docid of a segment whose cold rows
  // are still in the file (LoadSegment keeps to that).
  void Add(const DocInfo& doc);
  // Makes room for docids below `capacity` at once (no regrowth while
  // adding; Reload knows the largest docid from the segments' rows).
  void Reserve(uint32_t capacity);
  // Marks a docid deleted (a tombstone); unknown docids are ignored.
  void Remove(uint32_t docid);

  // Adds the live documents of segment `seg`'s docs blob, `blob_size`
  // bytes read through `read`, with every check of DecodeSegmentDocs
  // (kCorruption naming the problem; nothing is added from a blob whose
  // header or docid column is bad). Formats 1 and 2 are decoded document
  // by document. Formats 3 and 4 are not decoded, and their columns are
  // not read here: the header and docid column say which docids are live,
  // the header the field length totals; the hot column is read by
  // EnsureHot, the cold rows by EnsureCold (all) or EnsureColdRows (some),
  // when a query first needs them, through the opener of SetColdReader and
  // (format 4) the chunk reader of SetChunkReader. A segment whose docids are live already
  // (segments that overlap; `saiki check` reports them) has every pending
  // column read first and is then added document by document, so that the
  // later segment wins, as with Add.
  Status LoadSegment(int64_t seg, size_t blob_size, const BlobReadAt& read,
                     const SegmentDocsRow& row, uint32_t max_docid);
  // How EnsureHot and EnsureCold read the columns LoadSegment left in the
  // file. It must stay valid as long as the table, and open the blobs the
  // table was loaded from: segments are never rewritten in place (a merge
  // writes a new segment number), so an opener that finds the segment gone
  // or of another size must fail, not read something else.
  void SetColdReader(SegmentBlobOpener opener) { cold_reader_ = std::move(opener); }
  // How EnsureColdRows and EnsureCold read format 4 segments' cold chunks
  // (and LoadSegment those of a format 4 segment that overlaps another);
  // the same rules as SetColdReader's opener.
  void SetChunkReader(ColdChunkSource source) { chunk_reader_ = std::move(source); }
  // Makes lengths(), price(), hot_rows() and average_length() valid for
  // every docid added: reads the hot columns LoadSegment left in the file,
  // each with one read straight into the table's rows (when dense).
  // Once per table: later calls return at once. Safe to call from
  // concurrent threads (one reads, the others wait for it); a failed read
  // (the opener's or reader's error, as it is) leaves what it did not
  // finish pending, for the next call. Called by a search before it scores.
  Status EnsureHot() const;
  // EnsureHot, and makes info() and PrefetchInfo() valid for every docid
  // added: reads the cold rows too: a format 3 segment's cold column (in
  // one pass with its hot column when that is still pending: one blob
  // open, since a second open would walk the blob's page chain again to
  // reach the cold column), a format 4 segment's chunks by one scan
  // (chunks EnsureColdRows read already are not decoded again; a chunk
  // missing, short or malformed is kCorruption naming segment and chunk).
  // Called by whatever needs every cold row: facets, sorts by rating or
  // reviews, the category medians when computed, `saiki check`. (The
  // re-ranker, click logging and taste learning need a few rows:
  // EnsureColdRows.)
  Status EnsureCold() const;
  // Makes info() and PrefetchInfo() valid for `docids` (each added to the
  // table; others are ignored), EnsureHot having succeeded: reads what is
  // not in memory yet of the cold rows of those docids only, the chunks
  // they fall in for format 4 segments (one point read of table doc_cold
  // per chunk, each chunk read once per table), the whole cold column of a
  // format 3 segment. What the re-ranker calls for its candidates: at 1M
  // products, 200 chunks of ~400 bytes instead of a 44 MB column. Safe to
  // call from concurrent threads, with each other and with EnsureCold (one
  // reads at a time); a failed read (kCorruption naming the segment and
  // chunk for a chunk missing, short or malformed; the reader's errors as
  // they are) leaves the chunks it did not finish pending.
  Status EnsureColdRows(std::span<const uint32_t> docids) const;
  // Whether a format 3 segment's cold column may still be in the file:
  // EnsureColdRows reads such a column whole, through a second blob open
  // when the hot column was read already (the page chain walked again), so
  // a caller about to read the hot rows and some cold rows does better
  // with EnsureCold (one pass) while this is true. False once EnsureCold
  // succeeded, and for a table with format 4 segments only.
  bool cold_columns_pending() const { return cold_columns_pending_.load(std::memory_order_acquire); }
  // Whether every hot row / every row is in memory (nothing to read).
  bool hot_loaded() const { return hot_loaded_.load(std::memory_order_acquire); }
  bool cold_loaded() const { return cold_loaded_.load(std::memory_order_acquire); }

  bool live(uint32_t docid) const { return docid < capacity_ && live_[docid]; }
  // Valid for docids that were added (live or removed since), once
  // EnsureCold succeeded (at once for a table filled by Add).
  DocInfo info(uint32_t docid) const {
    const HotDoc& h = hot_[docid];
    const ColdDoc& c = cold_[docid];
    return DocInfo{docid, h.lengths, h.price, c.id_hash, c.brand, c.category,
                   c.rating, c.reviews, c.signature};
  }
  // Starts fetching what info(docid) reads (a caller about to read many
  // scattered documents' rows, as the re-ranker does its candidates').
  void PrefetchInfo(uint32_t docid) const {
    const char* cold = reinterpret_cast<const char*>(cold_.data() + docid);
    __builtin_prefetch(cold);
    __builtin_prefetch(cold + sizeof(ColdDoc) - 1);
  }
  // The scorer's and the price filter's numbers, from the hot column
  // (once EnsureHot succeeded).
  const FieldLengths& lengths(uint32_t docid) const { return hot_[docid].lengths; }
  float price(uint32_t docid) const { return hot_[docid].price; }
  // The hot column's rows, kHotRowBytes apart, indexed by docid (for
  // prefetching: TermCursor::PrefetchRows); capacity() rows.
  const void* hot_rows() const { return hot_.data(); }
  uint32_t live_count() const { return live_count_; }
  // One past the largest docid the table has room for.
  uint32_t capacity() const { return capacity_; }
  // Mean length of field f over live documents (1 when there are none, so
  // that normalisation never divides by zero); once EnsureHot succeeded.
  double average_length(int f) const;

 private:
  // The rows are the format 3 columns' rows (doc_table.h's header comment).
  static_assert(sizeof(HotDoc) == kHotRowBytes && offsetof(HotDoc, unused) == 2 * kNumFields &&
                offsetof(HotDoc, price) == 12);
  static_assert(sizeof(ColdDoc) == kColdRowBytes && offsetof(ColdDoc, category) == 8 &&
                offsetof(ColdDoc, rating) == 20 && offsetof(ColdDoc, reviews) == 24 &&
                offsetof(ColdDoc, signature) == 28);
  // A format 3 or 4 segment whose rows are (partly) still in the file.
  struct PendingSegment {
    int64_t seg = 0;
    uint8_t format = 3;
    size_t hot_offset = 0, cold_offset = 0;  // of the columns in the blob (cold: format 3)
    uint32_t first_docid = 0;   // dense: its rows are docids first_docid..+ndocs-1
    uint32_t last_docid = 0;
    uint32_t ndocs = 0;
    std::vector<uint32_t> docids;  // sparse: the docid column
    bool hot_read = false;
    bool cold_read = false;        // every cold row is in the table
    // Format 4: the chunks, and the value tables their rows index.
    uint32_t chunk_docs = 0;
    size_t dicts_offset = 0;
    uint32_t nbrands = 0, ncategories = 0, nratings = 0;
    bool dicts_read = false;
    std::vector<uint32_t> brands;
    std::vector<std::array<uint32_t, kCategoryLevels>> categories;
    std::vector<float> ratings;
    std::vector<uint8_t> chunk_read;  // by chunk: its rows are in the table
    uint32_t chunks_left = 0;
  };
  void GrowTo(uint32_t capacity);
  // Reads what is pending (the hot columns; the cold ones too when
  // `cold`). With ensure_mu_ held.
  Status ReadPendingLocked(bool cold) const;
  // Format 4, with ensure_mu_ held: reads p's value tables through `read`
  // (once); decodes chunk `chunk`'s bytes into the cold rows.
  Status ReadDictsLocked(PendingSegment& p, const BlobReadAt& read) const;
  Status PutChunkLocked(PendingSegment& p, int64_t chunk, std::string_view data) const;
  // Format 3, with ensure_mu_ held: reads p's cold column through `read`.
  Status ReadColdColumnLocked(PendingSegment& p, const BlobReadAt& read) const;

  mutable ZeroedRows<HotDoc> hot_;
  mutable ZeroedRows<ColdDoc> cold_;
  ZeroedRows<uint8_t> live_;
  uint32_t capacity_ = 0;
  uint32_t live_count_ = 0;
  // Field length totals; while hot rows are pending, removals made since
  // are subtracted once they are read (removed_pending_).
  mutable std::array<uint64_t, kNumFields> total_length_{};
  SegmentBlobOpener cold_reader_;
  ColdChunkSource chunk_reader_;
  mutable std::mutex ensure_mu_;
  // In increasing docid order (LoadSegment keeps it sorted; their ranges
  // do not overlap), for EnsureColdRows' binary search.
  mutable std::vector<PendingSegment> pending_;    // guarded by ensure_mu_
  mutable std::vector<uint32_t> removed_pending_;  // guarded by ensure_mu_
  mutable std::atomic<bool> hot_loaded_{true};
  mutable std::atomic<bool> cold_loaded_{true};
  mutable std::atomic<bool> cold_columns_pending_{false};
};

}  // namespace saiki::index

#endif  // SAIKI_INDEX_DOC_TABLE_H_
