// The index store (storage/index_store.h) on a fresh database: segment
// numbers and the posting format in meta, segments, posting lists and
// tombstones as bytes in and out, iteration order, callbacks' errors, the
// upgrade's row-by-row rewrite, missing rows and refused tokens.
#include "storage/index_store.h"

#include <catch2/catch.hpp>

#include "tests/store_fixture.h"

namespace saiki::storage {
namespace {

using testing::Must;
using testing::StoreDb;

// Blobs are bytes, NULs included.
const std::string kDocsA("docs\0a", 6);
const std::string kDocsB("docs\0bb", 7);

TEST_CASE("a fresh index is posting format 1 and holds nothing", "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  CHECK(Must(store.PostingsFormat()) == 1);  // Open upgrades it; the schema starts at 1
  CHECK(Must(store.CountSegments()) == 0);
  CHECK(Must(store.CountLists()) == 0);
  CHECK(Must(store.ListBytes()) == 0);
  CHECK(Must(store.CountTombstones()) == 0);
  CHECK(Must(store.MaxLastDocid()) == 0);
  CHECK(Must(store.DistinctTerms()).empty());
  CHECK(Must(store.Tombstones()).empty());
  CHECK(Must(store.ListRowids()).empty());
  int visits = 0;
  Must(store.ForEachSegment([&](const SegmentView&) {
    ++visits;
    return Status::Ok();
  }));
  Must(store.ForEachList([&](const PostingListView&) {
    ++visits;
    return Status::Ok();
  }));
  Must(store.ForEachListOfTerm("x", [&](int64_t, std::string_view) {
    ++visits;
    return Status::Ok();
  }));
  CHECK(visits == 0);
}

TEST_CASE("segment numbers are taken from meta one by one and the format is set", "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  auto txn = db.Begin();
  CHECK(Must(store.NextSegmentId(txn->token())) == 1);
  CHECK(Must(store.NextSegmentId(txn->token())) == 2);
  Must(store.SetPostingsFormat(txn->token(), 2));
  Must(txn->Commit());
  auto txn2 = db.Begin();
  CHECK(Must(store.NextSegmentId(txn2->token())) == 3);
  CHECK(Must(store.PostingsFormat()) == 2);
}

TEST_CASE("a missing meta key of the index is corruption naming the key and the file",
          "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  Must(db.conn->Exec("DELETE FROM meta WHERE key IN ('next_seg', 'postings_format')"));
  auto format = store.PostingsFormat();
  REQUIRE_FALSE(format.ok());
  CHECK(format.status().code() == StatusCode::kCorruption);
  CHECK_THAT(format.status().message(),
             Catch::Contains("store.saiki") && Catch::Contains("meta.postings_format"));
  auto txn = db.Begin();
  auto seg = store.NextSegmentId(txn->token());
  REQUIRE_FALSE(seg.ok());
  CHECK(seg.status().code() == StatusCode::kCorruption);
  CHECK_THAT(seg.status().message(), Catch::Contains("meta.next_seg is missing"));
}

TEST_CASE("segments come back in segment order with their docs blobs byte for byte", "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  auto txn = db.Begin();
  Must(store.InsertSegment(txn->token(), {5, 10, 19, 3, kDocsB}));
  Must(store.InsertSegment(txn->token(), {2, 1, 9, 9, kDocsA}));
  Must(txn->Commit());
  std::vector<int64_t> order;
  Must(store.ForEachSegment([&](const SegmentView& s) {
    order.push_back(s.seg);
    if (s.seg == 2) {
      CHECK(s.first_docid == 1);
      CHECK(s.last_docid == 9);
      CHECK(s.ndocs == 9);
      CHECK(s.docs == kDocsA);
    } else {
      CHECK(s.docs == kDocsB);
    }
    return Status::Ok();
  }));
  CHECK(order == std::vector<int64_t>{2, 5});
  CHECK(Must(store.CountSegments()) == 2);
  CHECK(Must(store.MaxLastDocid()) == 19);

  auto txn2 = db.Begin();
  Status dup = store.InsertSegment(txn2->token(), {5, 30, 31, 1, kDocsA});
  CHECK(dup.code() == StatusCode::kInvalidArgument);
  Must(store.DeleteAllSegments(txn2->token()));
  Must(txn2->Commit());
  CHECK(Must(store.CountSegments()) == 0);
}

TEST_CASE("segment rows give each docs blob's length, and the blob reads at offsets",
          "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  auto txn = db.Begin();
  Must(store.InsertSegment(txn->token(), {5, 10, 19, 3, kDocsB}));
  Must(store.InsertSegment(txn->token(), {2, 1, 9, 9, kDocsA}));
  Must(txn->Commit());
  std::vector<std::pair<int64_t, std::string>> read;
  Must(store.ForEachSegmentRow([&](const SegmentView& s, size_t bytes) {
    CHECK(s.docs.empty());
    auto blob = Must(store.OpenSegmentDocs(s.seg));
    CHECK(blob->size() == bytes);
    // In two pieces, the second first.
    std::string buf(bytes, 'x');
    const size_t half = bytes / 2;
    Must(blob->Read(half, std::span<char>(buf.data() + half, bytes - half)));
    Must(blob->Read(0, std::span<char>(buf.data(), half)));
    read.emplace_back(s.seg, buf);
    return Status::Ok();
  }));
  CHECK(read == std::vector<std::pair<int64_t, std::string>>{{2, kDocsA}, {5, kDocsB}});

  // A range past the end and a missing segment are errors that say which.
  auto blob = Must(store.OpenSegmentDocs(2));
  std::string buf(4, 'x');
  Status s = blob->Read(kDocsA.size() - 3, std::span<char>(buf.data(), buf.size()));
  CHECK(s.code() == StatusCode::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains("segments.docs of row 2") &&
                              Catch::Contains("is 6 bytes; bytes 3..7 were asked for"));
  CHECK(buf == "xxxx");
  CHECK(blob->Read(kDocsA.size() + 1, std::span<char>()).code() == StatusCode::kCorruption);
  auto missing = store.OpenSegmentDocs(7);
  CHECK_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("segments.docs of row 7"));
}

TEST_CASE("a long blob read returns every byte and leaves the page cache's size as it was",
          "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  // 3 MiB of varied bytes: past the size from which a read shrinks the
  // page cache while it lasts.
  std::string docs(3u << 20, '\0');
  for (size_t i = 0; i < docs.size(); ++i) docs[i] = static_cast<char>((i * 2654435761u) >> 13);
  auto txn = db.Begin();
  Must(store.InsertSegment(txn->token(), {1, 1, 9, 9, docs}));
  Must(txn->Commit());
  auto cache_size = [&] {
    auto* st = Must(db.conn->Prepare("PRAGMA cache_size"));
    ResetOnExit reset(st);
    REQUIRE(Must(st->Step()));
    return st->ColumnInt(0);
  };
  Must(db.conn->Exec("PRAGMA cache_size=-3000"));
  auto blob = Must(store.OpenSegmentDocs(1));
  std::string buf(docs.size() - 5, 'x');
  Must(blob->Read(5, std::span<char>(buf.data(), buf.size())));
  CHECK(buf == docs.substr(5));
  CHECK(cache_size() == -3000);
  // A long read that SQLite fails (the row changed under the open blob)
  // leaves it as it was too.
  auto change = db.Begin();
  Must(db.conn->Exec("UPDATE segments SET ndocs = ndocs WHERE seg = 1"));
  CHECK_FALSE(blob->Read(5, std::span<char>(buf.data(), buf.size())).ok());
  CHECK(cache_size() == -3000);
}

TEST_CASE("an error from a visit stops the scan and comes back unchanged", "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  auto txn = db.Begin();
  for (int64_t seg : {1, 2, 3}) Must(store.InsertSegment(txn->token(), {seg, seg, seg, 1, kDocsA}));
  Must(store.InsertList(txn->token(), "t", 1, 1, "x"));
  Must(store.InsertList(txn->token(), "t", 2, 1, "y"));
  Must(txn->Commit());
  int visits = 0;
  Status s = store.ForEachSegment([&](const SegmentView& v) {
    ++visits;
    return Status::Corruption("segment " + std::to_string(v.seg) + ": bad");
  });
  CHECK(visits == 1);
  CHECK(s.code() == StatusCode::kCorruption);
  CHECK(s.message() == "segment 1: bad");
  Status t = store.ForEachListOfTerm("t", [&](int64_t seg, std::string_view) {
    return Status::NotFound("list " + std::to_string(seg));
  });
  CHECK(t.message() == "list 1");
  // The statements were reset: a new scan starts from the first row.
  visits = 0;
  Must(store.ForEachSegment([&](const SegmentView&) {
    ++visits;
    return Status::Ok();
  }));
  CHECK(visits == 3);
}

TEST_CASE("a term's lists come back in segment order, and terms in byte order", "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  const std::string binary_term("\x01w\0rd", 5);
  auto txn = db.Begin();
  Must(store.InsertList(txn->token(), "猫", 3, 2, "cat3"));
  Must(store.InsertList(txn->token(), "猫", 1, 1, "cat1"));
  Must(store.InsertList(txn->token(), "dog", 1, 4, std::string("do\0g", 4)));
  Must(store.InsertList(txn->token(), binary_term, 2, 1, "b"));
  Must(txn->Commit());
  std::vector<std::pair<int64_t, std::string>> lists;
  Must(store.ForEachListOfTerm("猫", [&](int64_t seg, std::string_view data) {
    lists.emplace_back(seg, std::string(data));
    return Status::Ok();
  }));
  CHECK(lists == std::vector<std::pair<int64_t, std::string>>{{1, "cat1"}, {3, "cat3"}});
  CHECK(Must(store.DistinctTerms()) == std::vector<std::string>{binary_term, "dog", "猫"});
  CHECK(Must(store.CountLists()) == 4);
  CHECK(Must(store.ListBytes()) == 4 + 4 + 4 + 1);

  int64_t df_sum = 0;
  std::string dog_data;
  Must(store.ForEachList([&](const PostingListView& v) {
    df_sum += v.df;
    if (v.term == "dog") dog_data = v.data;
    return Status::Ok();
  }));
  CHECK(df_sum == 2 + 1 + 4 + 1);
  CHECK(dog_data == std::string("do\0g", 4));

  auto txn2 = db.Begin();
  Status dup = store.InsertList(txn2->token(), "猫", 1, 1, "again");
  CHECK(dup.code() == StatusCode::kInvalidArgument);
  Must(store.DeleteListsOfTerm(txn2->token(), "猫"));
  Must(store.DeleteListsOfTerm(txn2->token(), "no such term"));
  Must(txn2->Commit());
  CHECK(Must(store.DistinctTerms()) == std::vector<std::string>{binary_term, "dog"});
}

TEST_CASE("a term's lists read as strings of their own: long ones from the blob, byte for byte",
          "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  // One list just under the size read through the blob, one at it, one
  // well past it (overflow pages), NULs included; another term between.
  auto bytes = [](size_t n, unsigned salt) {
    std::string b(n, '\0');
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<char>(((i + salt) * 2654435761u) >> 13);
    return b;
  };
  const size_t direct = static_cast<size_t>(IndexStore::kDirectListBytes);
  const std::string shorter = bytes(direct - 1, 1), at = bytes(direct, 2);
  const std::string longer = bytes(5 * direct + 7, 3);
  auto txn = db.Begin();
  Must(store.InsertList(txn->token(), "t", 4, 3, longer));
  Must(store.InsertList(txn->token(), "t", 1, 1, shorter));
  Must(store.InsertList(txn->token(), "s", 2, 1, "other"));
  Must(store.InsertList(txn->token(), "t", 2, 2, at));
  Must(txn->Commit());
  std::vector<std::pair<int64_t, std::string>> lists;
  Must(store.ReadListsOfTerm("t", [&](int64_t seg, std::string data) {
    lists.emplace_back(seg, std::move(data));
    return Status::Ok();
  }));
  REQUIRE(lists.size() == 3);
  CHECK(lists[0].first == 1);
  CHECK(lists[0].second == shorter);
  CHECK(lists[1].first == 2);
  CHECK(lists[1].second == at);
  CHECK(lists[2].first == 4);
  CHECK(lists[2].second == longer);
  // The same lists as ForEachListOfTerm's views.
  size_t i = 0;
  Must(store.ForEachListOfTerm("t", [&](int64_t seg, std::string_view data) {
    CHECK(seg == lists[i].first);
    CHECK(data == lists[i].second);
    ++i;
    return Status::Ok();
  }));
  CHECK(i == 3);
  // A visit's error stops the walk at once and comes back as it is, after
  // a long list too; an absent term visits nothing.
  int visits = 0;
  Status s = store.ReadListsOfTerm("t", [&](int64_t seg, std::string) {
    ++visits;
    return seg == 2 ? Status::NotFound("list 2") : Status::Ok();
  });
  CHECK(visits == 2);
  CHECK(s.message() == "list 2");
  Must(store.ReadListsOfTerm("absent", [&](int64_t, std::string) {
    ++visits;
    return Status::Ok();
  }));
  CHECK(visits == 2);
}

TEST_CASE("the upgrade rewrites lists one row at a time, by row id", "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  auto txn = db.Begin();
  Must(store.InsertList(txn->token(), "a", 1, 1, "old-a"));
  Must(store.InsertList(txn->token(), "b", 1, 2, "old-b"));
  const std::vector<int64_t> rowids = Must(store.ListRowids());
  REQUIRE(rowids.size() == 2);
  for (int64_t rowid : rowids) {
    auto row = Must(store.GetListByRowid(rowid));
    REQUIRE(row.has_value());
    Must(store.UpdateListData(txn->token(), rowid, "new-" + row->term));
  }
  CHECK_FALSE(Must(store.GetListByRowid(rowids.back() + 100)).has_value());
  Must(txn->Commit());
  auto a = Must(store.GetListByRowid(rowids[0]));
  REQUIRE(a.has_value());
  CHECK(a->term == "a");
  CHECK(a->seg == 1);
  CHECK(a->df == 1);
  CHECK(a->data == "new-a");
}

TEST_CASE("tombstones are a set of docids, listed in order", "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  auto txn = db.Begin();
  Must(store.AddTombstone(txn->token(), 7));
  Must(store.AddTombstone(txn->token(), 3));
  Must(store.AddTombstone(txn->token(), 7));
  Must(txn->Commit());
  CHECK(Must(store.Tombstones()) == std::vector<int64_t>{3, 7});
  CHECK(Must(store.CountTombstones()) == 2);
  auto txn2 = db.Begin();
  Must(store.DeleteAllTombstones(txn2->token()));
  Must(txn2->Commit());
  CHECK(Must(store.Tombstones()).empty());
}

TEST_CASE("giving free pages back runs inside the write transaction", "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  auto txn = db.Begin();
  Must(store.InsertList(txn->token(), "big", 1, 1, std::string(64 * 1024, 'x')));
  Must(txn->Commit());
  auto txn2 = db.Begin();
  Must(store.DeleteListsOfTerm(txn2->token(), "big"));
  Must(store.IncrementalVacuum(txn2->token()));
  Must(txn2->Commit());
  CHECK(Must(store.CountLists()) == 0);
}

TEST_CASE("index writes are undone when their transaction does not commit", "[storage]") {
  StoreDb db;
  IndexStore store(db.conn.get());
  {
    auto txn = db.Begin();
    CHECK(Must(store.NextSegmentId(txn->token())) == 1);
    Must(store.InsertSegment(txn->token(), {1, 1, 1, 1, kDocsA}));
    Must(store.InsertList(txn->token(), "t", 1, 1, "x"));
    Must(store.AddTombstone(txn->token(), 1));
  }  // rolled back
  CHECK(Must(store.CountSegments()) == 0);
  CHECK(Must(store.CountLists()) == 0);
  CHECK(Must(store.CountTombstones()) == 0);
  auto txn = db.Begin();
  CHECK(Must(store.NextSegmentId(txn->token())) == 1);
}

TEST_CASE("an index write given another connection's token is refused as internal", "[storage]") {
  StoreDb db;
  StoreDb other;
  IndexStore store(db.conn.get());
  auto txn = other.Begin();
  CHECK(store.InsertList(txn->token(), "t", 1, 1, "x").code() == StatusCode::kInternal);
  CHECK(store.AddTombstone(txn->token(), 1).code() == StatusCode::kInternal);
  CHECK(store.NextSegmentId(txn->token()).status().code() == StatusCode::kInternal);
  CHECK(store.InsertSegment(txn->token(), {1, 1, 1, 1, kDocsA}).code() == StatusCode::kInternal);
  CHECK(Must(store.CountLists()) == 0);
  CHECK(Must(store.CountTombstones()) == 0);
  CHECK(Must(store.CountSegments()) == 0);
}

}  // namespace
}  // namespace saiki::storage
