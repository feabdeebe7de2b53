// The per-engine phases, each run in a process of its own by the
// orchestrator (peers_main.cc): index (build, time, size, peak memory) and
// query (warm latency, empty answers, recall against the oracle).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "harness.h"

namespace peers {

std::vector<double> g_catalogue_prices;

std::vector<std::string> AllEngines() {
  return {"saiki", "saiki-linear", "saiki-user", "fts5-trigram", "fts5-unicode61", "groonga",
          "xapian"};
}

std::string IndexOwner(const std::string& name) {
  return name.rfind("saiki", 0) == 0 ? "saiki" : name;
}

std::unique_ptr<Engine> MakeEngine(const std::string& name, std::string* error) {
  std::unique_ptr<Engine> e;
  if (name == "saiki" || name == "saiki-linear" || name == "saiki-user") e = MakeSaiki(name);
  else if (name == "fts5-trigram") e = MakeFts5("trigram");
  else if (name == "fts5-unicode61") e = MakeFts5("unicode61");
  else if (name == "groonga") {
    e = MakeGroonga();
    if (!e) *error = "not built: libgroonga-dev was missing when bench/peers was configured "
                     "(bench/install_peers.sh installs it; then re-run cmake)";
    return e;
  } else if (name == "xapian") {
    e = MakeXapian();
    if (!e) *error = "not built: libxapian-dev was missing when bench/peers was configured "
                     "(bench/install_peers.sh installs it; then re-run cmake)";
    return e;
  } else {
    *error = "unknown engine '" + name + "'";
  }
  return e;
}

namespace {

void RemoveIndex(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  std::filesystem::remove(path + "-wal", ec);
  std::filesystem::remove(path + "-shm", ec);
  std::filesystem::remove(path + "-journal", ec);
}

uint64_t IndexBytes(const std::string& path) {
  return DiskBytes(path) + DiskBytes(path + "-wal") + DiskBytes(path + "-shm");
}

}  // namespace

int RunIndex(const std::string& engine, const std::string& csv, const std::string& path,
             const std::string& out) {
  std::string err;
  std::unique_ptr<Engine> e = MakeEngine(engine, &err);
  if (!e) {
    std::fprintf(stderr, "%s: %s\n", engine.c_str(), err.c_str());
    return 2;
  }
  RemoveIndex(path);
  KeyValues kv;
  auto t0 = Clock::now();
  if (!e->Build(csv, path, &kv, &err)) {
    std::fprintf(stderr, "%s: indexing failed: %s\n", engine.c_str(), err.c_str());
    return 1;
  }
  e.reset();  // close: flush, checkpoint
  double secs = SecondsSince(t0);
  kv["index_s"] = std::to_string(secs);
  kv["index_bytes"] = std::to_string(IndexBytes(path));
  kv["index_rss_kb"] = std::to_string(PeakRssKb());
  kv["index_cpu_s"] = std::to_string(ProcessCpuSeconds());
  std::fprintf(stderr, "%s: indexed in %.1f s, %.1f MB on disk, peak RSS %.0f MB\n",
               engine.c_str(), secs, IndexBytes(path) / 1e6, PeakRssKb() / 1024.0);
  return WriteKeyValues(out, kv, &err) ? 0 : 1;
}

int RunQuery(const std::string& engine, const std::string& path, const std::string& dir,
             int passes, const std::string& out, bool with_recall) {
  std::string err;
  std::vector<Query> qs;
  if (!ReadQueries(dir + "/queries.tsv", &qs, &err)) {
    std::fprintf(stderr, "%s: %s\n", engine.c_str(), err.c_str());
    return 1;
  }
  std::unique_ptr<Engine> e = MakeEngine(engine, &err);
  if (!e) {
    std::fprintf(stderr, "%s: %s\n", engine.c_str(), err.c_str());
    return 2;
  }
  auto t0 = Clock::now();
  if (!e->Open(path, &err)) {
    std::fprintf(stderr, "%s: open failed: %s\n", engine.c_str(), err.c_str());
    return 1;
  }
  double open_s = SecondsSince(t0);
  if (!e->Prime(qs, &err)) {
    std::fprintf(stderr, "%s: priming failed: %s\n", engine.c_str(), err.c_str());
    return 1;
  }
  const int k = 10;
  std::vector<std::vector<double>> lat(qs.size()), cpu(qs.size());
  std::vector<int> nhits(qs.size(), 0);
  std::vector<std::vector<uint32_t>> top(qs.size());
  std::vector<Hit> hits;
  int errors = 0;
  // One untimed pass warms caches (page cache, engine caches, code), then
  // `passes` timed passes over the whole mix in the same order.
  for (int pass = -1; pass < passes; ++pass) {
    for (size_t i = 0; i < qs.size(); ++i) {
      double c0 = ThreadCpuSeconds();
      auto t = Clock::now();
      bool ok = e->Search(qs[i], k, &hits, &err);
      double ms = SecondsSince(t) * 1e3;
      double cpu_ms = (ThreadCpuSeconds() - c0) * 1e3;
      if (!ok) {
        if (pass == -1 && ++errors <= 5)
          std::fprintf(stderr, "%s: query %d (%s) failed: %s\n", engine.c_str(), qs[i].qid,
                       qs[i].saiki.c_str(), err.c_str());
        nhits[i] = -1;
        continue;
      }
      if (pass >= 0) {
        lat[i].push_back(ms);
        cpu[i].push_back(cpu_ms);
      }
      if (pass == passes - 1) {
        nhits[i] = static_cast<int>(hits.size());
        top[i].clear();
        for (const Hit& h : hits) top[i].push_back(h.doc);
      }
    }
  }
  long query_rss = PeakRssKb();
  double search_s = SecondsSince(t0);

  // Recall against the oracle: every matching product (untimed). The saiki
  // variants match what saiki matches; only their top 10 is compared.
  std::vector<std::vector<uint32_t>> oracle;
  if (!ReadOracle(dir + "/oracle.bin", &oracle, &err) || oracle.size() != qs.size()) {
    std::fprintf(stderr, "%s: oracle: %s\n", engine.c_str(), err.c_str());
    return 1;
  }
  const bool recall = with_recall && IndexOwner(engine) == engine;
  if (recall && !ReadPrices(dir + "/prices.bin", &g_catalogue_prices, &err)) {
    std::fprintf(stderr, "%s: %s\n", engine.c_str(), err.c_str());
    return 1;
  }
  std::ofstream o(out, std::ios::binary);
  o << "#open_s\t" << open_s << "\n#query_rss_kb\t" << query_rss << "\n#errors\t" << errors
    << "\n#passes\t" << passes << "\n";
  KeyValues desc;
  e->Describe(&desc);
  for (const auto& [key, v] : desc) o << "#" << key << '\t' << v << '\n';
  std::vector<uint32_t> docs;
  auto tr = Clock::now();
  long windowed = 0;
  for (size_t i = 0; i < qs.size(); ++i) {
    const auto& os = oracle[i];
    long matched = -1, inter = -1;
    MatchInfo info;
    if (recall && nhits[i] >= 0) {
      if (!e->MatchAll(qs[i], &docs, &info, &err)) {
        std::fprintf(stderr, "%s: match-all %d failed: %s\n", engine.c_str(), qs[i].qid,
                     err.c_str());
      } else {
        std::vector<uint32_t> o_in;  // the oracle inside the window
        const std::vector<uint32_t>* ref = &os;
        if (info.windowed) {
          ++windowed;
          for (uint32_t d : os) {
            double p = g_catalogue_prices[d - 1];
            if (p >= info.lo && p <= info.hi) o_in.push_back(d);
          }
          ref = &o_in;
        }
        std::vector<uint32_t> both;
        std::set_intersection(docs.begin(), docs.end(), ref->begin(), ref->end(),
                              std::back_inserter(both));
        matched = static_cast<long>(docs.size());
        inter = static_cast<long>(both.size());
        if (info.windowed) {
          // Scale the window's counts to the whole set.
          if (ref->empty()) info.complete = false;  // nothing to compare with
          double f = ref->empty() ? 0 : static_cast<double>(os.size()) / ref->size();
          inter = std::lround(static_cast<double>(inter) * f);
          matched = std::lround(static_cast<double>(matched) * f);
          if (inter > static_cast<long>(os.size())) inter = static_cast<long>(os.size());
        }
      }
    }
    bool complete = info.complete;
    long top_in = 0;
    for (uint32_t d : top[i]) top_in += std::binary_search(os.begin(), os.end(), d);
    o << qs[i].qid << '\t' << nhits[i] << '\t';
    for (size_t j = 0; j < lat[i].size(); ++j) o << (j ? "," : "") << lat[i][j];
    o << '\t' << matched << '\t' << inter << '\t' << os.size() << '\t' << (complete ? 1 : 0)
      << '\t' << top_in << '\t';
    for (size_t j = 0; j < top[i].size(); ++j) o << (j ? "," : "") << top[i][j];
    o << '\t';
    for (size_t j = 0; j < cpu[i].size(); ++j) o << (j ? "," : "") << cpu[i][j];
    o << '\n';
  }
  std::fprintf(stderr,
               "%s: %zu queries x %d passes in %.1f s; recall pass %.1f s (%ld match sets "
               "sampled in a price window); peak RSS %.0f MB\n",
               engine.c_str(), qs.size(), passes + 1, search_s, SecondsSince(tr), windowed,
               query_rss / 1024.0);
  o << "#windowed\t" << windowed << "\n";
  return o ? 0 : 1;
}

}  // namespace peers
