// The bot arm of `saiki simulate` (eval/simulator.h): how far one account
// that searches one query and buys one product again and again can steer
// what everyone else is shown for that query.
//
// The arm "personalised+bot" is the personalised arm (the same users,
// queries, click draws and settings) plus one more account, the bot. Before
// the run, per seed:
//   query   the most frequent query text of the real users' plan (ties: the
//           first in byte order), so the bot attacks the query that matters
//           most to the simulated shoppers;
//   target  a product among the query's engine candidates (ranker.candidates
//           by BM25F) that BM25F does not put on the first page: the one at
//           BM25F rank 21; with 11..20 candidates the last one; with 10 or
//           fewer none ("no target": the arm then runs without the bot).
// After each round of the real users' sessions (one session each) the bot
// runs its share of SimulationOptions::bot_sessions, spread evenly over the
// rounds (BotSessionsInRound). A bot session is paced like a person on the
// simulated clock: it searches the query with the users' page size k; when
// the target is not on the page it turns the page (offset k, 2k, ... up to
// kBotMaxOffset) a few seconds later; when it sees the target it clicks,
// carts and buys it, each a few seconds apart, and closes the session
// (Database::EndSession). A session in which the target never shows ends
// without a click: RecordClick refuses a product that was not shown.
//
// --- Measuring the steer
//
// What the bot did to the others is the difference between the models
// learned with it and the models learned from the same history without it.
// Comparing with a separate run without the bot (the personalised arm) does
// not isolate that: once one ranking differs, users see other pages, click
// otherwise, and every later model differs too, bot or no bot (chaotic
// divergence). So, per seed, at the end of the run:
//   with       a copy of the bot arm's database is probed;
//   forgotten  another copy, in which the bot is forgotten first
//              (Database::ForgetUser: its logs deleted and every learned
//              model, global and every user's, re-derived by replaying the
//              remaining sessions in order, as if the bot's had never
//              happened), is probed the same way: the same history, the
//              bot's sessions taken out;
//   without    a copy of the personalised arm's database (the separate run)
//              is probed, kept as a second reference.
// The probes are logged in the copies only, so they never feed the learning
// they measure; each asks for the target's rank for the query as seen by an
// anonymous visitor (user "") and by every real user, and in the "with" copy
// by the bot itself.
//
// The steer is rank forgotten minus rank with the bot, the lift rank without
// minus rank with the bot: positive when the bot pulled the target up for
// that viewer. The steer holds the real users' logged sessions fixed,
// including what they were shown while the bot was there: it measures the
// bot's influence through what was learned from its own sessions, not the
// knock-on effect of the pages it changed on what the users then did.
//
// The control. Forgetting any one account re-derives every model from a
// slightly different history, and the learned models are sensitive to that:
// forgetting an ordinary real user moves the target's ranks for the others
// too. So, per seed, one more copy of the bot arm is probed, in which one
// ordinary real user is forgotten instead of the bot: the control user, the
// first user of the seed's plan (sim-s<seed>-u000; a fixed choice, not a
// typical one). Every real user is probed there, the control user too (with
// its history gone it sees what a newcomer sees). The control gain is rank
// with the control user forgotten minus rank with the bot: the steer's
// comparison with an ordinary user's history taken out instead of the bot's,
// over the other real users only (the control user's own rank also loses its
// own personalisation, which is no effect on anyone else). A steer of about
// the control gain's size (either sign) cannot be told apart from what
// removing any one user's history does; one control user is one sample of
// that sensitivity, not its spread.
//
// Ranks are 1-based among the query's engine candidates (the whole
// re-ranked candidate list is asked for). A target missing from that list is
// given rank candidates + 1 ("absent"), so that ranks and their differences
// stay numbers.
#ifndef SAIKI_EVAL_BOT_H_
#define SAIKI_EVAL_BOT_H_

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "saiki/saiki.h"

