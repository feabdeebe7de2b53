// The HTTP/JSON API without the transport: see api.h.
#include "server/api.h"

#include "bindings/json/json_encoder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <istream>
#include <streambuf>

namespace saiki::server {
namespace {

using json::Dump;
using json::Json;

// Quotes a user-supplied value for a message: at most 64 bytes, control
// bytes and non-ASCII shown as \xNN, so an error never echoes raw bytes.
std::string Shown(std::string_view s) {
  std::string out = "'";
  size_t n = 0;
  for (unsigned char c : s) {
    if (++n > 64) {
      out += "...";
      break;
    }
    if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const std::string* Header(const ApiRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k.size() == name.size() && Lower(k) == name) return &v;
  }
  return nullptr;
}

// The media type of a Content-Type header, lower case, parameters dropped.
std::string MediaType(const ApiRequest& r) {
  const std::string* ct = Header(r, "content-type");
  if (!ct) return "";
  std::string t = Lower(ct->substr(0, ct->find(';')));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  return t;
}

// --- Query-string parameters.
class Params {
 public:
  Params(const ApiRequest& r, std::vector<std::string_view> known)
      : request_(r), known_(std::move(known)) {}

  // Unknown or repeated parameters. nullopt: fine.
  std::optional<HttpError> Check() const {
    for (size_t i = 0; i < request_.params.size(); ++i) {
      const auto& name = request_.params[i].first;
      if (std::find(known_.begin(), known_.end(), name) == known_.end()) {
        std::string list;
        for (auto k : known_) list += (list.empty() ? "" : ", ") + std::string(k);
        return HttpError{400, "unknown parameter " + Shown(name) + " for " + request_.path +
                                  (known_.empty() ? " (it takes none)" : " (known: " + list + ")")};
      }
      for (size_t j = 0; j < i; ++j) {
        if (request_.params[j].first == name) {
          return HttpError{400, "parameter '" + name + "' given twice"};
        }
      }
    }
    return std::nullopt;
  }
  const std::string* Get(std::string_view name) const {
    for (const auto& [k, v] : request_.params) {
      if (k == name) return &v;
    }
    return nullptr;
  }

 private:
  const ApiRequest& request_;
  std::vector<std::string_view> known_;
};

std::optional<HttpError> ParseInt(std::string_view where, const std::string& text, int lo, int hi,
                                  int* out) {
  bool digits = !text.empty() && text.size() <= 9 &&
                std::all_of(text.begin() + (text[0] == '-' ? 1 : 0), text.end(),
                            [](char c) { return c >= '0' && c <= '9'; }) &&
                text != "-";
  long v = digits ? std::strtol(text.c_str(), nullptr, 10) : 0;
  if (!digits || v < lo || v > hi) {
    return HttpError{400, std::string(where) + ": " + Shown(text) + " is not a whole number in " +
                              std::to_string(lo) + ".." + std::to_string(hi)};
  }
  *out = static_cast<int>(v);
  return std::nullopt;
}

std::optional<HttpError> ParseBool(std::string_view where, const std::string& text, bool* out) {
  // "?explain" alone means true.
  if (text.empty() || text == "1" || text == "true" || text == "yes") {
    *out = true;
  } else if (text == "0" || text == "false" || text == "no") {
    *out = false;
  } else {
    return HttpError{400, std::string(where) + ": " + Shown(text) +
                              " is not a boolean (1, true, yes, 0, false, no)"};
  }
  return std::nullopt;
}

// --- JSON bodies.
struct Body {
  Json json;
  std::string path;

