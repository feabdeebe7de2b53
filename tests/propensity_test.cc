// Tests of position-bias estimation (ranker/propensity.h). Clicks are
// simulated from a position-based model with a known examination curve and
// known relevances, where the simulated ranker puts relevant items higher, so
// raw click-through rates by rank are confounded and only a real correction
// recovers the truth. Every simulation uses a fixed-seed std::mt19937_64 and
// reports the seed on failure. The [shared] test runs the per-item EM on the
// Yandex WSCD 2012 sample in shared/ when it is present.
#include "ranker/propensity.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

namespace saiki::ranker {
namespace {

constexpr int kPositions = 10;
constexpr int kNumFeatures = 4;

std::vector<double> TrueTheta() { return PowerLawPropensity(kPositions, 0.8); }

// A click log simulated from the PBM: `queries` queries with `items_per_query`
// candidates each; a candidate's relevance is sigmoid(w* . x + b*) of its
// features x ~ N(0, 1). Each impression picks a query, ranks its candidates by
// w* . x plus N(0, 1) noise (a decent but imperfect ranker, so relevant items
// sit higher and items still move between ranks), shows the top `shown`, and
// clicks rank k with probability theta[k] * relevance.
struct SimulatedLog {
  std::vector<ClickObservation> clicks;
  std::vector<FeatureClickObservation> feature_clicks;
  std::vector<float> features;  // row-major, one row per (query, item)
};

SimulatedLog SimulatePbm(uint64_t seed, const std::vector<double>& theta, int impressions,
                         int queries = 300, int items_per_query = 20) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const double w[kNumFeatures] = {1.2, -0.8, 0.5, 0.0};
  const double bias = -1.0;
  const int rows = queries * items_per_query;
  SimulatedLog log;
  log.features.resize(static_cast<size_t>(rows) * kNumFeatures);
  std::vector<double> score(rows), relevance(rows);
  for (int r = 0; r < rows; ++r) {
    double z = 0;
    for (int j = 0; j < kNumFeatures; ++j) {
      const float x = static_cast<float>(normal(rng));
      log.features[static_cast<size_t>(r) * kNumFeatures + j] = x;
      z += w[j] * x;
    }
    score[r] = z;
    relevance[r] = 1.0 / (1.0 + std::exp(-(z + bias)));
  }
  const int shown = static_cast<int>(theta.size());
  std::vector<std::pair<double, int>> ranking(items_per_query);
  log.clicks.reserve(static_cast<size_t>(impressions) * shown);
  log.feature_clicks.reserve(static_cast<size_t>(impressions) * shown);
  for (int i = 0; i < impressions; ++i) {
    const int q = static_cast<int>(rng() % queries);
    for (int j = 0; j < items_per_query; ++j) {
      const int r = q * items_per_query + j;
      ranking[j] = {-(score[r] + normal(rng)), r};
    }
    std::sort(ranking.begin(), ranking.end());
    for (int k = 0; k < shown; ++k) {
      const int r = ranking[k].second;
      const bool clicked = uniform(rng) < theta[k] * relevance[r];
      // Any injective key will do; the multiplier spreads it like a hash.
      log.clicks.push_back({static_cast<uint32_t>(k), 0x9E3779B97F4A7C15ULL * (r + 1), clicked});
      log.feature_clicks.push_back({static_cast<uint32_t>(k), static_cast<uint32_t>(r), clicked});
    }
  }
  return log;
}

std::string Table(const std::vector<double>& truth, const std::vector<double>& estimate) {
  std::ostringstream out;
  out.precision(3);
  out << std::fixed << "rank  truth  estimate\n";
  for (size_t k = 0; k < truth.size(); ++k) {
    out << k << "     " << truth[k] << "  " << (k < estimate.size() ? estimate[k] : NAN) << "\n";
  }
  return out.str();
}

void CheckClose(const std::vector<double>& truth, const std::vector<double>& estimate,
                double tolerance) {
  INFO(Table(truth, estimate));
  REQUIRE(estimate.size() == truth.size());
  for (size_t k = 0; k < truth.size(); ++k) {
    INFO("rank " << k);
    CHECK(std::abs(estimate[k] - truth[k]) <= tolerance);
  }
}

// Click-through rate by rank relative to rank 0: the naive, biased estimate.
std::vector<double> NaiveCtrRatio(const std::vector<ClickObservation>& log, int n) {
  std::vector<double> shown(n, 0), clicked(n, 0);
  for (const ClickObservation& o : log) {
    shown[o.position] += 1;
    clicked[o.position] += o.clicked;
  }
  std::vector<double> ratio(n);
  for (int k = 0; k < n; ++k) ratio[k] = (clicked[k] / shown[k]) / (clicked[0] / shown[0]);
  return ratio;
}

TEST_CASE("PowerLawPropensity is 1/(k+1)^eta and tolerates degenerate arguments",
          "[propensity]") {
  const std::vector<double> theta = PowerLawPropensity(4, 1.0);
  REQUIRE(theta.size() == 4);
  CHECK(theta[0] == 1.0);
  CHECK(theta[1] == Approx(0.5));
  CHECK(theta[3] == Approx(0.25));
  CHECK(PowerLawPropensity(3, 0.5)[2] == Approx(1.0 / std::sqrt(3.0)));
  CHECK(PowerLawPropensity(0, 1.0).empty());
  CHECK(PowerLawPropensity(-2, 1.0).empty());
  CHECK(PowerLawPropensity(3, -1.0) == std::vector<double>{1.0, 1.0, 1.0});
  CHECK(PowerLawPropensity(2, std::nan("")) == std::vector<double>{1.0, 1.0});
}

TEST_CASE("Per-item EM recovers a known examination curve that raw click rates get wrong",
          "[propensity]") {
  const uint64_t seed = 20240611;
  INFO("seed " << seed);
  const std::vector<double> truth = TrueTheta();
  const SimulatedLog log = SimulatePbm(seed, truth, 15000);  // 150k observations

  // The simulated ranker confounds position with relevance: raw CTR ratios
  // are far from theta, so the check below cannot pass by accident.
  const std::vector<double> naive = NaiveCtrRatio(log.clicks, kPositions);
  INFO("naive CTR ratios:\n" << Table(truth, naive));
  CHECK(std::abs(naive[9] - truth[9]) > 0.05);

  PropensityDiagnostics diag;
  auto theta = EstimatePositionBias(log.clicks, PropensityOptions{}, &diag);
  INFO(theta.status().ToString());
  REQUIRE(theta.ok());
  INFO("EM iterations " << diag.iterations);
  CHECK(diag.converged);
  CHECK((*theta)[0] == 1.0);
  CheckClose(truth, *theta, 0.05);
  CHECK(diag.observations_per_position[3] == 15000);
  CHECK(std::count(diag.extrapolated.begin(), diag.extrapolated.end(), true) == 0);

  // Same log, same bits: nothing in the estimate depends on chance or order
  // of evaluation.
  auto again = EstimatePositionBias(log.clicks, PropensityOptions{});
  REQUIRE(again.ok());
  CHECK(*again == *theta);
}

TEST_CASE("Regression-EM recovers a known examination curve from item features",
          "[propensity]") {
  const uint64_t seed = 77;
  INFO("seed " << seed);
  const std::vector<double> truth = TrueTheta();
  // Many queries seen rarely each: per-item parameters would be noisy, the
  // regression shares strength through the features.
  const SimulatedLog log = SimulatePbm(seed, truth, 15000, /*queries=*/3000);
  const PropensityFeatures features{log.features, kNumFeatures};

  PropensityDiagnostics diag;
  auto theta = EstimatePositionBiasWithFeatures(log.feature_clicks, features,
                                                PropensityOptions{}, &diag);
  INFO(theta.status().ToString());
  REQUIRE(theta.ok());
  INFO("EM iterations " << diag.iterations);
  CHECK(diag.converged);
  CHECK((*theta)[0] == 1.0);
  CheckClose(truth, *theta, 0.05);

  auto again = EstimatePositionBiasWithFeatures(log.feature_clicks, features, PropensityOptions{});
  REQUIRE(again.ok());
  CHECK(*again == *theta);

  // Why the regression exists: with ~2.5 impressions per item, per-item
  // relevance parameters overfit and drag theta far off (0.74 for 0.57 at
  // rank 1 with this seed).
  PropensityOptions quick;
  quick.iterations = 60;  // the bias is there long before convergence
  auto per_item = EstimatePositionBias(log.clicks, quick);
  REQUIRE(per_item.ok());
  INFO("per-item EM on the same log:\n" << Table(truth, *per_item));
  CHECK((*per_item)[1] - truth[1] > 0.1);
}

// The M-step's update with the fixed curvature bound is a different path to
// the same fixed point: the maximum likelihood estimate.
TEST_CASE("Regression-EM with the curvature bound reaches the Newton estimate",
          "[propensity]") {
  const std::vector<double> truth = TrueTheta();
  const SimulatedLog log = SimulatePbm(77, truth, 15000, /*queries=*/3000);
  const PropensityFeatures features{log.features, kNumFeatures};
  for (const double tolerance : {1e-6, 1e-4}) {
    PropensityOptions newton, bound;
    newton.tolerance = bound.tolerance = tolerance;
    bound.curvature_bound = true;
    PropensityDiagnostics newton_diag, bound_diag;
    auto a = EstimatePositionBiasWithFeatures(log.feature_clicks, features, newton, &newton_diag);
    auto b = EstimatePositionBiasWithFeatures(log.feature_clicks, features, bound, &bound_diag);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    INFO("tolerance " << tolerance << ", EM steps " << newton_diag.iterations << " and "
                      << bound_diag.iterations << "\n"
                      << Table(*a, *b));
    CHECK(bound_diag.converged);
    CheckClose(*a, *b, tolerance < 1e-5 ? 1e-3 : 5e-3);
    CheckClose(truth, *b, 0.05);
  }
}

TEST_CASE("A hand-written examination curve is recovered, including a steep drop", "[propensity]") {
  const uint64_t seed = 5;
  INFO("seed " << seed);
  const std::vector<double> truth = {1.0, 0.9, 0.55, 0.5, 0.2, 0.18};
  const SimulatedLog log = SimulatePbm(seed, truth, 20000, /*queries=*/300, /*items=*/12);
  PropensityOptions options;
  options.max_positions = 6;
  auto theta = EstimatePositionBias(log.clicks, options);
  REQUIRE(theta.ok());
  CheckClose(truth, *theta, 0.05);
}

TEST_CASE("EM estimates are clamped to [min_propensity, 1]", "[propensity]") {
  const uint64_t seed = 11;
  INFO("seed " << seed);
  // Rank 1 is examined as often as rank 0, so sampling noise pushes its
  // estimate either way around 1; rank 3 is never examined (0, clamped to
  // min_propensity).
  const std::vector<double> truth = {1.0, 1.0, 0.5, 0.0};
  const SimulatedLog log = SimulatePbm(seed, truth, 20000, /*queries=*/200, /*items=*/8);
  PropensityOptions options;
  options.max_positions = 4;

  SECTION("default min_propensity 0.01") {
    auto theta = EstimatePositionBias(log.clicks, options);
    REQUIRE(theta.ok());
    INFO(Table(truth, *theta));
    CHECK((*theta)[0] == 1.0);
    CHECK((*theta)[1] <= 1.0);
    CHECK((*theta)[1] >= 0.95);
    CHECK(std::abs((*theta)[2] - 0.5) <= 0.05);
    CHECK((*theta)[3] == 0.01);
  }
  SECTION("a larger min_propensity bounds inverse-propensity weights at 1/0.2") {
    options.min_propensity = 0.2;
    auto theta = EstimatePositionBias(log.clicks, options);
    REQUIRE(theta.ok());
    CHECK((*theta)[3] == 0.2);
    for (double t : *theta) CHECK((t >= 0.2 && t <= 1.0));
  }
}

TEST_CASE("Ranks with too few observations fall back to a monotone power-law extrapolation",
          "[propensity]") {
  const uint64_t seed = 424242;
  INFO("seed " << seed);
  const std::vector<double> truth = TrueTheta();
  SimulatedLog log = SimulatePbm(seed, truth, 15000);
  // Keep only 20 impressions at each of ranks 7, 8, 9: below the default
  // min_observations_per_position of 30.
  std::vector<ClickObservation> sparse;
  int kept[kPositions] = {};
  for (const ClickObservation& o : log.clicks) {
    if (o.position >= 7 && kept[o.position] >= 20) continue;
    ++kept[o.position];
    sparse.push_back(o);
  }
  PropensityDiagnostics diag;
  auto theta = EstimatePositionBias(sparse, PropensityOptions{}, &diag);
  REQUIRE(theta.ok());
  INFO(Table(truth, *theta) << "fitted eta " << diag.fitted_eta);
  CHECK(diag.observations_per_position[8] == 20);
  for (int k = 0; k < kPositions; ++k) {
    INFO("rank " << k);
    CHECK(diag.extrapolated[k] == (k >= 7));
  }
  // Ranks 1-6 recover theta = (k+1)^-0.8, so the fitted exponent is close to
  // 0.8 and the extrapolated tail follows the fitted curve exactly.
  CHECK(std::abs(diag.fitted_eta - 0.8) <= 0.05);
  for (int k = 7; k < kPositions; ++k) {
    INFO("rank " << k);
    CHECK((*theta)[k] == Approx(std::pow(k + 1.0, -diag.fitted_eta)));
    CHECK((*theta)[k] <= (*theta)[k - 1]);
  }
  CheckClose(truth, *theta, 0.05);

  SECTION("with only rank 0 reliable, the curve is the prior") {
    PropensityOptions options;
    options.min_observations_per_position = 16000;  // rank 0 has 15000 + 20
    std::vector<ClickObservation> top_heavy = sparse;
    for (int i = 0; i < 1000; ++i) top_heavy.push_back({0, 0x1234ULL + i, i % 3 == 0});
    options.prior_eta = 1.0;
    PropensityDiagnostics d2;
    auto prior = EstimatePositionBias(top_heavy, options, &d2);
    REQUIRE(prior.ok());
    CHECK(d2.fitted_eta == 1.0);
    CHECK((*prior)[4] == Approx(0.2));
    CHECK((*prior)[9] == Approx(0.1));
  }
}

TEST_CASE("An extrapolated rank is never above the reliable rank before it", "[propensity]") {
  const uint64_t seed = 8;
  INFO("seed " << seed);
  // A steep drop at rank 3 makes the fitted power law (eta ~ 1.2) give
  // 5^-1.2 ~ 0.15 at rank 4, above theta_3 = 0.1; the fallback caps it.
  const std::vector<double> truth = {1.0, 0.6, 0.5, 0.1, 0.1, 0.1};
  const SimulatedLog log = SimulatePbm(seed, truth, 20000, /*queries=*/300, /*items=*/12);
  std::vector<ClickObservation> sparse;
  for (const ClickObservation& o : log.clicks) {
    if (o.position < 4 || o.item_key % 1000 == 0) sparse.push_back(o);
  }
  PropensityOptions options;
  options.max_positions = 6;
  PropensityDiagnostics diag;
  auto theta = EstimatePositionBias(sparse, options, &diag);
  REQUIRE(theta.ok());
  INFO(Table(truth, *theta) << "fitted eta " << diag.fitted_eta);
  CHECK(diag.extrapolated == std::vector<bool>{false, false, false, false, true, true});
  CHECK(std::pow(5.0, -diag.fitted_eta) > (*theta)[3] + 0.02);
  CHECK((*theta)[4] == (*theta)[3]);
  CHECK((*theta)[5] == (*theta)[3]);
  CheckClose(truth, *theta, 0.05);
}

// Simulates the adjacent-swap experiment: each impression is assigned a
// random pair (k, k+1); the ranker's item at k is more relevant than the one
// at k+1 (so raw CTRs are confounded), and with probability `swap_p` the two
// are shown swapped. Clicks follow the PBM with `theta`.
std::vector<SwapObservation> SimulateSwaps(uint64_t seed, const std::vector<double>& theta,
                                           int impressions, double swap_p,
                                           int last_pair = -1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  const int pairs = last_pair >= 0 ? last_pair + 1 : static_cast<int>(theta.size()) - 1;
  std::vector<SwapObservation> out;
  out.reserve(impressions);
  for (int i = 0; i < impressions; ++i) {
    const int k = static_cast<int>(rng() % pairs);
    // Relevance of the two items the ranker placed, varying by query.
    const double upper_item = 0.3 + 0.6 * uniform(rng);
    const double lower_item = upper_item * (0.3 + 0.5 * uniform(rng));
    const bool swapped = uniform(rng) < swap_p;
    const double at_upper = swapped ? lower_item : upper_item;
    const double at_lower = swapped ? upper_item : lower_item;
    const bool click_upper = uniform(rng) < theta[k] * at_upper;
    const bool click_lower = uniform(rng) < theta[k + 1] * at_lower;
    out.push_back({static_cast<uint32_t>(k), swapped, click_upper, click_lower});
  }
  return out;
}

TEST_CASE("Randomized adjacent swaps recover examination ratios for any swap probability",
          "[propensity]") {
  const uint64_t seed = 31337;
  INFO("seed " << seed);
  const std::vector<double> truth = TrueTheta();
  const double swap_p = GENERATE(0.5, 0.2);
  INFO("swap probability " << swap_p);
  const std::vector<SwapObservation> log = SimulateSwaps(seed, truth, 180000, swap_p);

  PropensityDiagnostics diag;
  auto theta = EstimateFromSwaps(log, PropensityOptions{}, &diag);
  INFO(theta.status().ToString());
  REQUIRE(theta.ok());
  CHECK((*theta)[0] == 1.0);
  CheckClose(truth, *theta, 0.05);
  for (int k = 0; k + 1 < kPositions; ++k) {
    INFO("ratio theta" << k + 1 << "/theta" << k);
    CHECK(std::abs((*theta)[k + 1] / (*theta)[k] - truth[k + 1] / truth[k]) <= 0.08);
  }
  CHECK(std::count(diag.extrapolated.begin(), diag.extrapolated.end(), true) == 0);
  CHECK(diag.observations_per_position[9] == 0);

  // The naive ratio within the experiment (without averaging arms) is biased
  // towards the ranker's order, which is what the arm averaging removes.
  double upper = 0, lower = 0;
  for (const SwapObservation& o : log) {
    if (o.position != 0) continue;
    upper += o.clicked_upper;
    lower += o.clicked_lower;
  }
  if (swap_p < 0.5) CHECK(std::abs(lower / upper - truth[1]) > 0.05);
}

TEST_CASE("Swap pairs past the last reliable one are extrapolated", "[propensity]") {
  const uint64_t seed = 99;
  INFO("seed " << seed);
  const std::vector<double> truth = TrueTheta();
  // Only pairs (0,1) .. (4,5) were run.
  const std::vector<SwapObservation> log = SimulateSwaps(seed, truth, 150000, 0.5, 4);
  PropensityDiagnostics diag;
  auto theta = EstimateFromSwaps(log, PropensityOptions{}, &diag);
  REQUIRE(theta.ok());
  INFO(Table(truth, *theta) << "fitted eta " << diag.fitted_eta);
  for (int k = 0; k < kPositions; ++k) {
    INFO("rank " << k);
    CHECK(diag.extrapolated[k] == (k >= 6));
  }
  CHECK(std::abs(diag.fitted_eta - 0.8) <= 0.1);
  CheckClose(truth, *theta, 0.05);
}

TEST_CASE("Swap estimates above 1 are clamped while the chain keeps the raw ratios",
          "[propensity]") {
  const uint64_t seed = 2718;
  INFO("seed " << seed);
  // Rank 1 is examined 1.8 times as often as rank 0 (a banner above the
  // first result, say): theta_1 / theta_0 = 1.8 is clamped to 1, but rank 2
  // is still 0.3 / 0.5 = 0.6 of rank 0 because the chain runs on raw ratios.
  const std::vector<double> raw = {0.5, 0.9, 0.3, 0.2};
  const std::vector<SwapObservation> log = SimulateSwaps(seed, raw, 90000, 0.5);
  PropensityOptions options;
  options.max_positions = 4;
  auto theta = EstimateFromSwaps(log, options);
  REQUIRE(theta.ok());
  CheckClose({1.0, 1.0, 0.6, 0.4}, *theta, 0.05);
  CHECK((*theta)[1] == 1.0);
}

TEST_CASE("Invalid input is rejected with a clear InvalidArgument message", "[propensity]") {
  const PropensityOptions defaults;
  auto expect_invalid = [](const Status& s, const std::string& fragment) {
    INFO(s.ToString());
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().find(fragment) != std::string::npos);
  };
  std::vector<ClickObservation> ok_log;
  for (int i = 0; i < 100; ++i) ok_log.push_back({static_cast<uint32_t>(i % 3), 7u, i % 4 == 0});

