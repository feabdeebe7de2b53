// Status and Result<T>: how every fallible saiki call reports failure.
//
// No exception crosses the public API. A Status carries a code (what kind of
// failure, so callers and the CLI can react) and a message that names the
// problem and where it is ("products.csv line 1042: price 'abc' is not a
// number"). Result<T> holds either a value or a non-OK Status.
#ifndef SAIKI_STATUS_H_
#define SAIKI_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>

#include "saiki/export.h"

namespace saiki {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // bad input from a caller or a file (CSV, query, option)
  kNotFound,           // a named thing (file, product, setting) does not exist
  kCorruption,         // stored bytes do not decode; not a saiki database
  kIoError,            // the OS or SQLite failed to read or write
  kBusy,               // the database stayed locked past the busy timeout
  kNotSupported,       // e.g. a database written by a newer saiki
  kResourceExhausted,  // a documented limit was exceeded
  kInternal,           // a bug in saiki
};

// Short lower-case name of a code, e.g. "invalid argument".
SAIKI_EXPORT const char* StatusCodeName(StatusCode code);

class [[nodiscard]] SAIKI_EXPORT Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Busy(std::string m) { return {StatusCode::kBusy, std::move(m)}; }
  static Status NotSupported(std::string m) { return {StatusCode::kNotSupported, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid argument: products.csv line 3: ..."
  std::string ToString() const;

  // Returns a copy whose message is "context: message".
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

namespace internal {
// Prints "saiki: Result::value() on an error: <status>" to stderr and aborts.
// Reaching it is a bug in the caller (a Result read without checking ok()):
// the failure is loud and defined in every build, never a read of garbage.
[[noreturn]] SAIKI_EXPORT void DieOnBadResultAccess(const Status& status);
}  // namespace internal

// Either a T or a non-OK Status. value() (and * and ->) of an error is a bug
// in the caller: it aborts the process with the status on stderr
// (internal::DieOnBadResultAccess), in release builds as in debug builds.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok() && "Result built from an OK status has no value");
    if (status_.ok()) status_ = Status::Internal("Result built from OK status");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & {
    if (!ok()) internal::DieOnBadResultAccess(status_);
    return *value_;
  }
  const T& value() const& {
    if (!ok()) internal::DieOnBadResultAccess(status_);
    return *value_;
  }
  T&& value() && {
    if (!ok()) internal::DieOnBadResultAccess(status_);
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace saiki

// Early-return helpers for library code (not part of the public contract).
#define SAIKI_RETURN_IF_ERROR(expr)         \
  do {                                      \
    ::saiki::Status saiki_status_ = (expr); \
    if (!saiki_status_.ok()) return saiki_status_; \
  } while (0)

#define SAIKI_CONCAT_INNER_(a, b) a##b
#define SAIKI_CONCAT_(a, b) SAIKI_CONCAT_INNER_(a, b)
#define SAIKI_ASSIGN_OR_RETURN(lhs, expr) \
  SAIKI_ASSIGN_OR_RETURN_IMPL_(SAIKI_CONCAT_(saiki_result_, __LINE__), lhs, expr)
#define SAIKI_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#endif  // SAIKI_STATUS_H_
