// Docs blob codec and the in-memory document table. See doc_table.h.
#include "index/doc_table.h"

#include <sys/mman.h>

#include <bit>

#include <unordered_map>

#include <cmath>
#include <cstring>
#include <limits>
#include <algorithm>
#include <string>
#include <vector>

namespace saiki::index {

namespace {

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutF32(std::string* out, float f) {
  uint32_t bits;
  static_assert(sizeof(bits) == sizeof(f));
  std::memcpy(&bits, &f, sizeof(bits));
  PutU32(out, bits);
}
bool GetU32(const uint8_t** p, const uint8_t* end, uint32_t* v) {
  if (end - *p < 4) return false;
  const uint8_t* q = *p;
  *v = uint32_t(q[0]) | uint32_t(q[1]) << 8 | uint32_t(q[2]) << 16 | uint32_t(q[3]) << 24;
  *p += 4;
  return true;
}
bool GetF32(const uint8_t** p, const uint8_t* end, float* f) {
  uint32_t bits;
  if (!GetU32(p, end, &bits)) return false;
  std::memcpy(f, &bits, sizeof(bits));
  return true;
}

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// splitmix64's finalizer: spreads a 64-bit key over all bits.
uint64_t Mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

uint32_t StableHash(std::string_view bytes) {
  if (bytes.empty()) return 0;
  uint64_t h = Fnv1a64(bytes);
  uint32_t folded = static_cast<uint32_t>(h ^ (h >> 32));
  return folded == 0 ? 1 : folded;
}

TitleSignature MinHashSignature(const std::vector<std::string_view>& tokens) {
  TitleSignature sig{};
  if (tokens.empty()) return sig;
  std::array<uint64_t, kSignatureSlots> mins;
  mins.fill(UINT64_MAX);
  for (std::string_view t : tokens) {
    uint64_t base = Fnv1a64(t);
    for (int i = 0; i < kSignatureSlots; ++i) {
      mins[i] = std::min(mins[i], Mix(base + 0x9e3779b97f4a7c15ull * (i + 1)));
    }
  }
  for (int i = 0; i < kSignatureSlots; ++i) sig[i] = static_cast<uint16_t>(mins[i]);
  return sig;
}

double SignatureSimilarity(const TitleSignature& a, const TitleSignature& b) {
  static const TitleSignature kEmpty{};
  if (a == kEmpty || b == kEmpty) return 0.0;
  int equal = 0;
  for (int i = 0; i < kSignatureSlots; ++i) equal += a[i] == b[i];
  return static_cast<double>(equal) / kSignatureSlots;
}

namespace {

// Brand hashes and category-path triples repeat across a segment's products
// (a catalogue has far fewer brands and categories than products), so
// format 2 stores each once and a product refers to it by index.
struct CategoryHash {
  size_t operator()(const std::array<uint32_t, kCategoryLevels>& c) const {
    uint64_t h = 0;
    for (uint32_t v : c) h = (h ^ v) * 0x100000001b3ull;
    return static_cast<size_t>(h);
  }
};

}  // namespace

namespace {

std::string EncodeDocs2(const std::vector<DocInfo>& docs) {
  std::unordered_map<uint32_t, uint32_t> brand_index;
  std::unordered_map<std::array<uint32_t, kCategoryLevels>, uint32_t, CategoryHash> category_index;
  std::vector<uint32_t> brands;
  std::vector<const std::array<uint32_t, kCategoryLevels>*> categories;
  for (const DocInfo& d : docs) {
    if (brand_index.emplace(d.brand, static_cast<uint32_t>(brands.size())).second) {
      brands.push_back(d.brand);
    }
    if (category_index.emplace(d.category, static_cast<uint32_t>(categories.size())).second) {
      categories.push_back(&d.category);
    }
  }
  std::string out;
  out.reserve(docs.size() * 40 + brands.size() * 4 + categories.size() * 12 + 16);
  out.push_back(static_cast<char>(2));
  PutVarint(&out, static_cast<uint32_t>(docs.size()));
  PutVarint(&out, static_cast<uint32_t>(brands.size()));
  for (uint32_t b : brands) PutU32(&out, b);
  PutVarint(&out, static_cast<uint32_t>(categories.size()));
  for (const auto* c : categories) {
    for (uint32_t v : *c) PutU32(&out, v);
  }
  uint32_t prev = 0;
  for (const DocInfo& d : docs) {
    PutVarint(&out, d.docid - prev);
    prev = d.docid;
    for (int f = 0; f < kNumFields; ++f) PutVarint(&out, d.lengths[f]);
    PutF32(&out, d.price);
    PutU32(&out, d.id_hash);
    PutVarint(&out, brand_index[d.brand]);
    PutVarint(&out, category_index[d.category]);
    PutF32(&out, d.rating);
    PutVarint(&out, d.reviews);
    for (uint16_t s : d.signature) {
      out.push_back(static_cast<char>(s & 0xff));
      out.push_back(static_cast<char>(s >> 8));
    }
  }
  return out;
}

void PutU16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xff));
  out->push_back(static_cast<char>(v >> 8));
}
void PutU64(std::string* out, uint64_t v) {
  PutU32(out, static_cast<uint32_t>(v));
  PutU32(out, static_cast<uint32_t>(v >> 32));
}

constexpr size_t kHeader3Bytes = 64;
constexpr uint8_t kDenseFlag = 1;

std::string EncodeDocs3(const std::vector<DocInfo>& docs) {
  const size_t n = docs.size();
  const uint32_t first = n ? docs.front().docid : 0, last = n ? docs.back().docid : 0;
  const bool dense = n > 0 && uint64_t(last) - first + 1 == n;
  std::array<uint64_t, kNumFields> totals{};
  for (const DocInfo& d : docs) {
    for (int f = 0; f < kNumFields; ++f) totals[f] += d.lengths[f];
  }
  std::string out;
  out.reserve(kHeader3Bytes + n * (dense ? 0 : 4) + n * (DocTable::kHotRowBytes + DocTable::kColdRowBytes));
  out.push_back(3);
  out.push_back(static_cast<char>(dense ? kDenseFlag : 0));
  PutU16(&out, 0);
  PutU32(&out, static_cast<uint32_t>(n));
  PutU32(&out, first);
  PutU32(&out, last);
  for (uint64_t t : totals) PutU64(&out, t);
  while (out.size() < kHeader3Bytes) out.push_back(0);
  if (!dense) {
    for (const DocInfo& d : docs) PutU32(&out, d.docid);
  }
  for (const DocInfo& d : docs) {
    for (uint16_t l : d.lengths) PutU16(&out, l);
    PutU16(&out, 0);
    PutF32(&out, d.price);
  }
  for (const DocInfo& d : docs) {
    PutU32(&out, d.id_hash);
    PutU32(&out, d.brand);
    for (uint32_t c : d.category) PutU32(&out, c);
    PutF32(&out, d.rating);
    PutU32(&out, d.reviews);
    for (uint16_t s : d.signature) PutU16(&out, s);
  }
  return out;
}

}  // namespace

std::string EncodeDocs(const std::vector<DocInfo>& docs, uint8_t format) {
  return format == 2 ? EncodeDocs2(docs) : EncodeDocs3(docs);
}

namespace {
constexpr size_t kHeader4Bytes = 72;
}  // namespace

