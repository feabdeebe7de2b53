// libFuzzer target: the index's binary codecs, index/postings.h
// (PostingList::Parse, TermCursor with positions) and index/doc_table.h
// (DecodeDocs of formats 1 to 4, DocTable::Add of what it decodes, in
// memory and streamed in chunks, DocTable::LoadSegment + EnsureCold as
// the engine's Reload() does now, and format 4's cold chunks read per
// chunk by EnsureColdRows and all at once by EnsureCold). These decode
// blobs read from the database file, so they must turn any bytes into
// either data or kCorruption, never a crash.
//
// Byte 0 chooses the mode (bits 0-1) and how the cursor is walked (bits
// 2-4); the rest is the blob (or, in mode 2, a recipe for valid data):
//   mode 0  the rest is one posting list (and, upgraded, a format 1 list)
//   mode 1  byte 1 splits the rest into two posting lists (two segments)
//   mode 2  round trip: the rest describes documents (docid gaps, per-field
//           positions, lengths); they are written with PostingListWriter
//           and EncodeDocs, decoded back, and must come back exactly
//   mode 3  the rest is a docs blob only; or, when control bit 7 is set, a
//           recipe for a valid format 4 segment and then damage done to its
//           cold chunks (ColdChunks)
// In modes 0, 1 and 3 the rest is also decoded as a docs blob into a
// DocTable, as Reload() does.
//
// DocTable sizes its arrays by the largest docid, so Reload() decodes with
// DecodeSegmentDocs, which checks the blob against its segment row and the
// largest docid ever assigned; this target does the same, with a row made
// from what the blob claims (sometimes skewed, to reach the mismatch checks)
// and a largest docid of 2^20 (tests/fuzz_regression_test.cc has the inputs
// that made the table allocate gigabytes before).
//
// Invariants on arbitrary bytes: the cursor visits at most 128 documents per
// block, in strictly increasing docid order within one list, tf is 0 for
// fields absent from the mask, positions(f) holds tf(f) entries while the
// status is OK, NextGeq(t) lands on a doc >= t; DecodeDocs visits increasing
// docids below kEndDoc.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "index/doc_table.h"
#include "index/postings.h"

using saiki::fuzz::ByteReader;
using namespace saiki::index;

