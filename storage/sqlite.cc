// SQLite wrapper implementation. See sqlite.h for the contracts.
#include "storage/sqlite.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace saiki::storage {

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = Status::Ok();
  return *this;
}

namespace {
// Records the first failing bind so that Step() can report it.
void NoteBind(Status* status, const Connection* conn, int rc) {
  if (rc != SQLITE_OK && status->ok()) *status = conn->FromSqlite(rc, "bind");
}
}  // namespace

Statement& Statement::Bind(int index, int64_t value) {
  NoteBind(&bind_status_, conn_, sqlite3_bind_int64(stmt_, index, value));
  return *this;
}
Statement& Statement::BindDouble(int index, double value) {
  NoteBind(&bind_status_, conn_, sqlite3_bind_double(stmt_, index, value));
  return *this;
}
Statement& Statement::BindText(int index, std::string_view value) {
  // An empty view may have a null data pointer, which SQLite would store as
  // NULL: an empty string must stay an empty string.
  NoteBind(&bind_status_, conn_,
           sqlite3_bind_text64(stmt_, index, value.data() ? value.data() : "", value.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}
Statement& Statement::BindBlob(int index, std::string_view bytes) {
  // A zero-length blob must still be a blob, not NULL: pass a valid pointer.
  static const char kEmpty = 0;
  NoteBind(&bind_status_, conn_,
           sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(),
                               bytes.size(), SQLITE_TRANSIENT));
  return *this;
}
Statement& Statement::BindNull(int index) {
  NoteBind(&bind_status_, conn_, sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Statement::Step() {
  if (!bind_status_.ok()) return bind_status_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status s = conn_->FromSqlite(rc, sqlite3_sql(stmt_));
  sqlite3_reset(stmt_);
  return s;
}

Status Statement::Run() {
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }
bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
std::string_view Statement::ColumnText(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string_view(reinterpret_cast<const char*>(p), n) : std::string_view();
}
std::string_view Statement::ColumnBlob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string_view(static_cast<const char*>(p), n) : std::string_view();
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                     const ConnectionOptions& options) {
  struct stat st;
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (!exists) {
    if (!options.create_if_missing || options.read_only) {
      return Status::NotFound(path + ": no such database file");
    }
    // Create it ourselves so that it is owner-only from the first byte:
    // SQLite would use 0644 minus umask, and the -wal/-shm files copy the
    // main file's mode.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
      return Status::IoError(path + ": cannot create database file: " + std::strerror(errno));
    }
    if (fd >= 0) ::close(fd);
  } else if (S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(path + ": is a directory, not a database file");
  }

  std::unique_ptr<Connection> conn(new Connection());
  conn->path_ = path;
  int flags = options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &conn->db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = conn->FromSqlite(rc, "open " + path);
    return s;
  }
  sqlite3_extended_result_codes(conn->db_, 1);
  sqlite3_busy_timeout(conn->db_, options.busy_timeout_ms);
  conn->busy_timeout_ms_ = options.busy_timeout_ms;
  return conn;
}

Connection::~Connection() {
  cache_.clear();  // finalize statements before closing
  if (db_) sqlite3_close(db_);
}

Status Connection::Exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  return FromSqlite(rc, msg);
}

Status Connection::ExecCached(const char* sql) {
  SAIKI_ASSIGN_OR_RETURN(Statement * st, Prepare(sql));
  Status s = st->Run();
  st->Reset();  // no statement of a transaction's own stays open
  return s;
}

Result<std::unique_ptr<BlobReader>> Connection::OpenBlob(const char* table, const char* column,
                                                        int64_t rowid) {
  sqlite3_blob* blob = nullptr;
  const int rc = sqlite3_blob_open(db_, "main", table, column, rowid, 0, &blob);
  std::string where = std::string(table) + "." + column + " of row " + std::to_string(rowid);
  if (rc != SQLITE_OK) {
    sqlite3_blob_close(blob);  // a no-op on nullptr
    return FromSqlite(rc, "open blob " + where);
  }
  const int bytes = sqlite3_blob_bytes(blob);
  return std::unique_ptr<BlobReader>(
      new BlobReader(this, blob, static_cast<size_t>(std::max(bytes, 0)), std::move(where)));
}