SegmentDocs EncodeSegmentDocs(const std::vector<DocInfo>& docs, uint16_t chunk_docs) {
  chunk_docs = std::max<uint16_t>(chunk_docs, 1);
  const size_t n = docs.size();
  SegmentDocs out;
  out.ndocs = static_cast<uint32_t>(n);
  out.first_docid = n ? docs.front().docid : 0;
  out.last_docid = n ? docs.back().docid : 0;
  const bool dense = n > 0 && uint64_t(out.last_docid) - out.first_docid + 1 == n;
  // Each distinct brand, category path and rating once (by its bits, so
  // that the value read back is the one written, NaNs included); a
  // document's cold row refers to them by index.
  std::unordered_map<uint32_t, uint32_t> brand_index, rating_index;
  std::unordered_map<std::array<uint32_t, kCategoryLevels>, uint32_t, CategoryHash> category_index;
  std::vector<uint32_t> brands, rating_bits;
  std::vector<const std::array<uint32_t, kCategoryLevels>*> categories;
  std::vector<std::array<uint32_t, 3>> indexes(n);  // brand, category, rating of each document
  std::array<uint64_t, kNumFields> totals{};
  for (size_t i = 0; i < n; ++i) {
    const DocInfo& d = docs[i];
    for (int f = 0; f < kNumFields; ++f) totals[f] += d.lengths[f];
    auto b = brand_index.emplace(d.brand, static_cast<uint32_t>(brands.size()));
    if (b.second) brands.push_back(d.brand);
    auto c = category_index.emplace(d.category, static_cast<uint32_t>(categories.size()));
    if (c.second) categories.push_back(&d.category);
    uint32_t bits;
    std::memcpy(&bits, &d.rating, 4);
    auto r = rating_index.emplace(bits, static_cast<uint32_t>(rating_bits.size()));
    if (r.second) rating_bits.push_back(bits);
    indexes[i] = {b.first->second, c.first->second, r.first->second};
  }
  std::string& blob = out.blob;
  blob.reserve(kHeader4Bytes + (dense ? 0 : 4 * n) + 4 * brands.size() +
               4 * kCategoryLevels * categories.size() + 4 * rating_bits.size() +
               DocTable::kHotRowBytes * n);
  blob.push_back(4);
  blob.push_back(static_cast<char>(dense ? kDenseFlag : 0));
  PutU16(&blob, chunk_docs);
  PutU32(&blob, out.ndocs);
  PutU32(&blob, out.first_docid);
  PutU32(&blob, out.last_docid);
  for (uint64_t t : totals) PutU64(&blob, t);
  PutU32(&blob, static_cast<uint32_t>(brands.size()));
  PutU32(&blob, static_cast<uint32_t>(categories.size()));
  PutU32(&blob, static_cast<uint32_t>(rating_bits.size()));
  PutU32(&blob, 0);
  if (!dense) {
    for (const DocInfo& d : docs) PutU32(&blob, d.docid);
  }
  for (uint32_t b : brands) PutU32(&blob, b);
  for (const auto* c : categories) {
    for (uint32_t v : *c) PutU32(&blob, v);
  }
  for (uint32_t r : rating_bits) PutU32(&blob, r);
  for (const DocInfo& d : docs) {
    for (uint16_t l : d.lengths) PutU16(&blob, l);
    PutU16(&blob, 0);
    PutF32(&blob, d.price);
  }
  out.chunks.reserve((n + chunk_docs - 1) / chunk_docs);
  for (size_t first = 0; first < n; first += chunk_docs) {
    std::string chunk;
    chunk.reserve(size_t{chunk_docs} * 32);
    for (size_t i = first; i < std::min(n, first + chunk_docs); ++i) {
      const DocInfo& d = docs[i];
      PutU32(&chunk, d.id_hash);
      for (uint32_t x : indexes[i]) PutVarint(&chunk, x);
      PutVarint(&chunk, d.reviews);
      for (uint16_t s : d.signature) PutU16(&chunk, s);
    }
    out.chunks.push_back(std::move(chunk));
  }
  return out;
}

namespace {

Status BadDocs(const std::string& what) { return Status::Corruption("docs table: " + what); }

// GetVarint with its one-byte case inline: most of a document's varints
// (lengths, table indexes, deltas) are below 128, and the docs of a whole
// catalogue are decoded at every open.
inline bool Varint(const uint8_t** p, const uint8_t* end, uint32_t* v) {
  if (*p < end && **p < 0x80) {
    *v = *(*p)++;
    return true;
  }
  return GetVarint(p, end, v);
}

// The most a header value takes: the format byte and a varint.
constexpr size_t kMaxHeaderValueBytes = 6;

// The bytes a decode reads: the whole blob in memory, or a window of it
// read in chunks (ChunkedInput). The decoder works on the window
// [p, end) and asks Ensure(n) for at least n bytes (or all that is left of
// the blob) before reading a header value or a document, so that a
// document never straddles a refill.
struct MemoryInput {
  const uint8_t* p;
  const uint8_t* end;
  const uint8_t* base;
  size_t offset() const { return static_cast<size_t>(p - base); }
  bool Ensure(size_t) { return true; }
  Status status() const { return Status::Ok(); }
};

class ChunkedInput {
 public:
  ChunkedInput(size_t size, const BlobReadAt& read, size_t chunk_bytes)
      : size_(size), read_(read), buffer_(std::max<size_t>(chunk_bytes, 1) + kMaxDocBytes) {
    p = end = buffer_.data();
  }
  const uint8_t* p;
  const uint8_t* end;
  // Offset in the blob of p.
  size_t offset() const { return window_offset_ + static_cast<size_t>(p - buffer_.data()); }
  // Makes [p, p + min(n, rest of the blob)) readable; n <= kMaxDocBytes.
  // False when the read failed (status() says why).
  bool Ensure(size_t n) {
    const size_t have = static_cast<size_t>(end - p);
    const size_t filled = window_offset_ + static_cast<size_t>(end - buffer_.data());
    if (have >= n || filled == size_) return true;
    const size_t consumed = offset();
    std::memmove(buffer_.data(), p, have);
    const size_t want = std::min(buffer_.size() - have, size_ - filled);
    status_ = read_(filled, std::span<char>(reinterpret_cast<char*>(buffer_.data()) + have, want));
    window_offset_ = consumed;
    p = buffer_.data();
    end = p + have + want;
    return status_.ok();
  }
  const Status& status() const { return status_; }
  size_t size() const { return size_; }

