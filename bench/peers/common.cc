#include "common.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace peers {

// ------------------------------------------------------------------ CSV

namespace {

// Reads one RFC 4180 record (quoted fields, doubled quotes, newlines inside
// quotes, LF or CRLF). Returns false at end of file.
bool ReadRecord(std::istream& in, std::vector<std::string>* fields) {
  fields->clear();
  std::string field;
  bool in_quotes = false, any = false, quoted_field = false;
  int c;
  while ((c = in.get()) != EOF) {
    any = true;
    if (in_quotes) {
      if (c == '"') {
        if (in.peek() == '"') {
          in.get();
          field += '"';
        } else {
          in_quotes = false;
        }
      } else {
        field += static_cast<char>(c);
      }
      continue;
    }
    if (c == '"' && field.empty() && !quoted_field) {
      in_quotes = quoted_field = true;
    } else if (c == ',') {
      fields->push_back(std::move(field));
      field.clear();
      quoted_field = false;
    } else if (c == '\n') {
      if (!field.empty() && field.back() == '\r') field.pop_back();
      fields->push_back(std::move(field));
      return true;
    } else {
      field += static_cast<char>(c);
    }
  }
  if (!any) return false;
  if (!field.empty() && field.back() == '\r') field.pop_back();
  fields->push_back(std::move(field));
  return true;
}

}  // namespace

bool ReadCatalog(const std::string& path, const std::function<void(Row&)>& fn,
                 std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open";
    return false;
  }
  std::vector<char> buf(1 << 20);
  in.rdbuf()->pubsetbuf(buf.data(), static_cast<std::streamsize>(buf.size()));
  std::vector<std::string> header, f;
  if (!ReadRecord(in, &header)) {
    *error = path + ": empty";
    return false;
  }
  if (!header.empty() && header[0].rfind("\xEF\xBB\xBF", 0) == 0) header[0].erase(0, 3);
  auto col = [&](const char* name) {
    auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : static_cast<int>(it - header.begin());
  };
  int c_id = col("id"), c_title = col("title"), c_desc = col("description"),
      c_brand = col("brand"), c_cat = col("category"), c_tags = col("tags"),
      c_price = col("price");
  if (c_id < 0) {
    *error = path + ": no id column";
    return false;
  }
  Row row;
  uint32_t idx = 0;
  auto get = [&](int c) -> std::string& {
    static std::string empty;
    empty.clear();
    return c >= 0 && c < static_cast<int>(f.size()) ? f[c] : empty;
  };
  while (ReadRecord(in, &f)) {
    if (f.size() == 1 && f[0].empty()) continue;
    row.idx = ++idx;
    row.id = std::move(get(c_id));
    row.title = std::move(get(c_title));
    row.description = std::move(get(c_desc));
    row.brand = std::move(get(c_brand));
    row.category = std::move(get(c_cat));
    row.tags = std::move(get(c_tags));
    const std::string& p = get(c_price);
    row.has_price = !p.empty();
    row.price = row.has_price ? std::strtod(p.c_str(), nullptr) : 0;
    fn(row);
  }
  return true;
}

// ------------------------------------------------------------------ text