BlobReader::~BlobReader() { sqlite3_blob_close(blob_); }

Status BlobReader::Read(size_t offset, std::span<char> out) {
  if (offset > size_ || out.size() > size_ - offset) {
    return Status::Corruption(conn_->path() + ": " + where_ + " is " + std::to_string(size_) +
                              " bytes; bytes " + std::to_string(offset) + ".." +
                              std::to_string(offset + out.size()) + " were asked for");
  }
  if (out.empty()) return Status::Ok();
  auto read = [&] {
    const int rc = sqlite3_blob_read(blob_, out.data(), static_cast<int>(out.size()),
                                     static_cast<int>(offset));
    return rc == SQLITE_OK ? Status::Ok() : conn_->FromSqlite(rc, "read blob " + where_);
  };
  // SQLite reads each overflow page of a blob into the page cache and
  // copies it out from there (this build has no direct overflow reads), so
  // a long read grows the cache to its limit (2 MB by default) with pages
  // nobody reads again, each a fresh allocation whose first write is a
  // page fault: 485 of the 1,161 of a cold `saiki search` at 1M products,
  // for the 16 MB hot column. A few pages of cache suffice while it lasts.
  constexpr size_t kStreamedRead = size_t{1} << 20;
  if (out.size() < kStreamedRead) return read();
  SAIKI_ASSIGN_OR_RETURN(Statement * get, conn_->Prepare("PRAGMA cache_size"));
  int64_t cache = 0;
  {
    ResetOnExit reset(get);
    SAIKI_ASSIGN_OR_RETURN(bool row, get->Step());
    if (!row) return read();
    cache = get->ColumnInt(0);
  }
  SAIKI_RETURN_IF_ERROR(conn_->ExecCached("PRAGMA cache_size=16"));
  const Status s = read();
  const std::string restore = "PRAGMA cache_size=" + std::to_string(cache);
  const Status restored = conn_->Exec(restore.c_str());
  return s.ok() ? restored : s;
}

Result<Statement*> Connection::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    it->second->Reset();
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return FromSqlite(rc, std::string("prepare: ") + sql);
  auto owned = std::make_unique<Statement>(this, stmt);
  Statement* raw = owned.get();
  cache_.emplace(sql, std::move(owned));
  return raw;
}

Status Connection::FromSqlite(int rc, std::string_view context) const {
  std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string msg = path_ + ": " + std::string(context) + ": " + detail;
  switch (rc & 0xff) {
    case SQLITE_OK:
      return Status::Ok();
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Busy(path_ + ": database busy (another process holds the lock; "
                          "retry later or raise the busy timeout)");
    case SQLITE_NOTADB:
      return Status::Corruption(path_ + ": file is not a database");
    case SQLITE_CORRUPT:
      return Status::Corruption(msg);
    case SQLITE_FULL:
      return Status::IoError(path_ + ": disk full: " + detail);
    case SQLITE_READONLY:
      return Status::IoError(path_ + ": database is read-only: " + detail);
    case SQLITE_CANTOPEN:
      return Status::IoError(path_ + ": cannot open database file: " + detail);
    case SQLITE_IOERR:
    case SQLITE_PERM:
    case SQLITE_NOMEM:
      return Status::IoError(msg);
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
      return Status::InvalidArgument(msg);
    default:
      return Status::Internal(msg);
  }
}

void Connection::CheckpointTruncate() { (void)Exec("PRAGMA wal_checkpoint(TRUNCATE)"); }
void Connection::CheckpointPassive() { (void)Exec("PRAGMA wal_checkpoint(PASSIVE)"); }

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
int64_t Connection::LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

