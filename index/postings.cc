// Posting list codec: writer, directory parser and cursor. The format is
// described in postings.h and docs/FORMAT.md.
#include "index/postings.h"

#include <algorithm>
#include <cstring>

namespace saiki::index {

void PutVarint(std::string* out, uint32_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(const uint8_t** p, const uint8_t* end, uint32_t* v) {
  const uint8_t* q = *p;
  uint32_t result = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    if (q >= end) return false;
    uint32_t byte = *q++;
    if (shift == 28 && byte > 0x0f) return false;  // more than 32 bits
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *p = q;
      *v = result;
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------- bit packing

namespace {

constexpr uint8_t kAllTfOne = 0x20;         // doc flag: every field's tf is 1
constexpr uint32_t kFlagBits = 6;
constexpr uint8_t kListHasPositions = 0x01;  // list_flags bit

uint32_t BitsFor(uint32_t max_value) {
  return max_value == 0 ? 0 : 32 - static_cast<uint32_t>(__builtin_clz(max_value));
}

uint64_t PackedBytes(uint64_t count, uint32_t bits) { return (count * bits + 7) / 8; }

// Appends `count` values of `bits` bits (values must fit), low bits first.
void PackBits(const uint32_t* values, size_t count, uint32_t bits, std::string* out) {
  if (bits == 0 || count == 0) return;
  // The bytes are sized once and filled 4 at a time (little-endian, as the
  // stream is): a push_back per byte was most of the encoder's time here.
  const size_t base = out->size();
  out->resize(base + PackedBytes(count, bits));
  char* p = out->data() + base;
  uint64_t buf = 0;
  uint32_t have = 0;  // bits in buf, < 32 between values
  for (size_t i = 0; i < count; ++i) {
    buf |= uint64_t(values[i]) << have;
    have += bits;
    if (have >= 32) {
      const uint32_t word = static_cast<uint32_t>(buf);
      uint8_t le[4] = {uint8_t(word), uint8_t(word >> 8), uint8_t(word >> 16),
                       uint8_t(word >> 24)};
      std::memcpy(p, le, 4);
      p += 4;
      buf >>= 32;
      have -= 32;
    }
  }
  for (; have > 0; have = have > 8 ? have - 8 : 0) {
    *p++ = static_cast<char>(buf & 0xff);
    buf >>= 8;
  }
}

// Reads `count` values of `bits` bits starting at bit `first_bit` of `p`.
// The caller has checked that those bits lie before `limit` (the end of the
// blob). A value is one unaligned 8-byte load, shift and mask, with no
// dependency on the value before it; only the last few values of a blob,
// whose 8-byte load would pass `limit`, are assembled byte by byte.
inline void UnpackBits(const uint8_t* p, const uint8_t* limit, uint64_t first_bit, uint32_t count,
                       uint32_t bits, uint32_t* out) {
  if (bits == 0) {
    std::fill_n(out, count, 0u);
    return;
  }
  const uint64_t mask = (uint64_t(1) << bits) - 1;
  const uint64_t avail = static_cast<uint64_t>(limit - p);
  uint64_t bit = first_bit;
  uint32_t i = 0;
  for (; i < count && (bit >> 3) + 8 <= avail; ++i, bit += bits) {
    uint64_t w;
    std::memcpy(&w, p + (bit >> 3), 8);
    out[i] = static_cast<uint32_t>((w >> (bit & 7)) & mask);
  }
  for (; i < count; ++i, bit += bits) {
    const uint64_t last = (bit + bits - 1) >> 3;  // within the blob (checked by the caller)
    uint64_t w = 0;
    for (uint64_t k = bit >> 3; k <= last; ++k) w |= uint64_t(p[k]) << (8 * (k - (bit >> 3)));
    out[i] = static_cast<uint32_t>((w >> (bit & 7)) & mask);
  }
}

// Encodes one block (docs after `prev_last`) in format 2.
void EncodeBlock(const BlockDocs& b, uint32_t prev_last, bool with_positions, std::string* out) {
  out->push_back(static_cast<char>(b.n - 1));
  PutVarint(out, b.docids[0] - prev_last);
  std::array<uint32_t, kBlockSize> values;
  uint32_t max_gap = 0;
  for (uint32_t i = 1; i < b.n; ++i) {
    values[i - 1] = b.docids[i] - b.docids[i - 1];
    max_gap = std::max(max_gap, values[i - 1]);
  }
  const uint32_t gap_bits = BitsFor(max_gap);
  out->push_back(static_cast<char>(gap_bits));
  PackBits(values.data(), b.n - 1, gap_bits, out);

  // Doc flags through the block's palette of distinct values.
  std::array<uint8_t, kBlockSize> flags;
  std::array<int, 1u << kFlagBits> slot;
  slot.fill(-1);
  std::string palette;
  uint8_t block_mask = 0;
  for (uint32_t i = 0; i < b.n; ++i) {
    bool all_one = true;
    for (int f = 0; f < kNumFields; ++f) all_one &= b.tfs[i][f] <= 1;
    flags[i] = static_cast<uint8_t>(b.masks[i] | (all_one ? kAllTfOne : 0));
    block_mask |= b.masks[i];
    if (slot[flags[i]] < 0) {
      slot[flags[i]] = static_cast<int>(palette.size());
      palette.push_back(static_cast<char>(flags[i]));
    }
    values[i] = static_cast<uint32_t>(slot[flags[i]]);
  }
  out->push_back(static_cast<char>(palette.size()));
  *out += palette;
  PackBits(values.data(), b.n, BitsFor(static_cast<uint32_t>(palette.size()) - 1), out);
  for (uint32_t i = 0; i < b.n; ++i) {
    if (flags[i] & kAllTfOne) continue;
    for (int f = 0; f < kNumFields; ++f) {
      if (b.masks[i] & (1u << f)) PutVarint(out, b.tfs[i][f]);
    }
  }
  if (with_positions) {
    std::array<uint32_t, kNumFields> bits{};
    for (int f = 0; f < kNumFields; ++f) {
      if (!(block_mask & (1u << f))) continue;
      uint32_t max_pos = 0;
      for (uint32_t v : b.positions[f]) max_pos = std::max(max_pos, v);
      bits[f] = BitsFor(max_pos);
      out->push_back(static_cast<char>(bits[f]));
    }
    for (int f = 0; f < kNumFields; ++f) {
      if (block_mask & (1u << f)) PackBits(b.positions[f].data(), b.positions[f].size(), bits[f], out);
    }
  }
}

}  // namespace

// ---------------------------------------------------------------- writer

void PostingListWriter::StartDoc(uint32_t docid, const FieldTfs& tfs,
                                 const FieldLengths& lengths) {
  if (block_.n == 0) {
    block_mask_ = 0;
    block_max_tf_.fill(0);
    block_min_len_.fill(UINT32_MAX);
    for (auto& p : block_.positions) p.clear();
  }
  const uint32_t i = block_.n;
  block_.docids[i] = docid;
  uint8_t mask = 0;
  for (int f = 0; f < kNumFields; ++f) {
    uint32_t tf = std::min<uint32_t>(tfs[f], UINT16_MAX);
    block_.tfs[i][f] = static_cast<uint16_t>(tf);
    if (tf == 0) continue;
    mask |= uint8_t(1u << f);
    block_max_tf_[f] = std::max(block_max_tf_[f], tf);
    block_min_len_[f] = std::min<uint32_t>(block_min_len_[f], lengths[f]);
  }
  block_.masks[i] = mask;
  block_mask_ |= mask;
}

void PostingListWriter::AddDoc(uint32_t docid,
                               const std::array<std::span<const uint32_t>, kNumFields>& positions,
                               const FieldLengths& lengths) {
  FieldTfs tfs;
  for (int f = 0; f < kNumFields; ++f) tfs[f] = static_cast<uint32_t>(positions[f].size());
  StartDoc(docid, tfs, lengths);
  if (with_positions_) {
    for (int f = 0; f < kNumFields; ++f) {
      // Only as many positions as the (capped) tf says.
      const size_t tf = block_.tfs[block_.n][f];
      if (tf == 0) continue;  // most fields of most postings
      block_.positions[f].insert(block_.positions[f].end(), positions[f].begin(),
                                 positions[f].begin() + tf);
    }
  }
  ++block_.n;
  ++ndocs_;
  if (block_.n == kBlockSize) FlushBlock();
}

void PostingListWriter::AddDocFrequencies(uint32_t docid, const FieldTfs& tfs,
                                          const FieldLengths& lengths) {
  StartDoc(docid, tfs, lengths);
  ++block_.n;
  ++ndocs_;
  if (block_.n == kBlockSize) FlushBlock();
}

void PostingListWriter::FlushBlock() {
  if (block_.n == 0) return;
  size_t start = blocks_.size();
  EncodeBlock(block_, prev_block_last_, with_positions_, &blocks_);
  const uint32_t last = block_.docids[block_.n - 1];
  PutVarint(&directory_, last - prev_block_last_);
  PutVarint(&directory_, static_cast<uint32_t>(blocks_.size() - start));
  directory_.push_back(static_cast<char>(block_mask_));
  for (int f = 0; f < kNumFields; ++f) {
    if (!(block_mask_ & (1u << f))) continue;
    PutVarint(&directory_, std::min<uint32_t>(block_max_tf_[f], UINT16_MAX));
    PutVarint(&directory_, std::min<uint32_t>(block_min_len_[f], UINT16_MAX));
  }
  prev_block_last_ = last;
  block_.n = 0;
  ++nblocks_;
}

std::string PostingListWriter::Finish() {
  FlushBlock();
  std::string out;
  out.reserve(12 + directory_.size() + blocks_.size());
  out.push_back(static_cast<char>(kPostingsFormat));
  out.push_back(static_cast<char>(with_positions_ ? kListHasPositions : 0));
  PutVarint(&out, ndocs_);
  PutVarint(&out, nblocks_);
  out += directory_;
  out += blocks_;
  ndocs_ = 0;
  prev_block_last_ = 0;
  nblocks_ = 0;
  directory_.clear();
  blocks_.clear();
  return out;
}

// ---------------------------------------------------------------- parser

namespace {

Status BadList(const char* what) { return Status::Corruption(std::string("posting list: ") + what); }

// Decodes the header after the format byte(s) and the directory of `list`
// (format 1 and 2 share them); `p` points at ndocs.
Status ParseDirectory(const uint8_t* p, PostingList* list) {
  const uint8_t* begin = reinterpret_cast<const uint8_t*>(list->bytes.data());
  const uint8_t* end = begin + list->bytes.size();
  uint32_t nblocks;
  if (!GetVarint(&p, end, &list->ndocs) || !GetVarint(&p, end, &nblocks)) {
    return BadList("truncated header");
  }
  // Each block takes at least 3 directory bytes: reject absurd counts before
  // reserving memory for them.
  if (nblocks > list->bytes.size() / 3 + 1 || nblocks > list->ndocs) {
    return BadList("block count out of range");
  }
  list->blocks.resize(nblocks);
  uint32_t last = 0;
  uint64_t total_bytes = 0;
  for (uint32_t b = 0; b < nblocks; ++b) {
    BlockInfo& info = list->blocks[b];
    uint32_t delta, nbytes;
    if (!GetVarint(&p, end, &delta) || !GetVarint(&p, end, &nbytes) || p >= end) {
      return BadList("truncated directory");
    }
    if (b > 0 && delta == 0) return BadList("docids not increasing");
    if (uint64_t(last) + delta >= kEndDoc) return BadList("docid out of range");
    last += delta;
    info.last_docid = last;
    info.bytes = nbytes;
    info.field_mask = *p++;
    info.max_tf.fill(0);
    info.min_len.fill(0);
    for (int f = 0; f < kNumFields; ++f) {
      if (!(info.field_mask & (1u << f))) continue;
      uint32_t mt, ml;
      if (!GetVarint(&p, end, &mt) || !GetVarint(&p, end, &ml)) {
        return BadList("truncated directory");
      }
      info.max_tf[f] = static_cast<uint16_t>(std::min<uint32_t>(mt, UINT16_MAX));
      info.min_len[f] = static_cast<uint16_t>(std::min<uint32_t>(ml, UINT16_MAX));
    }
    info.offset = static_cast<uint32_t>(total_bytes);  // relative; fixed below
    total_bytes += nbytes;
  }
  uint64_t data_start = static_cast<uint64_t>(p - begin);
  if (data_start + total_bytes != list->bytes.size()) return BadList("block sizes do not add up");
  for (auto& info : list->blocks) info.offset += static_cast<uint32_t>(data_start);
  return Status::Ok();
}

// The raw directory bytes of each block's field part (mask, max tf, min
// length), which concatenation and the upgrade copy unchanged. `header` is
// the number of format bytes before ndocs.
Result<std::vector<std::string_view>> DirectoryFieldParts(const PostingList& l, size_t header) {
  const uint8_t* base = reinterpret_cast<const uint8_t*>(l.bytes.data());
  const uint8_t* end = base + l.bytes.size();
  const uint8_t* p = base + header;
  uint32_t v;
  if (!GetVarint(&p, end, &v) || !GetVarint(&p, end, &v)) return BadList("truncated header");
  std::vector<std::string_view> parts;
  parts.reserve(l.blocks.size());
  for (size_t b = 0; b < l.blocks.size(); ++b) {
    if (!GetVarint(&p, end, &v) || !GetVarint(&p, end, &v) || p >= end) {
      return BadList("truncated directory");
    }
    const uint8_t* field_part = p++;
    for (uint32_t bits = *field_part & ((1u << kNumFields) - 1); bits != 0; bits &= bits - 1) {
      if (!GetVarint(&p, end, &v) || !GetVarint(&p, end, &v)) {
        return BadList("truncated directory");
      }
    }
    parts.emplace_back(reinterpret_cast<const char*>(field_part),
                       static_cast<size_t>(p - field_part));
  }
  return parts;
}

}  // namespace

Result<PostingList> PostingList::Parse(std::string bytes) {
  PostingList list;
  list.bytes = std::move(bytes);
  const uint8_t* p = reinterpret_cast<const uint8_t*>(list.bytes.data());
  if (list.bytes.size() < 2 || p[0] != kPostingsFormat) {
    if (!list.bytes.empty() && p[0] == 1) {
      return BadList("format 1 (written by an older saiki; opening the database upgrades it)");
    }
    return BadList("unknown format byte");
  }
  if (p[1] & ~kListHasPositions) return BadList("unknown list flags");
  list.has_positions = (p[1] & kListHasPositions) != 0;
  SAIKI_RETURN_IF_ERROR(ParseDirectory(p + 2, &list));
  return list;
}

// ---------------------------------------------------------------- concatenation

Result<std::string> ConcatPostingLists(const std::vector<const PostingList*>& lists) {
  uint64_t ndocs = 0, nblocks = 0;
  bool with_positions = true;
  for (size_t i = 0; i < lists.size(); ++i) {
    ndocs += lists[i]->ndocs;
    nblocks += lists[i]->blocks.size();
    if (i == 0) with_positions = lists[i]->has_positions;
    if (lists[i]->has_positions != with_positions) {
      return BadList("lists to concatenate disagree on positions");
    }
  }
  if (ndocs >= kEndDoc) return BadList("too many documents to concatenate");
  std::string directory, blocks;
  uint32_t prev_last = 0;  // last docid of the lists so far
  for (size_t li = 0; li < lists.size(); ++li) {
    const PostingList& l = *lists[li];
    if (l.blocks.empty()) continue;
    SAIKI_ASSIGN_OR_RETURN(std::vector<std::string_view> fields, DirectoryFieldParts(l, 2));
    for (size_t b = 0; b < l.blocks.size(); ++b) {
      const BlockInfo& info = l.blocks[b];
      if (!directory.empty() && info.last_docid <= prev_last) {
        return BadList("docids not increasing");
      }
      const bool first_list_block = b == 0 && !directory.empty();
      std::string_view block(l.bytes.data() + info.offset, info.bytes);
      std::string rewritten;
      if (first_list_block) {
        // block := u8 ndocs-1, varint first_delta, ...: the first delta of a
        // list's first block is its first docid (from 0); it becomes
        // relative to the previous list's last docid.
        const uint8_t* q = reinterpret_cast<const uint8_t*>(block.data());
        const uint8_t* qend = q + block.size();
        uint32_t first;
        if (q >= qend) return BadList("truncated block");
        const uint8_t* after_n = q + 1;
        const uint8_t* r = after_n;
        if (!GetVarint(&r, qend, &first)) return BadList("truncated block");
        if (first <= prev_last) return BadList("docids not increasing");
        rewritten.push_back(static_cast<char>(*q));
        PutVarint(&rewritten, first - prev_last);
        rewritten.append(reinterpret_cast<const char*>(r), static_cast<size_t>(qend - r));
        block = rewritten;
      }
      PutVarint(&directory, info.last_docid - prev_last);
      PutVarint(&directory, static_cast<uint32_t>(block.size()));
      directory += fields[b];
      blocks += block;
      prev_last = info.last_docid;
    }
  }
  std::string out;
  out.reserve(12 + directory.size() + blocks.size());
  out.push_back(static_cast<char>(kPostingsFormat));
  out.push_back(static_cast<char>(with_positions ? kListHasPositions : 0));
  PutVarint(&out, static_cast<uint32_t>(ndocs));
  PutVarint(&out, static_cast<uint32_t>(nblocks));
  out += directory;
  out += blocks;
  return out;
}

// ---------------------------------------------------------------- format 1 upgrade

// Format 1 block := varint docs_bytes, per doc (varint docid_delta, u8 mask,
// per field in mask varint tf), then per doc, per field in its mask, tf
// varint positions (first absolute, then deltas).
Result<std::string> UpgradePostingList(std::string_view format1, bool with_positions) {
  PostingList l;
  l.bytes.assign(format1);
  const uint8_t* head = reinterpret_cast<const uint8_t*>(l.bytes.data());
  if (l.bytes.empty() || head[0] != 1) return BadList("not a format 1 list");
  SAIKI_RETURN_IF_ERROR(ParseDirectory(head + 1, &l));
  SAIKI_ASSIGN_OR_RETURN(std::vector<std::string_view> fields, DirectoryFieldParts(l, 1));
  std::string directory, blocks;
  BlockDocs bd;
  uint32_t prev_last = 0;
  for (size_t b = 0; b < l.blocks.size(); ++b) {
    const BlockInfo& info = l.blocks[b];
    const uint8_t* p = head + info.offset;
    const uint8_t* end = p + info.bytes;
    uint32_t docs_bytes;
    if (!GetVarint(&p, end, &docs_bytes) || docs_bytes > uint32_t(end - p)) {
      return BadList("truncated block");
    }
    const uint8_t* docs_end = p + docs_bytes;
    uint64_t prev = prev_last;
    bd.n = 0;
    for (auto& fp : bd.positions) fp.clear();
    while (p < docs_end) {
      uint32_t delta, tf;
      if (bd.n == kBlockSize) return BadList("block holds too many documents");
      if (!GetVarint(&p, docs_end, &delta) || p >= docs_end) return BadList("truncated docs");
      if ((bd.n > 0 || b > 0) && delta == 0) return BadList("docids not increasing");
      prev += delta;
      if (prev > info.last_docid) return BadList("docid beyond its block's last docid");
      bd.docids[bd.n] = static_cast<uint32_t>(prev);
      uint8_t mask = *p++ & ((1u << kNumFields) - 1);
      if (mask == 0) return BadList("document without fields");
      bd.masks[bd.n] = mask;
      bd.tfs[bd.n] = {};
      for (int f = 0; f < kNumFields; ++f) {
        if (!(mask & (1u << f))) continue;
        if (!GetVarint(&p, docs_end, &tf) || tf == 0) return BadList("bad tf");
        bd.tfs[bd.n][f] = static_cast<uint16_t>(std::min<uint32_t>(tf, UINT16_MAX));
      }
      ++bd.n;
    }
    if (bd.n == 0 || bd.docids[bd.n - 1] != info.last_docid) {
      return BadList("block does not match its directory entry");
    }
    for (uint32_t i = 0; i < bd.n; ++i) {
      for (int f = 0; f < kNumFields; ++f) {
        uint32_t pos = 0;
        for (uint32_t k = 0; k < bd.tfs[i][f]; ++k) {
          uint32_t v;
          if (!GetVarint(&p, end, &v)) return BadList("truncated positions");
          pos = k == 0 ? v : pos + v;
          if (with_positions) bd.positions[f].push_back(pos);
        }
      }
    }
    if (p != end) return BadList("block sizes do not add up");
    size_t start = blocks.size();
    EncodeBlock(bd, prev_last, with_positions, &blocks);
    PutVarint(&directory, info.last_docid - prev_last);
    PutVarint(&directory, static_cast<uint32_t>(blocks.size() - start));
    directory += fields[b];
    prev_last = info.last_docid;
  }
  std::string out;
  out.reserve(12 + directory.size() + blocks.size());
  out.push_back(static_cast<char>(kPostingsFormat));
  out.push_back(static_cast<char>(with_positions ? kListHasPositions : 0));
  PutVarint(&out, l.ndocs);
  PutVarint(&out, static_cast<uint32_t>(l.blocks.size()));
  out += directory;
  out += blocks;
  return out;
}

// ---------------------------------------------------------------- cursor

TermCursor::TermCursor(std::vector<const PostingList*> lists) : lists_(std::move(lists)) {
  for (const PostingList* l : lists_) df_ += l->ndocs;
  list_ = 0;
  block_ = 0;
  doc_ = kEndDoc;
  // Find the first non-empty list.
  while (list_ < lists_.size() && lists_[list_]->blocks.empty()) ++list_;
  if (list_ < lists_.size()) LoadBlock(list_, 0);
}

void TermCursor::Fail(const char* what) {
  if (status_.ok()) status_ = Status::Corruption(std::string("posting list: ") + what);
  doc_ = kEndDoc;
  list_ = lists_.size();
}

void TermCursor::PrefetchRows(const void* base, uint32_t stride) {
  prefetch_base_ = static_cast<const uint8_t*>(base);
  prefetch_stride_ = stride;
  if (doc_ == kEndDoc || prefetch_base_ == nullptr) return;
  for (uint32_t i = pos_in_block_; i < block_ndocs_; ++i) {
    __builtin_prefetch(prefetch_base_ + size_t(docids_[i]) * prefetch_stride_);
  }
}

bool TermCursor::LoadBlock(size_t list, size_t block) {
  list_ = list;
  block_ = block;
  const PostingList& pl = *lists_[list];
  const BlockInfo& info = pl.blocks[block];
  const uint8_t* p = reinterpret_cast<const uint8_t*>(pl.bytes.data()) + info.offset;
  const uint8_t* end = p + info.bytes;
  const uint8_t* blob_end = reinterpret_cast<const uint8_t*>(pl.bytes.data()) + pl.bytes.size();
  // Header: ndocs-1, first delta, gap width.
  uint32_t first_delta;
  if (end - p < 3) {
    Fail("truncated block");
    return false;
  }
  const uint32_t n = uint32_t(*p++) + 1;
  if (n > kBlockSize) {
    Fail("block holds too many documents");
    return false;
  }
  if (*p < 0x80) {
    first_delta = *p++;
  } else if (!GetVarint(&p, end, &first_delta)) {
    Fail("truncated block");
    return false;
  }
  if (p >= end || *p > 32) {
    Fail("bad docid gap width");
    return false;
  }
  const uint32_t gap_bits = *p++;
  const uint64_t gap_bytes = PackedBytes(n - 1, gap_bits);
  if (gap_bytes + 1 > uint64_t(end - p)) {  // + the flags byte
    Fail("truncated docids");
    return false;
  }
  // Docids: gaps unpacked after the first, then summed; 64-bit so that a
  // corrupt gap cannot wrap past the block's last docid.
  const uint32_t prev_last = block == 0 ? 0 : pl.blocks[block - 1].last_docid;
  if ((block > 0 && first_delta == 0) || uint64_t(prev_last) + first_delta > info.last_docid) {
    Fail(first_delta == 0 ? "docids not increasing" : "docid beyond its block's last docid");
    return false;
  }
  docids_[0] = prev_last + first_delta;
  UnpackBits(p, blob_end, 0, n - 1, gap_bits, docids_.data() + 1);
  p += gap_bytes;
  uint64_t sum = docids_[0];
  bool zero_gap = false;
  for (uint32_t i = 1; i < n; ++i) {
    zero_gap |= docids_[i] == 0;
    sum += docids_[i];
    docids_[i] = static_cast<uint32_t>(std::min<uint64_t>(sum, kEndDoc));
  }
  if (zero_gap || sum != info.last_docid) {
    Fail(zero_gap ? "docids not increasing" : "block does not match its directory entry");
    return false;
  }
  if (prefetch_base_ != nullptr) {
    for (uint32_t i = 0; i < n; ++i) {
      __builtin_prefetch(prefetch_base_ + size_t(docids_[i]) * prefetch_stride_);
    }
  }
  // Flags: the block's palette, then an index into it per doc.
  const uint32_t nflags = *p++;
  if (nflags == 0 || nflags > n || nflags > uint32_t(end - p)) {
    Fail("bad doc flags");
    return false;
  }
  const uint8_t* palette = p;
  p += nflags;
  const uint32_t index_bits = BitsFor(nflags - 1);
  const uint64_t index_bytes = PackedBytes(n, index_bits);
  if (index_bytes > uint64_t(end - p)) {
    Fail("truncated doc flags");
    return false;
  }
  std::array<uint32_t, kBlockSize> index;
  UnpackBits(p, blob_end, 0, n, index_bits, index.data());
  p += index_bytes;
  // Term frequencies: 1 in each field of the mask unless the doc lists them.
  // The palette is checked, and its all-ones rows built, once per block:
  // most documents of most blocks take a row as it is (one 10-byte copy),
  // and their fields' totals are added per palette entry afterwards.
  std::array<std::array<uint16_t, kNumFields>, kBlockSize> ones;
  std::array<uint32_t, kBlockSize> ones_used;
  for (uint32_t j = 0; j < nflags; ++j) {
    const uint8_t flags = palette[j];
    if (flags >= (1u << kFlagBits)) {
      Fail("bad doc flags");
      return false;
    }
    const uint8_t mask = flags & ((1u << kNumFields) - 1);
    if (mask == 0) {
      Fail("document without fields");
      return false;
    }
    ones[j] = {};
    for (uint32_t bits = mask; bits != 0; bits &= bits - 1) ones[j][__builtin_ctz(bits)] = 1;
    ones_used[j] = 0;
  }
  std::array<uint32_t, kNumFields> field_total{};
  uint8_t block_mask = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t j = index[i];
    if (j >= nflags) {
      Fail("bad doc flags");
      return false;
    }
    const uint8_t flags = palette[j];
    const uint8_t mask = flags & ((1u << kNumFields) - 1);
    masks_[i] = mask;
    block_mask |= mask;
    if (flags & kAllTfOne) {
      tfs_[i] = ones[j];
      ++ones_used[j];
      continue;
    }
    tfs_[i] = {};
    for (uint32_t bits = mask; bits != 0; bits &= bits - 1) {
      uint32_t tf;
      if (p < end && *p < 0x80) {
        tf = *p++;
      } else if (!GetVarint(&p, end, &tf)) {
        Fail("truncated tf");
        return false;
      }
      if (tf == 0 || tf > UINT16_MAX) {
        Fail("tf out of range");
        return false;
      }
      const int f = __builtin_ctz(bits);
      tfs_[i][f] = static_cast<uint16_t>(tf);
      field_total[f] += tf;
    }
  }
  for (uint32_t j = 0; j < nflags; ++j) {
    if (ones_used[j] == 0) continue;
    for (uint32_t bits = palette[j] & ((1u << kNumFields) - 1); bits != 0; bits &= bits - 1) {
      field_total[__builtin_ctz(bits)] += ones_used[j];
    }
  }
  if (block_mask != info.field_mask) {
    Fail("block does not match its directory entry");
    return false;
  }
  // Positions: a width per field of the block, then each field's packed
  // values; their sizes must add up to exactly what is left.
  has_positions_ = pl.has_positions;
  if (has_positions_) {
    const uint32_t nfields = static_cast<uint32_t>(__builtin_popcount(block_mask));
    if (nfields > uint32_t(end - p)) {
      Fail("truncated positions");
      return false;
    }
    const uint8_t* widths = p;
    p += nfields;
    uint32_t k = 0;
    for (int f = 0; f < kNumFields; ++f) {
      if (!(block_mask & (1u << f))) continue;
      const uint32_t bits = widths[k++];
      const uint64_t bytes = PackedBytes(field_total[f], bits);
      if (bits > 32 || bytes > uint64_t(end - p)) {
        Fail("positions do not match the frequencies");
        return false;
      }
      pos_bits_[f] = bits;
      pos_region_[f] = p;
      p += bytes;
    }
  }
  if (p != end) {
    Fail("block sizes do not add up");
    return false;
  }
  block_ndocs_ = n;
  pos_in_block_ = 0;
  decoded_for_.fill(kEndDoc);
  pos_first_ready_ = false;
  pos_limit_ = blob_end;
  doc_ = docids_[0];
  return true;
}

void TermCursor::Next() {
  if (doc_ == kEndDoc) return;
  if (++pos_in_block_ < block_ndocs_) {
    doc_ = docids_[pos_in_block_];
    return;
  }
  size_t list = list_, block = block_ + 1;
  while (list < lists_.size() && block >= lists_[list]->blocks.size()) {
    ++list;
    block = 0;
  }
  if (list >= lists_.size()) {
    doc_ = kEndDoc;
    list_ = lists_.size();
    return;
  }
  LoadBlock(list, block);
}

void TermCursor::NextGeq(uint32_t target) {
  if (doc_ >= target) return;  // also true at kEndDoc
  // Skip whole blocks by the directory while their last docid is < target.
  if (block().last_docid < target) {
    size_t list = list_, block = block_ + 1;
    for (;;) {
      while (list < lists_.size() && block >= lists_[list]->blocks.size()) {
        ++list;
        block = 0;
      }
      if (list >= lists_.size()) {
        doc_ = kEndDoc;
        list_ = lists_.size();
        return;
      }
      const auto& blocks = lists_[list]->blocks;
      if (blocks.back().last_docid < target) {  // the whole list is behind
        ++list;
        block = 0;
        continue;
      }
      // Binary search the first block whose last docid >= target.
      auto it = std::lower_bound(blocks.begin() + block, blocks.end(), target,
                                 [](const BlockInfo& b, uint32_t t) { return b.last_docid < t; });
      block = static_cast<size_t>(it - blocks.begin());
      break;
    }
    if (!LoadBlock(list, block)) return;
  }
  while (docids_[pos_in_block_] < target) ++pos_in_block_;  // bounded by last_docid >= target
  doc_ = docids_[pos_in_block_];
}

const BlockInfo* TermCursor::PeekBlock(uint32_t target) {
  if (list_ >= lists_.size()) return nullptr;  // ended (or failed)
  // Resume from the last answer when it is not behind the decoded block and
  // no earlier block could hold `target`; else from the decoded block.
  size_t list = list_, block = block_;
  if ((peek_list_ > list_ || (peek_list_ == list_ && peek_block_ >= block_)) &&
      peek_list_ < lists_.size() && peek_block_ < lists_[peek_list_]->blocks.size()) {
    const auto& blocks = lists_[peek_list_]->blocks;
    const bool earlier_behind =
        peek_block_ > 0 ? blocks[peek_block_ - 1].last_docid < target : peek_list_ == list_;
    if (earlier_behind) {
      list = peek_list_;
      block = peek_block_;
    }
  }
  for (;;) {
    while (list < lists_.size() && block >= lists_[list]->blocks.size()) {
      ++list;
      block = 0;
    }
    if (list >= lists_.size()) return nullptr;
    const auto& blocks = lists_[list]->blocks;
    if (blocks.back().last_docid < target) {
      ++list;
      block = 0;
      continue;
    }
    if (blocks[block].last_docid < target) {
      // Usually the next block; else a binary search.
      if (blocks[block + 1].last_docid >= target) {
        ++block;
      } else {
        auto it = std::lower_bound(blocks.begin() + block + 2, blocks.end(), target,
                                   [](const BlockInfo& b, uint32_t t) { return b.last_docid < t; });
        block = static_cast<size_t>(it - blocks.begin());
      }
    }
    peek_list_ = list;
    peek_block_ = block;
    return &blocks[block];
  }
}

std::span<const uint32_t> TermCursor::positions(int f) {
  if (doc_ == kEndDoc || !has_positions_) return {};
  if (!pos_first_ready_) {
    // Where each doc's values start in each field: summed once per block,
    // when a phrase first asks (most blocks are never asked).
    std::array<uint32_t, kNumFields> total{};
    for (uint32_t i = 0; i < block_ndocs_; ++i) {
      pos_first_[i] = total;
      for (int g = 0; g < kNumFields; ++g) total[g] += tfs_[i][g];
    }
    pos_first_ready_ = true;
  }
  std::vector<uint32_t>& out = field_positions_[f];
  if (decoded_for_[f] != doc_) {
    const uint32_t tf = tfs_[pos_in_block_][f];
    out.resize(tf);
    UnpackBits(pos_region_[f], pos_limit_, uint64_t(pos_first_[pos_in_block_][f]) * pos_bits_[f],
               tf, pos_bits_[f], out.data());
    decoded_for_[f] = doc_;
  }
  return out;
}

}  // namespace saiki::index
