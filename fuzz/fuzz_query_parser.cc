// libFuzzer target: engine/query_parser.h ParseQuery over arbitrary bytes,
// both as given and after the analyzer's Normalize (what Search does).
//
// Invariants (query_parser.h):
//   - the only error is kInvalidArgument, and a query over max_query_bytes
//     is always one;
//   - an accepted query has at most max_terms parts, no empty term, no
//     empty brand or category value, and price_min <= price_max;
//   - tighter limits never accept what the defaults refuse.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/query_parser.h"
#include "fuzz/fuzz_util.h"
#include "index/analyzer.h"

using saiki::StatusCode;
using saiki::engine::ParseQuery;
using saiki::engine::QueryLimits;
using saiki::fuzz::Escape;

namespace {

const saiki::index::Analyzer& GetAnalyzer() {
  static const saiki::index::Analyzer* analyzer = [] {
    auto a = saiki::index::Analyzer::Create();
    if (!a.ok()) std::abort();
    return std::move(a).value().release();
  }();
  return *analyzer;
}

void Check(std::string_view query, const QueryLimits& limits) {
  auto r = ParseQuery(query, limits);
  if (!r.ok()) {
    FUZZ_CHECK(r.status().code() == StatusCode::kInvalidArgument, "ParseQuery(%s): %s",
               Escape(query).c_str(), r.status().ToString().c_str());
    return;
  }
  FUZZ_CHECK(query.size() <= limits.max_query_bytes, "a query of %zu bytes was accepted",
             query.size());
  const auto& q = *r;
  size_t parts = q.required.size() + q.excluded.size() + q.brands.size() + q.categories.size() +
                 (q.price_min || q.price_max ? 1 : 0);
  // Several price filters may count as several parts; the bound is on
  // what the parser counted, which is at least this.
  FUZZ_CHECK(parts <= limits.max_terms || (q.price_min || q.price_max),
             "%zu parts > limit %zu in %s", parts, limits.max_terms, Escape(query).c_str());
  FUZZ_CHECK(q.required.size() + q.excluded.size() + q.brands.size() + q.categories.size() <=
                 limits.max_terms,
             "too many parts accepted in %s", Escape(query).c_str());
  for (const auto& p : q.required) {
    FUZZ_CHECK(!p.text.empty(), "empty required part in %s", Escape(query).c_str());
  }
  for (const auto& p : q.excluded) {
    FUZZ_CHECK(!p.text.empty(), "empty excluded part in %s", Escape(query).c_str());
  }
  for (const auto& b : q.brands) FUZZ_CHECK(!b.empty(), "empty brand in %s", Escape(query).c_str());
  for (const auto& c : q.categories) {
    FUZZ_CHECK(!c.empty(), "empty category in %s", Escape(query).c_str());
  }
  if (q.price_min && q.price_max) {
    FUZZ_CHECK(*q.price_min <= *q.price_max, "price %g..%g accepted in %s", *q.price_min,
               *q.price_max, Escape(query).c_str());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  Check(raw, QueryLimits());
  QueryLimits tight;
  tight.max_query_bytes = 64;
  tight.max_terms = 3;
  Check(raw, tight);
  if (ParseQuery(raw, tight).ok()) {
    FUZZ_CHECK(ParseQuery(raw, QueryLimits()).ok(), "tight limits accept what defaults refuse: %s",
               Escape(raw).c_str());
  }
  const std::string normalized = GetAnalyzer().Normalize(raw);
  Check(normalized, QueryLimits());
  return 0;
}
