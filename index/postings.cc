// Posting list codec: writer, directory parser and cursor. The format is
// described in postings.h and docs/FORMAT.md.
#include "index/postings.h"

#include <algorithm>

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

// ---------------------------------------------------------------- writer

void PostingListWriter::AddDoc(uint32_t docid,
                               const std::array<std::span<const uint32_t>, kNumFields>& positions,
                               const FieldLengths& lengths) {
  if (block_ndocs_ == 0) {
    block_prev_doc_ = prev_block_last_;
    block_mask_ = 0;
    block_max_tf_.fill(0);
    block_min_len_.fill(UINT32_MAX);
  }
  PutVarint(&block_docs_, docid - block_prev_doc_);
  block_prev_doc_ = docid;
  uint8_t mask = 0;
  for (int f = 0; f < kNumFields; ++f) {
    if (!positions[f].empty()) mask |= uint8_t(1u << f);
  }
  block_docs_.push_back(static_cast<char>(mask));
  for (int f = 0; f < kNumFields; ++f) {
    const auto& pos = positions[f];
    if (pos.empty()) continue;
    uint32_t tf = static_cast<uint32_t>(std::min<size_t>(pos.size(), UINT16_MAX));
    PutVarint(&block_docs_, tf);
    block_max_tf_[f] = std::max(block_max_tf_[f], tf);
    block_min_len_[f] = std::min<uint32_t>(block_min_len_[f], lengths[f]);
    uint32_t prev = 0;
    for (uint32_t i = 0; i < tf; ++i) {
      PutVarint(&block_positions_, i == 0 ? pos[i] : pos[i] - prev);
      prev = pos[i];
    }
  }
  block_mask_ |= mask;
  ++block_ndocs_;
  ++ndocs_;
  if (block_ndocs_ == kBlockSize) FlushBlock();
}

void PostingListWriter::FlushBlock() {
  if (block_ndocs_ == 0) return;
  size_t start = blocks_.size();
  PutVarint(&blocks_, static_cast<uint32_t>(block_docs_.size()));
  blocks_ += block_docs_;
  blocks_ += block_positions_;
  PutVarint(&directory_, block_prev_doc_ - prev_block_last_);
  PutVarint(&directory_, static_cast<uint32_t>(blocks_.size() - start));
  directory_.push_back(static_cast<char>(block_mask_));
  for (int f = 0; f < kNumFields; ++f) {
    if (!(block_mask_ & (1u << f))) continue;
    PutVarint(&directory_, std::min<uint32_t>(block_max_tf_[f], UINT16_MAX));
    PutVarint(&directory_, std::min<uint32_t>(block_min_len_[f], UINT16_MAX));
  }
  prev_block_last_ = block_prev_doc_;
  block_docs_.clear();
  block_positions_.clear();
  block_ndocs_ = 0;
  ++nblocks_;
}

std::string PostingListWriter::Finish() {
  FlushBlock();
  std::string out;
  out.reserve(12 + directory_.size() + blocks_.size());
  out.push_back(static_cast<char>(kPostingsFormat));
  PutVarint(&out, ndocs_);
  PutVarint(&out, nblocks_);
  out += directory_;
  out += blocks_;
  *this = PostingListWriter();
  return out;
}

// ---------------------------------------------------------------- parser

