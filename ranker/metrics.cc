// Ranking metrics: DCG/NDCG, reciprocal rank, IPS reciprocal rank and click
// entropy. See metrics.h for the definitions and contracts; this file notes
// only how they are computed.
#include "ranker/metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>

namespace saiki::ranker {
namespace {

double GainOf(double relevance, Gain gain) {
  return gain == Gain::kExponential ? std::exp2(relevance) - 1.0 : relevance;
}

// NaN sorts as -infinity, so a broken score never wins a rank.
double ScoreKey(double score) {
  return std::isnan(score) ? -std::numeric_limits<double>::infinity() : score;
}

}  // namespace

double DcgAtK(std::span<const double> relevance_in_ranked_order, size_t k, Gain gain) {
  const size_t n = std::min(k, relevance_in_ranked_order.size());
  double dcg = 0.0;
  for (size_t i = 0; i < n; ++i) {
    dcg += GainOf(relevance_in_ranked_order[i], gain) / std::log2(static_cast<double>(i) + 2.0);
  }
  return dcg;
}

double NdcgAtK(std::span<const double> relevance_in_ranked_order, size_t k,
               std::span<const double> all_relevances_for_ideal, Gain gain) {
  std::span<const double> pool =
      all_relevances_for_ideal.empty() ? relevance_in_ranked_order : all_relevances_for_ideal;
  // Only the best min(k, |pool|) labels matter for the ideal.
  std::vector<double> ideal(pool.begin(), pool.end());
  const size_t top = std::min(k, ideal.size());
  std::partial_sort(ideal.begin(), ideal.begin() + static_cast<std::ptrdiff_t>(top), ideal.end(),
                    std::greater<double>());
  const double idcg = DcgAtK(ideal, top, gain);
  if (!(idcg > 0.0)) return 0.0;  // nothing relevant: see the header
  return DcgAtK(relevance_in_ranked_order, k, gain) / idcg;
}

double ReciprocalRank(std::span<const double> relevance_in_ranked_order) {
  for (size_t i = 0; i < relevance_in_ranked_order.size(); ++i) {
    if (relevance_in_ranked_order[i] > 0.0) return 1.0 / static_cast<double>(i + 1);
  }
  return 0.0;
}

double MeanReciprocalRank(std::span<const std::vector<double>> relevance_per_query) {
  if (relevance_per_query.empty()) return 0.0;
  double sum = 0.0;
  for (const std::vector<double>& query : relevance_per_query) sum += ReciprocalRank(query);
  return sum / static_cast<double>(relevance_per_query.size());
}

IpsTerms IpsReciprocalRankTerms(std::span<const double> new_scores,
                                std::span<const uint8_t> clicked,
                                std::span<const double> propensity_at_shown_position, double clip) {
  assert(new_scores.size() == clicked.size() &&
         new_scores.size() == propensity_at_shown_position.size());
  assert(clip > 0.0);
  const size_t n =
      std::min({new_scores.size(), clicked.size(), propensity_at_shown_position.size()});
  IpsTerms terms;
  for (size_t c = 0; c < n; ++c) {
    if (clicked[c] == 0) continue;
    // rank = 1 + items scored strictly higher + equal-scored items shown
    // earlier. Counting rather than sorting keeps the tie rule explicit and
    // stays well defined with NaN; shown lists are short (a page).
    const double key = ScoreKey(new_scores[c]);
    size_t ahead = 0;
    for (size_t j = 0; j < n; ++j) {
      const double other = ScoreKey(new_scores[j]);
      if (other > key || (other == key && j < c)) ++ahead;
    }
    const double propensity = propensity_at_shown_position[c];
    const double weight = propensity > 0.0 ? std::min(1.0 / propensity, clip) : clip;
    terms.weighted_rr += weight / static_cast<double>(ahead + 1);
    terms.weight += weight;
  }
  return terms;
}

double IpsReciprocalRank(std::span<const double> new_scores, std::span<const uint8_t> clicked,
                         std::span<const double> propensity_at_shown_position, double clip) {
  return IpsReciprocalRankTerms(new_scores, clicked, propensity_at_shown_position, clip).Value();
}

ClickEntropy QueryClickEntropy(std::span<const double> clicks_per_product) {
  ClickEntropy result;
  for (double c : clicks_per_product) {
    if (c > 0.0 && std::isfinite(c)) {
      result.total_clicks += c;
      ++result.clicked_products;
    }
  }
  if (result.clicked_products <= 1) return result;  // one product (or none): 0 nats
  double nats = 0.0;
  for (double c : clicks_per_product) {
    if (!(c > 0.0 && std::isfinite(c))) continue;
    const double p = c / result.total_clicks;
    nats -= p * std::log(p);
  }
  // Rounding can leave a hair below 0 or above ln(m); clamp to the true range.
  const double max_nats = std::log(static_cast<double>(result.clicked_products));
  result.nats = std::clamp(nats, 0.0, max_nats);
  result.normalized = result.nats / max_nats;
  return result;
}

}  // namespace saiki::ranker
