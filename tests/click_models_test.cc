// Tests for the simulator's click models (eval/click_models.h): the PRNG,
// and that the click statistics of each model match its parameters within
// sampling tolerance (position-based: click rate at rank k divided by the
// attractiveness recovers theta_k; cascade: the first-click probabilities;
// noisy: the share of random clicks and their uniform spread; carts and
// purchases: their rates given satisfaction).
#include "eval/click_models.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

namespace saiki::eval {
namespace {

constexpr int kTrials = 40000;

TEST_CASE("The PRNG gives the same numbers for a seed and spreads them evenly", "[simulate]") {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.Next();
    REQUIRE(x == b.Next());
    differs |= x != c.Next();
  }
  CHECK(differs);

  Rng r(7);
  double sum = 0, sum_sq = 0, normal_sum = 0, normal_sq = 0;
  std::vector<int> buckets(10, 0);
  for (int i = 0; i < kTrials; ++i) {
    double u = r.Uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
    sum_sq += u * u;
    uint64_t k = r.Below(10);
    REQUIRE(k < 10);
    buckets[k]++;
    double z = r.Normal();
    normal_sum += z;
    normal_sq += z * z;
  }
  CHECK(sum / kTrials == Approx(0.5).margin(0.01));
  CHECK(sum_sq / kTrials == Approx(1.0 / 3).margin(0.01));
  for (int count : buckets) CHECK(count / double(kTrials) == Approx(0.1).margin(0.01));
  CHECK(normal_sum / kTrials == Approx(0.0).margin(0.02));
  CHECK(normal_sq / kTrials == Approx(1.0).margin(0.03));
  CHECK(r.Below(0) == 0);
}

TEST_CASE("MixSeed separates streams keyed by different parts", "[simulate]") {
  CHECK(MixSeed({1, 2, 3}) == MixSeed({1, 2, 3}));
  CHECK(MixSeed({1, 2, 3}) != MixSeed({1, 3, 2}));
  CHECK(MixSeed({1, 2}) != MixSeed({1, 2, 0}));
  CHECK(MixSeed({0}) != MixSeed({1}));
}

TEST_CASE("Click model names parse and print", "[simulate]") {
  for (auto kind :
       {ClickModelKind::kPositionBased, ClickModelKind::kCascade, ClickModelKind::kNoisy}) {
    REQUIRE(ParseClickModel(ClickModelName(kind)) == kind);
  }
  CHECK(!ParseClickModel("dbn").has_value());
  std::vector<double> theta = PowerLawExamination(4, 1.0);
  REQUIRE(theta.size() == 4);
  CHECK(theta[0] == 1.0);
  CHECK(theta[3] == Approx(0.25));
}

TEST_CASE("Position-based click rates divided by attractiveness recover theta per rank",
          "[simulate]") {
  ClickModel model;
  model.kind = ClickModelKind::kPositionBased;
  model.examination = {1.0, 0.7, 0.5, 0.35, 0.25, 0.2, 0.15, 0.1, 0.08, 0.05};
  const std::vector<double> a = {0.9, 0.5, 0.8, 0.3, 1.0, 0.6, 0.4, 0.7, 0.5, 0.9};
  std::vector<int> clicks(a.size(), 0);
  Rng rng(2024);
  for (int t = 0; t < kTrials; ++t) {
    for (int pos : SimulateClicks(model, a, rng)) clicks[pos]++;
  }
  for (size_t k = 0; k < a.size(); ++k) {
    double rate = clicks[k] / double(kTrials);
    // Binomial sd of the rate <= 0.0025; divided by a_k >= 0.3: <= 0.008.
    INFO("rank " << k + 1);
    CHECK(rate / a[k] == Approx(model.examination[k]).margin(0.03));
  }

  SECTION("ranks past the examination vector use its last value") {
    model.examination = {1.0, 0.5};
    const std::vector<double> ones(4, 1.0);
    std::vector<int> c(4, 0);
    for (int t = 0; t < kTrials; ++t) {
      for (int pos : SimulateClicks(model, ones, rng)) c[pos]++;
    }
    CHECK(c[0] == kTrials);
    for (int k = 1; k < 4; ++k) CHECK(c[k] / double(kTrials) == Approx(0.5).margin(0.02));
  }
}

TEST_CASE("Cascade clicks follow the first-click probabilities", "[simulate]") {
  const std::vector<double> a = {0.3, 0.5, 0.2, 0.6, 0.4};
  Rng rng(99);

  SECTION("classic cascade: at most one click, P(k) = a_k * prod_{j<k} (1 - a_j)") {
    ClickModel model;
    model.kind = ClickModelKind::kCascade;
    model.cascade_continue = 0.0;
    std::vector<int> clicks(a.size(), 0);
    int none = 0;
    for (int t = 0; t < kTrials; ++t) {
      std::vector<int> c = SimulateClicks(model, a, rng);
      REQUIRE(c.size() <= 1);
      if (c.empty()) ++none;
      for (int pos : c) clicks[pos]++;
    }
    double reach = 1.0;
    for (size_t k = 0; k < a.size(); ++k) {
      INFO("rank " << k + 1);
      CHECK(clicks[k] / double(kTrials) == Approx(reach * a[k]).margin(0.012));
      reach *= 1 - a[k];
    }
    CHECK(none / double(kTrials) == Approx(reach).margin(0.012));
  }

  SECTION("with continuation c: P(examine k+1) = P(examine k) * (1 - a_k + a_k c)") {
    ClickModel model;
    model.kind = ClickModelKind::kCascade;
    model.cascade_continue = 0.5;
    std::vector<int> clicks(a.size(), 0);
    for (int t = 0; t < kTrials; ++t) {
      for (int pos : SimulateClicks(model, a, rng)) clicks[pos]++;
    }
    double examine = 1.0;
    for (size_t k = 0; k < a.size(); ++k) {
      INFO("rank " << k + 1);
      CHECK(clicks[k] / double(kTrials) == Approx(examine * a[k]).margin(0.012));
      examine *= 1 - a[k] + a[k] * model.cascade_continue;
    }
  }
}

TEST_CASE("The noisy model moves its share of clicks to uniformly random positions", "[simulate]") {
  ClickModel model;
  model.kind = ClickModelKind::kNoisy;
  model.noise = 0.3;
  model.examination = std::vector<double>(10, 1.0);
  // Sparse clicks (1.5 per list), the same at every rank: by symmetry a
  // moved click is then equally likely to land on any rank.
  std::vector<double> a(10, 0.15);
  Rng rng(5);
  int total = 0, random = 0;
  std::vector<int> random_at(10, 0), clicks_at(10, 0);
  for (int t = 0; t < kTrials; ++t) {
    std::vector<uint8_t> flags;
    std::vector<int> c = SimulateClicks(model, a, rng, &flags);
    REQUIRE(flags.size() == c.size());
    for (size_t i = 0; i < c.size(); ++i) {
      ++total;
      clicks_at[c[i]]++;
      if (flags[i]) {
        ++random;
        random_at[c[i]]++;
      }
    }
  }
  // Moving keeps the number of clicks: the PBM expectation sum_k theta_k a_k.
  CHECK(total / double(kTrials) == Approx(1.5).margin(0.03));
  CHECK(random / double(total) == Approx(model.noise).margin(0.01));
  for (int k = 0; k < 10; ++k) {
    INFO("rank " << k + 1);
    CHECK(random_at[k] / double(random) == Approx(0.1).margin(0.012));
  }
  for (int k = 0; k < 10; ++k) CHECK(clicks_at[k] / double(kTrials) == Approx(0.15).margin(0.01));

  SECTION("no noise is the position-based model, draw for draw") {
    ClickModel pbm = model;
    pbm.kind = ClickModelKind::kPositionBased;
    model.noise = 0.0;
    Rng r1(11), r2(11);
    for (int t = 0; t < 1000; ++t) {
      std::vector<uint8_t> flags;
      REQUIRE(SimulateClicks(model, a, r1, &flags) == SimulateClicks(pbm, a, r2));
      for (uint8_t f : flags) REQUIRE(f == 0);
    }
  }
}

TEST_CASE("Carts and purchases follow clicks at rates set by satisfaction", "[simulate]") {
  ConversionModel conv;
  conv.cart_max = 0.5;
  conv.purchase_max = 0.6;
  Rng rng(8);
  for (double s : {0.0, 0.5, 1.0}) {
    int carts = 0, purchases = 0;
    for (int t = 0; t < kTrials; ++t) {
      ClickKind k = SimulateConversion(conv, s, rng);
      carts += k >= ClickKind::kCart;
      purchases += k == ClickKind::kPurchase;
    }
    INFO("satisfaction " << s);
    CHECK(carts / double(kTrials) == Approx(conv.cart_max * s * s).margin(0.01));
    CHECK(purchases / double(kTrials) ==
          Approx(conv.cart_max * s * s * conv.purchase_max * s).margin(0.01));
  }

  SECTION("signals pair each click with its conversion, in position order") {
    ClickModel model;
    model.examination = std::vector<double>(3, 1.0);
    const std::vector<double> attract = {1.0, 0.0, 1.0};
    const std::vector<double> satisfaction = {1.0, 1.0, 0.0};
    int bought_first = 0;
    for (int t = 0; t < 2000; ++t) {
      std::vector<Signal> s = SimulateSignals(model, conv, attract, satisfaction, rng);
      REQUIRE(s.size() == 2);
      CHECK(s[0].position == 0);
      CHECK(s[1].position == 2);
      CHECK(s[1].kind == ClickKind::kClick);  // satisfaction 0 never buys
      bought_first += s[0].kind == ClickKind::kPurchase;
    }
    CHECK(bought_first / 2000.0 == Approx(0.3).margin(0.04));
  }
}

TEST_CASE("Click models give the same clicks for the same seed", "[simulate]") {
  const std::vector<double> a = {0.7, 0.2, 0.5, 0.1, 0.9, 0.3};
  for (auto kind :
       {ClickModelKind::kPositionBased, ClickModelKind::kCascade, ClickModelKind::kNoisy}) {
    ClickModel model;
    model.kind = kind;
    model.cascade_continue = 0.4;
    Rng r1(123), r2(123);
    for (int t = 0; t < 200; ++t) {
      std::vector<uint8_t> f1, f2;
      REQUIRE(SimulateClicks(model, a, r1, &f1) == SimulateClicks(model, a, r2, &f2));
      REQUIRE(f1 == f2);
    }
  }
}

}  // namespace
}  // namespace saiki::eval