Result<PostingList> PostingList::Parse(std::string bytes) {
  PostingList list;
  list.bytes = std::move(bytes);
  const uint8_t* p = reinterpret_cast<const uint8_t*>(list.bytes.data());
  const uint8_t* begin = p;
  const uint8_t* end = p + list.bytes.size();
  auto bad = [](const char* what) {
    return Status::Corruption(std::string("posting list: ") + what);
  };
  if (p >= end || *p != kPostingsFormat) return bad("unknown format byte");
  ++p;
  uint32_t nblocks;
  if (!GetVarint(&p, end, &list.ndocs) || !GetVarint(&p, end, &nblocks)) {
    return bad("truncated header");
  }
  // Each block takes at least 3 directory bytes: reject absurd counts before
  // reserving memory for them.
  if (nblocks > list.bytes.size() / 3 + 1 || nblocks > list.ndocs) {
    return bad("block count out of range");
  }
  list.blocks.resize(nblocks);
  uint32_t last = 0;
  uint64_t total_bytes = 0;
  for (uint32_t b = 0; b < nblocks; ++b) {
    BlockInfo& info = list.blocks[b];
    uint32_t delta, nbytes;
    if (!GetVarint(&p, end, &delta) || !GetVarint(&p, end, &nbytes) || p >= end) {
      return bad("truncated directory");
    }
    if (b > 0 && delta == 0) return bad("docids not increasing");
    if (uint64_t(last) + delta >= kEndDoc) return bad("docid out of range");
    last += delta;
    info.last_docid = last;
    info.bytes = nbytes;
    info.field_mask = *p++;
    info.max_tf.fill(0);
    info.min_len.fill(0);
    for (int f = 0; f < kNumFields; ++f) {
      if (!(info.field_mask & (1u << f))) continue;
      uint32_t mt, ml;
      if (!GetVarint(&p, end, &mt) || !GetVarint(&p, end, &ml)) return bad("truncated directory");
      info.max_tf[f] = static_cast<uint16_t>(std::min<uint32_t>(mt, UINT16_MAX));
      info.min_len[f] = static_cast<uint16_t>(std::min<uint32_t>(ml, UINT16_MAX));
    }
    info.offset = static_cast<uint32_t>(total_bytes);  // relative; fixed below
    total_bytes += nbytes;
  }
  uint64_t data_start = static_cast<uint64_t>(p - begin);
  if (data_start + total_bytes != list.bytes.size()) return bad("block sizes do not add up");
  for (auto& info : list.blocks) info.offset += static_cast<uint32_t>(data_start);
  return list;
}

// ---------------------------------------------------------------- concatenation