  // Keys beyond `known` are refused: a misspelt option must not be ignored.
  std::optional<HttpError> CheckKeys(std::initializer_list<std::string_view> known) const {
    for (const auto& [k, v] : json.items()) {
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        std::string list;
        for (auto n : known) list += (list.empty() ? "" : ", ") + std::string(n);
        return HttpError{400, path + " body: unknown field " + Shown(k) + " (known: " + list + ")"};
      }
    }
    return std::nullopt;
  }
  std::optional<HttpError> String(const char* key, bool required, std::string* out) const {
    auto it = json.find(key);
    if (it == json.end() || it->is_null()) {
      if (required) return HttpError{400, path + " body: field '" + key + "' is required"};
      return std::nullopt;
    }
    if (!it->is_string()) {
      return HttpError{400, path + " body: field '" + key + "' must be a string"};
    }
    *out = it->get<std::string>();
    return std::nullopt;
  }
  std::optional<HttpError> Int(const char* key, int lo, int hi, int* out) const {
    auto it = json.find(key);
    if (it == json.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer() || it->get<int64_t>() < lo || it->get<int64_t>() > hi) {
      return HttpError{400, path + " body: field '" + key + "' must be a whole number in " +
                                std::to_string(lo) + ".." + std::to_string(hi)};
    }
    *out = static_cast<int>(it->get<int64_t>());
    return std::nullopt;
  }
  std::optional<HttpError> Bool(const char* key, bool* out) const {
    auto it = json.find(key);
    if (it == json.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) {
      return HttpError{400, path + " body: field '" + key + "' must be true or false"};
    }
    *out = it->get<bool>();
    return std::nullopt;
  }
};

// Parses a JSON object body; an empty body is an empty object.
std::variant<Body, HttpError> ParseBody(const ApiRequest& r) {
  Body b;
  b.path = r.path;
  if (r.body.empty()) {
    b.json = Json::object();
    return b;
  }
  try {
    b.json = Json::parse(r.body);
  } catch (const Json::parse_error& e) {
    return HttpError{400, r.path + " body: not valid JSON (byte " + std::to_string(e.byte) + ")"};
  }
  if (!b.json.is_object()) return HttpError{400, r.path + " body: must be a JSON object"};
  return b;
}

#define SAIKI_HTTP_TRY(expr)                     \
  do {                                           \
    if (auto e_ = (expr)) return std::move(*e_); \
  } while (0)

// Facet names, comma-separated ("brand,category,price"), as fields.
std::optional<HttpError> ParseFacets(std::string_view where, const std::string& list,
                                     std::vector<FacetField>* out) {
  size_t start = 0;
  while (!list.empty()) {
    size_t comma = list.find(',', start);
    std::string name = list.substr(start, comma == std::string::npos ? comma : comma - start);
    if (name == "brand") {
      out->push_back(FacetField::kBrand);
    } else if (name == "category") {
      out->push_back(FacetField::kCategory);
    } else if (name == "price") {
      out->push_back(FacetField::kPrice);
    } else {
      return HttpError{400, std::string(where) + ": " + Shown(name) +
                                " is not a facet (brand, category, price)"};
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return std::nullopt;
}

// A sort order's name (SortOrderName): "price", "-rating", ...
std::optional<HttpError> ParseSort(std::string_view where, const std::string& name,
                                   SortOrder* out) {
  auto order = ParseSortOrder(name);
  if (!order) {
    return HttpError{400, std::string(where) + ": " + Shown(name) +
                              " is not a sort order (relevance, price, -price, rating, -rating, "
                              "reviews, -reviews)"};
  }
  *out = *order;
  return std::nullopt;
}

std::variant<Call, HttpError> ParseSearch(const ApiRequest& r, const ApiOptions& o) {
  SearchCall call;
  SearchRequest& q = call.request;
  if (r.method == "GET") {
    Params p(r, {"q", "k", "offset", "explain", "user", "facets", "facet_limit", "highlight",
                 "snippet", "sort"});
    SAIKI_HTTP_TRY(p.Check());
    const std::string* text = p.Get("q");
    if (!text) return HttpError{400, "parameter 'q' (the query) is required"};
    q.query = *text;
    if (auto* v = p.Get("k")) SAIKI_HTTP_TRY(ParseInt("parameter 'k'", *v, 1, 1000, &q.k));
    if (auto* v = p.Get("offset")) {
      SAIKI_HTTP_TRY(ParseInt("parameter 'offset'", *v, 0, 10000, &q.offset));
    }
    if (auto* v = p.Get("explain"))
      SAIKI_HTTP_TRY(ParseBool("parameter 'explain'", *v, &q.explain));
    if (auto* v = p.Get("user")) q.user = *v;
    if (auto* v = p.Get("facets")) SAIKI_HTTP_TRY(ParseFacets("parameter 'facets'", *v, &q.facets));
    if (auto* v = p.Get("facet_limit")) {
      SAIKI_HTTP_TRY(ParseInt("parameter 'facet_limit'", *v, 1, 1000, &q.facet_limit));
    }
    if (auto* v = p.Get("highlight")) {
      SAIKI_HTTP_TRY(ParseBool("parameter 'highlight'", *v, &q.highlight));
    }
    if (auto* v = p.Get("snippet")) {
      SAIKI_HTTP_TRY(ParseInt("parameter 'snippet'", *v, 10, 10000, &q.snippet_chars));
    }
    if (auto* v = p.Get("sort")) SAIKI_HTTP_TRY(ParseSort("parameter 'sort'", *v, &q.sort));
    return call;
  }
  auto body = ParseBody(r);
  if (auto* e = std::get_if<HttpError>(&body)) return std::move(*e);
  const Body& b = std::get<Body>(body);
  SAIKI_HTTP_TRY(b.CheckKeys({"query", "queries", "k", "offset", "explain", "user", "facets",
                               "facet_limit", "highlight", "snippet", "sort"}));
  if (auto f = b.json.find("facets"); f != b.json.end() && !f->is_null()) {
    // An array of names, or one comma-separated string as in the query string.
    std::string list;
    if (f->is_string()) {
      list = f->get<std::string>();
    } else if (f->is_array()) {
      for (const auto& name : *f) {
        if (!name.is_string()) {
          return HttpError{400, r.path + " body: 'facets' must hold names (strings)"};
        }
        list += (list.empty() ? "" : ",") + name.get<std::string>();
      }
    } else {
      return HttpError{400, r.path + " body: 'facets' must be an array of names"};
    }
    SAIKI_HTTP_TRY(ParseFacets(r.path + " body: 'facets'", list, &q.facets));
  }
  SAIKI_HTTP_TRY(b.Int("facet_limit", 1, 1000, &q.facet_limit));
  SAIKI_HTTP_TRY(b.Bool("highlight", &q.highlight));
  SAIKI_HTTP_TRY(b.Int("snippet", 10, 10000, &q.snippet_chars));
  {
    std::string sort;
    SAIKI_HTTP_TRY(b.String("sort", false, &sort));
    if (!sort.empty()) SAIKI_HTTP_TRY(ParseSort(r.path + " body: 'sort'", sort, &q.sort));
  }
  SAIKI_HTTP_TRY(b.Int("k", 1, 1000, &q.k));
  SAIKI_HTTP_TRY(b.Int("offset", 0, 10000, &q.offset));
  SAIKI_HTTP_TRY(b.Bool("explain", &q.explain));
  SAIKI_HTTP_TRY(b.String("user", false, &q.user));
  auto queries = b.json.find("queries");
  bool has_query = b.json.contains("query") && !b.json["query"].is_null();
  if (queries != b.json.end() && !queries->is_null()) {
    if (has_query) return HttpError{400, r.path + " body: give 'query' or 'queries', not both"};
    if (!queries->is_array()) return HttpError{400, r.path + " body: 'queries' must be an array"};
    if (queries->size() > o.max_batch) {
      return HttpError{413, r.path + " body: " + std::to_string(queries->size()) +
                                " queries; at most " + std::to_string(o.max_batch) +
                                " in one batch"};
    }
    for (size_t i = 0; i < queries->size(); ++i) {
      if (!(*queries)[i].is_string()) {
        return HttpError{400,
                         r.path + " body: queries[" + std::to_string(i) + "] must be a string"};
      }
      call.queries.push_back((*queries)[i].get<std::string>());
    }
    call.batch = true;
    return call;
  }
  SAIKI_HTTP_TRY(b.String("query", true, &q.query));
  return call;
}

std::variant<Call, HttpError> ParseUserOnly(const ApiRequest& r, bool required, std::string* user) {
  if (r.method == "GET") {
    Params p(r, {"user"});
    SAIKI_HTTP_TRY(p.Check());
    if (auto* v = p.Get("user")) *user = *v;
    return Call{};
  }
  auto body = ParseBody(r);
  if (auto* e = std::get_if<HttpError>(&body)) return std::move(*e);
  const Body& b = std::get<Body>(body);
  SAIKI_HTTP_TRY(b.CheckKeys({"user"}));
  SAIKI_HTTP_TRY(b.String("user", required, user));
  if (required && user->empty()) return HttpError{400, r.path + " body: 'user' is empty"};
  return Call{};
}

}  // namespace

bool IsWrite(const Call& call) {
  if (auto* s = std::get_if<SearchCall>(&call)) return !s->request.user.empty();
  return std::holds_alternative<ClickCall>(call) || std::holds_alternative<SessionEndCall>(call) ||
         std::holds_alternative<SessionSweepCall>(call) ||
         std::holds_alternative<PooledStepCall>(call) || std::holds_alternative<ImportCall>(call);
}

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kResourceExhausted:
      return 413;
    case StatusCode::kBusy:
      return 503;
    default:
      return 500;
  }
}

