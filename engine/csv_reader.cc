// Streaming RFC 4180 CSV reader (see csv_reader.h for the contract).
//
// The reader pulls the stream through one fixed 64 KiB buffer and runs a small
// state machine over raw bytes; only the record being parsed is held, in
// buffers reused from record to record. Fields are decoded after they are cut
// out: UTF-8 input is validated in place, any other encoding goes through an
// ICU converter with the STOP callback so a bad byte sequence becomes a record
// error instead of a silent U+FFFD.
//
// Parsing raw bytes before decoding is only correct if the structure bytes
// (quote 0x22, the delimiter, CR, LF) always stand for themselves, i.e. never
// occur inside a multi-byte character. That holds for UTF-8, EUC-JP and
// Shift_JIS / CP932 (whose trail bytes are 0x40-0x7E and 0x80-0xFC: ',' '"'
// CR LF are never trail bytes, although '\' 0x5C and '|' 0x7C are). Rather
// than trust it, Open() checks it for the chosen converter and delimiter, and
// rejects what breaks it: UTF-16/32 (every character is several bytes),
// stateful encodings such as ISO-2022-JP (shift sequences; each field is
// decoded from the initial state), EBCDIC, and delimiters that can be a trail
// byte (e.g. '|' with Shift_JIS, where 0x83 0x7C is ポ). The check probes
// every two-byte sequence ending in a structure byte; longer sequences are
// not probed (GB18030's four-byte forms only involve digits there).
//
// Bad records: the first problem found is the one reported, except that an
// unterminated quote replaces it (it explains everything after it). Parsing
// goes on leniently so that the next record starts where the writer meant:
// a stray quote, or text after a closing quote, is kept as data. A field
// that fails to decode keeps its valid prefix; once a limit is exceeded
// nothing more of the record is stored, the reader only looks for its end.
#include "engine/csv_reader.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <utility>

#include <unicode/ucnv.h>
#include <unicode/utypes.h>

namespace saiki::engine {

// Outside the anonymous namespace: CsvReader::Impl (external linkage) holds
// one, and in a unity build GCC warns of a member whose type has internal
// linkage (-Wsubobject-linkage).
struct CsvConverterCloser {
  void operator()(UConverter* converter) const { ucnv_close(converter); }
};
using ConverterPtr = std::unique_ptr<UConverter, CsvConverterCloser>;

namespace {

// Big enough that a read() per chunk costs nothing next to parsing, small
// enough to be irrelevant next to the record limits.
constexpr size_t kBufferSize = 64 * 1024;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool IsUtf8Name(std::string_view encoding) {
  return encoding.empty() || EqualsIgnoreCase(encoding, "utf-8") ||
         EqualsIgnoreCase(encoding, "utf8");
}

// "0xE3 0x81": how bad bytes are shown in messages.
std::string HexBytes(const char* data, size_t size) {
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "%s0x%02X", i == 0 ? "" : " ",
                  static_cast<unsigned char>(data[i]));
    out += hex;
  }
  return out;
}

// How a structure byte is named in messages: "','", "tab", "CR", "0x01".
std::string DescribeByte(char c) {
  switch (c) {
    case '\t':
      return "tab";
    case '\r':
      return "CR";
    case '\n':
      return "LF";
    default:
      break;
  }
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
  return HexBytes(&c, 1);
}

