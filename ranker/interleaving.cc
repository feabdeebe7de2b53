// Team-draft interleaving, click credit and the sign test that turns many
// impressions into a verdict. See interleaving.h for the contracts; this file
// notes only how they are met.
#include "ranker/interleaving.h"

#include <math.h>  // lgamma_r: std::lgamma writes the global signgam (a data race)

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace saiki::ranker {
namespace {

// Advances *pos past the items of ranking already placed; returns whether an
// unplaced item remains at *pos.
bool SkipPlaced(std::span<const uint32_t> ranking, const std::unordered_set<uint32_t>& placed,
                size_t* pos) {
  while (*pos < ranking.size() && placed.count(ranking[*pos]) != 0) ++*pos;
  return *pos < ranking.size();
}

double LogGamma(double x) {
  int sign = 0;
  return ::lgamma_r(x, &sign);
}

}  // namespace

InterleavedList TeamDraftInterleave(std::span<const uint32_t> ranking_a,
                                    std::span<const uint32_t> ranking_b, size_t k, uint64_t seed) {
  InterleavedList out;
  if (k == 0) return out;
  const size_t cap = std::min(k, ranking_a.size() + ranking_b.size());
  out.items.reserve(cap);
  out.team.reserve(cap);
  std::unordered_set<uint32_t> placed;
  placed.reserve(cap);
  auto place = [&](uint32_t item, uint8_t team) {
    out.items.push_back(item);
    out.team.push_back(team);
    placed.insert(item);
  };

  SplitMix64 rng(seed);
  size_t pos_a = 0, pos_b = 0;    // next candidate in each ranking
  size_t size_a = 0, size_b = 0;  // team sizes
  // Radlinski et al. 2008, Algorithm 2: the smaller team picks; on equal
  // sizes a coin decides (RandBit() = 1 means A picks, as in the paper).
  while (out.items.size() < k) {
    const bool has_a = SkipPlaced(ranking_a, placed, &pos_a);
    const bool has_b = SkipPlaced(ranking_b, placed, &pos_b);
    if (!has_a || !has_b) break;
    const bool a_picks = size_a < size_b || (size_a == size_b && rng.NextBit());
    if (a_picks) {
      place(ranking_a[pos_a], kTeamA);
      ++size_a;
    } else {
      place(ranking_b[pos_b], kTeamB);
      ++size_b;
    }
  }
  // At most one ranking still has unplaced items: fill the page from it
  // without credit (see the header for why not to credit them).
  for (std::span<const uint32_t> rest : {ranking_a, ranking_b}) {
    size_t pos = 0;
    while (out.items.size() < k && SkipPlaced(rest, placed, &pos)) {
      place(rest[pos], kTeamNone);
    }
  }
  return out;
}

InterleavingCredit CreditClicks(const InterleavedList& list,
                                std::span<const size_t> clicked_positions) {
  InterleavingCredit credit;
  const size_t n = std::min(list.items.size(), list.team.size());
  std::vector<bool> seen(n, false);
  for (size_t p : clicked_positions) {
    if (p >= n || seen[p]) continue;
    seen[p] = true;
    if (list.team[p] == kTeamA) {
      ++credit.a;
    } else if (list.team[p] == kTeamB) {
      ++credit.b;
    }
  }
  return credit;
}

double BinomialUpperTail(int64_t n, int64_t k, double p) {
  if (k <= 0) return 1.0;
  if (k > n) return 0.0;
  if (!(p > 0.0)) return 0.0;  // X is always 0 < k
  if (p >= 1.0) return 1.0;    // X is always n >= k
  const double log_p = std::log(p);
  const double log_q = std::log1p(-p);
  const double log_n_fact = LogGamma(static_cast<double>(n) + 1.0);
  auto pmf = [&](int64_t i) {
    const double di = static_cast<double>(i);
    const double dn_i = static_cast<double>(n - i);
    return std::exp(log_n_fact - LogGamma(di + 1.0) - LogGamma(dn_i + 1.0) + di * log_p +
                    dn_i * log_q);
  };
  // Sum the side of the distribution that excludes the mean, so the sum is
  // of terms that only shrink as we walk away from the mean, and a small
  // p-value is computed directly rather than as 1 - (something near 1).
  // Once a term is below 1e-20 of the running sum, the rest (all smaller, at
  // most n of them) cannot change the double result meaningfully.
  const double mean = static_cast<double>(n) * p;
  double sum = 0.0;
  if (static_cast<double>(k) > mean) {
    for (int64_t i = k; i <= n; ++i) {  // pmf decreasing for i > np
      const double term = pmf(i);
      sum += term;
      if (term < sum * 1e-20) break;
    }
    return std::clamp(sum, 0.0, 1.0);
  }
  for (int64_t i = k - 1; i >= 0; --i) {  // pmf decreasing as i falls below np
    const double term = pmf(i);
    sum += term;
    if (term < sum * 1e-20) break;
  }
  return std::clamp(1.0 - sum, 0.0, 1.0);
}

InterleavingDecision DecideInterleaving(const InterleavingTally& tally,
                                        const SignTestOptions& options) {
  InterleavingDecision decision;
  const int64_t wins_a = std::max(tally.wins_a, 0);
  const int64_t wins_b = std::max(tally.wins_b, 0);
  const int64_t n = wins_a + wins_b;
  if (n == 0) return decision;  // undecided, p = 1
  decision.p_value = BinomialUpperTail(n, std::max(wins_a, wins_b), 0.5);
  if (n < options.min_decisive || wins_a == wins_b) return decision;
  if (decision.p_value < options.alpha) {
    decision.verdict = wins_a > wins_b ? InterleavingVerdict::kAWins : InterleavingVerdict::kBWins;
  }
  return decision;
}

}  // namespace saiki::ranker
