// MetaStore's SQL. See meta_store.h for the contracts.
#include "storage/meta_store.h"

namespace saiki::storage {

Result<int64_t> MetaStore::DataVersion() {
  SAIKI_ASSIGN_OR_RETURN(Statement * st, conn_->Prepare("PRAGMA data_version"));
  ResetOnExit reset(st);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->ColumnInt(0) : 0;
}

Result<GenerationCounters> MetaStore::ReadGenerations() {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT key, value FROM meta WHERE key IN "
                                        "('gen_catalog', 'gen_config', 'gen_models')"));
  ResetOnExit reset(st);
  GenerationCounters g;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    std::string_view key = st->ColumnText(0);
    int64_t v = st->ColumnInt(1);
    if (key == "gen_catalog") g.catalog = v;
    if (key == "gen_config") g.config = v;
    if (key == "gen_models") g.models = v;
  }
  return g;
}

Status MetaStore::BumpGeneration(const WriteToken& token, GenerationCounter which) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  const char* key = which == GenerationCounter::kCatalog  ? "gen_catalog"
                    : which == GenerationCounter::kConfig ? "gen_config"
                                                          : "gen_models";
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("INSERT INTO meta(key, value) VALUES (?1, 1) "
                                        "ON CONFLICT(key) DO UPDATE SET value = value + 1"));
  st->BindText(1, key);
  return st->Run();
}

Result<std::vector<std::string>> MetaStore::IntegrityProblems() {
  SAIKI_ASSIGN_OR_RETURN(Statement * st, conn_->Prepare("PRAGMA integrity_check"));
  ResetOnExit reset(st);
  std::vector<std::string> problems;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    std::string line(st->ColumnText(0));
    if (line != "ok") problems.push_back(std::move(line));
  }
  return problems;
}

}  // namespace saiki::storage
