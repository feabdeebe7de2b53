// Compressed posting lists: the on-disk format and its writer and cursor.
//
// One posting list holds, for one term in one segment, the documents that
// contain the term, with per-field term frequencies and, for terms that can
// be part of a phrase, positions. It is one SQLite blob (table `postings`),
// laid out for skipping and dynamic pruning. Format 2:
//
//   list      := u8 format(=2) u8 list_flags (bit 0: positions stored)
//                varint ndocs varint nblocks directory block*
//   directory := per block: varint last_docid_delta  (from the previous
//                block's last docid; the first from 0)
//                varint block_bytes
//                u8 field_mask                 (fields present in the block)
//                per field in mask: varint max_tf, varint min_field_length
//   block     := u8 ndocs-1
//                varint first_delta  (the block's first docid less the
//                previous block's last docid; the first block's from 0)
//                u8 gap_bits, then ndocs-1 docid gaps packed gap_bits each
//                u8 nflags, nflags distinct doc flags (the palette), then
//                per doc the index of its flags packed in the fewest bits
//                that hold nflags-1; a doc's flags are its field mask (bits
//                0-4) and bit 5 when each of its fields has tf 1
//                tfs: per doc without bit 5, per field in its mask: varint tf
//                [positions stored: per field in the block's field mask a u8
//                width; then per such field, for each doc, its tf positions
//                in the field (ascending, absolute) packed width bits each,
//                each field's values starting on a byte]
//
// Packed values are little-endian bit strings (the first value in the low
// bits of the first byte), padded to a whole byte. Most postings have tf 1 in
// one or two fields and a block holds few distinct flags, so a document
// usually costs its packed gap, a bit or two of flags and its positions at
// the block's width: about half of format 1's bytes per posting (varints for
// everything). Fixed widths also give the i-th document's positions without
// decoding the ones before it.
//
// Blocks hold up to kBlockSize documents. The directory lets a cursor skip a
// whole block by its last docid without touching its bytes, and gives each
// block an upper bound of its BM25F score (max tf over min length per
// field), whatever the field weights, for block-max pruning. All decoders
// are bounded by the blob's end and check each block's sizes exactly: a
// corrupt blob sets a sticky error and ends the cursor, it never reads out of
// bounds.
//
// Format 1 (varint docs and positions, see docs/FORMAT.md) is only read by
// UpgradePostingList, when a database written by an older saiki is opened.
#ifndef SAIKI_INDEX_POSTINGS_H_
#define SAIKI_INDEX_POSTINGS_H_

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "saiki/status.h"

namespace saiki::index {

// The indexed fields, in the order used by masks and arrays.
enum Field : uint8_t { kTitle = 0, kBrand, kCategory, kTags, kDescription };
inline constexpr int kNumFields = 5;
inline constexpr const char* kFieldNames[kNumFields] = {"title", "brand", "category", "tags",
                                                         "description"};
inline constexpr uint32_t kBlockSize = 128;
inline constexpr uint32_t kEndDoc = std::numeric_limits<uint32_t>::max();
inline constexpr uint8_t kPostingsFormat = 2;

// Terms that are never part of a phrase carry no positions: the analyzer's
// dictionary words (kWordPrefix, scored by tf only) and the filter keys
// (kKeyPrefix), both marked by a leading control byte that no text token has.
inline bool TermHasPositions(std::string_view term) {
  return term.empty() || static_cast<uint8_t>(term[0]) >= 0x20;
}

using FieldLengths = std::array<uint16_t, kNumFields>;

using FieldTfs = std::array<uint32_t, kNumFields>;

// One block's documents before encoding (shared by the writer and the
// format upgrade).
struct BlockDocs {
  uint32_t n = 0;
  std::array<uint32_t, kBlockSize> docids{};
  std::array<uint8_t, kBlockSize> masks{};
  std::array<std::array<uint16_t, kNumFields>, kBlockSize> tfs{};
  std::array<std::vector<uint32_t>, kNumFields> positions;  // by field: per doc, tf values
};

// Builds one posting list. Documents must be added in increasing docid order.
class PostingListWriter {
 public:
  // with_positions: store positions (TermHasPositions of the list's term).
  explicit PostingListWriter(bool with_positions = true) : with_positions_(with_positions) {}

  // positions[f]: the sorted positions of the term in field f (empty when the
  // term is absent from f); without positions only their counts are kept.
  // lengths: the document's field lengths, used for the block score bounds.
  void AddDoc(uint32_t docid, const std::array<std::span<const uint32_t>, kNumFields>& positions,
              const FieldLengths& lengths);
  // For a writer without positions: the term's frequency per field (0 where
  // absent).
  void AddDocFrequencies(uint32_t docid, const FieldTfs& tfs, const FieldLengths& lengths);
  // Returns the encoded list and resets the writer for reuse (positions
  // setting kept).
  std::string Finish();
  uint32_t doc_count() const { return ndocs_; }
  // Only between lists (no document added since the last Finish).
  void set_with_positions(bool with_positions) { with_positions_ = with_positions; }

 private:
  void StartDoc(uint32_t docid, const FieldTfs& tfs, const FieldLengths& lengths);
  void FlushBlock();

  bool with_positions_;
  uint32_t ndocs_ = 0;
  uint32_t prev_block_last_ = 0;
  uint8_t block_mask_ = 0;
  std::array<uint32_t, kNumFields> block_max_tf_{};
  std::array<uint32_t, kNumFields> block_min_len_{};
  BlockDocs block_;
  std::string directory_, blocks_;
  uint32_t nblocks_ = 0;
};

// One block's directory entry, decoded.
struct BlockInfo {
  uint32_t last_docid;
  uint32_t offset;  // of the block's bytes within the list
  uint32_t bytes;
  uint8_t field_mask;
  std::array<uint16_t, kNumFields> max_tf;   // 0 where absent
  std::array<uint16_t, kNumFields> min_len;  // of docs with the term in that field
};

// A posting list with its directory decoded; the bytes are owned here so a
// cached list can be shared by many cursors.
struct PostingList {
  std::string bytes;
  uint32_t ndocs = 0;
  bool has_positions = true;
  std::vector<BlockInfo> blocks;

