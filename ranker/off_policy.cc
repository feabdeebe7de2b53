// Off-policy comparison. See off_policy.h.
#include "ranker/off_policy.h"

#include <algorithm>
#include <cmath>

#include "ranker/linear_model.h"
#include "ranker/metrics.h"
#include "ranker/trees.h"

namespace saiki::ranker {

PageScorer LinearPageScorer(const GlobalLinearModel& model) {
  return [&model](const LoggedImpression& page, std::vector<double>* scores) {
    scores->assign(page.signal.size(), 0.0);
    for (size_t r = 0; r < page.signal.size() && r < page.features.rows; ++r) {
      const float* x = page.features.row(r);
      double s = 0;
      for (int f = 0; f < kNumFeatures; ++f) {
        s += model.weights[f] * ((x[f] - model.mean[f]) / model.scale[f]);
      }
      (*scores)[r] = s;
    }
  };
}

PageScorer TreePageScorer(const TreeEnsemble& trees) {
  return [&trees](const LoggedImpression& page, std::vector<double>* scores) {
    scores->assign(page.signal.size(), 0.0);
    for (size_t r = 0; r < page.signal.size() && r < page.features.rows; ++r) {
      (*scores)[r] = trees.Predict(page.features.row(r));
    }
  };
}

double StudentT95(int df) {
  static constexpr double kTable[31] = {
      0,     6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812,
      1.796, 1.782, 1.771, 1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725,
      1.721, 1.717, 1.714, 1.711, 1.708, 1.706, 1.703, 1.701, 1.699, 1.697};
  if (df < 1) return kTable[1];
  if (df <= 30) return kTable[df];
  return 1.645 + 1.6 / df;
}

OffPolicyComparison CompareOffPolicy(std::span<const std::vector<const LoggedImpression*>> units,
                                     const PageScorer& baseline, const PageScorer& candidate,
                                     std::span<const double> propensity, double clip) {
  return CompareOffPolicy(
      units,
      [&](size_t, const LoggedImpression& page, std::vector<double>* s) { baseline(page, s); },
      [&](size_t, const LoggedImpression& page, std::vector<double>* s) { candidate(page, s); },
      propensity, clip);
}

OffPolicyComparison CompareOffPolicy(std::span<const std::vector<const LoggedImpression*>> units,
                                     const UnitScorer& baseline, const UnitScorer& candidate,
                                     std::span<const double> propensity, double clip) {
  OffPolicyComparison out;
  std::vector<double> diffs;
  std::vector<double> scores, props;
  double sum_base = 0, sum_cand = 0;
  for (size_t u = 0; u < units.size(); ++u) {
    const auto& pages = units[u];
    IpsTerms base_terms, cand_terms;
    uint64_t pages_with_clicks = 0;
    for (const LoggedImpression* page : pages) {
      const size_t n = page->signal.size();
      if (std::none_of(page->signal.begin(), page->signal.end(), [](uint8_t s) { return s > 0; })) {
        continue;
      }
      ++pages_with_clicks;
      props.resize(n);
      for (size_t p = 0; p < n; ++p) {
        size_t rank = page->first_rank + p;
        props[p] = propensity.empty() ? 1.0 : propensity[std::min(rank, propensity.size() - 1)];
      }
      baseline(u, *page, &scores);
      scores.resize(n);
      base_terms += IpsReciprocalRankTerms(scores, page->signal, props, clip);
      candidate(u, *page, &scores);
      scores.resize(n);
      cand_terms += IpsReciprocalRankTerms(scores, page->signal, props, clip);
    }
    if (pages_with_clicks == 0) continue;
    ++out.units;
    out.impressions += pages_with_clicks;
    sum_base += base_terms.Value();
    sum_cand += cand_terms.Value();
    diffs.push_back(cand_terms.Value() - base_terms.Value());
  }
  if (out.units == 0) {
    out.lower_bound = -1;
    return out;
  }
  const double n = static_cast<double>(out.units);
  out.baseline = sum_base / n;
  out.candidate = sum_cand / n;
  double mean = 0;
  for (double d : diffs) mean += d;
  mean /= n;
  out.mean_difference = mean;
  if (out.units < 2) {
    out.lower_bound = -1;
    return out;
  }
  double var = 0;
  for (double d : diffs) var += (d - mean) * (d - mean);
  var /= (n - 1);
  out.lower_bound = mean - StudentT95(static_cast<int>(out.units) - 1) * std::sqrt(var / n);
  return out;
}

}  // namespace saiki::ranker
