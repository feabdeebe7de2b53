// Catalogue commands: index (CSV import), delete, get, stats, settings,
// synonyms, optimize.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <algorithm>
#include <iostream>
#include <map>

#include "cli/cli.h"

namespace saiki::cli {
namespace {

int RunIndex(const Globals& g, const std::string& file, const ImportOptions& base) {
  int rc = kExitOk;
  auto db = OpenOrFail(g, true, rc);
  if (!db) return rc;
  ImportOptions opts = base;
  opts.on_row_error = [&file](const RowError& e) {
    std::cerr << "saiki: " << file << " line " << e.line << ": " << e.message << "\n";
  };
  opts.on_duplicate = opts.on_row_error;
  bool tty = isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  auto rows_per_second = [start](uint64_t rows) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return s > 0 ? static_cast<double>(rows) / s : 0.0;
  };
  if (tty) {
    opts.on_progress = [&rows_per_second](const ImportProgress& p) {
      if (p.bytes_total > 0) {
        std::fprintf(stderr, "\rimporting: %3d%%  %llu rows  %.0f rows/s ",
                     static_cast<int>(100.0 * p.bytes_read / p.bytes_total),
                     static_cast<unsigned long long>(p.rows), rows_per_second(p.rows));
      } else {
        std::fprintf(stderr, "\rimporting: %llu rows  %.0f rows/s ",
                     static_cast<unsigned long long>(p.rows), rows_per_second(p.rows));
      }
    };
  }
  Result<ImportReport> report = Status::Internal("not run");
  if (file == "-") {
    report = db->ImportCsv(std::cin, "<stdin>", opts);
  } else {
    report = db->ImportCsv(file, opts);
  }
  if (tty) std::fprintf(stderr, "\n");
  if (!report.ok()) return Fail(report.status());
  const auto& r = *report;
  if (!r.committed) {
    std::cerr << "saiki: " << file << ": " << r.rejected << " of " << r.rows
              << " rows rejected; --strict: nothing stored\n";
    return kExitBadInput;
  }
  std::cerr << "saiki: " << file << ": " << r.rows << " rows read, " << r.inserted
            << " inserted, " << r.updated << " updated, " << r.deleted << " deleted, "
            << r.rejected << " rejected";
  if (r.duplicates > 0) std::cerr << ", " << r.duplicates << " repeated ids";
  std::fprintf(stderr, " (%.0f rows/s)\n", rows_per_second(r.rows));
  return r.rejected > 0 ? kExitBadInput : kExitOk;
}

}  // namespace

