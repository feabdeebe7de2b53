// Learning-loop commands: click, session end/sweep, model show/history/
// rollback, user forget.
#include <iostream>

#include "cli/cli.h"

namespace saiki::cli {

namespace {

// One line for a person: what a pooled step did, or why it did not run.
std::string DescribePooledStep(const saiki::PooledReport& step) {
  if (!step.ran) return step.global.reason;
  std::string out = "journal position " + std::to_string(step.seq) + ": ";
  out += step.epoch ? std::string("an epoch, global candidate ") +
                          saiki::UpdateOutcomeName(step.global.outcome)
                    : std::string("no epoch due");
  if (step.propensities_estimated) out += "; position bias re-estimated";
  return out;
}

}  // namespace

void AddLearningCommands(CLI::App& app, Globals& g, int& rc) {
  // click
  auto* click = app.add_subcommand("click", "record a click on a result of a logged search");
  static std::string click_qid, click_id, click_kind = "click";
  click->add_option("--query-id", click_qid, "the query id a search --user printed")->required();
  click->add_option("--id", click_id, "the product clicked")->required();
  click->add_option("--kind", click_kind, "click (default), cart or purchase")
      ->check(CLI::IsMember({"click", "cart", "purchase"}));
  click->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    saiki::ClickKind kind = click_kind == "purchase" ? saiki::ClickKind::kPurchase
                            : click_kind == "cart"   ? saiki::ClickKind::kCart
                                                     : saiki::ClickKind::kClick;
    saiki::Status s = db->RecordClick(click_qid, click_id, kind);
    if (!s.ok()) rc = Fail(s);
  });

  // session
  auto* session = app.add_subcommand("session", "end sessions (learning happens then)");
  session->require_subcommand(1);
  static auto print_report = [](const saiki::SessionReport& r) {
    std::cout << Dump(json::SessionJson(r)) << "\n";
  };
  auto* session_end = session->add_subcommand("end", "close USER's session and learn from it");
  static std::string session_user;
  session_end->add_option("--user", session_user, "the user")->required();
  session_end->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    auto r = db->EndSession(session_user);
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    if (!*r) {
      std::cerr << "saiki: user '" << session_user << "' has no open session\n";
      return;
    }
    print_report(**r);
  });
  auto* sweep = session->add_subcommand(
      "sweep",
      "close every session idle past the timeout; with learn.pooled_at apart, then run the\n"
      "pooled step (as `model pooled`), so that a periodic sweep is all the upkeep needed");
  sweep->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    auto r = db->SweepSessions();
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    for (const auto& rep : *r) print_report(rep);
    std::cerr << "saiki: closed " << r->size() << " idle sessions\n";
    auto apart = db->GetSetting("learn.pooled_at");
    if (!apart.ok()) {
      rc = Fail(apart.status());
      return;
    }
    if (*apart != "apart") return;
    auto step = db->LearnPooled();
    if (!step.ok()) {
      rc = Fail(step.status());
      return;
    }
    std::cerr << "saiki: pooled step: " << DescribePooledStep(*step) << "\n";
  });

  // model
  auto* model = app.add_subcommand("model", "inspect and roll back the learned models");
  model->require_subcommand(1);
  auto* model_show = model->add_subcommand("show", "the active models and their weights");
  static std::string model_user;
  model_show->add_option("--user", model_user, "also the user's personal part");
  model_show->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    auto m = db->GetModel(model_user);
    if (!m.ok()) {
      rc = Fail(m.status());
      return;
    }
    Json j = json::ModelJson(*m, model_user);
    std::cout << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  });
  auto* model_pooled = model->add_subcommand(
      "pooled",
      "with learn.pooled_at apart, run the pooled learners (position bias, the global\n"
      "candidate) when their evidence is complete; prints what the step did");
  model_pooled->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    auto r = db->LearnPooled();
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    std::cout << Dump(json::PooledJson(*r)) << "\n";
  });
  auto* model_history = model->add_subcommand("history", "every model version, newest first");
  static std::string history_user;
  model_history->add_option("--user", history_user, "only this user's and the global versions");
  model_history->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    auto h = db->ModelHistory(history_user);
    if (!h.ok()) {
      rc = Fail(h.status());
      return;
    }
    for (const auto& v : *h) std::cout << Dump(json::VersionJson(v)) << "\n";
  });
  auto* model_rollback = model->add_subcommand(
      "rollback",
      "make an earlier version active; --to 0 is the factory model (BM25F order), or with\n"
      "--user the user's personal part removed");
  static int64_t rollback_to = 0;
  static std::string rollback_user;
  model_rollback->add_option("--to", rollback_to, "the version (0: factory)")
      ->required()
      ->check(CLI::NonNegativeNumber);
  model_rollback->add_option("--user", rollback_user, "roll back this user's personal model");
  model_rollback->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    saiki::Status s = db->RollbackModel(rollback_to, rollback_user);
    if (!s.ok()) {
      rc = Fail(s);
      return;
    }
    std::cerr << "saiki: "
              << (rollback_user.empty() ? std::string("global model")
                                        : "user '" + rollback_user + "''s personal model")
              << " rolled back to "
              << (rollback_to == 0 ? std::string(rollback_user.empty() ? "the factory model"
                                                                        : "none (global only)")
                                   : "version " + std::to_string(rollback_to))
              << "\n";
  });

  // user
  auto* user_cmd = app.add_subcommand("user", "users' data");
  user_cmd->require_subcommand(1);
  auto* forget = user_cmd->add_subcommand("forget", "delete everything saiki holds about USER");
  static std::string forget_user;
  forget->add_option("USER", forget_user)->required();
  forget->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    auto r = db->ForgetUser(forget_user);
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    std::cerr << "saiki: forgot user '" << forget_user << "' (" << r->rows_deleted
              << " rows deleted; " << r->entries_replayed << " later learning events replayed, "
              << r->versions_rederived << " model versions re-derived without them)\n";
    for (const auto& note : r->notes) std::cerr << "saiki: note: " << note << "\n";
  });

}

}  // namespace saiki::cli
