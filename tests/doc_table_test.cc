// The segment docs blob (index/doc_table.h): format 3 (fixed-width columns,
// written now) and format 2 round trip every value, formats 1 and 2 still
// decode, bad indexes, headers and columns are corruption; a DocTable
// loaded from format 3 blobs (hot column at once, cold column on demand)
// equals one built from the decoded documents.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <atomic>
#include <functional>
#include <random>
#include <set>
#include <thread>

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
    const std::string blob = EncodeDocs(docs, 2);
    CHECK(static_cast<uint8_t>(blob[0]) == 2);
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
  std::string blob = EncodeDocs({d}, 2);
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
    REQUIRE(out.size() <= chunk + kMaxDocBytes);  // format 3: a batch of rows <= max(chunk, a row)
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
  // No more reads than chunks (and one for the header); format 3 reads
  // each column (docids, hot, cold) a chunk at a time.
  const bool format3 = !blob.empty() && blob[0] == 3;
  // (whole rows, 60 bytes, at a time).
  const size_t rows_chunk = std::max<size_t>(chunk, 60) / 60 * 60;
  if (a.ok()) {
    CHECK(reads <= (format3 ? 3 * (blob.size() / rows_chunk + 1) + 2 : blob.size() / chunk + 2));
  }
}

TEST_CASE("a docs blob decoded in chunks gives what the in-memory decode gives, errors included",
          "[docs]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (size_t n : {1u, 3u, 700u}) {
    const auto docs = RandomInfos(&rng, n);
    const SegmentDocsRow docs_row{docs.front().docid, docs.back().docid, static_cast<int64_t>(n)};
    std::vector<DocInfo> dense = docs;  // consecutive docids: no docid column
    for (size_t i = 0; i < n; ++i) dense[i].docid = static_cast<uint32_t>(100 + i);
    const SegmentDocsRow dense_row{100, static_cast<int64_t>(100 + n - 1), static_cast<int64_t>(n)};
    for (const std::string& blob : {EncodeDocs(docs), EncodeDocs(dense), EncodeDocs(docs, 2),
                                    EncodeFormat1(docs)}) {
      const SegmentDocsRow& row = blob == EncodeDocs(dense) ? dense_row : docs_row;
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
  const std::string blob = EncodeDocs(docs, 2);
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

TEST_CASE("zeroed blocks: large ones on 2 MiB pages of their own, small ones calloc'd, all zero",
          "[docs]") {
  constexpr size_t kHuge = size_t{2} << 20;
  const ZeroedBlock big = AllocateZeroed(size_t{5} << 20, 1, /*huge_pages=*/true);
  CHECK(reinterpret_cast<uintptr_t>(big.data) % kHuge == 0);
  CHECK(big.mapped == size_t{6} << 20);  // rounded up to whole huge pages
  const auto* b = static_cast<const unsigned char*>(big.data);
  CHECK(std::all_of(b, b + (size_t{5} << 20), [](unsigned char c) { return c == 0; }));
  std::memset(big.data, 7, size_t{5} << 20);  // writable to the end
  FreeZeroed(big);
  for (const auto& [count, huge] : {std::pair<size_t, bool>{1000, true}, {size_t{4} << 20, false}}) {
    const ZeroedBlock small = AllocateZeroed(count, 1, huge);
    CHECK(small.mapped == 0);
    const auto* p = static_cast<const unsigned char*>(small.data);
    CHECK(std::all_of(p, p + count, [](unsigned char c) { return c == 0; }));
    FreeZeroed(small);
  }
  CHECK_THROWS_AS(AllocateZeroed(SIZE_MAX / 2, 4, true), std::bad_alloc);
  FreeZeroed(AllocateZeroed(0, 16, true));  // an empty block is a valid one
  // ZeroedRows keeps its rows as it grows from calloc'd to mapped memory.
  ZeroedRows<uint32_t> rows;
  rows.Grow(3);
  rows[0] = 7, rows[2] = 9;
  rows.Grow(size_t{1} << 20);  // 4 MiB
  CHECK(rows[0] == 7);
  CHECK(rows[2] == 9);
  CHECK(rows[3] == 0);
  CHECK(rows[(size_t{1} << 20) - 1] == 0);
  CHECK(reinterpret_cast<uintptr_t>(rows.data()) % kHuge == 0);
}

// A read of `blob` in memory, counting its calls.
struct MemoryBlob {
  std::string bytes;
  int* calls = nullptr;
  Status operator()(size_t offset, std::span<char> out) const {
    if (calls) ++*calls;
    REQUIRE(offset + out.size() <= bytes.size());
    std::memcpy(out.data(), bytes.data() + offset, out.size());
    return Status::Ok();
  }
};

std::vector<DocInfo> Consecutive(std::vector<DocInfo> docs, uint32_t first) {
  for (size_t i = 0; i < docs.size(); ++i) docs[i].docid = first + static_cast<uint32_t>(i);
  return docs;
}

SegmentDocsRow RowOf(const std::vector<DocInfo>& docs) {
  return {docs.front().docid, docs.back().docid, static_cast<int64_t>(docs.size())};
}

TEST_CASE("format 3 round trips every value, dense and sparse, in fixed-width columns", "[docs]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (size_t n : {1u, 2u, 500u, 3000u}) {
    const auto sparse = RandomInfos(&rng, n);
    const auto dense = Consecutive(sparse, 7);
    for (const auto* docs : {&sparse, &dense}) {
      const std::string blob = EncodeDocs(*docs);
      CHECK(static_cast<uint8_t>(blob[0]) == 3);
      // Dense when the docids are consecutive (random gaps can make them so).
      const bool is_dense = docs->back().docid - docs->front().docid + 1 == n;
      if (docs == &dense) CHECK(is_dense);
      CHECK(static_cast<uint8_t>(blob[1]) == (is_dense ? 1 : 0));
      // 64 header bytes, a 4-byte docid unless dense, 16 hot and 44 cold.
      CHECK(blob.size() == 64 + n * ((is_dense ? 0 : 4) + 16 + 44));
      const auto back = Decoded(blob);
      REQUIRE(back.size() == n);
      for (size_t i = 0; i < n; ++i) CHECK(Same(back[i], (*docs)[i]));
      // Re-encoding what was decoded gives the same bytes (as a merge does).
      CHECK(EncodeDocs(back) == blob);
    }
  }
  // No documents: a header only.
  const std::string empty = EncodeDocs({});
  CHECK(empty.size() == 64);
  CHECK(Decoded(empty).empty());
}

// The table built from decoded documents (Add) and the one loaded from
// the blobs (LoadSegment, then EnsureCold) hold the same.
void CompareTables(const DocTable& added, const DocTable& loaded) {
  REQUIRE(added.live_count() == loaded.live_count());
  for (int f = 0; f < kNumFields; ++f) CHECK(added.average_length(f) == loaded.average_length(f));
  const uint32_t n = std::max(added.capacity(), loaded.capacity());
  for (uint32_t d = 0; d < n; ++d) {
    REQUIRE(added.live(d) == loaded.live(d));
    if (added.live(d)) REQUIRE(Same(added.info(d), loaded.info(d)));
  }
}

TEST_CASE("a table loaded from format 3 blobs equals one built from their documents, cold rows "
          "read on demand",
          "[docs]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  // Segments as a database holds them: a dense one (an import), a sparse
  // one (a merge after deletions), a format 2 one and a format 1 one.
  const auto a = Consecutive(RandomInfos(&rng, 1000), 1);
  auto b = RandomInfos(&rng, 700);
  for (auto& d : b) d.docid += 1000;
  auto c = RandomInfos(&rng, 300);
  for (auto& d : c) d.docid += 10000;
  auto e = Consecutive(RandomInfos(&rng, 50), 20000);
  const std::vector<std::pair<int64_t, std::string>> blobs = {
      {3, EncodeDocs(a)}, {5, EncodeDocs(b)}, {6, EncodeDocs(c, 2)}, {9, EncodeFormat1(e)}};
  const std::vector<const std::vector<DocInfo>*> docs = {&a, &b, &c, &e};

  DocTable added;
  for (const auto* seg : docs) {
    for (const DocInfo& d : *seg) added.Add(d);
  }
  DocTable loaded;
  int cold_reads = 0;
  int opens = 0;
  loaded.SetColdReader([&](int64_t seg) -> Result<BlobReadAt> {
    for (const auto& [id, blob] : blobs) {
      if (id == seg) {
        ++opens;
        return BlobReadAt(MemoryBlob{blob, &cold_reads});
      }
    }
    return Status::NotFound("no segment " + std::to_string(seg));
  });
  loaded.Reserve(20050);
  for (size_t i = 0; i < blobs.size(); ++i) {
    const auto& [seg, blob] = blobs[i];
    REQUIRE(loaded.LoadSegment(seg, blob.size(), MemoryBlob{blob}, RowOf(*docs[i]), 30000).ok());
  }
  // Nothing of the format 3 columns is read yet; which docids are live is known.
  CHECK(cold_reads == 0);
  CHECK_FALSE(loaded.hot_loaded());
  CHECK_FALSE(loaded.cold_loaded());
  CHECK(loaded.live_count() == added.live_count());
  for (uint32_t d = 0; d < 20050; ++d) REQUIRE(loaded.live(d) == added.live(d));
  // A deletion before the rows are read comes off the totals once they are.
  for (uint32_t d : {2u, b[5].docid, c[7].docid, 20010u}) {
    added.Remove(d);
    loaded.Remove(d);
  }
  // The hot columns: one open and one read per segment.
  REQUIRE(loaded.EnsureHot().ok());
  CHECK(loaded.hot_loaded());
  CHECK_FALSE(loaded.cold_loaded());
  CHECK(opens == 2);
  CHECK(cold_reads == 2);
  for (uint32_t d = 0; d < 20050; ++d) {
    if (!added.live(d)) continue;
    REQUIRE(loaded.lengths(d) == added.lengths(d));
    const float p1 = loaded.price(d), p2 = added.price(d);
    REQUIRE(std::memcmp(&p1, &p2, 4) == 0);
  }
  CHECK(loaded.live_count() == added.live_count());
  for (int f = 0; f < kNumFields; ++f) CHECK(added.average_length(f) == loaded.average_length(f));
  CHECK(loaded.EnsureHot().ok());
  CHECK(opens == 2);
  // The cold columns: read once, by whichever thread asks first; the
  // others wait for it.
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] { results[t] = loaded.EnsureCold(); });
  }
  for (auto& t : threads) t.join();
  for (const Status& r : results) CHECK(r.ok());
  CHECK(loaded.cold_loaded());
  CHECK(opens == 4);
  CHECK(cold_reads == 4);
  CompareTables(added, loaded);
  CHECK(loaded.EnsureCold().ok());
  CHECK(cold_reads == 4);
  // Deleting works the same on both.
  for (uint32_t d : {3u, b[6].docid, c[8].docid}) {
    added.Remove(d);
    loaded.Remove(d);
  }
  CompareTables(added, loaded);
}

