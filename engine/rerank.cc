// Re-ranking a search's candidates for the user who asked: the user's
// profile (their own clicks), their personal offsets and the query's
// personalisation gate, the features of every candidate (ranker/features.h,
// logged with the impression), the active ranker's scores, and — while a
// personal update is on trial — team-draft interleaving of the new and the
// previous personal model.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "engine/database_impl.h"
#include "ranker/interleaving.h"
#include "ranker/metrics.h"
#include "ranker/personal_learner.h"
#include "ranker/ranker.h"
#include "ranker/taste.h"

namespace saiki::engine {
namespace {

// Personal updates use the last this many of the user's clicks as profile.
constexpr int kProfileClicks = 500;
// The gate reads the clicks of a query's last this many impressions.
constexpr int kGateImpressions = 2000;

uint64_t Mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Exploration (learn.explore): the last kExploreSlots places of a first
// page are where a candidate from beyond it may be shown.
constexpr size_t kExploreSlots = 3;

uint64_t SearchSeed(const std::string& user, double now, uint64_t salt) {
  return Mix64(std::hash<std::string>()(user) ^ Mix64(static_cast<uint64_t>(now * 1000.0) ^ salt));
}

double Uniform01(uint64_t x) { return static_cast<double>(Mix64(x) >> 11) * 0x1.0p-53; }

// Whether this search explores: a user's first page of a re-ranked search
// with more candidates than it shows, with probability learn.explore (drawn
// from the user and the time, so a search replayed at the same moment
// explores alike).
bool ExploreThisSearch(const EngineSettings& settings, const std::string& user, size_t offset,
                       size_t k, std::string_view ranker, double now, size_t candidates) {
  if (settings.learn.explore <= 0 || !settings.learn.taste || user.empty() || offset != 0 ||
      ranker == "bm25" || k < kExploreSlots || candidates <= k) {
    return false;
  }
  return Uniform01(SearchSeed(user, now, 0x65787031)) < settings.learn.explore;
}

// Moves the candidate beyond the page with the highest upper confidence
// bound — its score plus its taste uncertainty (TasteProfile::Scores) times
// the spread of the scores — into one of the page's last kExploreSlots
// places, drawn uniformly; returns that place. The UCB picks what the
// ranking would show if the user's unknown taste for it turned out well:
// a brand, tier or style the profile has no evidence on, among candidates
// the query still matches.
size_t Explore(const std::string& user, size_t k, double now, const std::vector<double>& scores,
               const std::vector<float>& uncertainty, std::vector<uint32_t>* order) {
  double mean = 0, m2 = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    const double d = scores[i] - mean;
    mean += d / static_cast<double>(i + 1);
    m2 += d * (scores[i] - mean);
  }
  const double spread = scores.size() > 1 ? std::sqrt(m2 / static_cast<double>(scores.size() - 1))
                                          : 1.0;
  size_t best = k;
  double best_ucb = -std::numeric_limits<double>::infinity();
  for (size_t pos = k; pos < order->size(); ++pos) {
    const uint32_t row = (*order)[pos];
    const double ucb = scores[row] + spread * uncertainty[row];
    if (ucb > best_ucb) {
      best_ucb = ucb;
      best = pos;
    }
  }
  const size_t slot =
      k - kExploreSlots +
      static_cast<size_t>(Uniform01(SearchSeed(user, now, 0x736c6f74)) * kExploreSlots);
  const uint32_t chosen = (*order)[best];
  order->erase(order->begin() + static_cast<std::ptrdiff_t>(best));
  order->insert(order->begin() + static_cast<std::ptrdiff_t>(slot), chosen);
  return slot;
}

}  // namespace

Result<Eigen::VectorXd> DatabaseImpl::PersonalWeights(int64_t version,
                                                      const Eigen::VectorXd& scale) {
  if (version <= 0) return Eigen::VectorXd(Eigen::VectorXd::Zero(ranker::kNumFeatures));
  SAIKI_ASSIGN_OR_RETURN(std::string params, models_->Params(version, ModelScope::kUser));
  auto model = ranker::PersonalLinearModel::FromJson(params);
  if (!model.ok()) {
    return model.status().WithContext(conn_->path() + ": model version " + std::to_string(version));
  }
  return model->DeltaFor(scale);
}

