// What a search adds to its hits on request: facet counts over the whole
// match set (index/facets.h) and highlighted titles and description
// snippets (index/highlighter.h). README "Facets", "Highlighting".
#include <cmath>
#include <string>

#include "engine/database_impl.h"

namespace saiki {

const char* FacetFieldName(FacetField field) {
  switch (field) {
    case FacetField::kBrand:
      return "brand";
    case FacetField::kCategory:
      return "category";
    case FacetField::kPrice:
      return "price";
  }
  return "";
}

}  // namespace saiki

namespace saiki::engine {
namespace {

constexpr int kMaxFacetLimit = 1000;
constexpr int kMinSnippetChars = 10, kMaxSnippetChars = 10000;
// A description's snippet comes from its first 16 KiB of text: marking
// costs about a microsecond per character (each is normalised), and a
// shop's description is rarely longer.
constexpr size_t kMaxHighlightBytes = 16 * 1024;

// The first `levels` levels of a stored category path ("a>b>c>d", 3 ->
// "a>b>c"), each trimmed of spaces as the index keys them.
std::string CategoryPrefix(const std::string& path, int levels) {
  std::string out;
  int kept = 0;
  size_t start = 0;
  while (start <= path.size() && kept < levels) {
    size_t gt = path.find('>', start);
    std::string level =
        path.substr(start, gt == std::string::npos ? std::string::npos : gt - start);
    size_t a = level.find_first_not_of(" \t"), b = level.find_last_not_of(" \t");
    if (a != std::string::npos) {
      // Appended piece by piece: GCC 12 at -O2 warns falsely (-Wrestrict)
      // about operator+(const char*, std::string&&).
      if (kept) out += '>';
      out.append(level, a, b - a + 1);
      ++kept;
    }
    if (gt == std::string::npos) break;
    start = gt + 1;
  }
  return out;
}

}  // namespace

Status DatabaseImpl::CheckExtras(const SearchRequest& request) {
  if (!request.facets.empty() &&
      (request.facet_limit < 1 || request.facet_limit > kMaxFacetLimit)) {
    return Status::InvalidArgument("facet limit must be 1.." + std::to_string(kMaxFacetLimit) +
                                   ", got " + std::to_string(request.facet_limit));
  }
  for (size_t i = 0; i < request.facets.size(); ++i) {
    FacetField f = request.facets[i];
    if (f != FacetField::kBrand && f != FacetField::kCategory && f != FacetField::kPrice) {
      return Status::InvalidArgument("facet " + std::to_string(static_cast<int>(f)) +
                                     " is not brand, category or price");
    }
    for (size_t j = 0; j < i; ++j) {
      if (request.facets[j] == f) {
        return Status::InvalidArgument(std::string("facet '") + FacetFieldName(f) +
                                       "' is asked for twice");
      }
    }
  }
  if (request.highlight &&
      (request.snippet_chars < kMinSnippetChars || request.snippet_chars > kMaxSnippetChars)) {
    return Status::InvalidArgument("snippet length must be " + std::to_string(kMinSnippetChars) +
                                   ".." + std::to_string(kMaxSnippetChars) + " characters, got " +
                                   std::to_string(request.snippet_chars));
  }
  return Status::Ok();
}

Status DatabaseImpl::AddFacets(const EngineState& state, const SearchRequest& request,
                               const std::vector<uint32_t>& matches, SearchResponse* response) {
  SAIKI_RETURN_IF_ERROR(state.docs().EnsureCold());  // brands and categories of every match
  const index::FacetColumns& columns = state.catalog->Facets();
  const size_t limit = static_cast<size_t>(request.facet_limit);
  for (FacetField field : request.facets) {
    FacetCounts counts;
    counts.field = field;
    if (field == FacetField::kPrice) {
      std::vector<uint64_t> ranges =
          index::PriceRangeCounts(matches, columns.price_range, &counts.missing);
      for (int r = 0; r < index::kPriceRanges; ++r) {
        if (ranges[r] == 0) continue;
        counts.buckets.push_back({index::PriceRangeFrom(r), index::PriceRangeTo(r), ranges[r]});
      }
    } else {
      const bool brand = field == FacetField::kBrand;
      const auto& ordinals = brand ? columns.brand : columns.category;
      const auto& sample = brand ? columns.brand_doc : columns.category_doc;
      for (const index::OrdinalCount& oc :
           index::TopValues(matches, ordinals, sample.size(), limit, &counts.missing)) {
        // The value as the first product indexed with it stores it: one
        // row read per value shown, never per match.
        SAIKI_ASSIGN_OR_RETURN(std::optional<storage::HitRow> row,
                               catalog_store_->GetHitRow(sample[oc.ordinal]));
        if (!row) {
          return Status::Corruption(conn_->path() + ": docid " +
                                    std::to_string(sample[oc.ordinal]) +
                                    " is in the index but not in products (run saiki check)");
        }
        std::string value =
            brand ? row->brand : CategoryPrefix(row->category, index::kCategoryLevels);
        counts.values.push_back({std::move(value), oc.count});
      }
    }
    response->facets.push_back(std::move(counts));
  }
  return Status::Ok();
}

Status DatabaseImpl::AddHighlights(const CompiledRequest& req, const SearchRequest& request,
                                   SearchResponse* response) {
  SAIKI_ASSIGN_OR_RETURN(std::unique_ptr<index::Highlighter> highlighter,
                         index::Highlighter::Create(analyzer_.get()));
  auto convert = [](index::MarkedText&& m) {
    HighlightedText h;
    h.text = std::move(m.text);
    h.marks = std::move(m.marks);
    return h;
  };
  // A term's typo corrections matched too (engine/typos.cc): marked as well.
  index::MatchTerms terms = req.match_terms;
  for (const TypoCorrection& t : response->typos) {
    terms.texts.insert(terms.texts.end(), t.corrections.begin(), t.corrections.end());
  }
  for (SearchHit& hit : response->hits) {
    SAIKI_ASSIGN_OR_RETURN(std::optional<storage::ProductRow> row,
                           catalog_store_->GetProduct(hit.id));
    if (!row) return Status::Corruption(conn_->path() + ": product '" + hit.id + "' vanished");
    Highlight h;
    h.title =
        convert(highlighter->Mark(index::Highlighter::Displayable(hit.title), terms));
    std::string text = index::Highlighter::Displayable(row->description);
    if (text.size() > kMaxHighlightBytes) {
      size_t cut = kMaxHighlightBytes;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      text.resize(cut);
    }
    index::MarkedText description = highlighter->Mark(text, terms);
    h.description = convert(
        index::Highlighter::Snippet(description, static_cast<size_t>(request.snippet_chars)));
    hit.highlight = std::move(h);
  }
  return Status::Ok();
}

}  // namespace saiki::engine
