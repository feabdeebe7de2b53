// saiki_peers: saiki against SQLite FTS5 (trigram, unicode61), Groonga and
// Xapian on the same generated catalogue and query mix, in one run.
//
//   saiki_peers run --csv catalog.csv --work DIR [--label 100k]
//               [--engines saiki,fts5-trigram,...] [--passes 3] [--queries 1000]
//               [--seed 7] [--saiki-cli build/saiki] [--cold-runs 50] [--reuse-index]
//
// `run` is a small orchestrator: every phase below runs in a fresh process of
// this same binary (fork + exec), so each engine's peak resident memory
// (getrusage ru_maxrss, from wait4) is its own:
//   prepare  read + normalise the catalogue, draw the query mix, run the oracle
//   index    one engine builds its index (time, size on disk, peak memory)
//   query    one engine opens its index and runs the mix: an untimed warm-up
//            pass, then --passes timed passes (top 10), then (untimed) every
//            match of every query for recall
// then the cold CLI path (`saiki search` as a new process) and the report:
// markdown tables on stdout and in DIR/report.md.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "harness.h"

extern char** environ;

namespace peers {
namespace {

// ------------------------------------------------------------------ processes

struct Spawned {
  int status = -1;  // exit code, or -1 when it did not exit normally
  double seconds = 0;
  double cpu_seconds = 0;  // user + system of the child
  long maxrss_kb = 0;
};

Spawned Spawn(const std::vector<std::string>& args, const char* stdout_path = nullptr) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (stdout_path) posix_spawn_file_actions_addopen(&fa, 1, stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  Spawned r;
  pid_t pid;
  auto t = Clock::now();
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    return r;
  }
  int st = 0;
  struct rusage ru {};
  wait4(pid, &st, 0, &ru);
  r.seconds = SecondsSince(t);
  posix_spawn_file_actions_destroy(&fa);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.maxrss_kb = ru.ru_maxrss;
  r.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                  static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  return r;
}

std::string SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, n) : "saiki_peers";
}

// ------------------------------------------------------------------ options

struct Args {
  std::map<std::string, std::string> opt;
  bool Has(const std::string& k) const { return opt.count(k); }
  std::string Get(const std::string& k, const std::string& def = "") const {
    auto it = opt.find(k);
    return it == opt.end() ? def : it->second;
  }
  int Int(const std::string& k, int def) const { return Has(k) ? std::stoi(Get(k)) : def; }
};

Args ParseArgs(int argc, char** argv, int from) {
  Args a;
  for (int i = from; i < argc; ++i) {
    std::string s = argv[i];
    if (s.rfind("--", 0) != 0) continue;
    s = s.substr(2);
    if (s == "reuse-index") {
      a.opt[s] = "1";
    } else if (i + 1 < argc) {
      a.opt[s] = argv[++i];
    }
  }
  return a;
}

// ------------------------------------------------------------------ results

struct PerQuery {
  int qid = 0, nhits = 0;
  std::vector<double> lat, cpu;  // wall and thread-CPU ms per timed pass
  long matched = -1, inter = -1, oracle = 0, top_in = 0;
  bool complete = true;
};

struct Result {
  std::string name;
  bool ran = false;
  std::string skipped;  // why not
  KeyValues index;      // from the owner's index phase
  long index_rss_kb = 0;
  KeyValues qkv;        // '#' lines of the query phase
  long query_rss_kb = 0;
  std::vector<PerQuery> q;
};

bool ReadQueryResult(const std::string& path, Result* r) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      size_t tab = line.find('\t');
      if (tab != std::string::npos) r->qkv[line.substr(1, tab - 1)] = line.substr(tab + 1);
      continue;
    }
    std::vector<std::string> f = Split(line, '\t');
    if (f.size() < 9) continue;
    PerQuery p;
    p.qid = std::stoi(f[0]);
    p.nhits = std::stoi(f[1]);
    if (!f[2].empty())
      for (const auto& x : Split(f[2], ',')) p.lat.push_back(std::stod(x));
    p.matched = std::stol(f[3]);
    p.inter = std::stol(f[4]);
    p.oracle = std::stol(f[5]);
    p.complete = f[6] == "1";
    p.top_in = std::stol(f[7]);
    if (f.size() >= 10 && !f[9].empty())
      for (const auto& x : Split(f[9], ',')) p.cpu.push_back(std::stod(x));
    r->q.push_back(p);
  }
  r->query_rss_kb = std::stol(r->qkv.count("query_rss_kb") ? r->qkv["query_rss_kb"] : "0");
  return !r->q.empty();
}

// ------------------------------------------------------------------ report

std::string Fmt(double v, int prec = 2) {
  if (std::isnan(v)) return "–";
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}
std::string FmtRatio(double v) {
  if (std::isnan(v) || std::isinf(v)) return "–";
  char b[64];
  std::snprintf(b, sizeof b, v >= 10 ? "%.0f×" : v >= 0.1 ? "%.2f×" : "%.3f×", v);
  return b;
}

