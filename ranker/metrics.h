// Ranking metrics for the learner's guard and for offline evaluation: graded
// DCG/NDCG, reciprocal rank, an inverse-propensity-weighted reciprocal rank
// for replaying logged impressions under a new scorer, and the click entropy
// of a query. Pure functions of their arguments, no storage, no state.
//
// Conventions shared by all functions here:
//  - "Ranked order" means best first; position i (0-based) has rank i + 1.
//  - Relevance labels are graded, >= 0, and an item is "relevant" when its
//    label is > 0. Negative labels are not rejected but make NDCG leave
//    [0, 1] (as in scikit-learn).
//  - Ties in scores are the caller's business for DCG/NDCG/RR (they take the
//    labels already in ranked order); IpsReciprocalRank breaks them by the
//    logged position (documented there).
#ifndef SAIKI_RANKER_METRICS_H_
#define SAIKI_RANKER_METRICS_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace saiki::ranker {

// How a relevance label becomes a gain in DCG.
enum class Gain {
  // 2^rel - 1 (Burges et al., "Learning to rank using gradient descent",
  // ICML 2005; the usual LTR/LETOR convention): a grade-3 item is worth seven
  // grade-1 items, which emphasises getting the very best item on top.
  kExponential,
  // rel itself (Jarvelin & Kekalainen, "Cumulated gain-based evaluation of
  // IR techniques", TOIS 2002); scikit-learn's dcg_score/ndcg_score. For
  // binary labels the two gains coincide.
  kLinear,
};

// k that means "no cutoff": every position counts.
inline constexpr size_t kNoCutoff = std::numeric_limits<size_t>::max();

// DCG@k = sum over the first min(k, n) positions i (0-based) of
//   gain(rel[i]) / log2(i + 2),
// i.e. the discount is log2(rank + 1) with 1-based rank. k = 0 gives 0.
double DcgAtK(std::span<const double> relevance_in_ranked_order, size_t k,
              Gain gain = Gain::kExponential);

// NDCG@k = DCG@k / IDCG@k, where IDCG@k is the DCG@k of the ideal ordering:
// the labels of all_relevances_for_ideal sorted descending, or, when that is
// empty, the labels of relevance_in_ranked_order itself sorted descending.
// Pass all judged labels of the query as all_relevances_for_ideal when the
// ranked list may miss relevant items (otherwise a list that retrieves one
// mediocre item and nothing else scores 1); the ranked list's items must then
// be among them, or the result can exceed 1 (it is not clamped, to expose the
// bug).
//
// When IDCG@k is 0 (no relevant label among the ideal's first k, including
// an empty list or k = 0) the result is 0: a query with nothing relevant
// cannot tell rankers apart, so it should pull no ranker up. scikit-learn's
// ndcg_score does the same; some LTR libraries (e.g. LightGBM) return 1
// instead -- skip such queries when comparing with them.
//
// scikit-learn equivalence: ndcg_score(y_true, y_score, k=k, ignore_ties=True)
// equals NdcgAtK(y_true in the order of descending y_score, k,
// y_true, Gain::kLinear). With ties in y_score, scikit-learn averages over
// the orderings of each tied group (McSherry & Najork, ECIR 2008); average
// NdcgAtK over those orderings to match.
double NdcgAtK(std::span<const double> relevance_in_ranked_order, size_t k,
               std::span<const double> all_relevances_for_ideal = {},
               Gain gain = Gain::kExponential);

// 1 / rank of the first relevant (label > 0) item, or 0 if none is relevant
// (also for an empty list).
double ReciprocalRank(std::span<const double> relevance_in_ranked_order);

// Mean of ReciprocalRank over queries (Voorhees, TREC-8 QA track, 1999).
// A query without a relevant item contributes 0 and still counts in the
// denominator; no queries gives 0.
double MeanReciprocalRank(std::span<const std::vector<double>> relevance_per_query);