Status ReadTransaction::Begin() {
  if (owns_ || conn_->InTransaction()) return Status::Ok();
  SAIKI_RETURN_IF_ERROR(conn_->ExecCached("BEGIN"));
  owns_ = true;
  // A deferred transaction takes its snapshot at the first read.
  return conn_->ExecCached("SELECT count(*) FROM sqlite_schema WHERE 0");
}

Status ReadTransaction::End() {
  if (!owns_) return Status::Ok();
  owns_ = false;
  return conn_->ExecCached("COMMIT");
}
int Connection::Changes() const { return sqlite3_changes(db_); }

Result<std::unique_ptr<WriteTransaction>> WriteTransaction::Begin(Connection* conn) {
  if (conn->InTransaction()) {
    return Status::Internal(conn->path() +
                            ": a write transaction was begun inside another transaction "
                            "(only a top-level call may begin one)");
  }
  SAIKI_RETURN_IF_ERROR(conn->ExecCached("BEGIN IMMEDIATE"));
  return std::unique_ptr<WriteTransaction>(new WriteTransaction(conn));
}

Result<std::unique_ptr<WriteTransaction>> WriteTransaction::TryBegin(Connection* conn) {
  sqlite3_busy_timeout(conn->db_, 0);
  auto txn = Begin(conn);
  sqlite3_busy_timeout(conn->db_, conn->busy_timeout_ms_);
  return txn;
}

WriteTransaction::~WriteTransaction() {
  if (!done_ && conn_->InTransaction()) (void)conn_->Exec("ROLLBACK");
}

Status WriteTransaction::Commit() {
  Status s = conn_->ExecCached("COMMIT");
  if (s.ok()) done_ = true;
  return s;
}

namespace {

// Sets the journal mode and returns the mode SQLite reports after it (the
// old one when it could not change), "" on an error.
std::string SetJournalMode(Connection* conn, const char* sql) {
  Result<Statement*> st = conn->Prepare(sql);
  if (!st.ok()) return "";
  Result<bool> row = (*st)->Step();
  std::string mode = row.ok() && *row ? std::string((*st)->ColumnText(0)) : "";
  (*st)->Reset();
  return mode;
}

}  // namespace

RollbackJournalScope::RollbackJournalScope(Connection* conn) : conn_(conn) {
  if (conn->InTransaction()) return;
  // Leaving WAL needs every other connection closed; do not wait for them.
  sqlite3_busy_timeout(conn->db_, 0);
  active_ = SetJournalMode(conn, "PRAGMA journal_mode=DELETE") == "delete";
  sqlite3_busy_timeout(conn->db_, conn->busy_timeout_ms_);
  if (active_ && !conn->Exec("PRAGMA synchronous=FULL").ok()) {
    (void)SetJournalMode(conn, "PRAGMA journal_mode=WAL");
    active_ = false;
  }
}

RollbackJournalScope::~RollbackJournalScope() {
  if (!active_ || conn_->InTransaction()) return;
  if (SetJournalMode(conn_, "PRAGMA journal_mode=WAL") == "wal") {
    (void)conn_->Exec("PRAGMA synchronous=NORMAL");
  }
}

Status WriteToken::CheckFor(const Connection* conn) const {
  if (conn_ == conn) return Status::Ok();
  return Status::Internal(conn->path() + ": a write was given the token of a transaction on " +
                          (conn_ ? conn_->path() : std::string("no connection")) +
                          ", not on this connection");
}

Result<uint64_t> RunEach(const WriteToken& t, std::initializer_list<const char*> statements,
                         const std::function<void(Statement*)>& bind) {
  uint64_t changed = 0;
  for (const char* sql : statements) {
    SAIKI_ASSIGN_OR_RETURN(Statement * st, t.conn()->Prepare(sql));
    bind(st);
    SAIKI_RETURN_IF_ERROR(st->Run());
    changed += static_cast<uint64_t>(t.conn()->Changes());
  }
  return changed;
}

}  // namespace saiki::storage
