// Tests for the query parser (engine/query_parser.h): every syntax form a
// user can type, the documented errors and limits, the choices the header
// leaves open (see the top of engine/query_parser.cc), and a randomized
// property test that arbitrary bytes never crash the parser. The parser's
// input is already NFKC-normalized and case-folded, so inputs here are what
// the analyzer would hand over, not raw keyboard text.
#include "engine/query_parser.h"

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace saiki::engine {
namespace {

using Catch::Matchers::Contains;

const std::string kIdeographicSpace = "\xE3\x80\x80";  // U+3000

// Parses a query that must succeed; a failure stops the test with the status.
ParsedQuery MustParse(std::string_view query, const QueryLimits& limits = QueryLimits()) {
  Result<ParsedQuery> result = ParseQuery(query, limits);
  INFO("query: " << query);
  INFO("status: " << result.status().message());
  REQUIRE(result.ok());
  return std::move(result).value();
}

// Parses a query that must fail with kInvalidArgument; returns the message.
std::string MustFail(std::string_view query, const QueryLimits& limits = QueryLimits()) {
  Result<ParsedQuery> result = ParseQuery(query, limits);
  INFO("query: " << query);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalidArgument);
  return result.status().message();
}

// Parts as strings Catch can print and compare: phrases keep their quotes,
// so {"犬", "\"ドッグ フード\""} says both the text and the phrase flag.
std::vector<std::string> Show(const std::vector<QueryPart>& parts) {
  std::vector<std::string> out;
  for (const QueryPart& part : parts) {
    out.push_back(part.phrase ? "\"" + part.text + "\"" : part.text);
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST_CASE("An empty or all-whitespace query parses to an empty query", "[query]") {
  for (std::string query : {std::string(""), std::string(" \t\r\n"), kIdeographicSpace + " " +
                                                                          kIdeographicSpace}) {
    ParsedQuery parsed = MustParse(query);
    CHECK(parsed.required.empty());
    CHECK(parsed.excluded.empty());
    CHECK_FALSE(parsed.has_filters());
  }
}

TEST_CASE("Bare terms are required, not phrases, and keep the order written", "[query]") {
  ParsedQuery parsed = MustParse("犬 ベッド 犬 xl");
  CHECK(Show(parsed.required) == Strings{"犬", "ベッド", "犬", "xl"});
  for (const QueryPart& part : parsed.required) CHECK_FALSE(part.phrase);
  CHECK(parsed.excluded.empty());
  CHECK_FALSE(parsed.has_filters());
}

TEST_CASE("Space, tab, CR, LF and U+3000 all separate parts, in runs too", "[query]") {
  std::string query = "a b\tc\rd\ne" + kIdeographicSpace + "f" + kIdeographicSpace +
                      kIdeographicSpace + " \t g";
  CHECK(Show(MustParse(query).required) == Strings{"a", "b", "c", "d", "e", "f", "g"});
}

TEST_CASE("Other whitespace-like bytes are term text, not separators", "[query]") {
  // Only the five documented separators split; NFKC already turned other
  // Unicode spaces into ASCII space, so anything left is deliberate text.
  CHECK(Show(MustParse("a\vb c\fd").required) == Strings{"a\vb", "c\fd"});
}

TEST_CASE("A quoted phrase keeps inner words with single spaces and is trimmed", "[query]") {
  std::string query = "犬 \"  ドッグ \t\n フード" + kIdeographicSpace + "小型 \" 猫";
  ParsedQuery parsed = MustParse(query);
  CHECK(Show(parsed.required) == Strings{"犬", "\"ドッグ フード 小型\"", "猫"});
  REQUIRE(parsed.required.size() == 3);
  CHECK(parsed.required[1].phrase);
  CHECK(parsed.required[1].text == "ドッグ フード 小型");
}

TEST_CASE("A one-word phrase is still a phrase", "[query]") {
  CHECK(Show(MustParse("\"犬\"").required) == Strings{"\"犬\""});
}

TEST_CASE("An empty or blank phrase is ignored", "[query]") {
  ParsedQuery parsed = MustParse("\"\" a \"   \" b -\"\" -\"" + kIdeographicSpace + "\"");
  CHECK(Show(parsed.required) == Strings{"a", "b"});
  CHECK(parsed.excluded.empty());
}

TEST_CASE("A quote left open runs to the end of the query", "[query]") {
  CHECK(Show(MustParse("犬 \"ドッグ フード -猫 brand:x ").required) ==
        Strings{"犬", "\"ドッグ フード -猫 brand:x\""});
  ParsedQuery only_quote = MustParse("犬 \"");
  CHECK(Show(only_quote.required) == Strings{"犬"});
}

TEST_CASE("A quote inside a bare term is term text, not the start of a phrase", "[query]") {
  // An inch mark must not turn the rest of the query into a phrase.
  CHECK(Show(MustParse("モニター 27\" 黒").required) == Strings{"モニター", "27\"", "黒"});
  CHECK(Show(MustParse("a\"b c\"").required) == Strings{"a\"b", "c\""});
}

TEST_CASE("Text right after a closing quote starts a new part", "[query]") {
  CHECK(Show(MustParse("\"dog food\"s x").required) == Strings{"\"dog food\"", "s", "x"});
  CHECK(Show(MustParse("\"a\"\"b\"").required) == Strings{"\"a\"", "\"b\""});
}

TEST_CASE("A leading minus excludes a term or a phrase", "[query]") {
  ParsedQuery parsed = MustParse("犬 -猫 -\"キャット  フード\" ベッド -鳥");
  CHECK(Show(parsed.required) == Strings{"犬", "ベッド"});
  CHECK(Show(parsed.excluded) == Strings{"猫", "\"キャット フード\"", "鳥"});
}

TEST_CASE("A minus inside a term is term text", "[query]") {
  ParsedQuery parsed = MustParse("sku-123 a- x-y-z");
  CHECK(Show(parsed.required) == Strings{"sku-123", "a-", "x-y-z"});
  CHECK(parsed.excluded.empty());
}

TEST_CASE("A lone minus is ignored wherever it stands", "[query]") {
  ParsedQuery parsed = MustParse("- 犬 -\t- " + std::string("-") + kIdeographicSpace + "猫 -");
  CHECK(Show(parsed.required) == Strings{"犬", "猫"});
  CHECK(parsed.excluded.empty());
  CHECK(Show(MustParse("-").required).empty());
}

TEST_CASE("Only the first minus of a part excludes; a second is term text", "[query]") {
  ParsedQuery parsed = MustParse("--foo");
  CHECK(parsed.required.empty());
  CHECK(Show(parsed.excluded) == Strings{"-foo"});
}

TEST_CASE("An excluded filter form is an excluded term, not a filter", "[query]") {
  // ParsedQuery has no excluded filters; the text stays visible as a term.
  ParsedQuery parsed = MustParse("-brand:x -price:1..2");
  CHECK(Show(parsed.excluded) == Strings{"brand:x", "price:1..2"});
  CHECK_FALSE(parsed.has_filters());
}

TEST_CASE("brand: takes a bare or a quoted name, and several brands are kept", "[query]") {
  ParsedQuery parsed = MustParse("brand:ペティオ 犬 brand:\"two   words \" brand:ペティオ");
  CHECK(parsed.brands == Strings{"ペティオ", "two words", "ペティオ"});
  CHECK(Show(parsed.required) == Strings{"犬"});
  CHECK(parsed.has_filters());
}

TEST_CASE("A quoted brand left open runs to the end of the query", "[query]") {
  ParsedQuery parsed = MustParse("brand:\"two words -猫");
  CHECK(parsed.brands == Strings{"two words -猫"});
  CHECK(parsed.required.empty());
  CHECK(parsed.excluded.empty());
}

TEST_CASE("An empty filter value is ignored", "[query]") {
  ParsedQuery parsed = MustParse("brand: category: price: brand:\"\" category:\"  \" price:\"\" 犬");
  CHECK_FALSE(parsed.has_filters());
  CHECK(Show(parsed.required) == Strings{"犬"});
  CHECK_FALSE(MustParse("brand:").has_filters());
}

TEST_CASE("A bare filter value ends at whitespace", "[query]") {
  ParsedQuery parsed = MustParse("brand:two words");
  CHECK(parsed.brands == Strings{"two"});
  CHECK(Show(parsed.required) == Strings{"words"});
}

TEST_CASE("category: keeps its path and trims spaces around each '>'", "[query]") {
  ParsedQuery parsed = MustParse(
      "category:ペット用品>犬用品 category:\"ペット用品 > 犬用品\" category:\" a  b >c" +
      kIdeographicSpace + ">d \"");
  CHECK(parsed.categories == Strings{"ペット用品>犬用品", "ペット用品>犬用品", "a b>c>d"});
  CHECK(parsed.required.empty());
}

TEST_CASE("category: keeps a trailing or doubled '>' as written", "[query]") {
  CHECK(MustParse("category:ペット用品>").categories == Strings{"ペット用品>"});
  CHECK(MustParse("category:a>>b").categories == Strings{"a>>b"});
}

TEST_CASE("category: with no segment text at all is ignored", "[query]") {
  ParsedQuery parsed = MustParse("category:> category:\" > \" category:>>");
  CHECK(parsed.categories.empty());
  CHECK(parsed.required.empty());
}

TEST_CASE("category: values with spaces must be quoted, since spaces separate parts",
          "[query]") {
  ParsedQuery parsed = MustParse("category:ペット用品 > 犬用品");
  CHECK(parsed.categories == Strings{"ペット用品"});
  CHECK(Show(parsed.required) == Strings{">", "犬用品"});
}

TEST_CASE("price: accepts MIN..MAX, ..MAX, MIN.. and an exact price", "[query]") {
  ParsedQuery range = MustParse("price:1000..5000");
  REQUIRE(range.price_min);
  REQUIRE(range.price_max);
  CHECK(*range.price_min == 1000.0);
  CHECK(*range.price_max == 5000.0);

  ParsedQuery at_most = MustParse("price:..3000");
  CHECK_FALSE(at_most.price_min);
  REQUIRE(at_most.price_max);
  CHECK(*at_most.price_max == 3000.0);

  ParsedQuery at_least = MustParse("price:500..");
  REQUIRE(at_least.price_min);
  CHECK(*at_least.price_min == 500.0);
  CHECK_FALSE(at_least.price_max);

  ParsedQuery exact = MustParse("price:980");
  REQUIRE(exact.price_min);
  REQUIRE(exact.price_max);
  CHECK(*exact.price_min == 980.0);
  CHECK(*exact.price_max == 980.0);
  CHECK(exact.has_filters());
}

TEST_CASE("price: bounds may be decimals, and equal bounds are fine", "[query]") {
  ParsedQuery parsed = MustParse("price:0.5..1999.99");
  CHECK(*parsed.price_min == Approx(0.5));
  CHECK(*parsed.price_max == Approx(1999.99));
  ParsedQuery equal = MustParse("price:100..100");
  CHECK(*equal.price_min == 100.0);
  CHECK(*equal.price_max == 100.0);
}

TEST_CASE("price: may be quoted, with spaces around the value trimmed", "[query]") {
  ParsedQuery parsed = MustParse("price:\" 100..200 \"");
  CHECK(*parsed.price_min == 100.0);
  CHECK(*parsed.price_max == 200.0);
}

TEST_CASE("A price filter that is not a number range is an error naming it", "[query]") {
  CHECK(MustFail("犬 price:abc") ==
        "price filter 'abc': expected MIN..MAX with numbers, e.g. price:1000..5000");
  for (std::string bad : {"1,000", "-5", "+5", "..", "...", "1..2..3", "1.", ".5", "1.2.3",
                          "1e3", "inf", "nan", "0x10", "1000円", "１０"}) {
    INFO("value: " << bad);
    std::string message = MustFail("price:" + bad);
    CHECK(message == "price filter '" + bad +
                         "': expected MIN..MAX with numbers, e.g. price:1000..5000");
  }
  // Quoted: inner spaces around ".." are not trimmed away.
  CHECK_THAT(MustFail("price:\"100 .. 200\""), Contains("'100 .. 200'"));
}

TEST_CASE("A price number too large for a double is an error, not infinity", "[query]") {
  std::string huge(400, '9');
  CHECK_THAT(MustFail("price:" + huge), Contains("expected MIN..MAX"));
}

TEST_CASE("A price filter with min greater than max is an error", "[query]") {
  std::string message = MustFail("price:5000..1000");
  CHECK_THAT(message, Contains("'5000..1000'"));
  CHECK_THAT(message, Contains("minimum is greater than the maximum"));
  CHECK_THAT(MustFail("price:1.5..1.25"), Contains("'1.5..1.25'"));
}

TEST_CASE("Several price filters intersect", "[query]") {
  ParsedQuery parsed = MustParse("price:100.. price:..500 price:50..400");
  CHECK(*parsed.price_min == 100.0);
  CHECK(*parsed.price_max == 400.0);
  ParsedQuery exact = MustParse("price:100..100 price:007..200");
  CHECK(*exact.price_min == 100.0);
  CHECK(*exact.price_max == 100.0);
}

TEST_CASE("Price filters that do not overlap are an error naming the later one", "[query]") {
  std::string message = MustFail("price:100..200 price:300..400");
  CHECK_THAT(message, Contains("'300..400'"));
  CHECK_THAT(message, Contains("does not overlap"));
  CHECK_THAT(MustFail("price:..99 price:100"), Contains("'100'"));
}

TEST_CASE("Unknown word:value forms are ordinary terms", "[query]") {
  ParsedQuery parsed =
      MustParse("http://x foo:bar 比率3:2 brands:x pricey:1 : brand price 10:00");
  CHECK(Show(parsed.required) == Strings{"http://x", "foo:bar", "比率3:2", "brands:x",
                                          "pricey:1", ":", "brand", "price", "10:00"});
  CHECK_FALSE(parsed.has_filters());
}

TEST_CASE("A filter key inside quotes is phrase text", "[query]") {
  ParsedQuery parsed = MustParse("\"brand:x\" \"price:abc\"");
  CHECK(Show(parsed.required) == Strings{"\"brand:x\"", "\"price:abc\""});
  CHECK_FALSE(parsed.has_filters());
}

TEST_CASE("Filter keys are exact lower-case ASCII, as the analyzer folds them", "[query]") {
  // A key only in a term's middle, or with a stray prefix, is no filter.
  ParsedQuery parsed = MustParse("xbrand:y a\"brand:z");
  CHECK(Show(parsed.required) == Strings{"xbrand:y", "a\"brand:z"});
  CHECK_FALSE(parsed.has_filters());
}

TEST_CASE("A mixed query fills every field of ParsedQuery", "[query]") {
  ParsedQuery parsed = MustParse(
      "犬 \"ドッグ フード\" -猫 brand:ペティオ category:\"ペット用品 > 犬用品\" "
      "price:1000..5000 -\"キャット フード\" ベッド");
  CHECK(Show(parsed.required) == Strings{"犬", "\"ドッグ フード\"", "ベッド"});
  CHECK(Show(parsed.excluded) == Strings{"猫", "\"キャット フード\""});
  CHECK(parsed.brands == Strings{"ペティオ"});
  CHECK(parsed.categories == Strings{"ペット用品>犬用品"});
  CHECK(*parsed.price_min == 1000.0);
  CHECK(*parsed.price_max == 5000.0);
}

TEST_CASE("Invalid UTF-8 passes through as term text", "[query]") {
  std::string bad = "\xFF\xFE";
  std::string truncated_space = "a\xE3\x80";  // U+3000 cut short: not a separator
  std::string with_nul("x\0y", 3);
  ParsedQuery parsed = MustParse(bad + " " + truncated_space + " " + with_nul + " \xC3");
  CHECK(Show(parsed.required) == Strings{bad, truncated_space, with_nul, "\xC3"});
  // A stray lead byte before a real U+3000 does not hide the separator.
  CHECK(Show(MustParse("\xE3" + kIdeographicSpace + "b").required) == Strings{"\xE3", "b"});
}

TEST_CASE("A query at the byte limit parses and one byte more is an error", "[query]") {
  QueryLimits limits;
  limits.max_query_bytes = 10;
  CHECK(Show(MustParse("0123456789", limits).required) == Strings{"0123456789"});
  CHECK(MustFail("0123456789a", limits) == "query is 11 bytes; the limit is 10");
  // The default limit is 1024 bytes.
  CHECK(MustFail(std::string(1025, 'a')) == "query is 1025 bytes; the limit is 1024");
  MustParse(std::string(1024, 'a'));
}

TEST_CASE("The byte limit counts bytes, not characters", "[query]") {
  QueryLimits limits;
  limits.max_query_bytes = 5;
  MustFail("犬猫", limits);  // 2 characters, 6 bytes
  MustParse("犬", limits);
}

TEST_CASE("A query at the part limit parses and one part more is an error", "[query]") {
  QueryLimits limits;
  limits.max_terms = 4;
  ParsedQuery at_limit = MustParse("a \"b c\" -d brand:e", limits);
  CHECK(at_limit.required.size() == 2);
  std::string message = MustFail("a \"b c\" -d brand:e price:1..2", limits);
  CHECK(message == "query has 5 parts (terms, phrases, exclusions and filters); "
                   "the limit is 4");
}

TEST_CASE("Every kind of part counts against the part limit", "[query]") {
  QueryLimits limits;
  limits.max_terms = 1;
  for (std::string two : {"a b", "\"a\" \"b\"", "-a -b", "brand:a brand:b",
                          "category:a category:b", "price:1.. price:..2", "a -b"}) {
    INFO("query: " << two);
    CHECK_THAT(MustFail(two, limits), Contains("query has 2 parts"));
  }
}

TEST_CASE("Ignored parts do not count against the part limit", "[query]") {
  QueryLimits limits;
  limits.max_terms = 1;
  ParsedQuery parsed = MustParse("- \"\" brand: category: price: category:> 犬 -", limits);
  CHECK(Show(parsed.required) == Strings{"犬"});
}

TEST_CASE("The default part limit is 32", "[query]") {
  std::string query;
  for (int i = 0; i < 32; ++i) query += "t" + std::to_string(i) + " ";
  CHECK(MustParse(query).required.size() == 32);
  CHECK_THAT(MustFail(query + "t32"), Contains("query has 33 parts"));
  CHECK_THAT(MustFail(query + "t32"), Contains("the limit is 32"));
}

// Builds a random query from pieces that exercise the grammar (operators,
// filter keys, separators, cut-off multibyte sequences) mixed with raw bytes.
std::string RandomQuery(std::mt19937_64& rng) {
  static const std::vector<std::string> kPieces = {
      " ", "\t", "\r", "\n", "\xE3\x80\x80", "\xE3\x80", "\xE3", "\"", "-", ":", ">",
      ".", "..", "0", "1", "9", "brand:", "category:", "price:", "犬", "a", "\xFF", "\x80",
      std::string(1, '\0')};
  std::uniform_int_distribution<int> length(0, 60);
  std::uniform_int_distribution<size_t> piece(0, kPieces.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  std::bernoulli_distribution raw(0.3);
  std::string query;
  for (int n = length(rng); n > 0; --n) {
    if (raw(rng)) {
      query.push_back(static_cast<char>(byte(rng)));
    } else {
      query += kPieces[piece(rng)];
    }
  }
  return query;
}

bool HasSeparator(const std::string& text) {
  return text.find_first_of(" \t\r\n") != std::string::npos ||
         text.find(kIdeographicSpace) != std::string::npos;
}

TEST_CASE("Random byte strings never crash and either parse or are invalid arguments",
          "[query]") {
  // Replay a failure with SAIKI_TEST_SEED=<seed printed below>.
  uint64_t seed = std::random_device()();
  if (const char* env = std::getenv("SAIKI_TEST_SEED")) seed = std::strtoull(env, nullptr, 10);
  // Printed up front as well as in INFO: a sanitizer abort skips Catch's report.
  std::cerr << "query parser property test seed: " << seed << "\n";
  INFO("seed: " << seed);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> small_limit(0, 8);
  int parsed_count = 0;
  int error_count = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string query = RandomQuery(rng);
    QueryLimits limits;
    if (i % 4 == 0) {  // sometimes tight limits, to reach both limit errors
      limits.max_terms = small_limit(rng);
      limits.max_query_bytes = small_limit(rng) * 8;
    }
    Result<ParsedQuery> result = ParseQuery(query, limits);
    if (!result.ok()) {
      ++error_count;
      REQUIRE(result.status().code() == StatusCode::kInvalidArgument);
      REQUIRE_FALSE(result.status().message().empty());
      continue;
    }
    ++parsed_count;
    const ParsedQuery& parsed = result.value();
    // Invariants every caller relies on.
    size_t parts = parsed.required.size() + parsed.excluded.size() + parsed.brands.size() +
                   parsed.categories.size();
    REQUIRE(parts <= limits.max_terms);
    REQUIRE(query.size() <= limits.max_query_bytes);
    for (const auto* list : {&parsed.required, &parsed.excluded}) {
      for (const QueryPart& part : *list) {
        REQUIRE_FALSE(part.text.empty());
        if (part.phrase) {
          REQUIRE(part.text.front() != ' ');
          REQUIRE(part.text.back() != ' ');
          REQUIRE(part.text.find("  ") == std::string::npos);
        } else {
          REQUIRE_FALSE(HasSeparator(part.text));
        }
      }
    }
    for (const std::string& brand : parsed.brands) REQUIRE_FALSE(brand.empty());
    for (const std::string& category : parsed.categories) REQUIRE_FALSE(category.empty());
    if (parsed.price_min && parsed.price_max) REQUIRE(*parsed.price_min <= *parsed.price_max);
    // Parsing is a pure function of its input.
    Result<ParsedQuery> again = ParseQuery(query, limits);
    REQUIRE(again.ok());
    REQUIRE(Show(again->required) == Show(parsed.required));
    REQUIRE(Show(again->excluded) == Show(parsed.excluded));
  }
  // The generator must reach both outcomes, or the test proves little.
  CHECK(parsed_count > 0);
  CHECK(error_count > 0);
}

}  // namespace
}  // namespace saiki::engine
