// Tests for the streaming CSV reader: RFC 4180 parsing, line numbers, record
// errors and recovery, limits, encodings (UTF-8 validation, Shift_JIS / CP932
// / EUC-JP through ICU), I/O failure, and bounded memory on a large stream
// produced lazily so that nothing but the reader could hold it.
#include "engine/csv_reader.h"

#include <sys/resource.h>

#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace saiki::engine {
namespace {

using Fields = std::vector<std::string>;

std::unique_ptr<CsvReader> OpenOrFail(std::istream* in, const CsvOptions& options = {}) {
  auto reader = CsvReader::Open(in, "test.csv", options);
  INFO(reader.status().message());
  REQUIRE(reader.ok());
  return std::move(reader).value();
}

// Reads every record of `data`; the stream must not fail.
std::vector<CsvRecord> ReadAll(const std::string& data, const CsvOptions& options = {}) {
  std::istringstream in(data);
  auto reader = OpenOrFail(&in, options);
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (reader->Next(&record)) records.push_back(record);
  REQUIRE(reader->io_status().ok());
  CHECK(reader->bytes_read() == data.size());
  return records;
}

CsvOptions Encoding(const std::string& name) {
  CsvOptions options;
  options.encoding = name;
  return options;
}

// A stream whose bytes are made on demand, chunk by chunk, by `next` (which
// returns false at the end), counting what it has handed out.
class LazySource : public std::streambuf {
 public:
  explicit LazySource(std::function<bool(std::string*)> next) : next_(std::move(next)) {}
  uint64_t produced() const { return produced_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    chunk_.clear();
    if (!next_(&chunk_) || chunk_.empty()) return traits_type::eof();
    produced_ += chunk_.size();
    setg(chunk_.data(), chunk_.data(), chunk_.data() + chunk_.size());
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::function<bool(std::string*)> next_;
  std::string chunk_;
  uint64_t produced_ = 0;
};

TEST_CASE("Plain records are split on the delimiter and numbered by line", "[csv]") {
  auto records = ReadAll("id,name,price\n1,犬 ベッド,1980\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"id", "name", "price"});
  CHECK(records[0].line == 1);
  CHECK(records[0].error.empty());
  CHECK(records[1].fields == Fields{"1", "犬 ベッド", "1980"});
  CHECK(records[1].line == 2);
  CHECK(records[1].error.empty());
}

TEST_CASE("Quoted fields may hold delimiters and doubled quotes", "[csv]") {
  auto records = ReadAll("\"a,b\",\"say \"\"hi\"\"\",\"\",\"\"\"\",plain\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"a,b", "say \"hi\"", "", "\"", "plain"});
  CHECK(records[0].error.empty());
}

TEST_CASE("Empty fields and a trailing delimiter give empty strings", "[csv]") {
  auto records = ReadAll(",,\na,\n\"\"\n");
  REQUIRE(records.size() == 3);
  CHECK(records[0].fields == Fields{"", "", ""});
  CHECK(records[1].fields == Fields{"a", ""});
  CHECK(records[2].fields == Fields{""});  // a quoted empty field is not a blank line
}

TEST_CASE("Line breaks inside quotes are kept and later records keep true line numbers", "[csv]") {
  auto records = ReadAll(
      "1,\"two\nlines\"\n"
      "2,x\n"
      "3,\"a\r\nb\r\nc\"\r\n"
      "4,\"\n\n\"\n"
      "5,y\n");
  REQUIRE(records.size() == 5);
  CHECK(records[0].fields == Fields{"1", "two\nlines"});
  CHECK(records[0].line == 1);
  CHECK(records[1].fields == Fields{"2", "x"});
  CHECK(records[1].line == 3);
  CHECK(records[2].fields == Fields{"3", "a\r\nb\r\nc"});  // CRLF kept as written
  CHECK(records[2].line == 4);
  CHECK(records[3].fields == Fields{"4", "\n\n"});
  CHECK(records[3].line == 7);
  CHECK(records[4].fields == Fields{"5", "y"});
  CHECK(records[4].line == 10);
  for (const auto& r : records) CHECK(r.error.empty());
}

TEST_CASE("CRLF and a lone CR both end a record", "[csv]") {
  auto records = ReadAll("a,b\r\nc,d\re,f\n\"g\"\r\nh");
  REQUIRE(records.size() == 5);
  CHECK(records[0].fields == Fields{"a", "b"});
  CHECK(records[1].fields == Fields{"c", "d"});
  CHECK(records[2].fields == Fields{"e", "f"});
  CHECK(records[3].fields == Fields{"g"});
  CHECK(records[4].fields == Fields{"h"});
  CHECK(records[0].line == 1);
  CHECK(records[1].line == 2);
  CHECK(records[2].line == 3);
  CHECK(records[3].line == 4);
  CHECK(records[4].line == 5);
}

TEST_CASE("A UTF-8 BOM is skipped at the start of the input only", "[csv]") {
  auto records = ReadAll("\xEF\xBB\xBFid,name\n\xEF\xBB\xBFx,y\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"id", "name"});
  CHECK(records[1].fields == Fields{"\xEF\xBB\xBFx", "y"});  // U+FEFF is data here
  CHECK(records[1].line == 2);

  CHECK(ReadAll("\xEF\xBB\xBF").empty());
  auto after_bom = ReadAll("\xEF\xBB\xBF\nz\n");
  REQUIRE(after_bom.size() == 1);
  CHECK(after_bom[0].fields == Fields{"z"});
  CHECK(after_bom[0].line == 2);
}

TEST_CASE("The last record may lack a trailing line break", "[csv]") {
  auto records = ReadAll("a,b\nc,d");
  REQUIRE(records.size() == 2);
  CHECK(records[1].fields == Fields{"c", "d"});
  CHECK(records[1].error.empty());

  auto quoted = ReadAll("x,\"q\"\"\"");
  REQUIRE(quoted.size() == 1);
  CHECK(quoted[0].fields == Fields{"x", "q\""});
  CHECK(quoted[0].error.empty());
}

TEST_CASE("Blank lines are skipped but still counted", "[csv]") {
  auto records = ReadAll("\n\na\r\n\r\n\rb\n\n \n\n");
  REQUIRE(records.size() == 3);
  CHECK(records[0].fields == Fields{"a"});
  CHECK(records[0].line == 3);
  CHECK(records[1].fields == Fields{"b"});
  CHECK(records[1].line == 6);
  CHECK(records[2].fields == Fields{" "});  // a space is not a blank line
  CHECK(records[2].line == 8);
}

TEST_CASE("Empty input has no records and leaves the record untouched", "[csv]") {
  for (const std::string data : {"", "\n\r\n\n"}) {
    std::istringstream in(data);
    auto reader = OpenOrFail(&in);
    CsvRecord record;
    record.fields = {"keep"};
    record.line = 42;
    CHECK_FALSE(reader->Next(&record));
    CHECK_FALSE(reader->Next(&record));
    CHECK(record.fields == Fields{"keep"});
    CHECK(record.line == 42);
    CHECK(reader->io_status().ok());
  }
}

TEST_CASE("Another delimiter such as tab splits fields instead of commas", "[csv]") {
  CsvOptions options;
  options.delimiter = '\t';
  auto records = ReadAll("a,b\tc\t\"d\te\"\n", options);
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"a,b", "c", "d\te"});
}

TEST_CASE("A stray quote in an unquoted field makes only that record bad", "[csv]") {
  auto records = ReadAll("a,b\"c,d\nok,1\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].line == 1);
  CHECK_THAT(records[0].error, Catch::Contains("stray quote") && Catch::Contains("column 2"));
  CHECK(records[1].fields == Fields{"ok", "1"});
  CHECK(records[1].line == 2);
  CHECK(records[1].error.empty());
}

TEST_CASE("After a stray quote a later quoted line break does not split the record", "[csv]") {
  auto records = ReadAll("a\"b,\"x\ny\"\nnext\n");
  REQUIRE(records.size() == 2);
  CHECK_THAT(records[0].error, Catch::Contains("stray quote in unquoted field in column 1"));
  CHECK(records[0].line == 1);
  CHECK(records[1].fields == Fields{"next"});
  CHECK(records[1].line == 3);
  CHECK(records[1].error.empty());
}

TEST_CASE("Text after a closing quote makes only that record bad", "[csv]") {
  auto records = ReadAll("x,\"ab\"cd,e\n\"ok\",2\n");
  REQUIRE(records.size() == 2);
  CHECK_THAT(records[0].error,
             Catch::Contains("unexpected text after the closing quote in column 2"));
  CHECK(records[0].line == 1);
  CHECK(records[0].fields == Fields{"x", "abcd", "e"});  // the text is kept, as Excel does
  CHECK(records[1].fields == Fields{"ok", "2"});
  CHECK(records[1].error.empty());
}

TEST_CASE("A quoted field left open at end of input is reported with its start line", "[csv]") {
  auto records = ReadAll("ok\n1,\"abc,def\nmore\n\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].error.empty());
  CHECK(records[1].line == 2);
  CHECK_THAT(records[1].error, Catch::Contains("unterminated quoted field starting at line 2"));
  CHECK_THAT(records[1].error, Catch::Contains("column 2"));

  // The open quote wins over the limit error it caused.
  CsvOptions options;
  options.max_record_bytes = 8;
  auto limited = ReadAll("a\n\n\"123456789012\n", options);
  REQUIRE(limited.size() == 2);
  CHECK_THAT(limited[1].error, Catch::Contains("unterminated quoted field starting at line 3"));
}

TEST_CASE("A field over the field limit makes only that record bad", "[csv]") {
  CsvOptions options;
  options.max_field_bytes = 5;
  auto records = ReadAll("12345,\"12\"\"45\"\n1,123456,x\nok,2\n", options);
  REQUIRE(records.size() == 3);
  CHECK(records[0].error.empty());  // exactly at the limit; "" counts as one byte
  CHECK(records[0].fields == Fields{"12345", "12\"45"});
  CHECK(records[1].error == "field in column 2 is longer than the limit of 5 bytes");
  CHECK(records[1].line == 2);
  CHECK(records[2].fields == Fields{"ok", "2"});
  CHECK(records[2].line == 3);
  CHECK(records[2].error.empty());
}

TEST_CASE("A record over the record limit makes only that record bad", "[csv]") {
  CsvOptions options;
  options.max_record_bytes = 10;
  auto records = ReadAll("aaaa,bbbbb\naaaaa,bbbbb\n\"x\ny\",\"123456789\"\nok,1\n", options);
  REQUIRE(records.size() == 4);
  CHECK(records[0].error.empty());  // 10 bytes: at the limit
  CHECK(records[1].error == "record is longer than the limit of 10 bytes");
  CHECK(records[1].line == 2);
  CHECK(records[2].error == "record is longer than the limit of 10 bytes");
  CHECK(records[2].line == 3);  // its quoted line break still ends no record
  CHECK(records[3].fields == Fields{"ok", "1"});
  CHECK(records[3].line == 5);
  CHECK(records[3].error.empty());
}

TEST_CASE("Records that straddle the read buffer boundary parse the same", "[csv]") {
  const std::string tail =
      "\"a\"\"b\r\nc\",d\r\ne,\xE7\x8A\xAC\x83\r\nf,\"g\"\rh\n";  // \x83 makes one error
  for (size_t pad = 65536 - 40; pad <= 65536 + 2; ++pad) {
    INFO("padding " << pad);
    const std::string data = std::string(pad, 'x') + "\n" + tail;
    auto records = ReadAll(data);
    REQUIRE(records.size() == 5);
    CHECK(records[1].fields == Fields{"a\"b\r\nc", "d"});
    CHECK(records[1].line == 2);
    CHECK(records[2].fields == Fields{"e", "犬"});  // the valid prefix is kept
    CHECK_THAT(records[2].error, Catch::Contains("invalid UTF-8 in column 2"));
    CHECK(records[2].line == 4);
    CHECK(records[3].fields == Fields{"f", "g"});
    CHECK(records[3].line == 5);
    CHECK(records[4].fields == Fields{"h"});
    CHECK(records[4].line == 6);
  }
  for (size_t pad = 65536 - 6; pad <= 65536 + 1; ++pad) {
    INFO("padding " << pad);
    const std::string data = std::string(pad, 'x') + "\n\x83\x5c\x8c\xa2,\"\x83\x5c\"\"\"\n";
    auto records = ReadAll(data, Encoding("shift_jis"));
    REQUIRE(records.size() == 2);
    CHECK(records[1].fields == Fields{"ソ犬", "ソ\""});
    CHECK(records[1].error.empty());
  }
}

TEST_CASE("Shift_JIS fields are converted to UTF-8, 0x5C trail bytes included", "[csv]") {
  // ソ is 0x83 0x5C: its trail byte is ASCII '\'. 犬 is 0x8C 0xA2, ｱ is 0xB1.
  auto records = ReadAll(
      "\x83\x5c,\x8c\xa2,\xb1\n"
      "\"\x83\x5c\",\"\x83\x5c\"\"\x8c\xa2\"\n",
      Encoding("shift_jis"));
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"ソ", "犬", "ｱ"});
  CHECK(records[0].error.empty());
  CHECK(records[1].fields == Fields{"ソ", "ソ\"犬"});
  CHECK(records[1].error.empty());
}

TEST_CASE("CP932 extensions and EUC-JP decode through ICU", "[csv]") {
  auto cp932 = ReadAll("\x87\x40,\x81\x5f\n", Encoding("cp932"));  // ①, ＼
  REQUIRE(cp932.size() == 1);
  CHECK(cp932[0].fields == Fields{"①", "＼"});
  CHECK(cp932[0].error.empty());

  auto euc = ReadAll("\xB8\xA4,a\n", Encoding("EUC-JP"));  // 犬
  REQUIRE(euc.size() == 1);
  CHECK(euc[0].fields == Fields{"犬", "a"});
}

TEST_CASE("Invalid Shift_JIS bytes make only that row bad", "[csv]") {
  auto records = ReadAll(
      "ok,1,\x8c\xa2\n"
      "x,y,z\x85\x40\n"  // 0x85 0x40 is unassigned
      "x,y,\x8c\n"       // a lead byte cut off by the end of the field
      "last,2,\x83\x5c\n",
      Encoding("shift_jis"));
  REQUIRE(records.size() == 4);
  CHECK(records[0].error.empty());
  CHECK_THAT(records[1].error, Catch::StartsWith("invalid shift_jis byte sequence in column 3") &&
                                   Catch::Contains("0x85 0x40") && Catch::Contains("offset 1"));
  CHECK(records[1].line == 2);
  CHECK_THAT(records[2].error, Catch::StartsWith("invalid shift_jis byte sequence in column 3"));
  CHECK(records[2].line == 3);
  CHECK(records[3].fields == Fields{"last", "2", "ソ"});
  CHECK(records[3].error.empty());
}

TEST_CASE("Invalid UTF-8 makes the record bad and names the column", "[csv]") {
  const std::vector<std::string> bad = {
      "\x80",              // lone continuation byte
      "\xC0\xAF",          // overlong '/'
      "\xE0\x80\xAF",      // overlong, three bytes
      "\xED\xA0\x80",      // surrogate U+D800
      "\xF4\x90\x80\x80",  // U+110000
      "\xF5\x80\x80\x80",  // lead byte beyond U+10FFFF
      "\xE3\x81",          // truncated あ
      "ab\xFF",            // never valid
  };
  for (const std::string& field : bad) {
    INFO("field bytes of size " << field.size());
    auto records = ReadAll("a,\"" + field + "\",c\nnext\n");
    REQUIRE(records.size() == 2);
    CHECK_THAT(records[0].error, Catch::StartsWith("invalid UTF-8 in column 2"));
    CHECK(records[1].fields == Fields{"next"});
    CHECK(records[1].error.empty());
  }
  // The edges of the valid ranges pass.
  auto good = ReadAll("\xC2\x80,\xEF\xBF\xBF,\xF0\x90\x80\x80,\xF4\x8F\xBF\xBF,\xED\x9F\xBF,😀\n");
  REQUIRE(good.size() == 1);
  CHECK(good[0].error.empty());
  CHECK(good[0].fields.size() == 6);
}

TEST_CASE("UTF-8 may be named in any case or left empty", "[csv]") {
  for (const std::string name : {"", "utf-8", "UTF-8", "utf8", "Utf8"}) {
    INFO("encoding '" << name << "'");
    auto records = ReadAll("\xEF\xBB\xBF犬,\xFF\n", Encoding(name));
    REQUIRE(records.size() == 1);
    CHECK(records[0].fields[0] == "犬");
    CHECK_THAT(records[0].error, Catch::StartsWith("invalid UTF-8 in column 2"));
  }
}

TEST_CASE("Open rejects unknown and unusable encodings and delimiters", "[csv]") {
  std::istringstream in("a\n");
  auto open = [&](const std::string& encoding, char delimiter = ',') {
    CsvOptions options;
    options.encoding = encoding;
    options.delimiter = delimiter;
    return CsvReader::Open(&in, "products.csv", options);
  };

  auto unknown = open("no-such-encoding");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(unknown.status().message(),
             Catch::Contains("products.csv") && Catch::Contains("'no-such-encoding'"));

  for (const std::string name : {"utf-16", "UTF-16LE", "utf-32"}) {
    INFO(name);
    auto wide = open(name);
    REQUIRE_FALSE(wide.ok());
    CHECK(wide.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(wide.status().message(), Catch::Contains("UTF-16 and UTF-32 are not supported"));
  }
  auto stateful = open("iso-2022-jp");
  REQUIRE_FALSE(stateful.ok());
  CHECK_THAT(stateful.status().message(), Catch::Contains("stateful"));
  auto ebcdic = open("ibm-037");
  REQUIRE_FALSE(ebcdic.ok());
  CHECK_THAT(ebcdic.status().message(), Catch::Contains("not ASCII-compatible"));

  // 0x83 0x7C is ポ in Shift_JIS, so '|' cannot split Shift_JIS fields.
  auto pipe = open("shift_jis", '|');
  REQUIRE_FALSE(pipe.ok());
  CHECK(pipe.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(pipe.status().message(), Catch::Contains("delimiter"));
  CHECK(open("shift_jis", '\t').ok());
  CHECK(open("", '|').ok());

  for (char d : {'"', '\n', '\r', '\x83'}) {
    auto bad = open("", d);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().code() == StatusCode::kInvalidArgument);
  }

  auto null_stream = CsvReader::Open(nullptr, "products.csv", {});
  CHECK_FALSE(null_stream.ok());
}

// Hands out `good` once, then fails the way a disk error would.
class FailingSource : public std::streambuf {
 public:
  explicit FailingSource(std::string good) : good_(std::move(good)) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (served_) throw std::runtime_error("disk on fire");
    served_ = true;
    setg(good_.data(), good_.data(), good_.data() + good_.size());
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string good_;
  bool served_ = false;
};

TEST_CASE("A failing stream stops the reader with an I/O error", "[csv]") {
  for (bool stream_exceptions : {false, true}) {
    INFO("stream exceptions " << stream_exceptions);
    FailingSource source("a,b\nc,d\n");
    std::istream in(&source);
    if (stream_exceptions) in.exceptions(std::ios::badbit | std::ios::failbit);
    auto reader = OpenOrFail(&in);
    CsvRecord record;
    record.line = 99;
    // The first read itself fails (the buffer is not filled), so no record
    // comes out half-read, and nothing is thrown.
    CHECK_FALSE(reader->Next(&record));
    CHECK(record.line == 99);
    CHECK(reader->io_status().code() == StatusCode::kIoError);
    CHECK_THAT(reader->io_status().message(), Catch::Contains("test.csv"));
    CHECK_FALSE(reader->Next(&record));
  }
}

TEST_CASE("Stream exceptions at end of input are not errors", "[csv]") {
  std::istringstream in("a\nb\n");
  in.exceptions(std::ios::badbit | std::ios::failbit | std::ios::eofbit);
  auto reader = OpenOrFail(&in);
  CsvRecord record;
  REQUIRE(reader->Next(&record));
  REQUIRE(reader->Next(&record));
  CHECK(record.fields == Fields{"b"});
  CHECK_FALSE(reader->Next(&record));
  CHECK(reader->io_status().ok());
}

TEST_CASE("A stream that has already failed cannot be opened", "[csv]") {
  std::istringstream in("a\n");
  in.setstate(std::ios::failbit);
  auto reader = CsvReader::Open(&in, "gone.csv", {});
  REQUIRE_FALSE(reader.ok());
  CHECK(reader.status().code() == StatusCode::kIoError);
  CHECK_THAT(reader.status().message(), Catch::Contains("gone.csv"));
}

TEST_CASE("bytes_read follows the records consumed", "[csv]") {
  const std::string data =
      "\xEF\xBB\xBF"
      "ab,c\r\n\"d\ne\"\n";
  std::istringstream in(data);
  auto reader = OpenOrFail(&in);
  CsvRecord record;
  CHECK(reader->bytes_read() == 0);
  REQUIRE(reader->Next(&record));
  CHECK(reader->bytes_read() == 3 + 5);  // BOM, "ab,c\r" (the LF is read next time)
  REQUIRE(reader->Next(&record));
  CHECK(reader->bytes_read() == data.size());
  CHECK_FALSE(reader->Next(&record));
  CHECK(reader->bytes_read() == data.size());
}

TEST_CASE("A 50 MB stream is read record by record in bounded memory", "[csv]") {
  // Each record spans two lines (a quoted line break) and varies by index,
  // so a mis-split anywhere in 50 MB shows up as a wrong field or line.
  constexpr uint64_t kTarget = 50ull << 20;
  uint64_t next_index = 0;
  uint64_t made = 0;
  LazySource source([&](std::string* chunk) {
    if (made >= kTarget) return false;
    while (chunk->size() < 32 * 1024) {
      const std::string index = std::to_string(next_index++);
      *chunk += index;
      *chunk += ",\"犬用 ベッド, サイズ \"\"L\"\"\",\"1行目\n2行目\",";
      *chunk += index;
      *chunk += "\r\n";
    }
    made += chunk->size();
    return true;
  });
  std::istream in(&source);
  auto reader = OpenOrFail(&in);
  CsvRecord record;
  uint64_t count = 0;
  uint64_t bad = 0;
  while (reader->Next(&record)) {
    if (count == 0) {
      // Streaming: after the first record only one buffer has been pulled.
      CHECK(source.produced() <= 128 * 1024);
    }
    const std::string index = std::to_string(count);
    if (record.fields.size() != 4 || record.fields[0] != index || record.fields[3] != index ||
        record.fields[1] != "犬用 ベッド, サイズ \"L\"" || record.fields[2] != "1行目\n2行目" ||
        record.line != 2 * count + 1 || !record.error.empty()) {
      ++bad;
    }
    ++count;
  }
  CHECK(reader->io_status().ok());
  CHECK(bad == 0);
  CHECK(count == next_index);
  CHECK(made >= kTarget);
  CHECK(reader->bytes_read() == source.produced());
  CHECK(reader->bytes_read() == made);
}

long PeakRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

TEST_CASE("An over-limit record is skipped without being held in memory", "[csv]") {
  // One 64 MB quoted field, then a normal record. With a 1 KiB record limit
  // the reader must walk past the field keeping nothing of it.
  constexpr uint64_t kFieldBytes = 64ull << 20;
  int stage = 0;
  uint64_t made = 0;
  LazySource source([&](std::string* chunk) {
    switch (stage) {
      case 0:
        *chunk = "head,\"";
        stage = 1;
        return true;
      case 1:
        chunk->assign(64 * 1024, 'x');
        made += chunk->size();
        if (made >= kFieldBytes) stage = 2;
        return true;
      case 2:
        *chunk = "\"\"\n\",tail\nnext,1\n";
        stage = 3;
        return true;
      default:
        return false;
    }
  });
  std::istream in(&source);
  CsvOptions options;
  options.max_field_bytes = 512;
  options.max_record_bytes = 1024;
  auto reader = OpenOrFail(&in, options);
  CsvRecord record;
  const long rss_before_kib = PeakRssKib();
  REQUIRE(reader->Next(&record));
  // Holding the field would raise the peak by 64 MB or more. (A peak set
  // by earlier work can only hide growth, never fake it.)
  CHECK(PeakRssKib() - rss_before_kib < 32 * 1024);
  CHECK(record.line == 1);
  CHECK(record.error == "field in column 2 is longer than the limit of 512 bytes");
  size_t kept = 0;
  for (const auto& f : record.fields) kept += f.size();
  CHECK(kept <= 1024);
  REQUIRE(reader->Next(&record));
  CHECK(record.fields == Fields{"next", "1"});
  CHECK(record.line == 3);
  CHECK(record.error.empty());
  CHECK_FALSE(reader->Next(&record));
  CHECK(reader->io_status().ok());
}

}  // namespace
}  // namespace saiki::engine