 private:
  size_t size_;
  const BlobReadAt& read_;
  std::vector<uint8_t> buffer_;
  size_t window_offset_ = 0;  // blob offset of buffer_[0]
  Status status_;
};

// DecodeDocs, and with `row` the checks of DecodeSegmentDocs, over either
// input. Reads format 1 (brand and category hashes in each document) and
// format 2.
template <typename Input>
Status Decode(Input& in, size_t blob_size, const SegmentDocsRow* row,
              const std::function<void(const DocInfo&)>& visit) {
  // Errors name the byte of the blob where the decode stopped.
  auto bad = [&](const std::string& what) {
    return BadDocs(what + " (at byte " + std::to_string(in.offset()) + " of " +
                   std::to_string(blob_size) + ")");
  };
  if (!in.Ensure(kMaxHeaderValueBytes)) return in.status();
  if (in.p >= in.end || (*in.p != 1 && *in.p != 2)) return BadDocs("unknown format byte");
  const bool shared_values = *in.p++ == 2;
  uint32_t n;
  if (!GetVarint(&in.p, in.end, &n)) return bad("truncated header");
  if (row != nullptr && n != row->ndocs) {
    return BadDocs("the blob holds " + std::to_string(n) + " documents, its segment row says " +
                   std::to_string(row->ndocs));
  }
  std::vector<uint32_t> brands;
  std::vector<std::array<uint32_t, kCategoryLevels>> categories;
  if (shared_values) {
    // Sized by what the blob can hold, so a corrupt count cannot allocate more.
    uint32_t nbrands, ncategories;
    if (!in.Ensure(kMaxHeaderValueBytes)) return in.status();
    if (!GetVarint(&in.p, in.end, &nbrands) || nbrands > (blob_size - in.offset()) / 4) {
      return bad("bad brand count");
    }
    brands.resize(nbrands);
    for (uint32_t& b : brands) {
      if (!in.Ensure(4)) return in.status();
      GetU32(&in.p, in.end, &b);
    }
    if (!in.Ensure(kMaxHeaderValueBytes)) return in.status();
    if (!GetVarint(&in.p, in.end, &ncategories) ||
        ncategories > (blob_size - in.offset()) / (4 * kCategoryLevels)) {
      return bad("bad category count");
    }
    categories.resize(ncategories);
    for (auto& c : categories) {
      if (!in.Ensure(4 * kCategoryLevels)) return in.status();
      for (uint32_t& v : c) GetU32(&in.p, in.end, &v);
    }
  }
  uint32_t prev = 0;
  DocInfo d;
  const uint8_t* p = in.p;
  const uint8_t* end = in.end;
  for (uint32_t i = 0; i < n; ++i) {
    if (static_cast<size_t>(end - p) < kMaxDocBytes) {
      in.p = p;
      if (!in.Ensure(kMaxDocBytes)) return in.status();
      p = in.p;
      end = in.end;
    }
    const uint8_t* doc_start = p;
    // As `bad`, naming the document; the offset is its first byte's.
    auto bad_doc = [&](const char* what) {
      in.p = doc_start;
      return bad(std::string(what) + " in document " + std::to_string(i + 1) + " of " +
                 std::to_string(n));
    };
    uint32_t delta;
    if (!Varint(&p, end, &delta)) return bad_doc("truncated docid");
    if ((i > 0 && delta == 0) || uint64_t(prev) + delta >= kEndDoc) {
      return bad_doc("docids not increasing");
    }
    if (uint64_t(prev) + delta > kMaxDocid) return bad_doc("docid beyond the limit");
    prev += delta;
    d.docid = prev;
    if (row != nullptr && (d.docid < row->first_docid || d.docid > row->last_docid ||
                           (i == 0 && d.docid != row->first_docid) ||
                           (i + 1 == n && d.docid != row->last_docid))) {
      return BadDocs("docid " + std::to_string(d.docid) + " (document " + std::to_string(i + 1) +
                     " of " + std::to_string(n) + ") does not fit its segment row's docids " +
                     std::to_string(row->first_docid) + ".." + std::to_string(row->last_docid));
    }
    for (int f = 0; f < kNumFields; ++f) {
      uint32_t len;
      if (!Varint(&p, end, &len)) return bad_doc("truncated lengths");
      d.lengths[f] = static_cast<uint16_t>(std::min<uint32_t>(len, UINT16_MAX));
    }
    bool ok = GetF32(&p, end, &d.price) && GetU32(&p, end, &d.id_hash);
    if (shared_values) {
      uint32_t b, c;
      ok = ok && Varint(&p, end, &b) && Varint(&p, end, &c);
      if (ok && (b >= brands.size() || c >= categories.size())) {
        return bad_doc("brand or category index out of range");
      }
      if (ok) {
        d.brand = brands[b];
        d.category = categories[c];
      }
    } else {
      ok = ok && GetU32(&p, end, &d.brand);
      for (int c = 0; ok && c < kCategoryLevels; ++c) ok = GetU32(&p, end, &d.category[c]);
    }
    ok = ok && GetF32(&p, end, &d.rating) && Varint(&p, end, &d.reviews);
    if (!ok || end - p < 2 * kSignatureSlots) return bad_doc("truncated product values");
    for (int s = 0; s < kSignatureSlots; ++s, p += 2) {
      d.signature[s] = static_cast<uint16_t>(p[0] | (p[1] << 8));
    }
    visit(d);
  }
  in.p = p;
  if (in.offset() != blob_size) return bad("trailing bytes");
  return Status::Ok();
}

// The checks of DecodeSegmentDocs made before anything is decoded.
// `format` is the blob's first byte (0 for an empty blob): format 4 takes
// the fewest bytes a document (its hot row; the cold row is in a chunk),
// the others at least kMinDocBytes.
Status CheckSegmentRow(size_t blob_size, const SegmentDocsRow& row, uint32_t max_docid,
                       uint8_t format) {
  const size_t min_doc_bytes = format == 4 ? DocTable::kHotRowBytes : kMinDocBytes;
  const std::string range = std::to_string(row.first_docid) + ".." + std::to_string(row.last_docid);
  if (row.first_docid < 1 || row.first_docid > row.last_docid) {
    return BadDocs("the segment row's docids " + range + " are not a range");
  }
  if (row.last_docid > max_docid) {
    return BadDocs("the segment row's docids " + range + " go past the largest docid ever" +
                   " assigned (" + std::to_string(max_docid) + ")");
  }
  if (row.ndocs < 1 || row.ndocs > row.last_docid - row.first_docid + 1) {
    return BadDocs("the segment row says " + std::to_string(row.ndocs) + " documents for docids " +
                   range);
  }
  if (static_cast<uint64_t>(row.ndocs) > blob_size / min_doc_bytes) {
    return BadDocs("the segment row says " + std::to_string(row.ndocs) + " documents; " +
                   std::to_string(blob_size) + " bytes hold at most " +
                   std::to_string(blob_size / min_doc_bytes));
  }
  return Status::Ok();
}

// Format 3. Everything about the columns follows from the header, so it is
// checked whole (and against the segment's row) before any column is read.
struct Header3 {
  bool dense = false;
  uint32_t ndocs = 0, first = 0, last = 0;
  std::array<uint64_t, kNumFields> totals{};
  size_t docids_offset = 0, hot_offset = 0, cold_offset = 0;
};

uint32_t LoadU32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint16_t LoadU16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint64_t LoadU64(const uint8_t* p) { return LoadU32(p) | uint64_t(LoadU32(p + 4)) << 32; }
float LoadF32(const uint8_t* p) {
  const uint32_t bits = LoadU32(p);
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

Status ParseHeaderDocs(const uint8_t* h, const SegmentDocsRow* row, Header3* out);

// `h` holds the blob's first min(blob_size, kHeader3Bytes) bytes.
Status ParseHeader3(const uint8_t* h, size_t blob_size, const SegmentDocsRow* row, Header3* out) {
  if (blob_size < kHeader3Bytes) {
    return BadDocs("truncated header (" + std::to_string(blob_size) + " bytes, format 3 needs " +
                   std::to_string(kHeader3Bytes) + ")");
  }
  if (LoadU16(h + 2) != 0 || LoadU64(h + 56) != 0) return BadDocs("reserved header bytes are not zero");
  SAIKI_RETURN_IF_ERROR(ParseHeaderDocs(h, row, out));
  Header3& x = *out;
  const uint64_t n = x.ndocs;
  const uint64_t want = kHeader3Bytes + (x.dense ? 0 : 4 * n) +
                        n * (DocTable::kHotRowBytes + DocTable::kColdRowBytes);
  if (want != blob_size) {
    return BadDocs(std::to_string(n) + " documents take " + std::to_string(want) +
                   " bytes in format 3, the blob has " + std::to_string(blob_size));
  }
  x.docids_offset = kHeader3Bytes;
  x.hot_offset = x.docids_offset + (x.dense ? 0 : 4 * n);
  x.cold_offset = x.hot_offset + n * DocTable::kHotRowBytes;
  return Status::Ok();
}

// The parts of formats 3 and 4's headers that are the same: flags, docids,
// field length totals (bytes 0..1, 4..55), checked against `row`.
Status ParseHeaderDocs(const uint8_t* h, const SegmentDocsRow* row, Header3* out) {
  const uint8_t flags = h[1];
  if ((flags & ~kDenseFlag) != 0) return BadDocs("unknown flags " + std::to_string(flags) + " in the header");
  Header3& x = *out;
  x.dense = flags & kDenseFlag;
  x.ndocs = LoadU32(h + 4);
  x.first = LoadU32(h + 8);
  x.last = LoadU32(h + 12);
  for (int f = 0; f < kNumFields; ++f) x.totals[f] = LoadU64(h + 16 + 8 * f);
  const std::string range = std::to_string(x.first) + ".." + std::to_string(x.last);
  if (x.ndocs == 0) {
    if (x.first != 0 || x.last != 0 || x.dense) return BadDocs("an empty blob with docids " + range);
  } else {
    if (x.first < 1 || x.first > x.last || x.last > kMaxDocid) {
      return BadDocs("the header's docids " + range + " are not a range of valid docids");
    }
    const uint64_t span = uint64_t(x.last) - x.first + 1;
    if (x.dense ? span != x.ndocs : x.ndocs > span) {
      return BadDocs("the header says " + std::to_string(x.ndocs) + (x.dense ? " dense" : "") +
                     " documents for docids " + range);
    }
  }
  if (row != nullptr &&
      (x.ndocs != row->ndocs || x.first != row->first_docid || x.last != row->last_docid)) {
    return BadDocs("the blob holds " + std::to_string(x.ndocs) + " documents, docids " + range +
                   "; its segment row says " + std::to_string(row->ndocs) + ", docids " +
                   std::to_string(row->first_docid) + ".." + std::to_string(row->last_docid));
  }
  return Status::Ok();
}

// Format 4: format 3's header less the cold column, plus the chunking and
// the value tables.
struct Header4 : Header3 {
  uint16_t chunk_docs = 0;
  uint32_t nbrands = 0, ncategories = 0, nratings = 0;
  uint32_t nchunks = 0;
  size_t dicts_offset = 0;
};

// `h` holds the blob's first min(blob_size, kHeader4Bytes) bytes.
Status ParseHeader4(const uint8_t* h, size_t blob_size, const SegmentDocsRow* row, Header4* out) {
  if (blob_size < kHeader4Bytes) {
    return BadDocs("truncated header (" + std::to_string(blob_size) + " bytes, format 4 needs " +
                   std::to_string(kHeader4Bytes) + ")");
  }
  if (LoadU32(h + 68) != 0) return BadDocs("reserved header bytes are not zero");
  Header4& x = *out;
  x.chunk_docs = LoadU16(h + 2);
  if (x.chunk_docs == 0) return BadDocs("the header says 0 documents a cold chunk");
  SAIKI_RETURN_IF_ERROR(ParseHeaderDocs(h, row, &x));
  x.nbrands = LoadU32(h + 56);
  x.ncategories = LoadU32(h + 60);
  x.nratings = LoadU32(h + 64);
  const uint64_t n = x.ndocs;
  const uint64_t want = kHeader4Bytes + (x.dense ? 0 : 4 * n) + 4 * uint64_t{x.nbrands} +
                        4 * kCategoryLevels * uint64_t{x.ncategories} + 4 * uint64_t{x.nratings} +
                        n * DocTable::kHotRowBytes;
  if (want != blob_size) {
    return BadDocs(std::to_string(n) + " documents, " + std::to_string(x.nbrands) + " brands, " +
                   std::to_string(x.ncategories) + " categories and " +
                   std::to_string(x.nratings) + " ratings take " + std::to_string(want) +
                   " bytes in format 4, the blob has " + std::to_string(blob_size));
  }
  x.nchunks = static_cast<uint32_t>((n + x.chunk_docs - 1) / x.chunk_docs);
  x.docids_offset = kHeader4Bytes;
  x.dicts_offset = x.docids_offset + (x.dense ? 0 : 4 * n);
  x.hot_offset = x.dicts_offset + 4 * size_t{x.nbrands} + 4 * kCategoryLevels * size_t{x.ncategories} +
                 4 * size_t{x.nratings};
  return Status::Ok();
}

// read() of [offset, offset + bytes) into `out`, at most 16 MiB at a time
// (sqlite3_blob_read takes an int).
template <typename Read>
Status ReadSplit(const Read& read, size_t offset, char* out, size_t bytes) {
  constexpr size_t kMaxRead = size_t{16} << 20;
  for (size_t done = 0; done < bytes;) {
    const size_t n = std::min(kMaxRead, bytes - done);
    SAIKI_RETURN_IF_ERROR(read(offset + done, std::span<char>(out + done, n)));
    done += n;
  }
  return Status::Ok();
}

// A format 4 segment's value tables.
struct ColdDicts {
  std::vector<uint32_t> brands;
  std::vector<std::array<uint32_t, kCategoryLevels>> categories;
  std::vector<float> ratings;
};

template <typename Read>
Status ReadDicts4(size_t offset, uint32_t nbrands, uint32_t ncategories, uint32_t nratings,
                  const Read& read, ColdDicts* out) {
  std::vector<uint8_t> raw(4 * (size_t{nbrands} + kCategoryLevels * size_t{ncategories} + nratings));
  SAIKI_RETURN_IF_ERROR(ReadSplit(read, offset, reinterpret_cast<char*>(raw.data()), raw.size()));
  const uint8_t* p = raw.data();
  out->brands.resize(nbrands);
  for (uint32_t& b : out->brands) b = LoadU32(p), p += 4;
  out->categories.resize(ncategories);
  for (auto& c : out->categories) {
    for (uint32_t& v : c) v = LoadU32(p), p += 4;
  }
  out->ratings.resize(nratings);
  for (float& r : out->ratings) r = LoadF32(p), p += 4;
  return Status::Ok();
}

// Decodes a format 4 cold chunk holding `count` documents' cold rows into
// *d's cold fields, calling put(i, *d) for the i-th. Returns what is wrong
// with it ("" when nothing): the caller names the chunk.
template <typename Put>
std::string DecodeColdChunk(std::string_view data, const std::vector<uint32_t>& brands,
                            const std::vector<std::array<uint32_t, kCategoryLevels>>& categories,
                            const std::vector<float>& ratings, size_t count, DocInfo* d,
                            const Put& put) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(data.data());
  const uint8_t* const end = p + data.size();
  for (size_t i = 0; i < count; ++i) {
    uint32_t b, c, r;
    if (!GetU32(&p, end, &d->id_hash) || !Varint(&p, end, &b) || !Varint(&p, end, &c) ||
        !Varint(&p, end, &r) || !Varint(&p, end, &d->reviews) || end - p < 2 * kSignatureSlots) {
      return "truncated in document " + std::to_string(i + 1) + " of " + std::to_string(count) +
             " (" + std::to_string(data.size()) + " bytes)";
    }
    if (b >= brands.size() || c >= categories.size() || r >= ratings.size()) {
      return "a brand, category or rating index out of range in document " +
             std::to_string(i + 1) + " of " + std::to_string(count);
    }
    d->brand = brands[b];
    d->category = categories[c];
    d->rating = ratings[r];
    for (int s = 0; s < kSignatureSlots; ++s, p += 2) {
      d->signature[s] = static_cast<uint16_t>(p[0] | (p[1] << 8));
    }
    put(i, *d);
  }
  if (p != end) {
    return std::to_string(end - p) + " bytes past its " + std::to_string(count) + " documents";
  }
  return "";
}

Status BadChunk(int64_t chunk, const std::string& what) {
  return BadDocs("cold chunk " + std::to_string(chunk) + ": " + what);
}
Status MissingChunk(int64_t chunk, uint32_t nchunks) {
  return BadDocs("cold chunk " + std::to_string(chunk) + " is missing (the segment has " +
                 std::to_string(nchunks) + ")");
}

// Checks docids [i, i + count) of a format 3 docid column (`ids`, the
// previous docid in *prev, 0 before the first).
Status CheckDocids3(const Header3& h, const uint32_t* ids, size_t i, size_t count, uint32_t* prev) {
  for (size_t j = 0; j < count; ++j) {
    const uint32_t d = ids[j];
    const size_t doc = i + j;
    const bool fits = d >= h.first && d <= h.last && (doc > 0 || d == h.first) &&
                      (doc + 1 < h.ndocs || d == h.last);
    if (d <= *prev || !fits) {
      return BadDocs("docid " + std::to_string(d) + " (document " + std::to_string(doc + 1) +
                     " of " + std::to_string(h.ndocs) + ", at byte " +
                     std::to_string(h.docids_offset + 4 * doc) + ") " +
                     (d <= *prev ? "does not increase" : "does not fit the docids ") +
                     (d <= *prev ? "" : std::to_string(h.first) + ".." + std::to_string(h.last)));
    }
    *prev = d;
  }
  return Status::Ok();
}

// Reads and checks a sparse format 3 blob's docid column into *ids (left
// empty when dense).
template <typename Read>
Status ReadDocids3(const Header3& h, const Read& read, std::vector<uint32_t>* ids,
                   size_t piece_bytes) {
  ids->clear();
  if (h.dense) return Status::Ok();
  ids->resize(h.ndocs);
  char* out = reinterpret_cast<char*>(ids->data());
  const size_t bytes = 4 * size_t{h.ndocs};
  const size_t piece = std::max<size_t>(4, piece_bytes / 4 * 4);
  for (size_t done = 0; done < bytes; done += piece) {
    SAIKI_RETURN_IF_ERROR(read(h.docids_offset + done,
                               std::span<char>(out + done, std::min(piece, bytes - done))));
  }
  if constexpr (std::endian::native == std::endian::big) {
    for (uint32_t& d : *ids) d = LoadU32(reinterpret_cast<const uint8_t*>(&d));
  }
  uint32_t prev = 0;
  return CheckDocids3(h, ids->data(), 0, ids->size(), &prev);
}

// Visits a format 3 blob's documents, reading its columns through `read`
// (offset, bytes) `batch` documents at a time.
template <typename Read>
Status Decode3(size_t blob_size, const Read& read, const SegmentDocsRow* row,
               const std::function<void(const DocInfo&)>& visit, size_t batch_bytes) {
  uint8_t head[kHeader3Bytes];
  SAIKI_RETURN_IF_ERROR(read(0, std::span<char>(reinterpret_cast<char*>(head),
                                                std::min(blob_size, kHeader3Bytes))));
  Header3 h;
  SAIKI_RETURN_IF_ERROR(ParseHeader3(head, blob_size, row, &h));
  // The docid column is read and checked whole before anything is visited
  // (4 bytes a document, sized by the blob's real length), so that a bad
  // docid stops the decode at the same point whatever the batches.
  std::vector<uint32_t> ids;
  SAIKI_RETURN_IF_ERROR(ReadDocids3(h, read, &ids, batch_bytes));
  constexpr size_t kRow = DocTable::kHotRowBytes + DocTable::kColdRowBytes;
  const size_t batch = std::clamp<size_t>(batch_bytes / kRow, 1, 4096);
  std::vector<uint8_t> hot(batch * DocTable::kHotRowBytes), cold(batch * DocTable::kColdRowBytes);
  std::array<uint64_t, kNumFields> totals{};
  DocInfo d;
  for (size_t i = 0; i < h.ndocs; i += batch) {
    const size_t count = std::min<size_t>(batch, h.ndocs - i);
    SAIKI_RETURN_IF_ERROR(read(h.hot_offset + DocTable::kHotRowBytes * i,
                               std::span<char>(reinterpret_cast<char*>(hot.data()),
                                               DocTable::kHotRowBytes * count)));
    SAIKI_RETURN_IF_ERROR(read(h.cold_offset + DocTable::kColdRowBytes * i,
                               std::span<char>(reinterpret_cast<char*>(cold.data()),
                                               DocTable::kColdRowBytes * count)));
    for (size_t j = 0; j < count; ++j) {
      const uint8_t* p = &hot[DocTable::kHotRowBytes * j];
      d.docid = h.dense ? static_cast<uint32_t>(h.first + i + j) : ids[i + j];
      for (int f = 0; f < kNumFields; ++f) {
        d.lengths[f] = LoadU16(p + 2 * f);
        totals[f] += d.lengths[f];
      }
      d.price = LoadF32(p + 12);
      const uint8_t* c = &cold[DocTable::kColdRowBytes * j];
      d.id_hash = LoadU32(c);
      d.brand = LoadU32(c + 4);
      for (int l = 0; l < kCategoryLevels; ++l) d.category[l] = LoadU32(c + 8 + 4 * l);
      d.rating = LoadF32(c + 20);
      d.reviews = LoadU32(c + 24);
      for (int sl = 0; sl < kSignatureSlots; ++sl) d.signature[sl] = LoadU16(c + 28 + 2 * sl);
      visit(d);
    }
  }
  if (totals != h.totals) return BadDocs("the header's field length totals disagree with the hot column");
  return Status::Ok();
}

// Visits a format 4 blob's documents: its header, docid column, value
// tables and hot column through `read`, the cold rows from `chunks`.
template <typename Read>
Status Decode4(size_t blob_size, const Read& read, const SegmentDocsRow* row,
               const std::function<void(const DocInfo&)>& visit, size_t batch_bytes,
               const ColdChunkScan& chunks) {
  uint8_t head[kHeader4Bytes];
  SAIKI_RETURN_IF_ERROR(read(0, std::span<char>(reinterpret_cast<char*>(head),
                                                std::min(blob_size, kHeader4Bytes))));
  Header4 h;
  SAIKI_RETURN_IF_ERROR(ParseHeader4(head, blob_size, row, &h));
  if (!chunks) return Status::Internal("docs table: a format 4 blob is read with its cold chunks");
  std::vector<uint32_t> ids;
  SAIKI_RETURN_IF_ERROR(ReadDocids3(h, read, &ids, batch_bytes));
  ColdDicts dicts;
  SAIKI_RETURN_IF_ERROR(ReadDicts4(h.dicts_offset, h.nbrands, h.ncategories, h.nratings, read, &dicts));
  // The hot column whole (16 bytes a document): the chunks come in their
  // own order from another table.
  std::vector<uint8_t> hot(size_t{h.ndocs} * DocTable::kHotRowBytes);
  SAIKI_RETURN_IF_ERROR(ReadSplit(read, h.hot_offset, reinterpret_cast<char*>(hot.data()), hot.size()));
  std::array<uint64_t, kNumFields> totals{};
  for (size_t i = 0; i < h.ndocs; ++i) {
    for (int f = 0; f < kNumFields; ++f) totals[f] += LoadU16(&hot[DocTable::kHotRowBytes * i + 2 * f]);
  }
  if (totals != h.totals) return BadDocs("the header's field length totals disagree with the hot column");
  int64_t next = 0;
  DocInfo d;
  SAIKI_RETURN_IF_ERROR(chunks([&](int64_t chunk, std::string_view data) -> Status {
    if (chunk >= h.nchunks) {
      return BadChunk(chunk, "beyond the segment's " + std::to_string(h.nchunks) + " chunks");
    }
    if (chunk != next) return MissingChunk(next, h.nchunks);
    const size_t first = size_t(chunk) * h.chunk_docs;
    const size_t count = std::min<size_t>(h.chunk_docs, h.ndocs - first);
    const std::string bad = DecodeColdChunk(
        data, dicts.brands, dicts.categories, dicts.ratings, count, &d,
        [&](size_t i, DocInfo& doc) {
          const size_t k = first + i;
          const uint8_t* p = &hot[DocTable::kHotRowBytes * k];
          doc.docid = h.dense ? static_cast<uint32_t>(h.first + k) : ids[k];
          for (int f = 0; f < kNumFields; ++f) doc.lengths[f] = LoadU16(p + 2 * f);
          doc.price = LoadF32(p + 12);
          visit(doc);
        });
    if (!bad.empty()) return BadChunk(chunk, bad);
    ++next;
    return Status::Ok();
  }));
  if (next != h.nchunks) return MissingChunk(next, h.nchunks);
  return Status::Ok();
}

// Reads of a blob in memory.
struct MemoryRead {
  std::string_view blob;
  Status operator()(size_t offset, std::span<char> out) const {
    std::memcpy(out.data(), blob.data() + offset, out.size());
    return Status::Ok();
  }
};

uint8_t FormatOf(std::string_view blob) { return blob.empty() ? 0 : static_cast<uint8_t>(blob[0]); }

}  // namespace

