// `saiki serve` (server/): the request mapping (ParseCall), the access
// checks and limits (Api::Handle without a socket), the endpoints against a
// real database, a bounded load over loopback HTTP (8 clients, a fixed
// number of requests, no click lost), and the command itself: refusing a
// non-loopback address without a token, handing over to saiki-serve (and
// saying so when it is missing), and stopping on SIGTERM with every answered
// click stored.
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "saiki/saiki.h"
#include "server/api.h"
#include "server/console_assets.h"
#include "server/http_server.h"
#include "tests/test_util.h"

namespace saiki::server {
namespace {

using Json = nlohmann::json;
using testing::TempDir;

ApiRequest Get(const std::string& path,
               std::vector<std::pair<std::string, std::string>> params = {}) {
  ApiRequest r;
  r.method = "GET";
  r.path = path;
  r.params = std::move(params);
  r.headers = {{"Host", "127.0.0.1:8700"}};
  r.remote_addr = "127.0.0.1";
  return r;
}

ApiRequest Post(const std::string& path, const std::string& body,
                const std::string& type = "application/json") {
  ApiRequest r;
  r.method = "POST";
  r.path = path;
  r.body = body;
  r.headers = {{"Host", "127.0.0.1:8700"}, {"Content-Type", type}};
  r.remote_addr = "127.0.0.1";
  return r;
}

std::string ErrorOf(const std::variant<Call, HttpError>& parsed, int* status) {
  const auto* e = std::get_if<HttpError>(&parsed);
  if (!e) return "";
  *status = e->status;
  return e->message;
}

TEST_CASE("ParseCall maps each endpoint's parameters and body to one API call", "[server]") {
  ApiOptions o;
  auto parsed = ParseCall(
      Get("/api/search",
          {{"q", "犬 ベッド"}, {"k", "5"}, {"offset", "2"}, {"explain", "1"}, {"user", "alice"}}),
      o);
  auto* search = std::get_if<SearchCall>(&std::get<Call>(parsed));
  REQUIRE(search);
  CHECK(search->request.query == "犬 ベッド");
  CHECK(search->request.k == 5);
  CHECK(search->request.offset == 2);
  CHECK(search->request.explain);
  CHECK(search->request.user == "alice");
  CHECK(IsWrite(std::get<Call>(parsed)));
  CHECK_FALSE(IsWrite(std::get<Call>(ParseCall(Get("/api/search", {{"q", "犬"}}), o))));

  auto batch = ParseCall(Post("/api/search", R"({"queries":["犬","猫"],"k":3})"), o);
  auto* b = std::get_if<SearchCall>(&std::get<Call>(batch));
  REQUIRE(b);
  CHECK(b->batch);
  CHECK(b->queries == std::vector<std::string>{"犬", "猫"});
  CHECK(b->request.k == 3);

  auto click = ParseCall(Post("/api/click", R"({"query_id":"7","id":"P1","kind":"cart"})"), o);
  auto* c = std::get_if<ClickCall>(&std::get<Call>(click));
  REQUIRE(c);
  CHECK(c->query_id == "7");
  CHECK(c->product_id == "P1");
  CHECK(c->kind == ClickKind::kCart);

  auto end = ParseCall(Post("/api/session/end", R"({"user":"bob"})"), o);
  REQUIRE(std::get_if<SessionEndCall>(&std::get<Call>(end))->user == "bob");
  auto hist = ParseCall(Get("/api/model/history", {{"user", "bob"}}), o);
  REQUIRE(std::get_if<ModelHistoryCall>(&std::get<Call>(hist))->user == "bob");
  auto imp = ParseCall(
      [] {
        ApiRequest r = Post("/api/import", "id,title\n1,x\n", "text/csv; charset=utf-8");
        r.params = {{"replace", "true"}, {"encoding", "cp932"}, {"map", "id=商品ID"}};
        return r;
      }(),
      o);
  auto* i = std::get_if<ImportCall>(&std::get<Call>(imp));
  REQUIRE(i);
  CHECK(i->replace);
  CHECK_FALSE(i->strict);
  CHECK(i->encoding == "cp932");
  CHECK(i->field_map == "id=商品ID");
}

TEST_CASE("ParseCall refuses bad requests with a status and a message naming the problem",
          "[server]") {
  ApiOptions o;
  struct Case {
    ApiRequest request;
    int status;
    std::string says;
  };
  ApiRequest put = Get("/api/stats");
  put.method = "DELETE";
  ApiRequest get_body = Get("/api/stats");
  get_body.body = "x";
  std::vector<Case> cases = {
      {Get("/api/search", {{"q", "犬"}, {"k", "0"}}), 400,
       "parameter 'k': '0' is not a whole number in 1..1000"},
      {Get("/api/search", {{"q", "犬"}, {"k", "9999999999"}}), 400, "parameter 'k'"},
      {Get("/api/search", {{"k", "3"}}), 400, "parameter 'q' (the query) is required"},
      {Get("/api/search", {{"q", "a"}, {"q", "b"}}), 400, "parameter 'q' given twice"},
      {Get("/api/search", {{"q", "a"}, {"limit", "3"}}), 400, "unknown parameter 'limit'"},
      {Get("/api/search", {{"q", "a"}, {"explain", "maybe"}}), 400, "is not a boolean"},
      {Post("/api/search", "{\"query\":"), 400, "not valid JSON"},
      {Post("/api/search", "[1]"), 400, "must be a JSON object"},
      {Post("/api/search", R"({"query":"a","queries":["b"]})"), 400, "not both"},
      {Post("/api/search", R"({"query":"a","k":"3"})"), 400, "field 'k' must be a whole number"},
      {Post("/api/search", R"({"query":"a","colour":1})"), 400, "unknown field 'colour'"},
      {Post("/api/click", R"({"id":"P1"})"), 400, "field 'query_id' is required"},
      {Post("/api/click", R"({"query_id":1,"id":"P1"})"), 400, "field 'query_id' must be a string"},
      {Post("/api/click", R"({"query_id":"1","id":"P1","kind":"like"})"), 400,
       "'like' is not click, cart or purchase"},
      {Post("/api/click", R"({"query_id":"1","id":"P1"})", "text/plain"), 415,
       "Content-Type must be application/json"},
      {Post("/api/session/end", "{}"), 400, "field 'user' is required"},
      {Post("/api/import", "id\n1\n", "application/json"), 415, "Content-Type must be text/csv"},
      {Post("/api/import", "", "text/csv"), 400, "the body (the CSV file) is empty"},
      {Get("/api/click"), 405, "/api/click takes POST, not 'GET'"},
      {put, 405, "takes GET, not 'DELETE'"},
      {get_body, 400, "a GET request takes no body"},
      {Get("/api/nothing"), 404, "no such endpoint: '/api/nothing'"},
      {Get("/../../etc/passwd"), 404, "no such endpoint"},
      {Get("/api/stats", {{"x", "1"}}), 400, "it takes none"},
  };
  for (const auto& c : cases) {
    INFO(c.request.method << " " << c.request.path << " " << c.request.body);
    int status = 0;
    std::string message = ErrorOf(ParseCall(c.request, o), &status);
    CHECK(status == c.status);
    CHECK_THAT(message, Catch::Contains(c.says));
  }
  // Limits: a body over max_body_bytes, a batch over max_batch.
  o.max_body_bytes = 100;
  o.max_batch = 2;
  int status = 0;
  std::string big = R"({"query":")" + std::string(200, 'a') + "\"}";
  CHECK_THAT(ErrorOf(ParseCall(Post("/api/search", big), o), &status),
             Catch::Contains("the limit is 100"));
  CHECK(status == 413);
  CHECK_THAT(ErrorOf(ParseCall(Post("/api/search", R"({"queries":["a","b","c"]})"), o), &status),
             Catch::Contains("at most 2 in one batch"));
  CHECK(status == 413);
}

// A database with a pet catalogue, its pool and an Api over it.
struct Fixture {
  TempDir dir;
  std::string path = dir.File("shop.saiki");
  DatabasePool pool{[this] { return Database::Open(path); }};
  std::unique_ptr<Api> api;
  double now = 1000;

