// Batch inversion into one segment. See segment_builder.h.
#include "index/segment_builder.h"

#include "index/html_text.h"

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <numeric>
#include <thread>
#include <utility>
#include <vector>

namespace saiki::index {

// Filter keys and dictionary words are scored by tf only; their lists store
// no positions (TermHasPositions).
static_assert(static_cast<unsigned char>(kKeyPrefix) < 0x20 &&
              static_cast<unsigned char>(kWordPrefix) < 0x20 &&
              static_cast<unsigned char>(kReadingPrefix) < 0x20);
namespace {

constexpr uint32_t kPositionBits = 28;
constexpr uint32_t kMaxPosition = (1u << kPositionBits) - 1;
// Positions left empty between tag values, so that a phrase never spans two
// tags.
constexpr uint32_t kValueGap = 1;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The filter keys of a brand or a category path and their hashes, per
// thread: a catalogue has far fewer brands and categories than products,
// and every key costs an ICU normalization of the value (a category path
// two). Direct-mapped by the raw value's hash, so bounded; the keys are a
// pure function of the value and the analyzer, so a hit never changes them.
struct FilterKeys {
  std::vector<std::string> keys;      // brand: its key; category: one per level
  std::vector<uint32_t> hashes;       // StableHash of each of `keys`
  std::vector<std::string> segments;  // category only: CategorySegmentKeys
};

template <typename Compute>
const FilterKeys& CachedFilterKeys(std::string_view raw, const Analyzer& analyzer, bool category,
                                   Compute compute) {
  struct Slot {
    uint64_t analyzer = 0;  // Analyzer::instance_id; 0: empty
    bool category = false;
    std::string raw;
    FilterKeys value;
  };
  constexpr size_t kSlots = 1024;
  thread_local std::vector<Slot> slots(kSlots);
  Slot& slot = slots[(std::hash<std::string_view>()(raw) * 2 + category) % kSlots];
  if (slot.analyzer != analyzer.instance_id() || slot.category != category || slot.raw != raw) {
    slot.analyzer = 0;  // empty while it is refilled
    slot.value = compute();
    slot.raw.assign(raw);
    slot.category = category;
    slot.analyzer = analyzer.instance_id();
  }
  return slot.value;
}

}  // namespace

std::string BrandKey(const Analyzer& analyzer, std::string_view brand) {
  return std::string(1, kKeyPrefix) + "b" + std::string(Trim(analyzer.Normalize(Trim(brand))));
}

std::vector<std::string> CategoryKeys(const Analyzer& analyzer, std::string_view path) {
  std::vector<std::string> keys;
  std::string prefix;
  std::string normalized = analyzer.Normalize(path);
  std::string_view rest = normalized;
  while (!rest.empty()) {
    size_t gt = rest.find('>');
    std::string_view level = Trim(rest.substr(0, gt));
    rest = gt == std::string_view::npos ? std::string_view() : rest.substr(gt + 1);
    if (level.empty()) continue;
    if (!prefix.empty()) prefix += '>';
    prefix += level;
    keys.push_back(std::string(1, kKeyPrefix) + "c" + prefix);
  }
  return keys;
}

std::string CategoryPrefixKey(const Analyzer& analyzer, std::string_view prefix) {
  auto keys = CategoryKeys(analyzer, prefix);
  return keys.empty() ? std::string() : keys.back();
}

namespace {

// The normalized, trimmed, non-empty levels of a category path.
std::vector<std::string> CategoryLevels(const Analyzer& analyzer, std::string_view path) {
  std::vector<std::string> levels;
  std::string normalized = analyzer.Normalize(path);
  std::string_view rest = normalized;
  while (!rest.empty()) {
    size_t gt = rest.find('>');
    std::string_view level = Trim(rest.substr(0, gt));
    rest = gt == std::string_view::npos ? std::string_view() : rest.substr(gt + 1);
    if (!level.empty()) levels.emplace_back(level);
  }
  return levels;
}

}  // namespace

std::vector<std::string> CategorySegmentKeys(const Analyzer& analyzer, std::string_view path) {
  std::vector<std::string> levels = CategoryLevels(analyzer, path);
  if (levels.size() > static_cast<size_t>(kMaxCategorySegmentLevels)) {
    levels.resize(kMaxCategorySegmentLevels);
  }
  std::vector<std::string> keys;
  for (size_t begin = 1; begin < levels.size(); ++begin) {
    std::string run;
    for (size_t end = begin; end < levels.size(); ++end) {
      if (end > begin) run += '>';
      run += levels[end];
      keys.push_back(std::string(1, kKeyPrefix) + "s" + run);
    }
  }
  // A level repeated at two depths gives one key once.
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::string CategorySegmentKey(const Analyzer& analyzer, std::string_view value) {
  std::vector<std::string> levels = CategoryLevels(analyzer, value);
  if (levels.empty()) return std::string();
  std::string key(1, kKeyPrefix);
  key += 's';
  for (size_t i = 0; i < levels.size(); ++i) key += (i ? ">" : "") + levels[i];
  return key;
}

namespace {

// A fast hash of short byte strings (terms are mostly 3-6 bytes): 8 bytes at
// a time, multiplied and folded. Only its distribution matters; ids and the
// output never depend on it.
inline uint32_t TermHash(std::string_view s) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  uint64_t h = s.size() * kMul;
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  h *= kMul;
  return static_cast<uint32_t>(h >> 32);
}

}  // namespace

uint32_t SegmentBuilder::TermId(std::string_view term, uint32_t h) {
  const size_t mask = term_table_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    TermSlot& slot = term_table_[i];
    if (slot.id_plus_1 == 0) {
      // New term: copy its bytes into the arena (a fresh chunk when the
      // current one is full; a term longer than a chunk gets its own).
      if (arena_used_ + term.size() > kArenaChunk || arena_.empty()) {
        arena_.push_back(std::make_unique<char[]>(std::max(kArenaChunk, term.size())));
        arena_used_ = 0;
      }
      char* key = arena_.back().get() + arena_used_;
      if (!term.empty()) std::memcpy(key, term.data(), term.size());
      arena_used_ = term.size() > kArenaChunk ? kArenaChunk : arena_used_ + term.size();
      uint32_t id = static_cast<uint32_t>(terms_.size());
      terms_.emplace_back(key, term.size());
      slot.hash = h;
      slot.id_plus_1 = id + 1;
      term_bytes_ += term.size() + 2 * sizeof(TermSlot) + sizeof(std::string_view);
      return id;
    }
    if (slot.hash == h && terms_[slot.id_plus_1 - 1] == term) return slot.id_plus_1 - 1;
  }
}