  SECTION("empty input") {
    expect_invalid(EstimatePositionBias({}, defaults).status(), "no click observations");
    expect_invalid(
        EstimatePositionBiasWithFeatures({}, PropensityFeatures{{}, 1}, defaults).status(),
        "no click observations");
    expect_invalid(EstimateFromSwaps({}, defaults).status(), "no swap observations");
  }
  SECTION("a position at or past max_positions names the observation") {
    ok_log.push_back({10, 1u, true});
    expect_invalid(EstimatePositionBias(ok_log, defaults).status(),
                   "observation 100: position 10 is >= max_positions 10");
    const std::vector<SwapObservation> swaps = {{0, false, true, false}, {9, true, false, true}};
    expect_invalid(EstimateFromSwaps(swaps, defaults).status(),
                   "swap observation 1: position 9 is >= max_positions - 1 = 9");
  }
  SECTION("options out of range") {
    PropensityOptions o;
    o.max_positions = 0;
    expect_invalid(EstimatePositionBias(ok_log, o).status(), "max_positions = 0");
    o = {};
    o.iterations = 0;
    expect_invalid(EstimatePositionBias(ok_log, o).status(), "iterations = 0");
    o = {};
    o.min_propensity = 0;
    expect_invalid(EstimatePositionBias(ok_log, o).status(), "min_propensity");
    o = {};
    o.tolerance = std::nan("");
    expect_invalid(EstimatePositionBias(ok_log, o).status(), "tolerance");
    o = {};
    o.prior_eta = -1;
    expect_invalid(EstimateFromSwaps(std::vector<SwapObservation>{{0, false, true, false}}, o)
                       .status(),
                   "prior_eta");
    o = {};
    o.max_positions = 1;
    expect_invalid(EstimateFromSwaps(std::vector<SwapObservation>{{0, false, true, false}}, o)
                       .status(),
                   "max_positions >= 2");
  }
  SECTION("rank 0 must be able to anchor the normalisation") {
    std::vector<ClickObservation> few = {{0, 1u, true}, {1, 1u, false}};
    expect_invalid(EstimatePositionBias(few, defaults).status(),
                   "position 0 has 1 observations, fewer than min_observations_per_position");
    std::vector<ClickObservation> no_click(50, ClickObservation{0, 1u, false});
    expect_invalid(EstimatePositionBias(no_click, defaults).status(), "position 0 has no click");
    std::vector<SwapObservation> one_arm(100, SwapObservation{0, false, true, false});
    expect_invalid(EstimateFromSwaps(one_arm, defaults).status(),
                   "positions 0 and 1 has 100 unswapped and 0 swapped");
  }
  SECTION("bad feature matrices") {
    const std::vector<float> values = {0.f, 1.f, 2.f, 3.f, NAN, 5.f};
    std::vector<FeatureClickObservation> obs;
    for (int i = 0; i < 40; ++i) obs.push_back({0, static_cast<uint32_t>(i % 2), i % 2 == 0});
    expect_invalid(EstimatePositionBiasWithFeatures(obs, {values, 0}, defaults).status(),
                   "num_features = 0");
    expect_invalid(EstimatePositionBiasWithFeatures(obs, {values, 4}, defaults).status(),
                   "not a multiple of num_features = 4");
    expect_invalid(EstimatePositionBiasWithFeatures(obs, {values, 3}, defaults).status(),
                   "feature_row 1, feature 1 is not finite");
    obs.push_back({1, 3u, false});
    expect_invalid(EstimatePositionBiasWithFeatures(obs, {values, 2}, defaults).status(),
                   "observation 40: feature_row 3 is >= the feature matrix's 3 rows");
  }
}

