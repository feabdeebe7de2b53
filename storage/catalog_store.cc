// CatalogStore's SQL. See catalog_store.h for the contracts.
//
// Every method that steps a statement holds a ResetOnExit, and copies the
// columns it returns before the scope ends: a column view is dead after the
// statement's Reset or next Step.
#include "storage/catalog_store.h"

namespace saiki::storage {
namespace {

void BindOptional(Statement* st, int index, const std::optional<double>& v) {
  if (v) {
    st->BindDouble(index, *v);
  } else {
    st->BindNull(index);
  }
}

}  // namespace

Result<int64_t> CatalogStore::Insert(const WriteToken& token, const ProductFields& p) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("INSERT INTO products(id, title, description, brand, category, price, "
                     "rating, review_count, tags, attrs) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  st->BindText(1, p.id)
      .BindText(2, p.title)
      .BindText(3, p.description)
      .BindText(4, p.brand)
      .BindText(5, p.category)
      .BindText(9, p.tags)
      .BindText(10, p.attrs_json);
  BindOptional(st, 6, p.price);
  BindOptional(st, 7, p.rating);
  if (p.review_count) {
    st->Bind(8, *p.review_count);
  } else {
    st->BindNull(8);
  }
  SAIKI_RETURN_IF_ERROR(st->Run());
  return conn_->LastInsertRowid();
}

Result<std::optional<int64_t>> CatalogStore::DeleteById(const WriteToken& token,
                                                        std::string_view id) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  // Two statements rather than DELETE ... RETURNING, which would make
  // SQLite 3.35 the oldest saiki runs on.
  SAIKI_ASSIGN_OR_RETURN(std::optional<int64_t> docid, FindDocid(id));
  if (!docid) return docid;
  SAIKI_ASSIGN_OR_RETURN(Statement * st, conn_->Prepare("DELETE FROM products WHERE docid = ?1"));
  st->Bind(1, *docid);
  SAIKI_RETURN_IF_ERROR(st->Run());
  return docid;
}

Result<std::optional<int64_t>> CatalogStore::FindDocid(std::string_view id) {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT docid FROM products WHERE id = ?1"));
  ResetOnExit reset(st);
  st->BindText(1, id);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(st->ColumnInt(0));
}

Result<std::optional<ProductRow>> CatalogStore::GetProduct(std::string_view id) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT docid, id, title, description, brand, category, price, rating, "
                     "review_count, tags, attrs FROM products WHERE id = ?1"));
  ResetOnExit reset(st);
  st->BindText(1, id);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<ProductRow>();
  ProductRow p;
  p.docid = st->ColumnInt(0);
  p.id = st->ColumnText(1);
  p.title = st->ColumnText(2);
  p.description = st->ColumnText(3);
  p.brand = st->ColumnText(4);
  p.category = st->ColumnText(5);
  if (!st->ColumnIsNull(6)) p.price = st->ColumnDouble(6);
  if (!st->ColumnIsNull(7)) p.rating = st->ColumnDouble(7);
  if (!st->ColumnIsNull(8)) p.review_count = st->ColumnInt(8);
  p.tags = st->ColumnText(9);
  p.attrs_json = st->ColumnText(10);
  return std::optional<ProductRow>(std::move(p));
}

Result<std::optional<HitRow>> CatalogStore::GetHitRow(int64_t docid) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT id, title, brand, category, price FROM products WHERE docid = ?1"));
  ResetOnExit reset(st);
  st->Bind(1, docid);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<HitRow>();
  HitRow h;
  h.id = st->ColumnText(0);
  h.title = st->ColumnText(1);
  h.brand = st->ColumnText(2);
  h.category = st->ColumnText(3);
  if (!st->ColumnIsNull(4)) h.price = st->ColumnDouble(4);
  return std::optional<HitRow>(std::move(h));
}

Status CatalogStore::ForEachProductId(
    const std::function<Status(int64_t docid, std::string_view id)>& visit) {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT docid, id FROM products ORDER BY docid"));
  ResetOnExit reset(st);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::Ok();
    SAIKI_RETURN_IF_ERROR(visit(st->ColumnInt(0), st->ColumnText(1)));
  }
}

Status CatalogStore::ForEachProduct(const std::function<Status(const ProductRow& row)>& visit) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT docid, id, title, description, brand, category, price, rating, "
                     "review_count, tags FROM products ORDER BY docid"));
  ResetOnExit reset(st);
  ProductRow p;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::Ok();
    p.docid = st->ColumnInt(0);
    p.id = st->ColumnText(1);
    p.title = st->ColumnText(2);
    p.description = st->ColumnText(3);
    p.brand = st->ColumnText(4);
    p.category = st->ColumnText(5);
    p.price = st->ColumnIsNull(6) ? std::nullopt : std::optional<double>(st->ColumnDouble(6));
    p.rating = st->ColumnIsNull(7) ? std::nullopt : std::optional<double>(st->ColumnDouble(7));
    p.review_count =
        st->ColumnIsNull(8) ? std::nullopt : std::optional<int64_t>(st->ColumnInt(8));
    p.tags = st->ColumnText(9);
    SAIKI_RETURN_IF_ERROR(visit(p));
  }
}

