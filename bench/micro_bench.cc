// Micro-benchmarks of saiki's hot paths, with Google Benchmark. They answer
// "did this change make search or learning slower?" and put the numbers next
// to what the machine can do at best:
//
//   BM_MemoryRead / BM_MemoryCopy   streaming bandwidth, the ceiling for any
//                                   decoder that reads from memory
//   BM_PostingDecode                docs + per-field tf of one posting list,
//                                   postings/s per core and encoded bytes/s
//   BM_PostingNextGeq               the same list, skipping with NextGeq
//   BM_Analyzer                     AnalyzeForIndex on ~1 MB of catalogue
//                                   text (warm thread: steady-state import)
//   BM_AnalyzerFirstPass            the same on a fresh thread each time
//                                   (ICU iterators and memo built from cold)
//   BM_Rerank200                    features + linear scores + stable sort of
//                                   200 candidates (target < 0.2 ms)
//   BM_PlanSessionClose             the planner's CPU work for one session
//                                   close (ranker/learning_plan.h, no SQLite)
//   BM_PositionBiasEstimate         Regression-EM on 5,000 impressions, as a
//                                   close re-estimating position bias runs it
//   BM_SessionEnd                   Database::EndSession with 10,000 logged
//                                   sessions in the file: gather, plan,
//                                   apply, commit (target: median <= 10 ms
//                                   CPU); the close that completes an epoch
//                                   (a global candidate); with the pooled
//                                   learners apart (learn.pooled_at apart)
//   BM_PooledStep                   Database::LearnPooled after each close,
//                                   apart: what the closes no longer pay
//   BM_ForgetUser                   ForgetUser's replay, with the pooled
//                                   learners at the close and apart
//   BM_ModelToJson                  serialising the two updated models
//   BM_EndToEndSearch               Database::Search on a 5000-product
//                                   database, anonymous and for a user
//
// Every input is generated from fixed seeds (or read from the bundled
// catalogue), so two runs measure the same work. Fixtures are built once,
// outside the timed loops, and shared between the benchmarks that use them.
// Run with bench/run_micro.sh (a Release build); flags such as
// --benchmark_filter=Rerank pass through.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/settings.h"
#include "index/analyzer.h"
#include "index/doc_table.h"
#include "index/postings.h"
#include "index/searcher.h"
#include "ranker/features.h"
#include "ranker/learner.h"
#include "ranker/learning_plan.h"
#include "ranker/linear_model.h"
#include "ranker/propensity.h"
#include "ranker/ranker.h"
#include "ranker/taste.h"
#include "storage/model_store.h"
#include "saiki/saiki.h"

#ifndef SAIKI_SOURCE_DIR
#define SAIKI_SOURCE_DIR "."
#endif

namespace {

using namespace saiki;

// ------------------------------------------------------------------ helpers

// splitmix64: our own generator rather than <random> distributions, whose
// output differs between standard libraries; the inputs must not.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi], both ends included.
  uint32_t Int(uint32_t lo, uint32_t hi) {
    return lo + static_cast<uint32_t>(Next() % (uint64_t(hi) - lo + 1));
  }
  double Real() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Real(double lo, double hi) { return lo + (hi - lo) * Real(); }
  bool Chance(double p) { return Real() < p; }

 private:
  uint64_t s_;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "saiki_bench: %s\n", what.c_str());
  std::exit(1);
}

// One CSV record (RFC 4180, no line breaks in fields, as datasets/README.md
// promises for catalog.csv).
std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

std::string CatalogPath() { return std::string(SAIKI_SOURCE_DIR) + "/datasets/catalog.csv"; }

// ------------------------------------------------------- memory bandwidth

// Buffers well beyond the last-level cache (this VM reports a 300 MiB L3), so
// that the loops below stream from DRAM.
constexpr size_t kReadBytes = size_t(1) << 30;
constexpr size_t kCopyBytes = size_t(512) << 20;

const std::vector<uint64_t>& ReadBuffer() {
  static const std::vector<uint64_t> buf = [] {
    std::vector<uint64_t> v(kReadBytes / 8);
    // Non-zero contents: pages of an untouched zero vector may all map the
    // kernel's shared zero page and read at cache speed.
    for (size_t i = 0; i < v.size(); ++i) v[i] = i * 0x9e3779b97f4a7c15ull;
    return v;
  }();
  return buf;
}

// A streaming sum: the cheapest possible "decoder", so its rate is the
// memory bandwidth one core can pull. Four accumulators let the compiler
// vectorise and keep several loads in flight.
void BM_MemoryRead(benchmark::State& state) {
  const auto& buf = ReadBuffer();
  const size_t n = buf.size() / static_cast<size_t>(state.threads());
  const uint64_t* p = buf.data() + n * static_cast<size_t>(state.thread_index());
  for (auto _ : state) {
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i + 4 <= n; i += 4) {
      a += p[i];
      b += p[i + 1];
      c += p[i + 2];
      d += p[i + 3];
    }
    benchmark::DoNotOptimize(a + b + c + d);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * int64_t(n * 8));
}
// Threads(2) shows whether one core already saturates the memory system.
BENCHMARK(BM_MemoryRead)->Unit(benchmark::kMillisecond)->UseRealTime()->Threads(1)->Threads(2);

// memcpy: bytes/s counts bytes copied; the memory traffic is twice that (or
// three times with write-allocate).
void BM_MemoryCopy(benchmark::State& state) {
  static std::vector<char> src(kCopyBytes, 'x'), dst(kCopyBytes, 'y');
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kCopyBytes);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * int64_t(kCopyBytes));
}
BENCHMARK(BM_MemoryCopy)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---------------------------------------------------------- posting lists

struct PostingFixture {
  std::vector<uint32_t> docids;
  index::PostingList list;
};

