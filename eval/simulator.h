// The user simulator behind `saiki simulate`: simulated shoppers with latent
// preferences search the catalogue through the public engine API, click,
// cart and buy according to a click model, and the engine learns from them
// exactly as it learns from real users (Database::Search with a user,
// RecordClick, EndSession). The rankings each arm shows are scored against
// every simulated user's true utility.
//
// --- The world
//
// Products carry four latent attributes (datasets/README.md "Latent
// attributes"): brand, leaf category, style, price tier. The catalogue CSV
// is read once for them (columns brand, category, style, price_tier).
//
// A user u has
//   - 2-4 interest leaves (what they shop for), liked (+1) and some disliked
//     (-1) leaves, one liked and maybe one disliked brand per interest leaf,
//     1-2 liked and one disliked style, a preferred price tier t*;
//   - attribute weights w_brand + w_leaf + w_tier + w_style = 1 (random),
//   - a strength beta_u in [0.4, 1] (how much taste matters),
//   - a perception noise sigma_u in [0, 0.5] (utility units).
// Preference of u for product p:
//   s(u, p) = beta_u * (w_brand v_brand + w_leaf v_leaf + w_tier v_tier + w_style v_style)
// with each v in {-1, 0, +1} (v_tier = 1 - |tier(p) - t*|), so s in [-1, 1].
//
// A query has an intent: the leaf the user shops for (and, for a brand
// query, the brand). The user's query text is drawn from the catalogue's
// vocabulary for that leaf: the leaf's name (フード, ベッド, 茶碗), katakana and
// kanji words typical of its titles (ドッグフード, 寝袋), the single kanji of
// its animal or department (犬, 猫, 靴), the brand name of a brand the user
// likes, and two-term queries (犬 ベッド, マグカップ かわいい). The same text
// can stand for different intents (フード: dog or cat food), which is where
// personalisation has something to do. A session has a mission leaf that
// most of its queries serve.
//
// Query match m(q, p): 1 when p is what the intent asks for (its leaf; for a
// brand query the brand in that leaf), 0.5 when related (the same second-
// level category, e.g. other dog products; for a brand query the brand
// elsewhere or the leaf from another brand), 0 otherwise (a 柴犬 mug for 犬).
//
// True utility, graded 0..3:
//   U(u, q, p) = m(q, p) * clamp(1.5 + 1.5 * s(u, p), 0, 3)
// A fitting product the user is neutral about is worth 1.5, a fitting
// product with everything the user likes 3, one with everything they
// dislike 0; a merely related product at most 1.5.
//
// Clicks (click_models.h): the user perceives U' = clamp(U + sigma_u N(0,1),
// 0, 3) and, once a result is examined, clicks with attractiveness
//   a = a_min + (a_max - a_min) * (U' / 3)^gamma   (0.02, 0.95, 1.5)
// Carts and purchases follow clicks with satisfaction U / 3 (the true
// utility). An app reports them as it would: RecordClick(click), then
// RecordClick(cart), then RecordClick(purchase).
//
// --- The arms, on the same users, queries and click draws (common random
// numbers: every random choice is keyed by seed, user, session and query)
//
//   bm25          the ranking of setting ranker=bm25 (BM25F order). It does
//                 not depend on learning, so it is the engine's unlogged
//                 response, computed once per query.
//   global        the learned global model, not personalised: the shopper
//                 is an anonymous visitor, logged under a new user id each
//                 session (as an app logs a visitor by a session cookie),
//                 and learn.lr_user = 0. The global model learns from every
//                 session; no history from earlier sessions reaches the
//                 ranking (within a session the engine's user features see
//                 that session's clicks, as for any visitor).
//   global+history  the user's own id, learn.lr_user = 0: the global model
//                 with the user-history features (clicks on the product's
//                 brand and categories, price distance, title similarity)
//                 but personal offsets that never move. Between global and
//                 personalised, it says how much of the gain the history
//                 features bring and how much the personal offsets.
//   personalised  the defaults: global model, history features and each
//                 user's offsets.
//   oracle        the engine's candidates (top ranker.candidates by BM25F)
//                 ordered by true utility: the ceiling.
//   xgboost offline  (with SimulationOptions::offline_model) a tree model
//                 trained offline, fixed, no personal weights.
//   imported+personalised  (with SimulationOptions::imported_model) the
//                 personalised arm on a database where a tree model was
//                 imported first as the global model: its users' personal
//                 offsets and taste profiles learn on top of it (the
//                 fleet simulation, fleet/simulate.py: a device with the
//                 fleet's model against the personalised arm, the device
//                 learning alone).
//   personalised+bot  (with SimulationOptions::bot_sessions > 0, the
//                 default) the personalised arm plus one more account, a
//                 bot that searches one query and clicks, carts and buys one
//                 product off BM25F's first page, again and again, between
//                 the rounds of the real users' sessions (eval/bot.h). Its
//                 NDCG@10, counts and learning outcomes are the real users'
//                 only (the bot's sessions are not tallied, except for the
//                 global candidates they completed, counted apart); the
//                 report adds where the target ends up for an anonymous
//                 visitor, for each real user and for the bot, with the bot,
//                 with the bot forgotten (the same history without it), in
//                 the personalised arm (a separate run without it) and, as
//                 a control, with an ordinary real user forgotten instead
//                 of the bot.
//   personalised+explore  (with SimulationOptions::explore_arm > 0) the
//                 personalised arm with exploration on (learn.explore), and
//                 its exploring searches paired with the personalised arm's.
// The engine arms each run in their own database file,
// copied from one import of the catalogue, with a simulated clock
// (OpenOptions::clock): sessions a day apart, queries a minute apart. The
// bot's sessions, 3 minutes apart, follow the last user's session of a
// round; should the users' and the bot's sessions not fit in a day, the day
// is made longer (in whole days) for every engine arm alike.
//
// --- Metrics, per impression, averaged over a user's session, then over
// users (a learning curve per seed), then over seeds with a 95% confidence
// interval (mean +- 1.96 sd / sqrt(seeds))
//   NDCG@10       exponential gain 2^U - 1 (ranker/metrics.h), the ideal
//                 being the best 10 of the engine's candidates for the
//                 query by true utility (so the oracle scores 1 and every
//                 arm is judged on what the engine could have shown);
//   MRR purchase  1 / rank of the first purchased product, 0 without one;
//   CTR           share of searches with at least one click.
#ifndef SAIKI_EVAL_SIMULATOR_H_
#define SAIKI_EVAL_SIMULATOR_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eval/bot.h"
#include "eval/click_models.h"
#include "saiki/saiki.h"

