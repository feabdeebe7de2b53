// Query parser: turns the normalized text a user typed into a ParsedQuery.
//
// The grammar is in query_parser.h. This file is a single left-to-right scan
// over bytes: whitespace (space, tab, CR, LF, U+3000) separates parts, and
// every operator character ('-', '"', ':', '>', '.') is ASCII, so the scan
// never needs to decode UTF-8. That is also why invalid UTF-8 is harmless
// here: bytes the scan does not recognize are copied into term text untouched,
// and the analyzer downstream decides what to make of them. The parser never
// fails on odd input except for the documented errors (a bad price filter and
// the two size limits), all kInvalidArgument.
//
// Choices the header leaves open, made here:
//   - '"' opens a phrase only at the start of a part (after an optional '-')
//     or right after a filter key. Elsewhere it is ordinary term text, so an
//     inch mark in 27" does not swallow the rest of the query as a phrase.
//     Text right after a closing quote starts a new part.
//   - "-" exclusion applies to terms and phrases only; "-brand:x" is the
//     excluded term "brand:x" (ParsedQuery has no excluded filters).
//   - Several price filters intersect; an empty intersection is an error,
//     like a single filter with min > max, so callers may rely on
//     price_min <= price_max.
//   - "price:.." (no bound at all) is an error; "category:>" (no segment
//     text) is ignored like an empty value.
//   - Ignored parts (lone "-", empty phrase, empty filter value) do not count
//     against QueryLimits::max_terms.
#include "engine/query_parser.h"

#include <algorithm>
#include <charconv>
#include <system_error>
#include <utility>

namespace saiki::engine {
namespace {

constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";  // U+3000
constexpr std::string_view kBrandKey = "brand:";
constexpr std::string_view kCategoryKey = "category:";
constexpr std::string_view kPriceKey = "price:";

// Byte length of the separator starting at text[pos], or 0 if there is none.
// Matching U+3000 byte-wise is safe even in invalid UTF-8: its lead byte
// 0xE3 can never be a continuation byte of some other sequence.
size_t SeparatorLength(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  switch (text[pos]) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
      return 1;
    default:
      break;
  }
  if (text.substr(pos, kIdeographicSpace.size()) == kIdeographicSpace) {
    return kIdeographicSpace.size();
  }
  return 0;
}

// Returns `text` with leading and trailing separators removed and every inner
// run of separators replaced by one ASCII space. Phrases, quoted brands and
// category segments all go through this, so "ドッグ　 フード" and "ドッグ フード"
// mean the same thing.
std::string CollapseSpaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  size_t pos = 0;
  while (pos < text.size()) {
    if (size_t sep = SeparatorLength(text, pos); sep > 0) {
      pending_space = !out.empty();  // a leading run is dropped
      pos += sep;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(text[pos]);
    ++pos;
  }
  return out;  // a trailing run never emitted its pending space
}

// "ペット用品 > 犬用品" -> "ペット用品>犬用品". Segments are kept as written
// (even empty ones, e.g. a trailing '>'): the category index matches the
// prefix literally, and guessing what a stray '>' meant would be worse.
std::string NormalizeCategory(std::string_view value) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t gt = value.find('>', start);
    out += CollapseSpaces(value.substr(start, gt == std::string_view::npos
                                                  ? std::string_view::npos
                                                  : gt - start));
    if (gt == std::string_view::npos) break;
    out.push_back('>');
    start = gt + 1;
  }
  // A value with no segment text at all (" ", ">", " > ") names no category;
  // it is treated like an empty filter value rather than as a prefix that
  // could only ever match nothing.
  if (out.find_first_not_of('>') == std::string::npos) out.clear();
  return out;
}

// A price bound: one or more ASCII digits, optionally a '.' and one or more
// digits. No sign, exponent or thousands separator: anything looser would
// make "1.000" (a thousand, in some locales) silently mean one.
bool ParsePriceNumber(std::string_view text, double* out) {
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  auto all_digits = [](std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!all_digits(whole)) return false;
  if (dot != std::string_view::npos && !all_digits(fraction)) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  // Out of range only happens for hundreds of digits; that is no price.
  return ec == std::errc() && ptr == end;
}

Status BadPrice(std::string_view value) {
  return Status::InvalidArgument("price filter '" + std::string(value) +
                                 "': expected MIN..MAX with numbers, e.g. price:1000..5000");
}

