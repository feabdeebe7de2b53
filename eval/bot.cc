// The bot arm's plan, sessions, probes and report. See bot.h.
#include "eval/bot.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "eval/simulator.h"

namespace saiki::eval {

using Json = nlohmann::ordered_json;

BotSeedSummary SummariseBotSeed(const BotSeedResult& r) {
  BotSeedSummary s;
  s.anonymous_lift = r.anonymous_without - r.anonymous_with;
  for (int rank : r.users_without) s.users_top_without += rank <= kBotTopN ? 1 : 0;
  for (int rank : r.users_with) s.users_top_with += rank <= kBotTopN ? 1 : 0;
  const size_t n = std::min(r.users_without.size(), r.users_with.size());
  double sum = 0;
  for (size_t u = 0; u < n; ++u) {
    const int lift = r.users_without[u] - r.users_with[u];
    sum += lift;
    s.max_lift = u == 0 ? lift : std::max(s.max_lift, lift);
  }
  s.mean_lift = n ? sum / static_cast<double>(n) : 0.0;
  return s;
}

BotSummary SummariseBot(const std::vector<BotSeedResult>& seeds) {
  BotSummary m;
  for (const BotSeedResult& r : seeds) {
    if (r.target.empty()) continue;
    const BotSeedSummary s = SummariseBotSeed(r);
    m.max_lift = m.seeds == 0 ? s.max_lift : std::max(m.max_lift, s.max_lift);
    ++m.seeds;
    m.bm25_rank += r.bm25_rank;
    m.anonymous_without += r.anonymous_without;
    m.anonymous_with += r.anonymous_with;
    m.anonymous_lift += s.anonymous_lift;
    m.users_top_without += s.users_top_without;
    m.users_top_with += s.users_top_with;
    m.mean_lift += s.mean_lift;
    m.bot_rank += r.bot_rank;
    m.sessions_seen += r.sessions_seen;
    m.sessions_first_page += r.sessions_first_page;
  }
  if (m.seeds > 0) {
    const double n = m.seeds;
    for (double* v : {&m.bm25_rank, &m.anonymous_without, &m.anonymous_with, &m.anonymous_lift,
                      &m.users_top_without, &m.users_top_with, &m.mean_lift, &m.bot_rank,
                      &m.sessions_seen, &m.sessions_first_page}) {
      *v /= n;
    }
  }
  return m;
}

std::string MostFrequentQuery(const std::vector<std::string>& texts) {
  // A std::map visits texts in byte order, so the first with the highest
  // count is the tie-break the header promises.
  std::map<std::string, int> counts;
  for (const std::string& t : texts) counts[t]++;
  std::string best;
  int best_count = 0;
  for (const auto& [text, count] : counts) {
    if (count > best_count) {
      best = text;
      best_count = count;
    }
  }
  return best;
}

std::optional<int> BotTargetRank(int candidates) {
  if (candidates >= kBotTargetRank) return kBotTargetRank;
  if (candidates > kBotTopN) return candidates;
  return std::nullopt;
}

int BotSessionsInRound(int total, int rounds, int round) {
  if (total <= 0 || rounds <= 0 || round < 0 || round >= rounds) return 0;
  const int64_t t = total, n = rounds, r = round;
  return static_cast<int>((r + 1) * t / n - r * t / n);
}

int MaxBotSessionsPerRound(int total, int rounds) {
  if (total <= 0 || rounds <= 0) return 0;
  return (total + rounds - 1) / rounds;
}

namespace {

// One bot session from time `start`: page through the results until the
// target shows, then click, cart and buy it; close the session.
Status RunBotSession(Database* db, const BotPlan& plan, double start, double* now,
                     BotSeedResult* tally) {
  *now = start;
  tally->sessions++;
  for (int offset = 0; offset <= kBotMaxOffset; offset += plan.page_size) {
    if (offset > 0) *now += kBotStepSeconds;  // reading the page, then turning it
    SearchRequest req;
    req.query = plan.query;
    req.k = plan.page_size;
    req.offset = offset;
    req.user = plan.user;
    auto res = db->Search(req);
    if (!res.ok()) return res.status().WithContext("simulate: bot search '" + plan.query + "'");
    tally->searches++;
    if (!res->query_id) return Status::Internal("simulate: the bot's search was not logged");
    const bool seen = std::any_of(res->hits.begin(), res->hits.end(),
                                  [&](const SearchHit& h) { return h.id == plan.target; });
    if (seen) {
      tally->sessions_seen++;
      if (offset == 0) tally->sessions_first_page++;
      for (ClickKind kind : {ClickKind::kClick, ClickKind::kCart, ClickKind::kPurchase}) {
        *now += kBotStepSeconds;
        Status st = db->RecordClick(*res->query_id, plan.target, kind);
        if (!st.ok()) return st.WithContext("simulate: bot click");
      }
      break;
    }
    // A short page is the end of the results: nothing further to turn to.
    if (static_cast<int>(res->hits.size()) < plan.page_size) break;
  }
  auto report = db->EndSession(plan.user);
  if (!report.ok()) return report.status().WithContext("simulate: bot end session");
  return Status::Ok();
}

}  // namespace

Status RunBotSessions(Database* db, const BotPlan& plan, int sessions, double start, double* now,
                      BotSeedResult* tally) {
  if (plan.page_size < 1) return Status::InvalidArgument("simulate: bot page size must be >= 1");
  for (int i = 0; i < sessions; ++i) {
    SAIKI_RETURN_IF_ERROR(RunBotSession(db, plan, start + i * kBotSessionSeconds, now, tally));
  }
  return Status::Ok();
}

Result<int> ProbeRank(Database* db, const std::string& query, const std::string& user,
                      const std::string& target, int candidates) {
  SearchRequest req;
  req.query = query;
  req.k = std::max(1, candidates);
  req.user = user;
  auto res = db->Search(req);
  if (!res.ok()) return res.status().WithContext("simulate: probe '" + query + "'");
  for (const SearchHit& h : res->hits) {
    if (h.id == target) return h.rank;
  }
  return candidates + 1;
}

// ------------------------------------------------------------ the report

namespace {

std::string Cell(double mean, double ci) { return fmt::format("{:.3f} ±{:.3f}", mean, ci); }

}  // namespace

// The bot's section of the table: per seed, then the mean over seeds, then
// the real users' NDCG@10 without and with the bot.
std::string FormatBotTable(const SimulationResult& r) {
  if (r.bot.empty()) return "";
  const SimulationOptions& o = r.options;
  std::string out = fmt::format(
      "\nBot: one account, {} sessions per seed, searches the seed's most frequent query and "
      "buys one product off BM25F's first page (rank {}, or the last of fewer candidates)\n"
      "The product's rank at the end, without -> with the bot (1-based among the query's "
      "candidates; candidates + 1 = absent);\nlift = places gained; top{} users = real users "
      "with it in their top {}; seen = bot sessions that found it (on page 1)\n",
      o.bot_sessions, kBotTargetRank, kBotTopN, kBotTopN);
  out += fmt::format("{:<6}{:>6}  {:>22}  {:>12}  {:>18}  {:>9}  {:>14}  {}\n", "seed", "bm25",
                     "anonymous (lift)", fmt::format("top{} users", kBotTopN), "user lift mean/max",
                     "bot's own", "seen (page 1)", "query -> target");
  for (const BotSeedResult& b : r.bot) {
    if (b.target.empty()) {
      out += fmt::format("{:<6}no target: '{}' has {} candidates, none off the first page\n",
                         b.seed, b.query, b.candidates);
      continue;
    }
    const BotSeedSummary m = SummariseBotSeed(b);
    out += fmt::format(
        "{:<6}{:>6}  {:>22}  {:>12}  {:>18}  {:>9}  {:>14}  {} -> {}\n", b.seed, b.bm25_rank,
        fmt::format("{} -> {} ({:+d})", b.anonymous_without, b.anonymous_with, m.anonymous_lift),
        fmt::format("{} -> {}", m.users_top_without, m.users_top_with),
        fmt::format("{:+.1f} / {:+d}", m.mean_lift, m.max_lift), b.bot_rank,
        fmt::format("{}/{} ({})", b.sessions_seen, b.sessions, b.sessions_first_page), b.query,
        b.target);
  }
  const BotSummary m = SummariseBot(r.bot);
  if (m.seeds > 0) {
    out += fmt::format(
        "{:<6}{:>6.1f}  {:>22}  {:>12}  {:>18}  {:>9.1f}  {:>14}  over {} seed{} with a target\n",
        "mean", m.bm25_rank,
        fmt::format("{:.1f} -> {:.1f} ({:+.1f})", m.anonymous_without, m.anonymous_with,
                    m.anonymous_lift),
        fmt::format("{:.1f} -> {:.1f}", m.users_top_without, m.users_top_with),
        fmt::format("{:+.1f} / {:+d}", m.mean_lift, m.max_lift), m.bot_rank,
        fmt::format("{:.1f} ({:.1f})", m.sessions_seen, m.sessions_first_page), m.seeds,
        m.seeds == 1 ? "" : "s");
  }
  const ArmResult* without = FindArm(r, "personalised");
  const ArmResult* with = FindArm(r, kBotArmName);
  if (without && with) {
    out += fmt::format(
        "NDCG@10 of the real users, overall: personalised {}, personalised+bot {} ({:+.3f})\n",
        Cell(without->ndcg.overall, without->ndcg.overall_ci),
        Cell(with->ndcg.overall, with->ndcg.overall_ci),
        with->ndcg.overall - without->ndcg.overall);
  }
  return out;
}

// The "bot" object: the conventions, per seed values and their means.
nlohmann::ordered_json BotJson(const SimulationResult& r) {
  const ArmResult* without = FindArm(r, "personalised");
  const ArmResult* with = FindArm(r, kBotArmName);
  Json b;
  b["sessions"] = r.options.bot_sessions;
  b["target_bm25_rank"] = kBotTargetRank;
  b["top_n"] = kBotTopN;
  b["absent_rank"] = "candidates + 1";
  Json seeds = Json::array();
  for (size_t i = 0; i < r.bot.size(); ++i) {
    const BotSeedResult& s = r.bot[i];
    Json sj;
    sj["seed"] = s.seed;
    sj["query"] = s.query;
    sj["candidates"] = s.candidates;
    if (s.target.empty()) {
      sj["target"] = nullptr;
      seeds.push_back(sj);
      continue;
    }
    const BotSeedSummary m = SummariseBotSeed(s);
    sj["target"] = s.target;
    sj["bm25_rank"] = s.bm25_rank;
    sj["bot"] = {{"sessions", s.sessions},
                 {"sessions_seen", s.sessions_seen},
                 {"sessions_first_page", s.sessions_first_page},
                 {"searches", s.searches},
                 {"own_rank", s.bot_rank}};
    sj["anonymous"] = {
        {"without", s.anonymous_without}, {"with", s.anonymous_with}, {"lift", m.anonymous_lift}};
    sj["users"] = {{"without", s.users_without},         {"with", s.users_with},
                   {"top_without", m.users_top_without}, {"top_with", m.users_top_with},
                   {"mean_lift", m.mean_lift},           {"max_lift", m.max_lift}};
    // The real users' NDCG@10 over the whole run, this seed.
    auto overall = [i](const ArmResult* a) {
      if (!a || i >= a->ndcg.per_seed.size() || a->ndcg.per_seed[i].empty()) return 0.0;
      double sum = 0;
      for (double x : a->ndcg.per_seed[i]) sum += x;
      return sum / static_cast<double>(a->ndcg.per_seed[i].size());
    };
    sj["ndcg10"] = {{"without", overall(without)}, {"with", overall(with)}};
    seeds.push_back(sj);
  }
  b["seeds"] = seeds;
  const BotSummary m = SummariseBot(r.bot);
  b["mean"] = {{"seeds_with_target", m.seeds},
               {"bm25_rank", m.bm25_rank},
               {"anonymous_without", m.anonymous_without},
               {"anonymous_with", m.anonymous_with},
               {"anonymous_lift", m.anonymous_lift},
               {"users_top_without", m.users_top_without},
               {"users_top_with", m.users_top_with},
               {"user_mean_lift", m.mean_lift},
               {"user_max_lift", m.max_lift},
               {"bot_own_rank", m.bot_rank},
               {"sessions_seen", m.sessions_seen},
               {"sessions_first_page", m.sessions_first_page}};
  if (without && with) {
    b["ndcg10"] = {{"without", without->ndcg.overall}, {"with", with->ndcg.overall}};
  }
  return b;
}

}  // namespace saiki::eval
