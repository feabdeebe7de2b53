// Tests for the pairwise learner (ranker/learner.h) and the linear model
// (ranker/linear_model.h): preferences derived from hand-made impressions
// with IPS weights, gradient steps on a two-product case checked against
// hand arithmetic, the bounds that keep a burst of clicks or broken features
// from wrecking a model, the replay metric, normalisation and the JSON
// storage of models. Expected values are computed by hand; the arithmetic is
// in the comments.
//
// Logistic loss facts used below (l(m) = ln(1 + e^-m), l'(m) = -1/(1 + e^m)):
//   l(0) = ln 2 = 0.693147, l'(0) = -0.5
//   l(0.05) = ln(1 + 0.951229) = 0.668460, l'(0.05) = -1/2.051271 = -0.487503
//   l(2) = ln(1 + 0.135335) = 0.126928, l'(2) = -0.135335/1.135335 = -0.119203
#include "ranker/learner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ranker/features.h"
#include "ranker/linear_model.h"

namespace saiki::ranker {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

using Pair = std::tuple<uint32_t, uint32_t, uint32_t, double>;  // impression, better, worse, weight

std::vector<Pair> Sorted(const std::vector<Preference>& prefs) {
  std::vector<Pair> out;
  for (const Preference& p : prefs) out.emplace_back(p.impression, p.better, p.worse, p.weight);
  std::sort(out.begin(), out.end());
  return out;
}

LoggedImpression Impression(std::vector<uint8_t> signal, double gate = 1.0) {
  LoggedImpression imp;
  imp.signal = std::move(signal);
  imp.gate = gate;
  imp.features.rows = imp.signal.size();
  imp.features.values.assign(imp.signal.size() * kNumFeatures, 0.0f);
  return imp;
}

// A small normalised matrix (the learner works in any dimension).
Matrix Rows(std::initializer_list<std::initializer_list<double>> rows) {
  Matrix m(static_cast<Eigen::Index>(rows.size()),
           static_cast<Eigen::Index>(rows.begin()->size()));
  Eigen::Index r = 0;
  for (const auto& row : rows) {
    Eigen::Index c = 0;
    for (double v : row) m(r, c++) = v;
    ++r;
  }
  return m;
}

Eigen::VectorXd Vec(std::initializer_list<double> v) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(v.size()));
  Eigen::Index i = 0;
  for (double x : v) out[i++] = x;
  return out;
}

UpdateOptions OneStep() {
  UpdateOptions o;
  o.learning_rate = 0.1;
  o.l2 = 0.01;
  o.steps = 1;
  o.max_step_norm = 1.0;
  o.max_weight_norm = 100.0;
  return o;
}

// ---------------------------------------------------------------- preferences

TEST_CASE("A click is preferred over every unclicked result, above and below", "[learner]") {
  // Click at position 2; 0, 1, 3, 4 unclicked. Propensity of position 2 is
  // 0.25 -> weight min(10, 1/0.25) = 4, on every pair of that click.
  std::vector<LoggedImpression> imps = {Impression({0, 0, 1, 0, 0})};
  std::vector<double> prop = {1.0, 0.5, 0.25, 0.2, 0.1};
  std::vector<Preference> prefs = DerivePreferences(imps, prop, 10.0);
  CHECK(Sorted(prefs) ==
        std::vector<Pair>{{0, 2, 0, 4.0}, {0, 2, 1, 4.0}, {0, 2, 3, 4.0}, {0, 2, 4, 4.0}});
}

TEST_CASE("A click on the first or the last result pairs with all the others", "[learner]") {
  std::vector<LoggedImpression> imps = {Impression({1, 0, 0})};
  std::vector<double> prop = {1.0, 0.5, 0.25};
  // Weight min(10, 1/1) = 1.
  CHECK(Sorted(DerivePreferences(imps, prop, 10.0)) ==
        std::vector<Pair>{{0, 0, 1, 1.0}, {0, 0, 2, 1.0}});
  imps = {Impression({0, 0, 1})};
  CHECK(Sorted(DerivePreferences(imps, prop, 10.0)) ==
        std::vector<Pair>{{0, 2, 0, 4.0}, {0, 2, 1, 4.0}});
}

TEST_CASE("No clicks, or clicks of equal strength only, give no preferences", "[learner]") {
  std::vector<double> prop = {1.0, 0.5};
  std::vector<LoggedImpression> none = {Impression({0, 0, 0})};
  CHECK(DerivePreferences(none, prop, 10.0).empty());
  std::vector<LoggedImpression> all = {Impression({1, 1})};
  CHECK(DerivePreferences(all, prop, 10.0).empty());
  std::vector<LoggedImpression> empty;
  CHECK(DerivePreferences(empty, prop, 10.0).empty());
}

TEST_CASE("A purchase is preferred over a click with weight 1, without IPS", "[learner]") {
  // Signals: click at 0, purchase at 2; propensities 1, 0.5, 0.25, 0.125.
  //   click at 0 (w = 1/1 = 1): over the unclicked 1 and 3
  //   purchase at 2 (w = 1/0.25 = 4): over the unclicked 1 and 3 (0 was
  //     clicked: no IPS pair), and over the weaker click (2>0) with weight 1.
  std::vector<LoggedImpression> imps = {Impression({1, 0, 3, 0})};
  std::vector<double> prop = {1.0, 0.5, 0.25, 0.125};
  CHECK(Sorted(DerivePreferences(imps, prop, 10.0)) ==
        std::vector<Pair>{{0, 0, 1, 1.0}, {0, 0, 3, 1.0}, {0, 2, 0, 1.0}, {0, 2, 1, 4.0},
                          {0, 2, 3, 4.0}});
}

TEST_CASE("Stronger signals are preferred over every weaker non-zero one", "[learner]") {
  // Purchase 3 at 0, cart 2 at 1, click 1 at 2, nothing at 3. Propensities
  // all 0.5 -> IPS weight 2.
  //   each over the unclicked 3 with w2; and, without IPS (w1),
  //   purchase over cart (0>1) and click (0>2), cart over click (1>2)
  std::vector<LoggedImpression> imps = {Impression({3, 2, 1, 0})};
  std::vector<double> prop = {0.5};
  CHECK(Sorted(DerivePreferences(imps, prop, 10.0)) ==
        std::vector<Pair>{{0, 0, 1, 1.0}, {0, 0, 2, 1.0}, {0, 0, 3, 2.0}, {0, 1, 2, 1.0},
                          {0, 1, 3, 2.0}, {0, 2, 3, 2.0}});
}

