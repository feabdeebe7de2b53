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

TEST_CASE("PeekBlock finds the block of the next document at or after a target without moving",
          "[postings]") {
  const unsigned seed = Catch::rngSeed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto seg1 = RandomDocs(&rng, 0, 500);
  auto seg2 = RandomDocs(&rng, seg1.back().docid, 5);  // one short block between
  auto seg3 = RandomDocs(&rng, seg2.back().docid, 300);
  auto l1 = PostingList::Parse(Encode(seg1));
  auto l2 = PostingList::Parse(Encode(seg2));
  auto l3 = PostingList::Parse(Encode(seg3));
  REQUIRE(l1.ok());
  REQUIRE(l2.ok());
  REQUIRE(l3.ok());
  std::vector<const PostingList*> lists = {&l1.value(), &l2.value(), &l3.value()};
  for (int trial = 0; trial < 200; ++trial) {
    TermCursor c(lists), probe(lists);
    uint32_t target = 0;
    for (int step = 0; step < 12; ++step) {
      target += rng() % 2000;
      if (rng() % 3 == 0) c.NextGeq(target - std::min<uint32_t>(target, rng() % 500));
      const uint32_t before = c.doc();
      const BlockInfo* b = c.PeekBlock(target);
      CHECK(c.doc() == before);  // not moved
      // The answer is the block the first document >= max(target, doc) is in.
      probe.NextGeq(std::max(target, before));
      if (probe.doc() == kEndDoc) {
        CHECK(b == nullptr);
        break;
      }
      REQUIRE(b != nullptr);
      CHECK(b == &probe.block());
      CHECK(b->last_docid >= probe.doc());
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

// Documents as most postings are: one field, tf 1 (so whole blocks share one
// flags byte), now and then a second field or a tf above 1.
std::vector<DocPostings> TypicalDocs(std::mt19937* rng, uint32_t first_docid, size_t n) {
  std::vector<DocPostings> docs;
  uint32_t docid = first_docid;
  for (size_t i = 0; i < n; ++i) {
    docid += 1 + (*rng)() % 7;
    DocPostings d{docid, {}};
    d.positions[kDescription].push_back((*rng)() % 200);
    if ((*rng)() % 20 == 0) d.positions[kTitle].push_back((*rng)() % 40);
    if ((*rng)() % 30 == 0) d.positions[kDescription].push_back(d.positions[kDescription][0] + 3);
    docs.push_back(std::move(d));
  }
  return docs;
}

// The format 1 writer as it was (varint docs and positions), for the upgrade.
std::string EncodeFormat1(const std::vector<DocPostings>& docs) {
  std::string directory, blocks, block_docs, block_pos;
  uint32_t prev_last = 0, prev_doc = 0, n = 0, nblocks = 0;
  uint8_t mask_all = 0;
  std::array<uint32_t, kNumFields> max_tf{}, min_len{};
  auto flush = [&] {
    if (n == 0) return;
    size_t start = blocks.size();
    PutVarint(&blocks, static_cast<uint32_t>(block_docs.size()));
    blocks += block_docs;
    blocks += block_pos;
    PutVarint(&directory, prev_doc - prev_last);
    PutVarint(&directory, static_cast<uint32_t>(blocks.size() - start));
    directory.push_back(static_cast<char>(mask_all));
    for (int f = 0; f < kNumFields; ++f) {
      if (!(mask_all & (1u << f))) continue;
      PutVarint(&directory, max_tf[f]);
      PutVarint(&directory, min_len[f]);
    }
    prev_last = prev_doc;
    block_docs.clear();
    block_pos.clear();
    n = 0;
    ++nblocks;
  };
  for (const auto& d : docs) {
    if (n == 0) {
      prev_doc = prev_last;
      mask_all = 0;
      max_tf.fill(0);
      min_len.fill(UINT32_MAX);
    }
    PutVarint(&block_docs, d.docid - prev_doc);
    prev_doc = d.docid;
    uint8_t mask = 0;
    for (int f = 0; f < kNumFields; ++f) mask |= d.positions[f].empty() ? 0 : uint8_t(1u << f);
    block_docs.push_back(static_cast<char>(mask));
    for (int f = 0; f < kNumFields; ++f) {
      const auto& pos = d.positions[f];
      if (pos.empty()) continue;
      PutVarint(&block_docs, static_cast<uint32_t>(pos.size()));
      max_tf[f] = std::max<uint32_t>(max_tf[f], static_cast<uint32_t>(pos.size()));
      min_len[f] = std::min<uint32_t>(min_len[f], pos.back() + 1);
      for (size_t i = 0; i < pos.size(); ++i) PutVarint(&block_pos, i == 0 ? pos[0] : pos[i] - pos[i - 1]);
    }
    mask_all |= mask;
    if (++n == kBlockSize) flush();
  }
  flush();
  std::string out(1, '\x01');
  PutVarint(&out, static_cast<uint32_t>(docs.size()));
  PutVarint(&out, nblocks);
  return out + directory + blocks;
}

// Every document of `docs` in order, with tfs, and positions when stored.
void CheckDecodes(const PostingList& list, const std::vector<DocPostings>& docs) {
  TermCursor c({&list});
  for (const auto& d : docs) {
    REQUIRE(c.doc() == d.docid);
    for (int f = 0; f < kNumFields; ++f) {
      CHECK(c.tf(f) == d.positions[f].size());
      auto pos = c.positions(f);
      if (list.has_positions) {
        CHECK(std::vector<uint32_t>(pos.begin(), pos.end()) == d.positions[f]);
      } else {
        CHECK(pos.empty());
      }
    }
    c.Next();
  }
  CHECK(c.doc() == kEndDoc);
  CHECK(c.status().ok());
}

TEST_CASE("typical postings share a block's flags and take a few bits each", "[postings]") {
  std::mt19937 rng(11);
  auto docs = TypicalDocs(&rng, 0, 5000);
  const std::string blob = Encode(docs);
  auto list = PostingList::Parse(blob);
  REQUIRE(list.ok());
  CheckDecodes(*list, docs);
  // Gaps below 8 take 3 bits, flags a few, positions below 256 8: under 2
  // bytes a posting with the directory (format 1 took 4 or more).
  INFO("bytes " << blob.size());
  CHECK(blob.size() < docs.size() * 2);
  // A block where every doc is title-only with tf 1 stores one flags byte.
  std::vector<DocPostings> uniform;
  for (uint32_t i = 1; i <= kBlockSize; ++i) {
    DocPostings d{i, {}};
    d.positions[kTitle].push_back(i % 5);
    uniform.push_back(std::move(d));
  }
  auto u = PostingList::Parse(Encode(uniform));
  REQUIRE(u.ok());
  CheckDecodes(*u, uniform);
  // n-1, first delta, gap bits, 127 one-bit gaps (16 bytes), a palette of
  // one (count and value; no index bits), the title's position width, 128 x
  // 3 bits of positions.
  CHECK(u->bytes.size() - u->blocks[0].offset == 3 + 16 + 2 + 1 + 48);
}

TEST_CASE("a list without positions keeps tfs and concatenates only with its kind",
          "[postings]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  auto docs = RandomDocs(&rng, 0, 1 + rng() % 600);
  PostingListWriter w(/*with_positions=*/false);
  for (const auto& d : docs) {
    FieldTfs tfs{};
    for (int f = 0; f < kNumFields; ++f) tfs[f] = static_cast<uint32_t>(d.positions[f].size());
    w.AddDocFrequencies(d.docid, tfs, FieldLengths{});
  }
  auto list = PostingList::Parse(w.Finish());
  REQUIRE(list.ok());
  CHECK_FALSE(list->has_positions);
  CheckDecodes(*list, docs);
  auto with = PostingList::Parse(Encode(RandomDocs(&rng, docs.back().docid, 5)));
  REQUIRE(with.ok());
  auto mixed = ConcatPostingLists({&list.value(), &with.value()});
  REQUIRE_FALSE(mixed.ok());
  CHECK(mixed.status().code() == StatusCode::kCorruption);
  CHECK(TermHasPositions("犬"));
  CHECK_FALSE(TermHasPositions("\x01犬"));
  CHECK_FALSE(TermHasPositions("\x02" "bacme"));
}

TEST_CASE("a format 1 list upgrades to the same documents, bounds and positions",
          "[postings]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int round = 0; round < 20; ++round) {
    auto docs = round % 2 ? RandomDocs(&rng, rng() % 1000, 1 + rng() % 700)
                          : TypicalDocs(&rng, rng() % 1000, 1 + rng() % 700);
    const std::string old = EncodeFormat1(docs);
    CHECK(PostingList::Parse(old).status().code() == StatusCode::kCorruption);  // says format 1
    for (bool keep : {true, false}) {
      auto up = UpgradePostingList(old, keep);
      REQUIRE(up.ok());
      auto list = PostingList::Parse(*up);
      REQUIRE(list.ok());
      CHECK(list->has_positions == keep);
      CHECK(list->ndocs == docs.size());
      CheckDecodes(*list, docs);
      // The directory is the writer's: same blocks, same bounds.
      auto fresh = PostingList::Parse(Encode(docs));
      REQUIRE(fresh.ok());
      REQUIRE(fresh->blocks.size() == list->blocks.size());
      for (size_t b = 0; b < list->blocks.size(); ++b) {
        CHECK(list->blocks[b].last_docid == fresh->blocks[b].last_docid);
        CHECK(list->blocks[b].max_tf == fresh->blocks[b].max_tf);
        CHECK(list->blocks[b].min_len == fresh->blocks[b].min_len);
      }
      if (keep) CHECK(*up == fresh->bytes);
    }
    // A damaged format 1 list is an error, never a crash.
    for (int trial = 0; trial < 50; ++trial) {
      std::string bad = old;
      if (trial % 2 == 0) {
        bad.resize(1 + rng() % (bad.size() - 1));
      } else {
        bad[1 + rng() % (bad.size() - 1)] ^= char(1 << (rng() % 8));
      }
      auto up = UpgradePostingList(bad, true);
      if (!up.ok()) CHECK(up.status().code() == StatusCode::kCorruption);
    }
  }
}

TEST_CASE("packed docid gaps that overflow their block are corruption", "[postings]") {
  // One block of 3 docs: first docid 1, gaps 2^32-1 and 3 (32 bits wide):
  // a 32-bit sum would wrap to docids 1, 0, 3, and 3 is the directory's
  // last docid.
  std::string block;
  block.push_back(2);                  // ndocs-1
  PutVarint(&block, 1);                // first docid
  block.push_back(32);                 // gap width
  block.append("\xff\xff\xff\xff\x03\x00\x00\x00", 8);
  block.push_back(0x21);               // every doc: title, tf 1
  block.push_back(0);                  // positions 0 bits wide
  std::string list(1, static_cast<char>(kPostingsFormat));
  list.push_back(1);  // positions stored
  PutVarint(&list, 3);
  PutVarint(&list, 1);
  PutVarint(&list, 3);  // last docid
  PutVarint(&list, static_cast<uint32_t>(block.size()));
  list.push_back(1);   // title
  PutVarint(&list, 1);
  PutVarint(&list, 1);
  auto parsed = PostingList::Parse(list + block);
  REQUIRE(parsed.ok());
  TermCursor c({&parsed.value()});
  CHECK(c.doc() == kEndDoc);
  CHECK(c.status().code() == StatusCode::kCorruption);
}

}  // namespace
}  // namespace saiki::index