namespace saiki::eval {

// How true utility becomes attractiveness, and how users vary.
struct UserModel {
  double attract_min = 0.02, attract_max = 0.95, attract_gamma = 1.5;
  double strength_min = 0.4, strength_max = 1.0;  // beta_u
  double noise_min = 0.0, noise_max = 0.5;        // sigma_u
  // Relative importance of brand, leaf, tier and style: a user's weights
  // are these times (0.25 + U(0,1)) each, normalised to sum 1. {0,0,1,0}
  // makes users who care about the price tier only.
  std::array<double, 4> attribute_scale = {1, 1, 1, 1};
};

struct SimulationOptions {
  // The catalogue CSV (with style and price_tier columns).
  std::string catalog_path;
  uint64_t seed = 1;  // first seed; seeds seed, seed+1, ...
  int seeds = 3;
  int users = 40;
  int sessions = 20;
  int queries_per_session = 4;
  int k = 10;  // results shown per search
  ClickModel click;
  ConversionModel conversion;
  UserModel user_model;
  // Engine settings (saiki settings keys) applied to the engine arms'
  // databases before they run, e.g. {"learn.l2_user", "0.01"} to try the
  // learner with other parameters. The global and global+history arms then
  // set learn.lr_user to 0 on top.
  std::vector<std::pair<std::string, std::string>> settings;
  // An XGBoost JSON model (saiki model import) to run as one more arm,
  // "xgboost offline": the engine with that tree model as its fixed global
  // ranker and no personal weights. Empty: no such arm. eval/run_sim_xgb.sh
  // trains one on the logs of another simulation.
  std::string offline_model;
  // An XGBoost JSON model imported (forced: the arm's fresh database has no
  // logged sessions to check it on) before the arm "imported+personalised"
  // runs: the personalised arm with that model as its global ranker and
  // personal learning on top. Empty: no such arm.
  std::string imported_model;
  // Whether the arms global and global+history run (false: bm25,
  // personalised, oracle and the optional arms only; fleet/simulate.py
  // runs many devices and needs only the personalised arms).
  bool global_arms = true;
  // Sessions of the bot in the "personalised+bot" arm, per seed, spread
  // evenly over the rounds of the users' sessions (eval/bot.h). Default 200
  // (10 after each round of the default 20); 0..100000; 0: no such arm. The
  // arm costs about as much as the personalised arm plus the bot's sessions
  // (each up to 6 searches and one learning step), plus forgetting the bot
  // in a copy: one session close's learning per session after the bot's
  // first, and the control user in another: per session after that user's
  // first (at the default sizes, on one machine: 1.6 s and 1.7 s per seed).
  int bot_sessions = 200;
  // With a share p in (0, 0.5], one more arm, "personalised+explore": the
  // personalised arm with the setting learn.explore = p (README
  // "Exploration"), on the same users, queries and click draws, and what
  // exploring costs (SimulationResult::explore): the NDCG@10 of the searches
  // that explored against the same searches in the personalised arm, and of
  // the sessions that held one; what it gains later is the arm's curve
  // against the personalised arm's. 0 (default): no such arm.
  double explore_arm = 0;
  // Where the databases go. Empty: a new temporary directory, removed at the
  // end. Set: created if needed and kept: per seed each engine arm's file
  // (seed<N>-<arm>.saiki), and with the bot its arm's copies with the bot
  // forgotten (seed<N>-personalised-bot-forgotten.saiki) and with the
  // control user forgotten (seed<N>-personalised-bot-control.saiki), where
  // the probes' searches are logged too.
  std::string work_dir;
  // Where the personalised arm's gap to the oracle is (SimulationResult::gap):
  // its searches of the last quarter of the sessions, split by query kind.
  bool gap_report = false;
  // Progress lines (stderr in the CLI); may be empty.
  std::function<void(const std::string&)> progress;
};

// A per-session curve over seeds.
struct Curve {
  std::vector<double> mean;                   // per session
  std::vector<double> ci;                     // 1.96 * sd / sqrt(seeds); 0 with one seed
  std::vector<std::vector<double>> per_seed;  // [seed][session]
  double overall = 0, overall_ci = 0;         // mean over sessions
};

struct ArmResult {
  // bm25, global, global+history, personalised, oracle, xgboost offline,
  // imported+personalised, personalised+bot, personalised+explore
  std::string name;
  bool learns = false;  // an engine arm (logging and learning)
  Curve ndcg, mrr_purchase, ctr;
  // Totals over all seeds.
  uint64_t searches = 0, clicks = 0, carts = 0, purchases = 0;
  // The learning loop's outcomes of the real users' sessions (engine arms
  // only), totals over seeds. A global outcome is tallied for the session
  // whose close completed the candidate's pooled evidence
  // (SessionReport::global).
  uint64_t global_accepted = 0, global_rejected = 0;
  uint64_t user_accepted = 0, user_rejected = 0, no_update = 0;
  uint64_t rolled_back = 0;  // interleaving rollbacks
  // personalised+bot only: global candidates completed by one of the bot's
  // sessions instead (the bot's pooled sessions count like anyone's), and
  // how many of those were promoted. Not in the tallies above.
  uint64_t bot_global_candidates = 0, bot_global_promoted = 0;
  double seconds = 0;  // wall time spent in this arm
};

// One row of the gap report (SimulationOptions::gap_report): means over the
// personalised arm's searches of the last quarter of the sessions, all seeds.
// "Fitting" products are those the query's intent asks for (match 1: its
// leaf, for a brand query the brand in that leaf); "unrelated" ones match 0.
// The ceilings order the engine's candidates by a utility computed from the
// user's true taste and the query's true intent, but with only what the
// engine can observe of a product: its brand, its leaf, its price tier read
// from its price against the leaf's median price (the engine's thresholds:
// budget below 0.8 times, premium above 1.3 times) and its style where its
// title names it (one product in five); brand_leaf: the brand and the leaf
// only. They say how far a perfect learner of the user's taste could go with
// the engine's view of the catalogue.
struct GapRow {
  std::string kind;  // all, brand, kanji, two terms, word, first search
  uint64_t searches = 0;
  double ndcg = 0;             // the arm's NDCG@10
  double ndcg_page_sorted = 0; // its page re-sorted by true utility
  double fitting_shown = 0, fitting_ideal = 0;  // fitting products on its / the ideal page
  double unrelated_shown = 0;
  double ceiling_observable = 0, ceiling_brand_leaf = 0;
};

// What exploring cost in one seed (SimulationOptions::explore_arm): the
// personalised+explore arm's searches whose page held an explored result,
// paired with the same searches (same user, round and query) in the
// personalised arm. The pairs differ by the explored result and by all the
// learning that exploring changed before it.
struct ExploreSeedResult {
  uint64_t searches = 0;  // all the arm's searches
  uint64_t explored = 0;  // those whose page held an explored result
  uint64_t explored_clicks = 0;  // clicks on the explored results
  double ndcg_explored = 0;      // their mean NDCG@10
  double ndcg_paired = 0;        // the same searches' in the personalised arm
  uint64_t sessions = 0;         // sessions with an explored search
  double session_ndcg_explored = 0, session_ndcg_paired = 0;  // their mean NDCG@10
};

struct SimulationResult {
  SimulationOptions options;  // as run (progress dropped)
  uint64_t products = 0;
  uint64_t query_texts = 0;  // distinct query texts used
  // bm25, global, global+history (unless global_arms is false),
  // personalised, oracle, then those that ran of xgboost offline,
  // imported+personalised, personalised+bot and personalised+explore, in
  // that order.
  std::vector<ArmResult> arms;
  // The bot arm's report, one per seed in seed order; empty without the arm.
  std::vector<BotSeedResult> bot;
  // With SimulationOptions::explore_arm: one per seed, in seed order.
  std::vector<ExploreSeedResult> explore;
  // With SimulationOptions::gap_report: "all" first, then each query kind
  // that occurred, then a session's first search; empty otherwise.
  std::vector<GapRow> gap;
  double seconds = 0;
  std::string work_dir;  // where the databases were (removed unless kept)
};

// The arm called `name` in `result.arms`; nullptr when it did not run.
const ArmResult* FindArm(const SimulationResult& result, std::string_view name);

// Runs the whole simulation. Errors: a missing or malformed catalogue
// (kNotFound, kInvalidArgument), engine errors.
Result<SimulationResult> RunSimulation(const SimulationOptions& options);

// The table `saiki simulate` prints: NDCG@10 at sessions 1, 5, 10, 20 (those
// that exist, and the last) and overall, per arm, with CIs; then MRR of
// the first purchase, CTR and the learning loop's outcomes; with the bot
// arm, a section "Bot: ..." (per seed and mean over seeds).
std::string FormatTable(const SimulationResult& result);
// Everything as one JSON object (options, curves, diagnostics; with the
// bot arm, options.bot_sessions and a "bot" object).
std::string FormatJson(const SimulationResult& result);
// The learning curves (NDCG@10 by session, a CI band per arm) as SVG.
std::string LearningCurvesSvg(const SimulationResult& result);
// One cell of the report's tables: "0.760 ±0.022" (a mean and the half
// width of its 95% interval), as the simulator's and the bot's sections
// print them.
std::string FormatMeanCi(double mean, double ci);

// --- Pieces, exposed for tests.

// U = m * clamp(1.5 + 1.5 * s, 0, 3), s in [-1, 1], m in {0, 0.5, 1}.
double TrueUtility(double match, double preference);
// a = a_min + (a_max - a_min) * (clamp(u, 0, 3) / 3)^gamma.
double Attractiveness(const UserModel& model, double perceived_utility);

}  // namespace saiki::eval

#endif  // SAIKI_EVAL_SIMULATOR_H_
