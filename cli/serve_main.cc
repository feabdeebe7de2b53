// saiki-serve: the `saiki` commands with `serve` run in this process, the
// HTTP/JSON API and the console (server/), on loopback unless a token is
// given. `saiki serve` execs this program (cli/run.h); run on its own it takes
// the same arguments (`saiki-serve --db F serve --listen ...`). SIGTERM or
// SIGINT stops it once the requests in flight are answered; every answered
// write has committed.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdlib>
#include <future>
#include <iostream>
#include <thread>

#include "cli/cli.h"
#include "cli/run.h"
#include "server/api.h"
#include "server/console_assets.h"
#include "server/http_server.h"

namespace saiki::cli {
namespace {

// The ServeRunner of saiki-serve: runs the server until SIGTERM or SIGINT.
int RunServe(const Globals& g, const ServeFlags& flags, char** /*argv*/) {
  ServeFlags f = flags;
  auto listen = server::ParseListenAddress(f.listen);
  if (!listen.ok()) {
    std::cerr << "saiki serve: " << listen.status().message() << "\n";
    return kExitUsage;
  }
  if (f.token.empty()) {
    const char* env = std::getenv("SAIKI_TOKEN");
    if (env) f.token = env;
  }
  if (!f.token.empty() && f.token.size() < 16) {
    std::cerr << "saiki serve: the token must be at least 16 characters\n";
    return kExitUsage;
  }
  if (!listen->loopback && f.token.empty()) {
    std::cerr << "saiki serve: refusing to listen on " << listen->host
              << ": not a loopback address, and no --token (or $SAIKI_TOKEN) to require of "
                 "every request\n";
    return kExitUsage;
  }

  server::DatabasePool pool([&g] { return OpenDb(g, false); });
  if (Status s = pool.Warm(); !s.ok()) return Fail(s);

  server::ApiOptions api_options;
  api_options.token = f.token;
  api_options.cors_origin = f.cors_origin;
  api_options.max_body_bytes = f.max_body_kib * 1024;
  api_options.max_upload_bytes = f.max_upload_mib * 1024 * 1024;
  api_options.rate_per_second = f.rate;
  api_options.rate_burst = std::max(f.burst, 1.0);
  api_options.assets = server::ConsoleAssets();
  server::Api api(&pool, api_options);
  server::ServerOptions server_options;
  server_options.listen = *listen;
  server_options.threads = f.threads;
  server::HttpServer http(&api, server_options);

  // SIGTERM and SIGINT are blocked in every thread (the workers inherit the
  // mask) and taken by one thread with sigwait, which stops the server:
  // nothing runs in a signal handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (Status s = http.Bind(); !s.ok()) return Fail(s);
  std::string shown_host =
      listen->host.find(':') != std::string::npos ? "[" + listen->host + "]" : listen->host;
  std::cerr << "saiki: serving " << g.db_path << " on http://" << shown_host << ":" << http.port()
            << "/ (console at /, API under /api/" << (f.token.empty() ? "" : ", token required")
            << "); SIGTERM or Ctrl-C stops" << std::endl;

  // The pooled learners, apart from the session closes (learn.pooled_at
  // apart; with close, each step returns at once): every --pooled-every
  // seconds on a thread of its own, so that no request waits for them.
  std::mutex pooler_mu;
  std::condition_variable pooler_cv;
  bool pooler_stop = false;
  std::thread pooler([&] {
    if (f.pooled_every <= 0) return;
    const auto every = std::chrono::duration<double>(f.pooled_every);
    std::unique_lock<std::mutex> lock(pooler_mu);
    while (!pooler_cv.wait_for(lock, every, [&] { return pooler_stop; })) {
      lock.unlock();
      auto step = api.PooledStep();
      if (!step.ok()) {
        std::cerr << "saiki: pooled step: " << step.status().ToString() << std::endl;
      } else if (step->epoch || step->propensities_estimated) {
        std::cerr << "saiki: pooled step at journal position " << step->seq
                  << (step->propensities_estimated ? ": position bias re-estimated" : "")
                  << (step->epoch ? std::string(": epoch, global ") +
                                        UpdateOutcomeName(step->global.outcome)
                                  : std::string())
                  << std::endl;
      }
      lock.lock();
    }
  });
  auto stop_pooler = [&] {
    {
      std::lock_guard<std::mutex> lock(pooler_mu);
      pooler_stop = true;
    }
    pooler_cv.notify_all();
    pooler.join();
  };

  std::atomic<bool> by_signal{false};
  std::promise<void> run_done;
  std::future<void> run_done_future = run_done.get_future();
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    by_signal.store(true);
    // A signal that came before Run started listening finds nothing to
    // stop yet: ask again until Run has returned.
    do {
      http.Stop();
    } while (run_done_future.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready);
  });
  Status run = http.Run();
  run_done.set_value();
  if (!by_signal.load()) {
    // Run ended without a signal (an error): wake the watcher.
    pthread_kill(watcher.native_handle(), SIGTERM);
  }
  watcher.join();
  stop_pooler();
  std::cerr << "saiki: stopped after " << http.answered() << " requests" << std::endl;
  return run.ok() ? kExitOk : Fail(run);
}

}  // namespace
}  // namespace saiki::cli

int main(int argc, char** argv) { return saiki::cli::RunCli(argc, argv, saiki::cli::RunServe); }
