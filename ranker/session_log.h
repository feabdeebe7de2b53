// A closed session's log as learning reads it: the impressions (the feature
// vectors logged when each ranking was shown, the strongest signal per
// shown position, the page and interleaving teams) and the raw click events.
// Learning never recomputes features: these are the vectors that were
// scored (ranker/features.h). storage/log_store.h reads them from the file;
// tests build them by hand.
#ifndef SAIKI_RANKER_SESSION_LOG_H_
#define SAIKI_RANKER_SESSION_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ranker/features.h"

namespace saiki::ranker {

// One logged impression (one search's shown page).
struct LoggedImpression {
  FeatureMatrix features;       // shown rows, in shown order
  std::vector<uint8_t> signal;  // per position: 0 none, 1 click, 2 cart, 3 purchase
  double gate = 1.0;            // personalisation gate it was served with
  // Position p was shown at rank first_rank + p (0-based): a page's offset.
  uint32_t first_rank = 0;
  double at = 0;  // when it was shown (seconds since the epoch)
  // Interleaving: the team that placed each position (0 the new personal
  // model, 1 its champion); empty when the page was not interleaved.
  std::vector<uint8_t> teams;
  // Moments of every candidate's features (not only the shown): count, and
  // per feature mean and sum of squared deviations; the normaliser's input.
  double candidates = 0;
  std::vector<double> candidate_mean, candidate_m2;
};

// One click event as recorded (a product clicked, carted or bought).
struct LoggedClick {
  uint32_t impression = 0;  // index into SessionLog::impressions
  uint32_t position = 0;    // shown position on that page
  uint8_t kind = 1;         // 1 click, 2 cart, 3 purchase
  double at = 0;
  uint32_t product = 0;     // StableHash of the product id
};

struct SessionLog {
  int64_t session_id = 0;
  std::string user;
  std::vector<LoggedImpression> impressions;  // in the order shown
  std::vector<LoggedClick> clicks;            // in the order recorded
};

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_SESSION_LOG_H_
