// What HTTP adds to a search: the same queries answered in-process
// (Database::Search) and through `saiki serve`'s code over loopback HTTP
// (server::Api behind server::HttpServer, a cpp-httplib keep-alive client),
// on one database. Not a test: it prints figures, asserts nothing.
//
//   serve_bench --db FILE [--passes 20] [--k 10] [--explain]
//
// The database is made beforehand (bench/run_serve.sh: gen_catalog --count
// 100000 --seed 42, then `saiki index`). The query mix below is fixed; each
// pass runs every query once in-process and once over HTTP, alternating which
// goes first, so drifts in the machine's load fall on both alike. The server
// runs in this process on its own threads (the code `saiki serve` runs, minus
// the process boundary, which costs nothing per request once connected).
// Printed: per path the median, p90 and mean wall time of a call, and the
// median of the per-query differences (HTTP minus in-process), with the
// response sizes. Searches are anonymous (not logged: no writes), as the
// comparison is about the transport.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "saiki/saiki.h"
#include "server/api.h"
#include "server/http_server.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p / 100.0 * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / v.size();
}

// A mix of the catalogue's kinds of query: one kanji, words, katakana,
// brands, filters, phrases, exclusions, paging.
const char* kQueries[] = {
    "犬",         "猫 フード",         "ベッド",          "コーヒー",
    "ハーネス",   "セーター",          "耐熱ガラス",      "送料無料 ギフト",
    "犬 -猫",     "\"ドッグ フード\"", "price:..3000 犬", "キッチン 収納",
    "ステンレス", "Barkley",           "冷感 犬服",       "おやつ 無添加",
};

}  // namespace

int main(int argc, char** argv) {
  std::string db_path;
  int passes = 20, k = 10;
  bool explain = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--db" && i + 1 < argc)
      db_path = argv[++i];
    else if (a == "--passes" && i + 1 < argc)
      passes = std::atoi(argv[++i]);
    else if (a == "--k" && i + 1 < argc)
      k = std::atoi(argv[++i]);
    else if (a == "--explain")
      explain = true;
    else {
      std::fprintf(stderr, "usage: serve_bench --db FILE [--passes N] [--k K] [--explain]\n");
      return 2;
    }
  }
  if (db_path.empty() || passes < 1 || k < 1 || k > 1000) {
    std::fprintf(stderr, "usage: serve_bench --db FILE [--passes N] [--k K] [--explain]\n");
    return 2;
  }
  saiki::OpenOptions open;
  open.create_if_missing = false;
  auto db = saiki::Database::Open(db_path, open);
  if (!db.ok()) {
    std::fprintf(stderr, "serve_bench: %s\n", db.status().ToString().c_str());
    return 1;
  }
  auto stats = (*db)->GetStats();
  if (!stats.ok()) return 1;

  saiki::server::DatabasePool pool([&] { return saiki::Database::Open(db_path, open); });
  saiki::server::ApiOptions api_options;
  api_options.rate_per_second = 0;
  saiki::server::Api api(&pool, api_options);
  saiki::server::ServerOptions server_options;
  server_options.listen = *saiki::server::ParseListenAddress("127.0.0.1:0");
  saiki::server::HttpServer http(&api, server_options);
  if (!http.Bind().ok()) return 1;
  std::thread server([&] { (void)http.Run(); });
  httplib::Client client("127.0.0.1", http.port());
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);

  std::vector<double> inproc, over_http, diff;
  double bytes = 0;
  uint64_t hits = 0;
  auto run_inproc = [&](const char* q) {
    saiki::SearchRequest req;
    req.query = q;
    req.k = k;
    req.explain = explain;
    auto t0 = Clock::now();
    auto res = (*db)->Search(req);
    auto t1 = Clock::now();
    if (!res.ok()) {
      std::fprintf(stderr, "serve_bench: %s: %s\n", q, res.status().ToString().c_str());
      std::exit(1);
    }
    hits += res->hits.size();
    return Ms(t0, t1);
  };
  auto run_http = [&](const char* q) {
    httplib::Params params{{"q", q}, {"k", std::to_string(k)}};
    if (explain) params.emplace("explain", "1");
    auto t0 = Clock::now();
    auto res = client.Get("/api/search", params, httplib::Headers{});
    auto t1 = Clock::now();
    if (!res || res->status != 200) {
      std::fprintf(stderr, "serve_bench: HTTP %s: %d\n", q, res ? res->status : -1);
      std::exit(1);
    }
    bytes += res->body.size();
    return Ms(t0, t1);
  };
  // One warm-up pass of each (caches, the pool's handle, the connection).
  for (const char* q : kQueries) {
    run_inproc(q);
    run_http(q);
  }
  hits = 0;
  bytes = 0;
  for (int p = 0; p < passes; ++p) {
    for (const char* q : kQueries) {
      double a, b;
      if (p % 2 == 0) {
        a = run_inproc(q);
        b = run_http(q);
      } else {
        b = run_http(q);
        a = run_inproc(q);
      }
      inproc.push_back(a);
      over_http.push_back(b);
      diff.push_back(b - a);
    }
  }
  http.Stop();
  server.join();

  const size_t n = inproc.size();
  std::printf("serve_bench: %llu products, %zu queries x %d passes, k=%d%s\n",
              static_cast<unsigned long long>(stats->products),
              sizeof kQueries / sizeof kQueries[0], passes, k, explain ? ", explain" : "");
  std::printf("  %-22s %9s %9s %9s\n", "ms per search", "median", "p90", "mean");
  std::printf("  %-22s %9.3f %9.3f %9.3f\n", "in-process", Percentile(inproc, 50),
              Percentile(inproc, 90), Mean(inproc));
  std::printf("  %-22s %9.3f %9.3f %9.3f\n", "HTTP (keep-alive)", Percentile(over_http, 50),
              Percentile(over_http, 90), Mean(over_http));
  std::printf("  %-22s %9.3f %9.3f %9.3f\n", "HTTP - in-process", Percentile(diff, 50),
              Percentile(diff, 90), Mean(diff));
  std::printf("  %.1f results and %.0f bytes of JSON per answer\n", static_cast<double>(hits) / n,
              bytes / n);
  return 0;
}