TEST_CASE("EnsureCold on a table whose hot rows are pending reads both in one open", "[docs]") {
  std::mt19937 rng(9);
  const auto docs = Consecutive(RandomInfos(&rng, 300), 5);
  const std::string blob = EncodeDocs(docs);
  DocTable table;
  int opens = 0, reads = 0;
  std::vector<size_t> offsets;
  table.SetColdReader([&](int64_t) -> Result<BlobReadAt> {
    ++opens;
    return BlobReadAt([&](size_t offset, std::span<char> out) {
      offsets.push_back(offset);
      return MemoryBlob{blob, &reads}(offset, out);
    });
  });
  REQUIRE(table.LoadSegment(1, blob.size(), MemoryBlob{blob}, RowOf(docs), 400).ok());
  REQUIRE(table.EnsureCold().ok());
  CHECK(table.hot_loaded());
  CHECK(opens == 1);
  // The hot column (after the 64-byte header), then the cold one after it.
  CHECK(offsets == std::vector<size_t>{64, 64 + 300 * 16});
  for (const DocInfo& d : docs) CHECK(Same(table.info(d.docid), d));
}

TEST_CASE("a failed read of the cold rows is returned and retried by the next call", "[docs]") {
  std::mt19937 rng(3);
  const auto docs = Consecutive(RandomInfos(&rng, 100), 1);
  const std::string blob = EncodeDocs(docs);
  DocTable table;
  bool fail = true;
  table.SetColdReader([&](int64_t) -> Result<BlobReadAt> {
    return BlobReadAt([&](size_t offset, std::span<char> out) {
      if (fail) return Status::IoError("disk on fire");
      return MemoryBlob{blob}(offset, out);
    });
  });
  REQUIRE(table.LoadSegment(1, blob.size(), MemoryBlob{blob}, RowOf(docs), 100).ok());
  Status s = table.EnsureCold();
  CHECK(s.code() == StatusCode::kIoError);
  CHECK(s.message() == "disk on fire");
  CHECK_FALSE(table.cold_loaded());
  CHECK_FALSE(table.hot_loaded());
  CHECK(table.EnsureHot().code() == StatusCode::kIoError);
  fail = false;
  REQUIRE(table.EnsureCold().ok());
  for (const DocInfo& d : docs) CHECK(Same(table.info(d.docid), d));
  // A table without a reader says so instead of reading nothing.
  DocTable orphan;
  REQUIRE(orphan.LoadSegment(1, blob.size(), MemoryBlob{blob}, RowOf(docs), 100).ok());
  CHECK(orphan.EnsureCold().code() == StatusCode::kInternal);
}