  explicit Fixture(ApiOptions o = {}) {
    o.clock = [this] { return now; };
    o.assets = ConsoleAssets();
    api = std::make_unique<Api>(&pool, o);
    auto db = Database::Open(path);
    REQUIRE(db.ok());
    std::istringstream csv(testing::PetCatalog("P", 60));
    auto report = (*db)->ImportCsv(csv, "pets", ImportOptions());
    REQUIRE(report.ok());
    REQUIRE(report->inserted == 60);
  }
  Json Call(const ApiRequest& r, int want = 200) {
    ApiResponse out = api->Handle(r);
    INFO(r.method << " " << r.path << " -> " << out.status << " " << out.body);
    REQUIRE(out.status == want);
    return out.content_type == "application/json" ? Json::parse(out.body) : Json();
  }
};

TEST_CASE("The API answers search, click, session end, model, history, stats and import",
          "[server]") {
  Fixture f;
  Json stats = f.Call(Get("/api/stats"));
  CHECK(stats["products"] == 60);

  Json res =
      f.Call(Get("/api/search", {{"q", "犬"}, {"user", "alice"}, {"explain", "1"}, {"k", "5"}}));
  REQUIRE(res["results"].size() == 5);
  REQUIRE(res["query_id"].is_string());
  const Json& hit = res["results"][0];
  for (const char* key : {"rank", "id", "title", "brand", "category", "price", "score", "bm25f",
                          "explain", "features"}) {
    CHECK(hit.contains(key));
  }
  CHECK(hit["explain"].contains("title"));
  // Paging: offset 5 starts where k=5 ended.
  Json page2 = f.Call(Get("/api/search", {{"q", "犬"}, {"k", "5"}, {"offset", "5"}}));
  REQUIRE(page2["results"].size() > 0);
  CHECK(page2["results"][0]["rank"] == 6);
  CHECK(page2["query_id"].is_null());

  std::string qid = res["query_id"];
  std::string clicked = res["results"][2]["id"];
  Json click = f.Call(Post("/api/click", Json{{"query_id", qid}, {"id", clicked}}.dump()));
  CHECK(click["recorded"] == true);
  // A product not shown for that query, and an unknown query id.
  Json bad = f.Call(Post("/api/click", Json{{"query_id", qid}, {"id", "NOPE"}}.dump()), 400);
  CHECK_THAT(bad["error"].get<std::string>(), Catch::Contains("NOPE"));
  f.Call(Post("/api/click", Json{{"query_id", "999999"}, {"id", clicked}}.dump()), 404);

  size_t before = f.Call(Get("/api/model/history", {{"user", "alice"}}))["versions"].size();
  Json end = f.Call(Post("/api/session/end", R"({"user":"alice"})"));
  CHECK(end["closed"] == true);
  CHECK(end["clicks"] == 1);
  CHECK(end["impressions"] == 1);
  Json history = f.Call(Get("/api/model/history", {{"user", "alice"}}));
  CHECK(history["versions"].size() > before);
  Json again = f.Call(Post("/api/session/end", R"({"user":"alice"})"));
  CHECK(again["closed"] == false);

  Json model = f.Call(Get("/api/model", {{"user", "alice"}}));
  CHECK(model["user"] == "alice");
  REQUIRE(model["weights"].size() > 0);
  CHECK(model["weights"][0].contains("personal"));

  Json batch = f.Call(Post("/api/search", R"({"queries":["猫 フード","\"unclosed"],"k":2})"));
  REQUIRE(batch["responses"].size() == 2);
  CHECK(batch["responses"][0]["results"].size() == 2);