struct Stats {
  double p50 = NAN, p99 = NAN, mean = NAN;
};
// Over every timed execution of the queries in `subset` (all when null);
// wall-clock time, or with `cpu` the thread's CPU time.
Stats LatStats(const Result& r, const std::vector<bool>* subset, bool cpu = false) {
  std::vector<double> all;
  for (size_t i = 0; i < r.q.size(); ++i) {
    if (subset && !(*subset)[i]) continue;
    const auto& v = cpu ? r.q[i].cpu : r.q[i].lat;
    all.insert(all.end(), v.begin(), v.end());
  }
  Stats s;
  if (all.empty()) return s;
  s.p50 = Percentile(all, 50);
  s.p99 = Percentile(all, 99);
  double sum = 0;
  for (double x : all) sum += x;
  s.mean = sum / static_cast<double>(all.size());
  return s;
}

struct Recall {
  double micro = NAN, macro = NAN;
  long queries = 0, incomplete = 0, extra = 0;
  long missed = 0, missed_queries = 0;  // oracle matches not matched
};
Recall RecallOf(const Result& r, const std::vector<Query>& qs, int cjk /* -1 any, 0, 1 */) {
  Recall rc;
  double inter = 0, oracle = 0, sum = 0;
  for (size_t i = 0; i < r.q.size(); ++i) {
    const PerQuery& p = r.q[i];
    if (cjk >= 0 && qs[i].cjk != (cjk == 1)) continue;
    if (p.oracle == 0 || p.inter < 0) continue;
    if (!p.complete) {
      ++rc.incomplete;
      continue;
    }
    inter += static_cast<double>(p.inter);
    oracle += static_cast<double>(p.oracle);
    sum += static_cast<double>(p.inter) / static_cast<double>(p.oracle);
    rc.extra += p.matched - p.inter;
    rc.missed += p.oracle - p.inter;
    rc.missed_queries += p.inter < p.oracle;
    ++rc.queries;
  }
  if (rc.queries) {
    rc.micro = inter / oracle;
    rc.macro = sum / static_cast<double>(rc.queries);
  }
  return rc;
}

long Empty(const Result& r, const std::vector<bool>* subset = nullptr) {
  long n = 0;
  for (size_t i = 0; i < r.q.size(); ++i)
    if ((!subset || (*subset)[i]) && r.q[i].nhits == 0) ++n;
  return n;
}

double Num(const KeyValues& kv, const std::string& k) {
  auto it = kv.find(k);
  return it == kv.end() ? NAN : std::strtod(it->second.c_str(), nullptr);
}

std::string MachineLine() {
  std::ifstream cpu("/proc/cpuinfo");
  std::string line, model;
  while (std::getline(cpu, line))
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  std::ifstream mem("/proc/meminfo");
  std::string memtotal;
  while (std::getline(mem, line))
    if (line.rfind("MemTotal:", 0) == 0) {
      long kb = std::stol(line.substr(9));
      memtotal = Fmt(kb / 1048576.0, 1) + " GiB RAM";
      break;
    }
  struct utsname u {};
  uname(&u);
  return model + ", " + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " cores, " + memtotal +
         ", Linux " + u.release + ", g++ " + __VERSION__;
}

struct Cold {
  std::string config;
  double median = NAN, p90 = NAN, cpu_median = NAN;
  long rss_kb = 0;
  int runs = 0, failures = 0;
};