TEST_CASE("overlapping segments: the later one wins, as with Add", "[docs]") {
  std::mt19937 rng(5);
  const auto first = Consecutive(RandomInfos(&rng, 20), 1);
  const auto second = Consecutive(RandomInfos(&rng, 10), 15);  // docids 15..24
  const std::string b1 = EncodeDocs(first), b2 = EncodeDocs(second);
  DocTable added, loaded;
  for (const auto* seg : {&first, &second}) {
    for (const DocInfo& d : *seg) added.Add(d);
  }
  loaded.SetColdReader(
      [&](int64_t seg) -> Result<BlobReadAt> { return BlobReadAt(MemoryBlob{seg == 1 ? b1 : b2}); });
  REQUIRE(loaded.LoadSegment(1, b1.size(), MemoryBlob{b1}, RowOf(first), 100).ok());
  REQUIRE(loaded.LoadSegment(2, b2.size(), MemoryBlob{b2}, RowOf(second), 100).ok());
  REQUIRE(loaded.EnsureCold().ok());
  CompareTables(added, loaded);
}

// What a corrupt format 3 blob or row gives: kCorruption naming it, from
// the in-memory decode, the streamed one and LoadSegment alike, and a table
// left without any of the segment's documents.
void ExpectCorrupt(const std::string& blob, const SegmentDocsRow& row, const std::string& says) {
  INFO("expecting: " << says);
  Status whole = DecodeSegmentDocs(blob, row, 1u << 20, [](const DocInfo&) {});
  CHECK(whole.code() == StatusCode::kCorruption);
  CHECK_THAT(whole.message(), Catch::Contains(says));
  Status streamed = DecodeSegmentDocs(blob.size(), MemoryBlob{blob}, row, 1u << 20,
                                      [](const DocInfo&) {}, 100);
  CHECK(streamed.code() == whole.code());
  CHECK(streamed.message() == whole.message());
  DocTable table;
  Status loaded = table.LoadSegment(1, blob.size(), MemoryBlob{blob}, row, 1u << 20);
  CHECK(loaded.code() == StatusCode::kCorruption);
  CHECK_THAT(loaded.message(), Catch::Contains(says));
  CHECK(table.live_count() == 0);
}