void SegmentBuilder::GrowTermTable() {
  std::vector<TermSlot> bigger(std::max<size_t>(1024, term_table_.size() * 2));
  const size_t mask = bigger.size() - 1;
  for (const TermSlot& slot : term_table_) {
    if (slot.id_plus_1 == 0) continue;
    size_t i = slot.hash & mask;
    while (bigger[i].id_plus_1 != 0) i = (i + 1) & mask;
    bigger[i] = slot;
  }
  term_table_.swap(bigger);
}

void SegmentBuilder::Add(uint32_t docid, const IndexableDoc& doc) {
  Analyze(doc, &scratch_);
  Add(docid, scratch_);
}

void SegmentBuilder::Add(uint32_t docid, const AnalyzedDoc& doc) {
  const uint32_t doc_index = static_cast<uint32_t>(docs_.size());
  // The table is sized for every token being new, so no lookup below grows
  // it; then all the document's slots are hashed and prefetched in one pass
  // before any is read: the table is larger than the caches, and a lookup
  // that waits for its slot was most of Add.
  const size_t n = doc.tokens.size();
  while ((terms_.size() + n) * 2 >= term_table_.size()) GrowTermTable();
  hashes_.resize(n);
  const size_t mask = term_table_.size() - 1;
  for (size_t i = 0; i < n; ++i) {
    hashes_[i] = TermHash(doc.tokens[i].text);
    __builtin_prefetch(&term_table_[hashes_[i] & mask]);
  }
  if (occurrence_cap_ != 0 && occurrences_.size() + n > occurrences_.capacity()) {
    // All the budget allows at once (memory_bytes() passes the budget before
    // the array would need to grow again): the kernel maps the pages only as
    // they are written, where doubling copied every occurrence so far into
    // fresh pages at each step (6% of a 100k import's samples).
    occurrences_.reserve(std::max(occurrences_.size() + n, occurrence_cap_));
  }
  uint32_t begin = 0;
  for (const auto& [field, end] : doc.runs) {
    const uint32_t high = uint32_t(field) << kPositionBits;
    for (uint32_t i = begin; i < end; ++i) {
      const Token& t = doc.tokens[i];
      occurrences_.push_back(
          {TermId(t.text, hashes_[i]), doc_index, high | std::min(t.position, kMaxPosition)});
    }
    begin = end;
  }
  docs_.push_back(doc.info);
  docs_.back().docid = docid;
}

