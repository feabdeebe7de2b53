// IndexStore's SQL. See index_store.h for the contracts.
//
// Every method that steps a statement holds a ResetOnExit, and copies the
// columns it returns before the scope ends; callbacks get views only while
// the row is current: a column view is dead after the statement's Reset or
// next Step.
#include "storage/index_store.h"

namespace saiki::storage {

Result<int64_t> IndexStore::Count(const char* sql) {
  SAIKI_ASSIGN_OR_RETURN(Statement * st, conn_->Prepare(sql));
  ResetOnExit reset(st);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->ColumnInt(0) : 0;  // NULL (max of nothing) reads as 0
}

Result<int64_t> IndexStore::PostingsFormat() {
  SAIKI_ASSIGN_OR_RETURN(int64_t format, Count("SELECT coalesce((SELECT value FROM meta "
                                               "WHERE key = 'postings_format'), -1)"));
  if (format < 1) return Status::Corruption(path() + ": meta.postings_format is missing");
  return format;
}

Status IndexStore::SetPostingsFormat(const WriteToken& token, int64_t format) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st, conn_->Prepare("INSERT INTO meta(key, value) VALUES ('postings_format', ?1) "
                                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  st->Bind(1, format);
  return st->Run();
}

Result<int64_t> IndexStore::AnalysisVersion() {
  return Count("SELECT coalesce((SELECT value FROM meta WHERE key = 'analysis_version'), 1)");
}

Status IndexStore::SetAnalysisVersion(const WriteToken& token, int64_t version) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st, conn_->Prepare("INSERT INTO meta(key, value) VALUES ('analysis_version', ?1) "
                                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  st->Bind(1, version);
  return st->Run();
}

Result<std::optional<std::string>> IndexStore::CategoryMedians() {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT value, typeof(value) FROM meta WHERE key = 'category_medians'"));
  ResetOnExit reset(st);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<std::string>();
  if (st->ColumnText(1) != "blob") {
    return Status::Corruption(path() + ": meta.category_medians is not a blob");
  }
  return std::optional<std::string>(std::string(st->ColumnBlob(0)));
}

Status IndexStore::SetCategoryMedians(const WriteToken& token, std::string_view blob) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st, conn_->Prepare("INSERT INTO meta(key, value) VALUES ('category_medians', ?1) "
                                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  st->BindBlob(1, blob);
  return st->Run();
}

Result<int64_t> IndexStore::NextSegmentId(const WriteToken& token) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(int64_t seg, Count("SELECT coalesce((SELECT value FROM meta "
                                            "WHERE key = 'next_seg'), -1)"));
  if (seg < 0) return Status::Corruption(path() + ": meta.next_seg is missing");
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("UPDATE meta SET value = ?1 WHERE key = 'next_seg'"));
  st->Bind(1, seg + 1);
  SAIKI_RETURN_IF_ERROR(st->Run());
  return seg;
}

Status IndexStore::ForEachSegment(const std::function<Status(const SegmentView&)>& visit) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare(
          "SELECT seg, first_docid, last_docid, ndocs, docs FROM segments ORDER BY seg"));
  ResetOnExit reset(st);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::Ok();
    SegmentView v;
    v.seg = st->ColumnInt(0);
    v.first_docid = st->ColumnInt(1);
    v.last_docid = st->ColumnInt(2);
    v.ndocs = st->ColumnInt(3);
    v.docs = st->ColumnBlob(4);
    SAIKI_RETURN_IF_ERROR(visit(v));
  }
}