// A list shaped like a common term's: small docid gaps (1-8), the term in 1-3
// of the 5 fields, tf 1-3 per field, positions a few words apart. With
// `fixed_fields` the term is always in title and description instead: field
// masks then repeat, as they mostly do in real lists, and the decoder's
// per-field branches predict well; random masks are its worst case. Built
// once per shape and kept for the process.
const PostingFixture& Postings(uint32_t ndocs, bool fixed_fields = false) {
  static std::map<std::pair<uint32_t, bool>, std::unique_ptr<PostingFixture>> cache;
  auto& slot = cache[{ndocs, fixed_fields}];
  if (slot) return *slot;
  slot = std::make_unique<PostingFixture>();
  Rng rng(0x5a1c1 + ndocs);
  index::PostingListWriter writer;
  std::array<std::vector<uint32_t>, index::kNumFields> pos;
  uint32_t docid = rng.Int(0, 7);
  for (uint32_t i = 0; i < ndocs; ++i) {
    if (i) docid += rng.Int(1, 8);
    for (auto& p : pos) p.clear();
    uint32_t nfields = rng.Int(1, 3);
    uint8_t mask = 0;
    while (std::popcount(mask) < static_cast<int>(nfields)) mask |= uint8_t(1u << rng.Int(0, 4));
    if (fixed_fields) mask = (1u << index::kTitle) | (1u << index::kDescription);
    index::FieldLengths lengths{};
    std::array<std::span<const uint32_t>, index::kNumFields> spans;
    for (int f = 0; f < index::kNumFields; ++f) {
      lengths[f] = static_cast<uint16_t>(rng.Int(2, 40));
      if (!(mask & (1u << f))) continue;
      uint32_t tf = rng.Int(1, 3), at = rng.Int(0, 10);
      for (uint32_t t = 0; t < tf; ++t) {
        pos[f].push_back(at);
        at += rng.Int(1, 6);
      }
      lengths[f] = static_cast<uint16_t>(std::max<uint32_t>(lengths[f], at + 1));
      spans[f] = pos[f];
    }
    writer.AddDoc(docid, spans, lengths);
    slot->docids.push_back(docid);
  }
  auto parsed = index::PostingList::Parse(writer.Finish());
  if (!parsed.ok()) Die("posting list does not parse: " + parsed.status().ToString());
  slot->list = std::move(parsed).value();
  return *slot;
}