  Json sweep = f.Call(Post("/api/session/sweep", ""));
  CHECK(sweep["closed"] == 0);
  // The pooled learners run in the closes unless learn.pooled_at is apart;
  // the step takes no parameters.
  Json pooled = f.Call(Post("/api/model/pooled", ""));
  CHECK(pooled["ran"] == false);
  CHECK_THAT(pooled["global"]["reason"].get<std::string>(), Catch::Contains("pooled_at close"));
  Json pooled_bad = f.Call(Post("/api/model/pooled", R"({"user":"alice"})"), 400);
  CHECK_THAT(pooled_bad["error"].get<std::string>(), Catch::Contains("user"));
  f.Call(Get("/api/model/pooled"), 405);

  // Import: strict with a bad row stores nothing (422), non-strict stores
  // the good rows and lists the bad one with its line.
  std::string csv = "id,title,price\nN1,新しい 犬 ベッド,100\nN2,壊れた,abc\n";
  ApiRequest strict = Post("/api/import", csv, "text/csv");
  strict.params = {{"strict", "1"}};
  Json rejected = f.Call(strict, 422);
  CHECK(rejected["committed"] == false);
  CHECK(f.Call(Get("/api/stats"))["products"] == 60);
  Json imported = f.Call(Post("/api/import", csv, "text/csv"));
  CHECK(imported["inserted"] == 1);
  CHECK(imported["rejected"] == 1);
  REQUIRE(imported["errors"].size() == 1);
  CHECK(imported["errors"][0]["line"] == 3);
  CHECK(f.Call(Get("/api/stats"))["products"] == 61);
}

