// A bounded memo from strings to strings, for the analyzer's caches of pure
// functions of a text (ICU's segmentation of a CJK run, MeCab's readings of
// a piece, the tokens of a whole field value).
//
// Why not std::unordered_map<std::string, std::string>: a lookup there
// chases the bucket, the node before, the node, the key's heap buffer and
// then the value's, and at a large import these memos are looked up for
// nearly every run of text while the segment being built evicts them from
// the caches: the map's lookups were 6% of a 1M import's CPU samples, the
// largest single item. Here a lookup reads one slot of a flat table and one
// entry, key and value side by side in one arena.
//
// Contract: Find never changes the memo. Insert adds a key that Find did
// not find; when the memo is full (entries or arena bytes), it is emptied
// first, so memory stays bounded and a result is only ever recomputed, never
// wrong. Not thread-safe: each thread keeps its own.
#ifndef SAIKI_INDEX_STRING_MEMO_H_
#define SAIKI_INDEX_STRING_MEMO_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace saiki::index {

class StringMemo {
 public:
  // At most `max_entries` entries and `max_bytes` (below 4 GiB) of keys and
  // values; each entry also takes 8 bytes of header and 16 of table.
  StringMemo(size_t max_entries, size_t max_bytes)
      : max_entries_(max_entries), max_bytes_(max_bytes) {
    size_t slots = 1;
    while (slots < 2 * max_entries) slots <<= 1;  // at most half full
    mask_ = slots - 1;
  }

  // The value remembered for `key`, if any.
  bool Find(std::string_view key, std::string_view* value) const {
    if (slots_.empty()) return false;
    const uint64_t h = std::hash<std::string_view>()(key);
    const uint32_t tag = Tag(h);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.tag == 0) return false;
      if (s.tag != tag) continue;
      const char* e = arena_.data() + s.offset;
      uint32_t klen, vlen;
      std::memcpy(&klen, e, 4);
      std::memcpy(&vlen, e + 4, 4);
      // An empty view may hold a null pointer, which memcmp must not get.
      if (klen == key.size() && (klen == 0 || std::memcmp(e + 8, key.data(), klen) == 0)) {
        *value = std::string_view(e + 8 + klen, vlen);
        return true;
      }
    }
  }

  // Remembers `value` for `key` (not in the memo). A pair larger than the
  // whole memo is not kept.
  void Insert(std::string_view key, std::string_view value) {
    const size_t bytes = 8 + key.size() + value.size();
    if (bytes > max_bytes_ || max_entries_ == 0) return;
    if (slots_.empty()) slots_.assign(mask_ + 1, Slot{});
    if (entries_ >= max_entries_ || arena_.size() + bytes > max_bytes_) Clear();
    const uint64_t h = std::hash<std::string_view>()(key);
    size_t i = h & mask_;
    while (slots_[i].tag != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{Tag(h), static_cast<uint32_t>(arena_.size())};
    const uint32_t klen = static_cast<uint32_t>(key.size());
    const uint32_t vlen = static_cast<uint32_t>(value.size());
    arena_.append(reinterpret_cast<const char*>(&klen), 4);
    arena_.append(reinterpret_cast<const char*>(&vlen), 4);
    arena_.append(key);
    arena_.append(value);
    ++entries_;
  }

  size_t size() const { return entries_; }

  void Clear() {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    arena_.clear();  // keeps its capacity: the memo fills again
    entries_ = 0;
  }

 private:
  struct Slot {
    uint32_t tag = 0;     // 0: empty
    uint32_t offset = 0;  // of the entry in arena_
  };
  // The hash's high half, never 0 (0 marks an empty slot).
  static uint32_t Tag(uint64_t h) {
    const auto t = static_cast<uint32_t>(h >> 32);
    return t == 0 ? 1 : t;
  }

  size_t max_entries_, max_bytes_;
  size_t mask_ = 0;
  size_t entries_ = 0;
  std::vector<Slot> slots_;  // allocated at the first Insert
  std::string arena_;        // entries: key length, value length (4 bytes each), key, value
};

}  // namespace saiki::index

#endif  // SAIKI_INDEX_STRING_MEMO_H_