// Applies one price:VALUE filter to *query, intersecting with earlier ones.
Status ApplyPriceFilter(std::string_view value, ParsedQuery* query) {
  std::optional<double> low;
  std::optional<double> high;
  size_t range = value.find("..");
  if (range == std::string_view::npos) {
    double exact;
    if (!ParsePriceNumber(value, &exact)) return BadPrice(value);
    low = high = exact;
  } else {
    std::string_view low_text = value.substr(0, range);
    std::string_view high_text = value.substr(range + 2);
    // "price:.." names no bound at all: more likely a typo than a wish for
    // "any price", so it is reported rather than ignored.
    if (low_text.empty() && high_text.empty()) return BadPrice(value);
    double number;
    if (!low_text.empty()) {
      if (!ParsePriceNumber(low_text, &number)) return BadPrice(value);
      low = number;
    }
    if (!high_text.empty()) {
      if (!ParsePriceNumber(high_text, &number)) return BadPrice(value);
      high = number;
    }
  }
  if (low && high && *low > *high) {
    return Status::InvalidArgument("price filter '" + std::string(value) +
                                   "': the minimum is greater than the maximum");
  }
  if (low) query->price_min = query->price_min ? std::max(*query->price_min, *low) : *low;
  if (high) query->price_max = query->price_max ? std::min(*query->price_max, *high) : *high;
  if (query->price_min && query->price_max && *query->price_min > *query->price_max) {
    return Status::InvalidArgument("price filter '" + std::string(value) +
                                   "' does not overlap the other price filters");
  }
  return Status::Ok();
}

class Parser {
 public:
  Parser(std::string_view text, const QueryLimits& limits) : text_(text), limits_(limits) {}

  Result<ParsedQuery> Run() {
    while (true) {
      SkipSeparators();
      if (AtEnd()) break;
      SAIKI_RETURN_IF_ERROR(ParsePart());
    }
    if (parts_ > limits_.max_terms) {
      return Status::InvalidArgument(
          "query has " + std::to_string(parts_) +
          " parts (terms, phrases, exclusions and filters); the limit is " +
          std::to_string(limits_.max_terms));
    }
    return std::move(query_);
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  bool AtSeparator() const { return SeparatorLength(text_, pos_) > 0; }

  void SkipSeparators() {
    while (size_t sep = SeparatorLength(text_, pos_)) pos_ += sep;
  }

  // Reads up to the next separator (or the end). pos_ is on a non-separator.
  std::string_view ReadBare() {
    size_t start = pos_;
    while (!AtEnd() && !AtSeparator()) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // Reads a quoted span; pos_ is on the opening '"'. Without a closing quote
  // the span runs to the end of the query.
  std::string_view ReadQuoted() {
    size_t start = pos_ + 1;
    size_t close = text_.find('"', start);
    if (close == std::string_view::npos) {
      pos_ = text_.size();
      return text_.substr(start);
    }
    pos_ = close + 1;
    return text_.substr(start, close - start);
  }

  std::string_view ReadFilterValue() {
    if (!AtEnd() && text_[pos_] == '"') return ReadQuoted();
    return ReadBare();
  }

  bool ConsumeKey(std::string_view key) {
    if (text_.substr(pos_, key.size()) != key) return false;
    pos_ += key.size();
    return true;
  }

  void AddPart(std::string text, bool phrase, bool excluded) {
    if (text.empty()) return;
    (excluded ? query_.excluded : query_.required).push_back({std::move(text), phrase});
    ++parts_;
  }

  // Parses one part starting at pos_ (a non-separator).
  Status ParsePart() {
    bool excluded = false;
    if (text_[pos_] == '-') {
      ++pos_;
      if (AtEnd() || AtSeparator()) return Status::Ok();  // a lone "-"
      excluded = true;
    }
    if (text_[pos_] == '"') {
      AddPart(CollapseSpaces(ReadQuoted()), /*phrase=*/true, excluded);
      return Status::Ok();
    }
    if (!excluded) {
      if (ConsumeKey(kBrandKey)) {
        std::string brand = CollapseSpaces(ReadFilterValue());
        if (!brand.empty()) {
          query_.brands.push_back(std::move(brand));
          ++parts_;
        }
        return Status::Ok();
      }
      if (ConsumeKey(kCategoryKey)) {
        std::string category = NormalizeCategory(ReadFilterValue());
        if (!category.empty()) {
          query_.categories.push_back(std::move(category));
          ++parts_;
        }
        return Status::Ok();
      }
      if (ConsumeKey(kPriceKey)) {
        // Trimmed so that price:" 100..200 " works; inner spaces still fail.
        std::string price = CollapseSpaces(ReadFilterValue());
        if (price.empty()) return Status::Ok();
        ++parts_;
        return ApplyPriceFilter(price, &query_);
      }
    }
    // A bare term. Colons and inner '-' or '"' are term text: "sku-123",
    // "比率3:2" and "http://x" are all things product text contains.
    AddPart(std::string(ReadBare()), /*phrase=*/false, excluded);
    return Status::Ok();
  }

  std::string_view text_;
  const QueryLimits& limits_;
  size_t pos_ = 0;
  size_t parts_ = 0;
  ParsedQuery query_;
};

}  // namespace

Result<ParsedQuery> ParseQuery(std::string_view normalized_query, const QueryLimits& limits) {
  // Checked before any work so that an oversized query costs nothing.
  if (normalized_query.size() > limits.max_query_bytes) {
    return Status::InvalidArgument("query is " + std::to_string(normalized_query.size()) +
                                   " bytes; the limit is " +
                                   std::to_string(limits.max_query_bytes));
  }
  return Parser(normalized_query, limits).Run();
}

}  // namespace saiki::engine
