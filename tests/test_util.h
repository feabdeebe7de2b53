// Helpers shared by the tests: a temporary directory per test (hermetic), and
// running the CLI as a child process to check what a user sees.
#ifndef SAIKI_TESTS_TEST_UTIL_H_
#define SAIKI_TESTS_TEST_UTIL_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

struct sqlite3;

namespace saiki::testing {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `content` to `path` (binary), replacing it.
void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

struct CommandResult {
  int exit_code = -1;   // exit status, or 128+signal
  std::string out;      // stdout
  std::string err;      // stderr
};

// Runs the saiki CLI with `args` (already shell-quoted by the caller where
// needed), feeding `stdin_text` on standard input.
CommandResult RunCli(const std::string& args, const std::string& stdin_text = "");
// The same, the CLI started through `wrapper` (a command prefix such as
// "setpriv ...", already quoted).
CommandResult RunCliWrapped(const std::string& wrapper, const std::string& args,
                            const std::string& stdin_text = "");

// Shell-quotes one argument.
std::string Quote(const std::string& arg);

// Path of a file in the source tree, e.g. SourcePath("datasets/catalog.csv").
std::string SourcePath(const std::string& relative);

// A CSV catalogue of `n` pet products with ids PREFIX<offset>.., varied
// enough for searches (犬, 猫 フード, ベッド...); `tag` is added to titles.
std::string PetCatalog(const std::string& prefix, int n, int offset = 0,
                       const std::string& tag = "");

// "table:rows:hash ..." over every table of the open database, rows sorted:
// equal strings mean equal content. Throws std::runtime_error on an SQLite
// error.
std::string ContentDigest(sqlite3* db);
// The same for a database file (opened read-write, so a WAL is recovered).
std::string FileDigest(const std::string& path);
// PRAGMA integrity_check of a database file, its lines joined ("ok").
std::string IntegrityCheck(const std::string& path);
// Removes a database file and its -wal, -shm and -journal files, if any.
void RemoveDb(const std::string& path);
// Copies a closed database (its WAL, if any, too) over `to`.
void CopyDb(const std::string& from, const std::string& to);

// A forked child process running `body(out)`, where `out` is the write end
// of a pipe to the parent; the child then _exits with body's return value
// (100 if body threw, e.g. a failed REQUIRE), so it never runs the rest of
// the test or the parent's destructors. Used by the tests that kill, pause
// or measure a process: crash, concurrency, disk-full, fuzz regressions.
// Throws std::runtime_error when pipe or fork fails.
class ChildProcess {
 public:
  explicit ChildProcess(const std::function<int(int out)>& body);
  ~ChildProcess();  // SIGKILLs and reaps a child not waited for
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Reads the pipe until every writer has closed it (the child exited),
  // handing each chunk to `chunk` as it arrives (which may Kill()).
  void Read(const std::function<void(std::string_view)>& chunk);
  std::string ReadAll();  // Read() into one string
  void Kill();            // SIGKILL (once)
  // Reaps the child (reading the pipe to its end first, so that a child
  // blocked on a full pipe cannot deadlock the wait).
  void Wait();
  bool exited() const;       // after Wait(): by _exit/exit
  int exit_code() const;     // after Wait(): the status if exited, else -1
  bool killed() const;       // after Wait(): by SIGKILL
  std::string Describe() const;  // "exit 0", "signal 9"

 private:
  pid_t pid_ = -1;
  int in_ = -1;  // read end
  int status_ = 0;
  bool reaped_ = false;
  bool kill_sent_ = false;
};

// Writes all of `bytes` to `fd` (retrying short writes); false on error.
bool WriteAll(int fd, std::string_view bytes);

// The peak resident set size of this process so far, in KiB
// (getrusage ru_maxrss). A child measures its own growth with two calls.
long PeakRssKb();

}  // namespace saiki::testing

#endif  // SAIKI_TESTS_TEST_UTIL_H_