Status IndexStore::ForEachSegmentRow(
    const std::function<Status(const SegmentView& row, size_t docs_bytes)>& visit) {
  // length() of a blob reads its size from the record header, not the blob.
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT seg, first_docid, last_docid, ndocs, length(docs) FROM segments "
                     "ORDER BY seg"));
  ResetOnExit reset(st);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::Ok();
    SegmentView v;
    v.seg = st->ColumnInt(0);
    v.first_docid = st->ColumnInt(1);
    v.last_docid = st->ColumnInt(2);
    v.ndocs = st->ColumnInt(3);
    const int64_t bytes = st->ColumnInt(4);
    if (bytes < 0) return Status::Corruption(path() + ": segment " + std::to_string(v.seg) + " has no docs blob");
    SAIKI_RETURN_IF_ERROR(visit(v, static_cast<size_t>(bytes)));
  }
}

Result<std::unique_ptr<BlobReader>> IndexStore::OpenSegmentDocs(int64_t seg) {
  return conn_->OpenBlob("segments", "docs", seg);
}

Result<int64_t> IndexStore::MaxLastDocid() { return Count("SELECT max(last_docid) FROM segments"); }

Result<int64_t> IndexStore::CountSegments() { return Count("SELECT count(*) FROM segments"); }

Status IndexStore::InsertSegment(const WriteToken& token, const SegmentView& s) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("INSERT INTO segments(seg, first_docid, last_docid, ndocs, docs) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)"));
  st->Bind(1, s.seg).Bind(2, s.first_docid).Bind(3, s.last_docid).Bind(4, s.ndocs);
  st->BindBlob(5, s.docs);
  return st->Run();
}

Status IndexStore::DeleteAllSegments(const WriteToken& token) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_RETURN_IF_ERROR(conn_->Exec("DELETE FROM doc_cold"));
  return conn_->Exec("DELETE FROM segments");
}

namespace {
constexpr int64_t kChunkBits = 32;
bool ColdKeyValid(int64_t seg, int64_t chunk) {
  return seg >= 0 && seg < (int64_t{1} << 31) && chunk >= 0 && chunk < (int64_t{1} << kChunkBits);
}
}  // namespace

Status IndexStore::InsertColdChunk(const WriteToken& token, int64_t seg, int64_t chunk,
                                   std::string_view data) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  if (!ColdKeyValid(seg, chunk)) {
    return Status::InvalidArgument(path() + ": no cold chunk key for segment " +
                                   std::to_string(seg) + ", chunk " + std::to_string(chunk));
  }
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("INSERT INTO doc_cold(id, data) VALUES (?1, ?2)"));
  st->Bind(1, seg << kChunkBits | chunk);
  st->BindBlob(2, data);
  return st->Run();
}

Result<bool> IndexStore::ColdChunk(int64_t seg, int64_t chunk, std::string* out) {
  if (!ColdKeyValid(seg, chunk)) return false;
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st, conn_->Prepare("SELECT data, typeof(data) FROM doc_cold WHERE id = ?1"));
  ResetOnExit reset(st);
  st->Bind(1, seg << kChunkBits | chunk);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return false;
  if (st->ColumnText(1) != "blob") {
    return Status::Corruption(path() + ": segment " + std::to_string(seg) + ", cold chunk " +
                              std::to_string(chunk) + " is not a blob");
  }
  out->assign(st->ColumnBlob(0));
  return true;
}

Status IndexStore::ForEachColdChunk(
    int64_t seg, const std::function<Status(int64_t chunk, std::string_view data)>& visit) {
  if (!ColdKeyValid(seg, 0)) return Status::Ok();
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT id, data, typeof(data) FROM doc_cold WHERE id BETWEEN ?1 AND ?2 "
                     "ORDER BY id"));
  ResetOnExit reset(st);
  st->Bind(1, seg << kChunkBits).Bind(2, (seg << kChunkBits) | ((int64_t{1} << kChunkBits) - 1));
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::Ok();
    const int64_t chunk = st->ColumnInt(0) & ((int64_t{1} << kChunkBits) - 1);
    if (st->ColumnText(2) != "blob") {
      return Status::Corruption(path() + ": segment " + std::to_string(seg) + ", cold chunk " +
                                std::to_string(chunk) + " is not a blob");
    }
    SAIKI_RETURN_IF_ERROR(visit(chunk, st->ColumnBlob(1)));
  }
}

