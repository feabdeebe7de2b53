// `saiki suggest PREFIX [-k N] [--user U] [--json]`: completions of what a
// user has typed (README "Suggestions"), one per line, or one JSON object.
#include <iostream>

#include "cli/cli.h"

namespace saiki::cli {

void AddSuggestCommand(CLI::App& app, Globals& g, int& rc) {
  auto* cmd = app.add_subcommand(
      "suggest", "completions of PREFIX from searched queries and title words (kana: kanji "
                 "words read that way), one per line");
  static std::string prefix, user;
  static int k = 10;
  static bool json = false;
  cmd->add_option("PREFIX", prefix, "what the user has typed so far")->required();
  cmd->add_option("-k", k, "suggestions wanted (1..100, default 10)");
  cmd->add_option("--user", user, "count this user's own searches more");
  cmd->add_flag("--json", json, "one JSON object: prefix, took_ms, suggestions [{text, score, "
                                "source}]");
  cmd->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    SuggestRequest req;
    req.prefix = prefix;
    req.k = k;
    req.user = user;
    auto r = db->Suggest(req);
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    if (json) {
      std::cout << json::Dump(json::SuggestResponseJson(prefix, *r)) << "\n";
      return;
    }
    for (const auto& s : r->suggestions) std::cout << s.text << "\n";
  });
}

}  // namespace saiki::cli
