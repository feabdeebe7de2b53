// Little-endian fixed-width values in blobs: the one encoder and decoder the
// stores use for the blobs they own (logged feature matrices, candidate
// statistics, click snapshots, position-bias sets). Index blobs (posting
// lists, docs tables) have their own varint and bit-packing codecs in index/.
//
// Decoding never reads past the span it is given: ByteReader checks the
// remaining size before every read and turns a short read into a sticky
// failure (ok() false), which callers report as kCorruption with context.
#ifndef SAIKI_STORAGE_BYTE_CODEC_H_
#define SAIKI_STORAGE_BYTE_CODEC_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace saiki::storage {

class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}
  void U16(uint16_t v) { Put(v, 2); }
  void U32(uint32_t v) { Put(v, 4); }
  void U64(uint64_t v) { Put(v, 8); }
  void F32(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    U32(bits);
  }
  void F64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    U64(bits);
  }

 private:
  void Put(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out_->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string* out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : p_(bytes) {}
  // False once a read ran past the end; every later read returns 0.
  bool ok() const { return ok_; }
  size_t remaining() const { return p_.size(); }
  uint16_t U16() { return static_cast<uint16_t>(Get(2)); }
  uint32_t U32() { return static_cast<uint32_t>(Get(4)); }
  uint64_t U64() { return Get(8); }
  float F32() {
    uint32_t bits = U32();
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  double F64() {
    uint64_t bits = U64();
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }

 private:
  uint64_t Get(size_t bytes) {
    if (!ok_ || p_.size() < bytes) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; ++i) v |= uint64_t(static_cast<unsigned char>(p_[i])) << (8 * i);
    p_.remove_prefix(bytes);
    return v;
  }
  std::string_view p_;
  bool ok_ = true;
};

}  // namespace saiki::storage

#endif  // SAIKI_STORAGE_BYTE_CODEC_H_
