// Docs blob codec and the in-memory document table. See doc_table.h.
#include "index/doc_table.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace saiki::index {

std::string EncodeDocs(const std::vector<DocInfo>& docs) {
  std::string out;
  out.reserve(docs.size() * 12 + 8);
  out.push_back(static_cast<char>(kDocsFormat));
  PutVarint(&out, static_cast<uint32_t>(docs.size()));
  uint32_t prev = 0;
  for (const DocInfo& d : docs) {
    PutVarint(&out, d.docid - prev);
    prev = d.docid;
    for (int f = 0; f < kNumFields; ++f) PutVarint(&out, d.lengths[f]);
    uint32_t bits;
    static_assert(sizeof(bits) == sizeof(d.price));
    std::memcpy(&bits, &d.price, sizeof(bits));
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
  return out;
}

Status DecodeDocs(std::string_view blob, const std::function<void(const DocInfo&)>& visit) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(blob.data());
  const uint8_t* end = p + blob.size();
  auto bad = [](const char* what) { return Status::Corruption(std::string("docs table: ") + what); };
  if (p >= end || *p != kDocsFormat) return bad("unknown format byte");
  ++p;
  uint32_t n;
  if (!GetVarint(&p, end, &n)) return bad("truncated header");
  uint32_t prev = 0;
  DocInfo d;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t delta;
    if (!GetVarint(&p, end, &delta)) return bad("truncated docid");
    if ((i > 0 && delta == 0) || uint64_t(prev) + delta >= kEndDoc) return bad("docids not increasing");
    prev += delta;
    d.docid = prev;
    for (int f = 0; f < kNumFields; ++f) {
      uint32_t len;
      if (!GetVarint(&p, end, &len)) return bad("truncated lengths");
      d.lengths[f] = static_cast<uint16_t>(std::min<uint32_t>(len, UINT16_MAX));
    }
    if (end - p < 4) return bad("truncated price");
    uint32_t bits = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
    p += 4;
    std::memcpy(&d.price, &bits, sizeof(bits));
    visit(d);
  }
  if (p != end) return bad("trailing bytes");
  return Status::Ok();
}

void DocTable::Add(const DocInfo& doc) {
  if (doc.docid >= live_.size()) {
    size_t n = std::max<size_t>(doc.docid + 1, live_.size() * 3 / 2);
    lengths_.resize(n);
    price_.resize(n, std::numeric_limits<float>::quiet_NaN());
    live_.resize(n, 0);
  }
  if (live_[doc.docid]) Remove(doc.docid);
  lengths_[doc.docid] = doc.lengths;
  price_[doc.docid] = doc.price;
  live_[doc.docid] = 1;
  ++live_count_;
  for (int f = 0; f < kNumFields; ++f) total_length_[f] += doc.lengths[f];
}

void DocTable::Remove(uint32_t docid) {
  if (!live(docid)) return;
  live_[docid] = 0;
  --live_count_;
  for (int f = 0; f < kNumFields; ++f) total_length_[f] -= lengths_[docid][f];
}

double DocTable::average_length(int f) const {
  if (live_count_ == 0 || total_length_[f] == 0) return 1.0;
  return static_cast<double>(total_length_[f]) / live_count_;
}

}  // namespace saiki::index