void SegmentBuilder::Analyze(const IndexableDoc& raw, AnalyzedDoc* out) const {
  // HTML in any field is reduced to its text first (html_text.h); the
  // stored product keeps the original. Buffers per thread: Analyze runs on
  // the import's worker thread.
  thread_local std::string clean[5];
  IndexableDoc doc = raw;
  std::string_view* fields[5] = {&doc.title, &doc.brand, &doc.category, &doc.tags,
                                 &doc.description};
  for (int f = 0; f < 5; ++f) {
    if (!MayHoldHtml(*fields[f])) continue;
    HtmlToText(*fields[f], &clean[f]);
    *fields[f] = clean[f];
  }
  out->tokens.clear();
  out->runs.clear();
  std::vector<Token>& tokens = out->tokens;
  DocInfo& info = out->info;
  info = DocInfo();
  info.price = doc.price;
  info.rating = doc.rating;
  info.reviews = doc.reviews;
  info.id_hash = StableHash(doc.id);
  const std::string_view plain[kNumFields] = {doc.title, doc.brand, doc.category, {},
                                              doc.description};
  for (int f = 0; f < kNumFields; ++f) {
    const size_t first = tokens.size();
    uint32_t used;
    if (f == kTags) {
      // Each tag is its own value: analyze separately, with a gap.
      uint32_t next = 0;
      std::string_view rest = doc.tags;
      while (!rest.empty()) {
        size_t bar = rest.find('|');
        std::string_view tag = rest.substr(0, bar);
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
        uint32_t after = analyzer_->AnalyzeForIndex(tag, next, &tokens);
        if (after > next) next = after + kValueGap;
      }
      used = next;
    } else {
      used = analyzer_->AnalyzeForIndex(plain[f], 0, &tokens);
    }
    info.lengths[f] = static_cast<uint16_t>(std::min<uint32_t>(used, UINT16_MAX));
    if (f == kTitle) {
      std::vector<std::string_view> words;
      words.reserve(tokens.size() - first);
      for (size_t i = first; i < tokens.size(); ++i) words.push_back(tokens[i].text);
      info.signature = MinHashSignature(words);
    }
    // Readings of the field's kanji words: after the signature (a title's
    // near-duplicate signature is of its text), no length, no position.
    if (f == kTags) {
      std::string_view rest = doc.tags;
      while (!rest.empty()) {
        size_t bar = rest.find('|');
        analyzer_->AnalyzeReadings(rest.substr(0, bar), 0, &tokens);
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
      }
    } else {
      analyzer_->AnalyzeReadings(plain[f], 0, &tokens);
    }
    out->runs.emplace_back(f, static_cast<uint32_t>(tokens.size()));
  }
  // Filter keys: no length, position 0. Their hashes identify the brand and
  // category levels in the docs table.
  if (!Trim(doc.brand).empty()) {
    const FilterKeys& brand = CachedFilterKeys(doc.brand, *analyzer_, false, [&] {
      FilterKeys k;
      k.keys.push_back(BrandKey(*analyzer_, doc.brand));
      k.hashes.push_back(StableHash(k.keys[0]));
      return k;
    });
    info.brand = brand.hashes[0];
    tokens.push_back({brand.keys[0], 0});
  }
  out->runs.emplace_back(kBrand, static_cast<uint32_t>(tokens.size()));
  const FilterKeys& category = CachedFilterKeys(doc.category, *analyzer_, true, [&] {
    FilterKeys k;
    k.keys = CategoryKeys(*analyzer_, doc.category);
    for (const std::string& key : k.keys) k.hashes.push_back(StableHash(key));
    k.segments = CategorySegmentKeys(*analyzer_, doc.category);
    return k;
  });
  for (size_t level = 0; level < category.keys.size(); ++level) {
    if (level < static_cast<size_t>(kCategoryLevels)) info.category[level] = category.hashes[level];
    tokens.push_back({category.keys[level], 0});
  }
  for (const std::string& key : category.segments) tokens.push_back({key, 0});
  out->runs.emplace_back(kCategory, static_cast<uint32_t>(tokens.size()));
}

