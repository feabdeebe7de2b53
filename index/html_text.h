// HTML reduced to its text before analysis: shops export descriptions as
// HTML (Shopify's `Body (HTML)`, Rakuten item pages), and their markup must
// not be searchable (`div`, `br`, `li` finding products). Stored fields keep
// the original; only what the index sees is cleaned.
//
// What is kept (HtmlToText):
//   - text between tags, as it is;
//   - a line break for each block or break tag, opening or closing (br p div
//     li ul ol dl dt dd tr td th table thead tbody tfoot h1-h6 hr section
//     article header footer nav aside blockquote pre figure figcaption
//     caption), so words on either side stay apart (犬<br>ベッド is two words);
//   - nothing for any other tag (犬<b>用</b> stays 犬用), for comments
//     (<!-- -->), declarations (<!DOCTYPE>, <![CDATA[ ]]> keeps its text) and
//     processing instructions, nor for the contents of script, style,
//     template, noscript and iframe;
//   - entities decoded: numeric (&#38; &#x26;; 0, surrogates and values past
//     U+10FFFF become U+FFFD) and the named ones shops use (amp lt gt quot
//     apos nbsp yen copy reg trade times divide deg plusmn middot hellip
//     mdash ndash lsquo rsquo ldquo rdquo laquo raquo bull euro pound cent
//     sect para micro frac12 frac14 frac34 sup2 sup3); other names stay as
//     written.
// A '<' that does not open a tag (not followed by a letter, '/', '!' or '?')
// is text: "3 < 5" and "<3" stay. A tag left open at the end of the text
// ends it. Linear in the input; no allocation beyond `out`.
//
// Written by hand rather than with a Debian HTML parser (libxml2's HTML
// parser, gumbo): those build a tree per field, cost far more than the
// analysis of the text on a 1M-product import, and repair broken markup in
// ways that matter for a DOM, not for a bag of words (README "Design notes").
#ifndef SAIKI_INDEX_HTML_TEXT_H_
#define SAIKI_INDEX_HTML_TEXT_H_

#include <string>
#include <string_view>

namespace saiki::index {

// True when `s` may hold markup or entities: a '<' followed by a letter,
// '/', '!' or '?', or a '&' followed by a letter or '#'. Texts without
// either are analyzed as they are, at no cost.
bool MayHoldHtml(std::string_view s);

// Replaces *out with the text of `html` (see the top of the file). Safe on
// any bytes: invalid UTF-8 is left for the analyzer to replace.
void HtmlToText(std::string_view html, std::string* out);

}  // namespace saiki::index

#endif  // SAIKI_INDEX_HTML_TEXT_H_
