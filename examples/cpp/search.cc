// A C++ app on saiki's C++ API: imports a CSV, searches as a user, clicks
// the first result and ends the session (the personal model learns then).
//
//   search DB_FILE CSV_FILE QUERY
#include <iostream>

#include "saiki/saiki.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: search DB_FILE CSV_FILE QUERY\n";
    return 2;
  }
  std::cout << "saiki " << saiki::Version() << " (headers " << SAIKI_VERSION << ")\n";

  auto db = saiki::Database::Open(argv[1]);
  if (!db.ok()) {
    std::cerr << "open: " << db.status().ToString() << "\n";
    return 1;
  }
  saiki::ImportOptions import;
  import.on_row_error = [&](const saiki::RowError& e) {
    std::cerr << argv[2] << " line " << e.line << ": " << e.message << "\n";
  };
  auto report = (*db)->ImportCsv(argv[2], import);
  if (!report.ok()) {
    std::cerr << "import: " << report.status().ToString() << "\n";
    return 1;
  }
  std::cout << "imported " << report->inserted + report->updated << " products\n";

  saiki::SearchRequest req;
  req.query = argv[3];
  req.user = "alice";
  auto res = (*db)->Search(req);
  if (!res.ok()) {
    std::cerr << "search: " << res.status().ToString() << "\n";
    return 1;
  }
  std::cout << res->total << " results for " << req.query << "\n";
  for (const auto& hit : res->hits) {
    std::cout << hit.rank << ". " << hit.title << " (" << hit.brand << ")";
    if (hit.price) std::cout << " ¥" << *hit.price;
    std::cout << "\n";
  }
  if (res->hits.empty() || !res->query_id) return 0;

  saiki::Status click = (*db)->RecordClick(*res->query_id, res->hits[0].id);
  if (!click.ok()) {
    std::cerr << "click: " << click.ToString() << "\n";
    return 1;
  }
  auto session = (*db)->EndSession("alice");
  if (!session.ok()) {
    std::cerr << "end session: " << session.status().ToString() << "\n";
    return 1;
  }
  if (*session) {
    std::cout << "session closed: " << (*session)->clicks << " click(s), personal model "
              << saiki::UpdateOutcomeName((*session)->personal.outcome) << "\n";
  }
  return 0;
}
