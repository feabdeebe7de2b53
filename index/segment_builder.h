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
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/analyzer.h"
#include "index/doc_table.h"
#include "index/postings.h"
#include "saiki/status.h"

namespace saiki::index {

// Prefix byte of filter keys (never produced by normalized text).
inline constexpr char kKeyPrefix = '\x02';

// The analysis the posting lists are built with (meta.analysis_version,
// docs/FORMAT.md): 1 the n-grams, dictionary words and filter keys; 2 adds
// the readings of kanji words (kReadingPrefix) and the category segment
// keys (CategorySegmentKeys), and every field is reduced from HTML to its
// text before analysis (html_text.h). A file of an older analysis
// is re-indexed when opened read-write.
inline constexpr int64_t kAnalysisVersion = 2;

// The key a product's brand is indexed under, and brand:NAME looks up.
std::string BrandKey(const Analyzer& analyzer, std::string_view brand);
// The keys of every prefix of a category path "a>b>c" (levels trimmed and
// normalized): keys for "a", "a>b", "a>b>c".
std::vector<std::string> CategoryKeys(const Analyzer& analyzer, std::string_view path);
// The key category:PREFIX looks up (the last of CategoryKeys(prefix)).
std::string CategoryPrefixKey(const Analyzer& analyzer, std::string_view prefix);
// The keys of every run of consecutive levels that does not start at the
// top ("a>b>c": "b", "c", "b>c"), so that category:b finds the product as
// category:a does. At most kMaxCategorySegmentLevels levels are keyed (a
// deeper path's deeper levels are found through their prefixes only).
inline constexpr int kMaxCategorySegmentLevels = 6;
std::vector<std::string> CategorySegmentKeys(const Analyzer& analyzer, std::string_view path);
// The key category:VALUE looks up besides its prefix key: VALUE's levels
// as a run below the top level.
std::string CategorySegmentKey(const Analyzer& analyzer, std::string_view value);

// What the index needs of a product.
struct IndexableDoc {
  std::string_view id;  // the product id (only its hash is kept)
  std::string_view title, brand, category, tags, description;  // tags: "a|b|c"
  float price;  // NaN when unknown
  float rating = std::numeric_limits<float>::quiet_NaN();
  uint32_t reviews = 0;
};

// A document analyzed by SegmentBuilder::Analyze, ready for Add: the
// tokens of every field and filter key, and the docs-table entry (docid
// unset). Reused across documents to keep its buffers.
struct AnalyzedDoc {
  DocInfo info;
  std::vector<Token> tokens;
  // (field, end): tokens[previous end, end) belong to `field`, in the order
  // Add turns them into occurrences.
  std::vector<std::pair<int, uint32_t>> runs;
};

class SegmentBuilder {
 public:
  explicit SegmentBuilder(const Analyzer* analyzer) : analyzer_(analyzer) {}

  // Adds a document; docids must increase across calls. Same as Analyze and
  // then Add of the analyzed document.
  void Add(uint32_t docid, const IndexableDoc& doc);

  // The analysis half of Add: touches no builder state, so it may run on
  // another thread (the analyzer is thread-safe) while this thread adds the
  // documents analyzed before. The import uses that to analyze on one core
  // while the other writes.
  void Analyze(const IndexableDoc& doc, AnalyzedDoc* out) const;
  // The inversion half: term ids and occurrences of an analyzed document.
  // The result depends only on the order of the calls, not on where or when
  // Analyze ran.
  void Add(uint32_t docid, const AnalyzedDoc& doc);

  size_t doc_count() const { return docs_.size(); }
  // Default 1M occurrences (about 3,000 products): below it a thread costs
  // more than it saves. Tests set 0 to compare the two paths.
  size_t parallel_finish_min() const { return parallel_finish_min_; }
  void set_parallel_finish_min(size_t occurrences) { parallel_finish_min_ = occurrences; }
  // The builder's memory: the occurrences twice (Finish sorts them into a
  // second array), the term bytes and the docs.
  size_t memory_bytes() const;
  bool empty() const { return docs_.empty(); }
  // For a caller that flushes whenever memory_bytes() passes `bytes`: the
  // occurrence array stops doubling at what that allows, and it and the
  // sort's array keep their memory from one segment to the next, so an
  // import of many segments has the kernel fault them in once (at 1M
  // products 15 segments faulted 2 × 128 MiB afresh each).
  void set_memory_budget(size_t bytes);

  // Encodes every term's posting list and hands it to `sink` (term bytes,
  // document frequency, encoded list) in term byte order; then the docs
  // in format 4 to *docs (what a database stores), or in format 3 to
  // *docs_blob (one blob, for tests and tools). Resets the builder. Stops
  // at the first sink error.
  // `sink` is called on the calling thread only; a segment of at least
  // parallel_finish_min() occurrences is encoded on two threads (this one
  // and a helper started and joined here), with the same bytes as on one.
  Status Finish(const std::function<Status(std::string_view term, uint32_t df,
                                           std::string_view list)>& sink,
                SegmentDocs* docs);
  Status Finish(const std::function<Status(std::string_view term, uint32_t df,
                                           std::string_view list)>& sink,
                std::string* docs_blob);
  // Or the docs as they are, for a caller that joins segments
  // (SegmentRuns) and encodes their docs once.
  Status Finish(const std::function<Status(std::string_view term, uint32_t df,
                                           std::string_view list)>& sink,
                std::vector<DocInfo>* docs);

 private:
  // Finish but for the docs, which it leaves in docs_.
  Status FinishLists(const std::function<Status(std::string_view term, uint32_t df,
                                                std::string_view list)>& sink);
  void Clear();
  struct Occurrence {
    uint32_t term;
    uint32_t doc;       // index into docs_
    uint32_t field_pos; // field << 28 | position
  };
  // The id of `term`, whose TermHash is `hash`, added if new. The table
  // must have room for one more term at most half full (Add sees to it).
  uint32_t TermId(std::string_view term, uint32_t hash);
  void GrowTermTable();

  // The term dictionary is looked up once per token occurrence, so it is a
  // flat open-addressing table (linear probing, at most half full) of
  // (hash, id) pairs, with the term bytes in an append-only arena: a lookup
  // touches one slot and, on a hash match, the key, instead of chasing a
  // node-based map's bucket, node and string pointers (13% of an import's
  // CPU with std::unordered_map). Term ids are arrival order, and Finish()
  // sorts terms by bytes, so the output does not depend on the hash.
  struct TermSlot {
    uint32_t hash = 0;
    uint32_t id_plus_1 = 0;  // 0: empty
  };
  static constexpr size_t kArenaChunk = 1 << 20;

  const Analyzer* analyzer_;
  std::vector<TermSlot> term_table_;
  std::vector<std::unique_ptr<char[]>> arena_;  // chunks never move: keys stay valid
  size_t arena_used_ = kArenaChunk;             // bytes used in arena_.back()
  std::vector<std::string_view> terms_;  // id -> key in arena_
  std::vector<Occurrence> occurrences_;
  std::vector<Occurrence> sorted_;  // FinishLists' scratch, kept (set_memory_budget)
  size_t occurrence_cap_ = 0;       // 0: no budget, plain doubling
  std::vector<uint32_t> hashes_;  // Add's scratch: TermHash of each token
  std::vector<DocInfo> docs_;
  AnalyzedDoc scratch_;        // reused by Add(docid, IndexableDoc)
  size_t term_bytes_ = 0;
  size_t parallel_finish_min_ = size_t{1} << 20;
};

}  // namespace saiki::index

#endif  // SAIKI_INDEX_SEGMENT_BUILDER_H_
