// The per-document numbers the query path needs for every matching document:
// field lengths (for BM25F length normalisation), price (for price filters)
// and whether the document is live (not deleted). Kept in memory as arrays
// indexed by docid, filled from the segments' docs blobs.
//
// Segment docs blob (table `segments`, column `docs`), format 1:
//   u8 format(=1) varint ndocs, then per doc: varint docid_delta (from the
//   previous docid, the first from 0), kNumFields varint field lengths,
//   4 bytes little-endian IEEE float price (NaN when the product has none).
#ifndef SAIKI_INDEX_DOC_TABLE_H_
#define SAIKI_INDEX_DOC_TABLE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "index/postings.h"
#include "saiki/status.h"

namespace saiki::index {

inline constexpr uint8_t kDocsFormat = 1;

struct DocInfo {
  uint32_t docid;
  FieldLengths lengths;
  float price;  // NaN when unknown
};

std::string EncodeDocs(const std::vector<DocInfo>& docs);  // docs sorted by docid
// Calls `visit` for each document of the blob. kCorruption when malformed.
Status DecodeDocs(std::string_view blob, const std::function<void(const DocInfo&)>& visit);

class DocTable {
 public:
  // Adds a live document (from a segment). Memory: 15 bytes per docid up to
  // the largest docid.
  void Add(const DocInfo& doc);
  // Marks a docid deleted (a tombstone); unknown docids are ignored.
  void Remove(uint32_t docid);

  bool live(uint32_t docid) const { return docid < live_.size() && live_[docid]; }
  const FieldLengths& lengths(uint32_t docid) const { return lengths_[docid]; }
  float price(uint32_t docid) const { return price_[docid]; }
  uint32_t live_count() const { return live_count_; }
  // Mean length of field f over live documents (1 when there are none, so
  // that normalisation never divides by zero).
  double average_length(int f) const;

 private:
  std::vector<FieldLengths> lengths_;
  std::vector<float> price_;
  std::vector<uint8_t> live_;
  uint32_t live_count_ = 0;
  std::array<uint64_t, kNumFields> total_length_{};
};

}  // namespace saiki::index

#endif  // SAIKI_INDEX_DOC_TABLE_H_
