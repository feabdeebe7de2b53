// Query syntax: from the text a user typed to the parts of a search.
//
//   犬 ベッド                 terms, all required by default
//   "ドッグ フード"           a quoted phrase (its words adjacent, in order)
//   -猫  -"キャット フード"    exclusion of a term or a phrase
//   brand:ペティオ  brand:"Two Words"      brand equals NAME (normalized)
//   category:ペット用品>犬用品             category path starts with PREFIX
//   price:1000..5000  price:..3000  price:500..   price range, ends inclusive
//
// The parser sees text already normalized by the analyzer (NFKC + case
// folding), so full-width forms such as ＢＲＡＮＤ：x or a U+3000 space
// arrive as ASCII. Whitespace separates parts; U+3000 is also accepted.
// A quote left open runs to the end of the query (as users expect from web
// search); a lone "-" or an empty filter value is ignored rather than an
// error. Errors (kInvalidArgument, message names the part): a price filter
// that is not a number range or has min > max; a query over
// QueryLimits::max_query_bytes; more than QueryLimits::max_terms parts.
#ifndef SAIKI_ENGINE_QUERY_PARSER_H_
#define SAIKI_ENGINE_QUERY_PARSER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "saiki/status.h"

namespace saiki::engine {

struct QueryLimits {
  size_t max_query_bytes = 1024;
  size_t max_terms = 32;  // terms + phrases + exclusions + filters
};

struct QueryPart {
  std::string text;     // the term or the phrase's inner text
  bool phrase = false;  // came from a quoted phrase
};

struct ParsedQuery {
  std::vector<QueryPart> required;  // terms and phrases, in query order
  std::vector<QueryPart> excluded;
  std::vector<std::string> brands;      // brand:NAME filters (any of them)
  std::vector<std::string> categories;  // category:PREFIX filters (any of them)
  std::optional<double> price_min;      // inclusive
  std::optional<double> price_max;      // inclusive

  bool has_filters() const {
    return !brands.empty() || !categories.empty() || price_min || price_max;
  }
};

Result<ParsedQuery> ParseQuery(std::string_view normalized_query,
                               const QueryLimits& limits = QueryLimits());

}  // namespace saiki::engine

#endif  // SAIKI_ENGINE_QUERY_PARSER_H_
