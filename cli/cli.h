// Shared pieces of the `saiki` command: exit statuses, error printing, JSON
// output, terminal table helpers, and opening the database. Each command
// group registers itself on the CLI11 app from its own file; options are
// bound to function-local statics, since the command parses once per process.
#ifndef SAIKI_CLI_CLI_H_
#define SAIKI_CLI_CLI_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bindings/json/json_encoder.h"
#include "cli/run.h"
#include "saiki/saiki.h"

namespace saiki::cli {

// The shared encoder (bindings/json/json_encoder.h) writes every result
// object; the CLI only adds what is its own (the database path of `stats`).
using Json = json::Json;

// Exit statuses, documented in README and `saiki --help`.
enum Exit {
  kExitOk = 0,
  kExitInternal = 1,
  kExitUsage = 2,
  kExitBadInput = 3,  // bad CSV rows or file, bad query, bad value
  kExitNotFound = 4,
  kExitDatabase = 5,  // not a saiki database, corrupt, newer schema
  kExitBusy = 6,
  kExitIo = 7,
  kExitLimit = 8,
};

// The one mapping from a library status to an exit status.
int ExitCodeFor(const Status& s);
// Prints "saiki: <status>" on stderr and returns its exit status.
int Fail(const Status& s);
// JSON on one line; invalid UTF-8 is replaced rather than thrown on.
std::string Dump(const Json& j);
// Terminal columns a UTF-8 string takes (East Asian wide = 2).
int DisplayWidth(std::string_view s, size_t* cut_at = nullptr, int max_width = -1);
// Pads or truncates (with …) to exactly `width` columns.
std::string Fit(std::string_view s, int width);
std::string Price(const std::optional<double>& p);
// `s` with control characters made visible for one table cell or line:
// newline as \n, carriage return as \r, tab as \t, a backslash as \\,
// other C0 controls and DEL as \xHH.
std::string EscapeControls(std::string_view s);
// Columns of the terminal on stdout, or 0 when stdout is not a terminal.
int TerminalColumns();

// Global options, shared by every command.
struct Globals {
  std::string db_path;
  int busy_timeout_ms = 5000;
};
// $SAIKI_DB, else ./saiki.db.
std::string DefaultDbPath();
// page_cache_kib as OpenOptions' (0: SQLite's default).
Result<std::unique_ptr<Database>> OpenDb(const Globals& g, bool create, int page_cache_kib = 0);
// OpenDb for a command callback: on failure prints the error, sets rc and
// returns nullptr.
std::unique_ptr<Database> OpenOrFail(const Globals& g, bool create, int& rc);

// `saiki search` takes words starting with '-' after its query as
// exclusions (`saiki search ドッグフード -国産`), but CLI11 reads any such word
// as an option. Before parsing (and after AddSearchCommand), when the search
// command has such a word, this puts its options (long ones, -k N, -kN, -h,
// each with its value when it takes one) first and every query word after a
// "--", in their order, where CLI11 reads them as the query. Words after a
// "--" the user typed stay query words. `args` is argv without the program
// name.
void MoveSearchExclusions(const CLI::App& app, std::vector<std::string>* args);

// Command groups. Each adds its subcommands; their callbacks store the exit
// status in *rc.
void AddCatalogCommands(CLI::App& app, Globals& g, int& rc);
void AddSearchCommand(CLI::App& app, Globals& g, int& rc);
// suggest_command.cc
void AddSuggestCommand(CLI::App& app, Globals& g, int& rc);
void AddLearningCommands(CLI::App& app, Globals& g, int& rc);
// simulate_command.cc: `simulate` (eval/simulator.h).
void AddSimulateCommand(CLI::App& app, Globals& g, int& rc);
// export_command.cc: `export-features`, and `model import` (added to the
// `model` command, so after AddLearningCommands).
void AddExportCommand(CLI::App& app, Globals& g, int& rc);
void AddModelImportCommand(CLI::App& app, Globals& g, int& rc);
// serve_command.cc: `serve`'s options (server/; built with
// SAIKI_BUILD_SERVER). Both executables declare them, so `saiki serve --help`
// and bad values are answered without the server; once they parse, the
// callback stores run(g, flags, argv) in rc (cli/run.h).
struct ServeFlags {
  std::string listen = "127.0.0.1:8700";
  std::string token;
  std::string cors_origin;
  int threads = 16;
  size_t max_body_kib = 64;
  size_t max_upload_mib = 64;
  double rate = 200;
  double burst = 400;
  double pooled_every = 60;  // seconds between the server's pooled steps (0: none)
};
void AddServeCommand(CLI::App& app, Globals& g, int& rc, ServeRunner run, char** argv);

}  // namespace saiki::cli

#endif  // SAIKI_CLI_CLI_H_