std::variant<Call, HttpError> ParseCall(const ApiRequest& r, const ApiOptions& o) {
  // Where each path goes, and the methods it takes.
  struct Route {
    std::string_view path;
    bool get, post;
  };
  static constexpr Route kRoutes[] = {
      {"/api/search", true, true},       {"/api/click", false, true},
      {"/api/session/end", false, true}, {"/api/session/sweep", false, true},
      {"/api/model", true, false},       {"/api/model/history", true, false},
      {"/api/stats", true, false},       {"/api/import", false, true},
      {"/api/suggest", true, false},     {"/api/model/pooled", false, true},
  };
  const Route* route = nullptr;
  for (const auto& rt : kRoutes) {
    if (r.path == rt.path) route = &rt;
  }
  if (!route) {
    if (r.method == "GET" || r.method == "HEAD") {
      for (const auto& a : o.assets) {
        if (r.path == a.path) {
          if (!r.params.empty()) return HttpError{400, r.path + " takes no parameters"};
          return Call{AssetCall{&a}};
        }
      }
    }
    return HttpError{404,
                     "no such endpoint: " + Shown(r.path) + " (see README \"Using the HTTP API\")"};
  }
  bool is_get = r.method == "GET", is_post = r.method == "POST";
  if ((is_get && !route->get) || (is_post && !route->post) || (!is_get && !is_post)) {
    return HttpError{405, std::string(route->path) + " takes " +
                              (route->get && route->post ? "GET or POST"
                               : route->get              ? "GET"
                                                         : "POST") +
                              ", not " + Shown(r.method)};
  }
  if (is_get && !r.body.empty()) return HttpError{400, "a GET request takes no body"};
  bool import = route->path == "/api/import";
  size_t limit = import ? o.max_upload_bytes : o.max_body_bytes;
  if (r.body.size() > limit) {
    return HttpError{413, r.path + ": body of " + std::to_string(r.body.size()) +
                              " bytes; the limit is " + std::to_string(limit)};
  }
  size_t params_bytes = 0;
  for (const auto& [k, v] : r.params) params_bytes += k.size() + v.size() + 2;
  if (params_bytes > o.max_body_bytes) {
    return HttpError{413, r.path + ": parameters of " + std::to_string(params_bytes) +
                              " bytes; the limit is " + std::to_string(o.max_body_bytes)};
  }
  // A POST must say what its body is, in a type a cross-site HTML form
  // cannot send (a form's POST is "simple" and skips the CORS preflight).
  if (is_post) {
    std::string type = MediaType(r);
    if (import ? (type != "text/csv" && type != "application/octet-stream")
               : (type != "application/json" && !(type.empty() && r.body.empty()))) {
      return HttpError{415, r.path + ": Content-Type must be " +
                                (import ? "text/csv" : "application/json") + ", not " +
                                (type.empty() ? "missing" : Shown(type))};
    }
  }
  if (!import && is_post && !r.params.empty() && route->path != "/api/search") {
    return HttpError{400, r.path + ": parameters go in the JSON body, not the query string"};
  }

  if (route->path == "/api/search") {
    if (is_post && !r.params.empty()) {
      return HttpError{400, r.path + ": parameters go in the JSON body, not the query string"};
    }
    return ParseSearch(r, o);
  }
  if (route->path == "/api/click") {
    auto body = ParseBody(r);
    if (auto* e = std::get_if<HttpError>(&body)) return std::move(*e);
    const Body& b = std::get<Body>(body);
    SAIKI_HTTP_TRY(b.CheckKeys({"query_id", "id", "kind"}));
    ClickCall c;
    SAIKI_HTTP_TRY(b.String("query_id", true, &c.query_id));
    SAIKI_HTTP_TRY(b.String("id", true, &c.product_id));
    std::string kind = "click";
    SAIKI_HTTP_TRY(b.String("kind", false, &kind));
    if (kind == "click") {
      c.kind = ClickKind::kClick;
    } else if (kind == "cart") {
      c.kind = ClickKind::kCart;
    } else if (kind == "purchase") {
      c.kind = ClickKind::kPurchase;
    } else {
      return HttpError{400,
                       r.path + " body: 'kind' " + Shown(kind) + " is not click, cart or purchase"};
    }
    return Call{c};
  }
  if (route->path == "/api/session/end") {
    SessionEndCall c;
    auto res = ParseUserOnly(r, true, &c.user);
    if (auto* e = std::get_if<HttpError>(&res)) return std::move(*e);
    return Call{c};
  }
  if (route->path == "/api/session/sweep") {
    auto body = ParseBody(r);
    if (auto* e = std::get_if<HttpError>(&body)) return std::move(*e);
    SAIKI_HTTP_TRY(std::get<Body>(body).CheckKeys({}));
    return Call{SessionSweepCall{}};
  }
  if (route->path == "/api/model/pooled") {
    auto body = ParseBody(r);
    if (auto* e = std::get_if<HttpError>(&body)) return std::move(*e);
    SAIKI_HTTP_TRY(std::get<Body>(body).CheckKeys({}));
    return Call{PooledStepCall{}};
  }
  if (route->path == "/api/model" || route->path == "/api/model/history") {
    std::string user;
    auto res = ParseUserOnly(r, false, &user);
    if (auto* e = std::get_if<HttpError>(&res)) return std::move(*e);
    if (route->path == "/api/model") return Call{ModelShowCall{user}};
    return Call{ModelHistoryCall{user}};
  }
  if (route->path == "/api/suggest") {
    Params p(r, {"q", "k", "user"});
    SAIKI_HTTP_TRY(p.Check());
    SuggestCall c;
    const std::string* text = p.Get("q");
    if (!text) return HttpError{400, "parameter 'q' (what the user has typed) is required"};
    c.request.prefix = *text;
    if (auto* v = p.Get("k")) SAIKI_HTTP_TRY(ParseInt("parameter 'k'", *v, 1, 100, &c.request.k));
    if (auto* v = p.Get("user")) c.request.user = *v;
    return Call{c};
  }
  if (route->path == "/api/stats") {
    Params p(r, {});
    SAIKI_HTTP_TRY(p.Check());
    return Call{StatsCall{}};
  }
  // /api/import
  Params p(r, {"replace", "strict", "encoding", "map"});
  SAIKI_HTTP_TRY(p.Check());
  ImportCall c;
  if (auto* v = p.Get("replace")) SAIKI_HTTP_TRY(ParseBool("parameter 'replace'", *v, &c.replace));
  if (auto* v = p.Get("strict")) SAIKI_HTTP_TRY(ParseBool("parameter 'strict'", *v, &c.strict));
  if (auto* v = p.Get("encoding")) c.encoding = *v;
  if (auto* v = p.Get("map")) c.field_map = *v;
  if (r.body.empty()) return HttpError{400, r.path + ": the body (the CSV file) is empty"};
  return Call{c};
}

