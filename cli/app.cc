// The `saiki` command: a thin client of the public API (include/saiki/).
// Parses arguments (CLI11), calls the library, prints data on stdout and
// messages on stderr, and maps each failure to one documented exit status
// (cli.h, README "Exit statuses"). Each command group lives in its own file;
// this one builds the app that both executables run (cli/run.h).
#include <algorithm>

#include "cli/cli.h"
#include "cli/run.h"

namespace saiki::cli {

int RunCli(int argc, char** argv, ServeRunner serve) {
  CLI::App app{
      "saiki: an embedded Japanese product search engine that learns from its users.\n"
      "Exit statuses: 0 ok, 1 internal error, 2 usage error, 3 bad input (CSV rows,\n"
      "query, value), 4 not found, 5 not a saiki database / corrupt / newer schema,\n"
      "6 database busy, 7 I/O error, 8 limit exceeded.",
      "saiki"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("saiki ") + saiki::Version(),
                       "print the version and exit");
  Globals g;
  g.db_path = DefaultDbPath();
  app.add_option("--db", g.db_path, "database file (default: $SAIKI_DB, else ./saiki.db)");
  app.add_option("--busy-timeout", g.busy_timeout_ms,
                 "ms to wait for another writer's lock (default 5000)")
      ->check(CLI::Range(0, 600000));
  int rc = kExitOk;
  AddCatalogCommands(app, g, rc);
  AddSearchCommand(app, g, rc);
  AddSuggestCommand(app, g, rc);
  AddLearningCommands(app, g, rc);
  AddSimulateCommand(app, g, rc);
  AddExportCommand(app, g, rc);
  AddModelImportCommand(app, g, rc);
  if (serve) AddServeCommand(app, g, rc, serve, argv);
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  MoveSearchExclusions(app, &args);
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector last argument first
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  return rc;
}

}  // namespace saiki::cli
