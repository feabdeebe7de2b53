// Which sessions may feed the pooled learners (the global model and the
// position-bias estimate), and the click-flood caps. A screened-out session
// still trains its own user's personal model: what a user does to their own
// ranking is their business; what reaches other users must look like a
// person shopping.
//
// A session is screened out (README "Bounded influence") when it has
//   - more than kMaxSearches searches (a crawler, a load test);
//   - more than kMaxClickEvents click events (a flood);
//   - clicks on at least kClickAllShare of the results shown, over at least
//     kClickAllMinShown shown (clicking everything);
//   - clicks on one product in kSameProductSearches or more of its searches
//     (hammering one product), or in kSameProductSessions or more of the
//     user's last kRecentSessions sessions, this one included (coming back
//     again and again for one product: a shopper who re-buys dog food every
//     week gets there after two months, a bot after a day);
//   - at least kSpeedMinEvents searches and clicks whose median gap is under
//     kMinMedianGapSeconds (faster than a person reads).
// The thresholds are far from what the simulator's shoppers or the click
// logs in datasets/ do; a bot can pass them by behaving like one shopper,
// and then the per-user clip bounds what it can do (global_learner.h).
#ifndef SAIKI_RANKER_SCREENING_H_
#define SAIKI_RANKER_SCREENING_H_

#include <cstdint>
#include <span>
#include <string>

#include "ranker/session_log.h"

namespace saiki::ranker {

inline constexpr size_t kMaxSearches = 100;
inline constexpr size_t kMaxClickEvents = 60;
inline constexpr double kClickAllShare = 0.9;
inline constexpr size_t kClickAllMinShown = 20;
inline constexpr size_t kSameProductSearches = 5;
inline constexpr size_t kSameProductSessions = 5;
inline constexpr size_t kRecentSessions = 10;
inline constexpr size_t kSpeedMinEvents = 10;
inline constexpr double kMinMedianGapSeconds = 1.0;

struct ScreeningVerdict {
  bool pooled = true;
  std::string reason;  // why not, when !pooled
};

// `earlier`: the user's earlier closed sessions, newest first (only the
// first kRecentSessions - 1 are read).
ScreeningVerdict ScreenSession(const SessionLog& session, std::span<const SessionLog> earlier);

// Keeps, in each impression, at most `per_search` clicked positions (the
// strongest signals first, then the higher-shown), and in the whole list at
// most `per_session` clicked positions (in impression order); the signals
// of the others become 0. Returns how many clicked positions were dropped.
uint64_t CapClicks(std::span<LoggedImpression> impressions, int per_search, int per_session);

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_SCREENING_H_
