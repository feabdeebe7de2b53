// Team-draft interleaving: compares two rankers online from the clicks of
// real users, without storage or state. Pure functions only; the caller logs
// what it needs (the seed, the teams, the clicks) and aggregates.
//
// Team-draft interleaving (Radlinski, Kurup & Joachims, "How does
// clickthrough data reflect retrieval quality?", CIKM 2008, Algorithm 2)
// merges rankings A and B into one list shown to the user, the way captains
// pick players: whichever team has picked fewer items so far picks next (a
// coin decides when they have picked equally many), and a team always picks
// its own ranker's highest item not yet in the list. Each shown item
// remembers the team that picked it; a click credits that team. Because the
// teams stay balanced in every prefix of the list, a user who clicks without
// regard to quality favours neither ranker in expectation, so a per-impression
// "more clicks for A than for B" is evidence that A ranks better. Aggregated
// over impressions, a sign test on the wins decides (Chapelle, Joachims,
// Radlinski & Yue, "Large-scale validation and analysis of interleaved search
// evaluation", TOIS 2012, use the same win/loss/tie outcome).
//
// Usage per impression:
//   InterleavedList shown = TeamDraftInterleave(a, b, page_size, seed);
//   ... show shown.items, log seed (or shown.team) and clicked positions ...
//   tally.Add(CreditClicks(shown, clicked_positions));
// and at any time:
//   InterleavingDecision d = DecideInterleaving(tally);
#ifndef SAIKI_RANKER_INTERLEAVING_H_
#define SAIKI_RANKER_INTERLEAVING_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace saiki::ranker {

// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014; constants as in Vigna's reference splitmix64.c).
// Used instead of <random> distributions because the interleaved list must be
// reproducible from a logged seed on every compiler and standard library,
// which std::uniform_*_distribution does not promise. The first output from
// state 0 is 0xE220A8397B1DCDAF.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // One fair bit: the top bit, the best-mixed one.
  bool NextBit() { return (Next() >> 63) != 0; }

 private:
  uint64_t state_;
};

// Values of InterleavedList::team.
inline constexpr uint8_t kTeamA = 0;
inline constexpr uint8_t kTeamB = 1;
// An item placed after one ranking ran out of new items (see
// TeamDraftInterleave). It fills the page but credits nobody.
inline constexpr uint8_t kTeamNone = 2;

// The list shown to the user. items[i] is shown at position i (0-based) and
// team[i] is kTeamA, kTeamB or kTeamNone; both vectors have the same size.
struct InterleavedList {
  std::vector<uint32_t> items;
  std::vector<uint8_t> team;
};

// Team-draft interleaving of two rankings (best first) into at most k items.
//
// Contract:
//  - Deterministic: the same inputs and seed give the same list, on any
//    platform (coin flips come from SplitMix64(seed); one flip is consumed
//    each time the teams are of equal size, nothing else is random). Derive
//    the seed from the impression (e.g. a hash of its id) and log it.
//  - No item appears twice. An item already placed is skipped by both teams,
//    as in the paper; duplicates inside one ranking are skipped likewise.
//  - While both rankings still have unplaced items, the team sizes of every
//    prefix differ by at most 1, and each team's items appear in the relative
//    order of its ranking.
//  - The paper stops as soon as either ranking has no unplaced item left.
//    When the rankings cover different item sets that would cut the page
//    short, so instead the remaining items of the other ranking are appended
//    in its order with team kTeamNone: they fill the page but earn no credit,
//    because crediting them would give the longer ranking extra, unbalanced
//    picks and break the fairness argument above. When both rankings are
//    permutations of the same candidates (the re-ranker's case) this never
//    happens: both run out together.
//  - Stops at k items or when both rankings are exhausted; k = 0 gives an
//    empty list.
InterleavedList TeamDraftInterleave(std::span<const uint32_t> ranking_a,
                                    std::span<const uint32_t> ranking_b, size_t k, uint64_t seed);

// Clicks credited to each team in one impression.
struct InterleavingCredit {
  int a = 0;
  int b = 0;
};

// Credits each clicked position to the team that placed the item there.
// clicked_positions are 0-based indices into list.items, in any order. As in
// the paper, credit counts clicked results, not click events: a position
// listed twice counts once. Positions past the end of the list and positions
// of kTeamNone items are ignored.
InterleavingCredit CreditClicks(const InterleavedList& list,
                                std::span<const size_t> clicked_positions);

// Outcomes over many impressions. Add() counts an impression as a win for
// the team with more credited clicks, or a tie when both have the same
// non-zero credit; an impression with no credited click is not counted at all
// (it says nothing about the rankers, and counting it as a tie would only
// dilute the tie rate).
struct InterleavingTally {
  int wins_a = 0;
  int wins_b = 0;
  int ties = 0;

  void Add(const InterleavingCredit& credit) {
    if (credit.a > credit.b) {
      ++wins_a;
    } else if (credit.b > credit.a) {
      ++wins_b;
    } else if (credit.a > 0) {
      ++ties;
    }
  }
};

enum class InterleavingVerdict { kUndecided, kAWins, kBWins };

struct SignTestOptions {
  // A side wins when its one-sided p-value is strictly below alpha.
  double alpha = 0.05;
  // Fewer non-tied impressions than this are always undecided. 5 is the
  // smallest n at which a unanimous result can pass alpha = 0.05 at all
  // (0.5^5 = 0.03125); raise it to avoid deciding on a handful of users.
  int min_decisive = 5;
};

struct InterleavingDecision {
  InterleavingVerdict verdict = InterleavingVerdict::kUndecided;
  // One-sided sign-test p-value of the side with more wins:
  // P[X >= max(wins_a, wins_b)] for X ~ Binomial(wins_a + wins_b, 1/2).
  // 1 when there are no wins; >= 0.5 when the wins are equal.
  double p_value = 1.0;
};

// Sign test on wins, ignoring ties (the usual treatment of ties in a sign
// test; Chapelle et al. 2012 report ties separately). The test is one-sided
// towards whichever side leads, so when the rankers are equal the chance of
// declaring *some* winner is at most 2 * alpha (alpha per direction); a
// caller that wants alpha overall passes alpha / 2. The p-value is exact (no
// normal approximation), so small samples are handled correctly. Note that
// consulting the decision after every impression and stopping at the first
// win inflates the false-win rate further ("peeking"); a guard should check
// at a fixed sample size or use a stricter alpha.
InterleavingDecision DecideInterleaving(const InterleavingTally& tally,
                                        const SignTestOptions& options = {});

// P[X >= k] for X ~ Binomial(n, p), computed exactly as a sum of binomial
// probabilities (each term from lgamma in log space, so large n neither
// overflows nor underflows the coefficients). k <= 0 gives 1, k > n gives 0.
// Requires n >= 0 and 0 <= p <= 1.
double BinomialUpperTail(int64_t n, int64_t k, double p = 0.5);

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_INTERLEAVING_H_