TEST_CASE("a corrupt format 3 blob or row is corruption naming what and where", "[docs]") {
  std::mt19937 rng(11);
  const auto sparse = RandomInfos(&rng, 40);
  const auto dense = Consecutive(sparse, 10);
  const std::string s = EncodeDocs(sparse), d = EncodeDocs(dense);
  const SegmentDocsRow srow = RowOf(sparse), drow = RowOf(dense);
  auto put_u32 = [](std::string b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
    return b;
  };
  // Truncated or grown: the lengths disagree with ndocs.
  ExpectCorrupt(d.substr(0, d.size() - 1), drow, "40 documents take 2464 bytes in format 3, the blob has 2463");
  ExpectCorrupt(s + "x", srow, "the blob has " + std::to_string(s.size() + 1));
  ExpectCorrupt(d.substr(0, 63), {10, 10, 1}, "truncated header (63 bytes");
  // The header against the segment's row.
  ExpectCorrupt(d, {10, 49, 39}, "the blob holds 40 documents, docids 10..49; its segment row says 39");
  ExpectCorrupt(d, {10, 50, 40}, "its segment row says 40, docids 10..50");
  // Flags and reserved bytes.
  std::string bad = d;
  bad[1] = 3;
  ExpectCorrupt(bad, drow, "unknown flags 3");
  bad = d;
  bad[60] = 1;
  ExpectCorrupt(bad, drow, "reserved header bytes are not zero");
  // A dense flag on a sparse blob, or a docid range the count cannot fill.
  bad = s;
  bad[1] = 1;
  ExpectCorrupt(bad, srow, "dense documents for docids");
  ExpectCorrupt(put_u32(s, 12, sparse.front().docid + 10), srow, "the header says 40 documents for docids");
  // Docids beyond any valid docid: refused before anything is sized by them.
  ExpectCorrupt(put_u32(put_u32(d, 8, 1u << 31), 12, (1u << 31) + 39), drow, "are not a range of valid docids");
  // The docid column: not increasing, outside the range, first or last not the row's.
  ExpectCorrupt(put_u32(s, 64 + 4 * 5, sparse[4].docid), srow,
                "docid " + std::to_string(sparse[4].docid) + " (document 6 of 40, at byte 84) does not increase");
  ExpectCorrupt(put_u32(s, 64 + 4 * 39, sparse[39].docid + 1), srow, "(document 40 of 40, at byte 220) does not fit the docids");
  ExpectCorrupt(put_u32(s, 64, sparse[0].docid + 1), srow, "(document 1 of 40, at byte 64) does not fit");
  // The field length totals of the header against the hot column: what a
  // visiting decode checks (LoadSegment takes the header's totals).
  bad = d;
  bad[16] ^= 1;
  Status totals = DecodeDocs(bad, [](const DocInfo&) {});
  CHECK(totals.code() == StatusCode::kCorruption);
  CHECK_THAT(totals.message(), Catch::Contains("field length totals disagree"));
  // Any bytes changed or cut: corruption or data, never a crash (ASan runs
  // this too), and LoadSegment agrees with the decode about which.
  for (int trial = 0; trial < 300; ++trial) {
    std::string b = trial % 2 ? s : d;
    const SegmentDocsRow& row = trial % 2 ? srow : drow;
    if (trial % 3 == 0) {
      b.resize(rng() % b.size());
    } else {
      for (int k = 0; k < 2; ++k) b[rng() % (trial % 5 == 0 ? 64 : b.size())] = static_cast<char>(rng());
    }
    Status decoded = DecodeSegmentDocs(b, row, 1u << 20, [](const DocInfo&) {});
    DocTable table;
    Status loaded = table.LoadSegment(1, b.size(), MemoryBlob{b}, row, 1u << 20);
    if (!decoded.ok()) {
      CHECK(decoded.code() == StatusCode::kCorruption);
      // Only a totals mismatch is left for the visiting decode to find.
      if (!loaded.ok() || decoded.message().find("totals") == std::string::npos) {
        CHECK(loaded.code() == StatusCode::kCorruption);
      }
    } else {
      CHECK(loaded.ok());
    }
  }
}

