// A thin RAII layer over the SQLite C API: a connection with a cache of
// prepared statements, statements with typed binds and column reads, and a
// scoped transaction. This is the only place SQLite result codes become a
// Status (FromSqlite), so every caller gets the same messages and codes
// (SQLITE_BUSY -> kBusy, SQLITE_NOTADB/CORRUPT -> kCorruption, ...).
//
// Thread-safety: a Connection and its statements belong to one thread at a
// time (SQLite's multi-thread mode); open one Connection per thread.
#ifndef SAIKI_STORAGE_SQLITE_H_
#define SAIKI_STORAGE_SQLITE_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "saiki/status.h"

struct sqlite3;
struct sqlite3_stmt;
struct sqlite3_blob;

namespace saiki::storage {

class BlobReader;
class Connection;
class WriteToken;
class WriteTransaction;

// A prepared statement. Obtained from Connection::Prepare (cached, owned by
// the connection) and reset automatically by the next Bind* after a Step.
class Statement {
 public:
  Statement(Connection* conn, sqlite3_stmt* stmt) : conn_(conn), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Resets the statement and clears its bindings. Call before binding anew.
  Statement& Reset();
  // Parameters are 1-based as in SQLite. Text and blobs are copied.
  Statement& Bind(int index, int64_t value);
  Statement& BindDouble(int index, double value);
  Statement& BindText(int index, std::string_view value);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);

  // Steps once: true when a row is available, false when done.
  Result<bool> Step();
  // Steps until done (for statements that return no rows of interest).
  Status Run();

  int64_t ColumnInt(int col) const;
  double ColumnDouble(int col) const;
  bool ColumnIsNull(int col) const;
  // Views stay valid until the next Step/Reset of this statement.
  std::string_view ColumnText(int col) const;
  std::string_view ColumnBlob(int col) const;

 private:
  Connection* conn_;
  sqlite3_stmt* stmt_;
  Status bind_status_;  // first bind error, reported by Step()
};

struct ConnectionOptions {
  bool create_if_missing = true;
  bool read_only = false;
  int busy_timeout_ms = 5000;
};

class Connection {
 public:
  // Opens `path`. A new file is created with owner-only permissions (0600).
  // Fails with kNotFound when the file is missing and create_if_missing is
  // false, kIoError when it cannot be opened.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path,
                                                  const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more SQL statements with no parameters and no results.
  Status Exec(const char* sql);
  // Runs one statement with no parameters whose rows are not wanted,
  // prepared once and cached (Prepare): for the BEGIN and COMMIT of every
  // transaction, which Exec would parse again each time.
  Status ExecCached(const char* sql);
  // Returns a cached prepared statement for `sql`, reset and unbound. The
  // pointer stays valid for the connection's lifetime. Do not use the same
  // statement in two nested loops.
  Result<Statement*> Prepare(const char* sql);
  // Opens the blob in `column` of row `rowid` of `table` for reading at
  // offsets (SQLite's incremental blob I/O: the bytes go straight to the
  // caller's memory, not through a copy of SQLite's own). An error naming
  // the blob when the row is missing (SQLite says "no such rowid").
  Result<std::unique_ptr<BlobReader>> OpenBlob(const char* table, const char* column,
                                               int64_t rowid);

  // Converts an SQLite result code into a Status with `context`.
  Status FromSqlite(int rc, std::string_view context) const;

  // Copies the WAL into the file and truncates it (PRAGMA
  // wal_checkpoint(TRUNCATE)), so that old copies of overwritten pages leave
  // the disk. Best effort: a reader holding an old snapshot makes it stop
  // short, and that is not an error.
  void CheckpointTruncate();
  // Copies what it can of the WAL into the file without waiting for
  // readers or writers (SQLITE_CHECKPOINT_PASSIVE). Best effort.
  void CheckpointPassive();
  // True inside BEGIN ... COMMIT (SQLite is not in autocommit mode).
  bool InTransaction() const;
  int64_t LastInsertRowid() const;
  int Changes() const;
  const std::string& path() const { return path_; }
  sqlite3* raw() { return db_; }


 private:
  friend class WriteTransaction;
  friend class RollbackJournalScope;
  Connection() = default;
  sqlite3* db_ = nullptr;
  std::string path_;
  int busy_timeout_ms_ = 0;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// A blob open for reading (Connection::OpenBlob), closed on destruction.
// Valid while the transaction it was opened in is: a read snapshot's
// blob reads that snapshot's bytes. Not copyable; one thread, as its
// Connection.
class BlobReader {
 public:
  ~BlobReader();
  BlobReader(const BlobReader&) = delete;
  BlobReader& operator=(const BlobReader&) = delete;
  size_t size() const { return size_; }
  // Copies bytes [offset, offset + out.size()) into `out`. kCorruption
  // naming the blob and the range when it goes past the end; SQLite's
  // errors (FromSqlite) otherwise.
  Status Read(size_t offset, std::span<char> out);