// --- The pool.

DatabasePool::Lease::~Lease() {
  if (!db_) return;
  std::lock_guard<std::mutex> lock(pool_->mu_);
  pool_->idle_.push_back(std::move(db_));
}

Result<DatabasePool::Lease> DatabasePool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
  }
  // Opened outside the lock: opening reads the file.
  auto db = open_();
  if (!db.ok()) return db.status();
  return Lease(this, std::move(db).value());
}

Status DatabasePool::Warm() {
  auto lease = Acquire();
  return lease.ok() ? Status::Ok() : lease.status();
}

// --- JSON answers: the shared encoder (bindings/json/json_encoder.h), the
// --- shapes of the CLI's --json output.
namespace {

ApiResponse JsonResponse(int status, const Json& j) {
  ApiResponse r;
  r.status = status;
  r.body = Dump(j);
  r.body += "\n";
  return r;
}

ApiResponse ErrorResponse(int status, const std::string& message) {
  ApiResponse r = JsonResponse(status, Json{{"error", message}, {"status", status}});
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  if (status == 429) r.headers.emplace_back("Retry-After", "1");
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

ApiResponse StatusResponse(const Status& s) {
  return ErrorResponse(HttpStatusFor(s), s.ToString());
}

// Equal strings, in a time that does not depend on where they differ.
bool SameSecret(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

// The host name of a Host header ("localhost:8700" -> "localhost",
// "[::1]:8700" -> "[::1]").
std::string HostName(const std::string& host) {
  if (!host.empty() && host[0] == '[') return Lower(host.substr(0, host.find(']') + 1));
  return Lower(host.substr(0, host.find(':')));
}

}  // namespace

Api::Api(DatabasePool* pool, ApiOptions options) : pool_(pool), options_(std::move(options)) {
  if (!options_.clock) {
    options_.clock = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  }
}

bool Api::TakeToken(const std::string& address) {
  if (options_.rate_per_second <= 0) return true;
  double now = options_.clock();
  std::lock_guard<std::mutex> lock(rate_mu_);
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    // Bounded: past 4096 addresses, those whose buckets refilled are dropped
    // (forgetting a full bucket changes nothing).
    if (buckets_.size() >= 4096) {
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        double refilled = b->second.tokens + (now - b->second.at) * options_.rate_per_second;
        b = refilled >= options_.rate_burst ? buckets_.erase(b) : std::next(b);
      }
      if (buckets_.size() >= 4096) return false;
    }
    it = buckets_.emplace(address, Bucket{options_.rate_burst, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(options_.rate_burst,
                      b.tokens + std::max(0.0, now - b.at) * options_.rate_per_second);
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

std::optional<HttpError> Api::CheckAccess(const ApiRequest& r) {
  if (!TakeToken(r.remote_addr)) {
    return HttpError{429, "too many requests from " + r.remote_addr + " (limit " +
                              std::to_string(static_cast<int>(options_.rate_per_second)) +
                              " per second); retry later"};
  }
  const std::string* host = Header(r, "host");
  if (options_.token.empty() && !options_.allowed_hosts.empty()) {
    std::string name = host ? HostName(*host) : "";
    if (std::find(options_.allowed_hosts.begin(), options_.allowed_hosts.end(), name) ==
        options_.allowed_hosts.end()) {
      return HttpError{403, "Host " + Shown(host ? *host : "") +
                                " is not this server's (a loopback server answers only to "
                                "localhost, 127.0.0.1 and [::1])"};
    }
  }
  bool api = r.path.rfind("/api/", 0) == 0;
  if (api && !options_.token.empty()) {
    const std::string* auth = Header(r, "authorization");
    const std::string prefix = "Bearer ";
    if (!auth || auth->compare(0, prefix.size(), prefix) != 0 ||
        !SameSecret(auth->substr(prefix.size()), options_.token)) {
      return HttpError{401, auth ? "wrong token (Authorization: Bearer TOKEN)"
                                 : "this server needs a token: send Authorization: Bearer TOKEN"};
    }
  }
  if (const std::string* origin = Header(r, "origin")) {
    bool same = host && (*origin == "http://" + *host || *origin == "https://" + *host);
    bool allowed = !options_.cors_origin.empty() && *origin == options_.cors_origin;
    if (!same && !allowed) {
      return HttpError{403, "cross-origin request from " + Shown(*origin) +
                                " refused (CORS is off; serve --cors-origin allows one origin)"};
    }
  }
  return std::nullopt;
}

ApiResponse Api::Handle(const ApiRequest& r) {
  ApiResponse out;
  if (auto denied = CheckAccess(r)) {
    out = ErrorResponse(denied->status, denied->message);
  } else if (r.method == "OPTIONS" && !options_.cors_origin.empty()) {
    // A CORS preflight from the allowed origin (any other was refused above).
    out.status = 204;
    out.content_type.clear();
    out.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST");
    out.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type, Authorization");
    out.headers.emplace_back("Access-Control-Max-Age", "600");
  } else {
    auto parsed = ParseCall(r, options_);
    if (auto* e = std::get_if<HttpError>(&parsed)) {
      out = ErrorResponse(e->status, e->message);
    } else {
      out = Execute(std::get<Call>(parsed), r);
    }
  }
  if (!options_.cors_origin.empty() && Header(r, "origin") &&
      *Header(r, "origin") == options_.cors_origin) {
    out.headers.emplace_back("Access-Control-Allow-Origin", options_.cors_origin);
    out.headers.emplace_back("Vary", "Origin");
  }
  out.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (r.path.rfind("/api/", 0) == 0) out.headers.emplace_back("Cache-Control", "no-store");
  return out;
}

Result<PooledReport> Api::PooledStep() {
  std::lock_guard<std::mutex> write_lock(writer_);
  SAIKI_ASSIGN_OR_RETURN(DatabasePool::Lease db, pool_->Acquire());
  return db->LearnPooled();
}

ApiResponse Api::Execute(const Call& call, const ApiRequest& r) {
  if (auto* a = std::get_if<AssetCall>(&call)) {
    ApiResponse out;
    out.content_type = a->asset->content_type;
    out.body.assign(reinterpret_cast<const char*>(a->asset->data), a->asset->size);
    out.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    out.headers.emplace_back("X-Frame-Options", "DENY");
    out.headers.emplace_back("Cache-Control", "no-cache");
    return out;
  }
  std::unique_lock<std::mutex> write_lock(writer_, std::defer_lock);
  if (IsWrite(call)) write_lock.lock();
  auto lease_or = pool_->Acquire();
  if (!lease_or.ok()) return StatusResponse(lease_or.status());
  DatabasePool::Lease db = std::move(lease_or).value();

  if (auto* s = std::get_if<SearchCall>(&call)) {
    if (!s->batch) {
      auto res = db->Search(s->request);
      if (!res.ok()) return StatusResponse(res.status());
      return JsonResponse(200, json::SearchResponseJson(*res, s->request.explain));
    }
    // A batch answers every query; one failing does not stop the others
    // (as `saiki search --batch`).
    Json responses = Json::array();
    SearchRequest req = s->request;
    for (const auto& q : s->queries) {
      req.query = q;
      auto res = db->Search(req);
      Json j;
      if (res.ok()) {
        j = json::SearchResponseJson(*res, req.explain);
        j["query"] = q;
      } else {
        j["query"] = q;
        j["error"] = res.status().ToString();
        j["status"] = HttpStatusFor(res.status());
      }
      responses.push_back(std::move(j));
    }
    return JsonResponse(200, Json{{"responses", responses}});
  }
  if (auto* g = std::get_if<SuggestCall>(&call)) {
    auto res = db->Suggest(g->request);
    if (!res.ok()) return StatusResponse(res.status());
    return JsonResponse(200, json::SuggestResponseJson(g->request.prefix, *res));
  }
  if (auto* c = std::get_if<ClickCall>(&call)) {
    Status st = db->RecordClick(c->query_id, c->product_id, c->kind);
    if (!st.ok()) return StatusResponse(st);
    return JsonResponse(200,
                        Json{{"recorded", true}, {"query_id", c->query_id}, {"id", c->product_id}});
  }
  if (auto* e = std::get_if<SessionEndCall>(&call)) {
    auto res = db->EndSession(e->user);
    if (!res.ok()) return StatusResponse(res.status());
    if (!*res) {
      return JsonResponse(
          200,
          Json{{"closed", false}, {"message", "user " + Shown(e->user) + " has no open session"}});
    }
    Json j = json::SessionJson(**res);
    j["closed"] = true;
    return JsonResponse(200, j);
  }
  if (std::holds_alternative<SessionSweepCall>(call)) {
    auto res = db->SweepSessions();
    if (!res.ok()) return StatusResponse(res.status());
    Json sessions = Json::array();
    for (const auto& rep : *res) sessions.push_back(json::SessionJson(rep));
    return JsonResponse(200, Json{{"closed", res->size()}, {"sessions", sessions}});
  }
  if (std::holds_alternative<PooledStepCall>(call)) {
    auto res = db->LearnPooled();
    if (!res.ok()) return StatusResponse(res.status());
    return JsonResponse(200, json::PooledJson(*res));
  }
  if (auto* m = std::get_if<ModelShowCall>(&call)) {
    auto res = db->GetModel(m->user);
    if (!res.ok()) return StatusResponse(res.status());
    return JsonResponse(200, json::ModelJson(*res, m->user));
  }
  if (auto* h = std::get_if<ModelHistoryCall>(&call)) {
    auto res = db->ModelHistory(h->user);
    if (!res.ok()) return StatusResponse(res.status());
    Json versions = Json::array();
    for (const auto& v : *res) versions.push_back(json::VersionJson(v));
    return JsonResponse(200, Json{{"versions", versions}});
  }
  if (std::holds_alternative<StatsCall>(call)) {
    auto s = db->GetStats();
    if (!s.ok()) return StatusResponse(s.status());
    return JsonResponse(200, json::StatsJson(*s));
  }
  const auto& imp = std::get<ImportCall>(call);
  ImportOptions opts;
  opts.encoding = imp.encoding;
  opts.field_map = imp.field_map;
  opts.replace = imp.replace;
  opts.strict = imp.strict;
  Json errors = Json::array();
  uint64_t errors_total = 0;
  opts.on_row_error = [&](const RowError& e) {
    if (++errors_total <= 100) errors.push_back({{"line", e.line}, {"message", e.message}});
  };
  // The body is read in place: no copy of an upload of up to 64 MiB.
  struct ReadOnlyBuffer : std::streambuf {
    ReadOnlyBuffer(const std::string& s) {
      char* p = const_cast<char*>(s.data());  // only read: no put area is set
      setg(p, p, p + s.size());
    }
  } buffer(r.body);
  std::istream in(&buffer);
  auto rep = db->ImportCsv(in, "upload", opts);
  if (!rep.ok()) return StatusResponse(rep.status());
  Json j = {{"rows", rep->rows},         {"inserted", rep->inserted}, {"updated", rep->updated},
            {"rejected", rep->rejected}, {"deleted", rep->deleted},   {"committed", rep->committed},
            {"errors", errors}};
  if (!rep->committed) {
    j["error"] = std::to_string(rep->rejected) + " of " + std::to_string(rep->rows) +
                 " rows rejected; strict: nothing stored";
    return JsonResponse(422, j);
  }
  return JsonResponse(200, j);
}

}  // namespace saiki::server
