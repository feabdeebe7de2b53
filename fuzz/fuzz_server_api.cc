// libFuzzer target: server/api.h, the HTTP API's request mapping
// (ParseCall) and Api::Handle, over arbitrary requests: method, path, query
// parameters, headers and body as the transport would hand them over.
//
// Input layout (fuzz_util.h ByteReader):
//   byte 0  method (GET, POST, OPTIONS, DELETE, HEAD, PUT)
//   byte 1  path: < 14 one of the known paths, else the first line of the
//           text is the path
//   byte 2  Content-Type (json, csv, text/plain, none, json;charset) and,
//           bit 4, an Origin header; bit 5, a token header; bit 6, a
//           foreign Host
//   then text lines: "name=value" parameters up to an empty line, the rest
//   is the body.
//
// Every request is parsed; the ones that do not write (searches without a
// user, model, history, stats, the console's files) are also answered
// through Api::Handle against a small database made once in a temporary
// directory (writes would grow the file with every input and test SQLite
// more than the mapping).
//
// Invariants:
//   - nothing throws (a JSON exception escaping is a crash);
//   - a refusal has a status in {400, 404, 405, 413, 415} and a message of
//     printable ASCII (request bytes are shown escaped, never echoed);
//   - an accepted call respects the limits: k in 1..1000, offset in
//     0..10000, a batch of at most max_batch, a body within its limit;
//   - an answer's status is one the API documents, and a JSON answer parses.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "fuzz/fuzz_util.h"
#include "saiki/saiki.h"
#include "server/api.h"

using saiki::fuzz::ByteReader;
using saiki::fuzz::Escape;
using namespace saiki::server;

namespace {

std::string g_dir;
std::unique_ptr<DatabasePool> g_pool;
std::unique_ptr<Api> g_api;
const unsigned char kPage[] = "<!doctype html><title>x</title>";

void Die(const std::string& what) {
  std::fprintf(stderr, "fuzz_server_api setup: %s\n", what.c_str());
  std::abort();
}

void Setup() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/saiki-fuzz-api-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) Die("mkdtemp");
  g_dir = templ;
  const std::string path = g_dir + "/api.saiki";
  {
    auto db = saiki::Database::Open(path);
    if (!db.ok()) Die(db.status().ToString());
    std::istringstream csv(
        "id,title,brand,category,price\n"
        "p1,子犬用 ふわふわベッド,ペティオ,ペット用品>犬用品>ベッド,1980\n"
        "p2,ドッグフード 2.5kg,ドギーマン,ペット用品>犬用品>フード,2480\n"
        "p3,キャットフード まぐろ味,ねこまる,ペット用品>猫用品>フード,980\n"
        "p4,犬用 ハーネス,ペティオ,ペット用品>犬用品>ハーネス,1500\n");
    auto r = (*db)->ImportCsv(csv, "seed.csv", saiki::ImportOptions());
    if (!r.ok()) Die(r.status().ToString());
  }
  g_pool = std::make_unique<DatabasePool>([path] { return saiki::Database::Open(path); });
  ApiOptions o;
  o.token = "";
  o.max_body_bytes = 4096;
  o.max_upload_bytes = 8192;
  o.max_batch = 4;
  o.rate_per_second = 0;
  o.assets = {{"/", "text/html; charset=utf-8", kPage, sizeof kPage - 1}};
  g_api = std::make_unique<Api>(g_pool.get(), o);
  std::atexit([] {
    g_api.reset();
    g_pool.reset();
    std::string cmd = "rm -rf '" + g_dir + "'";
    if (std::system(cmd.c_str()) != 0) {
    }
  });
}

bool PrintableAscii(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!g_api) Setup();
  static const char* kMethods[] = {"GET", "POST", "OPTIONS", "DELETE", "HEAD", "PUT"};
  static const char* kPaths[] = {
      "/api/search", "/api/click",         "/api/session/end", "/api/session/sweep",
      "/api/model",  "/api/model/history", "/api/stats",       "/api/import",
      "/",           "/api/search",        "/api/search",      "/api/model",
      "/api/",       "/console.js"};
  static const char* kTypes[] = {"application/json", "text/csv", "text/plain", "",
                                 "Application/JSON; charset=utf-8"};
  ByteReader in(data, size);
  ApiRequest r;
  r.method = kMethods[in.U8() % 6];
  uint8_t path_byte = in.U8();
  uint8_t flags = in.U8();
  std::string text(in.Rest());
  size_t pos = 0;
  auto line = [&]() {
    size_t nl = text.find('\n', pos);
    std::string l = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    return l;
  };
  r.path = path_byte < 14 ? kPaths[path_byte] : line();
  while (pos < text.size()) {
    std::string l = line();
    if (l.empty()) break;
    size_t eq = l.find('=');
    r.params.emplace_back(l.substr(0, eq), eq == std::string::npos ? "" : l.substr(eq + 1));
  }
  r.body = text.substr(std::min(pos, text.size()));
  r.remote_addr = "127.0.0.1";
  r.headers.emplace_back("Host", flags & 0x40 ? "evil.example" : "127.0.0.1:8700");
  if (const char* type = kTypes[(flags & 0x0f) % 5]; *type)
    r.headers.emplace_back("content-type", type);
  if (flags & 0x10) r.headers.emplace_back("Origin", "http://evil.example");
  if (flags & 0x20) r.headers.emplace_back("Authorization", "Bearer x");

  const ApiOptions& o = g_api->options();
  auto parsed = ParseCall(r, o);
  if (auto* e = std::get_if<HttpError>(&parsed)) {
    static const std::set<int> kRefusals = {400, 404, 405, 413, 415};
    FUZZ_CHECK(kRefusals.count(e->status), "status %d for %s %s", e->status, r.method.c_str(),
               Escape(r.path).c_str());
    FUZZ_CHECK(PrintableAscii(e->message), "message not printable ASCII: %s",
               Escape(e->message).c_str());
  } else {
    const Call& call = std::get<Call>(parsed);
    if (auto* s = std::get_if<SearchCall>(&call)) {
      FUZZ_CHECK(s->request.k >= 1 && s->request.k <= 1000, "k %d", s->request.k);
      FUZZ_CHECK(s->request.offset >= 0 && s->request.offset <= 10000, "offset %d",
                 s->request.offset);
      FUZZ_CHECK(s->queries.size() <= o.max_batch, "batch of %zu", s->queries.size());
    }
    size_t limit = std::holds_alternative<ImportCall>(call) ? o.max_upload_bytes : o.max_body_bytes;
    FUZZ_CHECK(r.body.size() <= limit, "body of %zu bytes accepted", r.body.size());
    if (IsWrite(call)) return 0;
  }
  ApiResponse out = g_api->Handle(r);
  static const std::set<int> kStatuses = {200, 204, 400, 401, 403, 404, 405,
                                          413, 415, 422, 429, 500, 503};
  FUZZ_CHECK(kStatuses.count(out.status), "status %d", out.status);
  FUZZ_CHECK(out.status != 500, "500 for %s %s: %s", r.method.c_str(), Escape(r.path).c_str(),
             Escape(out.body).c_str());
  if (out.content_type == "application/json") {
    FUZZ_CHECK(nlohmann::json::accept(out.body), "answer is not JSON: %s",
               Escape(out.body).c_str());
  }
  return 0;
}
