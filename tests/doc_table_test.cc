// The segment docs blob (index/doc_table.h): format 2 round trips every
// value, shares brand and category hashes, still reads format 1, and turns
// bad indexes into corruption.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include "index/doc_table.h"

namespace saiki::index {
namespace {

std::vector<DocInfo> RandomInfos(std::mt19937* rng, size_t n) {
  std::vector<DocInfo> docs;
  uint32_t docid = 0;
  for (size_t i = 0; i < n; ++i) {
    DocInfo d;
    docid += 1 + (*rng)() % 9;
    d.docid = docid;
    for (auto& l : d.lengths) l = static_cast<uint16_t>((*rng)() % 300);
    d.price = (*rng)() % 5 == 0 ? NAN : static_cast<float>((*rng)() % 100000) / 10;
    d.id_hash = (*rng)();
    d.brand = (*rng)() % 4 == 0 ? 0 : StableHash("brand" + std::to_string((*rng)() % 20));
    const uint32_t leaf = (*rng)() % 30;
    d.category = {StableHash("c" + std::to_string(leaf / 10)),
                  StableHash("c" + std::to_string(leaf / 3)), leaf % 4 ? StableHash(std::to_string(leaf)) : 0};
    d.rating = (*rng)() % 3 == 0 ? NAN : static_cast<float>((*rng)() % 50) / 10;
    d.reviews = (*rng)() % 100000;
    for (auto& s : d.signature) s = static_cast<uint16_t>((*rng)());
    docs.push_back(d);
  }
  return docs;
}

bool Same(const DocInfo& a, const DocInfo& b) {
  auto same_float = [](float x, float y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
  return a.docid == b.docid && a.lengths == b.lengths && same_float(a.price, b.price) &&
         a.id_hash == b.id_hash && a.brand == b.brand && a.category == b.category &&
         same_float(a.rating, b.rating) && a.reviews == b.reviews && a.signature == b.signature;
}

// The format 1 encoding, as it was written before brand and category tables.
std::string EncodeFormat1(const std::vector<DocInfo>& docs) {
  auto u32 = [](std::string* out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
  };
  auto f32 = [&](std::string* out, float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    u32(out, bits);
  };
  std::string out(1, '\x01');
  PutVarint(&out, static_cast<uint32_t>(docs.size()));
  uint32_t prev = 0;
  for (const DocInfo& d : docs) {
    PutVarint(&out, d.docid - prev);
    prev = d.docid;
    for (uint16_t l : d.lengths) PutVarint(&out, l);
    f32(&out, d.price);
    u32(&out, d.id_hash);
    u32(&out, d.brand);
    for (uint32_t c : d.category) u32(&out, c);
    f32(&out, d.rating);
    PutVarint(&out, d.reviews);
    for (uint16_t s : d.signature) {
      out.push_back(static_cast<char>(s & 0xff));
      out.push_back(static_cast<char>(s >> 8));
    }
  }
  return out;
}

std::vector<DocInfo> Decoded(const std::string& blob) {
  std::vector<DocInfo> out;
  Status s = DecodeDocs(blob, [&](const DocInfo& d) { out.push_back(d); });
  INFO(s.ToString());
  REQUIRE(s.ok());
  return out;
}

TEST_CASE("docs blobs round trip in format 2 and format 1 still decodes", "[docs]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (size_t n : {1u, 2u, 500u, 3000u}) {
    const auto docs = RandomInfos(&rng, n);
    const std::string blob = EncodeDocs(docs);
    CHECK(static_cast<uint8_t>(blob[0]) == kDocsFormat);
    const std::string old = EncodeFormat1(docs);
    for (const std::string* b : {&blob, &old}) {
      const auto back = Decoded(*b);
      REQUIRE(back.size() == docs.size());
      for (size_t i = 0; i < n; ++i) CHECK(Same(back[i], docs[i]));
    }
    // 20 brands and 30 category paths over thousands of products: each
    // product refers to them in a byte or two instead of 16 bytes.
    if (n >= 500) CHECK(blob.size() + 12 * n <= old.size() + 30 * 16);
  }
}

TEST_CASE("a docs blob with a brand or category index past its table is corruption", "[docs]") {
  DocInfo d;
  d.docid = 7;
  d.brand = 11;
  d.category = {1, 2, 3};
  std::string blob = EncodeDocs({d});
  // format, ndocs 1, nbrands 1, brand u32, ncategories 1, 3 x u32, then the
  // doc: docid delta, 5 lengths, price, id hash, brand index at 1+1+1+4+1+12+1+5+4+4.
  const size_t brand_index = 1 + 1 + 1 + 4 + 1 + 12 + 1 + kNumFields + 4 + 4;
  REQUIRE(blob[brand_index] == 0);
  for (size_t at : {brand_index, brand_index + 1}) {
    std::string bad = blob;
    bad[at] = 1;
    Status s = DecodeDocs(bad, [](const DocInfo&) {});
    CHECK(s.code() == StatusCode::kCorruption);
    CHECK_THAT(s.message(), Catch::Contains("index out of range"));
  }
  // A brand count the blob cannot hold is refused before anything is sized by it.
  std::string huge = blob.substr(0, 2);
  PutVarint(&huge, 0x7fffffff);
  CHECK(DecodeDocs(huge + blob.substr(3), [](const DocInfo&) {}).code() == StatusCode::kCorruption);
}

// Decodes `blob` in memory and streamed in chunks of `chunk`: the statuses
// (code and message) and the documents visited before them must be equal.
void CompareStreamed(const std::string& blob, const SegmentDocsRow& row, size_t chunk) {
  std::vector<DocInfo> whole, streamed;
  Status a = DecodeSegmentDocs(blob, row, kMaxDocid, [&](const DocInfo& d) { whole.push_back(d); });
  size_t reads = 0;
  auto read = [&](size_t offset, std::span<char> out) {
    ++reads;
    REQUIRE(offset + out.size() <= blob.size());
    REQUIRE(out.size() <= chunk + kMaxDocBytes);
    std::memcpy(out.data(), blob.data() + offset, out.size());
    return Status::Ok();
  };
  Status b = DecodeSegmentDocs(blob.size(), read, row, kMaxDocid,
                               [&](const DocInfo& d) { streamed.push_back(d); }, chunk);
  INFO("chunk " << chunk << ": " << a.ToString() << " / " << b.ToString());
  CHECK(a.code() == b.code());
  CHECK(a.message() == b.message());
  REQUIRE(whole.size() == streamed.size());
  for (size_t i = 0; i < whole.size(); ++i) CHECK(Same(whole[i], streamed[i]));
  // No more reads than chunks (and one for the header).
  if (a.ok()) CHECK(reads <= blob.size() / chunk + 2);
}

TEST_CASE("a docs blob decoded in chunks gives what the in-memory decode gives, errors included",
          "[docs]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (size_t n : {1u, 3u, 700u}) {
    const auto docs = RandomInfos(&rng, n);
    const SegmentDocsRow row{docs.front().docid, docs.back().docid, static_cast<int64_t>(n)};
    for (const std::string& blob : {EncodeDocs(docs), EncodeFormat1(docs)}) {
      for (size_t chunk : {size_t{1}, size_t{7}, size_t{100}, size_t{4096}, kDocsChunkBytes}) {
        CompareStreamed(blob, row, chunk);
      }
      // Cut short, grown, and bytes changed anywhere (the header and
      // documents straddling a chunk's end included).
      for (int trial = 0; trial < 60; ++trial) {
        std::string bad = blob;
        switch (trial % 3) {
          case 0: bad.resize(rng() % bad.size()); break;
          case 1: bad += std::string(1 + rng() % 40, static_cast<char>(rng())); break;
          default:
            for (int k = 0; k < 3; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
        }
        CompareStreamed(bad, row, 1 + rng() % 300);
      }
    }
  }
}

TEST_CASE("a streamed decode names the document and byte of a corruption, and stops at a read "
          "error",
          "[docs]") {
  std::mt19937 rng(7);
  const auto docs = RandomInfos(&rng, 50);
  const SegmentDocsRow row{docs.front().docid, docs.back().docid, 50};
  const std::string blob = EncodeDocs(docs);
  // Cut in the middle of the last document.
  const std::string cut = blob.substr(0, blob.size() - 3);
  auto read_of = [](const std::string& b) {
    return [&b](size_t offset, std::span<char> out) {
      std::memcpy(out.data(), b.data() + offset, out.size());
      return Status::Ok();
    };
  };
  Status s = DecodeSegmentDocs(cut.size(), read_of(cut), {row.first_docid, row.last_docid, 50},
                               kMaxDocid, [](const DocInfo&) {}, 64);
  CHECK(s.code() == StatusCode::kCorruption);
  CHECK_THAT(s.message(), Catch::StartsWith("docs table: truncated product values in document 50 "
                                            "of 50 (at byte "));
  CHECK_THAT(s.message(), Catch::EndsWith(" of " + std::to_string(cut.size()) + ")"));
  // A read that fails: its error comes back unchanged, after the documents
  // of the chunks read before.
  int calls = 0;
  size_t visited = 0;
  Status io = DecodeSegmentDocs(
      blob.size(),
      [&](size_t offset, std::span<char> out) {
        if (++calls == 3) return Status::IoError("disk on fire");
        std::memcpy(out.data(), blob.data() + offset, out.size());
        return Status::Ok();
      },
      row, kMaxDocid, [&](const DocInfo&) { ++visited; }, 256);
  CHECK(io.code() == StatusCode::kIoError);
  CHECK(io.message() == "disk on fire");
  CHECK(visited > 0);
  CHECK(visited < 50);
}

TEST_CASE("ResizeAdvised keeps the elements, zeroes the new ones and survives any range",
          "[docs]") {
  std::vector<uint32_t> v{7, 8, 9};
  ResizeAdvised(v, 3u << 20);  // 12 MiB: spans whole huge pages
  REQUIRE(v.size() == (3u << 20));
  CHECK(v[0] == 7);
  CHECK(v[2] == 9);
  CHECK(v[3] == 0);
  CHECK(v.back() == 0);
  ResizeAdvised(v, 2);  // shrinking keeps the front
  CHECK(v == std::vector<uint32_t>{7, 8});
  AdviseHugePages(nullptr, 1 << 30);  // a hint: nothing happens
  AdviseHugePages(v.data(), 1);
  CHECK(v == std::vector<uint32_t>{7, 8});
}

}  // namespace
}  // namespace saiki::index
