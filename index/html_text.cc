// HTML to text for analysis. See html_text.h.
#include "index/html_text.h"

#include <algorithm>
#include <cstdint>

#include "index/utf8.h"

namespace saiki::index {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool OpensTag(std::string_view s, size_t i) {
  // s[i] == '<'
  if (i + 1 >= s.size()) return false;
  char c = s[i + 1];
  return IsAsciiAlpha(c) || c == '/' || c == '!' || c == '?';
}

// A numeric or named reference's code point: NUL, like anything that is no
// Unicode scalar value, decodes to U+FFFD (as HTML does).
void AppendReference(uint64_t cp, std::string* out) {
  AppendUtf8(cp == 0 || cp > 0x10FFFF ? 0xFFFD : static_cast<uint32_t>(cp), out);
}

struct NamedEntity {
  const char* name;
  uint32_t cp;
};
constexpr NamedEntity kEntities[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
    {"apos", '\''},    {"nbsp", ' '},     {"yen", 0xA5},     {"copy", 0xA9},
    {"reg", 0xAE},     {"trade", 0x2122}, {"times", 0xD7},   {"divide", 0xF7},
    {"deg", 0xB0},     {"plusmn", 0xB1},  {"middot", 0xB7},  {"hellip", 0x2026},
    {"mdash", 0x2014}, {"ndash", 0x2013}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"laquo", 0xAB},   {"raquo", 0xBB},
    {"bull", 0x2022},  {"euro", 0x20AC},  {"pound", 0xA3},   {"cent", 0xA2},
    {"sect", 0xA7},    {"para", 0xB6},    {"micro", 0xB5},   {"frac12", 0xBD},
    {"frac14", 0xBC},  {"frac34", 0xBE},  {"sup2", 0xB2},    {"sup3", 0xB3},
};

// Decodes the entity at s[i] == '&' into *out; returns the index after it,
// or i when it is not one (the '&' is then text).
size_t Entity(std::string_view s, size_t i, std::string* out) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '#') {
    ++j;
    bool hex = j < s.size() && (s[j] == 'x' || s[j] == 'X');
    if (hex) ++j;
    uint64_t cp = 0;
    size_t digits = 0;
    for (; j < s.size() && digits < 8; ++j, ++digits) {
      char c = s[j];
      int v = c >= '0' && c <= '9'                ? c - '0'
              : hex && c >= 'a' && c <= 'f'       ? c - 'a' + 10
              : hex && c >= 'A' && c <= 'F'       ? c - 'A' + 10
                                                  : -1;
      if (v < 0) break;
      cp = cp * (hex ? 16 : 10) + static_cast<uint64_t>(v);
    }
    if (digits == 0) return i;
    if (j < s.size() && s[j] == ';') ++j;
    AppendReference(cp, out);
    return j;
  }
  size_t end = j;
  while (end < s.size() && end - j < 8 && (IsAsciiAlpha(s[end]) || (s[end] >= '0' && s[end] <= '9'))) {
    ++end;
  }
  if (end == j || end >= s.size() || s[end] != ';') return i;  // names need their ';'
  std::string_view name = s.substr(j, end - j);
  for (const NamedEntity& e : kEntities) {
    if (name == e.name) {
      AppendReference(e.cp, out);
      return end + 1;
    }
  }
  return i;
}

constexpr std::string_view kBreakTags[] = {
    "br", "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table", "thead",
    "tbody", "tfoot", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "section", "article", "header",
    "footer", "nav", "aside", "blockquote", "pre", "figure", "figcaption", "caption"};
constexpr std::string_view kHiddenTags[] = {"script", "style", "template", "noscript", "iframe"};

template <size_t N>
bool In(const std::string_view (&list)[N], std::string_view name) {
  for (std::string_view t : list) {
    if (t == name) return true;
  }
  return false;
}

// Finds the '>' that ends a tag starting at `from`, skipping quoted
// attribute values; npos when the text ends first.
size_t TagEnd(std::string_view s, size_t from) {
  char quote = 0;
  for (size_t k = from; k < s.size(); ++k) {
    char c = s[k];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return k;
    }
  }
  return std::string_view::npos;
}

// Position of "</name" (any case) at or after `from`, or npos.
size_t FindClosing(std::string_view s, size_t from, std::string_view name) {
  for (size_t k = s.find("</", from); k != std::string_view::npos; k = s.find("</", k + 2)) {
    size_t n = 0;
    while (n < name.size() && k + 2 + n < s.size() && Lower(s[k + 2 + n]) == name[n]) ++n;
    if (n == name.size()) return k;
  }
  return std::string_view::npos;
}

}  // namespace

bool MayHoldHtml(std::string_view s) {
  // Two memchr scans (find of one byte), not find_first_of("<&"), which
  // calls memchr over the set for every byte of the text: every field of
  // every imported row passes through here, and few hold either byte.
  constexpr size_t kNone = std::string_view::npos;
  size_t lt = s.find('<'), amp = s.find('&');
  while (lt != kNone || amp != kNone) {
    const size_t i = std::min(lt, amp);
    if (i + 1 >= s.size()) return false;
    const char c = s[i + 1];
    if (i == lt) {
      if (IsAsciiAlpha(c) || c == '/' || c == '!' || c == '?') return true;
      lt = s.find('<', i + 1);
    } else {
      if (IsAsciiAlpha(c) || c == '#') return true;
      amp = s.find('&', i + 1);
    }
  }
  return false;
}

void HtmlToText(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '&') {
      size_t next = Entity(s, i, out);
      if (next != i) {
        i = next;
        continue;
      }
      out->push_back(c);
      ++i;
      continue;
    }
    if (c != '<' || !OpensTag(s, i)) {
      out->push_back(c);
      ++i;
      continue;
    }
    // Comments and CDATA first: their ends are not a plain '>'.
    if (s.substr(i, 4) == "<!--") {
      size_t end = s.find("-->", i + 4);
      i = end == std::string_view::npos ? s.size() : end + 3;
      continue;
    }
    if (s.substr(i, 9) == "<![CDATA[") {
      size_t end = s.find("]]>", i + 9);
      out->append(s.substr(i + 9, end == std::string_view::npos ? std::string_view::npos
                                                                   : end - (i + 9)));
      i = end == std::string_view::npos ? s.size() : end + 3;
      continue;
    }
    size_t end = TagEnd(s, i + 1);
    if (end == std::string_view::npos) break;  // a tag open at the end: ends the text
    // The tag's name, lower-cased.
    size_t k = i + 1;
    if (k < end && s[k] == '/') ++k;
    std::string name;
    while (k < end && name.size() < 16 && (IsAsciiAlpha(s[k]) || (s[k] >= '0' && s[k] <= '9'))) {
      name.push_back(Lower(s[k++]));
    }
    const bool closing = s[i + 1] == '/';
    i = end + 1;
    if (In(kBreakTags, name)) {
      out->push_back('\n');
    } else if (!closing && In(kHiddenTags, name) && s[end - 1] != '/') {
      size_t close = FindClosing(s, i, name);
      if (close == std::string_view::npos) break;  // hidden to the end
      size_t close_end = TagEnd(s, close + 2);
      i = close_end == std::string_view::npos ? s.size() : close_end + 1;
    }
  }
}

}  // namespace saiki::index