void AddCatalogCommands(CLI::App& app, Globals& g, int& rc) {
  // index
  auto* index = app.add_subcommand("index", "import a CSV product file (upsert by id)");
  static std::string index_file;
  static saiki::ImportOptions import_opts;
  index->add_option("FILE", index_file, "CSV file, or - for standard input")->required();
  index->add_option("--map", import_opts.field_map,
                    "header renames, e.g. id=商品ID,title=商品名,price=価格");
  index->add_option("--encoding", import_opts.encoding,
                    "input encoding: utf-8 (default), cp932, shift_jis, euc-jp, ...");
  index->add_flag("--replace", import_opts.replace,
                  "delete products that are not in the file");
  index->add_flag("--strict", import_opts.strict, "store nothing if any row is bad");
  static const std::map<std::string, saiki::DuplicateIds> kDuplicates = {
      {"last", saiki::DuplicateIds::kLast},
      {"first", saiki::DuplicateIds::kFirst},
      {"error", saiki::DuplicateIds::kError}};
  index->add_option("--duplicates", import_opts.duplicates,
                    "an id on several rows of the file: keep the last row (default), the "
                    "first, or reject the repeats as bad rows (error); each is reported")
      ->transform(CLI::CheckedTransformer(kDuplicates));
  index->add_option("--memory", import_opts.memory_budget_mib,
                    "MiB for the postings being built (default 256); a larger import is built "
                    "in pieces in a scratch file beside the database")
      ->check(CLI::Range(1, 65536));
  index->callback([&] { rc = RunIndex(g, index_file, import_opts); });

  // delete
  auto* del = app.add_subcommand("delete", "delete products by id");
  static std::vector<std::string> del_ids;
  static std::string del_file;
  del->add_option("ID", del_ids, "product ids");
  del->add_option("--from", del_file, "file with one id per line (- for stdin)");
  del->callback([&] {
    if (!del_file.empty()) {
      std::ifstream f;
      std::istream* in = &std::cin;
      if (del_file != "-") {
        f.open(del_file);
        if (!f) {
          rc = Fail(saiki::Status::NotFound(del_file + ": cannot open"));
          return;
        }
        in = &f;
      }
      std::string line;
      while (std::getline(*in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) del_ids.push_back(line);
      }
    }
    if (del_ids.empty()) {
      std::cerr << "saiki delete: give ids or --from FILE\n";
      rc = kExitUsage;
      return;
    }
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    std::vector<std::string> not_found;
    auto n = db->DeleteProducts(del_ids, &not_found);
    if (!n.ok()) {
      rc = Fail(n.status());
      return;
    }
    std::cerr << "saiki: deleted " << *n << " of " << del_ids.size() << " ids\n";
    if (!not_found.empty()) {
      // Named, a few per line would hide none; the status stays 0 (deleting
      // what is already gone is not an error), as `rm -f` does.
      std::cerr << "saiki: not found (" << not_found.size() << "):";
      for (const auto& id : not_found) std::cerr << " " << EscapeControls(id);
      std::cerr << "\n";
    }
  });

  // get
  auto* get = app.add_subcommand("get", "print one product as JSON");
  static std::string get_id;
  get->add_option("ID", get_id, "product id")->required();
  get->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    auto p = db->GetProduct(get_id);
    if (!p.ok()) {
      rc = Fail(p.status());
      return;
    }
    if (!*p) {
      rc = Fail(saiki::Status::NotFound("no product with id '" + get_id + "'"));
      return;
    }
    std::cout << Dump(json::ProductJson(**p)) << "\n";
  });

  // stats
  auto* stats = app.add_subcommand("stats", "print database statistics");
  static bool stats_json = false;
  stats->add_flag("--json", stats_json, "print JSON");
  stats->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    auto s = db->GetStats();
    if (!s.ok()) {
      rc = Fail(s.status());
      return;
    }
    Json j;
    j["database"] = g.db_path;
    j.update(json::StatsJson(*s));
    if (stats_json) {
      std::cout << Dump(j) << "\n";
    } else {
      for (const auto& [key, v] : j.items()) std::cout << Fit(key, 24) << v.dump() << "\n";
    }
  });

  // settings
  auto* settings = app.add_subcommand("settings", "show or change settings");
  settings->require_subcommand(1);
  auto* set_list = settings->add_subcommand("list", "every setting with its value");
  set_list->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    auto l = db->ListSettings();
    if (!l.ok()) {
      rc = Fail(l.status());
      return;
    }
    // Keys whole, values in one column after the longest key.
    int width = 0;
    for (const auto& [key, v] : *l) width = std::max(width, DisplayWidth(key));
    for (const auto& [key, v] : *l) std::cout << Fit(key, width + 2) << v << "\n";
  });
  static std::string set_key, set_value;
  auto* set_get = settings->add_subcommand("get", "print one setting");
  set_get->add_option("KEY", set_key)->required();
  set_get->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    auto v = db->GetSetting(set_key);
    if (!v.ok()) {
      rc = Fail(v.status());
      return;
    }
    std::cout << *v << "\n";
  });
  auto* set_set = settings->add_subcommand("set", "change one setting");
  set_set->add_option("KEY", set_key)->required();
  set_set->add_option("VALUE", set_value)->required();
  set_set->callback([&] {
    auto db = OpenOrFail(g, true, rc);
    if (!db) return;
    saiki::Status s = db->SetSetting(set_key, set_value);
    if (!s.ok()) rc = Fail(s);
  });

  // synonyms
  auto* synonyms = app.add_subcommand(
      "synonyms", "query-time synonyms: load FILE, add TERM..., list [--builtin], on, mine, off");
  synonyms->require_subcommand(1);
  auto* syn_load = synonyms->add_subcommand(
      "load", "replace the synonym groups with FILE's (one group per line: 犬 いぬ ドッグ dog)");
  static std::string syn_file;
  syn_load->add_option("FILE", syn_file)->required();
  syn_load->callback([&] {
    auto db = OpenOrFail(g, true, rc);
    if (!db) return;
    auto n = db->LoadSynonyms(syn_file);
    if (!n.ok()) {
      rc = Fail(n.status());
      return;
    }
    std::cerr << "saiki: loaded " << *n << " synonym groups\n";
  });
  auto* syn_add = synonyms->add_subcommand(
      "add", "add one group to the database's own (saiki synonyms add 犬 いぬ ドッグ dog)");
  static std::vector<std::string> syn_terms;
  syn_add->add_option("TERM", syn_terms, "two or more terms")->required();
  syn_add->callback([&] {
    auto db = OpenOrFail(g, true, rc);
    if (!db) return;
    saiki::Status s = db->AddSynonyms(syn_terms);
    if (!s.ok()) rc = Fail(s);
  });
  auto* syn_list = synonyms->add_subcommand(
      "list", "the database's own groups, one per line (the format `load` reads); with "
              "--builtin each built-in term and the variants it expands to");
  static bool syn_builtin = false;
  syn_list->add_flag("--builtin", syn_builtin, "list the built-in groups");
  syn_list->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    auto groups = db->ListSynonyms(syn_builtin);
    if (!groups.ok()) {
      rc = Fail(groups.status());
      return;
    }
    for (const auto& group : *groups) {
      for (size_t i = 0; i < group.size(); ++i) std::cout << (i ? " " : "") << group[i];
      std::cout << "\n";
    }
    auto mode = db->GetSetting("synonyms");
    std::cerr << "saiki: " << groups->size()
              << (syn_builtin ? " built-in terms with their variants" : " own groups")
              << "; setting synonyms = " << (mode.ok() ? *mode : std::string("?"))
              << (syn_builtin ? "" : " (built-in groups: saiki synonyms list --builtin)") << "\n";
  });
  for (const char* mode : {"on", "mine", "off"}) {
    const std::string m = mode;
    auto* sub = synonyms->add_subcommand(
        m, m == "on"    ? "use the database's own groups and the built-in ones (the default)"
           : m == "mine" ? "use the database's own groups only"
                         : "use no synonyms");
    sub->callback([&g, &rc, m] {
      auto db = OpenOrFail(g, true, rc);
      if (!db) return;
      saiki::Status s = db->SetSetting("synonyms", m);
      if (!s.ok()) rc = Fail(s);
    });
  }

  // check
  auto* check = app.add_subcommand(
      "check", "full integrity check of the database and of the index against the products "
               "(exit 5 when a problem is found)");
  check->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    auto r = db->Check();
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    for (const auto& p : r->problems) std::cout << "problem: " << p << "\n";
    std::cout << (r->ok ? "ok" : "corrupt") << ": " << r->products << " products, "
              << r->segments << " segments, " << r->posting_lists << " posting lists, "
              << r->model_versions << " model versions checked";
    if (!r->ok) std::cout << "; " << r->problem_count << " problems";
    std::cout << "\n";
    if (!r->ok) rc = kExitDatabase;
  });

  // optimize
  auto* optimize = app.add_subcommand("optimize", "merge index segments, purge deleted products");
  optimize->callback([&] {
    auto db = OpenOrFail(g, false, rc);
    if (!db) return;
    saiki::Status s = db->Optimize();
    if (!s.ok()) rc = Fail(s);
  });

}

}  // namespace saiki::cli