// The cold CLI, one configuration (ranker) per entry of `configs`, taking
// turns run by run so that every configuration meets the same machine
// (this host's speed drifts by several ms over minutes): before each timed
// search, an untimed `settings set ranker`. The totals setting is the
// timed passes' (SAIKI_PEERS_TOTAL_EXACT_UP_TO, default 1000): the recall
// pass before leaves the file at exact totals, which turns pruning off.
std::vector<Cold> RunCold(const std::string& cli, const std::string& db,
                          const std::vector<Query>& qs, int runs,
                          const std::vector<std::string>& configs) {
  std::vector<Cold> out(configs.size());
  std::vector<std::vector<double>> t(configs.size()), cpu(configs.size());
  for (size_t c = 0; c < configs.size(); ++c) out[c].config = configs[c];
  const char* exact_up_to = std::getenv("SAIKI_PEERS_TOTAL_EXACT_UP_TO");
  Spawned totals = Spawn({cli, "--db", db, "settings", "set", "total.exact_up_to",
                          exact_up_to ? exact_up_to : "1000"},
                         "/dev/null");
  if (totals.status != 0) {
    for (Cold& c : out) c.failures = runs;
    return out;
  }
  std::vector<std::string> picks;
  for (int i = 0; i < 10 && !qs.empty(); ++i) picks.push_back(qs[i * qs.size() / 10].saiki);
  for (int i = -3; i < runs; ++i) {  // 3 untimed rounds warm the page cache
    for (size_t c = 0; c < configs.size(); ++c) {
      Spawned set = Spawn({cli, "--db", db, "settings", "set", "ranker", configs[c]}, "/dev/null");
      Spawned s = set.status != 0 ? set
                                  : Spawn({cli, "--db", db, "search",
                                           picks[(i + 3) % picks.size()], "-k", "10"},
                                          "/dev/null");
      if (s.status != 0) {
        ++out[c].failures;
        continue;
      }
      if (i < 0) continue;
      t[c].push_back(s.seconds * 1e3);
      cpu[c].push_back(s.cpu_seconds * 1e3);
      out[c].rss_kb = std::max(out[c].rss_kb, s.maxrss_kb);
    }
  }
  for (size_t c = 0; c < configs.size(); ++c) {
    out[c].runs = static_cast<int>(t[c].size());
    out[c].median = Percentile(t[c], 50);
    out[c].p90 = Percentile(t[c], 90);
    out[c].cpu_median = Percentile(cpu[c], 50);
  }
  return out;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

void Report(const std::string& label, const std::string& work, const std::vector<Query>& qs,
            std::vector<Result>& res, const std::vector<Cold>& cold, int passes,
            const std::string& versions, const std::string& load_start,
            const std::string& load_end) {
  std::ostringstream o;
  auto find = [&](const std::string& n) -> Result* {
    for (auto& r : res)
      if (r.name == n && r.ran) return &r;
    return nullptr;
  };
  const std::vector<std::string> peer_names = {"fts5-trigram", "fts5-unicode61", "groonga",
                                               "xapian"};
  std::vector<Result*> base;  // saiki + peers that ran
  if (Result* s = find("saiki")) base.push_back(s);
  for (const auto& n : peer_names)
    if (Result* r = find(n)) base.push_back(r);

  // The queries every engine answers (some hit from each).
  std::vector<bool> common(qs.size(), true);
  for (Result* r : base)
    for (size_t i = 0; i < qs.size(); ++i)
      if (i >= r->q.size() || r->q[i].nhits <= 0) common[i] = false;
  long ncommon = std::count(common.begin(), common.end(), true);
  long short_terms = 0;
  for (const Query& q : qs) short_terms += q.min_term_chars < 3;

  KeyValues prep;
  std::string err;
  ReadKeyValues(work + "/prepare.txt", &prep, &err);
  o << "## saiki vs peers — " << label << " (" << prep["products"] << " products, " << qs.size()
    << " queries, top 10, " << passes << " timed passes after a warm-up pass)\n\n";
  o << "Machine: " << MachineLine() << ". " << versions << ". Load average (1, 5, 15 min) "
    << "at the start " << load_start << ", at the end " << load_end
    << " (other work on the machine inflates every engine's times alike only roughly).\n\n";
  for (const auto& r : res)
    if (!r.ran) o << "- skipped " << r.name << ": " << r.skipped << "\n";
  o << "\n### Engines\n\n";
  o << "| engine | index s | index CPU s | index MB | peak RSS index MB | peak RSS query MB "
       "| recall | recall CJK | recall non-CJK | oracle matches missed (queries) | top-10 in "
       "oracle | empty answers |\n";
  o << "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  for (auto& r : res) {
    if (!r.ran) continue;
    bool has_recall = IndexOwner(r.name) == r.name;
    Recall ra = RecallOf(r, qs, -1), rj = RecallOf(r, qs, 1), rl = RecallOf(r, qs, 0);
    long hits = 0, in = 0;
    for (const auto& p : r.q) {
      hits += std::max(0, p.nhits);
      in += p.top_in;
    }
    o << "| " << r.name << " | " << Fmt(Num(r.index, "index_s"), 1) << " | "
      << Fmt(Num(r.index, "index_cpu_s"), 1) << " | "
      << Fmt(Num(r.index, "index_bytes") / 1e6, 1) << " | " << Fmt(r.index_rss_kb / 1024.0, 0)
      << " | " << Fmt(r.query_rss_kb / 1024.0, 0) << " | "
      << (has_recall ? Fmt(ra.micro, 4) : "=saiki") << " | "
      << (has_recall ? Fmt(rj.micro, 4) : "=saiki") << " | "
      << (has_recall ? Fmt(rl.micro, 4) : "=saiki") << " | "
      << (has_recall ? std::to_string(ra.missed) + " (" + std::to_string(ra.missed_queries) + ")"
                     : "=saiki")
      << " | " << Fmt(hits ? static_cast<double>(in) / hits : NAN, 3) << " | " << Empty(r)
      << " |\n";
  }
  o << "\n### Warm query latency, top 10 (ms; CPU = the thread's CPU time, which other load "
       "on the machine does not inflate)\n\n";
  o << "| engine | p50 | p99 | mean | CPU p50 | CPU p99 | p50 common | p99 common | CPU p50 "
       "common | CPU p99 common |\n";
  o << "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  for (auto& r : res) {
    if (!r.ran) continue;
    Stats all = LatStats(r, nullptr), com = LatStats(r, &common);
    Stats call = LatStats(r, nullptr, true), ccom = LatStats(r, &common, true);
    o << "| " << r.name << " | " << Fmt(all.p50, 3) << " | " << Fmt(all.p99, 2) << " | "
      << Fmt(all.mean, 3) << " | " << Fmt(call.p50, 3) << " | " << Fmt(call.p99, 2) << " | "
      << Fmt(com.p50, 3) << " | " << Fmt(com.p99, 2) << " | " << Fmt(ccom.p50, 3) << " | "
      << Fmt(ccom.p99, 2) << " |\n";
  }
  o << "\nrecall = |matched ∩ oracle| / |oracle| summed over the queries; top-10 in oracle = "
       "share of the returned hits that the oracle also matches; common = the "
    << ncommon << " queries every engine answers with at least one hit. " << short_terms
    << " queries have a term of 1–2 characters, which FTS5 trigram cannot match.";
  if (Result* sk = find("saiki"))
    o << " saiki's match sets past 5000 were sampled in a price window for "
      << sk->qkv["windowed"] << " queries.";
  o << "\n";

  for (const std::string sv : {"saiki", "saiki-linear"}) {
    Result* s = find(sv);
    if (!s) continue;
    Stats ss = LatStats(*s, nullptr), sc = LatStats(*s, &common);
    Stats css = LatStats(*s, nullptr, true), csc = LatStats(*s, &common, true);
    Recall sj = find("saiki") ? RecallOf(*find("saiki"), qs, 1) : Recall{};
    o << "\n### Ratios " << sv << " / peer (below 1: saiki smaller or faster)\n\n";
    o << "| peer | p50 | p99 | CPU p50 | p50 common | p99 common | CPU p50 common | index "
         "time | index CPU | index size | peak RSS index | peak RSS query | recall CJK saiki "
         "vs peer | empty answers saiki vs peer |\n";
    o << "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    for (const auto& n : peer_names) {
      Result* p = find(n);
      if (!p) continue;
      Stats ps = LatStats(*p, nullptr), pc = LatStats(*p, &common);
      Stats cps = LatStats(*p, nullptr, true), cpc = LatStats(*p, &common, true);
      Recall pj = RecallOf(*p, qs, 1);
      o << "| " << n << " | " << FmtRatio(ss.p50 / ps.p50) << " | " << FmtRatio(ss.p99 / ps.p99)
        << " | " << FmtRatio(css.p50 / cps.p50) << " | " << FmtRatio(sc.p50 / pc.p50) << " | "
        << FmtRatio(sc.p99 / pc.p99) << " | " << FmtRatio(csc.p50 / cpc.p50) << " | "
        << FmtRatio(Num(s->index, "index_s") / Num(p->index, "index_s")) << " | "
        << FmtRatio(Num(s->index, "index_cpu_s") / Num(p->index, "index_cpu_s")) << " | "
        << FmtRatio(Num(s->index, "index_bytes") / Num(p->index, "index_bytes")) << " | "
        << FmtRatio(static_cast<double>(s->index_rss_kb) / p->index_rss_kb) << " | "
        << FmtRatio(static_cast<double>(s->query_rss_kb) / p->query_rss_kb) << " | "
        << Fmt(sj.micro, 4) << " vs " << Fmt(pj.micro, 4) << " | " << Empty(*s) << " vs "
        << Empty(*p) << " |\n";
    }
  }

  // By kind.
  std::vector<std::string> kinds;
  for (const Query& q : qs)
    if (std::find(kinds.begin(), kinds.end(), q.kind) == kinds.end()) kinds.push_back(q.kind);
  o << "\n### CPU p50 ms by query kind (empty answers in brackets; recall after the slash)\n\n| kind | n |";
  for (auto& r : res)
    if (r.ran) o << ' ' << r.name << " |";
  o << "\n|---|--:|";
  for (auto& r : res)
    if (r.ran) o << "--:|";
  o << "\n";
  for (const auto& kind : kinds) {
    std::vector<bool> sub(qs.size());
    long n = 0;
    for (size_t i = 0; i < qs.size(); ++i) n += (sub[i] = qs[i].kind == kind);
    o << "| " << kind << " | " << n << " |";
    for (auto& r : res) {
      if (!r.ran) continue;
      double inter = 0, orc = 0;
      for (size_t i = 0; i < qs.size(); ++i)
        if (sub[i] && r.q[i].oracle > 0 && r.q[i].inter >= 0 && r.q[i].complete) {
          inter += r.q[i].inter;
          orc += r.q[i].oracle;
        }
      o << ' ' << Fmt(LatStats(r, &sub, true).p50, 3) << " (" << Empty(r, &sub) << ")";
      if (orc > 0) o << " / " << Fmt(inter / orc, 3);
      o << " |";
    }
    o << "\n";
  }

  // By kind, the tail: CPU p99 per kind.
  o << "\n### CPU p99 ms by query kind\n\n| kind | n |";
  for (auto& r : res)
    if (r.ran) o << ' ' << r.name << " |";
  o << "\n|---|--:|";
  for (auto& r : res)
    if (r.ran) o << "--:|";
  o << "\n";
  for (const auto& kind : kinds) {
    std::vector<bool> sub(qs.size());
    long n = 0;
    for (size_t i = 0; i < qs.size(); ++i) n += (sub[i] = qs[i].kind == kind);
    o << "| " << kind << " | " << n << " |";
    for (auto& r : res)
      if (r.ran) o << ' ' << Fmt(LatStats(r, &sub, true).p99, 2) << " |";
    o << "\n";
  }

  // The slowest queries per engine: where each engine's tail comes from.
  o << "\n### The 10 slowest queries per engine (median CPU ms over the passes; saiki "
       "syntax)\n";
  for (auto& r : res) {
    if (!r.ran) continue;
    std::vector<std::pair<double, size_t>> by_time;
    for (size_t i = 0; i < qs.size() && i < r.q.size(); ++i) {
      if (!r.q[i].cpu.empty()) by_time.push_back({Percentile(r.q[i].cpu, 50), i});
    }
    const size_t top = std::min<size_t>(10, by_time.size());
    std::partial_sort(by_time.begin(), by_time.begin() + static_cast<std::ptrdiff_t>(top),
                      by_time.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    o << "\n" << r.name << ": ";
    for (size_t j = 0; j < top; ++j) {
      const Query& q = qs[by_time[j].second];
      o << (j ? ", " : "") << '`' << q.saiki << "` (" << q.kind << ") " << Fmt(by_time[j].first, 2);
    }
    o << "\n";
  }

  // saiki variants and the cold CLI.
  o << "\n### saiki: re-ranking and the cold CLI\n\n| configuration | p50 ms | p99 ms | mean "
       "ms | CPU p50 ms |\n|---|--:|--:|--:|--:|\n";
  for (const char* v : {"saiki", "saiki-linear", "saiki-user"}) {
    Result* r = find(v);
    if (!r) continue;
    Stats s = LatStats(*r, nullptr), c = LatStats(*r, nullptr, true);
    const char* what = std::strcmp(v, "saiki") == 0 ? "warm, ranker=bm25 (BM25F top 10)"
                       : std::strcmp(v, "saiki-linear") == 0
                           ? "warm, ranker=linear (default): 200 candidates re-ranked, anonymous"
                           : "warm, ranker=linear, SearchRequest.user set: personalised + "
                             "impression logged";
    o << "| " << what << " | " << Fmt(s.p50, 3) << " | " << Fmt(s.p99, 2) << " | "
      << Fmt(s.mean, 3) << " | " << Fmt(c.p50, 3) << " |\n";
  }
  for (const Cold& c : cold) {
    o << "| cold `saiki search` (new process, ranker=" << c.config << "): median and p90 of "
      << c.runs << " runs, peak RSS " << Fmt(c.rss_kb / 1024.0, 0) << " MB";
    if (c.failures) o << ", " << c.failures << " failed";
    o << " | " << Fmt(c.median, 2) << " | " << Fmt(c.p90, 2) << " (p90) | | "
      << Fmt(c.cpu_median, 2) << " |\n";
  }
  if (Result* s = find("saiki")) {
    o << "\nsaiki index: " << s->qkv["segments"] << " segments, " << s->qkv["terms"]
      << " posting lists, " << Fmt(Num(s->qkv, "postings_bytes") / 1e6, 1)
      << " MB of postings.\n";
  }

  // Targets (issue 5).
  o << "\n### Targets (issue 5)\n\n";
  Result* s = find("saiki");
  if (s && base.size() > 1) {
    auto verdict = [](bool ok) { return ok ? "**met**" : "**not met**"; };
    // p50 against the fastest peer: on the whole mix, on the common queries,
    // and against the fastest peer that answers CJK queries (recall >= 0.9);
    // wall time and CPU time.
    for (bool cpu : {false, true}) {
      Stats ss = LatStats(*s, nullptr, cpu), sc = LatStats(*s, &common, cpu);
      double best_all = INFINITY, best_com = INFINITY, best_full = INFINITY;
      std::string n_all, n_com, n_full;
      for (Result* p : base) {
        if (p == s) continue;
        double a = LatStats(*p, nullptr, cpu).p50, c = LatStats(*p, &common, cpu).p50;
        if (a < best_all) best_all = a, n_all = p->name;
        if (c < best_com) best_com = c, n_com = p->name;
        if (RecallOf(*p, qs, 1).micro >= 0.9 && a < best_full) best_full = a, n_full = p->name;
      }
      const char* unit = cpu ? "CPU" : "wall";
      o << "- Warm p50 ≤ ½ the fastest peer's (" << unit << "): whole mix saiki "
        << Fmt(ss.p50, 3) << " ms vs " << n_all << " " << Fmt(best_all, 3) << " ms, ratio "
        << FmtRatio(ss.p50 / best_all) << ": " << verdict(ss.p50 <= 0.5 * best_all)
        << "; the " << ncommon << " common queries " << Fmt(sc.p50, 3) << " ms vs " << n_com
        << " " << Fmt(best_com, 3) << " ms, ratio " << FmtRatio(sc.p50 / best_com) << ": "
        << verdict(sc.p50 <= 0.5 * best_com);
      if (!n_full.empty())
        o << "; whole mix against the fastest peer with CJK recall ≥ 0.9, " << n_full << " "
          << Fmt(best_full, 3) << " ms, ratio " << FmtRatio(ss.p50 / best_full) << ": "
          << verdict(ss.p50 <= 0.5 * best_full);
      o << ".\n";
    }
    Recall sj = RecallOf(*s, qs, 1);
    bool recall_ok = true;
    std::string detail;
    double best_idx = INFINITY, best_idx_cpu = INFINITY;
    std::string n_idx, n_idx_cpu;
    for (Result* p : base) {
      if (p == s) continue;
      Recall pj = RecallOf(*p, qs, 1);
      if (sj.micro + 1e-9 < pj.micro) {
        recall_ok = false;
        detail += ", below " + p->name + " " + Fmt(pj.micro, 5);
      }
      double ix = Num(p->index, "index_s"), ic = Num(p->index, "index_cpu_s");
      if (ix < best_idx) best_idx = ix, n_idx = p->name;
      if (ic < best_idx_cpu) best_idx_cpu = ic, n_idx_cpu = p->name;
    }
    o << "- Recall on CJK queries ≥ every peer's: saiki " << Fmt(sj.micro, 5) << " ("
      << sj.missed << " oracle matches missed in " << sj.missed_queries << " queries)" << detail
      << ": " << verdict(recall_ok) << ".\n";
    o << "- Indexing time ≤ the fastest peer's: saiki " << Fmt(Num(s->index, "index_s"), 1)
      << " s vs " << n_idx << " " << Fmt(best_idx, 1) << " s: "
      << verdict(Num(s->index, "index_s") <= best_idx) << " (CPU: "
      << Fmt(Num(s->index, "index_cpu_s"), 1) << " s vs " << n_idx_cpu << " "
      << Fmt(best_idx_cpu, 1) << " s).\n";
    if (Result* tri = find("fts5-trigram")) {
      double a = Num(s->index, "index_bytes"), b = Num(tri->index, "index_bytes");
      o << "- Index size ≤ FTS5 trigram's: " << Fmt(a / 1e6, 1) << " MB vs " << Fmt(b / 1e6, 1)
        << " MB: " << verdict(a <= b) << ".\n";
    }
    for (const Cold& c : cold) {
      o << "- Cold `saiki search` < 30 ms on 100k products (ranker=" << c.config << ", here "
        << prep["products"] << " products): median " << Fmt(c.median, 2) << " ms wall, "
        << Fmt(c.cpu_median, 2) << " ms CPU: ";
      if (prep["products"] == "100000") o << verdict(c.median < 30) << ".\n";
      else o << (c.median < 30 ? "under 30 ms" : "over 30 ms") << " (the target is for 100k).\n";
    }
    if (Result* l = find("saiki-linear")) {
      double d = LatStats(*l, nullptr, true).p50 - LatStats(*s, nullptr, true).p50;
      o << "- Re-ranking 200 candidates < 0.2 ms: CPU p50 with ranker=linear minus ranker=bm25 "
        << "= " << Fmt(d, 3) << " ms, an upper bound (it includes keeping 200 BM25F "
        << "candidates instead of 10; bench/micro_bench.cc's BM_Rerank200 isolates the "
        << "re-ranker): " << verdict(d < 0.2) << ".\n";
    }
  }
  std::string text = o.str();
  std::fputs(text.c_str(), stdout);
  std::ofstream(work + "/report.md") << text;
}

