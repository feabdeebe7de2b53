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
// Segment docs blob (table `segments`, column `docs`), format 2:
//   u8 format(=2) varint ndocs, varint nbrands, nbrands x u32 brand hash,
//   varint ncategories, ncategories x (3 x u32 category level hashes), then
//   per doc: varint docid_delta (from the previous docid, the first from 0),
//   kNumFields varint field lengths, f32 price, u32 product id hash, varint
//   brand index, varint category index, f32 rating, varint review count,
//   kSignatureSlots x u16 title signature. Fixed-width values are
//   little-endian; floats are IEEE, NaN when unknown. Format 1 (still read:
//   segments written before it are decoded as they are, and re-encoded when
//   merged) had no tables and each doc's u32 brand and 3 x u32 category
//   hashes in place of the two indexes.
#ifndef SAIKI_INDEX_DOC_TABLE_H_
#define SAIKI_INDEX_DOC_TABLE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "index/postings.h"
#include "saiki/status.h"

namespace saiki::index {

inline constexpr uint8_t kDocsFormat = 2;
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

std::string EncodeDocs(const std::vector<DocInfo>& docs);  // docs sorted by docid
// Calls `visit` for each document of the blob. kCorruption when malformed.
Status DecodeDocs(std::string_view blob, const std::function<void(const DocInfo&)>& visit);

// The fewest bytes one document takes in a docs blob of either format
// (format 2, one-byte varints).
inline constexpr size_t kMinDocBytes = 1 + kNumFields + 4 + 4 + 1 + 1 + 4 + 1 + 2 * kSignatureSlots;

// The most bytes one document takes (format 1, five-byte varints): a
// streamed decode keeps at least this much of the blob in its window.
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
Status DecodeSegmentDocs(std::string_view blob, const SegmentDocsRow& row, uint32_t max_docid,
                         const std::function<void(const DocInfo&)>& visit);

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
                         size_t chunk_bytes = kDocsChunkBytes);

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

class DocTable {
  // Two columns by docid. The hot one is what every match reads (BM25F
  // lengths, the price filter), 16 bytes a row: the search prefetches the
  // rows of its candidates as it decodes their postings, and narrow rows
  // keep more of them in cache. The cold one is the rest of DocInfo, read
  // for the re-ranker's candidates, facets and sorts.
  struct HotDoc {
    FieldLengths lengths{};
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
  // Adds a live document (from a segment). Memory: 60 bytes per docid
  // up to the largest docid: callers decoding stored blobs check the docids
  // first (DecodeSegmentDocs).
  void Add(const DocInfo& doc);
  // Makes room for docids below `capacity` at once (no regrowth while
  // adding; Reload knows the largest docid from the segments' rows).
  void Reserve(uint32_t capacity);
  // Marks a docid deleted (a tombstone); unknown docids are ignored.
  void Remove(uint32_t docid);

  bool live(uint32_t docid) const { return docid < live_.size() && live_[docid]; }
  // Valid for docids that were added (live or removed since).
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
  // The scorer's and the price filter's numbers, from the hot column.
  const FieldLengths& lengths(uint32_t docid) const { return hot_[docid].lengths; }
  float price(uint32_t docid) const { return hot_[docid].price; }
  // The hot column's rows, kHotRowBytes apart, indexed by docid (for
  // prefetching: TermCursor::PrefetchRows); capacity() rows.
  const void* hot_rows() const { return hot_.data(); }
  static constexpr uint32_t kHotRowBytes = 16;
  uint32_t live_count() const { return live_count_; }
  // One past the largest docid the table has room for.
  uint32_t capacity() const { return static_cast<uint32_t>(live_.size()); }
  // Mean length of field f over live documents (1 when there are none, so
  // that normalisation never divides by zero).
  double average_length(int f) const;

 private:
  static_assert(sizeof(HotDoc) == kHotRowBytes);
  std::vector<HotDoc> hot_;
  std::vector<ColdDoc> cold_;
  std::vector<uint8_t> live_;
  uint32_t live_count_ = 0;
  std::array<uint64_t, kNumFields> total_length_{};
};

}  // namespace saiki::index

#endif  // SAIKI_INDEX_DOC_TABLE_H_
