// `saiki search`: one query (a table or JSON), or a batch of queries (one
// JSON line each), optionally personalised and logged for a user.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/cli.h"

namespace saiki::cli {
namespace {

// Marked text for the table: on a terminal each mark in bold yellow (ANSI
// SGR), unless NO_COLOR is set (https://no-color.org); piped, or with
// NO_COLOR, plain text, as grep --color=auto does. Only the first `bytes`
// bytes of the text are shown (the cut is on a character boundary).
std::string Marked(const HighlightedText& h, size_t bytes, bool color) {
  if (!color) return h.text.substr(0, bytes);
  const char* open = "\x1b[1;33m";
  const char* close = "\x1b[0m";
  std::string out;
  size_t at = 0;
  for (const auto& [begin, end] : h.marks) {
    if (begin >= bytes || begin < at) break;
    out.append(h.text, at, begin - at);
    out += open;
    out.append(h.text, begin, std::min<size_t>(end, bytes) - begin);
    out += close;
    at = std::min<size_t>(end, bytes);
  }
  if (at < bytes) out.append(h.text, at, bytes - at);
  return out;
}

bool UseColor() {
  const char* no_color = std::getenv("NO_COLOR");
  return isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

// A short summary of the facets under the table: one line per facet, its
// values with their counts.
void PrintFacets(const SearchResponse& r) {
  for (const FacetCounts& f : r.facets) {
    std::cout << FacetFieldName(f.field) << ":";
    if (f.values.empty() && f.buckets.empty()) std::cout << " -";
    for (const FacetValue& v : f.values) {
      std::cout << "  " << EscapeControls(v.value) << " (" << v.count << ")";
    }
    for (const PriceBucket& b : f.buckets) {
      std::cout << "  " << Price(b.from) << "-"
                << (std::isfinite(b.to) ? Price(b.to) : std::string()) << " (" << b.count << ")";
    }
    if (f.missing > 0) std::cout << "  none (" << f.missing << ")";
    std::cout << "\n";
  }
}

// The table: each column as wide as its widest cell (ids and brands are never
// cut), every cell with its control characters escaped so that one product
// is one line. On a terminal the title, last, is cut (with …) at the
// terminal's width; piped, it is whole.
void PrintTable(const SearchResponse& r, bool explain) {
  if (!r.notice.empty()) std::cerr << "saiki: " << r.notice << "\n";
  std::cout << r.total << (r.total_at_least ? "+" : "") << " products match (" << r.hits.size() << " shown, "
            << static_cast<int>(r.took_ms * 1000) / 1000.0 << " ms, ranker " << r.ranker;
  if (r.query_id) std::cout << ", query id " << *r.query_id;
  std::cout << ")\n";
  if (r.hits.empty()) {
    PrintFacets(r);
    return;
  }
  const bool color = UseColor();
  struct Row {
    std::string rank, id, score, price, brand, title;
  };
  std::vector<Row> rows;
  rows.push_back({"rank", "id", "score", "price", "brand", "title"});
  for (const auto& h : r.hits) {
    char score[32];
    std::snprintf(score, sizeof score, "%.3f", h.score);
    rows.push_back({std::to_string(h.rank), EscapeControls(h.id), score, Price(h.price),
                    EscapeControls(h.brand), EscapeControls(h.title)});
  }
  int w_rank = 0, w_id = 0, w_score = 0, w_price = 0, w_brand = 0;
  for (const Row& row : rows) {
    w_rank = std::max(w_rank, DisplayWidth(row.rank));
    w_id = std::max(w_id, DisplayWidth(row.id));
    w_score = std::max(w_score, DisplayWidth(row.score));
    w_price = std::max(w_price, DisplayWidth(row.price));
    w_brand = std::max(w_brand, DisplayWidth(row.brand));
  }
  const int gap = 2;
  const int before_title = w_rank + w_id + w_score + w_price + w_brand + 5 * gap;
  const int columns = TerminalColumns();
  // At least 20 columns of title even on a narrow terminal.
  const int w_title = columns > 0 ? std::max(20, columns - before_title) : -1;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    std::string title = row.title;
    const SearchHit* hit = i > 0 ? &r.hits[i - 1] : nullptr;
    if (hit && hit->highlight) {
      // The highlighted title (whitespace made single spaces), cut as below.
      const HighlightedText& t = hit->highlight->title;
      size_t cut = t.text.size();
      bool cut_off = w_title > 0 && DisplayWidth(t.text) > w_title;
      if (cut_off) DisplayWidth(t.text, &cut, w_title - 1);
      title = Marked(t, cut, color) + (cut_off ? "\u2026" : "");
    } else if (w_title > 0 && DisplayWidth(title) > w_title) {
      title = Fit(title, w_title);
    }
    std::cout << Fit(row.rank, w_rank + gap) << Fit(row.id, w_id + gap)
              << Fit(row.score, w_score + gap) << Fit(row.price, w_price + gap)
              << Fit(row.brand, w_brand + gap) << title << "\n";
    if (hit && hit->highlight && !hit->highlight->description.text.empty()) {
      std::cout << "      " << Marked(hit->highlight->description,
                                      hit->highlight->description.text.size(), color)
                << "\n";
    }
    if (!explain || i == 0) continue;
    const SearchHit& h = r.hits[i - 1];
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
  PrintFacets(r);
}

int RunSearch(const Globals& g, const std::vector<std::string>& words,
              const std::string& batch, int k, int offset, bool json, bool explain,
              const std::string& user, SortOrder sort, const SearchRequest& extras) {
  // A small page cache: this process answers and exits, and SQLite's
  // default 2 MB of cache would be fresh memory it faults in page by page
  // (README "Performance": a cold `search 犬` at 1M, 1,310 page faults
  // and 30.2 ms CPU with the default, 880 and 21.2 ms with 256 KiB).
  constexpr int kOneShotPageCacheKib = 256;
  auto db = OpenDb(g, false, kOneShotPageCacheKib);
  if (!db.ok()) return Fail(db.status());
  SearchRequest req = extras;
  req.user = user;
  req.k = k;
  req.offset = offset;
  req.explain = explain;
  req.sort = sort;
  if (!batch.empty()) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (batch != "-") {
      file.open(batch, std::ios::binary);
      if (!file) return Fail(Status::NotFound(batch + ": cannot open batch file"));
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
        j = json::SearchResponseJson(*res, explain);
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
    std::cout << Dump(json::SearchResponseJson(*res, explain)) << "\n";
  } else {
    PrintTable(*res, explain);
  }
  return kExitOk;
}

}  // namespace

void MoveSearchExclusions(const CLI::App& app, std::vector<std::string>* args) {
  // Find the `search` command: the first word that is not a global option
  // or a global option's value.
  size_t i = 0;
  while (i < args->size()) {
    const std::string& a = (*args)[i];
    if (a == "--db" || a == "--busy-timeout") {
      i += 2;
    } else if (!a.empty() && a[0] == '-') {
      ++i;  // --db=FILE, --help, ...
    } else {
      break;
    }
  }
  if (i >= args->size() || (*args)[i] != "search") return;
  const CLI::App* search = nullptr;
  try {
    search = app.get_subcommand("search");
  } catch (const CLI::Error&) {
    return;  // not registered: nothing to do
  }
  // Whether `name` (--user, -k) is an option of `search` that takes a value.
  auto takes_value = [&](const std::string& name) {
    const CLI::Option* opt = search->get_option_no_throw(name);
    return opt != nullptr && opt->get_expected_max() > 0 && opt->get_type_size_max() > 0;
  };
  // CLI11 reads a word after "--" as the query only when every query word
  // is there (a query vector interrupted by "--" is an error): options and
  // their values stay before it, every query word goes after it, in order.
  std::vector<std::string> options, words;
  bool any_dash_word = false;
  for (size_t j = i + 1; j < args->size(); ++j) {
    const std::string& a = (*args)[j];
    if (a == "--") {
      words.insert(words.end(), args->begin() + static_cast<long>(j) + 1, args->end());
      any_dash_word = true;  // keep the user's "--" meaning
      break;
    }
    bool long_option = a.size() > 2 && a[0] == '-' && a[1] == '-';
    bool short_option = a == "-h" || (a.size() >= 2 && a[0] == '-' && a[1] == 'k' &&
                                      a.find_first_not_of("0123456789", 2) == std::string::npos);
    if (long_option || short_option) {
      if (a.find('=') == std::string::npos && takes_value(a) && j + 1 < args->size()) {
        // Its value, whatever it looks like: --sort -price is --sort=-price.
        const std::string& value = (*args)[++j];
        if (long_option && !value.empty() && value[0] == '-') {
          options.push_back(a + "=" + value);
          any_dash_word = true;  // rewritten: pass the new order on
        } else {
          options.push_back(a);
          options.push_back(value);
        }
      } else {
        options.push_back(a);
      }
    } else {
      any_dash_word |= a.size() > 1 && a[0] == '-';
      words.push_back(a);
    }
  }
  if (!any_dash_word) return;  // nothing CLI11 would misread
  std::vector<std::string> out(args->begin(), args->begin() + static_cast<long>(i) + 1);
  out.insert(out.end(), options.begin(), options.end());
  out.push_back("--");
  out.insert(out.end(), words.begin(), words.end());
  *args = std::move(out);
}

void AddSearchCommand(CLI::App& app, Globals& g, int& rc) {
  // search
  auto* search = app.add_subcommand("search", "search products");
  static std::vector<std::string> words;
  static std::string batch;
  static int k = 10, offset = 0;
  static bool json = false, explain = false;
  search->add_option("QUERY", words, "query (see README: terms, \"phrases\", -x (after the words too), brand:, "
                                     "category:, price:MIN..MAX)");
  search->add_option("-k,--limit", k, "results to show (1..1000, default 10)")
      ->check(CLI::Range(1, 1000));
  search->add_option("--offset", offset, "results to skip (default 0)")
      ->check(CLI::Range(0, 10000));
  search->add_flag("--json", json, "print one JSON object");
  search->add_flag("--explain", explain, "show per-field score contributions");
  search->add_option("--batch", batch, "answer one query per line of FILE (- for stdin), "
                                       "one JSON line each");
  static std::string sort_name = "relevance";
  search->add_option("--sort", sort_name,
                     "order: relevance (default), price, -price, rating, -rating, reviews, "
                     "-reviews (- for descending; ties by relevance; not re-ranked or logged)")
      ->check([](const std::string& v) -> std::string {
        if (ParseSortOrder(v)) return "";
        return "'" + v + "' is not relevance, price, -price, rating, -rating, reviews or -reviews";
      });
  static std::string user;
  search->add_option("--user", user, "personalise for USER and log the search for learning "
                                     "(prints its query id)");
  // Facets and highlighting (README "Facets", "Highlighting").
  static std::vector<FacetField> facets;
  static const std::map<std::string, FacetField> kFacets = {
      {"brand", FacetField::kBrand}, {"category", FacetField::kCategory},
      {"price", FacetField::kPrice}};
  search->add_option("--facets", facets,
                     "count brand, category and/or price (ranges) over all matches, "
                     "e.g. --facets brand,category,price")
      ->delimiter(',')
      ->transform(CLI::CheckedTransformer(kFacets));
  static int facet_limit = 10;
  search->add_option("--facet-limit", facet_limit, "values per brand/category facet (1..1000, "
                                                   "default 10)")
      ->check(CLI::Range(1, 1000));
  static bool highlight = false;
  search->add_flag("--highlight", highlight, "mark the matched terms in titles and a "
                                             "description snippet");
  static int snippet = 120;
  search->add_option("--snippet", snippet, "description snippet length in characters with "
                                           "--highlight (10..10000, default 120)")
      ->check(CLI::Range(10, 10000));
  search->callback([&] {
    if (words.empty() && batch.empty()) {
      std::cerr << "saiki search: give a QUERY or --batch FILE\n";
      rc = kExitUsage;
      return;
    }
    SearchRequest extras;
    extras.facets = facets;
    extras.facet_limit = facet_limit;
    extras.highlight = highlight;
    extras.snippet_chars = snippet;
    rc = RunSearch(g, words, batch, k, offset, json, explain, user,
                   ParseSortOrder(sort_name).value_or(SortOrder::kRelevance), extras);
  });

}

}  // namespace saiki::cli