namespace {

// Walks the cursor as `style` says, checking the contract. Returns the
// visited docs (docid, mask, tfs, positions) for the round-trip mode.
struct Visit {
  uint32_t doc;
  uint8_t mask;
  std::array<uint16_t, kNumFields> tf;
  std::array<std::vector<uint32_t>, kNumFields> positions;
  bool have_positions;
};

std::vector<Visit> Walk(const std::vector<const PostingList*>& lists, uint8_t style,
                        bool single_list, uint32_t geq_step) {
  size_t max_docs = 0;
  for (const PostingList* l : lists) max_docs += l->blocks.size() * kBlockSize;
  TermCursor cursor(lists);
  std::vector<Visit> seen;
  uint32_t prev = 0;
  bool first = true;
  size_t steps = 0;
  while (cursor.doc() != kEndDoc) {
    FUZZ_CHECK(++steps <= max_docs, "cursor visited more than %zu docs", max_docs);
    const uint32_t d = cursor.doc();
    if (single_list) {
      FUZZ_CHECK(first || d > prev, "docids go back: %u after %u", d, prev);
    }
    first = false;
    prev = d;
    Visit v{d, cursor.field_mask(), {}, {}, false};
    for (int f = 0; f < kNumFields; ++f) {
      v.tf[f] = cursor.tf(f);
      if (!(v.mask & (1u << f))) FUZZ_CHECK(v.tf[f] == 0, "tf %u in absent field %d", v.tf[f], f);
    }
    // Positions for every doc, every other doc, or none (styles 0, 1, 2+).
    const bool want_positions = (style & 3) == 0 || ((style & 3) == 1 && seen.size() % 2 == 0);
    if (want_positions) {
      v.have_positions = true;
      for (int f = 0; f < kNumFields; ++f) {
        std::span<const uint32_t> p = cursor.positions(f);
        if (!cursor.has_positions()) {
          FUZZ_CHECK(p.empty(), "%zu positions in a list without positions", p.size());
        } else if (cursor.status().ok()) {
          FUZZ_CHECK(p.size() == v.tf[f], "%zu positions for tf %u (doc %u field %d)", p.size(),
                     v.tf[f], d, f);
          v.positions[f].assign(p.begin(), p.end());
        }
      }
      if (!cursor.status().ok()) break;
    }
    seen.push_back(std::move(v));
    if (style & 4) {
      const uint32_t target = d + geq_step;
      if (target <= d) break;  // wrapped
      cursor.NextGeq(target);
      FUZZ_CHECK(cursor.doc() >= target, "NextGeq(%u) landed on %u", target, cursor.doc());
      // NextGeq to the current doc does not move.
      const uint32_t here = cursor.doc();
      cursor.NextGeq(here);
      FUZZ_CHECK(cursor.doc() == here, "NextGeq(doc) moved from %u to %u", here, cursor.doc());
    } else {
      cursor.Next();
    }
  }
  return seen;
}

// Reads of a blob in memory, never past its end.
struct MemoryBlobReader {
  std::string_view blob;
  saiki::Status operator()(size_t offset, std::span<char> out) const {
    FUZZ_CHECK(offset + out.size() <= blob.size(), "read %zu..%zu past %zu", offset,
               offset + out.size(), blob.size());
    std::memcpy(out.data(), blob.data() + offset, out.size());
    return saiki::Status::Ok();
  }
};

// The largest docid the simulated database ever assigned: a table of 2^20
// docids is ~64 MB, well inside the 2 GiB the runs allow.
constexpr uint32_t kFuzzMaxDocid = 1u << 20;

// A format 4 blob's cold chunks when the blob is fuzzed whole: none (a
// blob of documents then misses its chunks, which is corruption).
const ColdChunkScan kNoChunks = [](const ColdChunkVisitor&) { return saiki::Status::Ok(); };

void DecodeDocsIntoTable(std::string_view blob, uint8_t skew) {
  // Plain decode: the invariants, and the row a writer would have stored.
  uint32_t prev = 0, first = 0;
  int64_t n = 0;
  saiki::Status s = DecodeDocs(
      blob,
      [&](const DocInfo& d) {
        FUZZ_CHECK(d.docid <= kMaxDocid, "docid %u past kMaxDocid", d.docid);
        FUZZ_CHECK(n == 0 || d.docid > prev, "docs go back: %u after %u", d.docid, prev);
        if (n == 0) first = d.docid;
        prev = d.docid;
        ++n;
      },
      kNoChunks);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == saiki::StatusCode::kCorruption, "%s", s.ToString().c_str());
  }
  SegmentDocsRow row{first, prev, n};
  switch (skew & 3) {  // a row that disagrees with its blob
    case 1: row.last_docid += skew >> 2; break;
    case 2: row.ndocs -= 1 + (skew >> 5); break;
    case 3: row.first_docid -= skew >> 2; break;
    default: break;
  }
  // What Reload() does with each blob.
  DocTable table;
  saiki::Status checked = DecodeSegmentDocs(
      blob, row, kFuzzMaxDocid,
      [&](const DocInfo& d) {
        FUZZ_CHECK(d.docid >= row.first_docid && d.docid <= row.last_docid &&
                       d.docid <= kFuzzMaxDocid,
                   "docid %u visited outside %lld..%lld", d.docid, (long long)row.first_docid,
                   (long long)row.last_docid);
        table.Add(d);
      },
      kNoChunks);
  if (!checked.ok()) {
    FUZZ_CHECK(checked.code() == saiki::StatusCode::kCorruption, "%s",
               checked.ToString().c_str());
  }
  // A blob that decodes, checked against its own row, is accepted.
  if (s.ok() && (skew & 3) == 0 && n > 0 && first >= 1 && prev <= kFuzzMaxDocid) {
    FUZZ_CHECK(checked.ok(), "a consistent blob is refused: %s", checked.ToString().c_str());
  }
  // The same blob streamed in small chunks, as Reload() reads it: the same
  // status and the same documents.
  size_t streamed = 0, whole = 0;
  (void)DecodeSegmentDocs(blob, row, kFuzzMaxDocid, [&](const DocInfo&) { ++whole; }, kNoChunks);
  saiki::Status chunked = DecodeSegmentDocs(
      blob.size(),
      [&](size_t offset, std::span<char> out) {
        FUZZ_CHECK(offset + out.size() <= blob.size(), "read %zu..%zu past %zu", offset,
                   offset + out.size(), blob.size());
        std::memcpy(out.data(), blob.data() + offset, out.size());
        return saiki::Status::Ok();
      },
      row, kFuzzMaxDocid, [&](const DocInfo&) { ++streamed; }, 1 + (skew >> 2), kNoChunks);
  FUZZ_CHECK(chunked.code() == checked.code() && chunked.message() == checked.message(),
             "streamed: %s, in memory: %s", chunked.ToString().c_str(), checked.ToString().c_str());
  FUZZ_CHECK(streamed == whole, "streamed %zu documents, in memory %zu", streamed, whole);
  FUZZ_CHECK(table.capacity() <= 2 * kFuzzMaxDocid, "the table grew to %u", table.capacity());
  // What Reload() does now: LoadSegment (a format 3 blob's hot column read
  // into the table, its cold column on EnsureCold). It accepts what the
  // visiting decode accepts, and refuses the same blobs but for a format 3
  // blob whose header's length totals are wrong (LoadSegment takes them
  // as they are); what it loads equals what Add gave.
  auto read = [&](size_t offset, std::span<char> out) {
    FUZZ_CHECK(offset + out.size() <= blob.size(), "read %zu..%zu past %zu", offset,
               offset + out.size(), blob.size());
    std::memcpy(out.data(), blob.data() + offset, out.size());
    return saiki::Status::Ok();
  };
  DocTable loaded;
  loaded.SetColdReader([&](int64_t) -> saiki::Result<BlobReadAt> { return BlobReadAt(read); });
  ColdChunkSource none;
  none.read = [](int64_t, int64_t, std::string*) -> saiki::Result<bool> { return false; };
  none.scan = [](int64_t, const ColdChunkVisitor&) { return saiki::Status::Ok(); };
  loaded.SetChunkReader(none);
  saiki::Status l = loaded.LoadSegment(1, blob.size(), read, row, kFuzzMaxDocid);
  const bool totals_only = !checked.ok() && checked.message().find("totals disagree") != std::string::npos;
  // A format 4 blob's missing chunks are found when its cold rows are read.
  const bool chunks_only = !checked.ok() && checked.message().find("cold chunk") != std::string::npos;
  FUZZ_CHECK(l.ok() == (checked.ok() || totals_only || chunks_only), "LoadSegment: %s, decode: %s",
             l.ToString().c_str(), checked.ToString().c_str());
  if (!l.ok()) {
    FUZZ_CHECK(l.code() == saiki::StatusCode::kCorruption, "%s", l.ToString().c_str());
    return;
  }
  saiki::Status cold = loaded.EnsureCold();
  FUZZ_CHECK(cold.ok() == !chunks_only, "EnsureCold: %s, decode: %s", cold.ToString().c_str(),
             checked.ToString().c_str());
  if (!cold.ok()) {
    FUZZ_CHECK(cold.code() == saiki::StatusCode::kCorruption, "%s", cold.ToString().c_str());
    return;
  }
  if (!checked.ok()) return;
  FUZZ_CHECK(loaded.live_count() == table.live_count(), "loaded %u documents, added %u",
             loaded.live_count(), table.live_count());
  for (uint32_t d = 0; d < table.capacity(); ++d) {
    FUZZ_CHECK(loaded.live(d) == table.live(d), "docid %u live differs", d);
    if (!table.live(d)) continue;
    const DocInfo a = loaded.info(d), b = table.info(d);
    FUZZ_CHECK(a.lengths == b.lengths && std::memcmp(&a.price, &b.price, 4) == 0 &&
                   a.id_hash == b.id_hash && a.brand == b.brand && a.category == b.category &&
                   std::memcmp(&a.rating, &b.rating, 4) == 0 && a.reviews == b.reviews &&
                   a.signature == b.signature,
               "docid %u differs between LoadSegment and Add", d);
  }
}

