// The transport of `saiki serve`: cpp-httplib (Debian's libcpp-httplib-dev)
// turned into ApiRequest/ApiResponse for server/api.h, which does all the
// deciding. This file holds no rule of its own beyond the socket's: the
// thread count, timeouts, and the largest body read off the wire.
#ifndef SAIKI_SERVER_HTTP_SERVER_H_
#define SAIKI_SERVER_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "saiki/status.h"
#include "server/api.h"

namespace httplib {
class Server;
}

namespace saiki::server {

// "HOST:PORT", "[V6]:PORT" or ":PORT" (loopback), as `--listen` takes it.
struct ListenAddress {
  std::string host;       // as given, brackets removed ("::1")
  int port = 0;           // 0..65535; 0 picks a free port
  bool loopback = false;  // 127.0.0.0/8, ::1 or "localhost"
};
// kInvalidArgument naming what is wrong ("--listen '1.2.3': no port").
Result<ListenAddress> ParseListenAddress(const std::string& text);

struct ServerOptions {
  ListenAddress listen;
  // Worker threads, each answering one connection at a time (a keep-alive
  // connection holds its thread until idle for 5 s). Default 16; 1..256.
  int threads = 16;
  // Seconds to wait for a request's bytes before dropping the connection
  // (a client sending slowly cannot hold a thread longer). Default 10.
  int read_timeout_seconds = 10;
};

// Serves one Api over HTTP/1.1. Bind, then Run on one thread; Stop from any
// thread (a signal-watching thread, say) ends Run once every request already
// read has been answered.
class HttpServer {
 public:
  HttpServer(Api* api, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket. kIoError when the address is taken or
  // cannot be bound. After it, port() is the bound port.
  Status Bind();
  int port() const { return port_; }
  // Accepts and answers requests until Stop(). Returns after the workers
  // finished the requests in flight.
  Status Run();
  // Thread-safe; idempotent; before Run, makes Run return at once.
  void Stop();
  // Requests answered so far.
  uint64_t answered() const { return answered_.load(); }

 private:
  Api* api_;
  ServerOptions options_;
  std::unique_ptr<httplib::Server> http_;
  int port_ = 0;
  std::atomic<uint64_t> answered_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace saiki::server

#endif  // SAIKI_SERVER_HTTP_SERVER_H_