size_t SegmentBuilder::memory_bytes() const {
  return 2 * occurrences_.size() * sizeof(Occurrence) + term_bytes_ +
         docs_.capacity() * sizeof(DocInfo);
}

void SegmentBuilder::set_memory_budget(size_t bytes) {
  // Half for the occurrences, half for their sorted copy; a little more so
  // that the row that passes the budget does not make the array grow.
  occurrence_cap_ = bytes / (2 * sizeof(Occurrence)) + (size_t{1} << 16);
}

Status SegmentBuilder::Finish(
    const std::function<Status(std::string_view, uint32_t, std::string_view)>& sink,
    std::string* docs_blob) {
  SAIKI_RETURN_IF_ERROR(FinishLists(sink));
  *docs_blob = EncodeDocs(docs_);
  Clear();
  return Status::Ok();
}

Status SegmentBuilder::Finish(
    const std::function<Status(std::string_view, uint32_t, std::string_view)>& sink,
    SegmentDocs* docs) {
  SAIKI_RETURN_IF_ERROR(FinishLists(sink));
  *docs = EncodeSegmentDocs(docs_);
  Clear();
  return Status::Ok();
}

Status SegmentBuilder::Finish(
    const std::function<Status(std::string_view, uint32_t, std::string_view)>& sink,
    std::vector<DocInfo>* docs) {
  SAIKI_RETURN_IF_ERROR(FinishLists(sink));
  *docs = std::move(docs_);
  Clear();
  return Status::Ok();
}