namespace saiki::eval {

struct SimulationResult;  // eval/simulator.h

// The arm's name in SimulationResult::arms.
inline constexpr const char* kBotArmName = "personalised+bot";

// Pacing on the simulated clock: seconds between the bot's page turns and
// between its click, cart and purchase; and between the starts of two of its
// sessions (a session takes at most 6 pages + 3 actions = 45 s).
inline constexpr double kBotStepSeconds = 5.0;
inline constexpr double kBotSessionSeconds = 180.0;
// The last page the bot looks at starts at this offset (with k = 10: six
// pages, the top 60).
inline constexpr int kBotMaxOffset = 50;
// The BM25F rank (1-based) of the product the bot pushes, when the query has
// that many candidates.
inline constexpr int kBotTargetRank = 21;
// "In the top N" in the report.
inline constexpr int kBotTopN = 10;

// What the bot does in one seed, fixed before the run.
struct BotPlan {
  std::string user;    // the bot's account (user id in the engine)
  std::string query;   // the one query text it searches
  std::string target;  // the product id it clicks, carts and buys
  int page_size = 10;  // k of each of its searches
};

// The bot arm's record for one seed. Ranks as in the top comment.
struct BotSeedResult {
  uint64_t seed = 0;
  std::string query;
  std::string target;  // empty: no target; the bot did not run, nothing probed
  int candidates = 0;  // the query's engine candidates; rank candidates + 1 = absent
  int bm25_rank = 0;   // the target's BM25F rank: where it starts
  // What the bot did, all its sessions together.
  int sessions = 0;             // sessions run
  int sessions_seen = 0;        // sessions in which the target was shown (and bought)
  int sessions_first_page = 0;  // ... shown on the first page
  int searches = 0;             // pages asked for
  // Global candidates whose evidence one of the bot's sessions completed
  // (SessionReport::global.outcome other than kNone on the bot's
  // EndSession), and how many of them were promoted.
  int global_candidates = 0;
  int global_promoted = 0;
  // The target's rank at the end of the run: in the personalised+bot arm
  // (with), in its copy with the bot forgotten (forgotten), in the
  // personalised arm (without, the separate run).
  int anonymous_with = 0, anonymous_forgotten = 0, anonymous_without = 0;
  std::vector<int> users_with, users_forgotten, users_without;  // per real user, in user order
  int bot_rank = 0;  // the bot's own view at the end of the bot arm
  // What Database::ForgetUser(bot) reported on the copy, and its wall time
  // (the only figure here that varies between runs of one seed).
  ForgetReport forget;
  double forget_seconds = 0;
  // The control (top comment): the real user forgotten instead of the bot in
  // another copy of the bot arm, its place in the per-user lists (-1: no
  // control probed), the ranks there (every real user, the control user
  // included, in user order), and what ForgetUser(control_user) reported and
  // took.
  std::string control_user;
  int control_index = -1;
  int anonymous_control = 0;
  std::vector<int> users_control;
  ForgetReport control_forget;
  double control_forget_seconds = 0;
};

// How the target's rank with the bot compares with a reference ranking (the
// bot forgotten, or the separate run): places gained = reference rank - rank
// with the bot, positive when the bot pulled the target up. One seed's
// figures, or their means over seeds (max: the largest of any seed).
struct RankGain {
  double anonymous_reference = 0, anonymous_with = 0;  // the anonymous visitor's ranks
  double anonymous = 0;                                // ... places gained
  // Real users with the target in their top kBotTopN.
  double users_top_reference = 0, users_top_with = 0;
  // The places gained over the real users: their mean and the largest.
  double mean = 0;
  int max = 0;
};
// The gain of `with` over `reference` (ranks per real user in the same
// order; users beyond the shorter list are left out).
RankGain CompareRanks(int anonymous_reference, int anonymous_with,
                      const std::vector<int>& users_reference, const std::vector<int>& users_with);

// Derived figures of one seed (only for a seed with a target).
struct BotSeedSummary {
  RankGain steer;  // the reference: the same history, the bot forgotten
  RankGain lift;   // the reference: the separate run without the bot
  // The reference: the same history, the control user forgotten instead of
  // the bot; over the real users other than the control user (its entry
  // left out of both lists). All zero when no control was probed.
  RankGain control;
};
BotSeedSummary SummariseBotSeed(const BotSeedResult& seed);

// Means over the seeds that had a target.
struct BotSummary {
  int seeds = 0;  // seeds with a target
  double bm25_rank = 0;
  RankGain steer, lift, control;
  double bot_rank = 0;
  double sessions_seen = 0, sessions_first_page = 0;
  double global_candidates = 0, global_promoted = 0;
  double entries_replayed = 0, versions_rederived = 0, forget_seconds = 0;
  // ForgetUser(control user)'s report and time.
  double control_entries_replayed = 0, control_versions_rederived = 0, control_forget_seconds = 0;
};
BotSummary SummariseBot(const std::vector<BotSeedResult>& seeds);

// --- The plan: pure functions.

// The most frequent text of `texts` (ties: the smallest in byte order); ""
// when `texts` is empty.
std::string MostFrequentQuery(const std::vector<std::string>& texts);

// The 1-based BM25F rank of the target among `candidates` results:
// kBotTargetRank when there are that many, else the last one when there are
// more than kBotTopN, else nullopt (no product off the first page).
std::optional<int> BotTargetRank(int candidates);

// How many of `total` bot sessions run after round `round` (0-based) of
// `rounds`: floor((round+1) total / rounds) - floor(round total / rounds),
// which sums to `total` and differs by at most one between rounds.
int BotSessionsInRound(int total, int rounds, int round);

// The most bot sessions any round gets (ceil(total / rounds)).
int MaxBotSessionsPerRound(int total, int rounds);

// --- Running and probing, through the public API.

// Runs `sessions` bot sessions, the first starting at simulated time
// `start`, the next kBotSessionSeconds later, and so on. `now` is the
// database's clock (OpenOptions::clock reads it): the function advances it
// as the bot acts. Adds what the bot did to `tally` (sessions, searches,
// sessions_seen, sessions_first_page, global_candidates, global_promoted).
// Errors: the engine's, with context.
Status RunBotSessions(Database* db, const BotPlan& plan, int sessions, double start, double* now,
                      BotSeedResult* tally);

// The 1-based rank of `target` in the results for `query` as `user` sees
// them ("" = an anonymous visitor; a named user's search is logged, so call
// it on a copy), asking for all `candidates` results; candidates + 1 when the
// target is not among them.
Result<int> ProbeRank(Database* db, const std::string& query, const std::string& user,
                      const std::string& target, int candidates);

// --- The report (the bot's part of FormatTable and FormatJson).

// The section "Bot: ..." of the table: per seed and the mean over seeds of
// the figures above, the steer first, the lift on a second line and the
// control on a third; what forgetting the bot and the control user cost;
// then the real users' NDCG@10 without and with the bot. "" when
// `result.bot` is empty.
std::string FormatBotTable(const SimulationResult& result);

// The "bot" object of the JSON: the conventions (sessions, target rank, top
// N, what "absent", the steer and the lift are), per seed the plan, what the
// bot did, the ranks with the bot and the steer ("steer": against the bot
// forgotten), then against the separate run ("separate_run": the lift),
// against the control user forgotten ("control": its name, index, ranks,
// gain and ForgetUser's report), ForgetUser's report for the bot ("forget")
// and the real users' NDCG@10, and the means over seeds.
nlohmann::ordered_json BotJson(const SimulationResult& result);

}  // namespace saiki::eval

#endif  // SAIKI_EVAL_BOT_H_