// The two sums behind the IPS reciprocal rank of one impression:
//   weighted_rr = sum over clicked items c of w_c / rank_c
//   weight      = sum over clicked items c of w_c
// where w_c = min(1 / propensity_c, clip).
struct IpsTerms {
  double weighted_rr = 0.0;
  double weight = 0.0;

  IpsTerms& operator+=(const IpsTerms& other) {
    weighted_rr += other.weighted_rr;
    weight += other.weight;
    return *this;
  }
  // weighted_rr / weight, or 0 when there is no weight (no click).
  double Value() const { return weight > 0.0 ? weighted_rr / weight : 0.0; }
};

// Replay of one logged impression under a new scorer, corrected for position
// bias by inverse propensity weighting (Joachims, Swaminathan & Schnabel,
// "Unbiased learning-to-rank with biased feedback", WSDM 2017; Wang et al.,
// "Learning to rank with selection bias in personal search", SIGIR 2016).
//
// Inputs, one entry per shown item, indexed by the position it was shown at
// (0-based): new_scores (the new scorer's score; higher is better), clicked
// (non-zero if the item was clicked), propensity_at_shown_position (the
// probability that the user examined that position, in (0, 1]).
//
// rank_c is the 1-based rank of clicked item c when the shown items are
// re-sorted by new score, descending; equal scores keep their shown order
// (the earlier-shown item ranks higher), so a scorer that ties everything
// reproduces the logged ranking. A NaN score ranks as -infinity.
//
// w_c = min(1 / propensity, clip): clipping bounds the variance that tiny
// propensities at deep positions would add (Strehl et al., NeurIPS 2010;
// Joachims et al. 2017). A propensity <= 0 or NaN gets weight clip. clip
// must be > 0; pass infinity for no clipping.
//
// The four spans must have the same length (asserted; in release builds only
// the common prefix is used).
IpsTerms IpsReciprocalRankTerms(std::span<const double> new_scores,
                                std::span<const uint8_t> clicked,
                                std::span<const double> propensity_at_shown_position,
                                double clip = 10.0);

// IpsReciprocalRankTerms(...).Value(): the weight-normalised IPS reciprocal
// rank of one impression, in [0, 1]; 0 for an impression without clicks.
//
// To compare scorers over many impressions, sum the IpsTerms of all
// impressions and take Value() of the sum (the self-normalised IPS
// estimator, Swaminathan & Joachims, NeurIPS 2015). Averaging this
// per-impression value instead throws the correction away for single-click
// impressions: there the weight cancels and the value is just 1 / rank.
double IpsReciprocalRank(std::span<const double> new_scores, std::span<const uint8_t> clicked,
                         std::span<const double> propensity_at_shown_position, double clip = 10.0);

// Click entropy of a query (Dou, Song & Wen, "A large-scale evaluation and
// analysis of personalized search strategies", WWW 2007; Teevan, Dumais &
// Liebling, "To personalize or not to personalize", SIGIR 2008). With
// P(p) = clicks(p) / total clicks of the query,
//   nats       = -sum_p P(p) ln P(p)          (bits = nats / ln 2)
//   normalized = nats / ln(m), m = number of products with clicks > 0
//                (Pielou's evenness), 0 when m <= 1.
// A navigational query ("ユニクロ ヒートテック", where everyone clicks the
// same product) has entropy near 0; a broad or ambiguous one ("ギフト") has
// high entropy. Personalisation helps the latter and can only hurt the
// former, so it is gated on a high click entropy. nats grows with the number
// of products clicked; normalized says how evenly clicks are spread among
// them, independent of that number.
//
// The plug-in estimate is biased low when clicks are few, so a gate should
// also require a minimum total_clicks. Counts may be fractional (e.g. decayed
// with age); counts <= 0, NaN or infinite are ignored.
struct ClickEntropy {
  double nats = 0.0;
  double normalized = 0.0;
  double total_clicks = 0.0;
  size_t clicked_products = 0;  // m above
};
ClickEntropy QueryClickEntropy(std::span<const double> clicks_per_product);

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_METRICS_H_
