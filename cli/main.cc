// The `saiki` command: a thin client of the public API (include/saiki/).
// Parses arguments (CLI11), calls the library, prints data on stdout and
// messages on stderr, and maps each failure to one documented exit status
// (ExitCodeFor; README "Exit statuses").
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "saiki/saiki.h"

namespace {

using Json = nlohmann::ordered_json;

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

int ExitCodeFor(const saiki::Status& s) {
  switch (s.code()) {
    case saiki::StatusCode::kOk: return kExitOk;
    case saiki::StatusCode::kInvalidArgument: return kExitBadInput;
    case saiki::StatusCode::kNotFound: return kExitNotFound;
    case saiki::StatusCode::kCorruption:
    case saiki::StatusCode::kNotSupported: return kExitDatabase;
    case saiki::StatusCode::kBusy: return kExitBusy;
    case saiki::StatusCode::kIoError: return kExitIo;
    case saiki::StatusCode::kResourceExhausted: return kExitLimit;
    case saiki::StatusCode::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

int Fail(const saiki::Status& s) {
  std::cerr << "saiki: " << s.ToString() << "\n";
  return ExitCodeFor(s);
}

std::string DefaultDbPath() {
  const char* env = std::getenv("SAIKI_DB");
  return env && *env ? env : "saiki.db";
}

// Terminal columns a UTF-8 string takes: East Asian wide and full-width
// characters take two. Enough for aligning a table; not a full UAX #11.
int DisplayWidth(std::string_view s, size_t* cut_at = nullptr, int max_width = -1) {
  int width = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = c;
    if (len > 1 && i + len <= s.size()) {
      cp = c & (0xFF >> (len + 1));
      for (size_t j = 1; j < len; ++j) cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3F);
    }
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
                (cp >= 0x20000 && cp <= 0x3FFFD);
    int w = wide ? 2 : 1;
    if (max_width >= 0 && width + w > max_width) {
      if (cut_at) *cut_at = i;
      return width;
    }
    width += w;
    i += len;
  }
  if (cut_at) *cut_at = s.size();
  return width;
}

// Pads or truncates (with …) to exactly `width` columns.
std::string Fit(std::string_view s, int width) {
  size_t cut = 0;
  int w = DisplayWidth(s, &cut, width);
  if (cut < s.size()) {
    DisplayWidth(s, &cut, width - 1);
    std::string out(s.substr(0, cut));
    out += "\u2026";
    int now = DisplayWidth(out);
    return out + std::string(width > now ? width - now : 0, ' ');
  }
  return std::string(s) + std::string(width - w, ' ');
}

std::string Price(const std::optional<double>& p) {
  if (!p) return "-";
  std::ostringstream o;
  o.precision(10);
  o << *p;
  return o.str();
}

Json HitJson(const saiki::SearchHit& h, bool explain) {
  Json j;
  j["rank"] = h.rank;
  j["id"] = h.id;
  j["title"] = h.title;
  j["brand"] = h.brand;
  j["category"] = h.category;
  j["price"] = h.price ? Json(*h.price) : Json(nullptr);
  j["score"] = h.score;
  j["bm25f"] = h.bm25f;
  if (explain) {
    Json e = Json::object();
    for (const auto& fs : h.explain) e[fs.field] = fs.score;
    j["explain"] = e;
    if (!h.features.empty()) {
      Json f = Json::array();
      for (const auto& fs : h.features) {
        f.push_back({{"feature", fs.feature}, {"value", fs.value}, {"global", fs.global},
                     {"personal", fs.personal}});
      }
      j["features"] = f;
    }
  }
  return j;
}

Json ResponseJson(const saiki::SearchResponse& r, bool explain) {
  Json j;
  j["query_id"] = r.query_id ? Json(*r.query_id) : Json(nullptr);
  j["took_ms"] = r.took_ms;
  j["total"] = r.total;
  j["partial"] = r.partial;
  j["ranker"] = r.ranker;
  j["global_version"] = r.global_version;
  j["user_version"] = r.user_version;
  j["gate"] = r.gate;
  j["interleaved"] = r.interleaved;
  if (!r.notice.empty()) j["notice"] = r.notice;
  Json results = Json::array();
  for (const auto& h : r.hits) results.push_back(HitJson(h, explain));
  j["results"] = results;
  return j;
}

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void PrintTable(const saiki::SearchResponse& r, bool explain) {
  if (!r.notice.empty()) std::cerr << "saiki: " << r.notice << "\n";
  std::cout << r.total << " products match (" << r.hits.size() << " shown, "
            << static_cast<int>(r.took_ms * 1000) / 1000.0 << " ms, ranker " << r.ranker;
  if (r.query_id) std::cout << ", query id " << *r.query_id;
  std::cout << ")\n";
  if (r.hits.empty()) return;
  std::cout << Fit("rank", 5) << Fit("id", 12) << Fit("score", 8) << Fit("price", 9)
            << Fit("brand", 16) << "title\n";
  for (const auto& h : r.hits) {
    char score[32];
    std::snprintf(score, sizeof score, "%.3f", h.score);
    std::cout << Fit(std::to_string(h.rank), 5) << Fit(h.id, 12) << Fit(score, 8)
              << Fit(Price(h.price), 9) << Fit(h.brand, 16) << Fit(h.title, 60) << "\n";
    if (explain) {
      std::cout << "      bm25f " << h.bm25f << ": ";
      for (const auto& fs : h.explain) {
        if (fs.score == 0) continue;
        char part[64];
        std::snprintf(part, sizeof part, "%s=%.3f  ", fs.field.c_str(), fs.score);
        std::cout << part;
      }
      std::cout << "\n";
      for (const auto& fs : h.features) {
        if (fs.global == 0 && fs.personal == 0) continue;
        char line[160];
        std::snprintf(line, sizeof line, "      %-22s value %9.4f  global %+8.4f  personal %+8.4f\n",
                      fs.feature.c_str(), fs.value, fs.global, fs.personal);
        std::cout << line;
      }
    }
  }
}

struct Globals {
  std::string db_path = DefaultDbPath();
  bool read_only = false;
  int busy_timeout_ms = 5000;
};

saiki::Result<std::unique_ptr<saiki::Database>> OpenDb(const Globals& g, bool create) {
  saiki::OpenOptions o;
  o.create_if_missing = create;
  o.read_only = g.read_only;
  o.busy_timeout_ms = g.busy_timeout_ms;
  return saiki::Database::Open(g.db_path, o);
}

int RunIndex(const Globals& g, const std::string& file, const saiki::ImportOptions& base) {
  auto db = OpenDb(g, true);
  if (!db.ok()) return Fail(db.status());
  saiki::ImportOptions opts = base;
  opts.on_row_error = [&file](const saiki::RowError& e) {
    std::cerr << "saiki: " << file << " line " << e.line << ": " << e.message << "\n";
  };
  bool tty = isatty(STDERR_FILENO);
  if (tty) {
    opts.on_progress = [](const saiki::ImportProgress& p) {
      if (p.bytes_total > 0) {
        std::fprintf(stderr, "\rimporting: %3d%%  %llu rows",
                     static_cast<int>(100.0 * p.bytes_read / p.bytes_total),
                     static_cast<unsigned long long>(p.rows));
      } else {
        std::fprintf(stderr, "\rimporting: %llu rows", static_cast<unsigned long long>(p.rows));
      }
    };
  }
  saiki::Result<saiki::ImportReport> report = saiki::Status::Internal("not run");
  if (file == "-") {
    report = (*db)->ImportCsv(std::cin, "<stdin>", opts);
  } else {
    report = (*db)->ImportCsv(file, opts);
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
            << r.rejected << " rejected\n";
  return r.rejected > 0 ? kExitBadInput : kExitOk;
}

int RunSearch(const Globals& g, const std::vector<std::string>& words,
              const std::string& batch, int k, int offset, bool json, bool explain,
              const std::string& user) {
  auto db = OpenDb(g, false);
  if (!db.ok()) return Fail(db.status());
  saiki::SearchRequest req;
  req.user = user;
  req.k = k;
  req.offset = offset;
  req.explain = explain;
  if (!batch.empty()) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (batch != "-") {
      file.open(batch, std::ios::binary);
      if (!file) return Fail(saiki::Status::NotFound(batch + ": cannot open batch file"));
      in = &file;
    }
    std::string line;
    int status = kExitOk;
    uint64_t line_no = 0;
    while (std::getline(*in, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      req.query = line;
      auto res = (*db)->Search(req);
      Json j;
      if (res.ok()) {
        j = ResponseJson(*res, explain);
        j["query"] = line;
      } else {
        j["query"] = line;
        j["error"] = res.status().ToString();
        status = std::max(status, ExitCodeFor(res.status()));
        std::cerr << "saiki: " << batch << " line " << line_no << ": "
                  << res.status().ToString() << "\n";
      }
      std::cout << Dump(j) << "\n";
    }
    return status;
  }
  for (size_t i = 0; i < words.size(); ++i) req.query += (i ? " " : "") + words[i];
  auto res = (*db)->Search(req);
  if (!res.ok()) return Fail(res.status());
  if (json) {
    std::cout << Dump(ResponseJson(*res, explain)) << "\n";
  } else {
    PrintTable(*res, explain);
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "saiki: an embedded Japanese product search engine that learns from its users.\n"
      "Exit statuses: 0 ok, 1 internal error, 2 usage error, 3 bad input (CSV rows,\n"
      "query, value), 4 not found, 5 not a saiki database / corrupt / newer schema,\n"
      "6 database busy, 7 I/O error, 8 limit exceeded.",
      "saiki"};
  app.require_subcommand(1);
  Globals g;
  app.add_option("--db", g.db_path,
                 "database file (default: $SAIKI_DB, else ./saiki.db)");
  app.add_option("--busy-timeout", g.busy_timeout_ms,
                 "ms to wait for another writer's lock (default 5000)")
      ->check(CLI::Range(0, 600000));
  int rc = kExitOk;

  // index
  auto* index = app.add_subcommand("index", "import a CSV product file (upsert by id)");
  std::string index_file;
  saiki::ImportOptions import_opts;
  index->add_option("FILE", index_file, "CSV file, or - for standard input")->required();
  index->add_option("--map", import_opts.field_map,
                    "header renames, e.g. id=商品ID,title=商品名,price=価格");
  index->add_option("--encoding", import_opts.encoding,
                    "input encoding: utf-8 (default), cp932, shift_jis, euc-jp, ...");
  index->add_flag("--replace", import_opts.replace,
                  "delete products that are not in the file");
  index->add_flag("--strict", import_opts.strict, "store nothing if any row is bad");
  index->callback([&] { rc = RunIndex(g, index_file, import_opts); });

  // search
  auto* search = app.add_subcommand("search", "search products");
  std::vector<std::string> words;
  std::string batch;
  int k = 10, offset = 0;
  bool json = false, explain = false;
  search->add_option("QUERY", words, "query (see README: terms, \"phrases\", -x, brand:, "
                                     "category:, price:MIN..MAX)");
  search->add_option("-k,--limit", k, "results to show (1..1000, default 10)")
      ->check(CLI::Range(1, 1000));
  search->add_option("--offset", offset, "results to skip (default 0)")
      ->check(CLI::Range(0, 10000));
  search->add_flag("--json", json, "print one JSON object");
  search->add_flag("--explain", explain, "show per-field score contributions");
  search->add_option("--batch", batch, "answer one query per line of FILE (- for stdin), "
                                       "one JSON line each");
  std::string user;
  search->add_option("--user", user, "personalise for USER and log the search for learning "
                                     "(prints its query id)");
  search->callback([&] {
    if (words.empty() && batch.empty()) {
      std::cerr << "saiki search: give a QUERY or --batch FILE\n";
      rc = kExitUsage;
      return;
    }
    rc = RunSearch(g, words, batch, k, offset, json, explain, user);
  });

  // delete
  auto* del = app.add_subcommand("delete", "delete products by id");
  std::vector<std::string> del_ids;
  std::string del_file;
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
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    auto n = (*db)->DeleteProducts(del_ids);
    if (!n.ok()) {
      rc = Fail(n.status());
      return;
    }
    std::cerr << "saiki: deleted " << *n << " of " << del_ids.size() << " ids\n";
  });