 private:
  friend class Connection;
  BlobReader(Connection* conn, sqlite3_blob* blob, size_t size, std::string where)
      : conn_(conn), blob_(blob), size_(size), where_(std::move(where)) {}
  Connection* conn_;
  sqlite3_blob* blob_;
  size_t size_;
  std::string where_;  // "segments.docs of row 7"
};

// Resets `st` when the scope ends, so that a read leaves no statement
// mid-scan (holding its read snapshot and its column buffers) on whatever
// path it returns. Column views die with the reset: copy what outlives the
// scope before it ends (a `return` expression is evaluated before).
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement* st) : st_(st) {}
  ~ResetOnExit() { st_->Reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement* st_;
};

// Proof that a write transaction is open on a connection. Only a
// WriteTransaction makes one, and only a top-level call of the public API
// begins a WriteTransaction; everything below it that writes (the stores'
// writing methods) takes the token by const reference. So an inner function
// cannot write outside a transaction, and cannot open one of its own inside
// another: the shape that once gave "cannot start a transaction within a
// transaction" cannot be written. Valid while its transaction is.
class WriteToken {
 public:
  WriteToken(const WriteToken&) = delete;
  WriteToken& operator=(const WriteToken&) = delete;
  Connection* conn() const { return conn_; }
  // OK when this token's transaction is on `conn`; kInternal otherwise (a
  // store handed another connection's token would write outside any
  // transaction of its own). Every store's writing method checks it.
  Status CheckFor(const Connection* conn) const;

 private:
  friend class WriteTransaction;
  explicit WriteToken(Connection* conn) : conn_(conn) {}
  Connection* conn_;
};

// BEGIN IMMEDIATE on Begin (taking the write lock up front, so a busy
// database fails at the start, not halfway), ROLLBACK on destruction unless
// Commit() succeeded. Begin on a connection already inside a transaction is
// a bug in saiki and fails with kInternal, naming it.
class WriteTransaction {
 public:
  static Result<std::unique_ptr<WriteTransaction>> Begin(Connection* conn);
  // As Begin, without waiting for the write lock: kBusy at once when another
  // connection holds it (for optional writes, such as storing a cache).
  static Result<std::unique_ptr<WriteTransaction>> TryBegin(Connection* conn);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  const WriteToken& token() const { return token_; }
  // COMMIT. On failure the transaction is rolled back (by the destructor)
  // and nothing it wrote is in the file.
  Status Commit();

 private:
  explicit WriteTransaction(Connection* conn) : conn_(conn), token_(conn) {}
  Connection* conn_;
  WriteToken token_;
  bool done_ = false;
};

// Runs each of `statements` in the token's transaction, with `bind` setting
// their parameters (the same for all: a user, a journal position), and
// returns the rows they changed in all. For the stores' multi-table deletes.
Result<uint64_t> RunEach(const WriteToken& t, std::initializer_list<const char*> statements,
                         const std::function<void(Statement*)>& bind);

// For a bulk write into a nearly empty file: while alive, the connection
// (in WAL mode, outside a transaction) writes through a rollback journal
// with synchronous=FULL instead of the WAL, if no other connection has the
// file open; otherwise nothing changes and active() is false. In WAL mode
// every new page is written twice, to the WAL and again by the checkpoint
// (in 4,120-byte frames that are not block-aligned); a rollback journal
// holds only the pages the file had before, so an import into an empty
// file writes its pages once, aligned, into the file. Atomic and durable
// like WAL mode: a crash leaves a journal that rolls the file back. The
// cost: once the writer spills pages into the file, other connections wait
// for it up to their busy timeout instead of reading the last commit. On
// destruction the file goes back to WAL with synchronous=NORMAL (if that
// fails, it stays in rollback mode with FULL sync, which is safe, and the
// next open puts it back in WAL).
class RollbackJournalScope {
 public:
  explicit RollbackJournalScope(Connection* conn);
  ~RollbackJournalScope();
  RollbackJournalScope(const RollbackJournalScope&) = delete;
  RollbackJournalScope& operator=(const RollbackJournalScope&) = delete;
  bool active() const { return active_; }

 private:
  Connection* conn_;
  bool active_ = false;
};

// A read snapshot: BEGIN (deferred) and a first read, so that every query
// until End() (or destruction) sees the database as of one moment, whatever
// other connections commit meanwhile (WAL). Nested use is a no-op: inside an
// open transaction it neither begins nor ends one.
class ReadTransaction {
 public:
  explicit ReadTransaction(Connection* conn) : conn_(conn) {}
  ~ReadTransaction() { (void)End(); }
  Status Begin();
  Status End();

 private:
  Connection* conn_;
  bool owns_ = false;
};

}  // namespace saiki::storage

#endif  // SAIKI_STORAGE_SQLITE_H_