// Full scan, as a conjunctive query's rarest term or a single-term query
// walks it: docid and the tf of every field present, positions untouched.
// Args: docs, fields (0: random 1-3 fields per doc, 1: always title and
// description).
void BM_PostingDecode(benchmark::State& state) {
  const PostingFixture& fx = Postings(static_cast<uint32_t>(state.range(0)), state.range(1) != 0);
  uint64_t seen = 0;
  for (auto _ : state) {
    index::TermCursor cursor({&fx.list});
    uint64_t sum = 0, n = 0;
    for (; cursor.doc() != index::kEndDoc; cursor.Next()) {
      sum += cursor.doc();
      for (uint32_t m = cursor.field_mask(); m; m &= m - 1) sum += cursor.tf(std::countr_zero(m));
      ++n;
    }
    benchmark::DoNotOptimize(sum);
    if (!cursor.status().ok()) {
      state.SkipWithError(cursor.status().ToString().c_str());
      return;
    }
    seen = n;
  }
  if (seen != fx.docids.size()) state.SkipWithError("cursor lost postings");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * fx.docids.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * fx.list.bytes.size()));
  state.counters["list_MiB"] = static_cast<double>(fx.list.bytes.size()) / (1 << 20);
  state.counters["bytes/posting"] =
      static_cast<double>(fx.list.bytes.size()) / static_cast<double>(fx.docids.size());
}
BENCHMARK(BM_PostingDecode)->ArgNames({"docs", "fixed_fields"})
    ->Args({10'000, 0})->Args({1'000'000, 0})->Args({1'000'000, 1})
    ->Unit(benchmark::kMicrosecond);

// Skipping: NextGeq to every stride-th docid of the list (what the other
// terms of a conjunction do while the rarest leads), reading the tfs there.
// items/s counts NextGeq calls; postings/s the postings passed over.
void BM_PostingNextGeq(benchmark::State& state) {
  const PostingFixture& fx = Postings(static_cast<uint32_t>(state.range(0)));
  const size_t stride = static_cast<size_t>(state.range(1));
  std::vector<uint32_t> targets;
  for (size_t i = stride - 1; i < fx.docids.size(); i += stride) targets.push_back(fx.docids[i]);
  for (auto _ : state) {
    index::TermCursor cursor({&fx.list});
    uint64_t sum = 0;
    for (uint32_t t : targets) {
      cursor.NextGeq(t);
      sum += cursor.doc();
      for (uint32_t m = cursor.field_mask(); m; m &= m - 1) sum += cursor.tf(std::countr_zero(m));
    }
    benchmark::DoNotOptimize(sum);
    if (cursor.doc() != targets.back()) {
      state.SkipWithError("NextGeq missed its target");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * targets.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * fx.list.bytes.size()));
  state.counters["postings/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * fx.docids.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PostingNextGeq)->ArgNames({"docs", "stride"})
    ->Args({1'000'000, 10})->Args({1'000'000, 100})->Args({1'000'000, 1000})
    ->Unit(benchmark::kMicrosecond);

// ---------------------------------------------------------------- analyzer

struct AnalyzerFixture {
  std::unique_ptr<index::Analyzer> analyzer;
  std::vector<std::string> texts;  // one field value each, as the importer analyzes them
  size_t bytes = 0;
  std::string source;
};

const AnalyzerFixture& AnalyzerInput() {
  static const AnalyzerFixture fx = [] {
    AnalyzerFixture f;
    auto a = index::Analyzer::Create();
    if (!a.ok()) Die("Analyzer::Create: " + a.status().ToString());
    f.analyzer = std::move(a).value();
    constexpr size_t kTarget = size_t(1) << 20;
    std::ifstream in(CatalogPath());
    std::string line;
    if (in && std::getline(in, line)) {  // header: id,title,description,...
      f.source = "catalog.csv";
      while (f.bytes < kTarget && std::getline(in, line)) {
        auto cols = SplitCsvLine(line);
        for (int c : {1, 2}) {  // title, description
          if (c < static_cast<int>(cols.size()) && !cols[c].empty()) {
            f.bytes += cols[c].size();
            f.texts.push_back(std::move(cols[c]));
          }
        }
      }
    } else {
      // No catalogue (an install without datasets/): titles from a fixed
      // vocabulary with the same mix of scripts, widths and numbers.
      f.source = "synthetic";
      static const char* const kWords[] = {
          "【送料無料】", "ドッグフード", "いぬ",     "猫",       "ベッド",   "ＤＯＧ",
          "ｷｬｯﾄ",       "サーバー",     "京都",     "2.5kg",    "500ml",    "国産",
          "無添加",     "ふわふわ",     "クッション", "Mサイズ", "sku-123",  "ハンドドリップ",
          "珈琲",       "耐熱ガラス",   "食洗機対応", "3月発売", "１，９８０円", "ギフト"};
      Rng rng(77);
      while (f.bytes < kTarget) {
        std::string t;
        for (uint32_t i = 0, n = rng.Int(6, 14); i < n; ++i) {
          t += kWords[rng.Int(0, std::size(kWords) - 1)];
          t += rng.Chance(0.5) ? " " : "　";
        }
        f.bytes += t.size();
        f.texts.push_back(std::move(t));
      }
    }
    return f;
  }();
  return fx;
}

size_t AnalyzeAll(const AnalyzerFixture& fx, std::vector<index::Token>* tokens) {
  size_t n = 0;
  for (const std::string& t : fx.texts) {
    tokens->clear();
    fx.analyzer->AnalyzeForIndex(t, 0, tokens);
    n += tokens->size();
  }
  return n;
}

// Steady state on one thread: its ICU break iterator and dictionary memo are
// warm after the first pass, as during a long import. The catalogue's titles
// repeat words, so the memo hits often here, as it does in real catalogues.
void BM_Analyzer(benchmark::State& state) {
  const AnalyzerFixture& fx = AnalyzerInput();
  std::vector<index::Token> tokens;
  size_t ntokens = 0;
  for (auto _ : state) {
    ntokens = AnalyzeAll(fx, &tokens);
    benchmark::DoNotOptimize(tokens.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * fx.bytes));
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * ntokens),
                         benchmark::Counter::kIsRate);
  state.counters["texts"] = static_cast<double>(fx.texts.size());
  state.SetLabel(fx.source);
}
BENCHMARK(BM_Analyzer)->Unit(benchmark::kMillisecond);

// A first pass: each iteration analyzes the text on a new thread, so its
// thread_local ICU iterator, scratch buffers and memo start empty (a short
// import on a fresh worker). Wall time, since the work is on that thread.
void BM_AnalyzerFirstPass(benchmark::State& state) {
  const AnalyzerFixture& fx = AnalyzerInput();
  for (auto _ : state) {
    size_t n = 0;
    std::thread worker([&] {
      std::vector<index::Token> tokens;
      n = AnalyzeAll(fx, &tokens);
    });
    worker.join();
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * fx.bytes));
  state.SetLabel(fx.source);
}
BENCHMARK(BM_AnalyzerFirstPass)->Unit(benchmark::kMillisecond)->UseRealTime();

// ------------------------------------------------------------ re-ranking

constexpr double kDay = 86400.0;
constexpr double kNow = 1.7e9;  // a fixed "now", so click ages are fixed

// A docs table, 200 candidates of one query, a user with 200 clicks and a
// trained-looking global model: what Rerank() has in hand per request.
struct RankFixture {
  index::DocTable docs;
  std::vector<index::DocInfo> infos;
  ranker::CategoryMedians medians;
  std::vector<ranker::ClickRecord> clicks;
  ranker::UserProfile profile;
  // The user's taste profile after 200 sessions of 4 searches x 10 shown
  // products (about 4,000 values, its cap), as stored (the engine decodes it
  // per request).
  ranker::TasteProfile taste;
  std::string taste_blob;
  ranker::GlobalLinearModel global;
  Eigen::VectorXd personal;
  std::vector<index::Hit> hits;  // BM25F order, best first
  static constexpr uint32_t kClauses = 2;
  static constexpr double kGate = 0.8;
};

index::DocInfo MakeDoc(uint32_t docid, Rng& rng) {
  index::DocInfo d;
  d.docid = docid;
  d.lengths = {static_cast<uint16_t>(rng.Int(8, 40)), static_cast<uint16_t>(rng.Int(1, 3)),
               static_cast<uint16_t>(rng.Int(3, 9)), static_cast<uint16_t>(rng.Int(2, 8)),
               static_cast<uint16_t>(rng.Int(20, 120))};
  d.price = rng.Chance(0.95) ? std::round(std::exp(rng.Real(std::log(100.0), std::log(50000.0))))
                             : std::nanf("");
  char buf[32];
  std::snprintf(buf, sizeof buf, "P%07u", docid + 1);
  d.id_hash = index::StableHash(buf);
  if (rng.Chance(0.9)) {
    std::snprintf(buf, sizeof buf, "brand-%u", rng.Int(0, 59));
    d.brand = index::StableHash(buf);
  }
  // An 8 x 5 x 4 category tree; a tenth of the products stop at level 2.
  uint32_t c1 = rng.Int(0, 7), c2 = rng.Int(0, 4), c3 = rng.Int(0, 3);
  std::string path = "c" + std::to_string(c1);
  d.category[0] = index::StableHash(path);
  path += ">c" + std::to_string(c2);
  d.category[1] = index::StableHash(path);
  if (rng.Chance(0.9)) d.category[2] = index::StableHash(path + ">c" + std::to_string(c3));
  d.rating = rng.Chance(0.85) ? static_cast<float>(std::round(rng.Real(1.0, 5.0) * 10) / 10)
                              : std::nanf("");
  d.reviews = static_cast<uint32_t>(std::exp(rng.Real(0.0, 8.0)) - 1);
  // Title words: half from the category's own vocabulary, so that titles of
  // one category resemble each other as real ones do.
  std::vector<std::string> words;
  for (uint32_t i = 0, n = rng.Int(5, 10); i < n; ++i) {
    words.push_back(rng.Chance(0.5) ? "w" + std::to_string(c1 * 40 + rng.Int(0, 39))
                                    : "v" + std::to_string(rng.Int(0, 999)));
  }
  std::vector<std::string_view> views(words.begin(), words.end());
  d.signature = index::MinHashSignature(views);
  return d;
}

const RankFixture& Ranking() {
  // Built in place: a DocTable is neither copied nor moved.
  static const RankFixture& fx = *[] {
    auto* made = new RankFixture;  // lives as long as the program
    RankFixture& f = *made;
    Rng rng(20240601);
    constexpr uint32_t kDocs = 5000;
    for (uint32_t i = 0; i < kDocs; ++i) {
      f.infos.push_back(MakeDoc(i, rng));
      f.docs.Add(f.infos.back());
    }
    f.medians = ranker::ComputeCategoryMedians(f.docs);

    // 200 candidates: distinct docids, BM25F scores decreasing with noise,
    // split over the fields, and the match facts a two-term query gives.
    std::vector<uint32_t> ids(kDocs);
    std::iota(ids.begin(), ids.end(), 0u);
    for (uint32_t i = 0; i < 200; ++i) std::swap(ids[i], ids[rng.Int(i, kDocs - 1)]);
    for (uint32_t i = 0; i < 200; ++i) {
      index::Hit h{};
      h.docid = ids[i];
      h.matched_clauses = RankFixture::kClauses;
      double total = 0;
      for (int fl = 0; fl < index::kNumFields; ++fl) {
        h.field_scores[fl] = rng.Chance(fl == 0 || fl == 4 ? 0.8 : 0.3) ? rng.Real(0.5, 6.0) : 0;
        total += h.field_scores[fl];
      }
      h.bonus_score = rng.Chance(0.3) ? rng.Real(0.2, 2.0) : 0;
      h.score = total + h.bonus_score;
      h.title_clauses = h.field_scores[0] > 0 ? rng.Int(1, RankFixture::kClauses) : 0;
      h.title_phrase = h.title_clauses == RankFixture::kClauses && rng.Chance(0.5);
      h.brand_match = h.field_scores[1] > 0;
      h.category_match = h.field_scores[2] > 0;
      f.hits.push_back(h);
    }
    std::stable_sort(f.hits.begin(), f.hits.end(),
                     [](const index::Hit& a, const index::Hit& b) { return a.score > b.score; });

    // 200 clicks over the last 60 days, mostly in two favourite top-level
    // categories, with the product snapshot the engine stores.
    std::vector<uint32_t> favourite;
    for (uint32_t d = 0; d < kDocs; ++d) {
      if (f.infos[d].category[0] == index::StableHash("c2") ||
          f.infos[d].category[0] == index::StableHash("c5")) {
        favourite.push_back(d);
      }
    }
    for (int i = 0; i < 200; ++i) {
      const index::DocInfo& d = rng.Chance(0.7)
                                    ? f.infos[favourite[rng.Int(0, uint32_t(favourite.size()) - 1)]]
                                    : f.infos[rng.Int(0, kDocs - 1)];
      ranker::ClickRecord c;
      c.at = kNow - rng.Real(0, 60 * kDay);
      double k = rng.Real();
      c.kind = k < 0.8 ? 1 : k < 0.95 ? 2 : 3;
      c.id_hash = d.id_hash;
      c.brand = d.brand;
      c.category = d.category;
      c.price = d.price;
      c.signature = d.signature;
      f.clicks.push_back(c);
    }
    const engine::LearnSettings learn;
    f.profile = ranker::UserProfile(f.clicks, kNow, learn.half_life_days * kDay);
    for (int session = 0; session < 200; ++session) {
      std::vector<ranker::TasteProfile::Shown> shown;
      for (int i = 0; i < 40; ++i) {
        const index::DocInfo& d = rng.Chance(0.5)
                                      ? f.infos[favourite[rng.Int(0, uint32_t(favourite.size()) - 1)]]
                                      : f.infos[rng.Int(0, kDocs - 1)];
        shown.push_back({ranker::TasteKeysOf(d, f.medians), 1.0 / (1 + i % 10),
                         rng.Chance(0.1) ? 1.0 : 0.0});
      }
      f.taste.Update(shown, kNow - (200 - session) * kDay / 4, learn.half_life_days * kDay);
    }
    f.taste_blob = storage::EncodeTaste(f.taste);

    // The global model's normaliser as if it had seen 2000 logged rows; its
    // weights and the personal offsets random but fixed.
    f.global = ranker::GlobalLinearModel::Initial();
    ranker::FeatureMatrix x;
    for (int batch = 0; batch < 10; ++batch) {
      std::vector<index::Hit> sample;
      for (int i = 0; i < 200; ++i) {
        index::Hit h = f.hits[rng.Int(0, 199)];
        h.docid = rng.Int(0, kDocs - 1);
        sample.push_back(h);
      }
      ranker::ExtractFeatures(sample, RankFixture::kClauses, f.docs, f.medians,
                              batch % 2 ? f.profile : ranker::UserProfile(), nullptr, &x);
      f.global.ObserveRows(x.values.data(), x.rows);
    }
    f.personal = Eigen::VectorXd::Zero(ranker::kNumFeatures);
    for (int i = 0; i < ranker::kNumFeatures; ++i) {
      if (i != ranker::kBm25f) f.global.weights[i] = rng.Real(-0.3, 0.3);
      f.personal[i] = rng.Real(-0.1, 0.1);
    }
    return made;
  }();
  return fx;
}

// What DatabaseImpl::Rerank does on the CPU per request. Arg 0: anonymous
// (empty profile, no personal weights); 1: a user whose profile is already
// aggregated; 2: a user whose profile is aggregated from the 200 clicks in
// the request, as the engine does after loading them from SQLite.
void BM_Rerank200(benchmark::State& state) {
  const RankFixture& fx = Ranking();
  const int mode = static_cast<int>(state.range(0));
  const ranker::Ranker* rk = ranker::FindRanker("linear");
  if (rk == nullptr) {
    state.SkipWithError("no ranker 'linear'");
    return;
  }
  const engine::LearnSettings learn;
  const ranker::UserProfile anonymous;
  ranker::RankingContext ctx;
  ctx.global = &fx.global;
  if (mode > 0) {
    ctx.personal = fx.personal;
    ctx.gate = RankFixture::kGate;
  }
  ranker::FeatureMatrix x;  // reused across requests, like the engine's scratch
  std::vector<double> scores;
  for (auto _ : state) {
    ranker::UserProfile built;
    std::optional<ranker::TasteProfile> decoded;
    if (mode == 2) {
      built = ranker::UserProfile(fx.clicks, kNow, learn.half_life_days * kDay);
      decoded = storage::DecodeTaste(fx.taste_blob);
    }
    const ranker::UserProfile& profile = mode == 0 ? anonymous : mode == 1 ? fx.profile : built;
    const ranker::TasteProfile* taste = mode == 0 ? nullptr : mode == 1 ? &fx.taste : &*decoded;
    ranker::ExtractFeatures(fx.hits, RankFixture::kClauses, fx.docs, fx.medians, profile, taste,
                            &x);
    rk->Score(x, ctx, &scores);
    std::vector<uint32_t> order(x.rows);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return scores[a] > scores[b]; });
    benchmark::DoNotOptimize(order.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * fx.hits.size()));
  static const char* const kLabels[] = {"anonymous", "user", "user+profile"};
  state.SetLabel(kLabels[mode]);
}
BENCHMARK(BM_Rerank200)->ArgName("mode")->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

