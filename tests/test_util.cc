#include "tests/test_util.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace saiki::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/saiki-test-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Quote(const std::string& arg) {
  std::string q = "'";
  for (char c : arg) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

std::string SourcePath(const std::string& relative) {
  // Reserved, then appended: GCC 12 at -O1 warns falsely (-Warray-bounds)
  // on a short string joined with operator+.
  std::string path;
  path.reserve(512);
  path.append(SAIKI_SOURCE_DIR).append("/").append(relative);
  return path;
}

CommandResult RunCli(const std::string& args, const std::string& stdin_text) {
  return RunCliWrapped("", args, stdin_text);
}

CommandResult RunCliWrapped(const std::string& wrapper, const std::string& args,
                            const std::string& stdin_text) {
  TempDir io;
  WriteFile(io.File("in"), stdin_text);
  std::string cmd = (wrapper.empty() ? "" : wrapper + " ") + std::string(SAIKI_CLI_PATH) + " " +
                    args + " <" + Quote(io.File("in")) +
                    " >" + Quote(io.File("out")) + " 2>" + Quote(io.File("err"));
  int status = std::system(cmd.c_str());
  CommandResult r;
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else if (status != -1 && WIFSIGNALED(status)) r.exit_code = 128 + WTERMSIG(status);
  r.out = ReadFile(io.File("out"));
  r.err = ReadFile(io.File("err"));
  return r;
}

std::string PetCatalog(const std::string& prefix, int n, int offset, const std::string& tag) {
  static const char* kAnimals[] = {"犬", "猫", "小鳥", "うさぎ", "ハムスター"};
  static const char* kThings[] = {"ベッド", "フード", "おやつ", "首輪", "ハーネス", "おもちゃ"};
  std::string csv = "id,title,description,brand,category,price,rating,review_count,tags\n";
  for (int i = offset; i < offset + n; ++i) {
    const char* a = kAnimals[i % 5];
    const char* t = kThings[(i / 5) % 6];
    csv += prefix + std::to_string(i) + "," + a + "用 " + t + " " + tag + std::to_string(i) +
           ",説明 " + a + " " + t + ",ブランド" + std::to_string(i % 7) + ",ペット用品>" + a +
           "用品>" + t + "," + std::to_string(300 + (i * 37) % 5000) + ",4." +
           std::to_string(i % 10) + "," + std::to_string(i % 50) + ",送料無料\n";
  }
  return csv;
}

namespace {

uint64_t Fnv(uint64_t h, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

[[noreturn]] void SqliteFailed(sqlite3* db, const std::string& what) {
  throw std::runtime_error(what + ": " + (db ? sqlite3_errmsg(db) : "no connection"));
}

// Opens `path` read-write (so that a WAL is recovered) and runs `fn`.
template <typename Fn>
std::string WithFile(const std::string& path, Fn fn) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path + ": " + msg);
  }
  std::string out;
  try {
    out = fn(db);
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  sqlite3_close(db);
  return out;
}

}  // namespace

std::string ContentDigest(sqlite3* db) {
  std::vector<std::string> tables;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name",
                         -1, &st, nullptr) != SQLITE_OK) {
    SqliteFailed(db, "listing tables");
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  std::string out;
  for (const std::string& t : tables) {
    std::string sql = "SELECT * FROM \"" + t + "\"";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      SqliteFailed(db, "reading " + t);
    }
    std::vector<std::string> rows;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        int type = sqlite3_column_type(st, c);
        row += static_cast<char>('0' + type);
        if (type == SQLITE_INTEGER) {
          row += std::to_string(sqlite3_column_int64(st, c));
        } else if (type == SQLITE_FLOAT) {
          double v = sqlite3_column_double(st, c);
          row.append(reinterpret_cast<const char*>(&v), sizeof v);
        } else if (type != SQLITE_NULL) {
          const void* b = sqlite3_column_blob(st, c);
          int n = sqlite3_column_bytes(st, c);
          row += std::to_string(n) + ":";
          if (n > 0) row.append(static_cast<const char*>(b), n);
        }
        row += '|';
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) SqliteFailed(db, "reading " + t);
    std::sort(rows.begin(), rows.end());
    uint64_t h = 1469598103934665603ull;
    for (const auto& r : rows) h = Fnv(h, r.data(), r.size() + 1);
    out += t + ":" + std::to_string(rows.size()) + ":" + std::to_string(h) + " ";
  }
  return out;
}

std::string FileDigest(const std::string& path) {
  return WithFile(path, [](sqlite3* db) { return ContentDigest(db); });
}

void RemoveDb(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ec;
    std::filesystem::remove(path + suffix, ec);
  }
}

void CopyDb(const std::string& from, const std::string& to) {
  RemoveDb(to);
  for (const char* suffix : {"", "-wal"}) {
    if (std::filesystem::exists(from + suffix)) {
      std::filesystem::copy_file(from + suffix, to + suffix);
    }
  }
}

std::string IntegrityCheck(const std::string& path) {
  return WithFile(path, [](sqlite3* db) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) != SQLITE_OK) {
      SqliteFailed(db, "integrity_check");
    }
    std::string out;
    while (sqlite3_step(st) == SQLITE_ROW) {
      if (!out.empty()) out += "\n";
      out += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
  });
}

ChildProcess::ChildProcess(const std::function<int(int out)>& body) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::close(fds[0]);
    int code = 100;
    try {
      code = body(fds[1]);
    } catch (...) {
      code = 100;
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  in_ = fds[0];
}

ChildProcess::~ChildProcess() {
  if (!reaped_ && pid_ > 0) {
    Kill();
    ::waitpid(pid_, &status_, 0);
  }
  if (in_ >= 0) ::close(in_);
}

void ChildProcess::Read(const std::function<void(std::string_view)>& chunk) {
  if (in_ < 0) return;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(in_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    chunk(std::string_view(buf, static_cast<size_t>(n)));
  }
  ::close(in_);
  in_ = -1;
}

std::string ChildProcess::ReadAll() {
  std::string all;
  Read([&](std::string_view c) { all.append(c); });
  return all;
}

void ChildProcess::Kill() {
  if (kill_sent_ || reaped_ || pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  kill_sent_ = true;
}

void ChildProcess::Wait() {
  if (reaped_) return;
  Read([](std::string_view) {});
  while (::waitpid(pid_, &status_, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  reaped_ = true;
}

bool ChildProcess::exited() const { return reaped_ && WIFEXITED(status_); }
int ChildProcess::exit_code() const { return exited() ? WEXITSTATUS(status_) : -1; }
bool ChildProcess::killed() const {
  return reaped_ && WIFSIGNALED(status_) && WTERMSIG(status_) == SIGKILL;
}
std::string ChildProcess::Describe() const {
  if (!reaped_) return "running";
  if (WIFEXITED(status_)) return "exit " + std::to_string(WEXITSTATUS(status_));
  if (WIFSIGNALED(status_)) return "signal " + std::to_string(WTERMSIG(status_));
  return "status " + std::to_string(status_);
}

bool WriteAll(int fd, std::string_view bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

long PeakRssKb() {
  struct rusage u;
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace saiki::testing