std::u32string ToU32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    char32_t cp;
    int n;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if ((c >> 5) == 6) {
      cp = c & 0x1F;
      n = 2;
    } else if ((c >> 4) == 14) {
      cp = c & 0x0F;
      n = 3;
    } else if ((c >> 3) == 30) {
      cp = c & 0x07;
      n = 4;
    } else {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    if (i + n > s.size()) {
      out.push_back(0xFFFD);
      break;
    }
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

std::string ToU8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (char32_t c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

bool IsKanji(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF) || c == 0x3005;
}
bool IsKatakana(char32_t c) {
  return (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC || c == 0x30FD || c == 0x30FE ||
         (c >= 0x31F0 && c <= 0x31FF);
}
bool IsCjk(char32_t c) { return IsKanji(c) || IsKatakana(c) || (c >= 0x3041 && c <= 0x309F); }

std::string Normalize(std::string_view text) {
  static const icu::Normalizer2* nfkc_cf = [] {
    UErrorCode st = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(st);
    if (U_FAILURE(st)) {
      std::fprintf(stderr, "ICU nfkc_cf unavailable: %s\n", u_errorName(st));
      std::abort();
    }
    return n;
  }();
  UErrorCode st = U_ZERO_ERROR;
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::UnicodeString n = nfkc_cf->normalize(u, st);
  std::string u8;
  n.toUTF8String(u8);
  std::u32string cps = ToU32(u8);
  std::u32string out;
  out.reserve(cps.size());
  for (char32_t c : cps) {
    if (c >= 0x3041 && c <= 0x3096) c += 0x60;          // hiragana -> katakana
    else if (c == 0x309D || c == 0x309E) c += 0x60;     // ゝゞ -> ヽヾ
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000 || c == 0xA0;
    if (space) {
      if (out.empty() || out.back() == ' ') continue;
      c = ' ';
    }
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return ToU8(out);
}

NormRow NormalizeRow(const Row& r) {
  NormRow n;
  n.idx = r.idx;
  n.title = Normalize(r.title);
  n.description = Normalize(r.description);
  n.brand = Normalize(r.brand);
  n.category = Normalize(r.category);
  n.tags = Normalize(r.tags);
  n.brand_key = n.brand;
  n.price = r.price;
  return n;
}

// ------------------------------------------------------------------ files

namespace {
std::string PriceStr(const std::optional<double>& p) {
  if (!p) return "";
  char b[64];
  std::snprintf(b, sizeof b, "%.17g", *p);
  return b;
}
}  // namespace

std::string SaikiQueryString(const std::vector<std::string>& terms, const std::string& brand,
                             const std::optional<double>& price_min,
                             const std::optional<double>& price_max) {
  auto fmt = [](double p) {
    char b[32];
    std::snprintf(b, sizeof b, "%.0f", p);
    return std::string(b);
  };
  std::string s = Join(terms, " ");
  if (!brand.empty()) {
    if (!s.empty()) s += ' ';
    s.append("brand:\"").append(brand).append("\"");
  }
  if (price_min || price_max) {
    if (!s.empty()) s += ' ';
    s.append("price:");
    if (price_min) s.append(fmt(*price_min));
    s.append("..");
    if (price_max) s.append(fmt(*price_max));
  }
  return s;
}

bool WriteQueries(const std::string& path, const std::vector<Query>& qs, std::string* error) {
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    *error = path + ": cannot write";
    return false;
  }
  for (const Query& q : qs) {
    out << q.qid << '\t' << q.kind << '\t' << Join(q.terms, "\x1f") << '\t' << q.brand << '\t'
        << PriceStr(q.price_min) << '\t' << PriceStr(q.price_max) << '\t' << q.saiki << '\t'
        << (q.cjk ? 1 : 0) << '\t' << q.min_term_chars << '\n';
  }
  return static_cast<bool>(out);
}

bool ReadQueries(const std::string& path, std::vector<Query>* qs, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot read";
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f = Split(line, '\t');
    if (f.size() != 9) {
      *error = path + ": bad line: " + line;
      return false;
    }
    Query q;
    q.qid = std::stoi(f[0]);
    q.kind = f[1];
    q.terms = f[2].empty() ? std::vector<std::string>{} : Split(f[2], '\x1f');
    q.brand = f[3];
    if (!f[4].empty()) q.price_min = std::strtod(f[4].c_str(), nullptr);
    if (!f[5].empty()) q.price_max = std::strtod(f[5].c_str(), nullptr);
    q.saiki = f[6];
    q.cjk = f[7] == "1";
    q.min_term_chars = std::stoul(f[8]);
    qs->push_back(std::move(q));
  }
  return true;
}

bool WriteOracle(const std::string& path, const std::vector<std::vector<uint32_t>>& sets,
                 std::string* error) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    *error = path + ": cannot write";
    return false;
  }
  uint32_t n = static_cast<uint32_t>(sets.size());
  std::fwrite(&n, 4, 1, f);
  for (const auto& s : sets) {
    uint32_t m = static_cast<uint32_t>(s.size());
    std::fwrite(&m, 4, 1, f);
    if (m) std::fwrite(s.data(), 4, m, f);
  }
  bool ok = std::fclose(f) == 0;
  if (!ok) *error = path + ": write failed";
  return ok;
}

bool ReadOracle(const std::string& path, std::vector<std::vector<uint32_t>>* sets,
                std::string* error) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *error = path + ": cannot read";
    return false;
  }
  uint32_t n = 0;
  bool ok = std::fread(&n, 4, 1, f) == 1;
  sets->assign(ok ? n : 0, {});
  for (uint32_t i = 0; ok && i < n; ++i) {
    uint32_t m = 0;
    ok = std::fread(&m, 4, 1, f) == 1;
    if (!ok) break;
    (*sets)[i].resize(m);
    if (m) ok = std::fread((*sets)[i].data(), 4, m, f) == m;
  }
  std::fclose(f);
  if (!ok) *error = path + ": truncated";
  return ok;
}

bool WritePrices(const std::string& path, const std::vector<double>& prices, std::string* error) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(prices.data()),
            static_cast<std::streamsize>(prices.size() * sizeof(double)));
  if (!out) *error = path + ": cannot write";
  return static_cast<bool>(out);
}

bool ReadPrices(const std::string& path, std::vector<double>* prices, std::string* error) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    *error = path + ": cannot read";
    return false;
  }
  prices->resize(static_cast<size_t>(in.tellg()) / sizeof(double));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(prices->data()),
          static_cast<std::streamsize>(prices->size() * sizeof(double)));
  return static_cast<bool>(in);
}

uint64_t DiskBytes(const std::string& path) {
  namespace fs = std::filesystem;
  auto allocated = [](const std::string& p) -> uint64_t {
    struct stat st;
    if (stat(p.c_str(), &st) != 0) return 0;
    return static_cast<uint64_t>(st.st_blocks) * 512;
  };
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return allocated(path);
  uint64_t total = 0;
  if (!fs::is_directory(path, ec)) return 0;
  for (auto it = fs::recursive_directory_iterator(path, ec); it != fs::end(it); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec)) total += allocated(it->path().string());
  }
  return total;
}

double ThreadCpuSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double ProcessCpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

long PeakRssKb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  double rank = std::ceil(p / 100.0 * static_cast<double>(v.size()));
  size_t i = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return v[std::min(i, v.size() - 1)];
}

bool WriteKeyValues(const std::string& path, const KeyValues& kv, std::string* error) {
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    *error = path + ": cannot write";
    return false;
  }
  for (const auto& [k, v] : kv) out << k << '\t' << v << '\n';
  return static_cast<bool>(out);
}

bool ReadKeyValues(const std::string& path, KeyValues* kv, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot read";
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    (*kv)[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return true;
}

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

}  // namespace peers
