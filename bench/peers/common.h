// Shared pieces of the peer benchmark (bench/peers/): the catalogue reader,
// the normalisation every engine is fed with, the query mix, result files and
// small utilities. See bench/peers/README.md for what is measured and how.
#ifndef SAIKI_BENCH_PEERS_COMMON_H_
#define SAIKI_BENCH_PEERS_COMMON_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peers {

// ------------------------------------------------------------------ catalogue

// One product row of the generated catalogue (datasets/README.md), raw.
struct Row {
  uint32_t idx = 0;  // 1-based row number = the docid every peer uses
  std::string id, title, description, brand, category, tags;
  double price = 0;
  bool has_price = false;
};

// Streams the RFC 4180 catalogue; calls `fn` for each data row. Returns false
// (with *error) when the file cannot be read or has no id column.
bool ReadCatalog(const std::string& path, const std::function<void(Row&)>& fn,
                 std::string* error);

// The normalisation all peers and the oracle share: NFKC + case folding (ICU
// nfkc_cf), then hiragana -> katakana. Whitespace runs become one ASCII space,
// trimmed. (saiki normalises its own input with the same first two steps plus
// its long-vowel rule; it is fed the raw CSV.)
std::string Normalize(std::string_view text);

// A normalised row, what the peers index.
struct NormRow {
  uint32_t idx = 0;
  std::string title, description, brand, category, tags;
  std::string brand_key;  // Normalize(brand), the brand: filter's key
  double price = 0;
};
NormRow NormalizeRow(const Row& r);

// ------------------------------------------------------------------ queries

// One query of the mix, already normalised. Every engine receives the same
// terms (all required) and filters; saiki receives `saiki` (its query syntax,
// equivalent).
struct Query {
  int qid = 0;
  std::string kind;                // kanji1, two_char, katakana, brand, latin, model, multi, filter
  std::vector<std::string> terms;  // required terms, normalised
  std::string brand;               // brand filter (normalised), "" when none
  std::optional<double> price_min, price_max;
  std::string saiki;               // the same query in saiki's syntax
  bool cjk = false;                // some term contains a CJK character
  size_t min_term_chars = 0;       // code points of the shortest term
};

// saiki's query syntax for terms and filters: `t1 t2 brand:"B" price:lo..hi`.
std::string SaikiQueryString(const std::vector<std::string>& terms, const std::string& brand,
                             const std::optional<double>& price_min,
                             const std::optional<double>& price_max);

bool WriteQueries(const std::string& path, const std::vector<Query>& qs, std::string* error);
bool ReadQueries(const std::string& path, std::vector<Query>* qs, std::string* error);

// The oracle's answer per query: sorted docids (1-based rows).
bool WriteOracle(const std::string& path, const std::vector<std::vector<uint32_t>>& sets,
                 std::string* error);
bool ReadOracle(const std::string& path, std::vector<std::vector<uint32_t>>* sets,
                std::string* error);

// The catalogue's prices by docid - 1.
bool WritePrices(const std::string& path, const std::vector<double>& prices, std::string* error);
bool ReadPrices(const std::string& path, std::vector<double>* prices, std::string* error);

// Code points of UTF-8 text.
std::u32string ToU32(std::string_view s);
std::string ToU8(std::u32string_view s);
bool IsKanji(char32_t c);
bool IsKatakana(char32_t c);  // katakana letters and ー (not the middle dot)
bool IsCjk(char32_t c);
inline bool IsAsciiAlnum(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
// Letters and digits of Latin words: ASCII, Latin-1 and Latin Extended
// letters (kazé is one word), Greek and Cyrillic.
inline bool IsWordChar(char32_t c) {
  return IsAsciiAlnum(c) || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
         (c >= 0x370 && c <= 0x52F);
}

// ------------------------------------------------------------------ utilities

using Clock = std::chrono::steady_clock;
inline double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU time of the calling thread (user + system), in seconds: unlike wall
// time it does not count the time other processes hold the cores.
double ThreadCpuSeconds();
// CPU time of this process so far (getrusage), in seconds.
double ProcessCpuSeconds();

// Bytes allocated on disk (like du) for a file, or every file under a
// directory: Groonga's files are large and sparse.
uint64_t DiskBytes(const std::string& path);

// Peak resident set of this process so far (getrusage ru_maxrss), in KiB.
long PeakRssKb();

// Percentile (0..100) of a sample, nearest rank; NaN when empty.
double Percentile(std::vector<double> v, double p);

// A result file: "key<TAB>value" lines, then free-form sections.
using KeyValues = std::map<std::string, std::string>;
bool WriteKeyValues(const std::string& path, const KeyValues& kv, std::string* error);
bool ReadKeyValues(const std::string& path, KeyValues* kv, std::string* error);

std::string Join(const std::vector<std::string>& v, const std::string& sep);
std::vector<std::string> Split(const std::string& s, char sep);

}  // namespace peers

#endif  // SAIKI_BENCH_PEERS_COMMON_H_