// Format 4: a blob and its cold chunks, as a database holds them.
struct Stored4 {
  int64_t seg = 0;
  SegmentDocs docs;
  std::vector<DocInfo> infos;
};

// A chunk the tests below take out of the store (a row deleted).
const std::string kMissing = "<missing>";

// A DocTable's chunk reader over `segments`, counting point reads and scans.
struct ChunkStore {
  std::vector<Stored4>* segments;
  int reads = 0, scans = 0;
  ColdChunkSource Source() {
    ColdChunkSource source;
    source.read = [this](int64_t seg, int64_t chunk, std::string* out) -> Result<bool> {
      ++reads;
      for (const Stored4& s : *segments) {
        if (s.seg == seg && chunk >= 0 && chunk < static_cast<int64_t>(s.docs.chunks.size()) &&
            s.docs.chunks[chunk] != kMissing) {
          *out = s.docs.chunks[chunk];
          return true;
        }
      }
      return false;
    };
    source.scan = [this](int64_t seg, const ColdChunkVisitor& visit) -> Status {
      ++scans;
      for (const Stored4& s : *segments) {
        if (s.seg != seg) continue;
        for (size_t c = 0; c < s.docs.chunks.size(); ++c) {
          if (s.docs.chunks[c] != kMissing) SAIKI_RETURN_IF_ERROR(visit(c, s.docs.chunks[c]));
        }
      }
      return Status::Ok();
    };
    return source;
  }
};

ColdChunkScan ScanOf(const SegmentDocs& docs) {
  return [&docs](const ColdChunkVisitor& visit) -> Status {
    for (size_t c = 0; c < docs.chunks.size(); ++c) {
      if (docs.chunks[c] != kMissing) SAIKI_RETURN_IF_ERROR(visit(c, docs.chunks[c]));
    }
    return Status::Ok();
  };
}

