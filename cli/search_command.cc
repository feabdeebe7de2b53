// `saiki search`: one query (a table or JSON), or a batch of queries (one
// JSON line each), optionally personalised and logged for a user.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/cli.h"

namespace saiki::cli {
namespace {

Json HitJson(const SearchHit& h, bool explain) {
  Json j;
  j["rank"] = h.rank;
  j["id"] = h.id;
  j["title"] = h.title;
  j["brand"] = h.brand;
  j["category"] = h.category;
  j["price"] = h.price ? Json(*h.price) : Json(nullptr);
  j["score"] = h.score;
  j["bm25f"] = h.bm25f;
  if (explain) {
    Json e = Json::object();
    for (const auto& fs : h.explain) e[fs.field] = fs.score;
    j["explain"] = e;
    if (!h.features.empty()) {
      Json f = Json::array();
      for (const auto& fs : h.features) {
        f.push_back({{"feature", fs.feature}, {"value", fs.value}, {"global", fs.global},
                     {"personal", fs.personal}});
      }
      j["features"] = f;
    }
  }
  return j;
}

Json ResponseJson(const SearchResponse& r, bool explain) {
  Json j;
  j["query_id"] = r.query_id ? Json(*r.query_id) : Json(nullptr);
  j["took_ms"] = r.took_ms;
  j["total"] = r.total;
  j["partial"] = r.partial;
  j["ranker"] = r.ranker;
  j["global_version"] = r.global_version;
  j["user_version"] = r.user_version;
  j["gate"] = r.gate;
  j["interleaved"] = r.interleaved;
  if (!r.notice.empty()) j["notice"] = r.notice;
  Json results = Json::array();
  for (const auto& h : r.hits) results.push_back(HitJson(h, explain));
  j["results"] = results;
  return j;
}

void PrintTable(const SearchResponse& r, bool explain) {
  if (!r.notice.empty()) std::cerr << "saiki: " << r.notice << "\n";
  std::cout << r.total << " products match (" << r.hits.size() << " shown, "
            << static_cast<int>(r.took_ms * 1000) / 1000.0 << " ms, ranker " << r.ranker;
  if (r.query_id) std::cout << ", query id " << *r.query_id;
  std::cout << ")\n";
  if (r.hits.empty()) return;
  std::cout << Fit("rank", 5) << Fit("id", 12) << Fit("score", 8) << Fit("price", 9)
            << Fit("brand", 16) << "title\n";
  for (const auto& h : r.hits) {
    char score[32];
    std::snprintf(score, sizeof score, "%.3f", h.score);
    std::cout << Fit(std::to_string(h.rank), 5) << Fit(h.id, 12) << Fit(score, 8)
              << Fit(Price(h.price), 9) << Fit(h.brand, 16) << Fit(h.title, 60) << "\n";
    if (explain) {
      std::cout << "      bm25f " << h.bm25f << ": ";
      for (const auto& fs : h.explain) {
        if (fs.score == 0) continue;
        char part[64];
        std::snprintf(part, sizeof part, "%s=%.3f  ", fs.field.c_str(), fs.score);
        std::cout << part;
      }
      std::cout << "\n";
      for (const auto& fs : h.features) {
        if (fs.global == 0 && fs.personal == 0) continue;
        char line[160];
        std::snprintf(line, sizeof line, "      %-22s value %9.4f  global %+8.4f  personal %+8.4f\n",
                      fs.feature.c_str(), fs.value, fs.global, fs.personal);
        std::cout << line;
      }
    }
  }
}

int RunSearch(const Globals& g, const std::vector<std::string>& words,
              const std::string& batch, int k, int offset, bool json, bool explain,
              const std::string& user) {
  auto db = OpenDb(g, false);
  if (!db.ok()) return Fail(db.status());
  SearchRequest req;
  req.user = user;
  req.k = k;
  req.offset = offset;
  req.explain = explain;
  if (!batch.empty()) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (batch != "-") {
      file.open(batch, std::ios::binary);
      if (!file) return Fail(Status::NotFound(batch + ": cannot open batch file"));
      in = &file;
    }
    std::string line;
    int status = kExitOk;
    uint64_t line_no = 0;
    while (std::getline(*in, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      req.query = line;
      auto res = (*db)->Search(req);
      Json j;
      if (res.ok()) {
        j = ResponseJson(*res, explain);
        j["query"] = line;
      } else {
        j["query"] = line;
        j["error"] = res.status().ToString();
        status = std::max(status, ExitCodeFor(res.status()));
        std::cerr << "saiki: " << batch << " line " << line_no << ": "
                  << res.status().ToString() << "\n";
      }
      std::cout << Dump(j) << "\n";
    }
    return status;
  }
  for (size_t i = 0; i < words.size(); ++i) req.query += (i ? " " : "") + words[i];
  auto res = (*db)->Search(req);
  if (!res.ok()) return Fail(res.status());
  if (json) {
    std::cout << Dump(ResponseJson(*res, explain)) << "\n";
  } else {
    PrintTable(*res, explain);
  }
  return kExitOk;
}

}  // namespace

void AddSearchCommand(CLI::App& app, Globals& g, int& rc) {
  // search
  auto* search = app.add_subcommand("search", "search products");
  static std::vector<std::string> words;
  static std::string batch;
  static int k = 10, offset = 0;
  static bool json = false, explain = false;
  search->add_option("QUERY", words, "query (see README: terms, \"phrases\", -x, brand:, "
                                     "category:, price:MIN..MAX)");
  search->add_option("-k,--limit", k, "results to show (1..1000, default 10)")
      ->check(CLI::Range(1, 1000));
  search->add_option("--offset", offset, "results to skip (default 0)")
      ->check(CLI::Range(0, 10000));
  search->add_flag("--json", json, "print one JSON object");
  search->add_flag("--explain", explain, "show per-field score contributions");
  search->add_option("--batch", batch, "answer one query per line of FILE (- for stdin), "
                                       "one JSON line each");
  static std::string user;
  search->add_option("--user", user, "personalise for USER and log the search for learning "
                                     "(prints its query id)");
  search->callback([&] {
    if (words.empty() && batch.empty()) {
      std::cerr << "saiki search: give a QUERY or --batch FILE\n";
      rc = kExitUsage;
      return;
    }
    rc = RunSearch(g, words, batch, k, offset, json, explain, user);
  });

}

}  // namespace saiki::cli