std::string Versions() {
  std::string versions = SqliteVersion();
  if (!GroongaVersion().empty()) versions += ", " + GroongaVersion();
  if (!XapianVersion().empty()) versions += ", " + XapianVersion();
  return versions;
}

// Prints the report of an earlier run again from its files (e.g. after the
// report's code changed): saiki_peers report --work DIR.
int RunReport(const Args& a) {
  std::string work = a.Get("work"), err;
  std::vector<Query> qs;
  if (!ReadQueries(work + "/queries.tsv", &qs, &err)) {
    std::fprintf(stderr, "report: %s\n", err.c_str());
    return 1;
  }
  std::string label = std::filesystem::path(work).filename().string(), load_start = "?",
              load_end = "?", versions = Versions();
  int passes = 0;
  std::vector<Cold> cold;
  std::map<std::string, std::pair<std::string, long>> status;  // engine -> (ran|why, rss)
  std::ifstream meta(work + "/run.txt");
  std::string line;
  while (std::getline(meta, line)) {
    std::vector<std::string> f = Split(line, '\t');
    if (f.size() == 2 && f[0] == "label") label = f[1];
    if (f.size() == 2 && f[0] == "passes") passes = std::stoi(f[1]);
    if (f.size() == 2 && f[0] == "load_start") load_start = f[1];
    if (f.size() == 2 && f[0] == "load_end") load_end = f[1];
    if (f.size() == 2 && f[0] == "versions") versions = f[1];
    if (f.size() == 4 && f[0] == "engine") status[f[1]] = {f[2], std::stol(f[3])};
    if (f.size() == 8 && f[0] == "cold") {
      Cold c;
      c.config = f[1];
      c.median = std::stod(f[2]);
      c.p90 = std::stod(f[3]);
      c.cpu_median = std::stod(f[4]);
      c.rss_kb = std::stol(f[5]);
      c.runs = std::stoi(f[6]);
      c.failures = std::stoi(f[7]);
      cold.push_back(c);
    }
  }
  std::vector<Result> res;
  for (const std::string& name : AllEngines()) {
    Result r;
    r.name = name;
    std::string owner = IndexOwner(name);
    auto st = status.find(name);
    if (st != status.end() && st->second.first != "ran") {
      r.skipped = st->second.first;
    } else if (!ReadKeyValues(work + "/" + owner + ".index.txt", &r.index, &err) ||
               !ReadQueryResult(work + "/" + name + ".query.tsv", &r)) {
      if (st == status.end()) continue;  // not part of that run
      r.skipped = "no results in " + work;
    } else {
      r.ran = true;
      r.index_rss_kb = st != status.end() && st->second.second > 0
                           ? st->second.second
                           : static_cast<long>(Num(r.index, "index_rss_kb"));
      if (passes == 0 && !r.q.empty()) passes = static_cast<int>(r.q[0].lat.size());
    }
    res.push_back(r);
  }
  Report(label, work, qs, res, cold, passes, versions, load_start, load_end);
  return 0;
}

