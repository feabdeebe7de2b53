// StringMemo (index/string_memo.h): the analyzer's bounded memo. It may
// forget, but whatever it answers is exactly what was inserted for that key.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>
#include <string_view>

#include "index/string_memo.h"

namespace saiki::index {
namespace {

std::string RandomText(std::mt19937& rng, size_t max_len) {
  // Few distinct bytes and short lengths: many keys share prefixes and
  // lengths, and some are empty.
  std::string s(rng() % (max_len + 1), 'a');
  for (char& c : s) c = static_cast<char>("ab\0\xe7\x8a\xac"[rng() % 6]);
  return s;
}

TEST_CASE("a memo answers what was inserted or nothing, and stays within its bounds") {
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    const size_t max_entries = 1 + rng() % 200, max_bytes = 64 + rng() % 4000;
    StringMemo memo(max_entries, max_bytes);
    std::map<std::string, std::string> inserted;  // every pair ever inserted
    size_t found = 0;
    for (int step = 0; step < 20000; ++step) {
      const std::string key = RandomText(rng, 3);
      std::string_view got;
      if (memo.Find(key, &got)) {
        ++found;
        auto it = inserted.find(key);
        REQUIRE(it != inserted.end());
        REQUIRE(got == it->second);
      } else {
        std::string value = RandomText(rng, 40);
        memo.Insert(key, value);
        inserted[key] = value;  // a key forgotten and inserted again gets a new value
        REQUIRE(memo.Find(key, &got));
        REQUIRE(got == value);
      }
      REQUIRE(memo.size() <= max_entries);
    }
    // 259 keys of up to 3 bytes from 6: lookups hit often enough that the
    // answers above were checked many times.
    CHECK(found > 2000);
  }
}

TEST_CASE("a memo that is full is emptied before the next insert") {
  StringMemo memo(/*max_entries=*/3, /*max_bytes=*/1000);
  for (std::string k : {"a", "b", "c"}) memo.Insert(k, k + k);
  std::string_view v;
  REQUIRE(memo.Find("c", &v));
  CHECK(v == "cc");
  memo.Insert("d", "dd");
  CHECK(memo.size() == 1);
  CHECK_FALSE(memo.Find("a", &v));
  REQUIRE(memo.Find("d", &v));
  CHECK(v == "dd");

  StringMemo small(/*max_entries=*/100, /*max_bytes=*/30);
  small.Insert("key", std::string(10, 'x'));  // 8 + 3 + 10 bytes
  small.Insert("other", std::string(10, 'y'));  // would pass 30: empties first
  CHECK(small.size() == 1);
  CHECK_FALSE(small.Find("key", &v));
  small.Insert("huge", std::string(100, 'z'));  // larger than the memo: not kept
  CHECK_FALSE(small.Find("huge", &v));
  CHECK(small.Find("other", &v));
}

TEST_CASE("an empty key and an empty value are remembered") {
  StringMemo memo(4, 100);
  std::string_view v = "unset";
  CHECK_FALSE(memo.Find("", &v));
  memo.Insert("", "");
  REQUIRE(memo.Find("", &v));
  CHECK(v.empty());
  memo.Insert("k", "");
  REQUIRE(memo.Find("k", &v));
  CHECK(v.empty());
}

}  // namespace
}  // namespace saiki::index