Result<int64_t> CatalogStore::CountProducts() {
  SAIKI_ASSIGN_OR_RETURN(Statement * st, conn_->Prepare("SELECT count(*) FROM products"));
  ResetOnExit reset(st);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->ColumnInt(0) : 0;
}

Result<int64_t> CatalogStore::MaxAssignedDocid() {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT seq FROM sqlite_sequence WHERE name = 'products'"));
  ResetOnExit reset(st);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->ColumnInt(0) : 0;
}

Status CatalogStore::BeginSeenIds(const WriteToken& token) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  return conn_->Exec(
      "CREATE TEMP TABLE IF NOT EXISTS import_seen(id TEXT PRIMARY KEY) WITHOUT ROWID;"
      "DELETE FROM temp.import_seen");
}

Status CatalogStore::MarkSeen(const WriteToken& token, std::string_view id) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("INSERT OR IGNORE INTO temp.import_seen(id) VALUES (?1)"));
  st->BindText(1, id);
  return st->Run();
}

Result<std::vector<int64_t>> CatalogStore::DeleteUnseen(const WriteToken& token) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  std::vector<int64_t> docids;
  {
    SAIKI_ASSIGN_OR_RETURN(
        Statement * st,
        conn_->Prepare("SELECT docid FROM products "
                       "WHERE id NOT IN (SELECT id FROM temp.import_seen) ORDER BY docid"));
    ResetOnExit reset(st);
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      docids.push_back(st->ColumnInt(0));
    }
  }
  SAIKI_RETURN_IF_ERROR(
      conn_->Exec("DELETE FROM products WHERE id NOT IN (SELECT id FROM temp.import_seen);"
                  "DELETE FROM temp.import_seen"));
  return docids;
}

Result<std::vector<std::pair<std::string, std::string>>> CatalogStore::ListSettings() {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT key, value FROM settings ORDER BY key"));
  ResetOnExit reset(st);
  std::vector<std::pair<std::string, std::string>> out;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return out;
    out.emplace_back(st->ColumnText(0), st->ColumnText(1));
  }
}

Status CatalogStore::PutSetting(const WriteToken& token, std::string_view key,
                                std::string_view value) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("INSERT INTO settings(key, value) VALUES (?1, ?2) "
                                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  st->BindText(1, key).BindText(2, value);
  return st->Run();
}

Result<std::vector<std::pair<int64_t, std::string>>> CatalogStore::ListSynonyms() {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT grp, term FROM synonyms ORDER BY grp, term"));
  ResetOnExit reset(st);
  std::vector<std::pair<int64_t, std::string>> out;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return out;
    out.emplace_back(st->ColumnInt(0), st->ColumnText(1));
  }
}

Status CatalogStore::ReplaceSynonyms(const WriteToken& token,
                                     const std::vector<std::vector<std::string>>& groups) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_RETURN_IF_ERROR(conn_->Exec("DELETE FROM synonyms"));
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("INSERT INTO synonyms(term, grp) VALUES (?1, ?2) "
                                        "ON CONFLICT(term) DO UPDATE SET grp = excluded.grp"));
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const std::string& term : groups[g]) {
      st->Reset();
      st->BindText(1, term).Bind(2, static_cast<int64_t>(g));
      SAIKI_RETURN_IF_ERROR(st->Run());
    }
  }
  return Status::Ok();
}

Status CatalogStore::AddSynonymGroup(const WriteToken& token,
                                     const std::vector<std::string>& terms) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(Statement * next,
                         conn_->Prepare("SELECT coalesce(max(grp), -1) + 1 FROM synonyms"));
  int64_t grp = 0;
  {
    ResetOnExit reset(next);
    SAIKI_ASSIGN_OR_RETURN(bool row, next->Step());
    if (row) grp = next->ColumnInt(0);
  }
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("INSERT INTO synonyms(term, grp) VALUES (?1, ?2) "
                                        "ON CONFLICT(term) DO UPDATE SET grp = excluded.grp"));
  for (const std::string& term : terms) {
    st->Reset();
    st->BindText(1, term).Bind(2, grp);
    SAIKI_RETURN_IF_ERROR(st->Run());
  }
  return Status::Ok();
}

}  // namespace saiki::storage
