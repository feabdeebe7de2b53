// Shared CLI pieces: see cli.h.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "cli/cli.h"

namespace saiki::cli {

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidArgument: return kExitBadInput;
    case StatusCode::kNotFound: return kExitNotFound;
    case StatusCode::kCorruption:
    case StatusCode::kNotSupported: return kExitDatabase;
    case StatusCode::kBusy: return kExitBusy;
    case StatusCode::kIoError: return kExitIo;
    case StatusCode::kResourceExhausted: return kExitLimit;
    case StatusCode::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

int Fail(const Status& s) {
  std::cerr << "saiki: " << s.ToString() << "\n";
  return ExitCodeFor(s);
}

std::string DefaultDbPath() {
  const char* env = std::getenv("SAIKI_DB");
  return env && *env ? env : "saiki.db";
}

int DisplayWidth(std::string_view s, size_t* cut_at, int max_width) {
  int width = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = c;
    if (len > 1 && i + len <= s.size()) {
      cp = c & (0xFF >> (len + 1));
      for (size_t j = 1; j < len; ++j) cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3F);
    }
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
                (cp >= 0x20000 && cp <= 0x3FFFD);
    int w = wide ? 2 : 1;
    if (max_width >= 0 && width + w > max_width) {
      if (cut_at) *cut_at = i;
      return width;
    }
    width += w;
    i += len;
  }
  if (cut_at) *cut_at = s.size();
  return width;
}

std::string Fit(std::string_view s, int width) {
  size_t cut = 0;
  int w = DisplayWidth(s, &cut, width);
  if (cut < s.size()) {
    DisplayWidth(s, &cut, width - 1);
    std::string out(s.substr(0, cut));
    out += "\u2026";
    int now = DisplayWidth(out);
    return out + std::string(width > now ? width - now : 0, ' ');
  }
  return std::string(s) + std::string(width - w, ' ');
}

std::string Price(const std::optional<double>& p) {
  if (!p) return "-";
  std::ostringstream o;
  o.precision(10);
  o << *p;
  return o.str();
}

std::string EscapeControls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02X", c);
          out += hex;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

int TerminalColumns() {
  if (!isatty(STDOUT_FILENO)) return 0;
  struct winsize ws {};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) return 0;
  return ws.ws_col;
}

std::string Dump(const Json& j) { return json::Dump(j); }

Result<std::unique_ptr<Database>> OpenDb(const Globals& g, bool create, int page_cache_kib) {
  OpenOptions o;
  o.create_if_missing = create;
  o.busy_timeout_ms = g.busy_timeout_ms;
  o.page_cache_kib = page_cache_kib;
  return Database::Open(g.db_path, o);
}

std::unique_ptr<Database> OpenOrFail(const Globals& g, bool create, int& rc) {
  auto db = OpenDb(g, create);
  if (!db.ok()) {
    rc = Fail(db.status());
    return nullptr;
  }
  return std::move(db).value();
}

}  // namespace saiki::cli