Status DecodeDocs(std::string_view blob, const std::function<void(const DocInfo&)>& visit,
                  const ColdChunkScan& chunks) {
  const uint8_t format = FormatOf(blob);
  if (format == 3) return Decode3(blob.size(), MemoryRead{blob}, nullptr, visit, kDocsChunkBytes);
  if (format == 4) {
    return Decode4(blob.size(), MemoryRead{blob}, nullptr, visit, kDocsChunkBytes, chunks);
  }
  const uint8_t* base = reinterpret_cast<const uint8_t*>(blob.data());
  MemoryInput in{base, base + blob.size(), base};
  return Decode(in, blob.size(), nullptr, visit);
}

Status DecodeSegmentDocs(std::string_view blob, const SegmentDocsRow& row, uint32_t max_docid,
                         const std::function<void(const DocInfo&)>& visit,
                         const ColdChunkScan& chunks) {
  const uint8_t format = FormatOf(blob);
  SAIKI_RETURN_IF_ERROR(CheckSegmentRow(blob.size(), row, max_docid, format));
  if (format == 3) return Decode3(blob.size(), MemoryRead{blob}, &row, visit, kDocsChunkBytes);
  if (format == 4) {
    return Decode4(blob.size(), MemoryRead{blob}, &row, visit, kDocsChunkBytes, chunks);
  }
  const uint8_t* base = reinterpret_cast<const uint8_t*>(blob.data());
  MemoryInput in{base, base + blob.size(), base};
  return Decode(in, blob.size(), &row, visit);
}