int RunAll(const Args& a) {
  std::string csv = a.Get("csv"), work = a.Get("work");
  if (csv.empty() || work.empty()) {
    std::fprintf(stderr, "run: --csv and --work are required\n");
    return 2;
  }
  std::filesystem::create_directories(work + "/idx");
  std::string self = SelfExe();
  std::string label = a.Get("label", std::filesystem::path(csv).stem().string());
  int passes = a.Int("passes", 3);
  std::string seed = a.Get("seed", "7"), nq = a.Get("queries", "1000");
  std::vector<std::string> engines = a.Has("engines") ? Split(a.Get("engines"), ',') : AllEngines();

  const std::string load_start = LoadAverage();
  std::fprintf(stderr, "== %s: preparing the query mix and the oracle\n", label.c_str());
  Spawned prep = Spawn({self, "prepare", "--csv", csv, "--work", work, "--queries", nq, "--seed", seed});
  if (prep.status != 0) {
    std::fprintf(stderr, "prepare failed\n");
    return 1;
  }
  std::vector<Query> qs;
  std::string err;
  if (!ReadQueries(work + "/queries.tsv", &qs, &err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }

  auto index_path = [&](const std::string& owner) {
    return work + "/idx/" + owner + (owner == "groonga" || owner == "xapian" ? "" : ".db");
  };
  std::vector<Result> res;
  std::map<std::string, Result> owners;  // index results per owner
  for (const std::string& name : engines) {
    Result r;
    r.name = name;
    std::string owner = IndexOwner(name);
    std::unique_ptr<Engine> probe = MakeEngine(name, &err);
    if (!probe) {
      r.skipped = err;
      std::fprintf(stderr, "== %s: skipped: %s\n", name.c_str(), err.c_str());
      res.push_back(r);
      continue;
    }
    probe.reset();
    if (!owners.count(owner)) {
      Result ix;
      std::string out = work + "/" + owner + ".index.txt";
      bool reuse = a.Has("reuse-index") && std::filesystem::exists(out) &&
                   std::filesystem::exists(index_path(owner));
      if (!reuse) {
        std::fprintf(stderr, "== %s: indexing\n", owner.c_str());
        Spawned s = Spawn({self, "index", "--engine", owner, "--csv", csv, "--path",
                           index_path(owner), "--out", out});
        if (s.status != 0) {
          ix.skipped = "indexing failed (exit " + std::to_string(s.status) + ")";
        }
        ix.index_rss_kb = s.maxrss_kb;
      }
      if (ix.skipped.empty() && !ReadKeyValues(out, &ix.index, &err)) ix.skipped = err;
      if (reuse) ix.index_rss_kb = static_cast<long>(Num(ix.index, "index_rss_kb"));
      owners[owner] = ix;
    }
    const Result& ix = owners[owner];
    if (!ix.skipped.empty()) {
      r.skipped = ix.skipped;
      res.push_back(r);
      continue;
    }
    r.index = ix.index;
    r.index_rss_kb = ix.index_rss_kb;
    std::fprintf(stderr, "== %s: querying\n", name.c_str());
    std::string out = work + "/" + name + ".query.tsv";
    Spawned s = Spawn({self, "query", "--engine", name, "--path", index_path(owner), "--work",
                       work, "--passes", std::to_string(passes), "--out", out});
    if (s.status != 0 || !ReadQueryResult(out, &r)) {
      r.skipped = "query phase failed (exit " + std::to_string(s.status) + ")";
    } else {
      r.ran = true;
    }
    res.push_back(r);
  }

  std::vector<Cold> cold;
  std::string cli = a.Get("saiki-cli");
  int cold_runs = a.Int("cold-runs", 50);
  if (!cli.empty() && owners.count("saiki") && owners["saiki"].skipped.empty() && cold_runs > 0) {
    if (access(cli.c_str(), X_OK) != 0) {
      std::fprintf(stderr, "== cold CLI: skipped: %s is not executable\n", cli.c_str());
    } else {
      std::fprintf(stderr, "== cold CLI: %d runs per configuration\n", cold_runs);
      cold = RunCold(cli, index_path("saiki"), qs, cold_runs, {"bm25", "linear"});
    }
  }
  std::string versions = Versions();
  const std::string load_end = LoadAverage();
  {
    // What `saiki_peers report` needs to print the report again.
    std::ofstream meta(work + "/run.txt");
    meta << "label\t" << label << "\npasses\t" << passes << "\nload_start\t" << load_start
         << "\nload_end\t" << load_end << "\nversions\t" << versions << "\n";
    for (const auto& r : res)
      meta << "engine\t" << r.name << '\t' << (r.ran ? "ran" : r.skipped) << '\t'
           << r.index_rss_kb << '\n';
    for (const Cold& c : cold)
      meta << "cold\t" << c.config << '\t' << c.median << '\t' << c.p90 << '\t' << c.cpu_median
           << '\t' << c.rss_kb << '\t' << c.runs << '\t' << c.failures << '\n';
  }
  Report(label, work, qs, res, cold, passes, versions, load_start, load_end);
  return 0;
}

int Usage() {
  std::fprintf(stderr,
               "usage: saiki_peers run --csv FILE --work DIR [--label L] [--engines a,b,...]\n"
               "                       [--passes N] [--queries N] [--seed S]\n"
               "                       [--saiki-cli PATH] [--cold-runs N] [--reuse-index]\n"
               "engines: saiki saiki-linear saiki-user fts5-trigram fts5-unicode61 groonga xapian\n"
               "phases, run by `run` in child processes (or by hand, e.g. under perf):\n"
               "  saiki_peers prepare --csv FILE --work DIR [--queries N] [--seed S]\n"
               "  saiki_peers index --engine E --csv FILE --path INDEX --out FILE\n"
               "  saiki_peers query --engine E --path INDEX --work DIR [--passes N]\n"
               "                    [--recall 0] --out FILE\n"
               "the report of an earlier run, again: saiki_peers report --work DIR\n");
  return 2;
}

}  // namespace
}  // namespace peers

int main(int argc, char** argv) {
  using namespace peers;
  if (argc < 2) return Usage();
  std::string cmd = argv[1];
  Args a = ParseArgs(argc, argv, 2);
  if (cmd == "run") return RunAll(a);
  if (cmd == "report") return RunReport(a);
  if (cmd == "prepare")
    return RunPrepare(a.Get("csv"), a.Get("work"), a.Int("queries", 1000),
                      std::stoull(a.Get("seed", "7")));
  if (cmd == "index") return RunIndex(a.Get("engine"), a.Get("csv"), a.Get("path"), a.Get("out"));
  if (cmd == "query")
    return RunQuery(a.Get("engine"), a.Get("path"), a.Get("work"), a.Int("passes", 3),
                    a.Get("out"), a.Int("recall", 1) != 0);
  return Usage();
}