TEST_CASE("IPS weights are min(clip, 1/propensity); beyond the vector the last value counts",
          "[learner]") {
  std::vector<double> prop = {1.0, 0.5, 0.04};
  // Click at 1: 1/0.5 = 2.
  std::vector<LoggedImpression> imps = {Impression({0, 1})};
  CHECK(Sorted(DerivePreferences(imps, prop, 10.0)) == std::vector<Pair>{{0, 1, 0, 2.0}});
  // Click at 2: 1/0.04 = 25, clipped to 10; with clip 30 it is 25.
  imps = {Impression({0, 0, 1})};
  CHECK(Sorted(DerivePreferences(imps, prop, 10.0)) ==
        std::vector<Pair>{{0, 2, 0, 10.0}, {0, 2, 1, 10.0}});
  std::vector<Preference> unclipped = DerivePreferences(imps, prop, 30.0);
  REQUIRE(unclipped.size() == 2);
  for (const Preference& p : unclipped) CHECK(p.weight == Approx(25.0));
  // Click at 5 of a vector of 2 values {1, 0.5}: uses 0.5 -> 2.
  std::vector<double> short_prop = {1.0, 0.5};
  imps = {Impression({0, 0, 0, 0, 0, 1, 0})};
  std::vector<Preference> deep = DerivePreferences(imps, short_prop, 10.0);
  // Over 0..4 and 6: 6 pairs, all weighing 2.
  REQUIRE(deep.size() == 6);
  for (const Preference& p : deep) CHECK(p.weight == 2.0);
  // A zero propensity gets the clip; an empty vector means propensity 1.
  std::vector<double> zero = {0.0};
  imps = {Impression({0, 1})};
  CHECK(Sorted(DerivePreferences(imps, zero, 7.0)) == std::vector<Pair>{{0, 1, 0, 7.0}});
  CHECK(Sorted(DerivePreferences(imps, std::vector<double>{}, 7.0)) ==
        std::vector<Pair>{{0, 1, 0, 1.0}});
}

TEST_CASE("Preferences record the impression they come from", "[learner]") {
  std::vector<LoggedImpression> imps = {Impression({0, 1}), Impression({0, 0}),
                                        Impression({1, 0})};
  std::vector<double> prop = {1.0, 0.5};
  // Impression 0: (1>0) w2; impression 1: none; impression 2: (0>1) w1.
  CHECK(Sorted(DerivePreferences(imps, prop, 10.0)) ==
        std::vector<Pair>{{0, 1, 0, 2.0}, {2, 0, 1, 1.0}});
}

// ---------------------------------------------------------------- updates

// Two products, the clicked one (position 1) has feature 0 = 1, the other 0.
// d = z_better - z_worse = (1, 0).
struct TwoProducts {
  std::vector<Matrix> z = {Rows({{0, 0}, {1, 0}})};
  std::vector<LoggedImpression> imps = {Impression({0, 1})};
  std::vector<Preference> prefs = {{0, 1, 0, 2.0}};
  Eigen::VectorXd zero = Eigen::VectorXd::Zero(2);
};

TEST_CASE("One step moves theta towards the clicked product's feature, by hand", "[learner]") {
  TwoProducts t;
  auto r = PairwiseUpdate(t.z, t.imps, t.prefs, t.zero, t.zero, false, OneStep());
  REQUIRE(r.ok());
  // Margin 0: loss l(0) = ln 2; gradient (weight-normalised) l'(0) * d =
  // (-0.5, 0) plus l2 * theta = 0; step 0.1 * (-0.5, 0) -> theta = (0.05, 0).
  CHECK(r->theta[0] == Approx(0.05).epsilon(1e-12));
  CHECK(r->theta[1] == 0.0);
  CHECK(r->loss_before == Approx(0.693147).epsilon(1e-6));
  // loss after = l(0.05) + 0.01/2 * 0.05^2 = 0.668460 + 0.0000125 = 0.668472
  CHECK(r->loss_after == Approx(0.668472).epsilon(1e-6));
  CHECK(r->loss_after < r->loss_before);
}

TEST_CASE("Two steps follow the gradient at the new point, by hand", "[learner]") {
  TwoProducts t;
  UpdateOptions o = OneStep();
  o.steps = 2;
  auto r = PairwiseUpdate(t.z, t.imps, t.prefs, t.zero, t.zero, false, o);
  REQUIRE(r.ok());
  // Step 2 from 0.05: gradient l'(0.05) + 0.01 * 0.05 = -0.487503 + 0.0005 =
  // -0.487003; theta = 0.05 + 0.0487003 = 0.0987003.
  CHECK(r->theta[0] == Approx(0.0987003).epsilon(1e-6));
  CHECK(r->theta[1] == 0.0);
  // More steps keep increasing theta[0] and lowering the loss.
  o.steps = 5;
  auto r5 = PairwiseUpdate(t.z, t.imps, t.prefs, t.zero, t.zero, false, o);
  REQUIRE(r5.ok());
  CHECK(r5->theta[0] > r->theta[0]);
  CHECK(r5->loss_after < r->loss_after);
}

TEST_CASE("Pair weights average the gradient: a 3:1 contradiction moves a quarter",
          "[learner]") {
  TwoProducts t;
  // (1>0) weight 3 and the opposite (0>1) weight 1. Gradient at 0:
  //   (3 * -0.5 * (+1) + 1 * -0.5 * (-1)) / 4 = (-1.5 + 0.5) / 4 = -0.25
  // theta = 0.1 * 0.25 = 0.025.
  std::vector<Preference> prefs = {{0, 1, 0, 3.0}, {0, 0, 1, 1.0}};
  auto r = PairwiseUpdate(t.z, t.imps, prefs, t.zero, t.zero, false, OneStep());
  REQUIRE(r.ok());
  CHECK(r->theta[0] == Approx(0.025).epsilon(1e-12));
  CHECK(r->loss_before == Approx(0.693147).epsilon(1e-6));  // (3 + 1) ln 2 / 4
}

TEST_CASE("The base weights enter the margin but are not changed", "[learner]") {
  TwoProducts t;
  Eigen::VectorXd base = Vec({2.0, 0.0});
  auto r = PairwiseUpdate(t.z, t.imps, t.prefs, base, t.zero, false, OneStep());
  REQUIRE(r.ok());
  // Margin (2 + 0) * 1 = 2: loss l(2) = 0.126928; gradient l'(2) = -0.119203;
  // theta = 0.0119203.
  CHECK(r->loss_before == Approx(0.126928).epsilon(1e-5));
  CHECK(r->theta[0] == Approx(0.0119203).epsilon(1e-5));
  CHECK(base[0] == 2.0);
}