// Format 4's cold chunks: a valid segment from a short recipe, its chunks
// then damaged as the rest of the input says (dropped, a byte changed, cut
// or grown, one more past the end). The full decode, EnsureColdRows (each
// chunk by a point read) and EnsureCold (one scan) must agree: the
// documents as encoded when nothing was damaged; data or kCorruption
// otherwise, the same for the decode and EnsureCold, never a crash.
void ColdChunks(ByteReader& in, uint8_t style) {
  const uint16_t chunk_docs = static_cast<uint16_t>(1 + in.U8() % 40);
  const size_t n = 1 + in.U8();
  std::vector<DocInfo> infos;
  uint32_t docid = 0;
  for (size_t i = 0; i < n; ++i) {
    docid += (style & 1) ? 1 : 1 + in.U8() % 5;  // dense or sparse
    DocInfo d;
    d.docid = docid;
    d.lengths[0] = static_cast<uint16_t>(i % 7);
    d.price = static_cast<float>(i);
    d.id_hash = StableHash(std::to_string(docid));
    d.brand = i % 6 ? StableHash("b" + std::to_string(i % 5)) : 0;
    d.category = {StableHash("c" + std::to_string(i % 3)), 0, 0};
    d.rating = i % 4 ? static_cast<float>(i % 50) / 10 : std::nanf("");
    d.reviews = static_cast<uint32_t>(i * 37 % 100000);
    d.signature[i % kSignatureSlots] = static_cast<uint16_t>(i);
    infos.push_back(d);
  }
  const SegmentDocs enc = EncodeSegmentDocs(infos, chunk_docs);
  std::vector<std::optional<std::string>> chunks(enc.chunks.begin(), enc.chunks.end());
  bool damaged = false;
  while (!in.empty()) {
    const uint8_t op = in.U8();
    std::optional<std::string>& c = chunks[in.U8() % chunks.size()];
    switch (op & 3) {
      case 0: c.reset(); break;
      case 1:
        if (c && !c->empty()) (*c)[in.U8() % c->size()] = static_cast<char>(in.U8());
        break;
      case 2:
        if (c) c->resize(in.U8() % (c->size() + 2));
        break;
      default: chunks.push_back(c); break;
    }
    damaged = true;
  }
  auto scan = [&](const ColdChunkVisitor& visit) -> saiki::Status {
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (chunks[i]) SAIKI_RETURN_IF_ERROR(visit(static_cast<int64_t>(i), *chunks[i]));
    }
    return saiki::Status::Ok();
  };
  std::vector<DocInfo> decoded;
  saiki::Status s = DecodeDocs(enc.blob, [&](const DocInfo& d) { decoded.push_back(d); }, scan);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == saiki::StatusCode::kCorruption, "%s", s.ToString().c_str());
  }
  FUZZ_CHECK(damaged || s.ok(), "an undamaged segment is refused: %s", s.ToString().c_str());
  auto same = [](const DocInfo& a, const DocInfo& b) {
    return a.docid == b.docid && a.lengths == b.lengths && std::memcmp(&a.price, &b.price, 4) == 0 &&
           a.id_hash == b.id_hash && a.brand == b.brand && a.category == b.category &&
           std::memcmp(&a.rating, &b.rating, 4) == 0 && a.reviews == b.reviews &&
           a.signature == b.signature;
  };
  if (s.ok()) {
    FUZZ_CHECK(decoded.size() == infos.size(), "decoded %zu of %zu", decoded.size(), infos.size());
    for (size_t i = 0; i < infos.size(); ++i) {
      FUZZ_CHECK(decoded[i].docid == infos[i].docid, "document %zu's docid changed", i);
      FUZZ_CHECK(damaged || same(decoded[i], infos[i]), "document %zu differs", i);
    }
  }
  const SegmentDocsRow row{infos.front().docid, infos.back().docid, static_cast<int64_t>(n)};
  MemoryBlobReader blob{enc.blob};
  for (bool whole : {false, true}) {
    DocTable table;
    table.SetColdReader([&](int64_t) -> saiki::Result<BlobReadAt> { return BlobReadAt(blob); });
    ColdChunkSource source;
    source.read = [&](int64_t, int64_t chunk, std::string* out) -> saiki::Result<bool> {
      if (chunk < 0 || chunk >= static_cast<int64_t>(chunks.size()) || !chunks[chunk]) return false;
      *out = *chunks[chunk];
      return true;
    };
    source.scan = [&](int64_t, const ColdChunkVisitor& visit) { return scan(visit); };
    table.SetChunkReader(source);
    saiki::Status l = table.LoadSegment(1, enc.blob.size(), blob, row, kFuzzMaxDocid);
    FUZZ_CHECK(l.ok(), "LoadSegment: %s", l.ToString().c_str());
    FUZZ_CHECK(table.EnsureHot().ok(), "EnsureHot");
    std::vector<uint32_t> docids;
    for (const DocInfo& d : infos) docids.push_back(d.docid);
    saiki::Status cold = whole ? table.EnsureCold() : table.EnsureColdRows(docids);
    if (!cold.ok()) {
      FUZZ_CHECK(cold.code() == saiki::StatusCode::kCorruption, "%s", cold.ToString().c_str());
    }
    // A point read never asks for a chunk past the segment's: it may
    // accept what the decode refuses, never the other way round.
    FUZZ_CHECK(whole ? cold.ok() == s.ok() : (cold.ok() || !s.ok()), "%s: %s, decode: %s",
               whole ? "EnsureCold" : "EnsureColdRows", cold.ToString().c_str(),
               s.ToString().c_str());
    if (!cold.ok() || !s.ok()) continue;
    for (const DocInfo& d : decoded) {
      FUZZ_CHECK(same(table.info(d.docid), d), "docid %u differs from the decode", d.docid);
    }
  }
}