Result<double> DatabaseImpl::QueryGate(const EngineState& state, const std::string& query_norm) {
  // Click entropy of the query (Dou et al. 2007, Teevan et al. 2008): when
  // everyone clicks the same product (a navigational query) personalisation
  // has little to improve. Read from the pooled sessions up to the last
  // epoch of pooled evidence (ModelState::gate_seq), each user's clicks
  // weighing 1 in all (a user's distribution over the products they
  // clicked), so that one user or bot cannot move the gate of a query for
  // everyone; on the query's last 2,000 such impressions (a bounded cost,
  // and the recent behaviour).
  const EngineSettings& settings = state.settings();
  SAIKI_ASSIGN_OR_RETURN(auto pairs,
                         logs_->QueryClickPairs(query_norm, state.models->gate_seq,
                                                kGateImpressions));
  std::unordered_map<std::string, double> per_user;  // user -> products clicked
  for (const auto& [user, product] : pairs) per_user[user] += 1;
  std::unordered_map<std::string, double> weight;  // product -> summed user shares
  for (const auto& [user, product] : pairs) weight[product] += 1.0 / per_user[user];
  std::vector<double> counts;
  counts.reserve(weight.size());
  for (const auto& [product, w] : weight) counts.push_back(w);
  ranker::ClickEntropy e = ranker::QueryClickEntropy(counts);
  if (e.total_clicks < settings.learn.gate_min_clicks) return 1.0;
  // Full weight from ln(4) nats (clicks spread over four or more products
  // evenly); a single-product query keeps a quarter.
  return std::clamp(0.25 + 0.75 * e.nats / std::log(4.0), 0.25, 1.0);
}