TEST_CASE("With the pooled learners apart, the server's pooled step runs after a pooled session "
          "and not again before the next",
          "[server][pooled]") {
  Fixture f;
  {
    auto db = Database::Open(f.path);
    REQUIRE(db.ok());
    REQUIRE((*db)->SetSetting("learn.pooled_at", "apart").ok());
  }
  auto idle = f.api->PooledStep();
  REQUIRE(idle.ok());
  CHECK_FALSE(idle->ran);  // no session yet
  Json res = f.Call(Get("/api/search", {{"q", "犬"}, {"user", "alice"}}));
  const std::string qid = res["query_id"].get<std::string>();
  f.Call(Post("/api/click",
              Json{{"query_id", qid}, {"id", res["results"][0]["id"]}}.dump()));
  Json end = f.Call(Post("/api/session/end", R"({"user":"alice"})"));
  CHECK_THAT(end["global"]["reason"].get<std::string>(), Catch::Contains("apart"));
  auto step = f.api->PooledStep();
  REQUIRE(step.ok());
  CHECK(step->ran);
  CHECK(step->seq > 0);
  Json again = f.Call(Post("/api/model/pooled", ""));
  CHECK(again["ran"] == false);
  CHECK_THAT(again["global"]["reason"].get<std::string>(), Catch::Contains("no pooled session"));
}

TEST_CASE("The console's files are served from the binary, with a strict content policy",
          "[server]") {
  Fixture f;
  ApiResponse page = f.api->Handle(Get("/"));
  REQUIRE(page.status == 200);
  CHECK_THAT(page.content_type, Catch::StartsWith("text/html"));
  CHECK_THAT(page.body, Catch::Contains("/console.js"));
  bool csp = false;
  for (const auto& [k, v] : page.headers) csp |= k == "Content-Security-Policy";
  CHECK(csp);
  CHECK(f.api->Handle(Get("/console.js")).status == 200);
  CHECK(f.api->Handle(Get("/console.css")).status == 200);
  CHECK(f.api->Handle(Get("/index.html")).status == 404);
  CHECK(f.api->Handle(Get("/console.js/../../etc/passwd")).status == 404);
}