void RoundTrip(ByteReader& in, uint8_t style) {
  // Documents from the recipe: up to 400 (so more than three blocks).
  struct Doc {
    uint32_t docid;
    std::array<std::vector<uint32_t>, kNumFields> pos;
    FieldLengths len;
  };
  std::vector<Doc> docs;
  uint32_t docid = 0;
  while (!in.empty() && docs.size() < 400) {
    const uint8_t gap = in.U8();
    uint64_t next = uint64_t(docid) + (gap < 0xf0 ? gap + 1 : (uint64_t(in.U32()) >> (gap & 15)) + 1);
    if (next > kMaxDocid) break;  // the engine never writes larger docids
    docid = static_cast<uint32_t>(next);
    Doc d{docid, {}, {}};
    const uint8_t mask = in.U8();
    bool any = false;
    for (int f = 0; f < kNumFields; ++f) {
      if (!(mask & (1u << f))) continue;
      const uint8_t tf = 1 + (in.U8() & 7);
      uint32_t p = in.U8();
      for (int i = 0; i < tf; ++i) {
        d.pos[f].push_back(p);
        p += 1 + in.U8();
      }
      d.len[f] = static_cast<uint16_t>(std::min<uint32_t>(p + in.U8(), UINT16_MAX));
      any = true;
    }
    if (!any) {  // a posting has the term in some field
      d.pos[0].push_back(0);
      d.len[0] = 1;
    }
    docs.push_back(std::move(d));
  }
  if (docs.empty()) return;

  // Style bit 0: a list without positions (a dictionary word's or a filter
  // key's), which must still give back every tf.
  const bool with_positions = (style & 1) == 0;
  PostingListWriter writer(with_positions);
  for (const Doc& d : docs) {
    std::array<std::span<const uint32_t>, kNumFields> spans;
    for (int f = 0; f < kNumFields; ++f) spans[f] = d.pos[f];
    writer.AddDoc(d.docid, spans, d.len);
  }
  FUZZ_CHECK(writer.doc_count() == docs.size(), "writer counted %u of %zu", writer.doc_count(),
             docs.size());
  std::string blob = writer.Finish();
  auto list = PostingList::Parse(blob);
  FUZZ_CHECK(list.ok(), "a written list does not parse: %s", list.status().ToString().c_str());
  FUZZ_CHECK(list->ndocs == docs.size(), "ndocs %u != %zu", list->ndocs, docs.size());
  FUZZ_CHECK(list->blocks.size() == (docs.size() + kBlockSize - 1) / kBlockSize, "%zu blocks",
             list->blocks.size());
  // Block-max bounds hold for every doc of the block.
  for (size_t i = 0; i < docs.size(); ++i) {
    const BlockInfo& b = list->blocks[i / kBlockSize];
    for (int f = 0; f < kNumFields; ++f) {
      if (docs[i].pos[f].empty()) continue;
      FUZZ_CHECK(b.field_mask & (1u << f), "block mask lacks field %d", f);
      FUZZ_CHECK(docs[i].pos[f].size() <= b.max_tf[f], "tf above the block max");
      FUZZ_CHECK(docs[i].len[f] >= b.min_len[f], "length below the block min");
    }
  }
  const std::vector<const PostingList*> lists = {&*list};
  // Sequential walk with positions: exact.
  std::vector<Visit> seen = Walk(lists, 0, true, 1);
  TermCursor check(lists);
  FUZZ_CHECK(check.status().ok(), "cursor over a written list fails: %s",
             check.status().ToString().c_str());
  FUZZ_CHECK(seen.size() == docs.size(), "walked %zu of %zu docs", seen.size(), docs.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    FUZZ_CHECK(seen[i].doc == docs[i].docid, "doc %zu: %u != %u", i, seen[i].doc, docs[i].docid);
    for (int f = 0; f < kNumFields; ++f) {
      FUZZ_CHECK(seen[i].tf[f] == docs[i].pos[f].size(), "doc %u field %d: tf %u != %zu",
                 docs[i].docid, f, seen[i].tf[f], docs[i].pos[f].size());
      FUZZ_CHECK(seen[i].positions[f] == (with_positions ? docs[i].pos[f] : std::vector<uint32_t>{}),
                 "doc %u field %d: positions differ", docs[i].docid, f);
    }
  }
  // Skipping walk: every doc >= the target is found, none is skipped wrongly.
  const uint32_t step = 1 + (style >> 3) * 37;
  std::vector<Visit> skipped = Walk(lists, 2 | 4, true, step);
  size_t j = 0;
  uint32_t target = 0;
  for (const Visit& v : skipped) {
    while (j < docs.size() && docs[j].docid < target) ++j;
    FUZZ_CHECK(j < docs.size() && docs[j].docid == v.doc, "NextGeq(%u) gave %u", target, v.doc);
    target = v.doc + step;
  }

  // Docs blob round trip for the same docids.
  std::vector<DocInfo> infos;
  for (const Doc& d : docs) {
    DocInfo info;
    info.docid = d.docid;
    info.lengths = d.len;
    info.price = static_cast<float>(d.docid % 1000) / 7.0f;
    info.id_hash = StableHash(std::to_string(d.docid));
    info.reviews = d.docid % 17;
    info.signature[0] = static_cast<uint16_t>(d.docid);
    infos.push_back(info);
  }
  const std::string docs_blob = EncodeDocs(infos);
  size_t k = 0;
  saiki::Status s = DecodeDocs(docs_blob, [&](const DocInfo& d) {
    FUZZ_CHECK(k < infos.size(), "decoded more docs than encoded");
    FUZZ_CHECK(d.docid == infos[k].docid && d.lengths == infos[k].lengths &&
                   d.id_hash == infos[k].id_hash && d.reviews == infos[k].reviews &&
                   d.signature == infos[k].signature && d.price == infos[k].price,
               "doc %zu differs after the docs round trip", k);
    ++k;
  });
  FUZZ_CHECK(s.ok() && k == infos.size(), "docs round trip: %s, %zu of %zu", s.ToString().c_str(),
             k, infos.size());
  // Format 2 (what older files hold) decodes to the same documents.
  std::vector<DocInfo> v2;
  s = DecodeDocs(EncodeDocs(infos, 2), [&](const DocInfo& d) { v2.push_back(d); });
  FUZZ_CHECK(s.ok() && v2.size() == infos.size(), "format 2 round trip: %s", s.ToString().c_str());
  for (size_t i = 0; i < v2.size(); ++i) {
    FUZZ_CHECK(v2[i].docid == infos[i].docid && v2[i].lengths == infos[i].lengths,
               "doc %zu differs after the format 2 round trip", i);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  const uint8_t control = in.U8();
  const uint8_t mode = control & 3;
  const uint8_t style = control >> 2;
  const uint32_t geq_step = 1 + (style >> 3) * 1000;
  if (mode == 2) {
    RoundTrip(in, style);
    return 0;
  }
  if (mode == 3 && (style & 32)) {
    ColdChunks(in, style);
    return 0;
  }
  if (mode == 3) {
    DecodeDocsIntoTable(in.Rest(), style);
    return 0;
  }
  std::vector<std::string> blobs;
  if (mode == 0) {
    blobs.emplace_back(in.Rest());
    // The same bytes as a format 1 list (an older database being opened):
    // the upgrade refuses them or gives a list that reads cleanly.
    auto upgraded = UpgradePostingList(blobs.back(), (style & 1) != 0);
    if (!upgraded.ok()) {
      FUZZ_CHECK(upgraded.status().code() == saiki::StatusCode::kCorruption, "%s",
                 upgraded.status().ToString().c_str());
    } else {
      auto list = PostingList::Parse(*upgraded);
      FUZZ_CHECK(list.ok(), "an upgraded list does not parse: %s",
                 list.status().ToString().c_str());
      const std::vector<const PostingList*> one = {&*list};
      Walk(one, style, true, geq_step);
    }
  } else {
    const size_t split = in.U8();
    blobs.emplace_back(in.Bytes(split));
    blobs.emplace_back(in.Rest());
  }
  std::string all;
  for (const auto& b : blobs) all += b;
  std::vector<PostingList> parsed;
  for (const auto& b : blobs) {
    auto list = PostingList::Parse(b);
    if (!list.ok()) {
      FUZZ_CHECK(list.status().code() == saiki::StatusCode::kCorruption, "%s",
                 list.status().ToString().c_str());
      continue;
    }
    FUZZ_CHECK(list->blocks.size() <= list->ndocs, "%zu blocks for %u docs", list->blocks.size(),
               list->ndocs);
    parsed.push_back(std::move(*list));
  }
  std::vector<const PostingList*> ptrs;
  for (const auto& l : parsed) ptrs.push_back(&l);
  if (!ptrs.empty()) {
    Walk(ptrs, style, ptrs.size() == 1, geq_step);
    Walk(ptrs, style ^ 4, ptrs.size() == 1, geq_step);
  }
  DecodeDocsIntoTable(all, style);
  return 0;
}
