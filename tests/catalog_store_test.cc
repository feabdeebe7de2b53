// The catalogue store (storage/catalog_store.h) on a fresh database:
// products, the --replace import's set of seen ids, settings and synonyms,
// their missing rows, and writes refused when given the wrong token.
#include "storage/catalog_store.h"

#include <catch2/catch.hpp>

#include "tests/store_fixture.h"

namespace saiki::storage {
namespace {

using testing::Must;
using testing::StoreDb;

ProductFields Fields(std::string_view id, std::string_view title = "title") {
  ProductFields p;
  p.id = id;
  p.title = title;
  return p;
}

TEST_CASE("a product inserted into the catalogue reads back whole, by id and by docid",
          "[storage]") {
  StoreDb db;
  CatalogStore store(db.conn.get());
  ProductFields p;
  p.id = "sku-1";
  p.title = "犬 ベッド";
  p.description = std::string_view("with\0nul", 8);
  p.brand = "わんこ";
  p.category = "ペット用品>犬用品";
  p.tags = "";  // stays an empty string, not NULL
  p.price = 1980.5;
  p.rating = 4.5;
  p.review_count = 12;
  p.attrs_json = R"({"色":"赤"})";
  auto txn = db.Begin();
  const int64_t docid = Must(store.Insert(txn->token(), p));
  Must(txn->Commit());
  CHECK(docid == 1);

  auto row = Must(store.GetProduct("sku-1"));
  REQUIRE(row.has_value());
  CHECK(row->docid == docid);
  CHECK(row->id == "sku-1");
  CHECK(row->title == "犬 ベッド");
  CHECK(row->description == std::string("with\0nul", 8));
  CHECK(row->brand == "わんこ");
  CHECK(row->category == "ペット用品>犬用品");
  CHECK(row->tags.empty());
  CHECK(row->price == 1980.5);
  CHECK(row->rating == 4.5);
  CHECK(row->review_count == 12);
  CHECK(row->attrs_json == R"({"色":"赤"})");

  auto hit = Must(store.GetHitRow(docid));
  REQUIRE(hit.has_value());
  CHECK(hit->id == "sku-1");
  CHECK(hit->title == "犬 ベッド");
  CHECK(hit->brand == "わんこ");
  CHECK(hit->category == "ペット用品>犬用品");
  CHECK(hit->price == 1980.5);
  CHECK(Must(store.FindDocid("sku-1")) == docid);
  CHECK(Must(store.CountProducts()) == 1);
  CHECK(Must(store.MaxAssignedDocid()) == docid);
}

TEST_CASE("unknown values are stored as NULL and read back as nullopt", "[storage]") {
  StoreDb db;
  CatalogStore store(db.conn.get());
  auto txn = db.Begin();
  const int64_t docid = Must(store.Insert(txn->token(), Fields("a")));
  Must(txn->Commit());
  auto row = Must(store.GetProduct("a"));
  REQUIRE(row.has_value());
  CHECK_FALSE(row->price.has_value());
  CHECK_FALSE(row->rating.has_value());
  CHECK_FALSE(row->review_count.has_value());
  CHECK(row->attrs_json == "{}");
  auto hit = Must(store.GetHitRow(docid));
  REQUIRE(hit.has_value());
  CHECK_FALSE(hit->price.has_value());
}

TEST_CASE("a product that is not there reads as nullopt, and deleting it deletes nothing",
          "[storage]") {
  StoreDb db;
  CatalogStore store(db.conn.get());
  CHECK_FALSE(Must(store.GetProduct("nope")).has_value());
  CHECK_FALSE(Must(store.FindDocid("nope")).has_value());
  CHECK_FALSE(Must(store.GetHitRow(42)).has_value());
  CHECK(Must(store.CountProducts()) == 0);
  CHECK(Must(store.MaxAssignedDocid()) == 0);
  auto txn = db.Begin();
  CHECK_FALSE(Must(store.DeleteById(txn->token(), "nope")).has_value());
}

TEST_CASE("a second product with the same id is refused as an invalid argument", "[storage]") {
  StoreDb db;
  CatalogStore store(db.conn.get());
  auto txn = db.Begin();
  Must(store.Insert(txn->token(), Fields("dup")));
  auto again = store.Insert(txn->token(), Fields("dup"));
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(again.status().message(), Catch::Contains("store.saiki"));
}

TEST_CASE("a deleted product's docid is returned and never handed out again", "[storage]") {
  StoreDb db;
  CatalogStore store(db.conn.get());
  auto txn = db.Begin();
  const int64_t first = Must(store.Insert(txn->token(), Fields("a")));
  const int64_t second = Must(store.Insert(txn->token(), Fields("b")));
  CHECK(Must(store.DeleteById(txn->token(), "b")) == second);
  CHECK_FALSE(Must(store.FindDocid("b")).has_value());
  CHECK(Must(store.FindDocid("a")) == first);
  // AUTOINCREMENT: the replacement gets a new docid, past the deleted one.
  const int64_t replaced = Must(store.Insert(txn->token(), Fields("b", "new title")));
  CHECK(replaced > second);
  CHECK(Must(store.MaxAssignedDocid()) == replaced);
  Must(txn->Commit());
  CHECK(Must(store.GetProduct("b"))->title == "new title");
  CHECK(Must(store.CountProducts()) == 2);
}

TEST_CASE("every product is visited with its id, in docid order", "[storage]") {
  StoreDb db;
  CatalogStore store(db.conn.get());
  auto txn = db.Begin();
  for (const char* id : {"c", "a", "b"}) Must(store.Insert(txn->token(), Fields(id)));
  Must(store.DeleteById(txn->token(), "a"));
  Must(txn->Commit());
  std::vector<std::pair<int64_t, std::string>> seen;
  Must(store.ForEachProductId([&](int64_t docid, std::string_view id) {
    seen.emplace_back(docid, std::string(id));
    return Status::Ok();
  }));
  CHECK(seen == std::vector<std::pair<int64_t, std::string>>{{1, "c"}, {3, "b"}});
}

TEST_CASE("a replace import deletes exactly the products it did not see", "[storage]") {
  StoreDb db;
  CatalogStore store(db.conn.get());
  auto txn = db.Begin();
  const int64_t a = Must(store.Insert(txn->token(), Fields("a")));
  const int64_t b = Must(store.Insert(txn->token(), Fields("b")));
  const int64_t c = Must(store.Insert(txn->token(), Fields("c")));
  Must(store.BeginSeenIds(txn->token()));
  Must(store.MarkSeen(txn->token(), "b"));
  Must(store.MarkSeen(txn->token(), "b"));  // twice: still one
  Must(store.MarkSeen(txn->token(), "z"));  // seen but not a product: harmless
  CHECK(Must(store.DeleteUnseen(txn->token())) == std::vector<int64_t>{a, c});
  CHECK(Must(store.FindDocid("b")) == b);
  CHECK(Must(store.CountProducts()) == 1);
  // The set was emptied: a new round starts from nothing.
  Must(store.BeginSeenIds(txn->token()));
  CHECK(Must(store.DeleteUnseen(txn->token())) == std::vector<int64_t>{b});
  Must(txn->Commit());
  CHECK(Must(store.CountProducts()) == 0);
}

TEST_CASE("marking an id seen before the set exists fails as internal, naming the table",
          "[storage]") {
  StoreDb db;
  CatalogStore store(db.conn.get());
  auto txn = db.Begin();
  Status s = store.MarkSeen(txn->token(), "a");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == StatusCode::kInternal);
  CHECK_THAT(s.message(), Catch::Contains("import_seen"));
}

TEST_CASE("a setting is stored, replaced, and listed in key order", "[storage]") {
  StoreDb db;
  CatalogStore store(db.conn.get());
  CHECK(Must(store.ListSettings()).empty());
  auto txn = db.Begin();
  Must(store.PutSetting(txn->token(), "ranker", "bm25"));
  Must(store.PutSetting(txn->token(), "candidates", "100"));
  Must(store.PutSetting(txn->token(), "ranker", "linear"));
  Must(txn->Commit());
  using Settings = std::vector<std::pair<std::string, std::string>>;
  CHECK(Must(store.ListSettings()) == Settings{{"candidates", "100"}, {"ranker", "linear"}});
}

TEST_CASE("synonyms are replaced whole, listed by group then term", "[storage]") {
  StoreDb db;
  CatalogStore store(db.conn.get());
  auto txn = db.Begin();
  Must(store.ReplaceSynonyms(txn->token(), {{"old", "stale"}}));
  // "犬" is in two groups: it ends in the later one.
  Must(store.ReplaceSynonyms(txn->token(), {{"犬", "dog", "いぬ"}, {"cat", "猫", "犬"}}));
  Must(txn->Commit());
  using Synonyms = std::vector<std::pair<int64_t, std::string>>;
  CHECK(Must(store.ListSynonyms()) ==
        Synonyms{{0, "dog"}, {0, "いぬ"}, {1, "cat"}, {1, "犬"}, {1, "猫"}});
  auto txn2 = db.Begin();
  Must(store.ReplaceSynonyms(txn2->token(), {}));
  Must(txn2->Commit());
  CHECK(Must(store.ListSynonyms()).empty());
}

TEST_CASE("catalogue writes are undone when their transaction does not commit", "[storage]") {
  StoreDb db;
  CatalogStore store(db.conn.get());
  {
    auto txn = db.Begin();
    Must(store.Insert(txn->token(), Fields("a")));
    Must(store.PutSetting(txn->token(), "k", "v"));
    Must(store.ReplaceSynonyms(txn->token(), {{"x", "y"}}));
  }  // rolled back
  CHECK(Must(store.CountProducts()) == 0);
  CHECK(Must(store.ListSettings()).empty());
  CHECK(Must(store.ListSynonyms()).empty());
}

TEST_CASE("a catalogue write given another connection's token is refused as internal",
          "[storage]") {
  StoreDb db;
  StoreDb other;
  CatalogStore store(db.conn.get());
  auto txn = other.Begin();
  Status put = store.PutSetting(txn->token(), "k", "v");
  REQUIRE_FALSE(put.ok());
  CHECK(put.code() == StatusCode::kInternal);
  CHECK_THAT(put.message(), Catch::Contains("not on this connection"));
  auto insert = store.Insert(txn->token(), Fields("a"));
  CHECK(insert.status().code() == StatusCode::kInternal);
  CHECK(Must(store.CountProducts()) == 0);
  CHECK(Must(store.ListSettings()).empty());
}

}  // namespace
}  // namespace saiki::storage