Result<std::string> ConcatPostingLists(const std::vector<const PostingList*>& lists) {
  auto bad = [](const char* what) {
    return Status::Corruption(std::string("posting list: ") + what);
  };
  uint64_t ndocs = 0, nblocks = 0;
  for (const PostingList* l : lists) {
    ndocs += l->ndocs;
    nblocks += l->blocks.size();
  }
  if (ndocs >= kEndDoc) return bad("too many documents to concatenate");
  std::string directory, blocks;
  uint32_t prev_last = 0;  // last docid of the lists so far
  for (size_t li = 0; li < lists.size(); ++li) {
    const PostingList& l = *lists[li];
    if (l.blocks.empty()) continue;
    const uint8_t* base = reinterpret_cast<const uint8_t*>(l.bytes.data());
    const uint8_t* end = base + l.bytes.size();
    // Walk the directory again for the raw bytes of each entry's field part
    // (mask, max tf, min length), which are copied unchanged.
    const uint8_t* p = base + 1;
    uint32_t v;
    if (!GetVarint(&p, end, &v) || !GetVarint(&p, end, &v)) return bad("truncated header");
    for (size_t b = 0; b < l.blocks.size(); ++b) {
      const BlockInfo& info = l.blocks[b];
      if (!GetVarint(&p, end, &v) || !GetVarint(&p, end, &v) || p >= end) {
        return bad("truncated directory");
      }
      const uint8_t* field_part = p++;
      for (uint32_t bits = *field_part & ((1u << kNumFields) - 1); bits != 0; bits &= bits - 1) {
        if (!GetVarint(&p, end, &v) || !GetVarint(&p, end, &v)) return bad("truncated directory");
      }
      const std::string_view fields(reinterpret_cast<const char*>(field_part),
                                    static_cast<size_t>(p - field_part));
      if (!directory.empty() && info.last_docid <= prev_last) return bad("docids not increasing");
      const bool first_list_block = b == 0 && !directory.empty();
      std::string_view block(l.bytes.data() + info.offset, info.bytes);
      std::string rewritten;
      if (first_list_block) {
        // block := docs_bytes docs positions; the first docid delta of this
        // list's first block is its docid itself (from 0).
        const uint8_t* q = reinterpret_cast<const uint8_t*>(block.data());
        const uint8_t* qend = q + block.size();
        uint32_t docs_bytes, first;
        if (!GetVarint(&q, qend, &docs_bytes) || docs_bytes > uint32_t(qend - q)) {
          return bad("truncated block");
        }
        const uint8_t* docs_end = q + docs_bytes;
        if (!GetVarint(&q, docs_end, &first)) return bad("truncated docs");
        if (first <= prev_last) return bad("docids not increasing");
        std::string docs;
        PutVarint(&docs, first - prev_last);
        docs.append(reinterpret_cast<const char*>(q), static_cast<size_t>(docs_end - q));
        PutVarint(&rewritten, static_cast<uint32_t>(docs.size()));
        rewritten += docs;
        rewritten.append(reinterpret_cast<const char*>(docs_end),
                         static_cast<size_t>(qend - docs_end));
        block = rewritten;
      }
      PutVarint(&directory, info.last_docid - prev_last);
      PutVarint(&directory, static_cast<uint32_t>(block.size()));
      directory += fields;
      blocks += block;
      prev_last = info.last_docid;
    }
  }
  std::string out;
  out.reserve(12 + directory.size() + blocks.size());
  out.push_back(static_cast<char>(kPostingsFormat));
  PutVarint(&out, static_cast<uint32_t>(ndocs));
  PutVarint(&out, static_cast<uint32_t>(nblocks));
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

bool TermCursor::LoadBlock(size_t list, size_t block) {
  list_ = list;
  block_ = block;
  const PostingList& pl = *lists_[list];
  const BlockInfo& info = pl.blocks[block];
  const uint8_t* base = reinterpret_cast<const uint8_t*>(pl.bytes.data());
  const uint8_t* p = base + info.offset;
  const uint8_t* end = p + info.bytes;
  uint32_t docs_bytes;
  if (!GetVarint(&p, end, &docs_bytes) || docs_bytes > uint32_t(end - p)) {
    Fail("truncated block");
    return false;
  }
  const uint8_t* docs_end = p + docs_bytes;
  uint32_t prev = block == 0 ? 0 : pl.blocks[block - 1].last_docid;
  uint32_t n = 0;
  while (p < docs_end) {
    if (n == kBlockSize) {
      Fail("block holds too many documents");
      return false;
    }
    uint32_t delta;
    // Fast path: most deltas and tfs fit one byte.
    if (*p < 0x80) {
      delta = *p++;
    } else if (!GetVarint(&p, docs_end, &delta)) {
      Fail("truncated docs");
      return false;
    }
    if (p >= docs_end) {
      Fail("truncated docs");
      return false;
    }
    if ((n > 0 || block > 0) && delta == 0) {
      Fail("docids not increasing");
      return false;
    }
    if (delta > info.last_docid - std::min(prev, info.last_docid) || prev > info.last_docid) {
      Fail("docid beyond its block's last docid");
      return false;
    }
    prev += delta;
    docids_[n] = prev;
    uint8_t mask = *p++;
    masks_[n] = mask;
    tfs_[n] = {};
    // Only the fields present: no branch per absent field.
    for (uint32_t bits = mask & ((1u << kNumFields) - 1); bits != 0; bits &= bits - 1) {
      int f = __builtin_ctz(bits);
      uint32_t tf;
      if (p < docs_end && *p < 0x80) {
        tf = *p++;
      } else if (!GetVarint(&p, docs_end, &tf)) {
        Fail("truncated tf");
        return false;
      }
      tfs_[n][f] = static_cast<uint16_t>(std::min<uint32_t>(tf, UINT16_MAX));
    }
    ++n;
  }
  if (n == 0 || docids_[n - 1] != info.last_docid) {
    Fail("block does not match its directory entry");
    return false;
  }
  block_ndocs_ = n;
  pos_in_block_ = 0;
  pos_ptr_ = docs_end;
  pos_end_ = end;
  pos_decoded_for_ = 0;
  current_pos_doc_ = kEndDoc;
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

void TermCursor::DecodePositionsUpTo(uint32_t index) {
  // Positions of docs before `index` in this block are skipped varint by
  // varint; those of `index` are decoded into current_positions_.
  for (int f = 0; f < kNumFields; ++f) current_positions_[f].clear();
  while (pos_decoded_for_ <= index) {
    bool keep = pos_decoded_for_ == index;
    for (int f = 0; f < kNumFields; ++f) {
      uint32_t tf = tfs_[pos_decoded_for_][f];
      uint32_t prev = 0;
      for (uint32_t i = 0; i < tf; ++i) {
        uint32_t v;
        if (!GetVarint(&pos_ptr_, pos_end_, &v)) {
          Fail("truncated positions");
          for (auto& fp : current_positions_) fp.clear();
          return;
        }
        prev = i == 0 ? v : prev + v;
        if (keep) current_positions_[f].push_back(prev);
      }
    }
    ++pos_decoded_for_;
  }
}

std::span<const uint32_t> TermCursor::positions(int f) {
  if (doc_ == kEndDoc) return {};
  if (current_pos_doc_ != doc_) {
    if (pos_decoded_for_ > pos_in_block_) return {};  // cannot go back; not expected
    DecodePositionsUpTo(pos_in_block_);
    current_pos_doc_ = doc_;
  }
  return current_positions_[f];
}

}  // namespace saiki::index