Result<std::vector<std::pair<int64_t, int64_t>>> IndexStore::ColdChunkCounts() {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT id >> 32, count(*) FROM doc_cold GROUP BY id >> 32 ORDER BY 1"));
  ResetOnExit reset(st);
  std::vector<std::pair<int64_t, int64_t>> out;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return out;
    out.emplace_back(st->ColumnInt(0), st->ColumnInt(1));
  }
}

Status IndexStore::DeleteAllLists(const WriteToken& token) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  return conn_->Exec("DELETE FROM postings");
}

Result<std::vector<int64_t>> IndexStore::Tombstones() {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT docid FROM tombstones ORDER BY docid"));
  ResetOnExit reset(st);
  std::vector<int64_t> out;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return out;
    out.push_back(st->ColumnInt(0));
  }
}

Result<int64_t> IndexStore::CountTombstones() { return Count("SELECT count(*) FROM tombstones"); }

Status IndexStore::AddTombstone(const WriteToken& token, int64_t docid) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("INSERT OR IGNORE INTO tombstones(docid) VALUES (?1)"));
  st->Bind(1, docid);
  return st->Run();
}

Status IndexStore::DeleteAllTombstones(const WriteToken& token) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  return conn_->Exec("DELETE FROM tombstones");
}

Status IndexStore::ForEachListOfTerm(
    std::string_view term, const std::function<Status(int64_t seg, std::string_view data)>& visit) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT seg, data FROM postings WHERE term = ?1 ORDER BY seg"));
  ResetOnExit reset(st);
  st->BindBlob(1, term);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::Ok();
    SAIKI_RETURN_IF_ERROR(visit(st->ColumnInt(0), st->ColumnBlob(1)));
  }
}

Status IndexStore::ReadListsOfTerm(
    std::string_view term, const std::function<Status(int64_t seg, std::string data)>& visit) {
  // length() of a blob reads no overflow page, and the CASE leaves a long
  // list's bytes unread by the statement.
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT seg, rowid, length(data), "
                     "CASE WHEN length(data) < ?2 THEN data END "
                     "FROM postings WHERE term = ?1 ORDER BY seg"));
  ResetOnExit reset(st);
  st->BindBlob(1, term);
  st->Bind(2, kDirectListBytes);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::Ok();
    const int64_t seg = st->ColumnInt(0);
    const int64_t bytes = st->ColumnInt(2);
    if (bytes < kDirectListBytes) {
      SAIKI_RETURN_IF_ERROR(visit(seg, std::string(st->ColumnBlob(3))));
      continue;
    }
    SAIKI_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> blob,
                           conn_->OpenBlob("postings", "data", st->ColumnInt(1)));
    std::string data(blob->size(), '\0');
    SAIKI_RETURN_IF_ERROR(blob->Read(0, std::span<char>(data.data(), data.size())));
    blob.reset();
    SAIKI_RETURN_IF_ERROR(visit(seg, std::move(data)));
  }
}

Status IndexStore::ForEachList(const std::function<Status(const PostingListView&)>& visit) {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT term, seg, df, data FROM postings"));
  ResetOnExit reset(st);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::Ok();
    PostingListView v;
    v.term = st->ColumnBlob(0);
    v.seg = st->ColumnInt(1);
    v.df = st->ColumnInt(2);
    v.data = st->ColumnBlob(3);
    SAIKI_RETURN_IF_ERROR(visit(v));
  }
}

Result<std::optional<std::string>> IndexStore::TermAtLeast(std::string_view key) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT term FROM postings WHERE term >= ?1 ORDER BY term LIMIT 1"));
  ResetOnExit reset(st);
  st->BindBlob(1, key);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(st->ColumnBlob(0)));
}