Status DatabaseImpl::Rerank(const EngineState& state, const CompiledRequest& req,
                            index::SearchOutcome* outcome, SearchResponse* response,
                            std::vector<RankedHit>* ranked, int64_t* champion) {
  *champion = -1;
  const EngineSettings& settings = state.settings();
  const ModelState& models = *state.models;
  const ranker::Ranker* rk = ranker::FindRanker(settings.ranker);
  if (rk == nullptr) {
    return Status::InvalidArgument("setting ranker: unknown ranker '" + settings.ranker + "'");
  }
  // `trees` with no tree model active (none imported, or rolled back to a
  // linear version) ranks with the linear model.
  if (rk->name() == "trees" && !models.trees) rk = ranker::FindRanker("linear");
  response->ranker = std::string(rk->name());
  const double now = Now();
  ranker::UserProfile profile;
  ranker::RankingContext ctx;
  ctx.global = &models.global;
  ctx.trees = models.trees.get();
  ranker::LearnerState learner;
  ranker::TasteProfile taste;
  if (!req.user.empty()) {
    SAIKI_ASSIGN_OR_RETURN(auto clicks, logs_->RecentClicks(req.user, kProfileClicks));
    // The visit: the user's open session, unless it has been idle past the
    // timeout (it closes at this request, and this search starts a new
    // one). Its clicks belong to the personal layer: off with the taste
    // profile (features.h user_visit_leaf).
    double visit_start = std::numeric_limits<double>::infinity();
    if (settings.learn.taste) {
      SAIKI_ASSIGN_OR_RETURN(auto open, logs_->OpenSessionsOf(req.user));
      const double timeout = settings.learn.session_timeout_minutes * 60;
      for (const auto& s : open) {
        if (now - s.last_at <= timeout) visit_start = s.started_at;  // the newest open one
      }
    }
    profile = ranker::UserProfile(clicks, now, settings.learn.half_life_days * 86400.0,
                                  visit_start);
    if (settings.learn.taste) {
      SAIKI_ASSIGN_OR_RETURN(taste, models_->Taste(req.user));
    }
    SAIKI_ASSIGN_OR_RETURN(auto stored, models_->LatestLearner(req.user, INT64_MAX));
    if (stored) learner = *stored;
    SAIKI_ASSIGN_OR_RETURN(ctx.personal, PersonalWeights(learner.version, models.global.scale));
    // The taste prior belongs to the user's personal model (its offsets
    // were fitted on top of it): version 0 — no personal model yet, or
    // rolled back to none — serves the global model alone, so a rollback
    // to 0 of both gives the factory order exactly.
    if (learner.version > 0) ctx.personal += ranker::TastePrior(settings.learn, models.global.scale);
    SAIKI_ASSIGN_OR_RETURN(ctx.gate, QueryGate(state, req.query_norm));
    response->user_version = learner.version;
    response->gate = ctx.gate;
  }
  response->global_version = models.global_version;
  ranker::FeatureMatrix& x = features_scratch_;
  const bool explore = learner.version > 0 &&
                       ExploreThisSearch(settings, req.user, req.offset, req.k, rk->name(), now,
                                         outcome->hits.size());
  std::vector<float> uncertainty;
  // The candidates' cold rows (brand, category, rating, ...), only theirs:
  // a one-shot search at 1M products reads ~200 chunks, not 44 MB.
  {
    std::vector<uint32_t> docids(outcome->hits.size());
    for (size_t i = 0; i < docids.size(); ++i) docids[i] = outcome->hits[i].docid;
    SAIKI_RETURN_IF_ERROR(state.docs().EnsureColdRows(docids));
  }
  ranker::ExtractFeatures(outcome->hits, req.num_clauses, state.docs(), state.catalog->Medians(),
                          profile, &taste, &x, explore ? &uncertainty : nullptr);
  std::vector<double> scores;
  rk->Score(x, ctx, &scores);
  std::vector<uint32_t> order(x.rows);
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  // Stable: equal scores keep the BM25F order.
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return scores[a] > scores[b]; });

  std::vector<uint8_t> teams;
  const size_t page_end = std::min(order.size(), req.offset + req.k);
  if (!req.user.empty() && rk->name() != "bm25" && learner.interleave_left > 0 &&
      learner.champion != learner.version) {
    // Team-draft interleaving of the new personal model (team 0) with the
    // champion it must beat (team 1) (Radlinski et al., CIKM 2008).
    ranker::RankingContext old_ctx = ctx;
    SAIKI_ASSIGN_OR_RETURN(old_ctx.personal,
                           PersonalWeights(learner.champion, models.global.scale));
    if (learner.champion > 0) {
      old_ctx.personal += ranker::TastePrior(settings.learn, models.global.scale);
    }
    std::vector<double> old_scores;
    rk->Score(x, old_ctx, &old_scores);
    std::vector<uint32_t> old_order = order;
    std::stable_sort(old_order.begin(), old_order.end(),
                     [&](uint32_t a, uint32_t b) { return old_scores[a] > old_scores[b]; });
    uint64_t seed = Mix64(std::hash<std::string>()(req.user) ^
                          Mix64(static_cast<uint64_t>(now * 1000.0)));
    ranker::InterleavedList mixed = ranker::TeamDraftInterleave(order, old_order, page_end, seed);
    std::vector<uint8_t> placed(order.size(), 0);
    std::vector<uint32_t> merged = mixed.items;
    for (uint32_t i : merged) placed[i] = 1;
    for (uint32_t i : order) {
      if (!placed[i]) merged.push_back(i);
    }
    order = std::move(merged);
    teams = mixed.team;
    response->interleaved = true;
    *champion = learner.champion;
  }
  // Exploration comes after interleaving and into the merged page: on a
  // page on trial the explored result credits neither model (kTeamNone), so
  // the interleaving credit stays the two models'. (Before 2026-12-05 pages
  // on trial were not explored; with a personal update accepted most
  // sessions, that left about one search in nine of learn.explore's share.)
  double explore_probability = 0;
  size_t explored_at = 0;
  if (explore) {
    explored_at = Explore(req.user, req.k, now, scores, uncertainty, &order);
    explore_probability = settings.learn.explore / kExploreSlots;
    if (!teams.empty()) {
      teams.insert(teams.begin() + static_cast<std::ptrdiff_t>(explored_at), ranker::kTeamNone);
      teams.resize(page_end);
    }
  }

  ranked->clear();
  std::vector<ranker::Contribution> contrib;
  for (size_t pos = req.offset; pos < page_end; ++pos) {
    RankedHit rh;
    rh.row = order[pos];
    rh.score = scores[order[pos]];
    rh.team = pos < teams.size() ? teams[pos] : 0;
    if (explore_probability > 0 && pos == explored_at) rh.explore_probability = explore_probability;
    if (req.explain) {
      rk->Explain(x, rh.row, ctx, &contrib);
      const float* v = x.row(rh.row);
      for (int i = 0; i < ranker::kNumFeatures; ++i) {
        rh.features.push_back({ranker::kFeatureNames[i], v[i], contrib[i].global,
                               contrib[i].personal});
      }
    }
    ranked->push_back(std::move(rh));
  }
  return Status::Ok();
}

}  // namespace saiki::engine