// Finds the first ill-formed sequence per Unicode table 3-7, which rejects
// overlong forms, surrogates (ED A0..BF) and code points above U+10FFFF.
// On failure sets the sequence's offset, its length up to and including the
// offending byte, and whether it was merely cut off by the end of the field.
bool ValidateUtf8(const char* data, size_t size, size_t* bad_offset, size_t* bad_length,
                  bool* truncated) {
  const auto* s = reinterpret_cast<const unsigned char*>(data);
  size_t i = 0;
  while (i < size) {
    // Product data is mostly ASCII: skip it eight bytes at a time.
    if (i + 8 <= size) {
      uint64_t word;
      std::memcpy(&word, s + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char lead = s[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t trail_count;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the first trail
    if (lead >= 0xC2 && lead <= 0xDF) {
      trail_count = 1;
    } else if (lead == 0xE0) {
      trail_count = 2, low = 0xA0;  // below is overlong
    } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
      trail_count = 2;
    } else if (lead == 0xED) {
      trail_count = 2, high = 0x9F;  // above is a surrogate
    } else if (lead == 0xF0) {
      trail_count = 3, low = 0x90;  // below is overlong
    } else if (lead >= 0xF1 && lead <= 0xF3) {
      trail_count = 3;
    } else if (lead == 0xF4) {
      trail_count = 3, high = 0x8F;  // above is beyond U+10FFFF
    } else {
      *bad_offset = i, *bad_length = 1, *truncated = false;
      return false;
    }
    for (size_t k = 1; k <= trail_count; ++k) {
      if (i + k >= size) {
        *bad_offset = i, *bad_length = size - i, *truncated = true;
        return false;
      }
      const unsigned char trail = s[i + k];
      if (trail < low || trail > high) {
        *bad_offset = i, *bad_length = k + 1, *truncated = false;
        return false;
      }
      low = 0x80, high = 0xBF;
    }
    i += trail_count + 1;
  }
  return true;
}

// Appends UTF-16 as UTF-8. Returns false at a lone surrogate, which a
// converter should never produce; it is reported rather than replaced.
bool AppendUtf16AsUtf8(const UChar* s, size_t size, std::string* out) {
  const size_t start = out->size();
  out->resize(start + size * 3);  // a UTF-16 unit never needs more than 3 bytes
  char* p = out->data() + start;
  for (size_t i = 0; i < size; ++i) {
    uint32_t c = s[i];
    if (c >= 0xD800 && c <= 0xDFFF) {
      if (c > 0xDBFF || i + 1 == size || s[i + 1] < 0xDC00 || s[i + 1] > 0xDFFF) {
        out->resize(p - out->data());
        return false;
      }
      c = 0x10000 + ((c - 0xD800) << 10) + (s[++i] - 0xDC00);
    }
    if (c < 0x80) {
      *p++ = static_cast<char>(c);
    } else if (c < 0x800) {
      *p++ = static_cast<char>(0xC0 | (c >> 6));
      *p++ = static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      *p++ = static_cast<char>(0xE0 | (c >> 12));
      *p++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      *p++ = static_cast<char>(0x80 | (c & 0x3F));
    } else {  // two units in, four bytes out: still within the 3-per-unit bound
      *p++ = static_cast<char>(0xF0 | (c >> 18));
      *p++ = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      *p++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      *p++ = static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  out->resize(p - out->data());
  return true;
}

// Decodes `size` bytes from the converter's initial state. Returns the number
// of UTF-16 units written to `out` (capacity 8), or -1 if the bytes are invalid.
int DecodeProbe(UConverter* converter, const char* bytes, size_t size, UChar* out) {
  ucnv_resetToUnicode(converter);
  UErrorCode error = U_ZERO_ERROR;
  UChar* target = out;
  const char* source = bytes;
  ucnv_toUnicode(converter, &target, out + 8, &source, bytes + size, nullptr,
                 /*flush=*/true, &error);
  if (U_FAILURE(error)) return -1;
  return static_cast<int>(target - out);
}

// Opens the ICU converter for a non-UTF-8 encoding and checks that the CSV
// structure can be found in raw bytes (see the top of this file). Returns a
// null converter when the name is an alias of UTF-8 that ICU knows.
Result<ConverterPtr> OpenConverter(const std::string& name, const std::string& encoding,
                                   char delimiter) {
  UErrorCode error = U_ZERO_ERROR;
  ConverterPtr converter(ucnv_open(encoding.c_str(), &error));
  if (U_FAILURE(error) || converter == nullptr) {
    return Status::InvalidArgument(name + ": unknown encoding '" + encoding +
                                   "' (use utf-8, shift_jis, cp932, euc-jp or another "
                                   "ICU converter name)");
  }
  const std::string unsupported = name + ": encoding '" + encoding + "' is not supported: ";
  if (ucnv_getMinCharSize(converter.get()) > 1) {
    return Status::InvalidArgument(unsupported +
                                   "its characters take several bytes each (UTF-16 and "
                                   "UTF-32 are not supported); convert the file to UTF-8");
  }
  switch (ucnv_getType(converter.get())) {
    case UCNV_UTF8:
      return ConverterPtr();  // e.g. "ibm-1208": validate as UTF-8 ourselves
    case UCNV_SBCS:
    case UCNV_DBCS:
    case UCNV_MBCS:
    case UCNV_LATIN_1:
    case UCNV_US_ASCII:
    case UCNV_CESU8:
      break;
    default:
      // ISO-2022-*, HZ, UTF-7, SCSU, BOCU-1, stateful EBCDIC, LMBCS, ISCII...:
      // shift states would not survive decoding field by field.
      return Status::InvalidArgument(unsupported +
                                     "stateful encodings cannot be read; convert the file "
                                     "to UTF-8");
  }
  ucnv_setToUCallBack(converter.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &error);
  if (U_FAILURE(error)) {
    return Status::Internal(name + ": cannot set up the converter for '" + encoding +
                            "': " + u_errorName(error));
  }
  const char structure[] = {'"', delimiter, '\r', '\n'};
  for (char b : structure) {
    UChar out[8];
    if (DecodeProbe(converter.get(), &b, 1, out) != 1 || out[0] != static_cast<unsigned char>(b)) {
      return Status::InvalidArgument(unsupported + "the byte " + HexBytes(&b, 1) +
                                     " does not mean " + DescribeByte(b) +
                                     " in it (not ASCII-compatible)");
    }
    // A two-byte character ending in `b` would be cut in half by the parser.
    for (int lead = 0; lead < 256; ++lead) {
      const char pair[2] = {static_cast<char>(lead), b};
      const int n = DecodeProbe(converter.get(), pair, 2, out);
      if (n >= 0 && (n == 0 || out[n - 1] != static_cast<unsigned char>(b))) {
        const std::string why = "byte " + HexBytes(&b, 1) +
                                " can be the second byte of a character (e.g. after " +
                                HexBytes(pair, 1) + ")";
        if (b == delimiter) {
          return Status::InvalidArgument(name + ": the delimiter " + DescribeByte(b) +
                                         " cannot be used with encoding '" + encoding +
                                         "': " + why + "; use ',' or tab");
        }
        return Status::InvalidArgument(unsupported + why);
      }
    }
  }
  return converter;
}

}  // namespace

struct CsvReader::Impl {
  // Where the parser is inside a record.
  enum class State {
    kFieldStart,     // nothing of the field read yet
    kUnquoted,       // inside a field that did not start with a quote
    kQuoted,         // inside quotes
    kQuoteInQuoted,  // just read a quote inside quotes: "" or the closing one
    kAfterQuoted,    // after the closing quote: expecting delimiter or line end
  };

  Impl(std::istream* in, std::string name, const CsvOptions& options, ConverterPtr converter)
      : in_(in),
        name_(std::move(name)),
        encoding_(options.encoding),
        delimiter_(options.delimiter),
        max_field_bytes_(options.max_field_bytes),
        max_record_bytes_(options.max_record_bytes),
        converter_(std::move(converter)),
        buffer_(new char[kBufferSize]) {
    // Byte classes for the scanning loops, so each byte costs one lookup.
    unquoted_stop_[static_cast<unsigned char>(delimiter_)] = true;
    for (unsigned char c : {'"', '\r', '\n'}) {
      unquoted_stop_[c] = true;
      quoted_stop_[c] = true;
    }
  }

  bool Next(CsvRecord* record);
  bool Refill();

  void BeginRecord();
  void StartField();
  void FinishField();
  void Append(const char* data, size_t size);
  void Consume(size_t size);
  void EndLine(char c);
  void SetError(std::string message);
  void ConvertField(const std::string& raw, std::string* out, size_t column);

  std::istream* in_;
  const std::string name_;
  const std::string encoding_;
  const char delimiter_;
  const size_t max_field_bytes_;
  const size_t max_record_bytes_;
  const ConverterPtr converter_;  // null: UTF-8

  // Input buffer: bytes [pos_, end_) are read but not yet parsed.
  std::unique_ptr<char[]> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t total_read_ = 0;
  bool at_start_ = true;  // the BOM check is still to do
  bool eof_ = false;
  Status io_status_;

  uint64_t line_ = 1;     // physical line at pos_
  bool skip_lf_ = false;  // a record ended at CR: an LF right after is its tail

  std::array<bool, 256> unquoted_stop_{};
  std::array<bool, 256> quoted_stop_{};

  // The record being parsed. The strings keep their capacity from record to
  // record (they are swapped with the caller's), so steady-state parsing does
  // not allocate.
  std::vector<std::string> fields_;
  size_t num_fields_ = 0;          // completed fields in fields_
  std::string* target_ = nullptr;  // where the current field's bytes go
  std::string raw_;                // undecoded field (non-UTF-8 input only)
  std::vector<UChar> utf16_;       // ICU output, reused
  std::string error_;
  size_t field_bytes_ = 0;   // bytes of the current field, unquoted
  size_t record_bytes_ = 0;  // bytes of the record as in the file, no line end
  bool discard_ = false;     // over a limit: find the record's end, keep nothing
};

bool CsvReader::Impl::Refill() {
  if (eof_ || !io_status_.ok()) return false;
  pos_ = end_ = 0;
  std::streamsize n = 0;
  bool failed = false;
  // read() fills the whole buffer unless the stream ends. A caller may have
  // enabled stream exceptions: none may escape, and the one for plain end of
  // file (failbit with eofbit) is not an error. Nothing here may call
  // setstate(), which could throw again.
  try {
    in_->read(buffer_.get(), kBufferSize);
    n = in_->gcount();
  } catch (...) {
    n = in_->gcount();
    failed = in_->bad() || !in_->eof();
  }
  if (failed || in_->bad()) {
    io_status_ = Status::IoError(name_ + ": read failed after " +
                                 std::to_string(total_read_ + (n > 0 ? n : 0)) + " bytes");
    return false;
  }
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  end_ = static_cast<size_t>(n);
  total_read_ += end_;
  if (at_start_) {
    at_start_ = false;
    // Excel's "CSV UTF-8" starts with a BOM. Only skipped for UTF-8: in a
    // legacy encoding those bytes would be characters.
    if (converter_ == nullptr && end_ >= 3 && std::memcmp(buffer_.get(), "\xEF\xBB\xBF", 3) == 0) {
      pos_ = 3;
      if (pos_ == end_) return Refill();
    }
  }
  return true;
}

void CsvReader::Impl::SetError(std::string message) {
  // The first problem is the one to report; later ones are usually echoes.
  if (error_.empty()) error_ = std::move(message);
}

void CsvReader::Impl::BeginRecord() {
  num_fields_ = 0;
  record_bytes_ = 0;
  discard_ = false;
  error_.clear();
  StartField();
}

void CsvReader::Impl::StartField() {
  field_bytes_ = 0;
  if (converter_ == nullptr) {
    // UTF-8 is parsed straight into the output field and validated there.
    if (num_fields_ == fields_.size()) fields_.emplace_back();
    target_ = &fields_[num_fields_];
  } else {
    target_ = &raw_;
  }
  target_->clear();
}

void CsvReader::Impl::Append(const char* data, size_t size) {
  field_bytes_ += size;
  if (discard_) return;
  if (field_bytes_ > max_field_bytes_) {
    SetError("field in column " + std::to_string(num_fields_ + 1) +
             " is longer than the limit of " + std::to_string(max_field_bytes_) + " bytes");
    discard_ = true;
    return;
  }
  target_->append(data, size);
}

void CsvReader::Impl::Consume(size_t size) {
  pos_ += size;
  record_bytes_ += size;
  if (record_bytes_ > max_record_bytes_ && !discard_) {
    SetError("record is longer than the limit of " + std::to_string(max_record_bytes_) + " bytes");
    discard_ = true;
  }
}

void CsvReader::Impl::EndLine(char c) {
  ++pos_;
  ++line_;
  skip_lf_ = (c == '\r');
}

void CsvReader::Impl::FinishField() {
  const size_t column = num_fields_ + 1;
  if (!discard_) {
    if (converter_ == nullptr) {
      std::string& field = fields_[num_fields_];
      size_t offset, length;
      bool truncated;
      if (!ValidateUtf8(field.data(), field.size(), &offset, &length, &truncated)) {
        SetError("invalid UTF-8 in column " + std::to_string(column) +
                 (length == 1 ? ": byte " : ": bytes ") + HexBytes(field.data() + offset, length) +
                 " at offset " + std::to_string(offset) + " of the field" +
                 (truncated ? " (cut off by the end of the field)" : ""));
        field.resize(offset);  // keep fields UTF-8: only the valid prefix
      }
    } else {
      if (num_fields_ == fields_.size()) fields_.emplace_back();
      ConvertField(raw_, &fields_[num_fields_], column);
    }
    ++num_fields_;
  }
}

void CsvReader::Impl::ConvertField(const std::string& raw, std::string* out, size_t column) {
  out->clear();
  if (raw.empty()) return;
  UConverter* converter = converter_.get();
  // Each field starts from the initial state: fields are decoded on their own.
  ucnv_resetToUnicode(converter);
  // One unit per byte is enough for the encodings in use; grow if not.
  if (utf16_.size() < raw.size() + 16) utf16_.resize(raw.size() + 16);
  const char* source = raw.data();
  const char* const source_end = raw.data() + raw.size();
  size_t used = 0;
  UErrorCode error;
  for (;;) {
    error = U_ZERO_ERROR;
    UChar* target = utf16_.data() + used;
    ucnv_toUnicode(converter, &target, utf16_.data() + utf16_.size(), &source, source_end, nullptr,
                   /*flush=*/true, &error);
    used = static_cast<size_t>(target - utf16_.data());
    if (error != U_BUFFER_OVERFLOW_ERROR) break;
    utf16_.resize(utf16_.size() * 2);
  }
  const bool utf16_ok = AppendUtf16AsUtf8(utf16_.data(), used, out);
  const std::string what =
      "invalid " + encoding_ + " byte sequence in column " + std::to_string(column);
  if (error == U_INVALID_CHAR_FOUND || error == U_ILLEGAL_CHAR_FOUND ||
      error == U_TRUNCATED_CHAR_FOUND) {
    // With the STOP callback, `source` is just past the bad bytes.
    char bad[32];
    int8_t bad_length = sizeof bad;
    UErrorCode bad_error = U_ZERO_ERROR;
    ucnv_getInvalidChars(converter, bad, &bad_length, &bad_error);
    if (U_FAILURE(bad_error) || bad_length < 0) bad_length = 0;
    const size_t offset = static_cast<size_t>(source - raw.data()) - bad_length;
    SetError(what + (bad_length == 1 ? ": byte " : ": bytes ") + HexBytes(bad, bad_length) +
             " at offset " + std::to_string(offset) + " of the field" +
             (error == U_TRUNCATED_CHAR_FOUND ? " (cut off by the end of the field)" : ""));
  } else if (U_FAILURE(error)) {
    SetError("cannot convert column " + std::to_string(column) + " from " + encoding_ + ": " +
             u_errorName(error));
  } else if (!utf16_ok) {
    SetError(what + ": it decodes to an unpaired surrogate");
  }
}

bool CsvReader::Impl::Next(CsvRecord* record) {
  // Skip blank lines (and the LF of a CRLF whose CR ended the last record).
  for (;;) {
    if (pos_ == end_ && !Refill()) return false;
    const char c = buffer_[pos_];
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') {
        ++pos_;
        continue;
      }
    }
    if (c != '\n' && c != '\r') break;
    EndLine(c);
  }

  BeginRecord();
  const uint64_t record_line = line_;
  uint64_t quote_line = 0;    // where the current quoted field opened
  bool cr_in_quotes = false;  // last quoted byte was CR: an LF now is CRLF
  State state = State::kFieldStart;
  bool done = false;
  while (!done) {
    if (pos_ == end_ && !Refill()) {
      if (!io_status_.ok()) return false;  // a half-read record is not returned
      if (state == State::kQuoted) {
        // Overrides any earlier error: a missing quote that swallowed the
        // rest of the file explains every limit or decoding error after it.
        error_ = "unterminated quoted field starting at line " + std::to_string(quote_line) +
                 " in column " + std::to_string(num_fields_ + 1);
      }
      FinishField();
      break;
    }
    const char* const p = buffer_.get() + pos_;
    const char* const e = buffer_.get() + end_;
    switch (state) {
      case State::kFieldStart:
        if (*p == '"') {
          Consume(1);
          state = State::kQuoted;
          quote_line = line_;
          cr_in_quotes = false;
          break;
        }
        state = State::kUnquoted;
        [[fallthrough]];
      case State::kUnquoted: {
        const char* q = p;
        while (q < e && !unquoted_stop_[static_cast<unsigned char>(*q)]) ++q;
        if (q > p) {
          Append(p, q - p);
          Consume(q - p);
        }
        if (q == e) break;
        const char c = *q;
        if (c == delimiter_) {
          Consume(1);
          FinishField();
          StartField();
          state = State::kFieldStart;
        } else if (c == '"') {
          SetError("stray quote in unquoted field in column " + std::to_string(num_fields_ + 1) +
                   " (a field containing quotes must be quoted, with each quote doubled)");
          // Kept as data so that the rest of the record still parses as the
          // writer meant, and the next record is found where it really starts.
          Append(q, 1);
          Consume(1);
        } else {
          EndLine(c);
          FinishField();
          done = true;
        }
        break;
      }
      case State::kQuoted: {
        const char* q = p;
        while (q < e && !quoted_stop_[static_cast<unsigned char>(*q)]) ++q;
        if (q > p) {
          Append(p, q - p);
          Consume(q - p);
          cr_in_quotes = false;
        }
        if (q == e) break;
        const char c = *q;
        if (c == '"') {
          Consume(1);
          state = State::kQuoteInQuoted;
        } else {
          // A line break inside quotes is data, kept as written, but still a
          // physical line for the numbering of later records.
          if (!(c == '\n' && cr_in_quotes)) ++line_;
          cr_in_quotes = (c == '\r');
          Append(q, 1);
          Consume(1);
        }
        break;
      }
      case State::kQuoteInQuoted:
        cr_in_quotes = false;
        if (*p == '"') {  // "" is one quote
          Append(p, 1);
          Consume(1);
          state = State::kQuoted;
        } else {
          state = State::kAfterQuoted;
        }
        break;
      case State::kAfterQuoted: {
        const char c = *p;
        if (c == delimiter_) {
          Consume(1);
          FinishField();
          StartField();
          state = State::kFieldStart;
        } else if (c == '\n' || c == '\r') {
          EndLine(c);
          FinishField();
          done = true;
        } else {
          SetError("unexpected text after the closing quote in column " +
                   std::to_string(num_fields_ + 1) +
                   " (a quote inside a quoted field must be doubled)");
          state = State::kUnquoted;  // the text joins the field, as Excel does
        }
        break;
      }
    }
  }

  // Hand the fields over by swapping strings, so the caller's old strings
  // come back to us as buffers for the next record.
  record->fields.resize(num_fields_);
  for (size_t i = 0; i < num_fields_; ++i) record->fields[i].swap(fields_[i]);
  record->line = record_line;
  record->error = error_;
  return true;
}

CsvReader::CsvReader() = default;
CsvReader::~CsvReader() = default;

Result<std::unique_ptr<CsvReader>> CsvReader::Open(std::istream* in, std::string name,
                                                   const CsvOptions& options) {
  if (in == nullptr) return Status::InvalidArgument(name + ": no input stream");
  const char d = options.delimiter;
  if (d == '"' || d == '\r' || d == '\n' || static_cast<unsigned char>(d) >= 0x80) {
    return Status::InvalidArgument(name + ": the delimiter cannot be " + DescribeByte(d) +
                                   ": use an ASCII character other than '\"', CR and LF");
  }
  if (in->fail()) {
    return Status::IoError(name + ": cannot read: the stream is in a failed state");
  }
  ConverterPtr converter;
  if (!IsUtf8Name(options.encoding)) {
    SAIKI_ASSIGN_OR_RETURN(converter, OpenConverter(name, options.encoding, d));
  }
  std::unique_ptr<CsvReader> reader(new CsvReader());
  reader->impl_ = std::make_unique<Impl>(in, std::move(name), options, std::move(converter));
  return reader;
}

bool CsvReader::Next(CsvRecord* record) { return impl_->Next(record); }

const Status& CsvReader::io_status() const { return impl_->io_status_; }

uint64_t CsvReader::bytes_read() const { return impl_->total_read_ - (impl_->end_ - impl_->pos_); }

}  // namespace saiki::engine
