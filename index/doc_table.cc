// Docs blob codec and the in-memory document table. See doc_table.h.
#include "index/doc_table.h"

#include <sys/mman.h>

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

std::string EncodeDocs(const std::vector<DocInfo>& docs) {
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
  out.push_back(static_cast<char>(kDocsFormat));
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
  if (in.p >= in.end || (*in.p != 1 && *in.p != kDocsFormat)) return BadDocs("unknown format byte");
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
Status CheckSegmentRow(size_t blob_size, const SegmentDocsRow& row, uint32_t max_docid) {
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
  if (static_cast<uint64_t>(row.ndocs) > blob_size / kMinDocBytes) {
    return BadDocs("the segment row says " + std::to_string(row.ndocs) + " documents; " +
                   std::to_string(blob_size) + " bytes hold at most " +
                   std::to_string(blob_size / kMinDocBytes));
  }
  return Status::Ok();
}

}  // namespace

Status DecodeDocs(std::string_view blob, const std::function<void(const DocInfo&)>& visit) {
  const uint8_t* base = reinterpret_cast<const uint8_t*>(blob.data());
  MemoryInput in{base, base + blob.size(), base};
  return Decode(in, blob.size(), nullptr, visit);
}

Status DecodeSegmentDocs(std::string_view blob, const SegmentDocsRow& row, uint32_t max_docid,
                         const std::function<void(const DocInfo&)>& visit) {
  SAIKI_RETURN_IF_ERROR(CheckSegmentRow(blob.size(), row, max_docid));
  const uint8_t* base = reinterpret_cast<const uint8_t*>(blob.data());
  MemoryInput in{base, base + blob.size(), base};
  return Decode(in, blob.size(), &row, visit);
}

Status DecodeSegmentDocs(size_t blob_size, const BlobReadAt& read, const SegmentDocsRow& row,
                         uint32_t max_docid, const std::function<void(const DocInfo&)>& visit,
                         size_t chunk_bytes) {
  SAIKI_RETURN_IF_ERROR(CheckSegmentRow(blob_size, row, max_docid));
  ChunkedInput in(blob_size, read, chunk_bytes);
  return Decode(in, blob_size, &row, visit);
}

void AdviseHugePages(void* p, size_t bytes) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (p == nullptr || end <= begin) return;
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // a hint
}

void DocTable::Reserve(uint32_t capacity) {
  if (capacity <= live_.size()) return;
  ResizeAdvised(hot_, capacity);
  ResizeAdvised(cold_, capacity);
  ResizeAdvised(live_, capacity);
}

void DocTable::Add(const DocInfo& doc) {
  if (doc.docid >= live_.size()) {
    size_t n = std::max<size_t>(doc.docid + 1, live_.size() * 3 / 2);
    hot_.resize(n);
    cold_.resize(n);
    live_.resize(n, 0);
  }
  if (live_[doc.docid]) Remove(doc.docid);
  hot_[doc.docid] = {doc.lengths, doc.price};
  cold_[doc.docid] = {doc.id_hash, doc.brand, doc.category, doc.rating,
                      doc.reviews, doc.signature};
  live_[doc.docid] = 1;
  ++live_count_;
  for (int f = 0; f < kNumFields; ++f) total_length_[f] += doc.lengths[f];
}

void DocTable::Remove(uint32_t docid) {
  if (!live(docid)) return;
  live_[docid] = 0;
  --live_count_;
  for (int f = 0; f < kNumFields; ++f) total_length_[f] -= hot_[docid].lengths[f];
}

double DocTable::average_length(int f) const {
  if (live_count_ == 0 || total_length_[f] == 0) return 1.0;
  return static_cast<double>(total_length_[f]) / live_count_;
}

}  // namespace saiki::index
