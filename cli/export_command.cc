// The offline learning-to-rank commands: `export-features` (logged features
// with click labels in SVMlight/LETOR format, for XGBoost or LightGBM) and
// `model import` (an XGBoost JSON model becomes the active `trees` ranker).
#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/cli.h"

namespace saiki::cli {

void AddExportCommand(CLI::App& app, Globals& g, int& rc) {
  auto* cmd = app.add_subcommand(
      "export-features",
      "write the logged impressions' features with click labels (0 none, 1 click, 2 cart,\n"
      "3 purchase) as SVMlight/LETOR lines 'label qid:Q 1:v ... 24:v # Q product_id';\n"
      "with --out FILE also FILE.features, the feature names one per line");
  static std::string out_path, names_path;
  cmd->add_option("--out", out_path,
                  "output file (default or '-': stdout); names go to FILE.features");
  cmd->add_option("--names", names_path,
                  "where to write the feature names (default: FILE.features with --out, "
                  "none with stdout)");
  cmd->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    if (out_path == "-") out_path.clear();
    std::string names_file =
        names_path.empty() && !out_path.empty() ? out_path + ".features" : names_path;
    std::ofstream names;
    if (!names_file.empty()) {
      names.open(names_file, std::ios::binary | std::ios::trunc);
      if (!names) {
        rc = Fail(saiki::Status::IoError(names_file + ": cannot write"));
        return;
      }
    }
    if (out_path.empty()) {
      auto n = (*db)->ExportFeatures(std::cout, names_file.empty() ? nullptr : &names);
      if (!n.ok()) rc = Fail(n.status());
      return;
    }
    // Written beside the target and renamed when complete, so a failed
    // export never leaves a truncated file under the name asked for.
    std::string part = out_path + ".part";
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    if (!out) {
      rc = Fail(saiki::Status::IoError(part + ": cannot write"));
      return;
    }
    auto n = (*db)->ExportFeatures(out, &names);
    out.close();
    if (n.ok() && !out) n = saiki::Status::IoError(part + ": write failed");
    if (n.ok() && std::rename(part.c_str(), out_path.c_str()) != 0) {
      n = saiki::Status::IoError(out_path + ": cannot rename " + part + " to it");
    }
    if (!n.ok()) {
      std::remove(part.c_str());
      rc = Fail(n.status());
      return;
    }
    std::cerr << "saiki: exported " << *n << " results to " << out_path << " (feature names in "
              << names_file << ")\n";
  });
}

void AddModelImportCommand(CLI::App& app, Globals& g, int& rc) {
  CLI::App* model = app.get_subcommand("model");  // added by AddLearningCommands
  auto* cmd = model->add_subcommand(
      "import",
      "load an XGBoost JSON model (Booster.save_model(\"m.json\"), rank:pairwise or rank:ndcg,\n"
      "trained on export-features); it becomes the active global model (and the ranker\n"
      "trees) only when the off-policy check on the logged sessions says it beats the\n"
      "active model, or with --force; otherwise it is stored as rejected (exit 3).\n"
      "A manifest from fleet/publish.py (FILE.manifest, or --manifest) is checked first:\n"
      "a model for another feature set is refused (exit 3) and nothing is stored");
  static std::string file, manifest;
  static bool force = false;
  cmd->add_option("FILE", file, "the model file")->required();
  cmd->add_option("--manifest", manifest,
                  "the model's manifest (default: FILE.manifest when it exists)");
  cmd->add_flag("--force", force, "make it active without the check (recorded as forced)");
  cmd->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    saiki::ModelImportOptions options;
    options.force = force;
    options.manifest = manifest;
    auto r = (*db)->ImportModel(file, options);
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    std::cout << Dump(json::ModelImportJson(*r)) << "\n";
    if (r->status == saiki::ModelStatus::kActive) {
      std::cerr << "saiki: " << file << " is global model version " << r->version
                << (r->forced ? " (forced)" : "") << "; the ranker is now trees\n";
    } else if (r->status == saiki::ModelStatus::kShadow) {
      std::cerr << "saiki: " << file << " is shadow model version " << r->version
                << " (learn.mode shadow): not served\n";
    } else {
      std::cerr << "saiki: " << file << " is stored as model version " << r->version
                << " but rejected: " << r->reason << "\n";
      rc = kExitBadInput;
    }
  });
}

}  // namespace saiki::cli
