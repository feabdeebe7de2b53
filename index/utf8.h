// Appending one code point to UTF-8 text: the analyzer, the highlighter,
// the HTML decoder and the typo index's term walks all build text a code
// point at a time.
#ifndef SAIKI_INDEX_UTF8_H_
#define SAIKI_INDEX_UTF8_H_

#include <cstdint>
#include <string>

namespace saiki::index {

// Appends `cp` as UTF-8. A value that is no Unicode scalar value (a
// surrogate, or above U+10FFFF) is appended as U+FFFD, so the text stays
// valid UTF-8 whatever the caller passes.
inline void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    const char b[2] = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    out->append(b, 2);
  } else if (cp < 0x10000) {
    const char b[3] = {static_cast<char>(0xE0 | (cp >> 12)),
                       static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                       static_cast<char>(0x80 | (cp & 0x3F))};
    out->append(b, 3);
  } else {
    const char b[4] = {static_cast<char>(0xF0 | (cp >> 18)),
                       static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                       static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                       static_cast<char>(0x80 | (cp & 0x3F))};
    out->append(b, 4);
  }
}

}  // namespace saiki::index

#endif  // SAIKI_INDEX_UTF8_H_
