// libFuzzer target: engine/csv_reader.h over arbitrary bytes.
//
// The first byte picks the options (so the fuzzer explores them all):
//   bits 0-1  encoding: "" (UTF-8), "cp932", "shift_jis", "euc-jp"
//   bits 2-3  delimiter: ',', tab, ';', '|' ('|' is refused with Shift_JIS)
//   bit  4    small limits (field 1..16 bytes, record 4..64 bytes) instead
//             of the defaults, to reach the limit paths
//   bits 5+7  both set: pad: a 64 KiB - (second byte) prefix record so the
//             input crosses the reader's 64 KiB buffer refill (inputs are
//             small); two bits because a padded run costs ~30 times more
//   bit  6    read through a stream that gives at most 7 bytes per read()
//             (istream::read still fills the buffer; this exercises the
//             streambuf path rather than istringstream's single copy)
// The rest of the input is the CSV text.
//
// Invariants checked (csv_reader.h):
//   - every field of every record is valid UTF-8 (bad bytes make the record
//     bad, its fields keep only a valid prefix: never invalid text out);
//   - records start on strictly increasing lines, at most one per line;
//   - with UTF-8 input, no field is longer than max_field_bytes and a good
//     record's fields are within max_record_bytes;
//   - bytes_read() never exceeds the input, and reaches it at the end;
//   - the number of records is at most the number of lines.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <streambuf>
#include <string>

#include "engine/csv_reader.h"
#include "fuzz/fuzz_util.h"

namespace {

using saiki::fuzz::Escape;
using saiki::fuzz::IsValidUtf8;

// A streambuf over a string that hands out at most 7 bytes per underflow.
class TrickleBuf : public std::streambuf {
 public:
  explicit TrickleBuf(const std::string& s) : s_(s) {}

 protected:
  int_type underflow() override {
    if (pos_ >= s_.size()) return traits_type::eof();
    size_t n = std::min<size_t>(7, s_.size() - pos_);
    char* b = const_cast<char*>(s_.data()) + pos_;
    setg(b, b, b + n);
    pos_ += n;
    return traits_type::to_int_type(*b);
  }

 private:
  const std::string& s_;
  size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  saiki::fuzz::ByteReader in(data, size);
  const uint8_t mode = in.U8();
  const bool pad = (mode & 0xA0) == 0xA0;
  const uint8_t pad_byte = (pad || (mode & 0x10)) ? in.U8() : 0;
  static const char* const kEncodings[] = {"", "cp932", "shift_jis", "euc-jp"};
  static const char kDelimiters[] = {',', '\t', ';', '|'};

  saiki::engine::CsvOptions options;
  options.encoding = kEncodings[mode & 3];
  options.delimiter = kDelimiters[(mode >> 2) & 3];
  if (mode & 0x10) {
    options.max_field_bytes = 1 + (pad_byte & 15);
    options.max_record_bytes = 4 + (pad_byte & 60);
  }

  std::string text;
  if (pad) {
    // One record of a single field, ending just before the 64 KiB boundary.
    const size_t pad_bytes = 65536 - 1 - pad_byte;
    text.assign(pad_bytes, 'x');
    text += '\n';
  }
  const size_t prefix = text.size();
  text.append(in.Rest());

  std::istringstream plain(text);
  TrickleBuf trickle(text);
  std::istream trickled(&trickle);
  std::istream* stream = (mode & 0x40) ? &trickled : static_cast<std::istream*>(&plain);

  auto reader = saiki::engine::CsvReader::Open(stream, "fuzz.csv", options);
  if (!reader.ok()) return 0;  // e.g. '|' with Shift_JIS: refused up front

  size_t lines = 1;
  for (char c : text) lines += (c == '\n' || c == '\r');
  const bool utf8 = options.encoding.empty();
  saiki::engine::CsvRecord record;
  uint64_t prev_line = 0;
  size_t records = 0;
  while ((*reader)->Next(&record)) {
    ++records;
    FUZZ_CHECK(records <= lines, "%zu records from %zu lines", records, lines);
    FUZZ_CHECK(record.line > prev_line, "record at line %llu after one at line %llu",
               (unsigned long long)record.line, (unsigned long long)prev_line);
    prev_line = record.line;
    FUZZ_CHECK((*reader)->bytes_read() <= text.size(), "bytes_read %llu > input %zu",
               (unsigned long long)(*reader)->bytes_read(), text.size());
    size_t record_bytes = 0;
    for (size_t i = 0; i < record.fields.size(); ++i) {
      const std::string& f = record.fields[i];
      FUZZ_CHECK(IsValidUtf8(f), "line %llu field %zu is not UTF-8: %s (error: %s)",
                 (unsigned long long)record.line, i + 1, Escape(f).c_str(), record.error.c_str());
      if (utf8) {
        FUZZ_CHECK(f.size() <= options.max_field_bytes, "field of %zu bytes > limit %zu",
                   f.size(), options.max_field_bytes);
      }
      record_bytes += f.size();
    }
    if (utf8 && record.error.empty()) {
      FUZZ_CHECK(record_bytes <= options.max_record_bytes, "good record of %zu bytes > limit %zu",
                 record_bytes, options.max_record_bytes);
    }
    if (prefix && records == 1) {
      FUZZ_CHECK((mode & 0x10) || (record.fields.size() == 1 &&
                                   record.fields[0].size() == prefix - 1),
                 "the padding record came back as %zu fields", record.fields.size());
    }
  }
  FUZZ_CHECK((*reader)->io_status().ok(), "I/O error on a string stream: %s",
             (*reader)->io_status().ToString().c_str());
  FUZZ_CHECK((*reader)->bytes_read() == text.size(), "bytes_read %llu at end of %zu bytes",
             (unsigned long long)(*reader)->bytes_read(), text.size());
  return 0;
}