Status SegmentBuilder::FinishLists(
    const std::function<Status(std::string_view, uint32_t, std::string_view)>& sink) {
  const uint32_t nterms = static_cast<uint32_t>(terms_.size());
  // Counting sort by term id; stable, so each term's occurrences stay in
  // (doc, field, position) arrival order.
  std::vector<uint32_t> start(nterms + 1, 0);
  for (const Occurrence& o : occurrences_) ++start[o.term + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  sorted_.resize(occurrences_.size());
  const std::vector<Occurrence>& sorted = sorted_;
  {
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (const Occurrence& o : occurrences_) sorted_[fill[o.term]++] = o;
  }
  occurrences_.clear();
  if (occurrence_cap_ == 0) {
    // No budget: a one-off builder gives its memory back.
    occurrences_.shrink_to_fit();
  }

  std::vector<uint32_t> order(nterms);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return terms_[a] < terms_[b]; });

  // What AddDoc needs of each document, packed: the walk below reads it
  // once per posting in term order, i.e. all over the document array, and
  // 16 bytes per document stay in the caches where a whole DocInfo (64) does
  // not (the loads of docs_[doc] were three quarters of this function).
  struct DocKey {
    uint32_t docid;
    FieldLengths lengths;
  };
  std::vector<DocKey> keys(docs_.size());
  for (size_t d = 0; d < docs_.size(); ++d) keys[d] = {docs_[d].docid, docs_[d].lengths};

  // Encodes one term's list (sets *df). One encoder per thread: the
  // writer and the position buffers are its scratch.
  struct Encoder {
    PostingListWriter writer;
    std::array<std::vector<uint32_t>, kNumFields> positions;
    std::array<std::span<const uint32_t>, kNumFields> spans;
  };
  auto encode = [&](Encoder& e, uint32_t term, uint32_t* df) {
    const Occurrence* it = sorted.data() + start[term];
    const Occurrence* end = sorted.data() + start[term + 1];
    e.writer.set_with_positions(TermHasPositions(terms_[term]));
    while (it < end) {
      uint32_t doc = it->doc;
      if (it + 1 == end || it[1].doc != doc) {
        // One occurrence in the document, most postings' case: no buffers.
        const uint32_t position = it->field_pos & kMaxPosition;
        e.spans = {};
        e.spans[it->field_pos >> kPositionBits] = std::span<const uint32_t>(&position, 1);
        ++it;
        e.writer.AddDoc(keys[doc].docid, e.spans, keys[doc].lengths);
        continue;
      }
      for (auto& p : e.positions) p.clear();
      for (; it < end && it->doc == doc; ++it) {
        e.positions[it->field_pos >> kPositionBits].push_back(it->field_pos & kMaxPosition);
      }
      for (int f = 0; f < kNumFields; ++f) {
        auto& p = e.positions[f];
        // The analyzer emits positions in order; keep the contract even if a
        // token kind ever comes out of order, and drop exact duplicates.
        if (!std::is_sorted(p.begin(), p.end())) std::sort(p.begin(), p.end());
        p.erase(std::unique(p.begin(), p.end()), p.end());
        e.spans[f] = p;
      }
      e.writer.AddDoc(keys[doc].docid, e.spans, keys[doc].lengths);
    }
    *df = e.writer.doc_count();
    return e.writer.Finish();
  };

  // Runs of consecutive terms (in byte order) of about a 64th of the
  // occurrences each, at most 256K: the unit the two threads below share.
  const size_t chunk_occurrences =
      std::clamp<size_t>(sorted.size() / 64, 1, size_t{1} << 18);
  std::vector<uint32_t> chunk_end;  // index into `order` where each chunk ends
  {
    size_t in_chunk = 0;
    for (uint32_t k = 0; k < nterms; ++k) {
      in_chunk += start[order[k] + 1] - start[order[k]];
      if (in_chunk >= chunk_occurrences || k + 1 == nterms) {
        chunk_end.push_back(k + 1);
        in_chunk = 0;
      }
    }
  }
  const size_t nchunks = chunk_end.size();
  auto chunk_first = [&](size_t c) { return c == 0 ? 0u : chunk_end[c - 1]; };

  Encoder mine;
  if (sorted.size() < parallel_finish_min_ || nchunks < 2) {
    for (uint32_t k = 0; k < nterms; ++k) {
      uint32_t df = 0;
      std::string list = encode(mine, order[k], &df);
      SAIKI_RETURN_IF_ERROR(sink(terms_[order[k]], df, list));
    }
  } else {
    // Encoding is most of this function and needs nothing but the arrays
    // above, read-only, so a helper thread encodes the odd chunks while this
    // thread encodes the even ones and hands every list to `sink` in term
    // order. The helper runs at most one chunk ahead (one slot), so memory
    // stays a few chunks of encoded lists; the bytes are the same as on one
    // thread (each list is encoded alone, the writer reset between lists).
    struct Encoded {
      uint32_t df;
      std::string list;
    };
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Encoded> slot;
    size_t slot_chunk = SIZE_MAX;  // the chunk in `slot`; SIZE_MAX: empty
    bool stop = false;
    std::thread helper([&] {
      Encoder e;
      std::vector<Encoded> done;
      for (size_t c = 1; c < nchunks; c += 2) {
        done.clear();
        for (uint32_t k = chunk_first(c); k < chunk_end[c]; ++k) {
          Encoded x;
          x.list = encode(e, order[k], &x.df);
          done.push_back(std::move(x));
        }
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || slot_chunk == SIZE_MAX; });
        if (stop) return;
        slot.swap(done);
        slot_chunk = c;
        cv.notify_all();
      }
    });
    auto join = [&] {
      {
        std::lock_guard<std::mutex> lock(mu);
        stop = true;
      }
      cv.notify_all();
      helper.join();
    };
    std::vector<Encoded> theirs;
    for (size_t c = 0; c < nchunks; ++c) {
      if (c % 2 == 0) {
        for (uint32_t k = chunk_first(c); k < chunk_end[c]; ++k) {
          uint32_t df = 0;
          std::string list = encode(mine, order[k], &df);
          Status st = sink(terms_[order[k]], df, list);
          if (!st.ok()) {
            join();
            return st;
          }
        }
        continue;
      }
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return slot_chunk == c; });
        theirs.swap(slot);
        slot_chunk = SIZE_MAX;
      }
      cv.notify_all();
      for (uint32_t k = chunk_first(c); k < chunk_end[c]; ++k) {
        const Encoded& x = theirs[k - chunk_first(c)];
        Status st = sink(terms_[order[k]], x.df, x.list);
        if (!st.ok()) {
          join();
          return st;
        }
      }
    }
    join();
  }
  return Status::Ok();
}

void SegmentBuilder::Clear() {
  if (occurrence_cap_ == 0) {
    sorted_.clear();
    sorted_.shrink_to_fit();
  }
  docs_.clear();
  terms_.clear();
  term_table_.clear();
  arena_.clear();
  arena_used_ = kArenaChunk;
  term_bytes_ = 0;
}

}  // namespace saiki::index