Status DecodeSegmentDocs(size_t blob_size, const BlobReadAt& read, const SegmentDocsRow& row,
                         uint32_t max_docid, const std::function<void(const DocInfo&)>& visit,
                         size_t chunk_bytes, const ColdChunkScan& chunks) {
  // An empty blob fails the row's checks (ndocs >= 1).
  if (blob_size == 0) SAIKI_RETURN_IF_ERROR(CheckSegmentRow(blob_size, row, max_docid, 0));
  // The format byte, from the first window (formats 1 and 2 go on from it,
  // with the reads they always made).
  ChunkedInput in(blob_size, read, chunk_bytes);
  if (!in.Ensure(kMaxHeaderValueBytes)) return in.status();
  const uint8_t format = in.p < in.end ? *in.p : 0;
  SAIKI_RETURN_IF_ERROR(CheckSegmentRow(blob_size, row, max_docid, format));
  if (format == 3) return Decode3(blob_size, read, &row, visit, chunk_bytes);
  if (format == 4) return Decode4(blob_size, read, &row, visit, chunk_bytes, chunks);
  return Decode(in, blob_size, &row, visit);
}

ZeroedBlock AllocateZeroed(size_t count, size_t size, bool huge_pages) {
  constexpr size_t kHuge = size_t{2} << 20;
  size_t bytes;
  if (__builtin_mul_overflow(count, size, &bytes)) throw std::bad_alloc();
  if (huge_pages && bytes >= (size_t{256} << 10) && bytes <= SIZE_MAX - 2 * kHuge) {
    const size_t rounded = (bytes + kHuge - 1) & ~(kHuge - 1);
    const size_t mapped = rounded + kHuge;
    void* base = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base != MAP_FAILED) {
      // Keep [aligned, aligned + rounded) and give back the ends.
      const uintptr_t at = reinterpret_cast<uintptr_t>(base);
      const uintptr_t aligned = (at + kHuge - 1) & ~(uintptr_t{kHuge} - 1);
      const size_t head = aligned - at, tail = mapped - head - rounded;
      if (head > 0) munmap(base, head);
      if (tail > 0) munmap(reinterpret_cast<void*>(aligned + rounded), tail);
      void* data = reinterpret_cast<void*>(aligned);
      madvise(data, rounded, MADV_HUGEPAGE);  // a hint
      return {data, rounded};
    }
    // No mapping: calloc may still find the memory.
  }
  void* data = std::calloc(count == 0 ? 1 : count, size == 0 ? 1 : size);
  if (data == nullptr) throw std::bad_alloc();
  if (huge_pages) AdviseHugePages(data, bytes);
  return {data, 0};
}

