// The HTTP/JSON API of `saiki serve`, without the transport: what a request
// means (ParseCall), who may make it (access checks, rate limit), which
// public-API call it becomes and how the answer is written as JSON
// (Api::Handle). server/http_server.h feeds it requests from cpp-httplib;
// tests and fuzz/fuzz_server_api.cc feed it directly.
//
// A thin client of include/saiki/saiki.h: every endpoint is one call of the
// public API, with the JSON field names of the CLI's --json output.
//
//   GET  /api/search?q=&k=&offset=&explain=&user=&facets=&facet_limit=&highlight=&snippet=
//   POST /api/search   {"query"|"queries", k, offset, explain, user, facets, facet_limit,
//                       highlight, snippet}                saiki search
//   POST /api/click    {"query_id", "id", "kind"}      saiki click
//   POST /api/session/end   {"user"}                   saiki session end
//   POST /api/session/sweep                            saiki session sweep
//   GET  /api/model?user=                              saiki model show
//   GET  /api/model/history?user=                      saiki model history
//   GET  /api/suggest?q=&k=&user=                      saiki suggest
//   GET  /api/stats                                    saiki stats
//   POST /api/import?replace=&strict=&encoding=&map=   saiki index (body: CSV)
//   GET  /, /console.css, /console.js                  the console (embedded)
//
// No request reaches the filesystem: the console's files are compiled in,
// and an import reads the request body, never a path.
#ifndef SAIKI_SERVER_API_H_
#define SAIKI_SERVER_API_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "saiki/saiki.h"

namespace saiki::server {

// A file of the console, compiled into the binary (server/console/, turned
// into an array by cmake/embed_files.cmake).
struct Asset {
  const char* path;          // "/", "/console.css", ...
  const char* content_type;  // "text/html; charset=utf-8", ...
  const unsigned char* data;
  size_t size;
};

struct ApiOptions {
  // When non-empty every /api/ request must carry "Authorization: Bearer
  // TOKEN" (401 otherwise). Default empty (only allowed on loopback: the
  // serve command refuses another address without a token).
  std::string token;
  // When empty (the default) no CORS header is sent and a request whose
  // Origin header is not this server itself is refused (403). When set, that
  // one origin (e.g. "http://localhost:5173") may call the API from a page.
  std::string cors_origin;
  // Host header names accepted when no token is set, so a web page on a
  // rebound DNS name cannot reach a loopback server. Default: the loopback
  // names (localhost, 127.0.0.1, [::1]), any port. Empty: any host.
  std::vector<std::string> allowed_hosts = {"localhost", "127.0.0.1", "[::1]"};
  // Largest JSON body or query string accepted (413 beyond). Default 64 KiB.
  size_t max_body_bytes = 64 * 1024;
  // Largest CSV upload to /api/import (413 beyond). Default 64 MiB; the
  // import holds the body in memory once.
  size_t max_upload_bytes = 64 * 1024 * 1024;
  // Requests per second per client address (a token bucket of
  // rate_burst); 429 with Retry-After beyond. Default 200/s, burst 400;
  // rate_per_second 0 turns the limit off.
  double rate_per_second = 200;
  double rate_burst = 400;
  // Most queries in one POST /api/search {"queries": [...]}. Default 100.
  size_t max_batch = 100;
  // Seconds, monotonic; for the rate limit. Default: std::chrono::steady_clock.
  std::function<double()> clock;
  // The console's files (GET only).
  std::vector<Asset> assets;
};

// A request as the transport received it: the path without the query
// string, the query string's parameters already percent-decoded.
struct ApiRequest {
  std::string method;  // "GET", "POST", "OPTIONS", ...
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<std::pair<std::string, std::string>> headers;  // names any case
  std::string body;
  std::string remote_addr;  // for the rate limit
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// --- What a request asks for, once parsed (ParseCall).
struct SearchCall {
  SearchRequest request;             // query unset for a batch
  std::vector<std::string> queries;  // POST {"queries": [...]}: a batch
  bool batch = false;
};
struct ClickCall {
  std::string query_id, product_id;
  ClickKind kind = ClickKind::kClick;
};
struct SessionEndCall {
  std::string user;
};
struct SessionSweepCall {};
struct PooledStepCall {};
struct ModelShowCall {
  std::string user;
};
struct ModelHistoryCall {
  std::string user;
};
struct StatsCall {};
struct ImportCall {
  std::string encoding, field_map;
  bool replace = false, strict = false;
};
struct AssetCall {
  const Asset* asset = nullptr;
};
struct SuggestCall {
  SuggestRequest request;
};
using Call = std::variant<SearchCall, ClickCall, SessionEndCall, SessionSweepCall, PooledStepCall,
                          ModelShowCall, ModelHistoryCall, StatsCall, ImportCall, AssetCall,
                          SuggestCall>;

// Whether a call writes the database (and so takes the writer lock). A
// search writes when it is logged for a user.
bool IsWrite(const Call& call);

// A refused request: the HTTP status and a sentence naming the problem and
// where it is ("parameter 'k': '0' is not in 1..1000").
struct HttpError {
  int status = 400;
  std::string message;
};

// Maps a request to a call. Pure: no database, no filesystem, no clock;
// checks every parameter (unknown ones included) and the body's JSON. The
// access checks (token, host, origin, rate) are Api::Handle's, not this.
std::variant<Call, HttpError> ParseCall(const ApiRequest& request, const ApiOptions& options);

// The HTTP status for a library error: kInvalidArgument 400, kNotFound 404,
// kResourceExhausted 413, kBusy 503, others 500.
int HttpStatusFor(const Status& status);

// Opens one Database per concurrent request and keeps them for reuse: a
// Database is used by one thread at a time (saiki.h), and a handle left
// idle stays open (its caches warm). Thread-safe.
class DatabasePool {
 public:
  using Opener = std::function<Result<std::unique_ptr<Database>>()>;
  explicit DatabasePool(Opener open) : open_(std::move(open)) {}

  // A handle for one request; returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(DatabasePool* pool, std::unique_ptr<Database> db) : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Database* operator->() { return db_.get(); }

   private:
    DatabasePool* pool_;
    std::unique_ptr<Database> db_;
  };
  Result<Lease> Acquire();
  // Opens one handle now, so a database that cannot be opened is reported
  // at start rather than at the first request.
  Status Warm();

 private:
  Opener open_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Database>> idle_;
};

// The API. Handle is thread-safe: reads run in parallel, each on its own
// Database; writes (IsWrite) run one at a time in this process, under one
// lock, so they never fail with kBusy against each other (another process
// writing the same file still may: 503 with Retry-After). A write's answer
// is sent after its transaction committed, so an answered click is stored.
class Api {
 public:
  Api(DatabasePool* pool, ApiOptions options);
  ApiResponse Handle(const ApiRequest& request);
  const ApiOptions& options() const { return options_; }
  // The server's own pooled step (`saiki serve --pooled-every`):
  // Database::LearnPooled under the writer lock, as POST /api/model/pooled
  // runs it, without the access checks that guard callers from outside.
  Result<PooledReport> PooledStep();

 private:
  // The access checks, in order: rate, host, token, origin. nullopt: allowed.
  std::optional<HttpError> CheckAccess(const ApiRequest& request);
  bool TakeToken(const std::string& address);
  ApiResponse Execute(const Call& call, const ApiRequest& request);

  DatabasePool* pool_;
  ApiOptions options_;
  std::mutex writer_;
  struct Bucket {
    double tokens = 0, at = 0;
  };
  std::mutex rate_mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace saiki::server

#endif  // SAIKI_SERVER_API_H_
