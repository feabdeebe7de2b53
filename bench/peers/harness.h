// The engines under test behind one interface, and the harness's phases.
// Each phase runs in its own process (peers_main.cc spawns them) so that the
// peak resident memory of one engine never includes another's.
#ifndef SAIKI_BENCH_PEERS_HARNESS_H_
#define SAIKI_BENCH_PEERS_HARNESS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common.h"

namespace peers {

struct Hit {
  uint32_t doc = 0;   // 1-based catalogue row
  std::string title;  // fetched like an app would, to show the result
};

struct MatchInfo {
  // false: the engine could not enumerate every match.
  bool complete = true;
  // true: only the matches with a price in [lo, hi] were enumerated (a
  // window holding a sample of a very large match set); recall is then
  // measured inside the window.
  bool windowed = false;
  double lo = 0, hi = 0;
};

// The catalogue's prices by docid - 1 (from the prepare phase), for engines
// that page their match sets by price (saiki's public API caps a response at
// 1000 hits and offset 10000).
extern std::vector<double> g_catalogue_prices;

class Engine {
 public:
  virtual ~Engine() = default;
  // Builds the index of the catalogue at `csv` under `path` (a file or a
  // directory the engine owns). Fills notes with engine-specific details.
  virtual bool Build(const std::string& csv, const std::string& path, KeyValues* notes,
                     std::string* error) = 0;
  // Opens the index built by Build for searching.
  virtual bool Open(const std::string& path, std::string* error) = 0;
  // Top-k by the engine's own relevance, with the title of each hit.
  virtual bool Search(const Query& q, int k, std::vector<Hit>* hits, std::string* error) = 0;
  // Every product the engine matches (for recall; not timed); see MatchInfo
  // for the exceptions.
  virtual bool MatchAll(const Query& q, std::vector<uint32_t>* docs, MatchInfo* info,
                        std::string* error) = 0;
  // Called once before the warm-up pass (saiki-user: builds a click history
  // and a personal model for the benchmark user).
  virtual bool Prime(const std::vector<Query>& qs, std::string* error) { return true; }
  // Extra numbers for the report (saiki: segments, postings bytes).
  virtual void Describe(KeyValues* kv) {}
};

// Engine names: saiki, saiki-linear, saiki-user (the same saiki index with the
// linear re-ranker, anonymous / personalised and logged), fts5-trigram,
// fts5-unicode61, groonga, xapian. nullptr with *error when unknown or not
// built in (a peer whose library was missing at build time).
std::unique_ptr<Engine> MakeEngine(const std::string& name, std::string* error);
// The engine whose index a variant uses ("saiki-linear" -> "saiki").
std::string IndexOwner(const std::string& name);
std::vector<std::string> AllEngines();

std::unique_ptr<Engine> MakeSaiki(const std::string& variant);
std::unique_ptr<Engine> MakeFts5(const std::string& tokenizer);
std::unique_ptr<Engine> MakeGroonga();  // nullptr when not built with Groonga
std::unique_ptr<Engine> MakeXapian();   // nullptr when not built with Xapian
// Library versions for the report ("" when not built in).
std::string SqliteVersion();
std::string GroongaVersion();
std::string XapianVersion();

// Phases (each a subcommand of saiki_peers).
int RunPrepare(const std::string& csv, const std::string& dir, int nqueries, uint64_t seed);
int RunIndex(const std::string& engine, const std::string& csv, const std::string& path,
             const std::string& out);
// with_recall false: no recall pass (for profiling the timed passes alone).
int RunQuery(const std::string& engine, const std::string& path, const std::string& dir,
             int passes, const std::string& out, bool with_recall = true);

}  // namespace peers

#endif  // SAIKI_BENCH_PEERS_HARNESS_H_