  // Decodes the header and directory of `bytes`. kCorruption if malformed.
  static Result<PostingList> Parse(std::string bytes);
};

// One list holding the documents of `lists`, in order, when every docid of a
// list is above every docid of the lists before it (segments of a term in
// segment order) and no document is to be dropped: blocks are copied as they
// are, and only the first block of each list after the first is re-encoded
// (its first docid delta becomes relative to the previous list's last docid)
// with its directory entry. Blocks of fewer than kBlockSize documents may
// then sit inside the list, which the format allows. A merge that purges no
// document costs a copy instead of a decode and re-encode of every posting.
// kCorruption if a list is malformed, the docids do not increase or the
// lists disagree on storing positions.
Result<std::string> ConcatPostingLists(const std::vector<const PostingList*>& lists);

// A format 1 list re-encoded in the current format, with the same blocks and
// directory bounds; positions kept only when `with_positions`. kCorruption
// if the blob is not a well-formed format 1 list.
Result<std::string> UpgradePostingList(std::string_view format1, bool with_positions);

// Iterates the documents of a term over one or more segments' lists, given
// in increasing docid order (segments cover disjoint, increasing ranges).
//
// Contract (shared by every cursor in index/): doc() is the current docid or
// kEndDoc; Next() moves to the next doc; NextGeq(t) moves to the first doc
// >= t (no move if already there). After the cursor ends, status() tells
// whether it ended cleanly or on corrupt bytes. No allocation after the
// first block of each size; no virtual calls.
class TermCursor {
 public:
  TermCursor() = default;
  explicit TermCursor(std::vector<const PostingList*> lists);

  uint32_t doc() const { return doc_; }
  void Next();
  void NextGeq(uint32_t target);

  // Term frequency of the current doc in field f.
  uint16_t tf(int f) const { return tfs_[pos_in_block_][f]; }
  uint8_t field_mask() const { return masks_[pos_in_block_]; }
  // Positions of the current doc in field f; valid until the cursor moves.
  // Empty for a list without positions.
  std::span<const uint32_t> positions(int f);
  // Whether the current block's list stores positions.
  bool has_positions() const { return has_positions_; }

  // The current block's directory entry (for block-max bounds).
  const BlockInfo& block() const { return lists_[list_]->blocks[block_]; }
  // The directory entry of the block that holds the cursor's postings from
  // `target` on: the first block, from the current one on, whose last docid
  // is >= target. nullptr when the cursor has no docid >= target. Neither
  // decodes nor moves the cursor (a "shallow" advance, for block-max
  // pruning): the entry bounds the term's tf and field lengths over the
  // docids in [target, entry->last_docid]. Cheapest when successive
  // targets do not decrease (the search resumes where the last one ended).
  const BlockInfo* PeekBlock(uint32_t target);
  // Asks each block decoded from now on to prefetch, for each of its
  // docids, the byte at base + docid * stride (the driving cursor of a
  // search warms the docs table's rows its matches will be scored from).
  // `base` must address a table covering every docid of the lists.
  // The current block's rows from the current docid on are prefetched now.
  void PrefetchRows(const void* base, uint32_t stride);
  // Total documents over all lists (document frequency, deleted included).
  uint32_t df() const { return df_; }
  const Status& status() const { return status_; }

 private:
  bool LoadBlock(size_t list, size_t block);  // false at end or on error
  void Fail(const char* what);

  std::vector<const PostingList*> lists_;
  size_t list_ = 0, block_ = 0;
  size_t peek_list_ = 0, peek_block_ = 0;  // PeekBlock's last answer
  uint32_t doc_ = kEndDoc;
  uint32_t df_ = 0;
  uint32_t pos_in_block_ = 0, block_ndocs_ = 0;
  const uint8_t* prefetch_base_ = nullptr;
  uint32_t prefetch_stride_ = 0;
  std::array<uint32_t, kBlockSize> docids_{};
  std::array<uint8_t, kBlockSize> masks_{};
  std::array<std::array<uint16_t, kNumFields>, kBlockSize> tfs_{};
  // Positions are decoded on demand, field by field, for the current doc:
  // field f's packed values start at pos_region_[f], pos_bits_[f] wide, and
  // doc i's are from value pos_first_[i][f] on (summed on first use).
  bool has_positions_ = true;
  std::array<const uint8_t*, kNumFields> pos_region_{};
  std::array<uint32_t, kNumFields> pos_bits_{};
  std::array<std::array<uint32_t, kNumFields>, kBlockSize> pos_first_{};
  bool pos_first_ready_ = false;      // pos_first_ filled for this block
  const uint8_t* pos_limit_ = nullptr;  // end of the block's list blob
  std::array<uint32_t, kNumFields> decoded_for_{};  // docid whose positions are in field_positions_
  std::array<std::vector<uint32_t>, kNumFields> field_positions_;
  Status status_;
};

// Little helpers shared by the codecs (exposed for the docs-table codec and
// tests). Varints are LEB128, at most 5 bytes for 32 bits.
void PutVarint(std::string* out, uint32_t v);
// Reads a varint at *p (< end). Returns false on truncation or overlong input.
bool GetVarint(const uint8_t** p, const uint8_t* end, uint32_t* v);

}  // namespace saiki::index

#endif  // SAIKI_INDEX_POSTINGS_H_