TEST_CASE("Access: token, Host, Origin, CORS and the rate limit", "[server]") {
  SECTION("with a token every API request needs it, compared in full") {
    ApiOptions o;
    o.token = "0123456789abcdef";
    Fixture f(o);
    Json no = f.Call(Get("/api/stats"), 401);
    CHECK_THAT(no["error"].get<std::string>(), Catch::Contains("needs a token"));
    ApiRequest wrong = Get("/api/stats");
    wrong.headers.emplace_back("Authorization", "Bearer 0123456789abcdeX");
    f.Call(wrong, 401);
    ApiRequest prefix = Get("/api/stats");
    prefix.headers.emplace_back("Authorization", "Bearer 0123456789abcde");
    f.Call(prefix, 401);
    ApiRequest right = Get("/api/stats");
    right.headers.emplace_back("authorization", "Bearer 0123456789abcdef");
    CHECK(f.Call(right)["products"] == 60);
    // With a token, any Host is fine (the token is the check).
    right.headers[0].second = "shop.example:8700";
    f.Call(right);
  }
  SECTION("without a token only loopback Host names are answered (DNS rebinding)") {
    Fixture f;
    ApiRequest r = Get("/api/stats");
    r.headers = {{"Host", "evil.example:8700"}};
    Json j = f.Call(r, 403);
    CHECK_THAT(j["error"].get<std::string>(), Catch::Contains("is not this server's"));
    r.headers = {{"Host", "localhost:8700"}};
    f.Call(r);
    r.headers = {{"Host", "[::1]:8700"}};
    f.Call(r);
    r.headers = {};
    f.Call(r, 403);
  }
  SECTION("a cross-origin request is refused unless its origin was allowed") {
    Fixture f;
    ApiRequest r = Post("/api/session/end", R"({"user":"alice"})");
    r.headers.emplace_back("Origin", "http://evil.example");
    f.Call(r, 403);
    ApiRequest same = Post("/api/session/end", R"({"user":"alice"})");
    same.headers.emplace_back("Origin", "http://127.0.0.1:8700");
    f.Call(same);
    ApiResponse plain = f.api->Handle(Get("/api/stats"));
    for (const auto& [k, v] : plain.headers) CHECK(k != "Access-Control-Allow-Origin");

    ApiOptions o;
    o.cors_origin = "http://localhost:5173";
    Fixture g(o);
    ApiRequest pre = Get("/api/search");
    pre.method = "OPTIONS";
    pre.headers.emplace_back("Origin", "http://localhost:5173");
    ApiResponse out = g.api->Handle(pre);
    CHECK(out.status == 204);
    bool allowed = false;
    for (const auto& [k, v] : out.headers) {
      allowed |= k == "Access-Control-Allow-Origin" && v == "http://localhost:5173";
    }
    CHECK(allowed);
    pre.headers.back().second = "http://other.example";
    CHECK(g.api->Handle(pre).status == 403);
  }
  SECTION("the rate limit refuses past the burst and refills with time, per address") {
    ApiOptions o;
    o.rate_per_second = 10;
    o.rate_burst = 5;
    Fixture f(o);
    for (int i = 0; i < 5; ++i) f.Call(Get("/api/stats"));
    ApiResponse over = f.api->Handle(Get("/api/stats"));
    CHECK(over.status == 429);
    ApiRequest other = Get("/api/stats");
    other.remote_addr = "127.0.0.2";
    f.Call(other);
    f.now += 0.1;  // one token back at 10/s
    f.Call(Get("/api/stats"));
    CHECK(f.api->Handle(Get("/api/stats")).status == 429);
  }
}

// One HTTP answer, for the load test's tally.
struct Tally {
  std::mutex mu;
  long requests = 0, answered = 0, ok = 0;
  std::vector<std::string> failures;
  std::set<std::pair<long, std::string>> clicks;  // (query id, product) answered 200

  void Note(const char* what, const httplib::Result& r) {
    std::lock_guard<std::mutex> lock(mu);
    ++requests;
    if (!r) {
      failures.push_back(std::string(what) + ": no answer (" + httplib::to_string(r.error()) + ")");
      return;
    }
    ++answered;
    if (r->status == 200) {
      ++ok;
    } else if (failures.size() < 20) {
      failures.push_back(std::string(what) + ": " + std::to_string(r->status) + " " + r->body);
    }
  }
};

