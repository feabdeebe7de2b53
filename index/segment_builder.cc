// Batch inversion into one segment. See segment_builder.h.
#include "index/segment_builder.h"

#include <algorithm>
#include <numeric>

namespace saiki::index {
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

uint32_t SegmentBuilder::TermId(std::string_view term) {
  auto it = term_ids_.find(term);
  if (it != term_ids_.end()) return it->second;
  uint32_t id = static_cast<uint32_t>(terms_.size());
  auto [ins, _] = term_ids_.emplace(std::string(term), id);
  terms_.push_back(ins->first);
  term_bytes_ += term.size() + 48;
  return id;
}

void SegmentBuilder::AddTokens(uint32_t doc_index, int field) {
  for (const Token& t : tokens_) {
    uint32_t pos = std::min(t.position, kMaxPosition);
    occurrences_.push_back({TermId(t.text), doc_index, (uint32_t(field) << kPositionBits) | pos});
  }
  tokens_.clear();
}

void SegmentBuilder::Add(uint32_t docid, const IndexableDoc& doc) {
  uint32_t doc_index = static_cast<uint32_t>(docs_.size());
  DocInfo info;
  info.docid = docid;
  info.price = doc.price;
  info.rating = doc.rating;
  info.reviews = doc.reviews;
  info.id_hash = StableHash(doc.id);
  const std::string_view plain[kNumFields] = {doc.title, doc.brand, doc.category, {},
                                              doc.description};
  for (int f = 0; f < kNumFields; ++f) {
    uint32_t used;
    if (f == kTags) {
      // Each tag is its own value: analyze separately, with a gap.
      uint32_t next = 0;
      std::string_view rest = doc.tags;
      while (!rest.empty()) {
        size_t bar = rest.find('|');
        std::string_view tag = rest.substr(0, bar);
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
        uint32_t after = analyzer_->AnalyzeForIndex(tag, next, &tokens_);
        if (after > next) next = after + kValueGap;
      }
      used = next;
    } else {
      used = analyzer_->AnalyzeForIndex(plain[f], 0, &tokens_);
    }
    info.lengths[f] = static_cast<uint16_t>(std::min<uint32_t>(used, UINT16_MAX));
    if (f == kTitle) {
      std::vector<std::string_view> words;
      words.reserve(tokens_.size());
      for (const Token& t : tokens_) words.push_back(t.text);
      info.signature = MinHashSignature(words);
    }
    AddTokens(doc_index, f);
  }
  // Filter keys: no length, position 0. Their hashes identify the brand and
  // category levels in the docs table.
  if (!Trim(doc.brand).empty()) {
    std::string key = BrandKey(*analyzer_, doc.brand);
    info.brand = StableHash(key);
    tokens_.push_back({std::move(key), 0});
  }
  AddTokens(doc_index, kBrand);
  std::vector<std::string> category_keys = CategoryKeys(*analyzer_, doc.category);
  for (size_t level = 0; level < category_keys.size(); ++level) {
    if (level < static_cast<size_t>(kCategoryLevels)) {
      info.category[level] = StableHash(category_keys[level]);
    }
    tokens_.push_back({std::move(category_keys[level]), 0});
  }
  AddTokens(doc_index, kCategory);
  docs_.push_back(info);
}

size_t SegmentBuilder::memory_bytes() const {
  return occurrences_.capacity() * sizeof(Occurrence) + term_bytes_ +
         docs_.capacity() * sizeof(DocInfo);
}

Status SegmentBuilder::Finish(
    const std::function<Status(std::string_view, uint32_t, std::string_view)>& sink,
    std::string* docs_blob) {
  const uint32_t nterms = static_cast<uint32_t>(terms_.size());
  // Counting sort by term id; stable, so each term's occurrences stay in
  // (doc, field, position) arrival order.
  std::vector<uint32_t> start(nterms + 1, 0);
  for (const Occurrence& o : occurrences_) ++start[o.term + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<Occurrence> sorted(occurrences_.size());
  {
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (const Occurrence& o : occurrences_) sorted[fill[o.term]++] = o;
  }
  occurrences_.clear();
  occurrences_.shrink_to_fit();

  std::vector<uint32_t> order(nterms);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return terms_[a] < terms_[b]; });

  PostingListWriter writer;
  std::array<std::vector<uint32_t>, kNumFields> positions;
  std::array<std::span<const uint32_t>, kNumFields> spans;
  for (uint32_t term : order) {
    const Occurrence* it = sorted.data() + start[term];
    const Occurrence* end = sorted.data() + start[term + 1];
    while (it < end) {
      uint32_t doc = it->doc;
      for (auto& p : positions) p.clear();
      for (; it < end && it->doc == doc; ++it) {
        positions[it->field_pos >> kPositionBits].push_back(it->field_pos & kMaxPosition);
      }
      for (int f = 0; f < kNumFields; ++f) {
        auto& p = positions[f];
        // The analyzer emits positions in order; keep the contract even if a
        // token kind ever comes out of order, and drop exact duplicates.
        if (!std::is_sorted(p.begin(), p.end())) std::sort(p.begin(), p.end());
        p.erase(std::unique(p.begin(), p.end()), p.end());
        spans[f] = p;
      }
      writer.AddDoc(docs_[doc].docid, spans, docs_[doc].lengths);
    }
    uint32_t df = writer.doc_count();
    std::string list = writer.Finish();
    SAIKI_RETURN_IF_ERROR(sink(terms_[term], df, list));
  }
  *docs_blob = EncodeDocs(docs_);
  docs_.clear();
  terms_.clear();
  term_ids_.clear();
  term_bytes_ = 0;
  return Status::Ok();
}

}  // namespace saiki::index