TEST_CASE("format 4 round trips every value, whatever the chunk size", "[docs]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (size_t n : {0, 1, 15, 16, 17, 333}) {
    for (uint16_t chunk_docs : {1, 3, 16, 1000}) {
      const auto sparse = RandomInfos(&rng, n);
      for (const auto& docs : {sparse, Consecutive(sparse, 7)}) {
        INFO(n << " documents, " << chunk_docs << " a chunk");
        const SegmentDocs enc = EncodeSegmentDocs(docs, chunk_docs);
        CHECK(enc.blob[0] == 4);
        CHECK(enc.ndocs == n);
        CHECK(enc.chunks.size() == (n + chunk_docs - 1) / chunk_docs);
        std::vector<DocInfo> back;
        Status s = DecodeDocs(enc.blob, [&](const DocInfo& d) { back.push_back(d); }, ScanOf(enc));
        INFO(s.ToString());
        REQUIRE(s.ok());
        REQUIRE(back.size() == docs.size());
        for (size_t i = 0; i < docs.size(); ++i) REQUIRE(Same(back[i], docs[i]));
        if (n > 0) {
          back.clear();
          REQUIRE(DecodeSegmentDocs(enc.blob.size(), MemoryBlob{enc.blob}, RowOf(docs), 1u << 20,
                                    [&](const DocInfo& d) { back.push_back(d); }, 100, ScanOf(enc))
                      .ok());
          REQUIRE(back.size() == docs.size());
        }
        // The same values as format 3, brand and category tables aside.
        std::vector<DocInfo> three;
        REQUIRE(DecodeDocs(EncodeDocs(docs, 3), [&](const DocInfo& d) { three.push_back(d); }).ok());
        for (size_t i = 0; i < docs.size(); ++i) REQUIRE(Same(back[i], three[i]));
      }
    }
  }
  // Without its chunks a format 4 blob cannot be decoded.
  const SegmentDocs enc = EncodeSegmentDocs(RandomInfos(&rng, 5));
  CHECK(DecodeDocs(enc.blob, [](const DocInfo&) {}).code() == StatusCode::kInternal);
}

TEST_CASE("EnsureColdRows reads the chunks of the docids asked for, once each, and gives the "
          "rows EnsureCold gives",
          "[docs]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  // A dense segment, a sparse one (a merge after deletions), a format 3 one.
  std::vector<Stored4> stored(2);
  stored[0].seg = 2;
  stored[0].infos = Consecutive(RandomInfos(&rng, 1000), 1);
  stored[1].seg = 4;
  stored[1].infos = RandomInfos(&rng, 500);
  for (auto& d : stored[1].infos) d.docid += 2000;
  for (auto& s : stored) s.docs = EncodeSegmentDocs(s.infos, 16);
  auto three = RandomInfos(&rng, 100);
  for (auto& d : three) d.docid += 9000;
  const std::string blob3 = EncodeDocs(three);

  DocTable added;
  for (const auto& s : stored) {
    for (const DocInfo& d : s.infos) added.Add(d);
  }
  for (const DocInfo& d : three) added.Add(d);
  DocTable loaded;
  ChunkStore store{&stored};
  loaded.SetChunkReader(store.Source());
  int opens = 0;
  loaded.SetColdReader([&](int64_t seg) -> Result<BlobReadAt> {
    ++opens;
    if (seg == 7) return BlobReadAt(MemoryBlob{blob3});
    for (const auto& s : stored) {
      if (s.seg == seg) return BlobReadAt(MemoryBlob{s.docs.blob});
    }
    return Status::NotFound("no segment " + std::to_string(seg));
  });
  // Loaded in another order than docid order: the table keeps them sorted.
  REQUIRE(loaded.LoadSegment(4, stored[1].docs.blob.size(), MemoryBlob{stored[1].docs.blob},
                             RowOf(stored[1].infos), 20000).ok());
  REQUIRE(loaded.LoadSegment(7, blob3.size(), MemoryBlob{blob3}, RowOf(three), 20000).ok());
  REQUIRE(loaded.LoadSegment(2, stored[0].docs.blob.size(), MemoryBlob{stored[0].docs.blob},
                             RowOf(stored[0].infos), 20000).ok());
  CHECK(store.reads == 0);
  // A format 3 segment's cold column is pending: a caller reads it with the
  // hot one (EnsureCold) rather than row by row.
  CHECK(loaded.cold_columns_pending());
  REQUIRE(loaded.EnsureHot().ok());
  // Candidates: some of each segment, two in one chunk, one docid twice,
  // one not in any segment.
  const std::vector<uint32_t> wanted = {5, 6, 999, 5, stored[1].infos[17].docid,
                                        stored[1].infos[499].docid, 1500, three[3].docid};
  REQUIRE(loaded.EnsureColdRows(wanted).ok());
  CHECK(store.reads == 4);  // chunks 0 and 62 of segment 2, 1 and 31 of segment 4
  CHECK(store.scans == 0);
  CHECK_FALSE(loaded.cold_loaded());
  for (uint32_t d : wanted) {
    if (added.live(d)) REQUIRE(Same(added.info(d), loaded.info(d)));
  }
  // The rest of those chunks came with them.
  CHECK(Same(added.info(16), loaded.info(16)));
  REQUIRE(loaded.EnsureColdRows(wanted).ok());
  CHECK(store.reads == 4);
  // Everything, by one scan per format 4 segment; chunks read already are
  // not decoded again.
  REQUIRE(loaded.EnsureCold().ok());
  CHECK(store.scans == 2);
  CHECK(loaded.cold_loaded());
  CHECK_FALSE(loaded.cold_columns_pending());
  CompareTables(added, loaded);
  REQUIRE(loaded.EnsureColdRows(wanted).ok());
  CHECK(store.reads == 4);
}