  // get
  auto* get = app.add_subcommand("get", "print one product as JSON");
  std::string get_id;
  get->add_option("ID", get_id, "product id")->required();
  get->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    auto p = (*db)->GetProduct(get_id);
    if (!p.ok()) {
      rc = Fail(p.status());
      return;
    }
    if (!*p) {
      rc = Fail(saiki::Status::NotFound("no product with id '" + get_id + "'"));
      return;
    }
    const saiki::Product& pr = **p;
    Json j;
    j["id"] = pr.id;
    j["title"] = pr.title;
    j["description"] = pr.description;
    j["brand"] = pr.brand;
    j["category"] = pr.category;
    j["price"] = pr.price ? Json(*pr.price) : Json(nullptr);
    j["rating"] = pr.rating ? Json(*pr.rating) : Json(nullptr);
    j["review_count"] = pr.review_count ? Json(*pr.review_count) : Json(nullptr);
    j["tags"] = pr.tags;
    Json attrs = Json::object();
    for (const auto& [key, v] : pr.attributes) attrs[key] = v;
    j["attributes"] = attrs;
    std::cout << Dump(j) << "\n";
  });

  // stats
  auto* stats = app.add_subcommand("stats", "print database statistics");
  bool stats_json = false;
  stats->add_flag("--json", stats_json, "print JSON");
  stats->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    auto s = (*db)->GetStats();
    if (!s.ok()) {
      rc = Fail(s.status());
      return;
    }
    Json j;
    j["database"] = g.db_path;
    j["schema_version"] = s->schema_version;
    j["products"] = s->products;
    j["segments"] = s->segments;
    j["posting_lists"] = s->terms;
    j["postings_bytes"] = s->postings_bytes;
    j["deleted_pending_merge"] = s->deleted_pending;
    j["file_bytes"] = s->file_bytes;
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
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    auto l = (*db)->ListSettings();
    if (!l.ok()) {
      rc = Fail(l.status());
      return;
    }
    for (const auto& [key, v] : *l) std::cout << Fit(key, 28) << v << "\n";
  });
  std::string set_key, set_value;
  auto* set_get = settings->add_subcommand("get", "print one setting");
  set_get->add_option("KEY", set_key)->required();
  set_get->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    auto v = (*db)->GetSetting(set_key);
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
    auto db = OpenDb(g, true);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    saiki::Status s = (*db)->SetSetting(set_key, set_value);
    if (!s.ok()) rc = Fail(s);
  });

  // synonyms
  auto* synonyms = app.add_subcommand("synonyms", "query-time synonyms");
  synonyms->require_subcommand(1);
  auto* syn_load = synonyms->add_subcommand(
      "load", "replace the synonym groups with FILE's (one group per line: 犬 いぬ ドッグ dog)");
  std::string syn_file;
  syn_load->add_option("FILE", syn_file)->required();
  syn_load->callback([&] {
    auto db = OpenDb(g, true);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    auto n = (*db)->LoadSynonyms(syn_file);
    if (!n.ok()) {
      rc = Fail(n.status());
      return;
    }
    std::cerr << "saiki: loaded " << *n << " synonym groups\n";
  });

  // optimize
  auto* optimize = app.add_subcommand("optimize", "merge index segments, purge deleted products");
  optimize->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    saiki::Status s = (*db)->Optimize();
    if (!s.ok()) rc = Fail(s);
  });

  // click
  auto* click = app.add_subcommand("click", "record a click on a result of a logged search");
  std::string click_qid, click_id, click_kind = "click";
  click->add_option("--query-id", click_qid, "the query id a search --user printed")->required();
  click->add_option("--id", click_id, "the product clicked")->required();
  click->add_option("--kind", click_kind, "click (default), cart or purchase")
      ->check(CLI::IsMember({"click", "cart", "purchase"}));
  click->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    saiki::ClickKind kind = click_kind == "purchase" ? saiki::ClickKind::kPurchase
                            : click_kind == "cart"   ? saiki::ClickKind::kCart
                                                     : saiki::ClickKind::kClick;
    saiki::Status s = (*db)->RecordClick(click_qid, click_id, kind);
    if (!s.ok()) rc = Fail(s);
  });

  // session
  auto* session = app.add_subcommand("session", "end sessions (learning happens then)");
  session->require_subcommand(1);
  auto print_report = [](const saiki::SessionReport& r) {
    Json j;
    j["session_id"] = r.session_id;
    j["user"] = r.user;
    j["impressions"] = r.impressions;
    j["clicks"] = r.clicks;
    j["pairs"] = r.pairs;
    j["global"] = r.global_outcome;
    j["personal"] = r.user_outcome;
    j["global_version"] = r.global_version;
    j["user_version"] = r.user_version;
    j["loss_before"] = r.loss_before;
    j["loss_after"] = r.loss_after;
    j["interleaving"] = r.interleaving;
    std::cout << Dump(j) << "\n";
  };
  auto* session_end = session->add_subcommand("end", "close USER's session and learn from it");
  std::string session_user;
  session_end->add_option("--user", session_user, "the user")->required();
  session_end->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    auto r = (*db)->EndSession(session_user);
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
  auto* sweep = session->add_subcommand("sweep", "close every session idle past the timeout");
  sweep->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    auto r = (*db)->SweepSessions();
    if (!r.ok()) {
      rc = Fail(r.status());
      return;
    }
    for (const auto& rep : *r) print_report(rep);
    std::cerr << "saiki: closed " << r->size() << " idle sessions\n";
  });

  // model
  auto* model = app.add_subcommand("model", "inspect and roll back the learned models");
  model->require_subcommand(1);
  auto version_json = [](const saiki::ModelVersion& v) {
    Json j;
    j["version"] = v.version;
    j["scope"] = v.scope;
    if (!v.user.empty()) j["user"] = v.user;
    j["kind"] = v.kind;
    j["parent"] = v.parent;
    j["session_id"] = v.session_id;
    j["created_at"] = v.created_at;
    j["loss_before"] = v.loss_before;
    j["loss_after"] = v.loss_after;
    j["replay_before"] = v.metric_before;
    j["replay_after"] = v.metric_after;
    j["status"] = v.status;
    if (!v.reason.empty()) j["reason"] = v.reason;
    return j;
  };
  auto* model_show = model->add_subcommand("show", "the active models and their weights");
  std::string model_user;
  model_show->add_option("--user", model_user, "also the user's personal part");
  model_show->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    auto m = (*db)->GetModel(model_user);
    if (!m.ok()) {
      rc = Fail(m.status());
      return;
    }
    Json j;
    j["global"] = version_json(m->global);
    j["global_learning_rate"] = m->global_learning_rate;
    if (!model_user.empty()) {
      j["user"] = model_user;
      j["personal"] = m->personal ? version_json(*m->personal) : Json(nullptr);
      j["user_learning_rate"] = m->user_learning_rate;
      j["interleaving"] = {{"champion_version", m->champion_version},
                           {"sessions_left", m->interleave_sessions_left},
                           {"wins_new", m->wins_new},
                           {"wins_old", m->wins_old},
                           {"ties", m->ties}};
    }
    Json w = Json::array();
    for (const auto& x : m->weights) {
      Json e = {{"feature", x.feature}, {"global", x.global}, {"mean", x.mean},
                {"scale", x.scale}};
      if (!model_user.empty()) e["personal"] = x.personal;
      w.push_back(e);
    }
    j["weights"] = w;
    j["propensities"] = m->propensities;
    std::cout << j.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  });
  auto* model_history = model->add_subcommand("history", "every model version, newest first");
  std::string history_user;
  model_history->add_option("--user", history_user, "only this user's and the global versions");
  model_history->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    auto h = (*db)->ModelHistory(history_user);
    if (!h.ok()) {
      rc = Fail(h.status());
      return;
    }
    for (const auto& v : *h) std::cout << Dump(version_json(v)) << "\n";
  });
  auto* model_rollback = model->add_subcommand("rollback", "make an earlier version active");
  int64_t rollback_to = 0;
  model_rollback->add_option("--to", rollback_to, "the version")->required();
  model_rollback->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    saiki::Status s = (*db)->RollbackModel(rollback_to);
    if (!s.ok()) rc = Fail(s);
  });

  // user
  auto* user_cmd = app.add_subcommand("user", "users' data");
  user_cmd->require_subcommand(1);
  auto* forget = user_cmd->add_subcommand("forget", "delete everything saiki holds about USER");
  std::string forget_user;
  forget->add_option("USER", forget_user)->required();
  forget->callback([&] {
    auto db = OpenDb(g, false);
    if (!db.ok()) {
      rc = Fail(db.status());
      return;
    }
    auto n = (*db)->ForgetUser(forget_user);
    if (!n.ok()) {
      rc = Fail(n.status());
      return;
    }
    std::cerr << "saiki: forgot user '" << forget_user << "' (" << *n << " rows deleted)\n";
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  return rc;
}