TEST_CASE("Gated updates scale theta by the impression's gate", "[learner]") {
  TwoProducts t;
  SECTION("gate 0 moves nothing") {
    t.imps[0].gate = 0.0;
    auto r = PairwiseUpdate(t.z, t.imps, t.prefs, t.zero, t.zero, true, OneStep());
    REQUIRE(r.ok());
    CHECK(r->theta[0] == 0.0);
    CHECK(r->theta[1] == 0.0);
    CHECK(r->loss_after == r->loss_before);
    // Nor from a non-zero start without l2 (the pairs see no theta at all).
    UpdateOptions o = OneStep();
    o.l2 = 0;
    o.steps = 5;
    Eigen::VectorXd theta0 = Vec({0.3, -0.2});
    auto r2 = PairwiseUpdate(t.z, t.imps, t.prefs, t.zero, theta0, true, o);
    REQUIRE(r2.ok());
    CHECK(r2->theta[0] == 0.3);
    CHECK(r2->theta[1] == -0.2);
  }
  SECTION("the gate is ignored by a global (ungated) update") {
    t.imps[0].gate = 0.0;
    auto r = PairwiseUpdate(t.z, t.imps, t.prefs, t.zero, t.zero, false, OneStep());
    REQUIRE(r.ok());
    CHECK(r->theta[0] == Approx(0.05).epsilon(1e-12));
  }
  SECTION("gate 0.5 halves the gradient") {
    t.imps[0].gate = 0.5;
    // Margin 0; gradient 0.5 * l'(0) * 1 = -0.25; theta = 0.025.
    auto r = PairwiseUpdate(t.z, t.imps, t.prefs, t.zero, t.zero, true, OneStep());
    REQUIRE(r.ok());
    CHECK(r->theta[0] == Approx(0.025).epsilon(1e-12));
  }
}

TEST_CASE("Without pairs L2 pulls theta towards zero", "[learner]") {
  std::vector<Matrix> z;
  std::vector<LoggedImpression> imps;
  std::vector<Preference> prefs;
  Eigen::VectorXd theta0 = Vec({1.0, -2.0});
  UpdateOptions o = OneStep();
  o.l2 = 0.5;
  o.steps = 3;
  auto r = PairwiseUpdate(z, imps, prefs, Eigen::VectorXd::Zero(2), theta0, false, o);
  REQUIRE(r.ok());
  // Each step: theta -= 0.1 * 0.5 * theta -> theta * 0.95; three steps:
  // 0.95^3 = 0.857375 -> (0.857375, -1.71475).
  CHECK(r->theta[0] == Approx(0.857375).epsilon(1e-12));
  CHECK(r->theta[1] == Approx(-1.71475).epsilon(1e-12));
  // Loss = l2/2 |theta|^2: before 0.25 * 5 = 1.25; after 1.25 * 0.857375^2
  // = 1.25 * 0.735092 = 0.918865.
  CHECK(r->loss_before == Approx(1.25).epsilon(1e-12));
  CHECK(r->loss_after == Approx(0.918865).epsilon(1e-5));
}

TEST_CASE("Each step is at most max_step_norm, whatever the feature values", "[learner]") {
  // Feature values of a million: the raw step 0.1 * 0.5 * 1e6 = 50,000 is
  // clipped to 0.2.
  std::vector<Matrix> z = {Rows({{0, 0}, {1e6, 0}})};
  std::vector<LoggedImpression> imps = {Impression({0, 1})};
  std::vector<Preference> one = {{0, 1, 0, 2.0}};
  Eigen::VectorXd zero = Eigen::VectorXd::Zero(2);
  UpdateOptions o = OneStep();
  o.max_step_norm = 0.2;
  auto r1 = PairwiseUpdate(z, imps, one, zero, zero, false, o);
  REQUIRE(r1.ok());
  CHECK(r1->theta[0] == Approx(0.2).epsilon(1e-12));
  CHECK(r1->theta[1] == 0.0);

  // Every step of a 5-step run (its prefix runs are its trajectory) is at
  // most 0.2, so the whole run moves at most 5 * 0.2 = 1.
  Eigen::VectorXd prev = zero;
  for (int s = 1; s <= 5; ++s) {
    o.steps = s;
    auto r = PairwiseUpdate(z, imps, one, zero, zero, false, o);
    REQUIRE(r.ok());
    CHECK((r->theta - prev).norm() <= 0.2 + 1e-12);
    CHECK(r->theta.norm() <= s * 0.2 + 1e-12);
    prev = r->theta;
  }
}

TEST_CASE("A step stays bounded with feature values near the float limit", "[learner]") {
  // 1e30 (a float can hold up to 3.4e38): gradient 0.5 * 1e30, step clipped
  // to 1; the next steps see margin 1e30 (slope 0) and only the l2 pull
  // 0.1 * 0.01 * 1 = 0.001 back.
  std::vector<Matrix> z = {Rows({{0, 0}, {1e30, -1e30}})};
  std::vector<LoggedImpression> imps = {Impression({0, 1})};
  std::vector<Preference> prefs = {{0, 1, 0, 10.0}};
  Eigen::VectorXd zero = Eigen::VectorXd::Zero(2);
  UpdateOptions o;  // 5 steps of at most 1
  auto r = PairwiseUpdate(z, imps, prefs, zero, zero, false, o);
  REQUIRE(r.ok());
  CHECK(r->theta.allFinite());
  CHECK(r->theta.norm() <= 5.0);
  // First step along d / |d| = (1, -1) / sqrt 2: (0.707107, -0.707107); then
  // four pulls of 0.1%: * 0.999^4 = 0.996006 -> 0.704283.
  CHECK(r->theta[0] == Approx(0.704283).epsilon(1e-5));
  CHECK(r->theta[1] == Approx(-0.704283).epsilon(1e-5));
  CHECK(r->loss_after < r->loss_before);
}

