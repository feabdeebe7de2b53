// Tests for the ranking metrics (ranker/metrics.h) against values computed by
// hand (the arithmetic is in the comments) and against scikit-learn's
// ndcg_score reference examples: graded DCG/NDCG with both gains, cutoffs
// and an external ideal, reciprocal rank and MRR, the IPS reciprocal rank of
// a replayed impression with clipping and ties, and click entropy.
//
// Discounts used throughout: 1 / log2(rank + 1) for ranks 1..6 are
//   1, 0.6309297535714575, 0.5, 0.43067655807339306, 0.38685280723454163,
//   0.35620718710802218.
#include "ranker/metrics.h"

#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

namespace saiki::ranker {
namespace {

constexpr double kEps = 1e-12;
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

using Labels = std::vector<double>;

TEST_CASE("DCG with exponential gains matches hand arithmetic", "[metrics]") {
  const Labels ranked = {3, 2, 3, 0, 1, 2};
  // Gains 2^rel - 1 = 7, 3, 7, 0, 1, 3:
  //   7*1 + 3*0.63093 + 7*0.5 + 0 + 1*0.38685 + 3*0.35621
  // = 7 + 1.89279 + 3.5 + 0.38685 + 1.06862 = 13.84826
  CHECK(DcgAtK(ranked, 6) == Approx(13.848263629272981).epsilon(kEps));
  CHECK(DcgAtK(ranked, kNoCutoff) == Approx(13.848263629272981).epsilon(kEps));
  CHECK(DcgAtK(ranked, 100) == Approx(13.848263629272981).epsilon(kEps));
  // @3: 7 + 1.89279 + 3.5 = 12.39279
  CHECK(DcgAtK(ranked, 3) == Approx(12.392789260714373).epsilon(kEps));
  CHECK(DcgAtK(ranked, 1) == Approx(7.0).epsilon(kEps));
  CHECK(DcgAtK(ranked, 0) == 0.0);
  CHECK(DcgAtK(Labels{}, 5) == 0.0);
}

TEST_CASE("NDCG with exponential gains matches hand arithmetic", "[metrics]") {
  const Labels ranked = {3, 2, 3, 0, 1, 2};
  // Ideal order 3, 3, 2, 2, 1, 0 -> gains 7, 7, 3, 3, 1, 0:
  //   IDCG@6 = 7 + 4.41651 + 1.5 + 1.29203 + 0.38685 + 0 = 14.59539
  //   NDCG@6 = 13.84826 / 14.59539 = 0.94881
  CHECK(NdcgAtK(ranked, 6) == Approx(0.9488107485678985).epsilon(kEps));
  //   IDCG@3 = 7 + 4.41651 + 1.5 = 12.91651; NDCG@3 = 12.39279 / 12.91651 = 0.95945
  CHECK(NdcgAtK(ranked, 3) == Approx(0.9594535145926796).epsilon(kEps));
  // The ideal ranking scores 1 at every cutoff.
  const Labels ideal = {3, 3, 2, 2, 1, 0};
  for (size_t k = 1; k <= 8; ++k) CHECK(NdcgAtK(ideal, k) == Approx(1.0).epsilon(kEps));
  // Worst order of two items: (2^0-1 + 1*0.63093) / 1 = 0.63093.
  CHECK(NdcgAtK(Labels{0, 1}, 2) == Approx(0.6309297535714575).epsilon(kEps));
}

TEST_CASE("NDCG uses the external ideal when given", "[metrics]") {
  // Wikipedia's DCG example (linear gains): the list retrieves 3,2,3,0,1,2
  // but the query has two more judged items, labelled 3 and 2, not retrieved.
  //   DCG@6  = 3 + 2*0.63093 + 3*0.5 + 0 + 1*0.38685 + 2*0.35621 = 6.86113
  //   ideal from {3,2,3,0,1,2,3,2}: 3,3,3,2,2,2
  //   IDCG@6 = 3 + 1.89279 + 1.5 + 0.86135 + 0.77371 + 0.71241 = 8.74026
  //   NDCG@6 = 6.86113 / 8.74026 = 0.78500
  const Labels ranked = {3, 2, 3, 0, 1, 2};
  const Labels judged = {3, 2, 3, 0, 1, 2, 3, 2};
  CHECK(NdcgAtK(ranked, 6, judged, Gain::kLinear) == Approx(0.785002371969948).epsilon(kEps));
  // Without the external ideal the ideal is 3,3,2,2,1,0:
  //   IDCG@6 = 3 + 1.89279 + 1 + 0.86135 + 0.38685 + 0 = 7.14100 -> 0.96081
  CHECK(NdcgAtK(ranked, 6, {}, Gain::kLinear) == Approx(0.9608081943360617).epsilon(kEps));
  // A list that retrieves one mediocre item: 1 on its own, 1/7 against the
  // judged ideal (gain 2^1-1 = 1 vs 2^3-1 = 7 at rank 1).
  CHECK(NdcgAtK(Labels{1}, 1) == Approx(1.0).epsilon(kEps));
  CHECK(NdcgAtK(Labels{1}, 1, judged) == Approx(1.0 / 7).epsilon(kEps));
}

TEST_CASE("NDCG matches scikit-learn's ndcg_score examples", "[metrics]") {
  // sklearn: true_relevance = [[10, 0, 0, 1, 5]], linear gains, log2
  // discount, ideal from y_true. Labels are passed in the order of
  // descending y_score.
  const Labels truth = {10, 0, 0, 1, 5};

  // scores [.1, .2, .3, 4, 70] -> order 70,4,.3,.2,.1 -> labels 5,1,0,0,10
  //   DCG  = 5 + 1*0.63093 + 0 + 0 + 10*0.38685 = 9.49946
  //   IDCG = 10 + 5*0.63093 + 1*0.5 = 13.65465
  //   ndcg_score = 9.49946 / 13.65465 = 0.6956940443813076 (sklearn's docs)
  const Labels by_score_1 = {5, 1, 0, 0, 10};
  CHECK(NdcgAtK(by_score_1, kNoCutoff, truth, Gain::kLinear) ==
        Approx(0.6956940443813076).epsilon(kEps));

  // scores [.05, 1.1, 1., .5, .0] -> labels 0,0,1,10,5
  //   DCG = 0 + 0 + 1*0.5 + 10*0.43068 + 5*0.38685 = 6.74103
  //   ndcg_score = 6.74103 / 13.65465 = 0.49368 (docs: 0.49...)
  const Labels by_score_2 = {0, 0, 1, 10, 5};
  CHECK(NdcgAtK(by_score_2, kNoCutoff, truth, Gain::kLinear) ==
        Approx(0.4936801913773761).epsilon(kEps));
  //   k=4: DCG@4 = 0.5 + 4.30677 = 4.80677; IDCG@4 = 13.65465 (4th label 0)
  //   ndcg_score(k=4) = 0.35202 (docs: 0.35...)
  CHECK(NdcgAtK(by_score_2, 4, truth, Gain::kLinear) == Approx(0.3520241100634489).epsilon(kEps));
  // ndcg_score(true, true, k=4) = 1.0
  const Labels sorted_truth = {10, 5, 1, 0, 0};
  CHECK(NdcgAtK(sorted_truth, 4, truth, Gain::kLinear) == Approx(1.0).epsilon(kEps));

  // Ties: scores [1, 0, 0, 0, 1] tie items 0 (label 10) and 4 (label 5) on
  // top. With k=1, sklearn averages the tied group: (10/10 + 5/10) / 2 = 0.75;
  // averaging NdcgAtK over both orders of the group gives the same.
  const double first_10 = NdcgAtK(Labels{10, 5, 0, 0, 1}, 1, truth, Gain::kLinear);  // 10/10
  const double first_5 = NdcgAtK(Labels{5, 10, 0, 0, 1}, 1, truth, Gain::kLinear);   // 5/10
  CHECK(first_10 == Approx(1.0).epsilon(kEps));
  CHECK(first_5 == Approx(0.5).epsilon(kEps));
  CHECK((first_10 + first_5) / 2 == Approx(0.75).epsilon(kEps));
  // ignore_ties=True takes numpy's order (item 4 first): 0.5 in the docs.

  // Linear and exponential gains differ for graded labels: with 2^rel - 1
  // gains of labels 5, 1, 0, 0, 10 are 31, 1, 0, 0, 1023:
  //   DCG  = 31 + 1*0.63093 + 1023*0.38685 = 31 + 0.63093 + 395.75042 = 427.38135
  //   IDCG = 1023 + 31*0.63093 + 1*0.5 = 1043.05882 -> 0.40974
  CHECK(NdcgAtK(by_score_1, kNoCutoff, truth) == Approx(0.4097384945052588).epsilon(kEps));
}

TEST_CASE("Binary labels give the same NDCG under both gains", "[metrics]") {
  const Labels ranked = {0, 1, 1, 0, 1};
  for (size_t k : {size_t{1}, size_t{2}, size_t{3}, size_t{5}}) {
    CHECK(NdcgAtK(ranked, k, {}, Gain::kLinear) == Approx(NdcgAtK(ranked, k)).epsilon(kEps));
  }
  // @3: DCG = 0 + 0.63093 + 0.5 = 1.13093; IDCG = 1 + 0.63093 + 0.5 = 2.13093
  CHECK(NdcgAtK(ranked, 3) == Approx(1.1309297535714575 / 2.1309297535714575).epsilon(kEps));
}

TEST_CASE("NDCG is 0 when nothing is relevant", "[metrics]") {
  CHECK(NdcgAtK(Labels{0, 0, 0}, 3) == 0.0);
  CHECK(NdcgAtK(Labels{}, 3) == 0.0);
  CHECK(NdcgAtK(Labels{1, 2}, 0) == 0.0);
  CHECK(NdcgAtK(Labels{0, 0}, 2, Labels{0, 0, 0}) == 0.0);
  // Relevant items exist, but none in the list: 0 as well (IDCG > 0).
  CHECK(NdcgAtK(Labels{0, 0}, 2, Labels{0, 0, 2}) == 0.0);
}

TEST_CASE("Reciprocal rank is 1 / rank of the first relevant item", "[metrics]") {
  CHECK(ReciprocalRank(Labels{2, 0, 1}) == 1.0);
  CHECK(ReciprocalRank(Labels{0, 0, 1, 0, 3}) == Approx(1.0 / 3).epsilon(kEps));
  CHECK(ReciprocalRank(Labels{0, 0}) == 0.0);
  CHECK(ReciprocalRank(Labels{}) == 0.0);
  // Queries: RR 1, 1/2, 1/4 and 0 (nothing relevant, still counted):
  //   MRR = (1 + 0.5 + 0.25 + 0) / 4 = 0.4375
  const std::vector<Labels> queries = {{1}, {0, 1}, {0, 0, 0, 1}, {0, 0}};
  CHECK(MeanReciprocalRank(queries) == Approx(0.4375).epsilon(kEps));
  CHECK(MeanReciprocalRank(std::vector<Labels>{}) == 0.0);
}

TEST_CASE("IPS reciprocal rank re-ranks shown items by the new scores", "[metrics]") {
  // Shown at positions 0..3; new scores put them in the order 1, 2, 3, 0.
  const std::vector<double> scores = {0.1, 0.9, 0.5, 0.3};
  const std::vector<double> propensity = {1.0, 0.5, 0.25, 0.125};

  SECTION("one click: the weight cancels in the per-impression value") {
    // Click at position 2 (propensity 0.25, weight 4); new rank 2.
    //   weighted_rr = 4 * 1/2 = 2, weight = 4, value = 0.5
    const std::vector<uint8_t> clicked = {0, 0, 1, 0};
    const IpsTerms terms = IpsReciprocalRankTerms(scores, clicked, propensity);
    CHECK(terms.weighted_rr == Approx(2.0).epsilon(kEps));
    CHECK(terms.weight == Approx(4.0).epsilon(kEps));
    CHECK(IpsReciprocalRank(scores, clicked, propensity) == Approx(0.5).epsilon(kEps));
  }
  SECTION("two clicks are weighted by inverse propensity") {
    // Clicks at position 0 (weight 1/1 = 1, new rank 4) and position 3
    // (weight 1/0.125 = 8, new rank 3):
    //   (1 * 1/4 + 8 * 1/3) / (1 + 8) = (0.25 + 2.66667) / 9 = 0.32407
    const std::vector<uint8_t> clicked = {1, 0, 0, 1};
    CHECK(IpsReciprocalRank(scores, clicked, propensity) ==
          Approx((0.25 + 8.0 / 3) / 9).epsilon(kEps));
  }
  SECTION("weights are clipped") {
    // Position 3 now has propensity 0.05: weight 1/0.05 = 20, clipped to 10.
    //   clip 10:  (0.25 + 10/3) / 11 = 3.58333 / 11 = 0.32576
    //   no clip:  (0.25 + 20/3) / 21 = 6.91667 / 21 = 0.32937
    //   clip 5:   (0.25 + 5/3)  / 6  = 1.91667 / 6  = 0.31944
    const std::vector<double> low = {1.0, 0.5, 0.25, 0.05};
    const std::vector<uint8_t> clicked = {1, 0, 0, 1};
    CHECK(IpsReciprocalRank(scores, clicked, low) == Approx((0.25 + 10.0 / 3) / 11).epsilon(kEps));
    CHECK(IpsReciprocalRank(scores, clicked, low, kInf) ==
          Approx((0.25 + 20.0 / 3) / 21).epsilon(kEps));
    CHECK(IpsReciprocalRank(scores, clicked, low, 5.0) ==
          Approx((0.25 + 5.0 / 3) / 6).epsilon(kEps));
    // Propensity 0 or NaN: weight = clip (10).
    const std::vector<double> broken = {1.0, 0.5, 0.25, 0.0};
    CHECK(IpsReciprocalRankTerms(scores, clicked, broken).weight == Approx(11.0).epsilon(kEps));
    const std::vector<double> nan_prop = {1.0, 0.5, 0.25, kNan};
    CHECK(IpsReciprocalRankTerms(scores, clicked, nan_prop).weight == Approx(11.0).epsilon(kEps));
  }
  SECTION("no click gives 0") {
    const std::vector<uint8_t> none = {0, 0, 0, 0};
    const IpsTerms terms = IpsReciprocalRankTerms(scores, none, propensity);
    CHECK(terms.weighted_rr == 0.0);
    CHECK(terms.weight == 0.0);
    CHECK(IpsReciprocalRank(scores, none, propensity) == 0.0);
    CHECK(IpsReciprocalRank({}, {}, {}) == 0.0);
  }
}

TEST_CASE("IPS reciprocal rank breaks score ties by shown position", "[metrics]") {
  const std::vector<double> propensity = {1.0, 1.0, 1.0, 1.0};
  // All tied: the shown order is kept, so a click at position 2 has rank 3.
  const std::vector<double> flat = {1.0, 1.0, 1.0, 1.0};
  CHECK(IpsReciprocalRank(flat, std::vector<uint8_t>{0, 0, 1, 0}, propensity) ==
        Approx(1.0 / 3).epsilon(kEps));
  // Scores 0.5, 0.9, 0.5, 0.5: new order 1, 0, 2, 3 (the 0.5s in shown order).
  //   click at 3: ahead are 1 (higher), 0 and 2 (equal, shown earlier) -> rank 4
  //   click at 0: ahead is 1 only -> rank 2
  const std::vector<double> partial = {0.5, 0.9, 0.5, 0.5};
  CHECK(IpsReciprocalRank(partial, std::vector<uint8_t>{0, 0, 0, 1}, propensity) ==
        Approx(0.25).epsilon(kEps));
  CHECK(IpsReciprocalRank(partial, std::vector<uint8_t>{1, 0, 0, 0}, propensity) ==
        Approx(0.5).epsilon(kEps));
  // A NaN score counts as -infinity: below every finite score, tied with a
  // -infinity score and then ordered by shown position.
  const std::vector<double> with_nan = {kNan, 0.2, -kInf, 0.1};
  //   NaN at 0: ahead are 0.2 and 0.1; the -inf at 2 is shown later -> rank 3
  CHECK(IpsReciprocalRank(with_nan, std::vector<uint8_t>{1, 0, 0, 0}, propensity) ==
        Approx(1.0 / 3).epsilon(kEps));
}

TEST_CASE("IPS terms sum across impressions into the self-normalised estimate", "[metrics]") {
  // Impression X: one click at propensity 1, new rank 1 -> terms (1, 1).
  // Impression Y: one click at propensity 0.125 (weight 8), new rank 4 ->
  //   terms (8 * 1/4, 8) = (2, 8).
  // Summed: 3 / 9 = 1/3. The mean of per-impression values, (1 + 0.25) / 2
  // = 0.625, ignores the weights (each single-click value is just 1 / rank).
  const std::vector<double> p_x = {1.0, 0.5};
  const IpsTerms x =
      IpsReciprocalRankTerms(std::vector<double>{0.9, 0.1}, std::vector<uint8_t>{1, 0}, p_x);
  const std::vector<double> p_y = {1.0, 0.5, 0.25, 0.125};
  const IpsTerms y = IpsReciprocalRankTerms(std::vector<double>{4, 3, 2, 1},
                                            std::vector<uint8_t>{0, 0, 0, 1}, p_y);
  IpsTerms total;
  total += x;
  total += y;
  CHECK(total.weighted_rr == Approx(3.0).epsilon(kEps));
  CHECK(total.weight == Approx(9.0).epsilon(kEps));
  CHECK(total.Value() == Approx(1.0 / 3).epsilon(kEps));
  CHECK((x.Value() + y.Value()) / 2 == Approx(0.625).epsilon(kEps));
}

TEST_CASE("Click entropy of uniform, skewed and single-product queries", "[metrics]") {
  // Uniform over 4 products: ln 4 = 1.38629 nats, evenness 1.
  const ClickEntropy uniform = QueryClickEntropy(std::vector<double>{5, 5, 5, 5});
  CHECK(uniform.nats == Approx(std::log(4.0)).epsilon(kEps));
  CHECK(uniform.normalized == Approx(1.0).epsilon(kEps));
  CHECK(uniform.total_clicks == 20.0);
  CHECK(uniform.clicked_products == 4);

  // One product takes every click (navigational): 0 nats.
  const ClickEntropy single = QueryClickEntropy(std::vector<double>{0, 12, 0});
  CHECK(single.nats == 0.0);
  CHECK(single.normalized == 0.0);
  CHECK(single.total_clicks == 12.0);
  CHECK(single.clicked_products == 1);

  // Clicks 2, 1, 1: P = 1/2, 1/4, 1/4.
  //   H = -(0.5 ln 0.5 + 2 * 0.25 ln 0.25) = 0.5 ln 2 + 0.5 * 2 ln 2
  //     = 1.5 ln 2 = 1.03972 nats; normalised by ln 3 = 1.09861 -> 0.94639
  const ClickEntropy skewed = QueryClickEntropy(std::vector<double>{2, 1, 1});
  CHECK(skewed.nats == Approx(1.5 * std::log(2.0)).epsilon(kEps));
  CHECK(skewed.normalized == Approx(1.5 * std::log(2.0) / std::log(3.0)).epsilon(kEps));
  // Only proportions matter; zero, negative, NaN and infinite counts are
  // ignored; fractional (decayed) counts are fine.
  CHECK(QueryClickEntropy(std::vector<double>{20, 10, 10}).nats ==
        Approx(skewed.nats).epsilon(kEps));
  const ClickEntropy noisy = QueryClickEntropy(std::vector<double>{2, 0, 1, -3, 1, kNan, kInf});
  CHECK(noisy.nats == Approx(skewed.nats).epsilon(kEps));
  CHECK(noisy.clicked_products == 3);
  CHECK(noisy.total_clicks == 4.0);
  CHECK(QueryClickEntropy(std::vector<double>{0.5, 0.5}).nats ==
        Approx(std::log(2.0)).epsilon(kEps));
  // A 99:1 split is nearly navigational:
  //   H = -(0.99 ln 0.99 + 0.01 ln 0.01) = 0.00995 + 0.04605 = 0.05600
  const ClickEntropy lopsided = QueryClickEntropy(std::vector<double>{99, 1});
  CHECK(lopsided.nats == Approx(0.056001534354847345).epsilon(1e-12));
  CHECK(lopsided.normalized < 0.1);
  // No clicks at all.
  const ClickEntropy empty = QueryClickEntropy(std::vector<double>{});
  CHECK(empty.nats == 0.0);
  CHECK(empty.clicked_products == 0);
  CHECK(empty.total_clicks == 0.0);
}

}  // namespace
}  // namespace saiki::ranker
