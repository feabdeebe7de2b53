// `saiki simulate`: simulated users search, click and buy through the
// engine's public API in temporary databases, and the learning curves of
// the bm25, global, global+history, personalised and oracle rankings are compared,
// with a bot arm measuring how far one account can steer the others' results
// (eval/simulator.h, eval/bot.h). Prints a table (or JSON) and optionally writes an SVG
// plot of the curves.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli.h"
#include "eval/simulator.h"
#include "eval/svg_plot.h"

namespace saiki::cli {
namespace {

// The source tree a CMake build directory was configured from, read from
// its CMakeCache.txt ("" when there is none).
std::string SourceDirOfBuild(const std::filesystem::path& build_dir) {
  std::ifstream cache(build_dir / "CMakeCache.txt");
  std::string line;
  const std::string key = "CMAKE_HOME_DIRECTORY:INTERNAL=";
  while (std::getline(cache, line)) {
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  }
  return "";
}

// The bundled catalogue, datasets/catalog.csv of the source tree: with the
// CLI at build/saiki, in the repository above it; for a build directory
// elsewhere, the source tree its CMakeCache.txt names; a SAIKI_SOURCE_DIR
// compile definition when the build gives one; else ./datasets.
std::string FindBundledCatalog() {
  namespace fs = std::filesystem;
  std::vector<fs::path> tries;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    tries.push_back(exe.parent_path().parent_path() / "datasets" / "catalog.csv");
    tries.push_back(exe.parent_path() / "datasets" / "catalog.csv");
    std::string src = SourceDirOfBuild(exe.parent_path());
    if (!src.empty()) tries.push_back(fs::path(src) / "datasets" / "catalog.csv");
  }
#ifdef SAIKI_SOURCE_DIR
  tries.push_back(fs::path(SAIKI_SOURCE_DIR) / "datasets" / "catalog.csv");
#endif
  tries.push_back(fs::path("datasets") / "catalog.csv");
  for (const auto& p : tries) {
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return "";
}

Result<std::vector<double>> ParseList(const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !(v >= 0 && v <= 1)) {
      return Status::InvalidArgument("--examination: '" + item + "' is not a probability 0..1");
    }
    out.push_back(v);
  }
  if (out.empty()) {
    return Status::InvalidArgument("--examination: give probabilities, e.g. 1,0.6,0.4");
  }
  return out;
}

}  // namespace