std::set<std::pair<long, std::string>> StoredClicks(const std::string& path) {
  std::set<std::pair<long, std::string>> out;
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT query_id, product_id FROM clicks", -1, &st, nullptr) ==
          SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    out.emplace(sqlite3_column_int64(st, 0),
                reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

TEST_CASE("Under 8 concurrent HTTP clients every request is answered and no click is lost",
          "[server][load]") {
  ApiOptions o;
  o.rate_per_second = 0;  // the limit is tested above; here every request must pass
  Fixture f(o);
  ServerOptions so;
  so.listen = *ParseListenAddress("127.0.0.1:0");
  so.threads = 8;
  HttpServer http(f.api.get(), so);
  REQUIRE(http.Bind().ok());
  std::thread server([&] { CHECK(http.Run().ok()); });

  // Each client, as its own user: ROUNDS rounds of (a personalised search,
  // a click on one of its results, a plain search), ending its session
  // every 5 rounds. 8 x 30 x 3 requests + 8 x 6 session ends = 768.
  constexpr int kClients = 8, kRounds = 30;
  const char* queries[] = {"犬", "猫 フード", "ベッド", "おやつ", "うさぎ 首輪"};
  Tally tally;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client cli("127.0.0.1", http.port());
      cli.set_tcp_nodelay(true);
      cli.set_read_timeout(60, 0);
      std::string user = "user" + std::to_string(c);
      for (int round = 0; round < kRounds; ++round) {
        std::string q = queries[(c + round) % 5];
        auto s = cli.Get("/api/search", httplib::Params{{"user", user}, {"k", "5"}, {"q", q}},
                         httplib::Headers{});
        tally.Note("search", s);
        if (s && s->status == 200) {
          Json j = Json::parse(s->body);
          if (!j["results"].empty()) {
            std::string qid = j["query_id"];
            std::string id = j["results"][round % j["results"].size()]["id"];
            auto k = cli.Post("/api/click", Json{{"query_id", qid}, {"id", id}}.dump(),
                              "application/json");
            tally.Note("click", k);
            if (k && k->status == 200) {
              std::lock_guard<std::mutex> lock(tally.mu);
              tally.clicks.emplace(std::stol(qid), id);
            }
          }
        }
        tally.Note("plain search",
                   cli.Get("/api/search", httplib::Params{{"q", q}}, httplib::Headers{}));
        if (round % 5 == 4) {
          tally.Note("session end",
                     cli.Post("/api/session/end", Json{{"user", user}}.dump(), "application/json"));
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  http.Stop();
  server.join();

  for (const auto& failure : tally.failures) UNSCOPED_INFO(failure);
  CHECK(tally.requests == kClients * (kRounds * 3 + kRounds / 5));
  CHECK(tally.answered == tally.requests);
  CHECK(tally.ok == tally.requests);
  CHECK(tally.failures.empty());
  CHECK(tally.clicks.size() == static_cast<size_t>(kClients * kRounds));
  auto stored = StoredClicks(f.path);
  for (const auto& click : tally.clicks) {
    INFO("click " << click.first << " " << click.second);
    CHECK(stored.count(click) == 1);
  }
  CHECK(http.answered() == static_cast<uint64_t>(tally.requests));
  WARN("serve load: " << tally.requests << " requests from " << kClients << " clients, "
                      << tally.clicks.size() << " clicks, all stored");
}

TEST_CASE("ParseListenAddress takes loopback and other addresses and says which", "[server]") {
  auto a = ParseListenAddress("127.0.0.1:8700");
  REQUIRE(a.ok());
  CHECK(a->loopback);
  CHECK(a->port == 8700);
  CHECK(ParseListenAddress("[::1]:0")->loopback);
  CHECK(ParseListenAddress("localhost:1")->loopback);
  CHECK(ParseListenAddress("127.9.9.9:1")->loopback);
  CHECK_FALSE(ParseListenAddress("0.0.0.0:8700")->loopback);
  CHECK_FALSE(ParseListenAddress("[::]:8700")->loopback);
  CHECK_FALSE(ParseListenAddress("192.168.1.5:80")->loopback);
  CHECK(ParseListenAddress(":9000")->host == "127.0.0.1");
  CHECK_THAT(ParseListenAddress("127.0.0.1").status().message(), Catch::Contains("no port"));
  CHECK_THAT(ParseListenAddress("127.0.0.1:99999").status().message(),
             Catch::Contains("not a number in 0..65535"));
  CHECK_THAT(ParseListenAddress("example.com:80").status().message(),
             Catch::Contains("not an IP address"));
  CHECK_THAT(ParseListenAddress("::1:80").status().message(), Catch::Contains("in brackets"));
}

// `saiki serve` as a child process, its standard error read through a pipe.
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(fds[1], STDERR_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(SAIKI_CLI_PATH));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(SAIKI_CLI_PATH, argv.data());
      _exit(127);
    }
    close(fds[1]);
    err_ = fds[0];
  }
  ~ServeProcess() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (err_ >= 0) close(err_);
  }
  // Reads standard error up to the first newline (the "serving" line, or
  // the error of a refused start).
  std::string FirstLine() {
    std::string line;
    char c;
    while (read(err_, &c, 1) == 1 && c != '\n') line += c;
    return line;
  }
  // The rest of standard error, then the exit status (-signal if killed).
  int Wait(std::string* rest) {
    char buf[512];
    ssize_t n;
    while ((n = read(err_, buf, sizeof buf)) > 0) rest->append(buf, n);
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int err_ = -1;
  bool reaped_ = false;
};

TEST_CASE("saiki serve refuses a non-loopback address without a token", "[server][cli]") {
  TempDir dir;
  std::string db = dir.File("shop.saiki");
  testing::WriteFile(dir.File("pets.csv"), testing::PetCatalog("P", 10));
  REQUIRE(testing::RunCli("--db " + db + " index " + dir.File("pets.csv")).exit_code == 0);
  ServeProcess any({"--db", db, "serve", "--listen", "0.0.0.0:0"});
  std::string line = any.FirstLine();
  CHECK_THAT(line, Catch::Contains("refusing to listen on 0.0.0.0") && Catch::Contains("--token"));
  std::string rest;
  CHECK(any.Wait(&rest) == 2);
  ServeProcess short_token({"--db", db, "serve", "--listen", "0.0.0.0:0", "--token", "abc"});
  CHECK_THAT(short_token.FirstLine(), Catch::Contains("at least 16 characters"));
  CHECK(short_token.Wait(&rest) == 2);
  ServeProcess missing({"--db", dir.File("missing.saiki"), "serve", "--listen", "127.0.0.1:0"});
  CHECK_THAT(missing.FirstLine(), Catch::Contains("missing.saiki"));
  CHECK(missing.Wait(&rest) == 4);
}

TEST_CASE("saiki serve's help needs no server, and a missing saiki-serve is named, exit 4",
          "[server][cli]") {
  // Answered by `saiki` itself: the options are declared in both programs.
  auto help = testing::RunCli("serve --help");
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("--listen") && Catch::Contains("--max-upload") &&
                           Catch::Contains("--burst"));
  CHECK(testing::RunCli("serve --threads 0").exit_code == 2);

  // A `saiki` with no saiki-serve beside it: a hard link (the same file, so
  // /proc/self/exe names this directory), else a copy.
  TempDir dir;
  std::string lone = dir.File("saiki");
  if (link(SAIKI_CLI_PATH, lone.c_str()) != 0) {
    std::filesystem::copy_file(SAIKI_CLI_PATH, lone);
  }
  std::string cmd = testing::Quote(lone) + " --db " + testing::Quote(dir.File("x.saiki")) +
                    " serve --listen 127.0.0.1:0 2>" + testing::Quote(dir.File("err"));
  int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 4);
  std::string err = testing::ReadFile(dir.File("err"));
  CHECK_THAT(err, Catch::Contains("cannot run " + dir.File("saiki-serve")) &&
                      Catch::Contains("No such file"));
}

