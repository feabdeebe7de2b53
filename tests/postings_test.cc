// Posting list codec: round trips (property tests with printed seeds),
// skipping across blocks and segments, and corrupt blobs that must end in an
// error, never a crash or an out-of-bounds read.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "index/postings.h"

namespace saiki::index {
namespace {

struct DocPostings {
  uint32_t docid;
  std::array<std::vector<uint32_t>, kNumFields> positions;
};

std::vector<DocPostings> RandomDocs(std::mt19937* rng, uint32_t first_docid, size_t n) {
  std::vector<DocPostings> docs;
  uint32_t docid = first_docid;
  for (size_t i = 0; i < n; ++i) {
    docid += 1 + (*rng)() % 50;
    DocPostings d{docid, {}};
    bool any = false;
    for (int f = 0; f < kNumFields; ++f) {
      if ((*rng)() % 3 != 0) continue;
      uint32_t pos = (*rng)() % 5;
      for (uint32_t t = 0, tf = 1 + (*rng)() % 4; t < tf; ++t) {
        d.positions[f].push_back(pos);
        pos += 1 + (*rng)() % 300;
      }
      any = true;
    }
    if (!any) d.positions[0].push_back((*rng)() % 10);
    docs.push_back(std::move(d));
  }
  return docs;
}

std::string Encode(const std::vector<DocPostings>& docs) {
  PostingListWriter w;
  for (const auto& d : docs) {
    std::array<std::span<const uint32_t>, kNumFields> spans;
    FieldLengths lengths{};
    for (int f = 0; f < kNumFields; ++f) {
      spans[f] = d.positions[f];
      lengths[f] = static_cast<uint16_t>(d.positions[f].empty() ? 0 : d.positions[f].back() + 1);
    }
    w.AddDoc(d.docid, spans, lengths);
  }
  return w.Finish();
}

TEST_CASE("varints round trip and reject truncated or overlong input", "[postings]") {
  for (uint32_t v : {0u, 1u, 127u, 128u, 300u, 16383u, 16384u, 0xFFFFFFFFu}) {
    std::string s;
    PutVarint(&s, v);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
    uint32_t out = 0;
    REQUIRE(GetVarint(&p, p + s.size(), &out));
    CHECK(out == v);
    const uint8_t* q = reinterpret_cast<const uint8_t*>(s.data());
    if (s.size() > 1) CHECK_FALSE(GetVarint(&q, q + s.size() - 1, &out));
  }
  const uint8_t overlong[] = {0xff, 0xff, 0xff, 0xff, 0x7f};
  const uint8_t* p = overlong;
  uint32_t out;
  CHECK_FALSE(GetVarint(&p, overlong + 5, &out));
}

TEST_CASE("a posting list decodes to exactly what was written, positions included",
          "[postings]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 30; ++round) {
    size_t n = 1 + rng() % 700;
    auto docs = RandomDocs(&rng, 0, n);
    auto list = PostingList::Parse(Encode(docs));
    REQUIRE(list.ok());
    CHECK(list->ndocs == n);
    CHECK(list->blocks.size() == (n + kBlockSize - 1) / kBlockSize);
    TermCursor c({&list.value()});
    for (const auto& d : docs) {
      REQUIRE(c.doc() == d.docid);
      for (int f = 0; f < kNumFields; ++f) {
        CHECK(c.tf(f) == d.positions[f].size());
        auto pos = c.positions(f);
        CHECK(std::vector<uint32_t>(pos.begin(), pos.end()) == d.positions[f]);
      }
      c.Next();
    }
    CHECK(c.doc() == kEndDoc);
    CHECK(c.status().ok());
  }
}

TEST_CASE("NextGeq lands on the first document at or after the target across segments",
          "[postings]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto seg1 = RandomDocs(&rng, 0, 400);
  auto seg2 = RandomDocs(&rng, seg1.back().docid, 300);
  auto l1 = PostingList::Parse(Encode(seg1));
  auto l2 = PostingList::Parse(Encode(seg2));
  REQUIRE(l1.ok());
  REQUIRE(l2.ok());
  std::vector<uint32_t> all;
  for (const auto& d : seg1) all.push_back(d.docid);
  for (const auto& d : seg2) all.push_back(d.docid);
  for (int trial = 0; trial < 200; ++trial) {
    TermCursor c({&l1.value(), &l2.value()});
    uint32_t target = 0;
    for (int step = 0; step < 5; ++step) {
      target += rng() % 3000;
      c.NextGeq(target);
      auto it = std::lower_bound(all.begin(), all.end(), target);
      uint32_t expected = it == all.end() ? kEndDoc : *it;
      REQUIRE(c.doc() == expected);
      if (expected == kEndDoc) break;
      // Positions still decode after a skip.
      size_t idx = static_cast<size_t>(it - all.begin());
      const auto& d = idx < seg1.size() ? seg1[idx] : seg2[idx - seg1.size()];
      auto pos = c.positions(0);
      CHECK(std::vector<uint32_t>(pos.begin(), pos.end()) == d.positions[0]);
    }
  }
}

TEST_CASE("concatenated segment lists decode to every document of each, in order",
          "[postings]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 30; ++round) {
    // 1-5 segments of 1-300 documents (partial blocks everywhere), some
    // starting right after the previous one's last docid.
    std::vector<std::vector<DocPostings>> segs;
    std::vector<PostingList> lists;
    uint32_t next = 0;
    for (int k = 0, n = 1 + static_cast<int>(rng() % 5); k < n; ++k) {
      segs.push_back(RandomDocs(&rng, next, 1 + rng() % 300));
      next = segs.back().back().docid + (rng() % 2 ? 0 : rng() % 1000);
      auto l = PostingList::Parse(Encode(segs.back()));
      REQUIRE(l.ok());
      lists.push_back(std::move(l).value());
    }
    std::vector<const PostingList*> ptrs;
    std::vector<DocPostings> all;
    for (size_t k = 0; k < lists.size(); ++k) {
      ptrs.push_back(&lists[k]);
      all.insert(all.end(), segs[k].begin(), segs[k].end());
    }
    auto joined = ConcatPostingLists(ptrs);
    REQUIRE(joined.ok());
    auto list = PostingList::Parse(*joined);
    REQUIRE(list.ok());
    CHECK(list->ndocs == all.size());
    size_t blocks = 0;
    for (const auto& l : lists) blocks += l.blocks.size();
    CHECK(list->blocks.size() == blocks);
    TermCursor c({&list.value()});
    for (const auto& d : all) {
      REQUIRE(c.doc() == d.docid);
      for (int f = 0; f < kNumFields; ++f) {
        CHECK(c.tf(f) == d.positions[f].size());
        auto pos = c.positions(f);
        CHECK(std::vector<uint32_t>(pos.begin(), pos.end()) == d.positions[f]);
      }
      c.Next();
    }
    CHECK(c.doc() == kEndDoc);
    CHECK(c.status().ok());
    // Skipping over the joined list finds what skipping over the segments finds.
    TermCursor a({&list.value()});
    TermCursor b(ptrs);
    for (uint32_t target = 0; a.doc() != kEndDoc; target += 1 + rng() % 500) {
      a.NextGeq(target);
      b.NextGeq(target);
      REQUIRE(a.doc() == b.doc());
    }
  }
  // A single list is returned unchanged.
  auto one = PostingList::Parse(Encode(RandomDocs(&rng, 0, 300)));
  REQUIRE(one.ok());
  auto same = ConcatPostingLists({&one.value()});
  REQUIRE(same.ok());
  CHECK(*same == one->bytes);
  // Docids that do not increase from list to list are an error.
  auto l1 = PostingList::Parse(Encode(RandomDocs(&rng, 1000, 10)));
  auto l2 = PostingList::Parse(Encode(RandomDocs(&rng, 0, 10)));
  REQUIRE(l1.ok());
  REQUIRE(l2.ok());
  CHECK(ConcatPostingLists({&l1.value(), &l2.value()}).status().code() == StatusCode::kCorruption);
}