TEST_CASE("EnsureColdRows and EnsureCold from concurrent threads read each chunk once", "[docs]") {
  std::mt19937 rng(21);
  std::vector<Stored4> stored(1);
  stored[0].seg = 1;
  stored[0].infos = Consecutive(RandomInfos(&rng, 2000), 1);
  stored[0].docs = EncodeSegmentDocs(stored[0].infos, 16);
  DocTable added;
  for (const DocInfo& d : stored[0].infos) added.Add(d);
  DocTable loaded;
  std::atomic<int> reads{0};
  ChunkStore store{&stored};
  ColdChunkSource source = store.Source();
  auto inner = source.read;
  source.read = [&](int64_t seg, int64_t chunk, std::string* out) {
    ++reads;
    return inner(seg, chunk, out);
  };
  loaded.SetChunkReader(source);
  loaded.SetColdReader([&](int64_t) -> Result<BlobReadAt> { return BlobReadAt(MemoryBlob{stored[0].docs.blob}); });
  REQUIRE(loaded.LoadSegment(1, stored[0].docs.blob.size(), MemoryBlob{stored[0].docs.blob},
                             RowOf(stored[0].infos), 3000).ok());
  CHECK_FALSE(loaded.cold_columns_pending());  // format 4 only
  REQUIRE(loaded.EnsureHot().ok());
  std::vector<std::vector<uint32_t>> asks(4);
  for (auto& a : asks) {
    for (int i = 0; i < 200; ++i) a.push_back(1 + rng() % 2000);
  }
  std::vector<Status> results(asks.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < asks.size(); ++t) {
    threads.emplace_back([&, t] { results[t] = loaded.EnsureColdRows(asks[t]); });
  }
  for (auto& t : threads) t.join();
  std::set<uint32_t> chunks;
  for (size_t t = 0; t < asks.size(); ++t) {
    REQUIRE(results[t].ok());
    for (uint32_t d : asks[t]) {
      chunks.insert((d - 1) / 16);
      REQUIRE(Same(added.info(d), loaded.info(d)));
    }
  }
  CHECK(reads == static_cast<int>(chunks.size()));
  threads.clear();
  for (size_t t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] { results[t] = t == 0 ? loaded.EnsureCold() : loaded.EnsureColdRows(asks[t]); });
  }
  for (auto& t : threads) t.join();
  for (size_t t = 0; t < 3; ++t) CHECK(results[t].ok());
  CompareTables(added, loaded);
}