void FreeZeroed(const ZeroedBlock& block) {
  if (block.mapped > 0) {
    munmap(block.data, block.mapped);
  } else {
    std::free(block.data);
  }
}

void AdviseHugePages(void* p, size_t bytes) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (p == nullptr || end <= begin) return;
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // a hint
}

void DocTable::GrowTo(uint32_t capacity) {
  if (capacity <= capacity_) return;
  hot_.Grow(capacity);
  // Not advised for huge pages yet: the re-ranker's candidates' rows
  // (EnsureColdRows) are ~200 rows scattered over the table, and each
  // would fault in and zero a 2 MiB page (at 1M products, most of the 44
  // MB). EnsureCold advises it before it writes every row.
  cold_.Grow(capacity, /*huge_pages=*/false);
  live_.Grow(capacity);
  capacity_ = capacity;
}

void DocTable::Reserve(uint32_t capacity) { GrowTo(capacity); }

void DocTable::Add(const DocInfo& doc) {
  if (doc.docid >= capacity_) {
    GrowTo(static_cast<uint32_t>(std::min<uint64_t>(
        std::max<uint64_t>(uint64_t{doc.docid} + 1, uint64_t{capacity_} * 3 / 2), UINT32_MAX)));
  }
  if (live_[doc.docid]) Remove(doc.docid);
  hot_[doc.docid] = {doc.lengths, 0, doc.price};
  cold_[doc.docid] = {doc.id_hash, doc.brand, doc.category, doc.rating,
                      doc.reviews, doc.signature};
  live_[doc.docid] = 1;
  ++live_count_;
  for (int f = 0; f < kNumFields; ++f) total_length_[f] += doc.lengths[f];
}

namespace {

// The most one read of a column asks for (sqlite3_blob_read takes an int).
constexpr size_t kMaxColumnRead = size_t{16} << 20;

// read() of [offset, offset + bytes) into `out`, at most kMaxColumnRead at a time.
Status ReadInto(const BlobReadAt& read, size_t offset, char* out, size_t bytes) {
  for (size_t done = 0; done < bytes;) {
    const size_t n = std::min(kMaxColumnRead, bytes - done);
    SAIKI_RETURN_IF_ERROR(read(offset + done, std::span<char>(out + done, n)));
    done += n;
  }
  return Status::Ok();
}

// The rows read straight into the table are little-endian on disk: on a
// big-endian host, each field is swapped after the read.
template <typename T>
void SwapFields(T* rows, size_t n) {
  if constexpr (std::endian::native == std::endian::big) {
    auto u16 = [](uint16_t& v) { v = __builtin_bswap16(v); };
    auto u32 = [](auto& v) {
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      bits = __builtin_bswap32(bits);
      std::memcpy(&v, &bits, 4);
    };
    for (size_t i = 0; i < n; ++i) {
      T& r = rows[i];
      if constexpr (requires { r.lengths; }) {  // a hot row
        for (uint16_t& l : r.lengths) u16(l);
        u32(r.price);
      } else {  // a cold row
        u32(r.id_hash);
        u32(r.brand);
        for (uint32_t& c : r.category) u32(c);
        u32(r.rating);
        u32(r.reviews);
        for (uint16_t& s : r.signature) u16(s);
      }
    }
  } else {
    (void)rows;
    (void)n;
  }
}

// Reads a column of `ndocs` rows of type T at `offset` into `table`, indexed
// by docid: straight into the table when the docids are one range (`docids`
// empty: first_docid...), with no work per document; else through a buffer
// of 4096 rows, each row to its docid.
template <typename T>
Status ReadColumn(const BlobReadAt& read, size_t offset, uint32_t first_docid, uint32_t ndocs,
                  const std::vector<uint32_t>& docids, T* table) {
  if (docids.empty()) {
    SAIKI_RETURN_IF_ERROR(ReadInto(read, offset, reinterpret_cast<char*>(table + first_docid),
                                   size_t{ndocs} * sizeof(T)));
    SwapFields(table + first_docid, ndocs);
    return Status::Ok();
  }
  std::vector<T> rows(std::min<size_t>(ndocs, 4096));
  for (size_t i = 0; i < ndocs; i += rows.size()) {
    const size_t count = std::min<size_t>(rows.size(), ndocs - i);
    SAIKI_RETURN_IF_ERROR(ReadInto(read, offset + i * sizeof(T),
                                   reinterpret_cast<char*>(rows.data()), count * sizeof(T)));
    SwapFields(rows.data(), count);
    for (size_t j = 0; j < count; ++j) table[docids[i + j]] = rows[j];
  }
  return Status::Ok();
}

}  // namespace

