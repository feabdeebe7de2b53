// Session screening and click caps. See screening.h.
#include "ranker/screening.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace saiki::ranker {

ScreeningVerdict ScreenSession(const SessionLog& session, std::span<const SessionLog> earlier) {
  ScreeningVerdict v;
  auto out = [&](std::string why) {
    v.pooled = false;
    v.reason = std::move(why);
    return v;
  };
  const size_t searches = session.impressions.size();
  if (searches > kMaxSearches) {
    return out(std::to_string(searches) + " searches in one session (more than " +
               std::to_string(kMaxSearches) + ")");
  }
  if (session.clicks.size() > kMaxClickEvents) {
    return out(std::to_string(session.clicks.size()) + " click events in one session (more than " +
               std::to_string(kMaxClickEvents) + ")");
  }
  size_t shown = 0, clicked = 0;
  for (const auto& imp : session.impressions) {
    shown += imp.signal.size();
    for (uint8_t s : imp.signal) clicked += s > 0;
  }
  if (shown >= kClickAllMinShown &&
      static_cast<double>(clicked) >= kClickAllShare * static_cast<double>(shown)) {
    return out("clicked " + std::to_string(clicked) + " of " + std::to_string(shown) +
               " results shown");
  }
  std::unordered_map<uint32_t, std::unordered_set<uint32_t>> searches_of;  // product -> impressions
  for (const auto& c : session.clicks) {
    auto& set = searches_of[c.product];
    set.insert(c.impression);
    if (set.size() >= kSameProductSearches) {
      return out("one product clicked in " + std::to_string(set.size()) + " searches");
    }
  }
  // One product across the user's recent sessions.
  std::unordered_map<uint32_t, size_t> sessions_with;  // product -> sessions that clicked it
  auto count_session = [&](const SessionLog& s) {
    std::unordered_set<uint32_t> products;
    for (const auto& c : s.clicks) products.insert(c.product);
    for (uint32_t p : products) ++sessions_with[p];
  };
  count_session(session);
  const size_t recent = std::min(earlier.size(), kRecentSessions - 1);
  for (size_t i = 0; i < recent; ++i) count_session(earlier[i]);
  for (const auto& [product, n] : sessions_with) {
    if (n >= kSameProductSessions) {
      return out("one product clicked in " + std::to_string(n) + " of the user's last " +
                 std::to_string(recent + 1) + " sessions");
    }
  }
  std::vector<double> times;
  times.reserve(searches + session.clicks.size());
  for (const auto& imp : session.impressions) times.push_back(imp.at);
  for (const auto& c : session.clicks) times.push_back(c.at);
  if (times.size() >= kSpeedMinEvents) {
    std::sort(times.begin(), times.end());
    std::vector<double> gaps;
    for (size_t i = 1; i < times.size(); ++i) gaps.push_back(times[i] - times[i - 1]);
    std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
    double median = gaps[gaps.size() / 2];
    if (median < kMinMedianGapSeconds) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f", median);
      return out(std::to_string(times.size()) + " searches and clicks with a median gap of " +
                 buf + " s");
    }
  }
  return v;
}

uint64_t CapClicks(std::span<LoggedImpression> impressions, int per_search, int per_session) {
  uint64_t dropped = 0;
  int session_kept = 0;
  std::vector<uint32_t> clicked;
  for (auto& imp : impressions) {
    clicked.clear();
    for (uint32_t p = 0; p < imp.signal.size(); ++p) {
      if (imp.signal[p]) clicked.push_back(p);
    }
    // Strongest first; among equals the higher-shown (stable on position).
    std::stable_sort(clicked.begin(), clicked.end(),
                     [&](uint32_t a, uint32_t b) { return imp.signal[a] > imp.signal[b]; });
    int kept = 0;
    for (uint32_t p : clicked) {
      if (kept < per_search && session_kept < per_session) {
        ++kept;
        ++session_kept;
      } else {
        imp.signal[p] = 0;
        ++dropped;
      }
    }
  }
  return dropped;
}

}  // namespace saiki::ranker