void AddSimulateCommand(CLI::App& app, Globals& g, int& rc) {
  auto* sim = app.add_subcommand(
      "simulate",
      "simulated users search, click and buy through the engine; compare bm25, the global "
      "model (anonymous visitors), the global model with the user-history features, the "
      "personalised model and the oracle (NDCG@10, MRR of purchases, CTR per session), and "
      "how far a bot buying one product can move it for everyone (--bot-sessions). Runs "
      "in temporary databases; --db is not used.");
  static eval::SimulationOptions opt;
  static std::string click_model = "pbm", examination, plot_path, keep_db;
  static bool json = false, quiet = false;
  sim->add_option("--seed", opt.seed, "first seed (default 1); seeds are seed, seed+1, ...");
  sim->add_option("--seeds", opt.seeds, "seeds to average, for confidence intervals (default 3)")
      ->check(CLI::Range(1, 100));
  sim->add_option("--users", opt.users, "simulated users per seed (default 40)")
      ->check(CLI::Range(1, 10000));
  sim->add_option("--sessions", opt.sessions, "sessions per user (default 20)")
      ->check(CLI::Range(1, 1000));
  sim->add_option("--queries-per-session", opt.queries_per_session,
                  "searches per session (default 4)")
      ->check(CLI::Range(1, 100));
  sim->add_option("--click-model", click_model, "pbm (default), cascade or noisy")
      ->check(CLI::IsMember({"pbm", "cascade", "noisy"}));
  sim->add_option("--noise", opt.click.noise,
                  "noisy click model: share of clicks on random results (default 0.2)")
      ->check(CLI::Range(0.0, 1.0));
  sim->add_option("--examination", examination,
                  "pbm/noisy: examination probability per rank, e.g. 1,0.6,0.45 (default 1/rank)");
  sim->add_option("--cascade-continue", opt.click.cascade_continue,
                  "cascade: probability of reading on after a click (default 0)")
      ->check(CLI::Range(0.0, 1.0));
  sim->add_option("--catalog", opt.catalog_path,
                  "catalogue CSV with style and price_tier (default: the bundled "
                  "datasets/catalog.csv)");
  sim->add_flag("--json", json, "print the results as one JSON object instead of the table");
  sim->add_option("--plot", plot_path, "write the learning curves (NDCG@10) to this SVG file");
  sim->add_option("--keep-db", keep_db,
                  "put the databases in this directory and keep them (default: a temporary "
                  "directory, removed)");
  sim->add_option("--offline-model", opt.offline_model,
                  "also run the engine with this XGBoost JSON model as a fixed global ranker "
                  "(arm 'xgboost offline'; eval/run_sim_xgb.sh trains one on simulated logs)")
      ->check(CLI::ExistingFile);
  sim->add_option("--imported-model", opt.imported_model,
                  "also run the personalised arm on a database where this XGBoost JSON model "
                  "was imported first (arm 'imported+personalised': personal learning on top "
                  "of it; fleet/simulate.py passes the fleet's model)")
      ->check(CLI::ExistingFile);
  static bool no_global_arms = false;
  sim->add_flag("--no-global-arms", no_global_arms,
                "skip the arms global and global+history (bm25, personalised and oracle run, "
                "and the optional arms)");
  static std::string attribute_scale;
  sim->add_option("--attribute-weights", attribute_scale,
                  "relative importance of brand,leaf,tier,style in users' taste (default "
                  "1,1,1,1; e.g. 0,0,1,0: users who care about the price tier only)");
  static std::vector<std::string> settings;
  sim->add_option("--set", settings,
                  "KEY=VALUE: an engine setting for the learning arms (repeatable), e.g. "
                  "--set learn.l2_user=0.01");
  // Checked before conversion, so that "abc" and "-1" get the same message.
  sim->add_option("--bot-sessions", opt.bot_sessions,
                  "sessions of the bot in the 'personalised+bot' arm, per seed, spread over the "
                  "rounds (default 200; 0: no bot arm)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            char* end = nullptr;
            errno = 0;
            long v = std::strtol(text.c_str(), &end, 10);
            if (text.empty() || *end != '\0' || errno != 0 || v < 0 || v > 100000) {
              return "'" + text + "' is not a number of bot sessions 0..100000 (0: no bot arm)";
            }
            return "";
          },
          "0..100000"));
  sim->add_option("--explore-arm", opt.explore_arm,
                  "also run the personalised arm with exploration (learn.explore) at this share "
                  "(arm 'personalised+explore'), and report what its exploring searches cost "
                  "against the same searches in the personalised arm (0..0.5; default 0: no such "
                  "arm)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            char* end = nullptr;
            errno = 0;
            double v = std::strtod(text.c_str(), &end);
            if (text.empty() || *end != '\0' || errno != 0 || !(v >= 0 && v <= 0.5)) {
              return "'" + text + "' is not a share 0..0.5 (0: no exploration arm)";
            }
            return "";
          },
          "0..0.5"));
  sim->add_flag("--gap-report", opt.gap_report,
                "also report where the personalised arm loses to the oracle in the last quarter "
                "of the sessions, by query kind, against ceilings of a perfect taste learner "
                "(README \"Where the gap is\")");
  sim->add_flag("--quiet", quiet, "no progress lines on stderr");
  sim->callback([&] {
    opt.global_arms = !no_global_arms;
    auto parsed = eval::ParseClickModel(click_model);
    opt.click.kind = parsed.value_or(eval::ClickModelKind::kPositionBased);
    if (!examination.empty()) {
      auto list = ParseList(examination);
      if (!list.ok()) {
        std::cerr << "saiki: " << list.status().message() << "\n";
        rc = kExitUsage;
        return;
      }
      opt.click.examination = *list;
    }
    if (!attribute_scale.empty()) {
      std::vector<double> v;
      std::stringstream in(attribute_scale);
      std::string item;
      bool ok = true;
      while (std::getline(in, item, ',')) {
        char* end = nullptr;
        double x = std::strtod(item.c_str(), &end);
        ok = ok && !item.empty() && *end == '\0' && x >= 0 && x <= 100;
        v.push_back(x);
      }
      if (!ok || v.size() != 4 || *std::max_element(v.begin(), v.end()) <= 0) {
        std::cerr << "saiki: --attribute-weights: give four numbers 0..100, not all 0, e.g. "
                     "1,1,2,1\n";
        rc = kExitUsage;
        return;
      }
      for (int i = 0; i < 4; ++i) opt.user_model.attribute_scale[i] = v[i];
    }
    for (const std::string& kv : settings) {
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "saiki: --set: '" << kv << "' is not KEY=VALUE\n";
        rc = kExitUsage;
        return;
      }
      opt.settings.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
    }
    if (opt.catalog_path.empty()) {
      opt.catalog_path = FindBundledCatalog();
      if (opt.catalog_path.empty()) {
        rc = Fail(Status::NotFound(
            "cannot find the bundled datasets/catalog.csv next to the saiki binary or in the "
            "current directory; give --catalog FILE"));
        return;
      }
    }
    opt.work_dir = keep_db;
    if (!quiet) opt.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    auto result = eval::RunSimulation(opt);
    if (!result.ok()) {
      rc = Fail(result.status());
      return;
    }
    if (json) {
      std::cout << eval::FormatJson(*result) << "\n";
    } else {
      std::cout << eval::FormatTable(*result);
    }
    if (!plot_path.empty()) {
      Status s = eval::WriteTextFile(plot_path, eval::LearningCurvesSvg(*result));
      if (!s.ok()) {
        rc = Fail(s);
        return;
      }
      if (!quiet) std::cerr << "saiki: wrote the learning curves to " << plot_path << "\n";
    }
    if (!keep_db.empty() && !quiet) {
      std::cerr << "saiki: databases kept in " << result->work_dir << "\n";
    }
  });
}

}  // namespace saiki::cli
