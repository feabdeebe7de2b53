// Compressed posting lists: the on-disk format and its writer and cursor.
//
// One posting list holds, for one term in one segment, the documents that
// contain the term, with per-field term frequencies and positions. It is one
// SQLite blob (table `postings`), laid out for skipping and dynamic pruning:
//
//   list      := u8 format(=1) varint ndocs varint nblocks directory block*
//   directory := per block: varint last_docid_delta  (from the previous
//                block's last docid; the first from 0)
//                varint block_bytes
//                u8 field_mask                 (fields present in the block)
//                per field in mask: varint max_tf, varint min_field_length
//   block     := varint docs_bytes docs positions
//   docs      := per doc: varint docid_delta (from the previous doc, the
//                first from the previous block's last docid), u8 field_mask,
//                per field in mask: varint tf
//   positions := per doc, per field in its mask: tf varints, the first
//                absolute, the rest deltas from the previous position
//
// Blocks hold up to kBlockSize documents. The directory lets a cursor skip a
// whole block by its last docid without touching its bytes, and gives each
// block an upper bound of its BM25F score (max tf over min length per
// field), whatever the field weights, for block-max pruning. Positions sit
// after the docs of a block so that a query that needs no positions never
// decodes them. All decoders are bounded by the blob's end: a corrupt blob
// sets a sticky error and ends the cursor, it never reads out of bounds.
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
inline constexpr uint8_t kPostingsFormat = 1;

using FieldLengths = std::array<uint16_t, kNumFields>;

// Builds one posting list. Documents must be added in increasing docid order.
class PostingListWriter {
 public:
  // positions[f]: the sorted positions of the term in field f (empty when the
  // term is absent from f). lengths: the document's field lengths, used for
  // the block score bounds.
  void AddDoc(uint32_t docid, const std::array<std::span<const uint32_t>, kNumFields>& positions,
              const FieldLengths& lengths);
  // Returns the encoded list and resets the writer for reuse.
  std::string Finish();
  uint32_t doc_count() const { return ndocs_; }

 private:
  void FlushBlock();

  uint32_t ndocs_ = 0;
  uint32_t prev_block_last_ = 0;
  uint32_t block_prev_doc_ = 0;
  uint32_t block_ndocs_ = 0;
  uint8_t block_mask_ = 0;
  std::array<uint32_t, kNumFields> block_max_tf_{};
  std::array<uint32_t, kNumFields> block_min_len_{};
  std::string block_docs_, block_positions_;
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
// kCorruption if a list is malformed or the docids do not increase.
Result<std::string> ConcatPostingLists(const std::vector<const PostingList*>& lists);

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
  std::span<const uint32_t> positions(int f);

  // The current block's directory entry (for block-max bounds).
  const BlockInfo& block() const { return lists_[list_]->blocks[block_]; }
  // Total documents over all lists (document frequency, deleted included).
  uint32_t df() const { return df_; }
  const Status& status() const { return status_; }

 private:
  bool LoadBlock(size_t list, size_t block);  // false at end or on error
  void Fail(const char* what);
  void DecodePositionsUpTo(uint32_t index);

  std::vector<const PostingList*> lists_;
  size_t list_ = 0, block_ = 0;
  uint32_t doc_ = kEndDoc;
  uint32_t df_ = 0;
  uint32_t pos_in_block_ = 0, block_ndocs_ = 0;
  std::array<uint32_t, kBlockSize> docids_{};
  std::array<uint8_t, kBlockSize> masks_{};
  std::array<std::array<uint16_t, kNumFields>, kBlockSize> tfs_{};
  // Positions are decoded lazily, doc by doc in order, from pos_ptr_.
  const uint8_t* pos_ptr_ = nullptr;
  const uint8_t* pos_end_ = nullptr;
  uint32_t pos_decoded_for_ = 0;  // index of the doc whose positions are next in the stream
  uint32_t current_pos_doc_ = kEndDoc;
  std::array<std::vector<uint32_t>, kNumFields> current_positions_;
  Status status_;
};

// Little helpers shared by the codecs (exposed for the docs-table codec and
// tests). Varints are LEB128, at most 5 bytes for 32 bits.
void PutVarint(std::string* out, uint32_t v);
// Reads a varint at *p (< end). Returns false on truncation or overlong input.
bool GetVarint(const uint8_t** p, const uint8_t* end, uint32_t* v);

}  // namespace saiki::index

#endif  // SAIKI_INDEX_POSTINGS_H_