// --- The Yandex WSCD 2012 sample (shared/datasets/yandex-wscd-clicks-pyclick,
// --- see its SOURCE.md): one line per query, ';'-separated sessions
// --- "<query>\t<doc1>,...,<doc10> : <clicked>, <clicked>, ...".

std::string SharedDir() {
  if (const char* env = std::getenv("SAIKI_SHARED_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  // Reserved, then appended: GCC 12 at -O1 warns falsely (-Warray-bounds)
  // on a short string joined with operator+.
  std::string dir;
  dir.reserve(512);
  dir.append(SAIKI_SOURCE_DIR).append("/../shared");
  return dir;
}

uint64_t Fnv1a(const std::string& s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// Parses the file into one observation per shown result; item keys hash
// (query, doc). Returns false when the file cannot be opened.
bool ReadYandexSample(const std::string& path, std::vector<ClickObservation>* out,
                      int* sessions) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line, session, docs_text, token;
  std::vector<std::string> docs;
  std::unordered_set<std::string> clicked;
  *sessions = 0;
  while (std::getline(in, line)) {
    std::istringstream sessions_in(line);
    while (std::getline(sessions_in, session, ';')) {
      const size_t tab = session.find('\t');
      const size_t colon = session.find(':');
      if (tab == std::string::npos || colon == std::string::npos || colon < tab) continue;
      const std::string query = Trim(session.substr(0, tab));
      docs.clear();
      std::istringstream docs_in(session.substr(tab + 1, colon - tab - 1));
      while (std::getline(docs_in, token, ',')) docs.push_back(Trim(token));
      clicked.clear();
      std::istringstream clicks_in(session.substr(colon + 1));
      while (std::getline(clicks_in, token, ',')) clicked.insert(Trim(token));
      ++*sessions;
      const uint64_t query_hash = Fnv1a(query);
      for (size_t k = 0; k < docs.size() && k < kPositions; ++k) {
        out->push_back({static_cast<uint32_t>(k), Fnv1a("|" + docs[k], query_hash),
                        clicked.count(docs[k]) > 0});
      }
    }
  }
  return true;
}

TEST_CASE("On the Yandex WSCD sample the estimated examination falls with rank",
          "[propensity][shared]") {
  const std::string path = SharedDir() + "/datasets/yandex-wscd-clicks-pyclick/trainSample";
  std::vector<ClickObservation> log;
  int sessions = 0;
  if (!ReadYandexSample(path, &log, &sessions)) {
    WARN("skipped: " << path << " is not readable (set SAIKI_SHARED_DIR to shared/)");
    return;
  }
  INFO(path << ": " << sessions << " sessions, " << log.size() << " observations");
  REQUIRE(sessions > 30000);  // SOURCE.md: 35,064 SERP impressions

  PropensityDiagnostics diag;
  auto theta = EstimatePositionBias(log, PropensityOptions{}, &diag);
  INFO(theta.status().ToString());
  REQUIRE(theta.ok());
  std::ostringstream table;
  table.precision(3);
  table << std::fixed << "Yandex WSCD trainSample, per-item PBM EM (" << diag.iterations
        << " iterations" << (diag.converged ? "" : ", not converged") << ")\nrank  ctr    theta\n";
  for (int k = 0; k < kPositions; ++k) {
    table << k + 1 << "     "
          << double(diag.clicks_per_position[k]) / double(diag.observations_per_position[k])
          << "  " << (*theta)[k] << "\n";
  }
  WARN(table.str());
  CHECK((*theta)[0] > (*theta)[4]);
  CHECK((*theta)[4] > (*theta)[9]);
}

}  // namespace
}  // namespace saiki::ranker