TEST_CASE("saiki serve stops on SIGTERM with every answered click stored", "[server][cli]") {
  TempDir dir;
  std::string db = dir.File("shop.saiki");
  testing::WriteFile(dir.File("pets.csv"), testing::PetCatalog("P", 40));
  REQUIRE(testing::RunCli("--db " + db + " index " + dir.File("pets.csv")).exit_code == 0);
  ServeProcess serve(
      {"--db", db, "serve", "--listen", "127.0.0.1:0", "--token", "test-token-0123456789"});
  std::string line = serve.FirstLine();
  INFO(line);
  // `saiki serve` became saiki-serve in the same process (cli/run.h), so
  // the pid the caller holds is the server's.
  char exe[4096];
  ssize_t exe_len = readlink(("/proc/" + std::to_string(serve.pid()) + "/exe").c_str(), exe,
                             sizeof exe);
  REQUIRE(exe_len > 0);
  CHECK_THAT(std::string(exe, exe_len), Catch::EndsWith("/saiki-serve"));
  auto at = line.find("http://127.0.0.1:");
  REQUIRE(at != std::string::npos);
  int port = std::stoi(line.substr(at + 17));
  httplib::Client cli("127.0.0.1", port);
  cli.set_bearer_token_auth("test-token-0123456789");
  std::set<std::pair<long, std::string>> clicked;
  for (int i = 0; i < 10; ++i) {
    auto s = cli.Get("/api/search?user=carol&k=3&q=%E7%8A%AC");  // 犬
    REQUIRE(s);
    REQUIRE(s->status == 200);
    Json j = Json::parse(s->body);
    REQUIRE(!j["results"].empty());
    std::string qid = j["query_id"], id = j["results"][i % j["results"].size()]["id"];
    auto k = cli.Post("/api/click", Json{{"query_id", qid}, {"id", id}}.dump(), "application/json");
    REQUIRE(k);
    REQUIRE(k->status == 200);
    clicked.emplace(std::stol(qid), id);
  }
  httplib::Client anonymous("127.0.0.1", port);
  auto denied = anonymous.Get("/api/stats");
  REQUIRE(denied);
  CHECK(denied->status == 401);

  REQUIRE(kill(serve.pid(), SIGTERM) == 0);
  std::string rest;
  CHECK(serve.Wait(&rest) == 0);
  CHECK_THAT(rest, Catch::Contains("stopped after 21 requests"));
  auto stored = StoredClicks(db);
  for (const auto& c : clicked) CHECK(stored.count(c) == 1);
  CHECK(testing::IntegrityCheck(db) == "ok");
}

TEST_CASE("GET /api/suggest answers saiki suggest's JSON and refuses bad parameters",
          "[server][suggest]") {
  Fixture f;
  Json res = f.Call(Get("/api/suggest", {{"q", "いぬ"}, {"k", "5"}}));
  CHECK(res["prefix"] == "いぬ");
  REQUIRE(res["suggestions"].is_array());
  REQUIRE_FALSE(res["suggestions"].empty());
  CHECK(res["suggestions"].size() <= 5);
  bool kanji = false;
  for (const auto& sg : res["suggestions"]) {
    CHECK(sg.contains("score"));
    kanji |= sg["text"].get<std::string>().rfind("犬", 0) == 0;
  }
  CHECK(kanji);
  f.Call(Get("/api/suggest", {{"k", "5"}}), 400);
  f.Call(Get("/api/suggest", {{"q", "a"}, {"k", "0"}}), 400);
  f.Call(Get("/api/suggest", {{"q", "a"}, {"limit", "3"}}), 400);
}

}  // namespace
}  // namespace saiki::server
