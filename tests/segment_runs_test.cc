// SegmentRuns (index/segment_runs.h): an import built in pieces set aside in
// a scratch file and joined at the end gives the same postings and docs as
// one built in one piece, whatever the cut points.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "index/segment_runs.h"
#include "tests/whitespace_analyzer.h"

namespace saiki::index {
namespace {

struct Doc {
  std::string title, description;
  float price;
};

// Words from a skewed vocabulary (common ones are in every piece), plus one
// word of the document's own (in a single piece only).
std::vector<Doc> RandomDocs(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  std::vector<Doc> docs;
  for (int i = 0; i < n; ++i) {
    auto words = [&](int count) {
      std::string s;
      for (int w = 0; w < count; ++w) {
        int k = static_cast<int>(std::min<double>(
            60, std::exponential_distribution<double>(0.15)(rng)));
        s += "w" + std::to_string(k) + " ";
      }
      return s;
    };
    Doc d;
    d.title = words(1 + static_cast<int>(rng() % 6)) + "only" + std::to_string(i);
    d.description = words(static_cast<int>(rng() % 30));
    d.price = rng() % 5 == 0 ? std::numeric_limits<float>::quiet_NaN()
                             : static_cast<float>(rng() % 10000);
    docs.push_back(d);
  }
  return docs;
}

void AddDoc(SegmentBuilder* builder, const std::vector<Doc>& docs, size_t i) {
  const Doc& d = docs[i];
  builder->Add(static_cast<uint32_t>(i + 1), {"", d.title, "", "", "", d.description, d.price});
}

// Every posting of a list, decoded: docid, each field's tf and positions.
std::string Decoded(std::string_view list) {
  auto parsed = PostingList::Parse(std::string(list));
  REQUIRE(parsed.ok());
  std::string out;
  TermCursor cursor({&parsed.value()});
  for (; cursor.doc() != kEndDoc; cursor.Next()) {
    out += std::to_string(cursor.doc()) + ":";
    for (int f = 0; f < kNumFields; ++f) {
      out += std::to_string(cursor.tf(f)) + "[";
      for (uint32_t p : cursor.positions(f)) out += std::to_string(p) + ",";
      out += "]";
    }
    out += ";";
  }
  REQUIRE(cursor.status().ok());
  return out;
}

struct Built {
  std::vector<std::string> terms;  // in the order the sink saw them
  std::map<std::string, std::pair<uint32_t, std::string>> lists;  // df, decoded
  std::string docs;  // EncodeDocs of the docs
};

SegmentRuns::ListSink Recorder(Built* b) {
  return [b](std::string_view term, uint32_t df, std::string_view list) {
    b->terms.emplace_back(term);
    b->lists[std::string(term)] = {df, Decoded(list)};
    return Status::Ok();
  };
}

Built OnePiece(const std::vector<Doc>& docs) {
  WhitespaceAnalyzer analyzer;
  SegmentBuilder builder(&analyzer);
  for (size_t i = 0; i < docs.size(); ++i) AddDoc(&builder, docs, i);
  Built b;
  std::vector<DocInfo> infos;
  REQUIRE(builder.Finish(Recorder(&b), &infos).ok());
  b.docs = EncodeDocs(infos);
  return b;
}

// Cuts the documents into pieces of random sizes, each spilled as a run;
// the last piece stays in the builder when `keep_last`.
Built InRuns(const std::vector<Doc>& docs, SegmentRuns* runs, uint32_t seed, bool keep_last,
             size_t* pieces) {
  std::mt19937 rng(seed);
  WhitespaceAnalyzer analyzer;
  SegmentBuilder builder(&analyzer);
  // As an import's: arrays kept from one piece to the next, capped.
  builder.set_memory_budget(size_t{1} << 20);
  size_t cut = 1 + rng() % 300;
  *pieces = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    AddDoc(&builder, docs, i);
    if (builder.doc_count() == cut && (i + 1 < docs.size() || !keep_last)) {
      REQUIRE(runs->Spill(&builder).ok());
      ++*pieces;
      cut = 1 + rng() % 300;
    }
  }
  if (!builder.empty()) ++*pieces;
  REQUIRE(runs->runs() + (builder.empty() ? 0 : 1) == *pieces);
  Built b;
  std::vector<DocInfo> infos;
  Status s = runs->Finish(&builder, Recorder(&b), &infos);
  INFO(s.ToString());
  REQUIRE(s.ok());
  CHECK(runs->runs() == 0);
  b.docs = EncodeDocs(infos);
  return b;
}

void RequireSame(const Built& one, const Built& joined) {
  REQUIRE(joined.terms.size() == one.terms.size());
  CHECK(joined.terms == one.terms);  // each term once, in byte order
  CHECK(joined.docs == one.docs);
  for (const auto& [term, df_list] : one.lists) {
    INFO(term);
    auto it = joined.lists.find(term);
    REQUIRE(it != joined.lists.end());
    CHECK(it->second.first == df_list.first);
    CHECK(it->second.second == df_list.second);
  }
}

TEST_CASE("an import joined from runs equals one built in one piece", "[segment_runs]") {
  for (uint32_t seed : {1u, 2u, 3u}) {
    INFO("seed " << seed);
    std::vector<Doc> docs = RandomDocs(seed, 1200);
    Built one = OnePiece(docs);
    SegmentRuns runs(".");
    size_t pieces = 0;
    RequireSame(one, InRuns(docs, &runs, seed, /*keep_last=*/true, &pieces));
    CHECK(pieces >= 4);
    // The same object again, the last piece spilled too: the scratch file
    // is reused from its start.
    RequireSame(one, InRuns(docs, &runs, seed + 10, /*keep_last=*/false, &pieces));
    CHECK(runs.scratch_bytes() == 0);
  }
}

TEST_CASE("runs with no spill finish as the builder alone", "[segment_runs]") {
  std::vector<Doc> docs = RandomDocs(7, 50);
  Built one = OnePiece(docs);
  WhitespaceAnalyzer analyzer;
  SegmentBuilder builder(&analyzer);
  for (size_t i = 0; i < docs.size(); ++i) AddDoc(&builder, docs, i);
  SegmentRuns runs("/nonexistent-dir-for-saiki-test");  // never opened
  Built b;
  std::vector<DocInfo> infos;
  REQUIRE(runs.Finish(&builder, Recorder(&b), &infos).ok());
  b.docs = EncodeDocs(infos);
  RequireSame(one, b);
}

TEST_CASE("a scratch directory that cannot take a file is named in the error",
          "[segment_runs]") {
  WhitespaceAnalyzer analyzer;
  SegmentBuilder builder(&analyzer);
  builder.Add(1, {"", "a b c", "", "", "", "", 1.0f});
  SegmentRuns runs("/nonexistent-dir-for-saiki-test");
  Status s = runs.Spill(&builder);
  CHECK(s.code() == StatusCode::kIoError);
  CHECK(s.message().find("/nonexistent-dir-for-saiki-test") != std::string::npos);
}

}  // namespace
}  // namespace saiki::index
