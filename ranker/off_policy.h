// Off-policy comparison of two rankers on logged impressions: would the
// candidate have served the clicked results higher than the baseline did?
//
// Each logged page is re-sorted by each ranker's scores; a clicked result
// at rank r under a ranker contributes w / r, w = min(clip, 1/propensity of
// the rank it was shown at) (the IPS reciprocal rank of counterfactual LTR:
// Joachims, Swaminathan & Schnabel, WSDM 2017), self-normalised over a unit's
// clicks (ranker/metrics.h IpsReciprocalRankTerms). A unit is one user (or,
// with few users, one session): each unit gives one value per ranker and
// one paired difference, so a user with a thousand sessions weighs as much
// as a user with one, and the bound below is over people, not pages.
//
// The decision statistic is the lower confidence bound of the mean paired
// difference, d - t(n-1) * sd / sqrt(n), one-sided 95% (Student's t): a
// candidate is promoted only when it is above 0. Only pages that were
// logged can be judged, and only the order within them: a ranker that would
// have shown other products is judged on how it orders these.
#ifndef SAIKI_RANKER_OFF_POLICY_H_
#define SAIKI_RANKER_OFF_POLICY_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "ranker/session_log.h"

namespace saiki::ranker {

// Scores the shown rows of a logged page (one score per row, higher first).
using PageScorer = std::function<void(const LoggedImpression& page, std::vector<double>* scores)>;

struct OffPolicyComparison {
  uint64_t units = 0;        // units with at least one click
  uint64_t impressions = 0;  // their pages
  double baseline = 0, candidate = 0;  // mean over units of each ranker's value
  double mean_difference = 0;          // candidate - baseline
  double lower_bound = 0;              // one-sided 95% lower bound of it; -1 with < 2 units
};

// `units[u]` are unit u's pages. Units without clicks are left out.
OffPolicyComparison CompareOffPolicy(std::span<const std::vector<const LoggedImpression*>> units,
                                     const PageScorer& baseline, const PageScorer& candidate,
                                     std::span<const double> propensity, double clip);
// The same with a candidate per unit (cross-fitting: each unit judged by a
// model trained without it): candidate(u, page, scores).
using UnitScorer =
    std::function<void(size_t unit, const LoggedImpression& page, std::vector<double>* scores)>;
OffPolicyComparison CompareOffPolicy(std::span<const std::vector<const LoggedImpression*>> units,
                                     const UnitScorer& baseline, const UnitScorer& candidate,
                                     std::span<const double> propensity, double clip);

class TreeEnsemble;
struct GlobalLinearModel;
// Scorers of the global models (the personal part left out: the check is
// about what every user sees). They keep a reference to the model.
PageScorer LinearPageScorer(const GlobalLinearModel& model);
PageScorer TreePageScorer(const TreeEnsemble& trees);

// The one-sided 95% quantile of Student's t with `df` degrees of freedom
// (a table to 30, then 1.645 + 1.6 / df, within 0.002 of the exact value).
double StudentT95(int df);

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_OFF_POLICY_H_