TEST_CASE("10,000 identical pairs move the model no more than one pair", "[learner]") {
  TwoProducts t;
  std::vector<Preference> burst(10'000, Preference{0, 1, 0, 10.0});
  UpdateOptions o;  // defaults: lr 0.1, l2 0.01, 5 steps, max step 1
  o.learning_rate = 100.0;  // an aggressive rate: every step hits the clip
  o.max_step_norm = 0.3;
  auto many = PairwiseUpdate(t.z, t.imps, burst, t.zero, t.zero, false, o);
  auto single = PairwiseUpdate(t.z, t.imps, t.prefs, t.zero, t.zero, false, o);
  REQUIRE(many.ok());
  REQUIRE(single.ok());
  // At most 5 steps * 0.3 = 1.5 from the start.
  CHECK(many->theta.norm() <= 1.5 + 1e-9);
  // The loss is a weighted mean over pairs: the burst equals one pair.
  CHECK(many->theta[0] == Approx(single->theta[0]).epsilon(1e-9));
  CHECK(many->theta[1] == Approx(single->theta[1]).margin(1e-12));
  // First step: lr * 0.5 = 50, clipped to 0.3: theta[0] >= 0.3 after it,
  // and the later steps (gradient still negative at margin <= 1.5) only add.
  CHECK(many->theta[0] > 0.3);
}

TEST_CASE("The weight norm is bounded by max_weight_norm", "[learner]") {
  SECTION("a start beyond the bound is scaled back onto it") {
    std::vector<Matrix> z;
    std::vector<LoggedImpression> imps;
    std::vector<Preference> prefs;
    UpdateOptions o = OneStep();
    o.l2 = 0;
    o.max_weight_norm = 1.0;
    // No gradient; |(3, 4)| = 5 > 1 -> (3, 4) / 5 = (0.6, 0.8).
    auto r = PairwiseUpdate(z, imps, prefs, Eigen::VectorXd::Zero(2), Vec({3.0, 4.0}), false, o);
    REQUIRE(r.ok());
    CHECK(r->theta[0] == Approx(0.6).epsilon(1e-12));
    CHECK(r->theta[1] == Approx(0.8).epsilon(1e-12));
  }
  SECTION("a large step is scaled back onto it") {
    TwoProducts t;
    UpdateOptions o = OneStep();
    o.learning_rate = 10.0;
    o.max_step_norm = 100.0;
    o.max_weight_norm = 2.0;
    // Step 10 * 0.5 = 5 (under the step clip) -> theta (5, 0), norm 5 > 2 ->
    // (2, 0).
    auto r = PairwiseUpdate(t.z, t.imps, t.prefs, t.zero, t.zero, false, o);
    REQUIRE(r.ok());
    CHECK(r->theta[0] == Approx(2.0).epsilon(1e-12));
    CHECK(r->theta[1] == 0.0);
    o.steps = 20;
    auto r20 = PairwiseUpdate(t.z, t.imps, t.prefs, t.zero, t.zero, false, o);
    REQUIRE(r20.ok());
    CHECK(r20->theta.norm() <= 2.0 + 1e-12);
  }
}

TEST_CASE("NaN or infinite features make the update fail, not return a NaN model",
          "[learner]") {
  std::vector<LoggedImpression> imps = {Impression({0, 1})};
  std::vector<Preference> prefs = {{0, 1, 0, 2.0}};
  Eigen::VectorXd zero = Eigen::VectorXd::Zero(2);
  UpdateOptions o = OneStep();
  o.steps = 5;
  SECTION("NaN") {
    std::vector<Matrix> z = {Rows({{0, 0}, {kNan, 1}})};
    auto r = PairwiseUpdate(z, imps, prefs, zero, zero, false, o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("not finite"));
  }
  SECTION("NaN with zero steps (only the loss sees it)") {
    std::vector<Matrix> z = {Rows({{0, 0}, {kNan, 1}})};
    o.steps = 0;
    auto r = PairwiseUpdate(z, imps, prefs, zero, zero, false, o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
  }
  SECTION("infinity") {
    std::vector<Matrix> z = {Rows({{0, 0}, {kInf, 1}})};
    auto r = PairwiseUpdate(z, imps, prefs, zero, zero, false, o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
  }
  SECTION("infinity with a base that makes the margin +inf") {
    std::vector<Matrix> z = {Rows({{0, 0}, {kInf, 1}})};
    auto r = PairwiseUpdate(z, imps, prefs, Vec({1.0, 0.0}), zero, false, o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
  }
  SECTION("NaN in the starting weights") {
    std::vector<Matrix> z = {Rows({{0, 0}, {1, 0}})};
    auto r = PairwiseUpdate(z, imps, prefs, zero, Vec({kNan, 0.0}), false, o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
  }
}

// ---------------------------------------------------------------- replay

TEST_CASE("Replay gives 1 to a scorer that puts the clicked item first", "[learner]") {
  // Shown order 0, 1, 2 with feature 0 = 0, 1, 2; the user clicked 2.
  std::vector<Matrix> z = {Rows({{0}, {1}, {2}})};
  std::vector<LoggedImpression> imps = {Impression({0, 0, 1})};
  std::vector<double> prop = {1.0, 0.5, 0.25};
  Eigen::VectorXd zero = Eigen::VectorXd::Zero(1);
  // w = 1: scores 0, 1, 2 -> the click ranks 1 -> 1.
  CHECK(ReplayMetric(z, imps, prop, Vec({1.0}), zero, 10.0) == Approx(1.0));
  // w = -1: scores 0, -1, -2 -> rank 3 -> 1/3.
  CHECK(ReplayMetric(z, imps, prop, Vec({-1.0}), zero, 10.0) == Approx(1.0 / 3.0));
  // w = 0: all tied -> the logged order -> rank 3 -> 1/3.
  CHECK(ReplayMetric(z, imps, prop, zero, zero, 10.0) == Approx(1.0 / 3.0));
}

TEST_CASE("Replay adds the personal delta scaled by each impression's gate", "[learner]") {
  std::vector<Matrix> z = {Rows({{0}, {1}, {2}})};
  std::vector<LoggedImpression> imps = {Impression({0, 0, 1})};
  std::vector<double> prop = {1.0, 0.5, 0.25};
  Eigen::VectorXd w = Vec({1.0}), delta = Vec({-3.0});
  // gate 1: 1 - 3 = -2 -> reversed -> 1/3.
  imps[0].gate = 1.0;
  CHECK(ReplayMetric(z, imps, prop, w, delta, 10.0) == Approx(1.0 / 3.0));
  // gate 0: the delta is ignored -> 1.
  imps[0].gate = 0.0;
  CHECK(ReplayMetric(z, imps, prop, w, delta, 10.0) == Approx(1.0));
  // gate 0.25: 1 - 0.75 = 0.25 > 0 -> still first -> 1.
  imps[0].gate = 0.25;
  CHECK(ReplayMetric(z, imps, prop, w, delta, 10.0) == Approx(1.0));
}

TEST_CASE("Replay with unchanged weights and no delta equals the logged order's IPS-RR",
          "[learner]") {
  // Two impressions shown by w = (1, 0), so the shown order is the score
  // order (scores 3, 2, 1 and 5, 4, 0).
  std::vector<Matrix> z = {Rows({{3, 7}, {2, -1}, {1, 9}}), Rows({{5, 0}, {4, 0}, {0, 0}})};
  std::vector<LoggedImpression> imps = {Impression({1, 0, 1}), Impression({0, 1, 0})};
  std::vector<double> prop = {1.0, 0.5, 0.25};
  Eigen::VectorXd w = Vec({1.0, 0.0}), zero = Eigen::VectorXd::Zero(2);
  // Logged IPS-RR, self-normalised over both impressions:
  //   impression A: clicks at ranks 1 (w 1) and 3 (w 4): 1/1 + 4/3 = 7/3, weight 5
  //   impression B: click at rank 2 (w 2): 2/2 = 1, weight 2
  //   (7/3 + 1) / (5 + 2) = (10/3) / 7 = 10/21 = 0.476190
  CHECK(ReplayMetric(z, imps, prop, w, zero, 10.0) == Approx(10.0 / 21.0));
  // A positive scaling of the same weights is the same ranking.
  CHECK(ReplayMetric(z, imps, prop, 2.5 * w, zero, 10.0) == Approx(10.0 / 21.0));
  // Weights (0, 1): A's scores 7, -1, 9 -> order 2, 0, 1: the click at 0
  // ranks 2 (w 1), the one at 2 ranks 1 (w 4): 1/2 + 4/1 = 4.5, weight 5;
  // B's scores all 0 -> ties keep the logged order: 2/2 = 1, weight 2.
  //   (4.5 + 1) / 7 = 5.5 / 7 = 0.785714
  CHECK(ReplayMetric(z, imps, prop, Vec({0.0, 1.0}), zero, 10.0) == Approx(5.5 / 7.0));
}

TEST_CASE("Replay clips IPS weights and is 0 without clicks", "[learner]") {
  // Two single-click impressions: A clicked at position 1 (propensity 0.01:
  // weight min(100, 10) = 10), B clicked at position 0 (weight 1). Under
  // w = 1 A's click ranks 2 (scores 0, -1), B's ranks 1.
  std::vector<Matrix> z = {Rows({{0}, {-1}}), Rows({{0}, {-1}})};
  std::vector<LoggedImpression> imps = {Impression({0, 1}), Impression({1, 0})};
  std::vector<double> prop = {1.0, 0.01};
  Eigen::VectorXd w = Vec({1.0}), zero = Eigen::VectorXd::Zero(1);
  // (10 * 1/2 + 1 * 1) / (10 + 1) = 6 / 11 = 0.545455
  CHECK(ReplayMetric(z, imps, prop, w, zero, 10.0) == Approx(6.0 / 11.0));
  // Clip 1000: weight 100 -> (50 + 1) / 101 = 0.504950
  CHECK(ReplayMetric(z, imps, prop, w, zero, 1000.0) == Approx(51.0 / 101.0));
  std::vector<LoggedImpression> no_clicks = {Impression({0, 0}), Impression({0, 0})};
  CHECK(ReplayMetric(z, no_clicks, prop, w, zero, 10.0) == 0.0);
}

// ---------------------------------------------------------------- models

TEST_CASE("The initial global model weighs bm25f only", "[learner]") {
  GlobalLinearModel m = GlobalLinearModel::Initial();
  REQUIRE(m.weights.size() == kNumFeatures);
  for (int i = 0; i < kNumFeatures; ++i) {
    INFO("feature " << kFeatureNames[i]);
    CHECK(m.weights[i] == (i == kBm25f ? 1.0 : 0.0));
    CHECK(m.mean[i] == 0.0);
    CHECK(m.scale[i] == 1.0);
    CHECK(m.m2[i] == 0.0);
  }
  CHECK(m.count == 0.0);
  // So it scores exactly bm25f.
  FeatureMatrix x;
  x.rows = 1;
  x.values.assign(kNumFeatures, 3.0f);
  x.values[kBm25f] = 7.25f;
  Matrix z = Normalize(x, m);
  CHECK((z * m.weights)(0) == 7.25);
}

FeatureMatrix TwoFeatureRows(std::initializer_list<std::pair<float, float>> rows) {
  // Rows with bm25f and log_reviews set, every other feature 0.5 (constant).
  FeatureMatrix x;
  x.rows = rows.size();
  x.values.assign(x.rows * kNumFeatures, 0.5f);
  size_t r = 0;
  for (auto [bm25f, reviews] : rows) {
    x.row(r)[kBm25f] = bm25f;
    x.row(r)[kLogReviews] = reviews;
    ++r;
  }
  return x;
}

TEST_CASE("Normalize subtracts the mean and divides by the scale", "[learner]") {
  GlobalLinearModel m;
  m.mean[kBm25f] = 4.0;
  m.scale[kBm25f] = 2.0;
  m.mean[kLogReviews] = 1.0;
  m.scale[kLogReviews] = 0.5;
  FeatureMatrix x = TwoFeatureRows({{10, 3}, {3, 1}});
  Matrix z = Normalize(x, m);
  REQUIRE(z.rows() == 2);
  REQUIRE(z.cols() == kNumFeatures);
  CHECK(z(0, kBm25f) == 3.0);       // (10 - 4) / 2
  CHECK(z(0, kLogReviews) == 4.0);  // (3 - 1) / 0.5
  CHECK(z(1, kBm25f) == -0.5);      // (3 - 4) / 2
  CHECK(z(1, kLogReviews) == 0.0);  // (1 - 1) / 0.5
  CHECK(z(1, kRating) == 0.5);      // mean 0, scale 1
}

TEST_CASE("ObserveRows updates mean and scale (Welford) and re-expresses the weights",
          "[learner]") {
  GlobalLinearModel m = GlobalLinearModel::Initial();
  m.weights[kLogReviews] = 0.5;
  // Two scored rows, in raw space (mean 0, scale 1): x = (10, 3), y = (3, 1)
  //   s(x) = 10 + 0.5 * 3 = 11.5, s(y) = 3 + 0.5 * 1 = 3.5, difference 8.
  FeatureMatrix probe = TwoFeatureRows({{10, 3}, {3, 1}});
  Eigen::VectorXd before = Normalize(probe, m) * m.weights;
  REQUIRE(before(0) == Approx(11.5));
  REQUIRE(before(1) == Approx(3.5));

  // Observe bm25f 2, 4, 6 and log_reviews 1, 1, 4:
  //   bm25f: mean 4, m2 = 4 + 0 + 4 = 8, sd = sqrt(8 / 2) = 2
  //   log_reviews: mean 2, m2 = 1 + 1 + 4 = 6, sd = sqrt(6 / 2) = sqrt 3 = 1.732051
  //   the others: constant 0.5 -> sd 0 -> scale 1
  FeatureMatrix seen = TwoFeatureRows({{2, 1}, {4, 1}, {6, 4}});
  m.ObserveRows(seen.values.data(), seen.rows);
  CHECK(m.count == 3.0);
  CHECK(m.mean[kBm25f] == Approx(4.0));
  CHECK(m.m2[kBm25f] == Approx(8.0));
  CHECK(m.scale[kBm25f] == Approx(2.0));
  CHECK(m.mean[kLogReviews] == Approx(2.0));
  CHECK(m.m2[kLogReviews] == Approx(6.0));
  CHECK(m.scale[kLogReviews] == Approx(1.732051).epsilon(1e-6));
  CHECK(m.mean[kRating] == Approx(0.5));
  CHECK(m.scale[kRating] == 1.0);
  // Weights re-expressed: w = raw weight * scale, so w / scale is constant:
  //   bm25f 1 * 2 = 2; log_reviews 0.5 * 1.732051 = 0.866025; others 0.
  CHECK(m.weights[kBm25f] == Approx(2.0));
  CHECK(m.weights[kLogReviews] == Approx(0.866025).epsilon(1e-6));
  CHECK(m.weights[kRating] == 0.0);
  CHECK(m.weights[kBm25f] / m.scale[kBm25f] == Approx(1.0));
  CHECK(m.weights[kLogReviews] / m.scale[kLogReviews] == Approx(0.5));

  // The raw-space function shifts by a constant only:
  //   s(x) = 2 (10 - 4) / 2 + 0.866025 (3 - 2) / 1.732051 = 6 + 0.5 = 6.5
  //   s(y) = 2 (3 - 4) / 2 + 0.866025 (1 - 2) / 1.732051 = -1 - 0.5 = -1.5
  // difference still 8, order kept.
  Eigen::VectorXd after = Normalize(probe, m) * m.weights;
  CHECK(after(0) == Approx(6.5));
  CHECK(after(1) == Approx(-1.5));
  CHECK(after(0) - after(1) == Approx(before(0) - before(1)));

  // A second batch accumulates: bm25f 2, 4, 6, 8 -> mean 5, m2 = 9 + 1 + 1 + 9
  // = 20, sd = sqrt(20 / 3) = 2.581989; log_reviews 1, 1, 4, 4 -> mean 2.5,
  // m2 = 4 * 2.25 = 9, sd = sqrt(3).
  FeatureMatrix more = TwoFeatureRows({{8, 4}});
  m.ObserveRows(more.values.data(), more.rows);
  CHECK(m.count == 4.0);
  CHECK(m.mean[kBm25f] == Approx(5.0));
  CHECK(m.m2[kBm25f] == Approx(20.0));
  CHECK(m.scale[kBm25f] == Approx(2.581989).epsilon(1e-6));
  CHECK(m.weights[kBm25f] == Approx(2.581989).epsilon(1e-6));
  CHECK(m.mean[kLogReviews] == Approx(2.5));
  CHECK(m.weights[kLogReviews] == Approx(0.866025).epsilon(1e-6));
  Eigen::VectorXd again = Normalize(probe, m) * m.weights;
  CHECK(again(0) - again(1) == Approx(8.0));
}

TEST_CASE("ObserveRows keeps scale 1 for one row and for (near-)constant features",
          "[learner]") {
  GlobalLinearModel m = GlobalLinearModel::Initial();
  FeatureMatrix one = TwoFeatureRows({{5, 1}});
  m.ObserveRows(one.values.data(), one.rows);
  // One row: the mean follows it, no variance yet -> scale stays 1.
  CHECK(m.count == 1.0);
  CHECK(m.mean[kBm25f] == 5.0);
  CHECK(m.scale[kBm25f] == 1.0);
  CHECK(m.weights[kBm25f] == 1.0);
  // bm25f 5 and 5.0005: sd = 0.0005 / sqrt 2 = 0.00035 < 1e-3 -> scale 1.
  FeatureMatrix close = TwoFeatureRows({{5.0005f, 1}});
  m.ObserveRows(close.values.data(), close.rows);
  CHECK(m.count == 2.0);
  CHECK(m.scale[kBm25f] == 1.0);
  CHECK(m.weights[kBm25f] == 1.0);
  // Nothing observed: nothing changes.
  GlobalLinearModel copy = m;
  m.ObserveRows(nullptr, 0);
  CHECK(m.weights == copy.weights);
  CHECK(m.scale == copy.scale);
  CHECK(m.count == copy.count);
}

TEST_CASE("ObserveMoments merges a summarised batch like its rows (Chan et al.)",
          "[learner]") {
  std::vector<double> mean(kNumFeatures, 0.5), m2(kNumFeatures, 0.0);
  // Batch A: bm25f values 1, 3 -> mean 2, m2 = 1 + 1 = 2.
  GlobalLinearModel m = GlobalLinearModel::Initial();
  mean[kBm25f] = 2.0;
  m2[kBm25f] = 2.0;
  m.ObserveMoments(2, mean.data(), m2.data());
  // Two values: sd = sqrt(2 / 1) = 1.414214; weight 1 * 1.414214.
  CHECK(m.count == 2.0);
  CHECK(m.mean[kBm25f] == Approx(2.0));
  CHECK(m.m2[kBm25f] == Approx(2.0));
  CHECK(m.scale[kBm25f] == Approx(1.414214).epsilon(1e-6));
  CHECK(m.weights[kBm25f] == Approx(1.414214).epsilon(1e-6));
  // Batch B: bm25f 5, 7 -> mean 6, m2 2. Merged (values 1, 3, 5, 7):
  //   mean = 2 + (6 - 2) * 2 / 4 = 4
  //   m2 = 2 + 2 + (6 - 2)^2 * 2 * 2 / 4 = 4 + 16 = 20 (= 9 + 1 + 1 + 9)
  //   sd = sqrt(20 / 3) = 2.581989; weight 1 * 2.581989 (w / scale stays 1)
  mean[kBm25f] = 6.0;
  m.ObserveMoments(2, mean.data(), m2.data());
  CHECK(m.count == 4.0);
  CHECK(m.mean[kBm25f] == Approx(4.0));
  CHECK(m.m2[kBm25f] == Approx(20.0));
  CHECK(m.scale[kBm25f] == Approx(2.581989).epsilon(1e-6));
  CHECK(m.weights[kBm25f] / m.scale[kBm25f] == Approx(1.0));
  // The other features: constant 0.5 in both batches -> m2 0, scale 1.
  CHECK(m.mean[kRating] == Approx(0.5));
  CHECK(m.m2[kRating] == 0.0);
  CHECK(m.scale[kRating] == 1.0);

  // The same four values as rows give the same statistics.
  GlobalLinearModel rows = GlobalLinearModel::Initial();
  FeatureMatrix x = TwoFeatureRows({{1, 0}, {3, 0}, {5, 0}, {7, 0}});
  rows.ObserveRows(x.values.data(), x.rows);
  CHECK(rows.count == 4.0);
  CHECK(rows.mean[kBm25f] == Approx(m.mean[kBm25f]));
  CHECK(rows.m2[kBm25f] == Approx(m.m2[kBm25f]));
  CHECK(rows.weights[kBm25f] == Approx(m.weights[kBm25f]));

  // An empty (or NaN-sized) batch changes nothing.
  GlobalLinearModel before = m;
  mean[kBm25f] = 1000.0;
  m.ObserveMoments(0, mean.data(), m2.data());
  m.ObserveMoments(std::numeric_limits<double>::quiet_NaN(), mean.data(), m2.data());
  CHECK(m.count == before.count);
  CHECK(m.mean == before.mean);
  CHECK(m.m2 == before.m2);
  CHECK(m.weights == before.weights);
}

TEST_CASE("Global model JSON round-trips exactly", "[learner]") {
  GlobalLinearModel m = GlobalLinearModel::Initial();
  m.weights[kLogReviews] = -0.1;
  m.weights[kUserHasHistory] = 1e-17;
  FeatureMatrix seen = TwoFeatureRows({{2, 1}, {4, 1}, {6.5f, 4}});
  m.ObserveRows(seen.values.data(), seen.rows);
  std::string json = m.ToJson();
  auto back = GlobalLinearModel::FromJson(json);
  REQUIRE(back.ok());
  CHECK(back->weights == m.weights);
  CHECK(back->mean == m.mean);
  CHECK(back->scale == m.scale);
  CHECK(back->m2 == m.m2);
  CHECK(back->count == m.count);
  // The stored feature names are this build's, in order.
  nlohmann::json j = nlohmann::json::parse(json);
  REQUIRE(j["features"].size() == static_cast<size_t>(kNumFeatures));
  for (int i = 0; i < kNumFeatures; ++i) CHECK(j["features"][i] == kFeatureNames[i]);
}

// The error message of GlobalLinearModel::FromJson for a mutated copy of a
// valid model's JSON.
template <typename Mutate>
std::string GlobalError(Mutate mutate) {
  nlohmann::json j = nlohmann::json::parse(GlobalLinearModel::Initial().ToJson());
  mutate(j);
  auto r = GlobalLinearModel::FromJson(j.dump());
  if (r.ok()) return "<accepted>";
  if (r.status().code() != StatusCode::kInvalidArgument) return "<wrong code>";
  return r.status().message();
}

TEST_CASE("A model stored with the earlier 24-feature list reads with the taste features at 0",
          "[learner]") {
  GlobalLinearModel m = GlobalLinearModel::Initial();
  for (int i = 0; i < kNumFeatures; ++i) {
    m.weights[i] = 0.1 * (i + 1);
    m.scale[i] = 2.0;
  }
  nlohmann::json j = nlohmann::json::parse(m.ToJson());
  for (const char* key : {"features", "weights", "mean", "scale", "m2"}) {
    while (j[key].size() > 24) j[key].erase(j[key].size() - 1);
  }
  auto old = GlobalLinearModel::FromJson(j.dump());
  INFO(old.status().ToString());
  REQUIRE(old.ok());
  for (int i = 0; i < 24; ++i) CHECK(old->weights[i] == Approx(0.1 * (i + 1)));
  for (int i = 24; i < kNumFeatures; ++i) {
    CHECK(old->weights[i] == 0.0);
    CHECK(old->scale[i] == 1.0);
  }
  // 25 features are no list saiki ever had.
  j["features"].push_back(kFeatureNames[24]);
  CHECK_THAT(GlobalLinearModel::FromJson(j.dump()).status().message(),
             Catch::Contains("trained on 25 features; this saiki computes 29"));
}

TEST_CASE("Global model FromJson rejects bad input with clear messages", "[learner]") {
  using Catch::Contains;
  using Json = nlohmann::json;
  auto not_json = GlobalLinearModel::FromJson("{weights: [1,2");
  REQUIRE_FALSE(not_json.ok());
  CHECK(not_json.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(not_json.status().message(), Contains("not a JSON object"));
  CHECK_THAT(GlobalLinearModel::FromJson("[1, 2, 3]").status().message(),
             Contains("not a JSON object"));

  CHECK_THAT(GlobalError([](Json& j) { j.erase("features"); }), Contains("no 'features' list"));
  CHECK_THAT(GlobalError([](Json& j) { j["features"][3] = "bm25f_kategorie"; }),
             Contains("feature 3 is 'bm25f_kategorie', expected 'bm25f_category'"));
  CHECK_THAT(GlobalError([](Json& j) { j["features"][0] = 5; }),
             Contains("feature 0 is '?', expected 'bm25f'"));
  // Two names swapped: same set, wrong order.
  CHECK_THAT(GlobalError([](Json& j) { std::swap(j["features"][1], j["features"][2]); }),
             Contains("feature 1 is 'bm25f_brand', expected 'bm25f_title'"));
  // (28 features, one fewer than today, is an earlier list: a prefix.)
  CHECK_THAT(GlobalError([](Json& j) {
               j["features"].erase(j["features"].size() - 1);
               j["features"].erase(j["features"].size() - 1);
             }),
             Contains("trained on 27 features; this saiki computes 29"));
  CHECK_THAT(GlobalError([](Json& j) { j["features"].push_back("new_feature"); }),
             Contains("trained on 30 features; this saiki computes 29"));

  CHECK_THAT(GlobalError([](Json& j) { j["weights"].erase(0); }),
             Contains("'weights' must be an array of 29 numbers, one per feature"));
  CHECK_THAT(GlobalError([](Json& j) { j["mean"].push_back(0.0); }),
             Contains("'mean' must be an array of 29 numbers, one per feature"));
  CHECK_THAT(GlobalError([](Json& j) { j.erase("m2"); }),
             Contains("'m2' must be an array of 29 numbers, one per feature"));
  CHECK_THAT(GlobalError([](Json& j) { j["scale"] = 1.0; }),
             Contains("'scale' must be an array of 29 numbers, one per feature"));
  // JSON has no NaN: nlohmann writes it as null, and a string is no number.
  CHECK_THAT(GlobalError([](Json& j) { j["weights"][5] = nullptr; }),
             Contains("'weights'[5] is not a finite number"));
  CHECK_THAT(GlobalError([](Json& j) { j["mean"][2] = "NaN"; }),
             Contains("'mean'[2] is not a finite number"));
  CHECK_THAT(GlobalError([](Json& j) { j["scale"][7] = 0.0; }), Contains("scale must be > 0"));
  CHECK_THAT(GlobalError([](Json& j) { j["scale"][7] = -1.0; }), Contains("scale must be > 0"));
  CHECK_THAT(GlobalError([](Json& j) { j["count"] = -1; }),
             Contains("'count' must be a number >= 0"));
  CHECK_THAT(GlobalError([](Json& j) { j.erase("count"); }),
             Contains("'count' must be a number >= 0"));
  // And the unmutated JSON is accepted (the helper itself can pass).
  CHECK(GlobalError([](Json&) {}) == "<accepted>");
}

TEST_CASE("A model holding NaN does not survive a JSON round trip", "[learner]") {
  GlobalLinearModel m = GlobalLinearModel::Initial();
  m.weights[kRating] = kNan;
  auto r = GlobalLinearModel::FromJson(m.ToJson());
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("'weights'[12] is not a finite number"));
  // An overflowing literal (1e999) does not get in either: nlohmann's parser
  // refuses it, so the text is not a JSON object.
  std::string json = GlobalLinearModel::Initial().ToJson();
  nlohmann::json j = nlohmann::json::parse(json);
  j["weights"][0] = 12345.0;
  std::string text = j.dump();
  size_t at = text.find("12345.0");
  REQUIRE(at != std::string::npos);
  text.replace(at, 7, "1e999");
  auto overflow = GlobalLinearModel::FromJson(text);
  REQUIRE_FALSE(overflow.ok());
  CHECK(overflow.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("PersonalLinearModel::DeltaFor keeps delta / scale constant", "[learner]") {
  PersonalLinearModel p;
  p.delta[kBm25f] = 2.0;
  p.delta[kLogReviews] = -3.0;
  p.scale[kBm25f] = 2.0;
  p.scale[kLogReviews] = 0.5;
  Eigen::VectorXd now = Eigen::VectorXd::Ones(kNumFeatures);
  now[kBm25f] = 4.0;
  now[kLogReviews] = 1.5;
  now[kRating] = 9.0;
  Eigen::VectorXd d = p.DeltaFor(now);
  // bm25f: 2 / 2 * 4 = 4; log_reviews: -3 / 0.5 * 1.5 = -9; rating: 0 / 1 * 9 = 0.
  CHECK(d[kBm25f] == Approx(4.0));
  CHECK(d[kLogReviews] == Approx(-9.0));
  CHECK(d[kRating] == 0.0);
  // Unchanged scale: unchanged delta.
  Eigen::VectorXd same = p.DeltaFor(p.scale);
  CHECK(same[kBm25f] == Approx(2.0));
  CHECK(same[kLogReviews] == Approx(-3.0));
}

TEST_CASE("Personal model JSON round-trips and rejects bad input", "[learner]") {
  using Catch::Contains;
  PersonalLinearModel p;
  p.delta[kUserClicksBrand] = 0.375;
  p.delta[kBm25fTitle] = -1.0 / 3.0;
  p.scale[kBm25fTitle] = 2.5;
  auto back = PersonalLinearModel::FromJson(p.ToJson());
  REQUIRE(back.ok());
  CHECK(back->delta == p.delta);
  CHECK(back->scale == p.scale);

  nlohmann::json j = nlohmann::json::parse(p.ToJson());
  CHECK(j.contains("delta"));
  CHECK_FALSE(j.contains("weights"));
  nlohmann::json bad = j;
  bad["features"][23] = "user_has_histories";
  CHECK_THAT(PersonalLinearModel::FromJson(bad.dump()).status().message(),
             Contains("feature 23 is 'user_has_histories', expected 'user_has_history'"));
  bad = j;
  bad["delta"].erase(0);
  CHECK_THAT(PersonalLinearModel::FromJson(bad.dump()).status().message(),
             Contains("'delta' must be an array of 29 numbers, one per feature"));
  bad = j;
  bad["delta"][4] = nullptr;
  CHECK_THAT(PersonalLinearModel::FromJson(bad.dump()).status().message(),
             Contains("'delta'[4] is not a finite number"));
  bad = j;
  bad["scale"][0] = 0;
  CHECK_THAT(PersonalLinearModel::FromJson(bad.dump()).status().message(),
             Contains("scale must be > 0"));
  // A global model's JSON is not a personal model (no delta).
  CHECK_FALSE(PersonalLinearModel::FromJson(GlobalLinearModel::Initial().ToJson()).ok());
}

// ---------------------------------------------------------------- together

TEST_CASE("Learning from a click on a well-reviewed product raises log_reviews' weight",
          "[learner]") {
  // Shown: product 0 (bm25f 6, ln 2 reviews), product 1 (bm25f 5, ln 100
  // reviews); the user clicks product 1.
  FeatureMatrix x = TwoFeatureRows({{6, 0.693147f}, {5, 4.605170f}});
  std::vector<LoggedImpression> session = {Impression({0, 1})};
  session[0].features = x;
  GlobalLinearModel m = GlobalLinearModel::Initial();
  m.ObserveRows(x.values.data(), x.rows);
  // Two rows: each feature's z is -+0.707107 (deviation / sd, sd = |a - b| /
  // sqrt 2); bm25f weight 1 * sd = 0.707107, so scores are +-0.5: product 0
  // first, as BM25F ranks them.
  std::vector<Matrix> z = {Normalize(x, m)};
  CHECK(z[0](0, kBm25f) == Approx(0.707107).epsilon(1e-5));
  CHECK(z[0](1, kLogReviews) == Approx(0.707107).epsilon(1e-5));
  CHECK(z[0](0, kRating) == 0.0);  // constant features normalise to 0
  std::vector<double> prop = {1.0, 0.5};
  std::vector<Preference> prefs = DerivePreferences(session, prop, 10.0);
  REQUIRE(prefs.size() == 1);  // (1 > 0), weight 2
  auto r = PairwiseUpdate(z, session, prefs, Eigen::VectorXd::Zero(kNumFeatures), m.weights,
                          false, UpdateOptions{});
  REQUIRE(r.ok());
  // d = z1 - z0: bm25f -1.414214, log_reviews +1.414214, others 0. Margin
  // 0.707107 * -1.414214 = -1 -> the gradient pushes bm25f down and
  // log_reviews up; features with d = 0 and weight 0 stay 0.
  CHECK(r->theta[kLogReviews] > 0.0);
  CHECK(r->theta[kBm25f] < m.weights[kBm25f]);
  CHECK(r->theta[kRating] == 0.0);
  CHECK(r->loss_before == Approx(std::log1p(std::exp(1.0)) + 0.005 * 0.5).epsilon(1e-5));
  CHECK(r->loss_after < r->loss_before);
  // The replay metric of the session cannot fall: before, the click ranks 2
  // (1/2); after, it ranks 2 or 1.
  Eigen::VectorXd zero = Eigen::VectorXd::Zero(kNumFeatures);
  double before = ReplayMetric(z, session, prop, m.weights, zero, 10.0);
  double after = ReplayMetric(z, session, prop, r->theta, zero, 10.0);
  CHECK(before == Approx(0.5));
  CHECK(after >= before);
}

}  // namespace
}  // namespace saiki::ranker
