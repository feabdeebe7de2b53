// The bot arm's plan, sessions, probes and report. See bot.h.
#include "eval/bot.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <nlohmann/json.hpp>

#include "eval/simulator.h"

namespace saiki::eval {

using Json = nlohmann::ordered_json;

RankGain CompareRanks(int anonymous_reference, int anonymous_with,
                      const std::vector<int>& users_reference, const std::vector<int>& users_with) {
  RankGain g;
  g.anonymous_reference = anonymous_reference;
  g.anonymous_with = anonymous_with;
  g.anonymous = anonymous_reference - anonymous_with;
  for (int rank : users_reference) g.users_top_reference += rank <= kBotTopN ? 1 : 0;
  for (int rank : users_with) g.users_top_with += rank <= kBotTopN ? 1 : 0;
  const size_t n = std::min(users_reference.size(), users_with.size());
  double sum = 0;
  for (size_t u = 0; u < n; ++u) {
    const int gain = users_reference[u] - users_with[u];
    sum += gain;
    g.max = u == 0 ? gain : std::max(g.max, gain);
  }
  g.mean = n ? sum / static_cast<double>(n) : 0.0;
  return g;
}

BotSeedSummary SummariseBotSeed(const BotSeedResult& r) {
  BotSeedSummary s;
  s.steer = CompareRanks(r.anonymous_forgotten, r.anonymous_with, r.users_forgotten, r.users_with);
  s.lift = CompareRanks(r.anonymous_without, r.anonymous_with, r.users_without, r.users_with);
  const size_t n = std::min(r.users_control.size(), r.users_with.size());
  if (r.control_index >= 0 && static_cast<size_t>(r.control_index) < n) {
    // Over the other real users: the control user's entry leaves both lists.
    std::vector<int> control, with;
    for (size_t u = 0; u < n; ++u) {
      if (u == static_cast<size_t>(r.control_index)) continue;
      control.push_back(r.users_control[u]);
      with.push_back(r.users_with[u]);
    }
    s.control = CompareRanks(r.anonymous_control, r.anonymous_with, control, with);
  }
  return s;
}

namespace {

// Adds `g` into the running sums `sum` (max: the largest; `first` when
// `sum` holds nothing yet).
void AddGain(const RankGain& g, bool first, RankGain* sum) {
  sum->anonymous_reference += g.anonymous_reference;
  sum->anonymous_with += g.anonymous_with;
  sum->anonymous += g.anonymous;
  sum->users_top_reference += g.users_top_reference;
  sum->users_top_with += g.users_top_with;
  sum->mean += g.mean;
  sum->max = first ? g.max : std::max(sum->max, g.max);
}
// The sums of AddGain over n seeds become means (max stays the largest).
void DivideGain(double n, RankGain* g) {
  for (double* v : {&g->anonymous_reference, &g->anonymous_with, &g->anonymous,
                    &g->users_top_reference, &g->users_top_with, &g->mean}) {
    *v /= n;
  }
}

}  // namespace

BotSummary SummariseBot(const std::vector<BotSeedResult>& seeds) {
  BotSummary m;
  for (const BotSeedResult& r : seeds) {
    if (r.target.empty()) continue;
    const BotSeedSummary s = SummariseBotSeed(r);
    AddGain(s.steer, m.seeds == 0, &m.steer);
    AddGain(s.lift, m.seeds == 0, &m.lift);
    AddGain(s.control, m.seeds == 0, &m.control);
    ++m.seeds;
    m.bm25_rank += r.bm25_rank;
    m.bot_rank += r.bot_rank;
    m.sessions_seen += r.sessions_seen;
    m.sessions_first_page += r.sessions_first_page;
    m.global_candidates += r.global_candidates;
    m.global_promoted += r.global_promoted;
    m.entries_replayed += static_cast<double>(r.forget.entries_replayed);
    m.versions_rederived += static_cast<double>(r.forget.versions_rederived);
    m.forget_seconds += r.forget_seconds;
    m.control_entries_replayed += static_cast<double>(r.control_forget.entries_replayed);
    m.control_versions_rederived += static_cast<double>(r.control_forget.versions_rederived);
    m.control_forget_seconds += r.control_forget_seconds;
  }
  if (m.seeds > 0) {
    const double n = m.seeds;
    DivideGain(n, &m.steer);
    DivideGain(n, &m.lift);
    DivideGain(n, &m.control);
    for (double* v :
         {&m.bm25_rank, &m.bot_rank, &m.sessions_seen, &m.sessions_first_page, &m.global_candidates,
          &m.global_promoted, &m.entries_replayed, &m.versions_rederived, &m.forget_seconds,
          &m.control_entries_replayed, &m.control_versions_rederived, &m.control_forget_seconds}) {
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
  // The bot's sessions count towards the pooled evidence like anyone's, so
  // one of them can be the session that completes a global candidate.
  if (*report && (*report)->global.outcome != UpdateOutcome::kNone) {
    tally->global_candidates++;
    if ((*report)->global.outcome == UpdateOutcome::kAccepted) tally->global_promoted++;
  }
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

// The bot's section of the table: per seed, then the mean over seeds, each
// with the steer on a first line, the lift on a second and the control on a
// third; what forgetting the bot and the control user cost; then the real
// users' NDCG@10 without and with the bot.
std::string FormatBotTable(const SimulationResult& r) {
  if (r.bot.empty()) return "";
  const SimulationOptions& o = r.options;
  std::string out = fmt::format(
      "\nBot: one account, {} sessions per seed, searches the seed's most frequent query and "
      "buys one product off BM25F's first page (rank {}, or the last of fewer candidates)\n"
      "The product's rank at the end, reference -> with the bot (1-based among the query's "
      "candidates; candidates + 1 = absent), gain = places the bot gained it:\n"
      "  steer: reference = the same history with the bot forgotten (ForgetUser on a copy of "
      "the bot arm): the bot's own influence\n"
      "  lift:  reference = a separate run without the bot (the personalised arm): the bot's "
      "influence plus the runs' divergence\n"
      "  control: reference = the same history with an ordinary real user forgotten instead of "
      "the bot (the seed's first user, ForgetUser on another copy), over the other real users: "
      "what forgetting one ordinary user's history does\n"
      "top{} users = real users with it in their top {}; seen = bot sessions that found it (on "
      "page 1)\n",
      o.bot_sessions, kBotTargetRank, kBotTopN, kBotTopN);
  // One row of the columns, without the padding of empty trailing columns.
  auto row = [](auto&&... cells) {
    std::string line = fmt::format("{:<6}{:>6}  {:<23}{:>20}  {:>12}  {:>18}  {:>9}  {:>14}  {}",
                                   std::forward<decltype(cells)>(cells)...);
    line.erase(line.find_last_not_of(' ') + 1);
    return line + "\n";
  };
  out += row("seed", "bm25", "reference", "anonymous (gain)", fmt::format("top{} users", kBotTopN),
             "user gain mean/max", "bot's own", "seen (page 1)", "query -> target");
  // The comparison columns of one line; `digits` 0 for a seed, 1 for means.
  auto columns = [](const RankGain& g, int digits) {
    return std::array<std::string, 3>{
        fmt::format("{:.{}f} -> {:.{}f} ({:+.{}f})", g.anonymous_reference, digits,
                    g.anonymous_with, digits, g.anonymous, digits),
        fmt::format("{:.{}f} -> {:.{}f}", g.users_top_reference, digits, g.users_top_with, digits),
        fmt::format("{:+.1f} / {:+d}", g.mean, g.max)};
  };
  for (const BotSeedResult& b : r.bot) {
    if (b.target.empty()) {
      out += fmt::format("{:<6}no target: '{}' has {} candidates, none off the first page\n",
                         b.seed, b.query, b.candidates);
      continue;
    }
    const BotSeedSummary m = SummariseBotSeed(b);
    const auto steer = columns(m.steer, 0), lift = columns(m.lift, 0),
               control = columns(m.control, 0);
    out +=
        row(b.seed, b.bm25_rank, "steer: bot forgotten", steer[0], steer[1], steer[2], b.bot_rank,
            fmt::format("{}/{} ({})", b.sessions_seen, b.sessions, b.sessions_first_page),
            fmt::format("{} -> {}", b.query, b.target));
    out += row("", "", "lift:  separate run", lift[0], lift[1], lift[2], "", "", "");
    if (b.control_index >= 0) {
      out += row("", "", "control: user forgotten", control[0], control[1], control[2], "", "",
                 fmt::format("control user {}", b.control_user));
    }
  }
  const BotSummary m = SummariseBot(r.bot);
  if (m.seeds > 0) {
    const auto steer = columns(m.steer, 1), lift = columns(m.lift, 1),
               control = columns(m.control, 1);
    out += row("mean", fmt::format("{:.1f}", m.bm25_rank), "steer: bot forgotten", steer[0],
               steer[1], steer[2], fmt::format("{:.1f}", m.bot_rank),
               fmt::format("{:.1f} ({:.1f})", m.sessions_seen, m.sessions_first_page),
               fmt::format("over {} seed{} with a target", m.seeds, m.seeds == 1 ? "" : "s"));
    out += row("", "", "lift:  separate run", lift[0], lift[1], lift[2], "", "", "");
    out += row("", "", "control: user forgotten", control[0], control[1], control[2], "", "", "");
    out += fmt::format(
        "Forgetting the bot (per seed, mean): {:.0f} journal entries replayed, {:.0f} model "
        "versions re-derived, {:.1f} s; the bot's sessions completed {:.1f} global candidates "
        "({:.1f} promoted)\n",
        m.entries_replayed, m.versions_rederived, m.forget_seconds, m.global_candidates,
        m.global_promoted);
    out += fmt::format(
        "Forgetting the control user (per seed, mean): {:.0f} journal entries replayed, {:.0f} "
        "model versions re-derived, {:.1f} s\n",
        m.control_entries_replayed, m.control_versions_rederived, m.control_forget_seconds);
  }
  const ArmResult* without = FindArm(r, "personalised");
  const ArmResult* with = FindArm(r, kBotArmName);
  if (without && with) {
    out += fmt::format(
        "NDCG@10 of the real users, overall: personalised {}, personalised+bot {} ({:+.3f})\n",
        FormatMeanCi(without->ndcg.overall, without->ndcg.overall_ci),
        FormatMeanCi(with->ndcg.overall, with->ndcg.overall_ci),
        with->ndcg.overall - without->ndcg.overall);
  }
  return out;
}

namespace {

// The ranks against one reference and the gains, under the reference's
// name (`ref`: "forgotten", "without" or "control") and the gain's (`gain`:
// "steer", "lift" or "gain"). With the per-user ranks (one seed) the counts are whole numbers;
// without them (means over seeds) fractions.
Json GainJson(const RankGain& g, const std::vector<int>* users_reference,
              const std::vector<int>* users_with, const char* ref, const char* gain) {
  const bool seed = users_reference != nullptr;
  auto number = [seed](double v) { return seed ? Json(static_cast<int>(v)) : Json(v); };
  Json anonymous = {{ref, number(g.anonymous_reference)},
                    {"with", number(g.anonymous_with)},
                    {gain, number(g.anonymous)}};
  Json users;
  if (users_reference) users[ref] = *users_reference;
  if (users_with) users["with"] = *users_with;
  users[std::string("top_") + ref] = number(g.users_top_reference);
  users["top_with"] = number(g.users_top_with);
  users[std::string("mean_") + gain] = g.mean;
  users[std::string("max_") + gain] = g.max;
  return {{"anonymous", anonymous}, {"users", users}};
}

}  // namespace

// The "bot" object: the conventions, per seed values and their means.
nlohmann::ordered_json BotJson(const SimulationResult& r) {
  const ArmResult* without = FindArm(r, "personalised");
  const ArmResult* with = FindArm(r, kBotArmName);
  Json b;
  b["sessions"] = r.options.bot_sessions;
  b["target_bm25_rank"] = kBotTargetRank;
  b["top_n"] = kBotTopN;
  b["absent_rank"] = "candidates + 1";
  b["steer"] =
      "rank with the bot forgotten (Database::ForgetUser on a copy of the bot arm: the same "
      "history without the bot) minus rank with the bot";
  b["lift"] =
      "rank in a separate run without the bot (the personalised arm) minus rank with the bot";
  b["control"] =
      "rank with an ordinary real user (the control user: the seed's first) forgotten instead of "
      "the bot (Database::ForgetUser on another copy of the bot arm) minus rank with the bot; "
      "the user counts, mean and max over the real users other than the control user";
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
                 {"global_candidates", s.global_candidates},
                 {"global_promoted", s.global_promoted},
                 {"own_rank", s.bot_rank}};
    sj["steer"] = GainJson(m.steer, &s.users_forgotten, &s.users_with, "forgotten", "steer");
    sj["separate_run"] = GainJson(m.lift, &s.users_without, &s.users_with, "without", "lift");
    if (s.control_index >= 0) {
      // The per-user lists whole (the control user's entry included); the
      // figures without it.
      Json cj = {{"user", s.control_user}, {"index", s.control_index}};
      cj.update(GainJson(m.control, &s.users_control, &s.users_with, "control", "gain"));
      cj["forget"] = {{"rows_deleted", s.control_forget.rows_deleted},
                      {"entries_replayed", s.control_forget.entries_replayed},
                      {"versions_rederived", s.control_forget.versions_rederived},
                      {"notes", s.control_forget.notes},
                      {"seconds", s.control_forget_seconds}};
      sj["control"] = cj;
    }
    sj["forget"] = {{"rows_deleted", s.forget.rows_deleted},
                    {"entries_replayed", s.forget.entries_replayed},
                    {"versions_rederived", s.forget.versions_rederived},
                    {"notes", s.forget.notes},
                    {"seconds", s.forget_seconds}};
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
               {"steer", GainJson(m.steer, nullptr, nullptr, "forgotten", "steer")},
               {"separate_run", GainJson(m.lift, nullptr, nullptr, "without", "lift")},
               {"control", GainJson(m.control, nullptr, nullptr, "control", "gain")},
               {"bot_own_rank", m.bot_rank},
               {"sessions_seen", m.sessions_seen},
               {"sessions_first_page", m.sessions_first_page},
               {"global_candidates", m.global_candidates},
               {"global_promoted", m.global_promoted},
               {"forget",
                {{"entries_replayed", m.entries_replayed},
                 {"versions_rederived", m.versions_rederived},
                 {"seconds", m.forget_seconds}}},
               {"control_forget",
                {{"entries_replayed", m.control_entries_replayed},
                 {"versions_rederived", m.control_versions_rederived},
                 {"seconds", m.control_forget_seconds}}}};
  if (without && with) {
    b["ndcg10"] = {{"without", without->ndcg.overall}, {"with", with->ndcg.overall}};
  }
  return b;
}

}  // namespace saiki::eval
