// Batch inversion: documents in, one segment's posting lists out.
//
// Documents are analyzed field by field and their (term, doc, field,
// position) occurrences appended to one flat array; Finish() groups them by
// term with a counting sort (stable, so docs and positions stay in order)
// and encodes one posting list per term, in byte order of the terms so that
// the writes into SQLite's b-tree are sequential. Memory is about 12 bytes
// per token occurrence (twice that during Finish) plus the term dictionary;
// callers flush a segment when memory_bytes() passes their budget.
//
// Besides the analyzer's tokens, each document gets filter keys that the
// query side looks up for brand:/category: filters (see BrandKey and
// CategoryKeys); they add no length and carry no score.
#ifndef SAIKI_INDEX_SEGMENT_BUILDER_H_
#define SAIKI_INDEX_SEGMENT_BUILDER_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/analyzer.h"
#include "index/doc_table.h"
#include "index/postings.h"
#include "saiki/status.h"

namespace saiki::index {

// Prefix byte of filter keys (never produced by normalized text).
inline constexpr char kKeyPrefix = '\x02';

// The key a product's brand is indexed under, and brand:NAME looks up.
std::string BrandKey(const Analyzer& analyzer, std::string_view brand);
// The keys of every prefix of a category path "a>b>c" (levels trimmed and
// normalized): keys for "a", "a>b", "a>b>c".
std::vector<std::string> CategoryKeys(const Analyzer& analyzer, std::string_view path);
// The key category:PREFIX looks up (the last of CategoryKeys(prefix)).
std::string CategoryPrefixKey(const Analyzer& analyzer, std::string_view prefix);

// What the index needs of a product.
struct IndexableDoc {
  std::string_view id;  // the product id (only its hash is kept)
  std::string_view title, brand, category, tags, description;  // tags: "a|b|c"
  float price;  // NaN when unknown
  float rating = std::numeric_limits<float>::quiet_NaN();
  uint32_t reviews = 0;
};

class SegmentBuilder {
 public:
  explicit SegmentBuilder(const Analyzer* analyzer) : analyzer_(analyzer) {}

  // Adds a document; docids must increase across calls.
  void Add(uint32_t docid, const IndexableDoc& doc);

  size_t doc_count() const { return docs_.size(); }
  size_t memory_bytes() const;
  bool empty() const { return docs_.empty(); }

  // Encodes every term's posting list and hands it to `sink` (term bytes,
  // document frequency, encoded list) in term byte order; then the docs blob
  // to *docs_blob. Resets the builder. Stops at the first sink error.
  Status Finish(const std::function<Status(std::string_view term, uint32_t df,
                                           std::string_view list)>& sink,
                std::string* docs_blob);

 private:
  struct Occurrence {
    uint32_t term;
    uint32_t doc;       // index into docs_
    uint32_t field_pos; // field << 28 | position
  };
  uint32_t TermId(std::string_view term);
  void AddTokens(uint32_t doc_index, int field);

  // Transparent hashing: look terms up by string_view without a copy.
  struct TermHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };

  const Analyzer* analyzer_;
  std::unordered_map<std::string, uint32_t, TermHash, std::equal_to<>> term_ids_;
  std::vector<std::string_view> terms_;  // id -> key owned by term_ids_
  std::vector<Occurrence> occurrences_;
  std::vector<DocInfo> docs_;
  std::vector<Token> tokens_;  // reused scratch
  size_t term_bytes_ = 0;
};

}  // namespace saiki::index

#endif  // SAIKI_INDEX_SEGMENT_BUILDER_H_