TEST_CASE("block directory bounds hold for every document of the block", "[postings]") {
  std::mt19937 rng(7);
  auto docs = RandomDocs(&rng, 0, 500);
  auto list = PostingList::Parse(Encode(docs));
  REQUIRE(list.ok());
  TermCursor c({&list.value()});
  for (const auto& d : docs) {
    REQUIRE(c.doc() == d.docid);
    const BlockInfo& b = c.block();
    for (int f = 0; f < kNumFields; ++f) {
      CHECK(c.tf(f) <= b.max_tf[f]);
      if (!d.positions[f].empty()) {
        CHECK(b.min_len[f] <= d.positions[f].back() + 1);
      }
    }
    c.Next();
  }
}

TEST_CASE("corrupt posting lists give an error, never a crash", "[postings]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto docs = RandomDocs(&rng, 0, 300);
  std::string good = Encode(docs);
  int errors = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = good;
    if (trial % 2 == 0) {
      bad.resize(rng() % bad.size());  // truncation
    } else {
      for (int flips = 0; flips < 3; ++flips) bad[rng() % bad.size()] ^= char(1 << (rng() % 8));
    }
    auto list = PostingList::Parse(bad);
    if (!list.ok()) {
      CHECK(list.status().code() == StatusCode::kCorruption);
      ++errors;
      continue;
    }
    TermCursor c({&list.value()});
    uint32_t prev = 0;
    size_t steps = 0;
    while (c.doc() != kEndDoc && steps++ < 100000) {
      CHECK((steps == 1 || c.doc() > prev));
      prev = c.doc();
      for (int f = 0; f < kNumFields; ++f) (void)c.positions(f);
      c.Next();
    }
    if (!c.status().ok()) ++errors;
  }
  CHECK(errors > 0);
}

}  // namespace
}  // namespace saiki::index
