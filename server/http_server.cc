// cpp-httplib to server/api.h: see http_server.h.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <httplib.h>

#include <algorithm>
#include <cstdlib>

namespace saiki::server {

Result<ListenAddress> ParseListenAddress(const std::string& text) {
  ListenAddress a;
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Status::InvalidArgument("--listen '" + text + "': expected [ADDRESS]:PORT");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument("--listen '" + text + "': no port (HOST:PORT)");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      return Status::InvalidArgument("--listen '" + text +
                                     "': write an IPv6 address in brackets, [::1]:8700");
    }
  }
  if (host.empty()) host = "127.0.0.1";
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::atoi(port.c_str()) > 65535) {
    return Status::InvalidArgument("--listen '" + text + "': port '" + port +
                                   "' is not a number in 0..65535");
  }
  a.port = std::atoi(port.c_str());
  a.host = host;
  in_addr v4{};
  in6_addr v6{};
  if (host == "localhost") {
    a.loopback = true;
  } else if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    a.loopback = (ntohl(v4.s_addr) >> 24) == 127;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    a.loopback = IN6_IS_ADDR_LOOPBACK(&v6);
  } else {
    // A name other than localhost would be resolved by DNS, whose answer
    // could change what "loopback" means: only addresses are taken.
    return Status::InvalidArgument("--listen '" + text + "': '" + host +
                                   "' is not an IP address (or localhost)");
  }
  return a;
}

HttpServer::HttpServer(Api* api, ServerOptions options)
    : api_(api), options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  const int threads = std::clamp(options_.threads, 1, 256);
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_read_timeout(options_.read_timeout_seconds, 0);
  http_->set_write_timeout(options_.read_timeout_seconds, 0);
  http_->set_keep_alive_max_count(1000);
  // Answers go out at once: with Nagle's algorithm a response written in
  // two parts (headers, body) waits for the client's delayed ACK, ~40 ms
  // per request on Linux loopback (bench/serve_bench.cc measured 44 ms).
  http_->set_tcp_nodelay(true);
  // Bodies over the larger limit are refused (413) before they are read;
  // the Api then applies each endpoint's own limit.
  const ApiOptions& o = api_->options();
  http_->set_payload_max_length(std::max(o.max_body_bytes, o.max_upload_bytes));

  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    ApiRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.params.emplace_back(k, v);
    for (const auto& [k, v] : req.headers) r.headers.emplace_back(k, v);
    r.body = req.body;
    r.remote_addr = req.remote_addr;
    ApiResponse out = api_->Handle(r);
    res.status = out.status;
    for (auto& [k, v] : out.headers) res.set_header(k, v);
    if (!out.content_type.empty()) res.set_content(std::move(out.body), out.content_type.c_str());
    answered_.fetch_add(1);
  };
  // Every path and method goes to the Api, which answers 404/405 itself.
  http_->Get(".*", handler);
  http_->Post(".*", handler);
  http_->Put(".*", handler);
  http_->Patch(".*", handler);
  http_->Delete(".*", handler);
  http_->Options(".*", handler);
  // Errors httplib answers itself (a body over the limit, a malformed
  // request line) get a JSON body like the Api's.
  http_->set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message = res.status == 413   ? "request body too large"
                              : res.status == 400 ? "malformed HTTP request"
                                                  : "HTTP error " + std::to_string(res.status);
        res.set_content(
            "{\"error\":\"" + message + "\",\"status\":" + std::to_string(res.status) + "}\n",
            "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Bind() {
  const std::string& host = options_.listen.host;
  if (options_.listen.port == 0) {
    port_ = http_->bind_to_any_port(host);
    if (port_ < 0) return Status::IoError("cannot listen on " + host + " (any port)");
  } else {
    if (!http_->bind_to_port(host, options_.listen.port)) {
      return Status::IoError("cannot listen on " + host + ":" +
                             std::to_string(options_.listen.port) +
                             " (in use, or not an address of this machine)");
    }
    port_ = options_.listen.port;
  }
  return Status::Ok();
}

Status HttpServer::Run() {
  if (stopped_.load()) return Status::Ok();
  bool ok = http_->listen_after_bind();
  if (!ok && !stopped_.load()) return Status::IoError("the HTTP server stopped on an error");
  return Status::Ok();
}

void HttpServer::Stop() {
  stopped_.store(true);
  http_->stop();
}

}  // namespace saiki::server