// --------------------------------------------------------------- learning

// The session being closed and the user's 5 sessions before it, of 3
// impressions each: the top 10 of a candidate list as shown, with 2 clicks
// per impression (top positions likelier, now and then a cart), the logged
// feature rows, and the logged moments (count, mean, squared deviations) of
// all 200 candidates' features, which feed the global normaliser.
struct SessionFixture {
  static constexpr int kEarlierSessions = 5;  // engine default guard_sessions
  static constexpr int kImpressionsPerSession = 3;
  static constexpr int kShown = 10;
  std::vector<ranker::LoggedImpression> current, earlier;
  double candidates = 0;
  std::vector<double> candidate_mean, candidate_m2;
  std::vector<double> propensity;
};

const SessionFixture& Sessions() {
  static const SessionFixture fx = [] {
    const RankFixture& rf = Ranking();
    const engine::LearnSettings learn;
    SessionFixture f;
    Rng rng(4242);
    const int total = (1 + SessionFixture::kEarlierSessions) * SessionFixture::kImpressionsPerSession;
    for (int i = 0; i < total; ++i) {
      std::vector<index::Hit> shown;
      std::vector<uint32_t> pick(rf.hits.size());
      std::iota(pick.begin(), pick.end(), 0u);
      for (int s = 0; s < SessionFixture::kShown; ++s) {
        std::swap(pick[s], pick[rng.Int(s, uint32_t(pick.size()) - 1)]);
      }
      std::sort(pick.begin(), pick.begin() + SessionFixture::kShown);  // BM25F order
      for (int s = 0; s < SessionFixture::kShown; ++s) shown.push_back(rf.hits[pick[s]]);
      ranker::LoggedImpression imp;
      ranker::ExtractFeatures(shown, RankFixture::kClauses, rf.docs, rf.medians, rf.profile,
                              nullptr, &imp.features);
      imp.signal.assign(SessionFixture::kShown, 0);
      for (int clicks = 0; clicks < 2;) {
        // Position ~ 1 / (k + 1), the prior examination curve.
        uint32_t p = std::min<uint32_t>(SessionFixture::kShown - 1,
                                        static_cast<uint32_t>(std::pow(11.0, rng.Real()) - 1));
        if (imp.signal[p]) continue;
        imp.signal[p] = rng.Chance(0.15) ? 2 : 1;
        ++clicks;
      }
      imp.gate = RankFixture::kGate;
      (i < SessionFixture::kImpressionsPerSession ? f.current : f.earlier).push_back(std::move(imp));
    }
    // Candidate moments as LogImpression computes them (two-pass).
    ranker::FeatureMatrix x;
    ranker::ExtractFeatures(rf.hits, RankFixture::kClauses, rf.docs, rf.medians, rf.profile, nullptr, &x);
    f.candidates = static_cast<double>(x.rows);
    for (int c = 0; c < ranker::kNumFeatures; ++c) {
      double mean = 0, m2 = 0;
      for (size_t r = 0; r < x.rows; ++r) mean += x.row(r)[c];
      mean /= f.candidates;
      for (size_t r = 0; r < x.rows; ++r) m2 += (x.row(r)[c] - mean) * (x.row(r)[c] - mean);
      f.candidate_mean.push_back(mean);
      f.candidate_m2.push_back(m2);
    }
    f.propensity = ranker::PowerLawPropensity(100, learn.propensity_eta);
    return f;
  }();
  return fx;
}