Status DocTable::LoadSegment(int64_t seg, size_t blob_size, const BlobReadAt& read,
                             const SegmentDocsRow& row, uint32_t max_docid) {
  if (blob_size == 0) SAIKI_RETURN_IF_ERROR(CheckSegmentRow(blob_size, row, max_docid, 0));
  uint8_t head[kHeader4Bytes];
  SAIKI_RETURN_IF_ERROR(read(0, std::span<char>(reinterpret_cast<char*>(head), 1)));
  const uint8_t format = head[0];
  SAIKI_RETURN_IF_ERROR(CheckSegmentRow(blob_size, row, max_docid, format));
  // Segments whose docids overlap (`saiki check` reports them) are added
  // document by document after every pending cold column is read, so that
  // the later segment's rows win, as with Add. A range check suffices to
  // rule that out for the segments of a sound file.
  auto range_live = [&](uint64_t first, uint64_t last) {
    if (first >= capacity_) return false;
    last = std::min<uint64_t>(last, capacity_ - 1);
    return std::memchr(live_.data() + first, 1, last - first + 1) != nullptr;
  };
  const ColdChunkScan scan = [this, seg](const ColdChunkVisitor& visit) -> Status {
    if (!chunk_reader_.scan) {
      return Status::Internal("docs table: no reader for the cold chunks of segment " +
                              std::to_string(seg));
    }
    return chunk_reader_.scan(seg, visit);
  };
  auto add_each = [&]() -> Status {
    SAIKI_RETURN_IF_ERROR(EnsureCold());
    return DecodeSegmentDocs(blob_size, read, row, max_docid,
                             [this](const DocInfo& d) { Add(d); }, kDocsChunkBytes, scan);
  };
  if (format != 3 && format != 4) {
    if (!cold_loaded() && range_live(row.first_docid, row.last_docid)) {
      SAIKI_RETURN_IF_ERROR(EnsureCold());
    }
    return DecodeSegmentDocs(blob_size, read, row, max_docid,
                             [this](const DocInfo& d) { Add(d); });
  }
  const size_t head_bytes = format == 3 ? kHeader3Bytes : kHeader4Bytes;
  SAIKI_RETURN_IF_ERROR(read(0, std::span<char>(reinterpret_cast<char*>(head),
                                                std::min(blob_size, head_bytes))));
  Header4 h;
  if (format == 3) {
    SAIKI_RETURN_IF_ERROR(ParseHeader3(head, blob_size, &row, &h));
  } else {
    SAIKI_RETURN_IF_ERROR(ParseHeader4(head, blob_size, &row, &h));
  }
  std::vector<uint32_t> ids;
  SAIKI_RETURN_IF_ERROR(ReadDocids3(h, read, &ids, kMaxColumnRead));
  if (h.ndocs == 0) return Status::Ok();
  // Pending segments must not overlap even in their ranges (a sparse one
  // may have holes): EnsureColdRows finds a docid's segment by its range.
  bool overlaps = range_live(h.first, h.last);
  if (!overlaps) {
    std::lock_guard<std::mutex> lock(ensure_mu_);
    overlaps = std::any_of(pending_.begin(), pending_.end(), [&](const PendingSegment& p) {
      return p.first_docid <= h.last && h.first <= p.last_docid;
    });
  }
  if (overlaps) return add_each();
  // h.last <= row.last_docid <= max_docid <= kMaxDocid: checked above.
  GrowTo(h.last + 1);
  if (h.dense) {
    std::memset(live_.data() + h.first, 1, h.ndocs);
  } else {
    for (uint32_t d : ids) live_[d] = 1;
  }
  // The header's totals stand for the hot column's: `saiki check` and every
  // decode that visits the documents (DecodeDocs) compare them.
  for (int f = 0; f < kNumFields; ++f) total_length_[f] += h.totals[f];
  live_count_ += h.ndocs;
  PendingSegment p;
  p.seg = seg;
  p.format = format;
  p.hot_offset = h.hot_offset;
  p.cold_offset = h.cold_offset;
  p.first_docid = h.first;
  p.last_docid = h.last;
  p.ndocs = h.ndocs;
  p.docids = std::move(ids);
  if (format == 4) {
    p.chunk_docs = h.chunk_docs;
    p.dicts_offset = h.dicts_offset;
    p.nbrands = h.nbrands;
    p.ncategories = h.ncategories;
    p.nratings = h.nratings;
    p.chunk_read.assign(h.nchunks, 0);
    p.chunks_left = h.nchunks;
  }
  std::lock_guard<std::mutex> lock(ensure_mu_);
  auto at = std::upper_bound(pending_.begin(), pending_.end(), p.first_docid,
                             [](uint32_t d, const PendingSegment& q) { return d < q.first_docid; });
  pending_.insert(at, std::move(p));
  hot_loaded_.store(false, std::memory_order_release);
  cold_loaded_.store(false, std::memory_order_release);
  if (format == 3) cold_columns_pending_.store(true, std::memory_order_release);
  return Status::Ok();
}

Status DocTable::ReadDictsLocked(PendingSegment& p, const BlobReadAt& read) const {
  if (p.dicts_read) return Status::Ok();
  ColdDicts dicts;
  SAIKI_RETURN_IF_ERROR(ReadDicts4(p.dicts_offset, p.nbrands, p.ncategories, p.nratings, read, &dicts));
  p.brands = std::move(dicts.brands);
  p.categories = std::move(dicts.categories);
  p.ratings = std::move(dicts.ratings);
  p.dicts_read = true;
  return Status::Ok();
}