TEST_CASE("a cold chunk missing, short, long or malformed is corruption naming segment and chunk",
          "[docs]") {
  std::mt19937 rng(13);
  const auto infos = Consecutive(RandomInfos(&rng, 40), 1);  // chunks 0, 1 and 2 (8 documents)
  struct Case {
    std::function<void(std::vector<std::string>*)> damage;
    const char* says;
  };
  const Case cases[] = {
      {[](auto* c) { (*c)[1] = kMissing; }, "cold chunk 1 is missing (the segment has 3)"},
      {[](auto* c) { (*c)[2] = kMissing; }, "cold chunk 2 is missing (the segment has 3)"},
      {[](auto* c) { (*c)[1].pop_back(); }, "cold chunk 1: truncated in document 16 of 16"},
      {[](auto* c) { (*c)[2] += "zz"; }, "cold chunk 2: 2 bytes past its 8 documents"},
      {[](auto* c) { (*c)[0][4] = static_cast<char>(0x7f); },
       "cold chunk 0: a brand, category or rating index out of range in document 1 of 16"},
      {[](auto* c) { c->push_back((*c)[0]); }, "cold chunk 3: beyond the segment's 3 chunks"},
  };
  for (const Case& c : cases) {
    INFO(c.says);
    std::vector<Stored4> stored(1);
    stored[0].seg = 6;
    stored[0].infos = infos;
    stored[0].docs = EncodeSegmentDocs(infos, 16);
    c.damage(&stored[0].docs.chunks);
    // The full decode (merge, check) names the chunk.
    Status decoded = DecodeDocs(stored[0].docs.blob, [](const DocInfo&) {}, ScanOf(stored[0].docs));
    CHECK(decoded.code() == StatusCode::kCorruption);
    CHECK_THAT(decoded.message(), Catch::Contains(c.says));
    // The table names the segment too, per chunk and whole.
    ChunkStore store{&stored};
    for (bool whole : {false, true}) {
      DocTable table;
      table.SetChunkReader(store.Source());
      table.SetColdReader([&](int64_t) -> Result<BlobReadAt> { return BlobReadAt(MemoryBlob{stored[0].docs.blob}); });
      REQUIRE(table.LoadSegment(6, stored[0].docs.blob.size(), MemoryBlob{stored[0].docs.blob},
                                RowOf(infos), 100).ok());
      REQUIRE(table.EnsureHot().ok());
      std::vector<uint32_t> all;
      for (const DocInfo& d : infos) all.push_back(d.docid);
      Status s = whole ? table.EnsureCold() : table.EnsureColdRows(all);
      if (!whole && std::string(c.says).find("beyond") != std::string::npos) {
        CHECK(s.ok());  // a point read never asks for a chunk past the segment's
        continue;
      }
      CHECK(s.code() == StatusCode::kCorruption);
      CHECK_THAT(s.message(), Catch::Contains("segment 6, "));
      CHECK_THAT(s.message(), Catch::Contains(c.says));
      CHECK_FALSE(table.cold_loaded());
    }
  }
}

TEST_CASE("a corrupt format 4 header is corruption before anything is read", "[docs]") {
  std::mt19937 rng(17);
  const auto dense = Consecutive(RandomInfos(&rng, 40), 10);
  const SegmentDocs d = EncodeSegmentDocs(dense, 16);
  const SegmentDocsRow row = RowOf(dense);
  auto corrupt = [&](const std::string& blob, const std::string& says) {
    INFO("expecting: " << says);
    Status whole = DecodeSegmentDocs(blob, row, 1u << 20, [](const DocInfo&) {}, ScanOf(d));
    CHECK(whole.code() == StatusCode::kCorruption);
    CHECK_THAT(whole.message(), Catch::Contains(says));
    DocTable table;
    Status loaded = table.LoadSegment(1, blob.size(), MemoryBlob{blob}, row, 1u << 20);
    CHECK(loaded.code() == StatusCode::kCorruption);
    CHECK_THAT(loaded.message(), Catch::Contains(says));
    CHECK(table.live_count() == 0);
  };
  corrupt(d.blob.substr(0, d.blob.size() - 1), "bytes in format 4, the blob has");
  corrupt(d.blob + "x", "bytes in format 4, the blob has");
  std::string bad = d.blob;
  bad[2] = bad[3] = 0;
  corrupt(bad, "0 documents a cold chunk");
  bad = d.blob;
  bad[68] = 1;
  corrupt(bad, "reserved header bytes are not zero");
  bad = d.blob;
  bad[56] = static_cast<char>(bad[56] + 1);  // one brand more than the blob holds
  corrupt(bad, "bytes in format 4, the blob has");
  corrupt(d.blob.substr(0, 70), "bytes hold at most 4");
  bad = d.blob;
  bad[1] = 2;
  corrupt(bad, "unknown flags 2");
}

}  // namespace
}  // namespace saiki::index