// The planner's CPU work for one session close (ranker/learning_plan.h),
// with the engine's defaults and no SQLite: the interleaving verdict, the
// user's preferences with IPS weights, the personal fit to the window
// (this session and the user's earlier ones), the replay guard over 5
// earlier sessions. No epoch: the global candidate (BM_SessionEnd's
// "epoch" variant) comes every learn.global_min_sessions closes.
void BM_PlanSessionClose(benchmark::State& state) {
  const RankFixture& rf = Ranking();
  const SessionFixture& sf = Sessions();
  auto session_log = [&](std::span<const ranker::LoggedImpression> imps) {
    ranker::SessionLog s;
    s.user = "bench";
    for (const auto& imp : imps) {
      ranker::LoggedImpression copy = imp;
      copy.candidates = sf.candidates;
      copy.candidate_mean = sf.candidate_mean;
      copy.candidate_m2 = sf.candidate_m2;
      s.impressions.push_back(std::move(copy));
    }
    return s;
  };
  const ranker::SessionLog current = session_log(sf.current);
  std::vector<ranker::SessionLog> earlier;
  for (size_t i = 0; i < sf.earlier.size(); i += SessionFixture::kImpressionsPerSession) {
    earlier.push_back(session_log(std::span<const ranker::LoggedImpression>(sf.earlier).subspan(
        i, SessionFixture::kImpressionsPerSession)));
  }
  ranker::SessionCloseInput in;
  in.session = &current;
  in.earlier = earlier;
  in.pooled = true;
  in.user_learner.learning_rate = engine::LearnSettings().lr_user;
  in.personal = ranker::PersonalLinearModel{rf.personal, rf.global.scale};
  in.global = {&rf.global, nullptr, 7};
  in.propensities = sf.propensity;
  in.propensities_estimated = true;
  size_t pairs = 0;
  for (auto _ : state) {
    ranker::SessionPlan plan = ranker::PlanSessionClose(in);
    pairs = plan.pairs;
    benchmark::DoNotOptimize(plan.personal.candidate);
  }
  state.counters["pairs"] = static_cast<double>(pairs);
  state.counters["earlier_sessions"] = static_cast<double>(earlier.size());
}
BENCHMARK(BM_PlanSessionClose)->Unit(benchmark::kMicrosecond);

