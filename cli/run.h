// The `saiki` command's entry point, shared by its two executables:
//   saiki        every command; `serve` hands the process to saiki-serve
//                (ForwardServe), so the command does not load cpp-httplib and
//                OpenSSL, which only the server needs;
//   saiki-serve  the same commands, with `serve` run in process (the server
//                linked in: cli/serve_main.cc).
// Both are built from the same objects (cli/*.cc but the two mains); only the
// ServeRunner their main passes differs. This header stays free of CLI11 so
// that the mains compile in no time.
#ifndef SAIKI_CLI_RUN_H_
#define SAIKI_CLI_RUN_H_

namespace saiki::cli {

struct Globals;
struct ServeFlags;

// How this executable runs `serve`, once its options are parsed (and
// checked). `argv` is main's argv, unchanged. Returns the exit status.
using ServeRunner = int (*)(const Globals& g, const ServeFlags& flags, char** argv);

// Parses argv, runs the command and returns the exit status (cli.h, README
// "Exit statuses"). `serve` == nullptr: no `serve` command (built with
// SAIKI_BUILD_SERVER=OFF).
int RunCli(int argc, char** argv, ServeRunner serve);

// saiki's runner: replaces this process (execv: same pid, so signals and
// whoever waits for it see saiki-serve) with the saiki-serve that lies in the
// same directory as the running executable (/proc/self/exe, symbolic links
// resolved), given the same argv, which it parses the same way. Returns only
// when it cannot: after printing the path it looked for and why, 4 when
// there is no such file, 7 when it exists but cannot be run.
int ForwardServe(const Globals& g, const ServeFlags& flags, char** argv);

}  // namespace saiki::cli

#endif  // SAIKI_CLI_RUN_H_
