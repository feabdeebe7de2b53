// The one JSON encoding of the public API's results, shared by every way in:
// the CLI's --json output (cli/), the C API's JSON strings
// (bindings/c/saiki_c.cc) and the HTTP API's answers (server/api.cc). Each
// way in emits the same JSON for the same object because each calls these.
//
// Internal: compiled into the library (the C API needs it) but not
// installed and not exported from libsaiki.so; the CLI and the server link
// the static library. The shapes are documented where users read them:
// README ("JSON output", "Using the HTTP API", "Facets", "Highlighting")
// and include/saiki/saiki_c.h. Changing a shape here changes all three:
// bindings/python and server/console parse it, so keep fields backward
// compatible (add, do not rename or drop).
#ifndef SAIKI_BINDINGS_JSON_JSON_ENCODER_H_
#define SAIKI_BINDINGS_JSON_JSON_ENCODER_H_

#include <nlohmann/json.hpp>
#include <string>

#include "saiki/saiki.h"

namespace saiki::json {

// Ordered: fields come out in the order written, as documented.
using Json = nlohmann::ordered_json;

// JSON text on one line; invalid UTF-8 is replaced (U+FFFD), never thrown on.
std::string Dump(const Json& j);

// A search answer (`saiki search --json`): query_id, took_ms, total,
// partial, ranker, model versions, gate, interleaved, notice (when set),
// typos and did_you_mean (when typo tolerance corrected a term), facets
// (when the request asked for them), results. With `explain` each
// result also has "explain" (field -> score) and "features" (an array;
// empty when the results were not re-ranked).
Json SearchResponseJson(const SearchResponse& r, bool explain);
Json SearchHitJson(const SearchHit& h, bool explain);
// `saiki suggest --json`: {"prefix", "took_ms", "suggestions": [{"text",
// "score", "source"}...]}.
Json SuggestResponseJson(const std::string& prefix, const SuggestResponse& r);
// {"brand": [{"value", "count"}...], "category": [...], "price": [{"from",
// "to", "count"}...]}: the facets in the order asked for; a price range's
// "to" is null for the last, open range.
Json FacetsJson(const std::vector<FacetCounts>& facets);
// Highlighted text as HTML: the text escaped (& < > " ' as entities) and
// each mark as <mark>...</mark>, so a page can insert it as it is.
std::string MarkedHtml(const HighlightedText& h);

// A stored product (`saiki get`): id, title, description, brand, category,
// price, rating, review_count (null when unset), tags, attributes.
Json ProductJson(const Product& p);

// Statistics (`saiki stats --json`, without the CLI's "database" path).
Json StatsJson(const Stats& s);

// The learning loop: a closed session (`saiki session end`), one model
// version (`saiki model history`), the active models (`saiki model show`;
// with a user, that user's personal part), an imported model (`saiki model
// import`), what forgetting a user did, and the evidence behind a global
// candidate.
Json SessionJson(const SessionReport& r);
// A pooled step (Database::LearnPooled): what `saiki model pooled` prints.
Json PooledJson(const PooledReport& r);
Json UpdateJson(const UpdateReport& u);
Json VersionJson(const ModelVersion& v);
Json ModelJson(const ModelInfo& m, const std::string& user);
Json ModelImportJson(const ModelImportReport& r);
Json ForgetJson(const ForgetReport& r);
Json EvidenceJson(const PooledEvidence& e);

}  // namespace saiki::json

#endif  // SAIKI_BINDINGS_JSON_JSON_ENCODER_H_