Status DocTable::PutChunkLocked(PendingSegment& p, int64_t chunk, std::string_view data) const {
  // Called once per chunk of a segment by EnsureCold (62,500 times at 1M
  // products): the messages are built only when something is wrong.
  auto bad_chunk = [&](const std::string& what) {
    return BadDocs("segment " + std::to_string(p.seg) + ", cold chunk " + std::to_string(chunk) +
                   ": " + what);
  };
  if (chunk < 0 || chunk >= static_cast<int64_t>(p.chunk_read.size())) {
    return bad_chunk("beyond the segment's " + std::to_string(p.chunk_read.size()) + " chunks");
  }
  if (p.chunk_read[chunk]) return Status::Ok();
  const size_t first = size_t(chunk) * p.chunk_docs;
  const size_t count = std::min<size_t>(p.chunk_docs, p.ndocs - first);
  ColdDoc* const dense_rows = p.docids.empty() ? cold_.data() + p.first_docid + first : nullptr;
  const uint32_t* const ids = p.docids.data() + (dense_rows ? 0 : first);
  // Straight into the table: rows of a chunk found bad halfway are written
  // but not valid (the chunk stays pending, and info() is valid for a
  // docid only once its chunk was read), and are written again by the next
  // read of the chunk.
  DocInfo d;
  const std::string bad = DecodeColdChunk(
      data, p.brands, p.categories, p.ratings, count, &d, [&](size_t i, const DocInfo& x) {
        (dense_rows ? dense_rows[i] : cold_[ids[i]]) = {x.id_hash, x.brand,   x.category,
                                                        x.rating,  x.reviews, x.signature};
      });
  if (!bad.empty()) return bad_chunk(bad);
  p.chunk_read[chunk] = 1;
  if (--p.chunks_left == 0) p.cold_read = true;
  return Status::Ok();
}

Status DocTable::ReadPendingLocked(bool cold) const {
  for (PendingSegment& p : pending_) {
    if (p.hot_read && (!cold || p.cold_read)) continue;
    if (!cold_reader_) {
      return Status::Internal("docs table: no reader for the columns of segment " +
                              std::to_string(p.seg));
    }
    // One open per segment: the value tables (format 4), the hot column,
    // then the cold one after it (format 3), in the order they lie.
    SAIKI_ASSIGN_OR_RETURN(const BlobReadAt read, cold_reader_(p.seg));
    if (cold && p.format == 4 && !p.cold_read) SAIKI_RETURN_IF_ERROR(ReadDictsLocked(p, read));
    if (!p.hot_read) {
      SAIKI_RETURN_IF_ERROR(ReadColumn(read, p.hot_offset, p.first_docid, p.ndocs, p.docids,
                                       hot_.data()));
      p.hot_read = true;
    }
    if (!cold || p.cold_read) continue;
    if (p.format == 3) {
      SAIKI_RETURN_IF_ERROR(ReadColdColumnLocked(p, read));
      continue;
    }
    // Format 4: one scan of the segment's chunks, in chunk order.
    if (!chunk_reader_.scan) {
      return Status::Internal("docs table: no reader for the cold chunks of segment " +
                              std::to_string(p.seg));
    }
    const uint32_t nchunks = static_cast<uint32_t>(p.chunk_read.size());
    int64_t next = 0;
    SAIKI_RETURN_IF_ERROR(chunk_reader_.scan(p.seg, [&](int64_t chunk, std::string_view data) {
      if (chunk != next && chunk < nchunks) {
        return BadDocs("segment " + std::to_string(p.seg) + ", cold chunk " +
                       std::to_string(next) + " is missing (the segment has " +
                       std::to_string(nchunks) + ")");
      }
      ++next;
      return PutChunkLocked(p, chunk, data);
    }));
    if (next != nchunks) {
      return BadDocs("segment " + std::to_string(p.seg) + ", cold chunk " + std::to_string(next) +
                     " is missing (the segment has " + std::to_string(nchunks) + ")");
    }
  }
  // Every hot row is in: the removals made meanwhile come off the totals.
  for (uint32_t d : removed_pending_) {
    for (int f = 0; f < kNumFields; ++f) total_length_[f] -= hot_[d].lengths[f];
  }
  removed_pending_.clear();
  hot_loaded_.store(true, std::memory_order_release);
  if (cold) {
    pending_.clear();
    cold_loaded_.store(true, std::memory_order_release);
    cold_columns_pending_.store(false, std::memory_order_release);
  }
  return Status::Ok();
}

Status DocTable::ReadColdColumnLocked(PendingSegment& p, const BlobReadAt& read) const {
  SAIKI_RETURN_IF_ERROR(
      ReadColumn(read, p.cold_offset, p.first_docid, p.ndocs, p.docids, cold_.data()));
  p.cold_read = true;
  return Status::Ok();
}

Status DocTable::EnsureHot() const {
  if (hot_loaded()) return Status::Ok();
  std::lock_guard<std::mutex> lock(ensure_mu_);
  if (hot_loaded()) return Status::Ok();  // another thread read them meanwhile
  return ReadPendingLocked(false);
}

Status DocTable::EnsureCold() const {
  if (cold_loaded()) return Status::Ok();
  std::lock_guard<std::mutex> lock(ensure_mu_);
  if (cold_loaded()) return Status::Ok();
  // Every row is written now: huge pages where no row was written yet
  // (EnsureColdRows' pages stay small; see GrowTo).
  AdviseHugePages(cold_.data(), size_t{capacity_} * sizeof(ColdDoc));
  return ReadPendingLocked(true);
}

Status DocTable::EnsureColdRows(std::span<const uint32_t> docids) const {
  if (cold_loaded()) return Status::Ok();
  std::lock_guard<std::mutex> lock(ensure_mu_);
  if (cold_loaded()) return Status::Ok();
  std::string data;
  for (uint32_t d : docids) {
    // The pending segment whose range holds d (ranges do not overlap:
    // LoadSegment), if any: other docids' rows are in memory.
    auto it = std::upper_bound(pending_.begin(), pending_.end(), d,
                               [](uint32_t x, const PendingSegment& q) { return x < q.first_docid; });
    if (it == pending_.begin()) continue;
    PendingSegment& p = *--it;
    if (d > p.last_docid || p.cold_read) continue;
    if (p.format == 3 || !p.dicts_read) {
      if (!cold_reader_) {
        return Status::Internal("docs table: no reader for the columns of segment " +
                                std::to_string(p.seg));
      }
      SAIKI_ASSIGN_OR_RETURN(const BlobReadAt read, cold_reader_(p.seg));
      if (p.format == 3) {
        SAIKI_RETURN_IF_ERROR(ReadColdColumnLocked(p, read));
        continue;
      }
      SAIKI_RETURN_IF_ERROR(ReadDictsLocked(p, read));
    }
    size_t rank;
    if (p.docids.empty()) {
      rank = d - p.first_docid;
    } else {
      auto at = std::lower_bound(p.docids.begin(), p.docids.end(), d);
      if (at == p.docids.end() || *at != d) continue;  // a hole of a sparse segment
      rank = static_cast<size_t>(at - p.docids.begin());
    }
    const int64_t chunk = static_cast<int64_t>(rank / p.chunk_docs);
    if (p.chunk_read[chunk]) continue;
    if (!chunk_reader_.read) {
      return Status::Internal("docs table: no reader for the cold chunks of segment " +
                              std::to_string(p.seg));
    }
    SAIKI_ASSIGN_OR_RETURN(const bool found, chunk_reader_.read(p.seg, chunk, &data));
    if (!found) {
      return BadDocs("segment " + std::to_string(p.seg) + ", cold chunk " + std::to_string(chunk) +
                     " is missing (the segment has " + std::to_string(p.chunk_read.size()) + ")");
    }
    SAIKI_RETURN_IF_ERROR(PutChunkLocked(p, chunk, data));
  }
  return Status::Ok();
}

void DocTable::Remove(uint32_t docid) {
  if (!live(docid)) return;
  live_[docid] = 0;
  --live_count_;
  if (!hot_loaded()) {
    // Its lengths may be in the file still (the tombstones are applied
    // right after loading): subtracted once read.
    std::lock_guard<std::mutex> lock(ensure_mu_);
    if (!hot_loaded()) {
      removed_pending_.push_back(docid);
      return;
    }
  }
  for (int f = 0; f < kNumFields; ++f) total_length_[f] -= hot_[docid].lengths[f];
}

double DocTable::average_length(int f) const {
  if (live_count_ == 0 || total_length_[f] == 0) return 1.0;
  return static_cast<double>(total_length_[f]) / live_count_;
}

}  // namespace saiki::index
