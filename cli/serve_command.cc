// `saiki serve`'s options, and how the `saiki` executable runs it: by handing
// the process to saiki-serve, the same commands with the HTTP server linked
// in (cli/serve_main.cc). The server needs cpp-httplib, which loads OpenSSL:
// linked into `saiki`, the dynamic loader and OpenSSL's start-up cost every
// command some 3.5 ms (README "Design notes"), for one command that is a
// long-running process anyway.
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "cli/cli.h"

namespace saiki::cli {

void AddServeCommand(CLI::App& app, Globals& g, int& rc, ServeRunner run, char** argv) {
  auto* serve = app.add_subcommand(
      "serve",
      "serve the HTTP/JSON API and the console (README \"Using the HTTP API\"); loopback only\n"
      "unless --token is given");
  static ServeFlags f;
  serve->add_option("--listen", f.listen,
                    "HOST:PORT, [IPV6]:PORT (default 127.0.0.1:8700; port 0 picks one)");
  serve->add_option("--token", f.token,
                    "require 'Authorization: Bearer TOKEN' of every API request (16+ chars; "
                    "default $SAIKI_TOKEN); needed for a non-loopback address");
  serve->add_option("--cors-origin", f.cors_origin,
                    "allow this one origin (e.g. http://localhost:5173) to call the API from "
                    "a page (default: CORS off)");
  serve->add_option("--threads", f.threads, "worker threads (default 16)")
      ->check(CLI::Range(1, 256));
  serve->add_option("--max-body", f.max_body_kib, "largest JSON body, KiB (default 64)")
      ->check(CLI::Range(1, 16384));
  serve->add_option("--max-upload", f.max_upload_mib, "largest CSV upload, MiB (default 64)")
      ->check(CLI::Range(1, 4096));
  serve
      ->add_option("--rate", f.rate,
                   "requests per second per client address (default 200; 0: no limit)")
      ->check(CLI::Range(0.0, 1e9));
  serve->add_option("--burst", f.burst, "requests allowed at once above the rate (default 400)")
      ->check(CLI::Range(1.0, 1e9));
  serve
      ->add_option("--pooled-every", f.pooled_every,
                   "with learn.pooled_at apart, run the pooled learners (position bias, the "
                   "global candidate) every SECONDS (default 60; 0: never, leave it to POST "
                   "/api/model/pooled)")
      ->check(CLI::Range(0.0, 86400.0));
  serve->callback([&g, &rc, run, argv] { rc = run(g, f, argv); });
}

int ForwardServe(const Globals&, const ServeFlags&, char** argv) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    std::cerr << "saiki serve: cannot find this program's own path (/proc/self/exe: "
              << std::strerror(errno) << "), so not where saiki-serve is\n";
    return kExitIo;
  }
  std::string path(self, static_cast<size_t>(n));
  path = path.substr(0, path.rfind('/') + 1) + "saiki-serve";
  // Nothing is buffered yet (serve prints nothing before this), but what
  // would be is lost by execv.
  std::cout.flush();
  std::fflush(nullptr);
  execv(path.c_str(), argv);
  int err = errno;
  std::cerr << "saiki serve: cannot run " << path << ": " << std::strerror(err)
            << "\n  the server is the program saiki-serve, run from the directory of saiki "
               "itself: install it there (cmake --install installs both), or build with "
               "-DSAIKI_BUILD_SERVER=ON\n";
  return err == ENOENT || err == ENOTDIR ? kExitNotFound : kExitIo;
}

}  // namespace saiki::cli
