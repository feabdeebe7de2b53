// A small synthetic world for the learning planner's tests (no SQLite):
// products with feature vectors, pages shown in BM25F order (feature
// bm25f), clicks drawn from a position-based model, sessions of users.
//
// What a click follows is the test's choice:
//   - a global signal: every user prefers products with a high value of one
//     feature (what a global model can learn);
//   - idiosyncratic tastes: each user likes an arbitrary third of the
//     products (what no global feature expresses);
//   - a bot: one user clicks (and buys) one product, every time it is shown.
// Everything is drawn from a seeded generator: the same seed, the same logs.
#ifndef SAIKI_TESTS_LEARNING_WORLD_H_
#define SAIKI_TESTS_LEARNING_WORLD_H_

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "index/doc_table.h"
#include "ranker/features.h"
#include "ranker/session_log.h"

namespace saiki::testing {

enum class Taste { kGlobalSignal, kIdiosyncratic };

struct World {
  static constexpr int kProducts = 400;
  static constexpr int kPage = 10;
  static constexpr int kPool = 30;  // candidates of a query
  std::vector<std::vector<float>> features;  // per product
  std::vector<std::vector<int>> queries;     // candidate products, BM25F order
  int signal_feature = ranker::kRating;

  explicit World(uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0, 1);
    features.resize(kProducts);
    for (auto& f : features) {
      f.assign(ranker::kNumFeatures, 0.0f);
      for (int i = 0; i < ranker::kNumFeatures; ++i) f[i] = static_cast<float>(normal(rng));
      f[ranker::kBm25f] = static_cast<float>(5 + 2 * normal(rng));
      f[ranker::kRating] = static_cast<float>(2.5 + normal(rng));
    }
    std::uniform_int_distribution<int> product(0, kProducts - 1);
    for (int q = 0; q < 20; ++q) {
      std::vector<int> pool;
      while (static_cast<int>(pool.size()) < kPool) {
        int p = product(rng);
        bool dup = false;
        for (int x : pool) dup |= x == p;
        if (!dup) pool.push_back(p);
      }
      std::sort(pool.begin(), pool.end(), [&](int a, int b) {
        return features[a][ranker::kBm25f] > features[b][ranker::kBm25f];
      });
      queries.push_back(pool);
    }
  }

  // Relevance of product p to user u, in [0, 1].
  double Relevance(Taste taste, const std::string& user, int p) const {
    if (taste == Taste::kGlobalSignal) {
      return 1 / (1 + std::exp(-3 * (features[p][signal_feature] - 3.0)));
    }
    return index::StableHash(user + "/" + std::to_string(p)) % 3 == 0 ? 0.8 : 0.05;
  }

  // One session of `user`: `searches` pages of random queries in BM25F
  // order, clicks with examination 1/rank and the user's relevance.
  ranker::SessionLog Session(std::mt19937_64& rng, const std::string& user, Taste taste,
                             int searches, int64_t id) const {
    ranker::SessionLog s;
    s.session_id = id;
    s.user = user;
    std::uniform_int_distribution<int> pick(0, static_cast<int>(queries.size()) - 1);
    std::uniform_real_distribution<double> u01(0, 1);
    for (int i = 0; i < searches; ++i) {
      const auto& pool = queries[pick(rng)];
      s.impressions.push_back(Page(pool));
      auto& imp = s.impressions.back();
      imp.at = 1000.0 * static_cast<double>(id) + 60.0 * i;
      for (int pos = 0; pos < kPage; ++pos) {
        if (u01(rng) < (1.0 / (pos + 1)) * Relevance(taste, user, pool[pos])) {
          imp.signal[pos] = 1;
          s.clicks.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(pos), 1,
                              imp.at + 5.0 * (pos + 1), static_cast<uint32_t>(pool[pos])});
        }
      }
    }
    return s;
  }

  // A bot session: searches query 0 and buys the product at BM25F rank
  // `target_rank` (0-based) on the page that shows it.
  ranker::SessionLog BotSession(const std::string& bot, int target_rank, int64_t id) const {
    ranker::SessionLog s;
    s.session_id = id;
    s.user = bot;
    const auto& pool = queries[0];
    const int offset = (target_rank / kPage) * kPage;
    s.impressions.push_back(Page(pool, offset));
    auto& imp = s.impressions.back();
    imp.at = 1000.0 * static_cast<double>(id);
    imp.signal[target_rank - offset] = 3;
    for (uint8_t kind = 1; kind <= 3; ++kind) {
      s.clicks.push_back({0, static_cast<uint32_t>(target_rank - offset), kind, imp.at + 5.0 * kind,
                          static_cast<uint32_t>(pool[target_rank])});
    }
    return s;
  }

  // The page of `pool` starting at `offset`, with the moments of the whole
  // pool (as the engine logs them).
  ranker::LoggedImpression Page(const std::vector<int>& pool, int offset = 0) const {
    ranker::LoggedImpression imp;
    imp.first_rank = static_cast<uint32_t>(offset);
    for (int pos = offset; pos < offset + kPage && pos < static_cast<int>(pool.size()); ++pos) {
      const auto& f = features[pool[pos]];
      imp.features.values.insert(imp.features.values.end(), f.begin(), f.end());
      ++imp.features.rows;
    }
    imp.signal.assign(imp.features.rows, 0);
    imp.candidates = static_cast<double>(pool.size());
    imp.candidate_mean.assign(ranker::kNumFeatures, 0);
    imp.candidate_m2.assign(ranker::kNumFeatures, 0);
    for (int p : pool) {
      for (int i = 0; i < ranker::kNumFeatures; ++i) imp.candidate_mean[i] += features[p][i];
    }
    for (double& m : imp.candidate_mean) m /= imp.candidates;
    for (int p : pool) {
      for (int i = 0; i < ranker::kNumFeatures; ++i) {
        const double d = features[p][i] - imp.candidate_mean[i];
        imp.candidate_m2[i] += d * d;
      }
    }
    return imp;
  }
};

}  // namespace saiki::testing

#endif  // SAIKI_TESTS_LEARNING_WORLD_H_
