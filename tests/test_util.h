// Helpers shared by the tests: a temporary directory per test (hermetic), and
// running the CLI as a child process to check what a user sees.
#ifndef SAIKI_TESTS_TEST_UTIL_H_
#define SAIKI_TESTS_TEST_UTIL_H_

#include <string>

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

// Shell-quotes one argument.
std::string Quote(const std::string& arg);

// Path of a file in the source tree, e.g. SourcePath("datasets/catalog.csv").
std::string SourcePath(const std::string& relative);

}  // namespace saiki::testing

#endif  // SAIKI_TESTS_TEST_UTIL_H_
