// Facet counting at scale (README "Facets"): building the dense facet
// columns from a docs table, and counting a match set of 10k to 1M
// documents into brand, category and price-range counters. A synthetic
// docs table (skewed brands and categories, prices over the 1-2-5 ranges),
// so that 1M documents cost no import. Run it with bench/run_micro.sh's
// build: build-bench/bench/facets_bench.
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "index/doc_table.h"
#include "index/facets.h"

namespace saiki {
namespace {

// `n` live documents: 5,000 brands and 800 three-level categories drawn
// with a skew (the first values are the common ones, as in a shop), prices
// log-uniform from 100 to 100,000, one in 20 without a price.
const index::DocTable& Docs(uint32_t n) {
  static std::unique_ptr<index::DocTable> docs;
  static uint32_t built = 0;
  if (built != n) {
    docs = std::make_unique<index::DocTable>();
    docs->Reserve(n + 1);
    std::mt19937 rng(42);
    std::uniform_real_distribution<double> u(0, 1);
    for (uint32_t d = 1; d <= n; ++d) {
      index::DocInfo info;
      info.docid = d;
      info.brand = 1 + static_cast<uint32_t>(5000 * u(rng) * u(rng));
      uint32_t leaf = static_cast<uint32_t>(800 * u(rng) * u(rng));
      info.category = {1000000 + leaf / 80, 2000000 + leaf / 8, 3000000 + leaf};
      info.price = d % 20 == 0 ? std::nanf("") : static_cast<float>(100 * std::pow(1000, u(rng)));
      docs->Add(info);
    }
    built = n;
  }
  return *docs;
}

void BM_FacetColumnsBuild(benchmark::State& state) {
  const index::DocTable& docs = Docs(static_cast<uint32_t>(state.range(0)));
  for (auto _ : state) {
    index::FacetColumns c = index::FacetColumns::Build(docs);
    benchmark::DoNotOptimize(c.brand.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FacetColumnsBuild)->ArgName("docs")->Arg(1000000)->Unit(benchmark::kMillisecond);

// Brand, category and price facets (limit 10) of a match set of
// range(1) documents spread over a docs table of range(0).
void BM_FacetCount(benchmark::State& state) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  const index::DocTable& docs = Docs(n);
  static index::FacetColumns columns;
  static uint32_t columns_for = 0;
  if (columns_for != n) {
    columns = index::FacetColumns::Build(docs);
    columns_for = n;
  }
  const uint32_t matches_wanted = static_cast<uint32_t>(state.range(1));
  std::vector<uint32_t> matches;
  const uint32_t stride = n / matches_wanted;
  for (uint32_t d = 1; d <= n && matches.size() < matches_wanted; d += stride) matches.push_back(d);
  for (auto _ : state) {
    uint64_t missing = 0;
    auto brands = index::TopValues(matches, columns.brand, columns.brand_doc.size(), 10, &missing);
    auto categories =
        index::TopValues(matches, columns.category, columns.category_doc.size(), 10, &missing);
    auto prices = index::PriceRangeCounts(matches, columns.price_range, &missing);
    benchmark::DoNotOptimize(brands.data());
    benchmark::DoNotOptimize(categories.data());
    benchmark::DoNotOptimize(prices.data());
  }
  state.SetItemsProcessed(state.iterations() * matches.size());
}
BENCHMARK(BM_FacetCount)
    ->ArgNames({"docs", "matches"})
    ->Args({1000000, 1000000})
    ->Args({1000000, 100000})
    ->Args({1000000, 10000})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace saiki

BENCHMARK_MAIN();
