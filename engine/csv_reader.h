// Streaming RFC 4180 CSV reader: where product data enters saiki.
//
// Reads records one at a time from a std::istream in bounded memory (a record
// is held whole, nothing more). Supports quoted fields, doubled quotes,
// newlines inside quotes, LF and CRLF line ends, a UTF-8 BOM, and legacy
// encodings (Shift_JIS / CP932 as Excel writes them, or any ICU converter
// name) converted to UTF-8 per field through ICU with a stop-on-error
// callback: an invalid byte sequence makes that record bad, it is never
// replaced silently. UTF-8 input is validated the same way.
//
// Bad records do not stop the reader: Next() returns the record with
// `error` set and its line number, and reading goes on at the next record.
// Errors the reader reports per record:
//   - invalid byte sequence for the encoding (names the field and column),
//   - a field longer than Options::max_field_bytes,
//   - a record longer than Options::max_record_bytes,
//   - an unterminated quoted field at end of file,
//   - a stray quote inside an unquoted field, or text after a closing quote.
// Field-count and value checks belong to the caller, which knows the header.
#ifndef SAIKI_ENGINE_CSV_READER_H_
#define SAIKI_ENGINE_CSV_READER_H_

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "saiki/status.h"

namespace saiki::engine {

struct CsvOptions {
  // "" or "utf-8" for UTF-8 (validated); otherwise an ICU converter name such
  // as "shift_jis", "cp932", "windows-31j", "euc-jp".
  std::string encoding;
  char delimiter = ',';
  // Limits, in bytes of the input encoding. Defaults documented in README.
  size_t max_field_bytes = 1 << 20;   // 1 MiB
  size_t max_record_bytes = 4 << 20;  // 4 MiB
};

struct CsvRecord {
  std::vector<std::string> fields;  // UTF-8
  uint64_t line = 0;                // 1-based line where the record starts
  std::string error;                // empty when the record is good
};

class CsvReader {
 public:
  // `name` is used in messages (usually the file path). `in` must outlive the
  // reader. Fails with kInvalidArgument for an unknown encoding name.
  static Result<std::unique_ptr<CsvReader>> Open(std::istream* in, std::string name,
                                                 const CsvOptions& options);
  ~CsvReader();

  // Reads the next record into *record. Returns false at end of input (then
  // *record is untouched). A blank line (no characters at all) is skipped.
  // Returns an I/O error status through io_status() if the stream failed.
  bool Next(CsvRecord* record);

  // Non-OK if the underlying stream failed (not for bad records).
  const Status& io_status() const;
  // Bytes consumed so far (for progress lines).
  uint64_t bytes_read() const;

 private:
  CsvReader();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace saiki::engine

#endif  // SAIKI_ENGINE_CSV_READER_H_