// Position-bias estimation as a session close (or a pooled step) runs it
// every learn.propensity_clicks pooled clicks: Regression-EM on the last
// 5,000 pooled impressions' top 10 (50,000 rows of kNumFeatures features),
// with the planner's options (ranker/learning_plan.cc: tolerance 1e-4, one
// M-step update). The log is synthetic and fixed: theta_k = 1 / (k + 1),
// relevance sigmoid(x . w* - 1.5) with w* on six of the features, the
// features N(0, 1) as the planner's standardised ones are.
void BM_PositionBiasEstimate(benchmark::State& state) {
  constexpr int kImpressions = 5000, kPositions = 10, kFeatures = ranker::kNumFeatures;
  static const auto log = [] {
    Rng rng(0xB1A5);
    auto normal = [&rng] {
      const double u1 = std::max(rng.Real(), 1e-12), u2 = rng.Real();
      return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    };
    std::pair<std::vector<float>, std::vector<ranker::FeatureClickObservation>> l;
    const double w_true[6] = {0.9, -0.6, 0.5, 0.4, -0.3, 0.2};
    for (int i = 0; i < kImpressions; ++i) {
      for (int k = 0; k < kPositions; ++k) {
        double z = -1.5;
        for (int f = 0; f < kFeatures; ++f) {
          const double x = normal();
          l.first.push_back(static_cast<float>(x));
          if (f < 6) z += w_true[f] * x;
        }
        const double relevance = 1.0 / (1.0 + std::exp(-z));
        const uint32_t row = static_cast<uint32_t>(l.second.size());
        l.second.push_back({static_cast<uint32_t>(k), row, rng.Chance(relevance / (k + 1.0))});
      }
    }
    return l;
  }();
  ranker::PropensityOptions opt;
  opt.max_positions = kPositions;
  opt.tolerance = 1e-4;
  opt.newton_steps = 1;
  opt.curvature_bound = state.range(0) != 0;
  const ranker::PropensityFeatures features{log.first, kFeatures};
  ranker::PropensityDiagnostics diagnostics;
  std::vector<double> theta;
  for (auto _ : state) {
    auto r = ranker::EstimatePositionBiasWithFeatures(log.second, features, opt, &diagnostics);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    theta = std::move(r).value();
  }
  state.counters["em_steps"] = diagnostics.iterations;
  state.counters["theta_1"] = theta[1];
  state.counters["theta_9"] = theta[9];
}
BENCHMARK(BM_PositionBiasEstimate)->ArgName("bound")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Storing the update: both models become JSON (table `models`). Separate
// from BM_SessionUpdate so that a slow serialiser shows as what it is.
void BM_ModelToJson(benchmark::State& state) {
  const RankFixture& rf = Ranking();
  ranker::PersonalLinearModel personal{rf.personal, rf.global.scale};
  size_t bytes = 0;
  for (auto _ : state) {
    std::string g = rf.global.ToJson();
    std::string p = personal.ToJson();
    bytes = g.size() + p.size();
    benchmark::DoNotOptimize(g.data());
    benchmark::DoNotOptimize(p.data());
  }
  state.counters["json_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_ModelToJson)->Unit(benchmark::kMicrosecond);

// ------------------------------------------------------------- end to end

// A temporary database holding the first 5000 products of the catalogue,
// and a user with 200 clicks in 10 closed sessions behind them (so searches for that
// user load clicks, a personal model and the query's click entropy). Removed
// at exit.
struct EndToEndFixture {
  std::filesystem::path dir;
  std::unique_ptr<Database> db;
  std::string error;  // set when the fixture could not be built
  std::string user = "bench-user";
  int64_t user_version = 0;
  int user_clicks = 0;
  // Impressions logged so far (training included), in all and per query
  // text: personalised searches get slower as they grow (see
  // BM_EndToEndSearch), so the runs report them.
  int64_t logged = 0;
  std::map<std::string, int64_t> logged_per_query;

  ~EndToEndFixture() {
    db.reset();  // close before the files go
    if (!dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }
};

EndToEndFixture& EndToEnd() {
  static EndToEndFixture fx;
  static bool built = false;
  if (built) return fx;
  built = true;
  char tmpl[] = "/tmp/saiki_bench_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    fx.error = "mkdtemp failed";
    return fx;
  }
  fx.dir = tmpl;
  auto db = Database::Open((fx.dir / "bench.saiki").string());
  if (!db.ok()) {
    fx.error = "Open: " + db.status().ToString();
    return fx;
  }
  fx.db = std::move(db).value();
  std::ifstream in(CatalogPath());
  if (!in) {
    fx.error = "cannot read " + CatalogPath();
    return fx;
  }
  std::string csv, line;
  for (int n = 0; n <= 5000 && std::getline(in, line); ++n) csv += line + "\n";  // header + 5000
  std::istringstream stream(csv);
  auto report = fx.db->ImportCsv(stream, "catalog.csv", ImportOptions());
  if (!report.ok() || report->inserted == 0) {
    fx.error = "import: " + (report.ok() ? std::string("no rows") : report.status().ToString());
    return fx;
  }
  // A history like the re-ranking fixture's user: 10 sessions of 10
  // searches with 2 clicks each (200 clicks), each session closed and
  // learned from, so that the user's searches below aggregate 200 clicks
  // and load a personal model.
  const char* const kTraining[] = {"犬 おやつ", "猫 ベッド", "ドッグフード", "キャットフード",
                                   "首輪",      "ケージ",    "猫砂",         "ペット ベッド",
                                   "おもちゃ",  "ハーネス"};
  int clicks = 0;
  for (int session = 0; session < 10; ++session) {
    for (int i = 0; i < 10; ++i) {
      SearchRequest req;
      req.query = kTraining[(session + i) % std::size(kTraining)];
      req.user = fx.user;
      auto res = fx.db->Search(req);
      if (!res.ok() || !res->query_id) {
        fx.error = "training search '" + req.query + "' failed";
        return fx;
      }
      ++fx.logged;
      ++fx.logged_per_query[req.query];
      for (size_t pos : {size_t(session % 3), size_t(3 + i % 5)}) {
        if (pos >= res->hits.size()) continue;
        Status s = fx.db->RecordClick(*res->query_id, res->hits[pos].id);
        if (!s.ok()) {
          fx.error = "RecordClick: " + s.ToString();
          return fx;
        }
        ++clicks;
      }
    }
    auto ended = fx.db->EndSession(fx.user);
    if (!ended.ok()) {
      fx.error = "EndSession: " + ended.status().ToString();
      return fx;
    }
    if (*ended) fx.user_version = (*ended)->user_version;
  }
  fx.user_clicks = clicks;
  return fx;
}

// The query mix: a one-character term, two terms, a long katakana word, a
// number with a unit, a quoted phrase, and a brand filter with a term.
const char* const kQueries[] = {"犬", "猫 ベッド", "ドッグフード", "2.5kg", "\"京都\"",
                                "猫 brand:にくきゅう堂"};
constexpr int kNumQueries = static_cast<int>(std::size(kQueries));

// Args: query (0..5, or 6 = the whole mix in turn), user (0 anonymous: BM25F
// retrieval of 200 candidates, re-ranked by the global model; 1 for the
// trained user: also loads the user's clicks, personal model and query gate,
// and logs the impression to SQLite in a write transaction).
//
// Every personalised search logs an impression, and the database keeps
// them: the query gate's click-entropy query (DatabaseImpl::QueryGate) walks
// every impression ever logged for the query text, so the latency of
// user:1 grows with the history (counter same_query_impressions). Those runs
// therefore do a fixed number of iterations, so that the history each one
// sees does not depend on how fast the machine is; repetitions show the
// growth.
void BM_EndToEndSearch(benchmark::State& state) {
  EndToEndFixture& fx = EndToEnd();
  if (!fx.error.empty()) {
    state.SkipWithError(fx.error.c_str());
    return;
  }
  const int q = static_cast<int>(state.range(0));
  const bool with_user = state.range(1) != 0;
  SearchRequest req;
  if (with_user) req.user = fx.user;
  int next = 0;
  uint64_t total = 0;
  const int64_t logged_before = fx.logged;
  const int64_t same_query_before = q < kNumQueries ? fx.logged_per_query[kQueries[q]] : 0;
  for (auto _ : state) {
    req.query = kQueries[q < kNumQueries ? q : next];
    next = (next + 1) % kNumQueries;
    auto res = fx.db->Search(req);
    if (!res.ok()) {
      state.SkipWithError(res.status().ToString().c_str());
      return;
    }
    if (with_user) {
      ++fx.logged;
      ++fx.logged_per_query[req.query];
    }
    total = res->total;
    benchmark::DoNotOptimize(res->hits.data());
  }
  if (with_user) {
    state.counters["logged_impressions"] = static_cast<double>(logged_before);
    if (q < kNumQueries) {
      state.counters["same_query_impressions"] = static_cast<double>(same_query_before);
    }
  }
  std::string label = q < kNumQueries ? kQueries[q] : "mix";
  if (with_user) {
    label += " (user v" + std::to_string(fx.user_version) + ", " +
             std::to_string(fx.user_clicks) + " clicks)";
  }
  state.SetLabel(label);
  if (q < kNumQueries) state.counters["matches"] = static_cast<double>(total);
}
BENCHMARK(BM_EndToEndSearch)
    ->ArgNames({"query", "user"})
    ->ArgsProduct({{0, 1, 2, 3, 4, 5, 6}, {0}})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_EndToEndSearch)
    ->ArgNames({"query", "user"})
    ->ArgsProduct({{0, 1, 2, 3, 4, 5, 6}, {1}})
    ->Iterations(300)
    ->Unit(benchmark::kMicrosecond);

// ------------------------------------------------------------- learning

// A database of the bundled catalogue with 10,000 closed sessions logged:
// 500 users x 20 sessions of 3 searches, each click rule deterministic (the
// result at a hashed position, now and then a second; a purchase now and
// then), a simulated clock an hour between sessions. Built once through the
// public API (about two minutes) and kept beside the benchmark binary as
// session_end_10k.saiki (delete it to rebuild); each benchmark works on a
// copy.
constexpr int kLogUsers = 500, kLogSessionsPerUser = 20;
const char* const kLogQueries[] = {"犬",       "猫",     "ドッグフード", "ベッド",
                                   "おもちゃ", "首輪",   "マグカップ",   "コーヒー",
                                   "スニーカー", "ノート", "タオル",     "バッグ"};

struct LoggedShop {
  std::string path;   // the built file
  std::string error;
  double clock = 1.8e9;  // after the last session
};

std::unique_ptr<Database> OpenAt(const std::string& path, double* clock) {
  OpenOptions o;
  o.clock = [clock] { return *clock; };
  auto db = Database::Open(path, o);
  if (!db.ok()) Die("open " + path + ": " + db.status().ToString());
  return std::move(db).value();
}

// One session of `user` at `*clock` through the API (left open unless `end`).
Status LogSession(Database* db, const std::string& user, uint64_t n, double* clock, bool end) {
  for (int q = 0; q < 3; ++q) {
    SearchRequest req;
    req.query = kLogQueries[(n * 7 + q * 5 + std::hash<std::string>()(user)) % 12];
    req.user = user;
    auto r = db->Search(req);
    if (!r.ok()) return r.status();
    *clock += 20;
    if (r->hits.empty()) continue;
    const uint64_t h = (n * 0x9e3779b97f4a7c15ull) ^ std::hash<std::string>()(user + req.query);
    const size_t pos = std::min<size_t>(r->hits.size() - 1, (h % 7) * (h % 3) / 2);
    SAIKI_RETURN_IF_ERROR(db->RecordClick(*r->query_id, r->hits[pos].id));
    *clock += 10;
    if (h % 5 == 0 && pos + 2 < r->hits.size()) {
      SAIKI_RETURN_IF_ERROR(db->RecordClick(*r->query_id, r->hits[pos + 2].id));
      *clock += 10;
    }
    if (h % 11 == 0) {
      SAIKI_RETURN_IF_ERROR(db->RecordClick(*r->query_id, r->hits[pos].id, ClickKind::kPurchase));
    }
    *clock += 60;
  }
  if (!end) return Status::Ok();
  auto e = db->EndSession(user);
  return e.status();
}

// `apart`: the same sessions with learn.pooled_at apart and a pooled step
// (Database::LearnPooled) after each close, kept as
// session_end_10k_apart.saiki: its journal holds the steps a forget replays.
LoggedShop& Logged(bool apart = false) {
  static LoggedShop shops[2];
  static bool built[2] = {false, false};
  LoggedShop& s = shops[apart];
  if (built[apart]) return s;
  built[apart] = true;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  s.path = (ec ? std::filesystem::path(".") : exe.parent_path()).string() +
           (apart ? "/session_end_10k_apart.saiki" : "/session_end_10k.saiki");
  s.clock = 1.8e9 + 3600.0 * kLogUsers * kLogSessionsPerUser;
  if (std::filesystem::exists(s.path)) return s;
  const std::string building = s.path + ".building";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(building + suffix, ec);
  std::fprintf(stderr, "saiki_bench: building %s (10,000 sessions, once)\n", s.path.c_str());
  double clock = 1.8e9;
  {
    auto db = OpenAt(building, &clock);
    auto imported = db->ImportCsv(CatalogPath(), ImportOptions());
    if (!imported.ok()) Die("import: " + imported.status().ToString());
    if (apart && !db->SetSetting("learn.pooled_at", "apart").ok()) Die("setting learn.pooled_at");
    uint64_t n = 0;
    for (int round = 0; round < kLogSessionsPerUser; ++round) {
      for (int u = 0; u < kLogUsers; ++u, ++n) {
        clock = 1.8e9 + 3600.0 * static_cast<double>(n);
        Status st = LogSession(db.get(), "user" + std::to_string(u), n, &clock, true);
        if (!st.ok()) Die("logging: " + st.ToString());
        if (apart) {
          auto step = db->LearnPooled();
          if (!step.ok()) Die("pooled step: " + step.status().ToString());
        }
      }
    }
  }
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(building + suffix, ec);
  std::filesystem::rename(building, s.path, ec);
  if (ec) Die("rename: " + ec.message());
  return s;
}

std::string CopyOfLogged(const std::string& name, bool apart = false) {
  const LoggedShop& shop = Logged(apart);
  const std::string copy = std::filesystem::path(shop.path).parent_path().string() + "/" + name;
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(copy + suffix, ec);
  std::filesystem::copy_file(shop.path, copy, ec);
  if (ec) Die("copy: " + ec.message());
  return copy;
}

// Database::EndSession of a user with a history, in a file with 10,000
// logged sessions: the session's searches and clicks are logged outside the
// timed part, the close (gather from the stores, plan, apply, commit, install
// the models part) inside. Arg 0: the defaults (an epoch, with a global
// candidate, every 50 pooled sessions: the median is a close without one);
// arg 1: every close completes an epoch (learn.global_min_sessions 1,
// learn.global_min_users 1): the cost of a global candidate on a window of
// learn.global_window pooled sessions; arg 2: the defaults with
// learn.pooled_at apart (the close runs the user's update only) and a
// pooled step after each close, outside the timed part (BM_PooledStep
// times it). One close per repetition: run with
// --benchmark_repetitions=200 for the median (bench/run_micro.sh does).
std::unique_ptr<Database> SessionEndShop(int variant, double* clock) {
  static const char* kNames[] = {"session_end.saiki", "session_end_epoch.saiki",
                                 "session_end_apart.saiki", "pooled_step.saiki"};
  *clock = Logged().clock;
  auto db = OpenAt(CopyOfLogged(kNames[variant]), clock);
  std::vector<std::pair<const char*, const char*>> settings;
  if (variant == 1) settings = {{"learn.global_min_sessions", "1"}, {"learn.global_min_users", "1"}};
  if (variant >= 2) settings = {{"learn.pooled_at", "apart"}};
  for (auto [k, v] : settings) {
    if (!db->SetSetting(k, v).ok()) Die(std::string("setting ") + k);
  }
  return db;
}

void BM_SessionEnd(benchmark::State& state) {
  static std::unique_ptr<Database> db[3];
  static double clock[3];
  static uint64_t n[3];
  const int epoch = static_cast<int>(state.range(0));
  if (!db[epoch]) db[epoch] = SessionEndShop(epoch, &clock[epoch]);
  std::string candidate;
  for (auto _ : state) {
    state.PauseTiming();
    const uint64_t i = n[epoch]++;
    const std::string user = "user" + std::to_string((i * 37) % kLogUsers);
    clock[epoch] += 3600;
    Status logged = LogSession(db[epoch].get(), user, 100000 + i, &clock[epoch], false);
    if (!logged.ok()) {
      state.SkipWithError(logged.ToString().c_str());
      return;
    }
    state.ResumeTiming();
    auto r = db[epoch]->EndSession(user);
    if (!r.ok() || !r->has_value()) {
      state.SkipWithError(r.ok() ? "no open session" : r.status().ToString().c_str());
      return;
    }
    candidate = UpdateOutcomeName((*r)->global.outcome);
    if (epoch == 2) {
      // The pooled step, as a server's timer or the app would run it
      // (BM_PooledStep times it).
      state.PauseTiming();
      auto step = db[epoch]->LearnPooled();
      if (!step.ok()) {
        state.SkipWithError(step.status().ToString().c_str());
        return;
      }
      state.ResumeTiming();
    }
  }
  static const char* kLabels[] = {"defaults", "every close an epoch", "pooled learners apart"};
  state.SetLabel(std::string(kLabels[epoch]) + ", last global: " + candidate);
}

// Database::LearnPooled after each close, with learn.pooled_at apart and
// the other defaults, in the same 10,000-session file: the session's
// searches, clicks and close are outside the timed part, the pooled step
// inside. Most steps find nothing due; one in about 50 completes an epoch,
// and one in about 20 re-estimates position bias.
void BM_PooledStep(benchmark::State& state) {
  static double clock;
  static std::unique_ptr<Database> db = SessionEndShop(3, &clock);
  static uint64_t n = 0;
  std::string what;
  for (auto _ : state) {
    state.PauseTiming();
    const uint64_t i = n++;
    const std::string user = "user" + std::to_string((i * 37) % kLogUsers);
    clock += 3600;
    Status logged = LogSession(db.get(), user, 100000 + i, &clock, true);
    if (!logged.ok()) {
      state.SkipWithError(logged.ToString().c_str());
      return;
    }
    state.ResumeTiming();
    auto r = db->LearnPooled();
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    what = std::string(r->epoch ? "epoch" : "no epoch") +
           (r->propensities_estimated ? ", estimate" : "");
  }
  state.SetLabel("last step: " + what);
}
double Max(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
double P90(const std::vector<double>& v) {
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  return s[std::min(s.size() - 1, s.size() * 9 / 10)];
}
BENCHMARK(BM_SessionEnd)
    ->ArgName("epoch")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->ComputeStatistics("p90", P90)
    ->ComputeStatistics("max", Max)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PooledStep)
    ->Iterations(1)
    ->ComputeStatistics("p90", P90)
    ->ComputeStatistics("max", Max)
    ->Unit(benchmark::kMillisecond);

// ForgetUser of a user whose first session is among the first 500 of the
// 10,000 (every user shops in every round): the replay re-derives
// everything learned from all the other users' 9,980 sessions after it, the
// worst case of a long-time customer. On a fresh copy each repetition.
// Arg 1: the file of the same sessions logged with learn.pooled_at apart,
// where the replay also re-runs the journaled pooled steps.
void BM_ForgetUser(benchmark::State& state) {
  const bool apart = state.range(0) != 0;
  uint64_t replayed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    double clock = Logged(apart).clock;
    auto db = OpenAt(CopyOfLogged("forget.saiki", apart), &clock);
    state.ResumeTiming();
    auto r = db->ForgetUser("user250");
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    replayed = r->entries_replayed;
  }
  state.counters["entries_replayed"] = static_cast<double>(replayed);
  state.counters["seconds_per_entry"] = benchmark::Counter(
      static_cast<double>(replayed), benchmark::Counter::kIsIterationInvariantRate |
                                         benchmark::Counter::kInvert);
}
BENCHMARK(BM_ForgetUser)
    ->ArgName("apart")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