Result<int64_t> IndexStore::TermDf(std::string_view term) {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT coalesce(sum(df), 0) FROM postings WHERE term = ?1"));
  ResetOnExit reset(st);
  st->BindBlob(1, term);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  return row ? st->ColumnInt(0) : int64_t{0};
}

Result<std::vector<std::pair<std::string, int64_t>>> IndexStore::TermsWithPrefix(
    std::string_view prefix, int64_t limit) {
  std::vector<std::pair<std::string, int64_t>> out;
  if (prefix.empty()) return out;
  std::string upper(prefix);
  upper.push_back('\xFF');  // above every UTF-8 continuation of the prefix
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("SELECT term, sum(df) AS n FROM postings WHERE term >= ?1 AND term < ?2 "
                     "GROUP BY term ORDER BY n DESC, term LIMIT ?3"));
  ResetOnExit reset(st);
  st->BindBlob(1, prefix).BindBlob(2, upper).Bind(3, limit);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return out;
    out.emplace_back(std::string(st->ColumnBlob(0)), st->ColumnInt(1));
  }
}

Result<std::vector<std::string>> IndexStore::DistinctTerms() {
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("SELECT DISTINCT term FROM postings ORDER BY term"));
  ResetOnExit reset(st);
  std::vector<std::string> terms;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return terms;
    terms.emplace_back(st->ColumnBlob(0));
  }
}

Result<int64_t> IndexStore::CountLists() { return Count("SELECT count(*) FROM postings"); }

Result<int64_t> IndexStore::ListBytes() {
  return Count("SELECT coalesce(sum(length(data)), 0) FROM postings");
}

Status IndexStore::InsertList(const WriteToken& token, std::string_view term, int64_t seg,
                              int64_t df, std::string_view data) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st,
      conn_->Prepare("INSERT INTO postings(term, seg, df, data) VALUES (?1, ?2, ?3, ?4)"));
  st->BindBlob(1, term).Bind(2, seg).Bind(3, df).BindBlob(4, data);
  return st->Run();
}

Status IndexStore::DeleteListsOfTerm(const WriteToken& token, std::string_view term) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(Statement * st, conn_->Prepare("DELETE FROM postings WHERE term = ?1"));
  st->BindBlob(1, term);
  return st->Run();
}

Result<std::vector<int64_t>> IndexStore::ListRowids() {
  SAIKI_ASSIGN_OR_RETURN(Statement * st, conn_->Prepare("SELECT rowid FROM postings"));
  ResetOnExit reset(st);
  std::vector<int64_t> rowids;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return rowids;
    rowids.push_back(st->ColumnInt(0));
  }
}

Result<std::optional<PostingListRow>> IndexStore::GetListByRowid(int64_t rowid) {
  SAIKI_ASSIGN_OR_RETURN(
      Statement * st, conn_->Prepare("SELECT term, seg, df, data FROM postings WHERE rowid = ?1"));
  ResetOnExit reset(st);
  st->Bind(1, rowid);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<PostingListRow>();
  PostingListRow r;
  r.term = st->ColumnBlob(0);
  r.seg = st->ColumnInt(1);
  r.df = st->ColumnInt(2);
  r.data = st->ColumnBlob(3);
  return std::optional<PostingListRow>(std::move(r));
}

Status IndexStore::UpdateListData(const WriteToken& token, int64_t rowid, std::string_view data) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  SAIKI_ASSIGN_OR_RETURN(Statement * st,
                         conn_->Prepare("UPDATE postings SET data = ?2 WHERE rowid = ?1"));
  st->Bind(1, rowid).BindBlob(2, data);
  return st->Run();
}

Status IndexStore::IncrementalVacuum(const WriteToken& token) {
  SAIKI_RETURN_IF_ERROR(token.CheckFor(conn_));
  return conn_->Exec("PRAGMA incremental_vacuum");
}

}  // namespace saiki::storage
