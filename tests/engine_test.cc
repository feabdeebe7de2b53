// The library API end to end on small catalogues: import, every analyzer
// behaviour the search core promises (seen through Search), query syntax,
// upsert/delete/replace, persistence, bad rows and bad files, foreign
// databases, and an import killed midway.
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include "index/doc_table.h"
#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::TempDir;
using testing::WriteFile;

const char* kHeader = "id,title,description,brand,category,price,rating,review_count,tags\n";

std::unique_ptr<Database> OpenOrDie(const std::string& path) {
  auto db = Database::Open(path);
  REQUIRE(db.ok());
  return std::move(db).value();
}

ImportReport ImportText(Database* db, const std::string& csv, ImportOptions opts = {}) {
  std::istringstream in(csv);
  auto r = db->ImportCsv(in, "test.csv", opts);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

std::vector<std::string> Ids(Database* db, const std::string& query, int k = 50) {
  SearchRequest req;
  req.query = query;
  req.k = k;
  auto res = db->Search(req);
  INFO(query << ": " << res.status().ToString());
  REQUIRE(res.ok());
  std::vector<std::string> ids;
  for (const auto& h : res->hits) ids.push_back(h.id);
  return ids;
}

std::set<std::string> IdSet(Database* db, const std::string& query) {
  auto v = Ids(db, query, 1000);
  return {v.begin(), v.end()};
}

// A small catalogue exercising the analyzer through the whole stack.
const std::string kCatalog = std::string(kHeader) +
    "d1,【送料無料】子犬用 ふわふわベッド,小型犬に,ペティオ,ペット用品>犬用品>ベッド,1980,4.5,120,送料無料|ギフト\n"
    "d2,愛犬のための おやつ 500ml,,ドギーマン,ペット用品>犬用品>おやつ,580,4.1,30,\n"
    "d3,犬用 ドッグフード 2.5kg,国産,ペティオ,ペット用品>犬用品>フード,2480,4.0,800,国産\n"
    "d4,ＤＯＧ ｲﾇ用 首輪 SKU-123,,Nordwave,ペット用品>犬用品>首輪,1200,3.9,12,\n"
    "d5,キャットフード まぐろ味,猫用,ねこまる,ペット用品>猫用品>フード,980,4.2,200,\n"
    "d6,京都 宇治抹茶 100g,京都の老舗,茶寮,食品>飲料>お茶,1500,4.8,50,\n"
    "d7,東京都産 はちみつ,東京都の養蜂場,蜂蜜堂,食品>調味料>はちみつ,2000,4.4,40,\n"
    "d8,ウォーターサーバー 3月発売,,アクア,家電>キッチン家電>サーバー,19800,3.5,5,\n"
    "d9,コーヒーサーバ 2個セット,,アクア,キッチン用品>コーヒー>サーバー,2980,4.0,60,\n"
    "d10,いぬ の ぬいぐるみ,,トイズ,おもちゃ>ぬいぐるみ>動物,1500,4.6,70,\n";

struct Fixture {
  TempDir dir;
  std::string path = dir.File("test.saiki");
  std::unique_ptr<Database> db = OpenOrDie(path);
  Fixture() { ImportText(db.get(), kCatalog); }
};

TEST_CASE("犬 finds products whose titles hold 子犬, 愛犬, 犬用", "[engine]") {
  Fixture f;
  auto ids = IdSet(f.db.get(), "犬");
  for (auto id : {"d1", "d2", "d3"}) CHECK(ids.count(id));
  CHECK_FALSE(ids.count("d5"));
}

TEST_CASE("width, case and kana variants find each other", "[engine]") {
  Fixture f;
  CHECK(IdSet(f.db.get(), "dog").count("d4"));
  CHECK(IdSet(f.db.get(), "ＤＯＧ").count("d4"));
  CHECK(IdSet(f.db.get(), "イヌ").count("d4"));    // ｲﾇ in the title
  CHECK(IdSet(f.db.get(), "ｲﾇ").count("d10"));     // いぬ in the title
  CHECK(IdSet(f.db.get(), "いぬ").count("d4"));
  CHECK(IdSet(f.db.get(), "ドッグフード").count("d3"));
}

TEST_CASE("long-vowel variants meet: サーバー and サーバ", "[engine]") {
  Fixture f;
  auto a = IdSet(f.db.get(), "サーバー");
  auto b = IdSet(f.db.get(), "サーバ");
  CHECK(a.count("d8"));
  CHECK(a.count("d9"));
  CHECK(a == b);
}

TEST_CASE("numbers, units and model numbers are found whole", "[engine]") {
  Fixture f;
  CHECK(IdSet(f.db.get(), "2.5kg").count("d3"));
  CHECK(IdSet(f.db.get(), "500ml").count("d2"));
  CHECK(IdSet(f.db.get(), "sku-123").count("d4"));
  CHECK(IdSet(f.db.get(), "SKU-123").count("d4"));
  CHECK(IdSet(f.db.get(), "3月").count("d8"));
  CHECK(IdSet(f.db.get(), "2個").count("d9"));
  CHECK_FALSE(IdSet(f.db.get(), "5kg").count("d3"));  // 2.5kg is not 5kg
}

TEST_CASE("京都 standing alone ranks above 京都 inside 東京都", "[engine]") {
  Fixture f;
  auto ids = Ids(f.db.get(), "京都");
  REQUIRE(ids.size() == 2);
  CHECK(ids[0] == "d6");
  CHECK(ids[1] == "d7");
}

TEST_CASE("query syntax: phrases, exclusions, brand, category and price filters",
          "[engine]") {
  Fixture f;
  Database* db = f.db.get();
  CHECK(IdSet(db, "フード -キャット") == std::set<std::string>{"d3"});
  CHECK(IdSet(db, "フード brand:ペティオ") == std::set<std::string>{"d3"});
  CHECK(IdSet(db, "brand:ねこまる") == std::set<std::string>{"d5"});
  CHECK(IdSet(db, "category:ペット用品>猫用品") == std::set<std::string>{"d5"});
  CHECK(IdSet(db, "犬 category:ペット用品>犬用品>ベッド") == std::set<std::string>{"d1"});
  CHECK(IdSet(db, "犬 price:..1000") == std::set<std::string>{"d2"});
  CHECK(IdSet(db, "犬 price:2000..") == std::set<std::string>{"d3"});
  CHECK(IdSet(db, "犬 price:1000..2000") == std::set<std::string>{"d1", "d4"});
  CHECK(IdSet(db, "\"宇治 抹茶\"") == std::set<std::string>{"d6"});
  CHECK(IdSet(db, "\"抹茶 宇治\"").empty());
  SearchRequest bad;
  bad.query = "犬 price:abc";
  auto r = db->Search(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().message().find("price") != std::string::npos);
}

TEST_CASE("when no product has every term, partial matches come back with a notice",
          "[engine]") {
  Fixture f;
  SearchRequest req;
  req.query = "抹茶 ぬいぐるみ";
  auto r = f.db->Search(req);
  REQUIRE(r.ok());
  CHECK(r->partial);
  CHECK_FALSE(r->notice.empty());
  std::set<std::string> ids;
  for (const auto& h : r->hits) ids.insert(h.id);
  CHECK(ids == std::set<std::string>{"d6", "d10"});
}

TEST_CASE("re-import upserts by id and delete removes products", "[engine]") {
  Fixture f;
  Database* db = f.db.get();
  auto report = ImportText(db, std::string(kHeader) +
                                   "d1,猫用 爪とぎ,,ペティオ,ペット用品>猫用品>爪とぎ,900,,,\n"
                                   "d11,ハムスター ケージ,,ペティオ,ペット用品>小動物>ケージ,3000,,,\n");
  CHECK(report.inserted == 1);
  CHECK(report.updated == 1);
  CHECK_FALSE(IdSet(db, "ベッド").count("d1"));
  CHECK(IdSet(db, "爪とぎ").count("d1"));
  CHECK(IdSet(db, "ケージ").count("d11"));
  auto stats = db->GetStats();
  REQUIRE(stats.ok());
  CHECK(stats->products == 11);

  auto n = db->DeleteProducts({"d3", "nope"});
  REQUIRE(n.ok());
  CHECK(*n == 1);
  CHECK_FALSE(IdSet(db, "ドッグフード").count("d3"));
  REQUIRE(db->Optimize().ok());
  stats = db->GetStats();
  REQUIRE(stats.ok());
  CHECK(stats->segments == 1);
  CHECK(stats->deleted_pending == 0);
  CHECK(IdSet(db, "犬") == std::set<std::string>{"d2", "d4"});
  auto p = db->GetProduct("d1");
  REQUIRE(p.ok());
  REQUIRE(p->has_value());
  CHECK((*p)->title == "猫用 爪とぎ");
}

TEST_CASE("an import analyzed by two threads stores each row's own analysis", "[engine]") {
  // The importer's worker and its own thread split each batch's rows
  // (engine/importer.cc): every product must still be found by its own
  // words and docid, never by a neighbour's. Several batches of 256 rows.
  TempDir dir;
  auto owned = OpenOrDie(dir.File("rows.saiki"));
  Database* db = owned.get();
  constexpr int kRows = 1300;
  std::string csv = kHeader;
  auto code = [](int i) {
    char b[16];
    std::snprintf(b, sizeof b, "ZQ%05d", i);
    return std::string(b);
  };
  for (int i = 0; i < kRows; ++i) {
    // Kanji (readings through MeCab), katakana and a model number per row.
    csv += "r" + std::to_string(i) + ",犬用 ベッド " + code(i) + ",説明 " + code(i) +
           " です,ブランド" + std::to_string(i % 7) + ",ペット用品>犬用品>ベッド," +
           std::to_string(1000 + i) + ",4.0,10,タグ" + std::to_string(i % 5) + "\n";
  }
  auto report = ImportText(db, csv);
  REQUIRE(report.inserted == kRows);
  for (int i = 0; i < kRows; i += 37) {
    INFO("row " << i);
    CHECK(Ids(db, code(i)) == std::vector<std::string>{"r" + std::to_string(i)});
    auto p = db->GetProduct("r" + std::to_string(i));
    REQUIRE(p.ok());
    REQUIRE(p->has_value());
    CHECK((*p)->price == 1000 + i);
  }
  SearchRequest all;
  all.query = "いぬ";  // every row, through its title's reading
  auto res = db->Search(all);
  REQUIRE(res.ok());
  CHECK(res->total == static_cast<uint64_t>(kRows));
}

TEST_CASE("replace makes the catalogue equal to the file", "[engine]") {
  Fixture f;
  ImportOptions opts;
  opts.replace = true;
  auto report = ImportText(f.db.get(),
                           std::string(kHeader) + "d2,愛犬 おやつ,,ドギーマン,,580,,,\n", opts);
  CHECK(report.deleted == 9);
  CHECK(IdSet(f.db.get(), "犬") == std::set<std::string>{"d2"});
}

TEST_CASE("everything survives closing and reopening the database", "[engine]") {
  TempDir dir;
  std::string path = dir.File("p.saiki");
  {
    auto db = OpenOrDie(path);
    ImportText(db.get(), kCatalog);
    REQUIRE(db->SetSetting("bm25.title.weight", "5").ok());
  }
  auto db = OpenOrDie(path);
  CHECK(IdSet(db.get(), "犬").count("d1"));
  auto w = db->GetSetting("bm25.title.weight");
  REQUIRE(w.ok());
  CHECK(*w == "5");
  CHECK_FALSE(db->SetSetting("bm25.title.b", "2").ok());
  CHECK_FALSE(db->SetSetting("no.such", "1").ok());
}

TEST_CASE("a handle with a tiny page cache answers and writes as one with the default",
          "[engine]") {
  Fixture f;
  OpenOptions o;
  o.page_cache_kib = 16;  // one 16 KiB page: every other read evicts
  auto small = Database::Open(f.path, o);
  INFO(small.status().ToString());
  REQUIRE(small.ok());
  for (const char* q :
       {"犬", "京都", "サーバー", "ドッグフード 国産", "price:1000..2000", "犬 -首輪"}) {
    SearchRequest req;
    req.query = q;
    req.k = 20;
    req.explain = true;
    auto a = f.db->Search(req);
    auto b = (*small)->Search(req);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    INFO(q);
    CHECK(a->total == b->total);
    REQUIRE(a->hits.size() == b->hits.size());
    for (size_t i = 0; i < a->hits.size(); ++i) {
      CHECK(a->hits[i].id == b->hits[i].id);
      CHECK(a->hits[i].score == b->hits[i].score);
    }
  }
  // Writes through it land and the other handle sees them.
  REQUIRE((*small)->SetSetting("bm25.title.weight", "4").ok());
  ImportText(small->get(),
             std::string(kHeader) + "d11,柴犬 首輪,,ワン,ペット用品>犬用品>首輪,900,,,\n");
  CHECK(IdSet(f.db.get(), "柴犬").count("d11"));
  CHECK(*f.db->GetSetting("bm25.title.weight") == "4");
  // Sizes outside 0..1048576 KiB are refused, naming the option.
  for (int bad : {-1, (1 << 20) + 1}) {
    o.page_cache_kib = bad;
    auto refused = Database::Open(f.path, o);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kInvalidArgument);
    CHECK(refused.status().message().find("page cache") != std::string::npos);
  }
}

// The file's WAL in bytes (0 when there is none).
uintmax_t WalBytes(const std::string& path) {
  std::error_code ec;
  uintmax_t n = std::filesystem::file_size(path + "-wal", ec);
  return ec ? 0 : n;
}

TEST_CASE("the first import writes into the file itself, later ones through the WAL",
          "[engine]") {
  TempDir dir;
  std::string path = dir.File("first.saiki");
  auto db = OpenOrDie(path);
  ImportText(db.get(), kCatalog);
  // Through a rollback journal: nothing went to the WAL, and the file is
  // back in WAL mode, so another handle reads while this one stays open.
  CHECK(WalBytes(path) == 0);
  {
    auto other = OpenOrDie(path);
    CHECK(IdSet(other.get(), "犬").count("d1"));
  }
  ImportText(db.get(), std::string(kHeader) +
                           "d11,犬用 レインコート,,ペティオ,ペット用品>犬用品>服,2980,4.0,3,\n");
  CHECK(WalBytes(path) > 0);
  auto other = OpenOrDie(path);
  CHECK(IdSet(other.get(), "レインコート") == std::set<std::string>{"d11"});
  CHECK(IdSet(db.get(), "犬").count("d1"));
}

TEST_CASE("the database file is created owner-only", "[engine]") {
  TempDir dir;
  std::string path = dir.File("perm.saiki");
  auto db = OpenOrDie(path);
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0077) == 0);
}

TEST_CASE("each kind of bad row is reported with its line and the rest is stored",
          "[engine]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("b.saiki"));
  std::string csv = std::string(kHeader) +
                    "ok1,犬 ベッド,,,,100,,,\n"                        // line 2
                    "bad1,犬,,,,100\n"                                 // 3: field count
                    ",犬 ハーネス,,,,100,,,\n"                          // 4: missing id
                    "bad3,犬 おもちゃ,,,,abc,,,\n"                      // 5: price
                    "bad4,\xff\xfe 犬,,,,100,,,\n"                      // 6: invalid UTF-8
                    "ok2,\"犬 \"\"特選\"\" フード\nふた行目\",,,,200,,,\n"  // 7-8: good
                    "bad5,犬,,,,100,9.5,,\n"                           // 9: rating
                    "bad6,\"犬 未終了,,,,100,,,\n";                     // 10: unterminated
  std::vector<RowError> errors;
  ImportOptions opts;
  opts.on_row_error = [&](const RowError& e) { errors.push_back(e); };
  auto r = ImportText(db.get(), csv, opts);
  CHECK(r.committed);
  CHECK(r.inserted == 2);
  CHECK(r.rejected == 6);
  REQUIRE(errors.size() == 6);
  std::vector<uint64_t> lines;
  for (const auto& e : errors) lines.push_back(e.line);
  CHECK(lines == std::vector<uint64_t>{3, 4, 5, 6, 9, 10});
  CHECK(errors[0].message.find("fields") != std::string::npos);
  CHECK(errors[1].message.find("id") != std::string::npos);
  CHECK(errors[2].message.find("price") != std::string::npos);
  CHECK(errors[3].message.find("UTF-8") != std::string::npos);
  CHECK(errors[4].message.find("rating") != std::string::npos);
  CHECK(errors[5].message.find("unterminated") != std::string::npos);
  CHECK(IdSet(db.get(), "犬") == std::set<std::string>{"ok1", "ok2"});
  auto p = db->GetProduct("ok2");
  REQUIRE(p.ok());
  REQUIRE(p->has_value());
  CHECK((*p)->title == "犬 \"特選\" フード\nふた行目");
}

TEST_CASE("a field over the size limit rejects its row", "[engine]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("l.saiki"));
  std::string big(70 * 1024, 'x');
  std::vector<RowError> errors;
  ImportOptions opts;
  opts.on_row_error = [&](const RowError& e) { errors.push_back(e); };
  auto r = ImportText(db.get(), std::string(kHeader) + "big," + big + ",,,,1,,,\nok,犬,,,,1,,,\n",
                      opts);
  CHECK(r.rejected == 1);
  CHECK(r.inserted == 1);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 2);
}

TEST_CASE("strict mode stores nothing when any row is bad", "[engine]") {
  Fixture f;
  ImportOptions opts;
  opts.strict = true;
  auto r = ImportText(f.db.get(),
                      std::string(kHeader) + "n1,新しい 犬小屋,,,,100,,,\nn2,x,,,,abc,,,\n", opts);
  CHECK_FALSE(r.committed);
  CHECK(r.rejected == 1);
  CHECK(IdSet(f.db.get(), "犬小屋").empty());
  CHECK(IdSet(f.db.get(), "犬").count("d1"));
}

TEST_CASE("bad files give a clear error and lose nothing already stored", "[engine]") {
  Fixture f;
  Database* db = f.db.get();
  auto check = [&](const std::string& content, const std::string& needle) {
    std::istringstream in(content);
    auto r = db->ImportCsv(in, "bad.csv", ImportOptions());
    REQUIRE_FALSE(r.ok());
    INFO(r.status().message());
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    CHECK(r.status().message().find(needle) != std::string::npos);
  };
  check("", "empty");
  check(kHeader, "no product rows");
  check("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR binary", "bad.csv");
  check("name,value\nx,1\n", "no 'id' column");
  auto missing = db->ImportCsv(f.dir.File("missing.csv"), ImportOptions());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(IdSet(db, "犬").size() == 4);
}

TEST_CASE("a field map renames headers and unknown columns are kept as attributes", "[engine]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("m.saiki"));
  ImportOptions opts;
  opts.field_map = "id=商品ID,title=商品名,price=価格";
  auto r = ImportText(db.get(), "商品ID,商品名,価格,色\nx1,柴犬 ハーネス,\"1,980\",赤\n", opts);
  CHECK(r.inserted == 1);
  auto p = db->GetProduct("x1");
  REQUIRE(p.ok());
  REQUIRE(p->has_value());
  CHECK((*p)->title == "柴犬 ハーネス");
  REQUIRE((*p)->price.has_value());
  CHECK(*(*p)->price == 1980);
  REQUIRE((*p)->attributes.size() == 1);
  CHECK((*p)->attributes[0] == std::make_pair(std::string("色"), std::string("赤")));
  CHECK(IdSet(db.get(), "柴犬") == std::set<std::string>{"x1"});
}

TEST_CASE("Shift_JIS files import through --encoding, bad bytes reject their row",
          "[engine]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("s.saiki"));
  // 犬ベッド and ソファ (0x83 0x5C: a backslash trail byte) in CP932.
  std::string csv = "id,title\r\n"
                    "s1,\x8c\xa2\x83x\x83" "b\x83h\r\n"
                    "s2,\x83\\\x83t\x83@\r\n"
                    "s3,\x85\xff\r\n";
  ImportOptions opts;
  opts.encoding = "cp932";
  std::vector<RowError> errors;
  opts.on_row_error = [&](const RowError& e) { errors.push_back(e); };
  auto r = ImportText(db.get(), csv, opts);
  CHECK(r.inserted == 2);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 4);
  CHECK(IdSet(db.get(), "犬") == std::set<std::string>{"s1"});
  CHECK(IdSet(db.get(), "ソファ") == std::set<std::string>{"s2"});
}

TEST_CASE("synonyms apply at query time", "[engine]") {
  Fixture f;
  WriteFile(f.dir.File("syn.txt"), "# pets\n抹茶 グリーンティー\nはちみつ ハニー honey\n");
  auto n = f.db->LoadSynonyms(f.dir.File("syn.txt"));
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(IdSet(f.db.get(), "グリーンティー") == std::set<std::string>{"d6"});
  CHECK(IdSet(f.db.get(), "HONEY") == std::set<std::string>{"d7"});
  WriteFile(f.dir.File("bad.txt"), "ひとつ\n");
  auto bad = f.db->LoadSynonyms(f.dir.File("bad.txt"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("line 1") != std::string::npos);
}

TEST_CASE("files that are not saiki databases are refused clearly", "[engine]") {
  TempDir dir;
  WriteFile(dir.File("text.saiki"), std::string(8192, 'x'));
  auto text = Database::Open(dir.File("text.saiki"));
  REQUIRE_FALSE(text.ok());
  CHECK(text.status().code() == StatusCode::kCorruption);
  CHECK(text.status().message().find("not a saiki database") != std::string::npos);

  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(dir.File("other.db").c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, "CREATE TABLE t(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  auto other = Database::Open(dir.File("other.db"));
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().code() == StatusCode::kCorruption);

  { auto db = OpenOrDie(dir.File("new.saiki")); }
  REQUIRE(sqlite3_open(dir.File("new.saiki").c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, "PRAGMA user_version=99", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  auto newer = Database::Open(dir.File("new.saiki"));
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.status().code() == StatusCode::kNotSupported);

  OpenOptions no_create;
  no_create.create_if_missing = false;
  auto missing = Database::Open(dir.File("missing.saiki"), no_create);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
}

TEST_CASE("an import killed midway leaves the previous state whole", "[engine]") {
  TempDir dir;
  std::string path = dir.File("k.saiki");
  { auto db = OpenOrDie(path); ImportText(db.get(), kCatalog); }
  // A large second import that replaces d1 early and adds many products.
  std::string csv = std::string(kHeader) + "d1,置き換え 犬,,,,1,,,\n";
  for (int i = 0; i < 30000; ++i) {
    csv += "n" + std::to_string(i) + ",新商品 " + std::to_string(i) + " 犬用 ハーネス,説明文 " +
           std::to_string(i) + ",ブランド,ペット用品>犬用品>ハーネス," + std::to_string(100 + i) +
           ",4.0,1,\n";
  }
  WriteFile(dir.File("big.csv"), csv);
  for (uint64_t kill_after : {1000u, 12000u, 29000u}) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      auto db = Database::Open(path);
      if (!db.ok()) _exit(3);
      ImportOptions opts;
      opts.on_progress = [kill_after](const ImportProgress& p) {
        if (p.rows >= kill_after) ::kill(::getpid(), SIGKILL);
      };
      (void)(*db)->ImportCsv(dir.File("big.csv"), opts);
      _exit(4);  // the import finished before the kill point: a test bug
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "ok");
    sqlite3_finalize(st);
    sqlite3_close(raw);

    auto db = OpenOrDie(path);
    auto stats = db->GetStats();
    REQUIRE(stats.ok());
    CHECK(stats->products == 10);
    CHECK(IdSet(db.get(), "ハーネス").empty());
    CHECK(IdSet(db.get(), "ベッド").count("d1"));
  }
}

}  // namespace
}  // namespace saiki

namespace saiki {
namespace {

TEST_CASE("check passes a healthy database and names corrupt posting lists and lost products",
          "[engine][check]") {
  Fixture f;
  auto healthy = f.db->Check();
  REQUIRE(healthy.ok());
  CHECK(healthy->ok);
  CHECK(healthy->products == 10);
  CHECK(healthy->posting_lists > 50);
  f.db.reset();

  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(f.path.c_str(), &raw) == SQLITE_OK);
  // Flip bytes inside one posting list, and delete a product behind the
  // index's back.
  REQUIRE(sqlite3_exec(raw,
                       "UPDATE postings SET data = substr(data, 1, length(data) - 3) || x'ffffff' "
                       "WHERE rowid = (SELECT max(rowid) FROM postings WHERE length(data) > 12);"
                       "DELETE FROM products WHERE id = 'd5';",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  auto db = OpenOrDie(f.path);
  auto report = db->Check();
  REQUIRE(report.ok());
  CHECK_FALSE(report->ok);
  bool posting = false, lost = false;
  for (const auto& p : report->problems) {
    posting |= p.find("posting list") != std::string::npos;
    lost |= p.find("is no product") != std::string::npos;
  }
  CHECK(posting);
  CHECK(lost);
  auto cli = testing::RunCli("--db " + testing::Quote(f.path) + " check");
  CHECK(cli.exit_code == 5);
  CHECK(cli.out.find("corrupt") != std::string::npos);
}

TEST_CASE("truncated and bit-flipped database files give errors, never a crash",
          "[engine][check]") {
  Fixture f;
  f.db.reset();
  std::string bytes = testing::ReadFile(f.path);
  REQUIRE(bytes.size() > 8192);
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 12; ++trial) {
    std::string damaged = bytes;
    if (trial % 2 == 0) {
      damaged.resize(rng() % damaged.size());
    } else {
      for (int i = 0; i < 40; ++i) damaged[4096 + rng() % (damaged.size() - 4096)] ^= 0x5a;
    }
    std::string path = f.dir.File("damaged" + std::to_string(trial) + ".saiki");
    testing::WriteFile(path, damaged);
    auto db = Database::Open(path);
    if (!db.ok()) {
      CHECK(db.status().code() != StatusCode::kInternal);
      continue;
    }
    SearchRequest req;
    req.query = "犬";
    auto r = (*db)->Search(req);
    if (!r.ok()) CHECK(r.status().code() != StatusCode::kOk);
    auto c = (*db)->Check();
    if (c.ok()) CHECK((c->ok || !c->problems.empty()));
  }
}

// Every segment's docs blob of the file at `path`, re-encoded by `recode`.
// Rewrites every segment's docs blob with `recode(blob, chunks)`, `chunks`
// its cold chunks (format 4; empty for the older formats). A segment whose
// new blob is not in format 4 loses its chunks; one in format 4 keeps them.
void RecodeDocsBlobs(
    const std::string& path,
    const std::function<std::string(const std::string& blob,
                                    const std::vector<std::string>& chunks)>& recode) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  std::vector<std::pair<int64_t, std::string>> blobs;
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "SELECT seg, docs FROM segments", -1, &st, nullptr) == SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    blobs.emplace_back(sqlite3_column_int64(st, 0),
                       std::string(static_cast<const char*>(sqlite3_column_blob(st, 1)),
                                   sqlite3_column_bytes(st, 1)));
  }
  sqlite3_finalize(st);
  REQUIRE_FALSE(blobs.empty());
  for (const auto& [seg, blob] : blobs) {
    std::vector<std::string> chunks;
    REQUIRE(sqlite3_prepare_v2(raw, "SELECT data FROM doc_cold WHERE id >> 32 = ?1 ORDER BY id",
                               -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_int64(st, 1, seg);
    while (sqlite3_step(st) == SQLITE_ROW) {
      chunks.emplace_back(static_cast<const char*>(sqlite3_column_blob(st, 0)),
                          sqlite3_column_bytes(st, 0));
    }
    sqlite3_finalize(st);
    const std::string recoded = recode(blob, chunks);
    REQUIRE(sqlite3_prepare_v2(raw, "UPDATE segments SET docs = ?1 WHERE seg = ?2", -1, &st,
                               nullptr) == SQLITE_OK);
    sqlite3_bind_blob(st, 1, recoded.data(), static_cast<int>(recoded.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, seg);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    if (!recoded.empty() && recoded[0] != 4) {
      REQUIRE(sqlite3_prepare_v2(raw, "DELETE FROM doc_cold WHERE id >> 32 = ?1", -1, &st,
                                 nullptr) == SQLITE_OK);
      sqlite3_bind_int64(st, 1, seg);
      REQUIRE(sqlite3_step(st) == SQLITE_DONE);
      sqlite3_finalize(st);
    }
  }
  sqlite3_close(raw);
}

// A segment's documents, from its blob and its chunks.
std::vector<index::DocInfo> DocsOf(const std::string& blob, const std::vector<std::string>& chunks) {
  std::vector<index::DocInfo> docs;
  auto scan = [&](const index::ColdChunkVisitor& visit) -> Status {
    for (size_t c = 0; c < chunks.size(); ++c) SAIKI_RETURN_IF_ERROR(visit(c, chunks[c]));
    return Status::Ok();
  };
  Status s = index::DecodeDocs(blob, [&](const index::DocInfo& d) { docs.push_back(d); }, scan);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return docs;
}

// Sets a cold chunk's bytes (or deletes the row when `data` is nullopt).
void SetColdChunk(const std::string& path, int64_t seg, int64_t chunk,
                  const std::optional<std::string>& data) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, data ? "UPDATE doc_cold SET data = ?2 WHERE id = ?1"
                                       : "DELETE FROM doc_cold WHERE id = ?1",
                             -1, &st, nullptr) == SQLITE_OK);
  sqlite3_bind_int64(st, 1, seg << 32 | chunk);
  if (data) sqlite3_bind_blob(st, 2, data->data(), static_cast<int>(data->size()), SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
  REQUIRE(sqlite3_changes(raw) == 1);
  sqlite3_finalize(st);
  sqlite3_close(raw);
}

// What a search answers, in full: ids, scores, features, facets.
std::string FullAnswer(Database* db, SearchRequest req) {
  req.explain = true;
  req.facets = {FacetField::kBrand, FacetField::kCategory, FacetField::kPrice};
  auto r = db->Search(req);
  REQUIRE(r.ok());
  std::ostringstream out;
  out << r->total << "|";
  for (const auto& h : r->hits) {
    out << h.id << ":" << h.score << ":" << h.bm25f;
    for (const auto& f : h.features) out << "," << f.feature << "=" << f.value;
    out << ";";
  }
  for (const auto& f : r->facets) {
    for (const auto& v : f.values) out << v.value << "=" << v.count << ",";
    out << f.missing << "/";
  }
  return out.str();
}

TEST_CASE("a file whose docs blobs are in format 2 or 3 answers exactly as one in format 4",
          "[engine][docs]") {
  Fixture f;
  f.db.reset();
  // What an import writes now: format 4, with its cold chunks.
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(f.path.c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw,
                               "SELECT DISTINCT hex(substr(docs, 1, 1)), "
                               "(SELECT count(*) FROM doc_cold) FROM segments",
                               -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "04");
    CHECK(sqlite3_column_int64(st, 1) >= 1);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(raw);
  }
  std::vector<std::unique_ptr<Database>> olds;
  for (uint8_t format : {2, 3}) {
    const std::string old = f.dir.File("format" + std::to_string(format) + ".saiki");
    testing::CopyDb(f.path, old);
    RecodeDocsBlobs(old, [format](const std::string& blob, const std::vector<std::string>& chunks) {
      return index::EncodeDocs(DocsOf(blob, chunks), format);
    });
    olds.push_back(OpenOrDie(old));
  }
  auto now = OpenOrDie(f.path);
  for (const char* q : {"犬", "dog", "サーバー", "ベッド 犬"}) {
    for (SortOrder sort : {SortOrder::kRelevance, SortOrder::kRatingDescending,
                           SortOrder::kReviewsAscending, SortOrder::kPriceAscending}) {
      SearchRequest req;
      req.query = q;
      req.sort = sort;
      INFO(q << " sorted " << SortOrderName(sort));
      const std::string answer = FullAnswer(now.get(), req);
      for (auto& old : olds) CHECK(FullAnswer(old.get(), req) == answer);
    }
  }
  for (Database* db : {now.get(), olds[0].get(), olds[1].get()}) {
    auto checked = db->Check();
    REQUIRE(checked.ok());
    CHECK(checked->ok);
  }
  // A merge (after a deletion) rewrites the older formats in format 4.
  REQUIRE(olds[1]->DeleteProducts({"d5"}).ok());
  REQUIRE(olds[1]->Optimize().ok());
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(f.dir.File("format3.saiki").c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "SELECT hex(substr(docs, 1, 1)) FROM segments", -1, &st,
                               nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "04");
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(raw);
  }
  auto checked = olds[1]->Check();
  REQUIRE(checked.ok());
  CHECK(checked->ok);
}

TEST_CASE("a re-ranked search reads its candidates' cold rows only, and answers as one that "
          "read them all",
          "[engine][docs]") {
  Fixture f;
  f.db.reset();
  // A re-ranked search first (its candidates' chunks), then one that reads
  // every cold row (facets), then the first again: the same answer.
  auto db = OpenOrDie(f.path);
  SearchRequest req;
  req.query = "犬";
  auto first = db->Search(req);
  REQUIRE(first.ok());
  SearchRequest facets = req;
  facets.facets = {FacetField::kBrand};
  REQUIRE(db->Search(facets).ok());
  auto again = db->Search(req);
  REQUIRE(again.ok());
  REQUIRE(first->hits.size() == again->hits.size());
  for (size_t i = 0; i < first->hits.size(); ++i) {
    CHECK(first->hits[i].id == again->hits[i].id);
    CHECK(first->hits[i].score == again->hits[i].score);
  }
}

TEST_CASE("a cold chunk missing, short or malformed is corruption naming its segment and chunk",
          "[engine][check][docs]") {
  struct Case {
    std::function<std::optional<std::string>(const std::string&)> damage;
    const char* says;
  };
  const Case cases[] = {
      {[](const std::string&) { return std::nullopt; }, "cold chunk 0 is missing"},
      {[](const std::string& c) { return c.substr(0, c.size() - 1); }, "cold chunk 0: truncated"},
      {[](const std::string& c) { return c + "x"; }, "cold chunk 0: 1 bytes past its"},
      {[](const std::string& c) {
         std::string bad = c;
         bad[4] = static_cast<char>(0x7f);  // the first document's brand index
         return bad;
       },
       "cold chunk 0: a brand, category or rating index out of range"},
  };
  for (const Case& c : cases) {
    INFO(c.says);
    Fixture f;
    f.db.reset();
    int64_t seg = 0;
    std::string chunk;
    RecodeDocsBlobs(f.path, [&](const std::string& blob, const std::vector<std::string>& chunks) {
      REQUIRE_FALSE(chunks.empty());
      chunk = chunks[0];
      return blob;
    });
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(f.path.c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "SELECT min(seg) FROM segments", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    seg = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(raw);
    SetColdChunk(f.path, seg, 0, c.damage(chunk));
    const std::string where = "segment " + std::to_string(seg);
    // The open reads no cold row; a re-ranked search does, and says which.
    auto db = OpenOrDie(f.path);
    SearchRequest req;
    req.query = "犬";
    auto r = db->Search(req);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kCorruption);
    CHECK_THAT(r.status().message(), Catch::Contains(where));
    CHECK_THAT(r.status().message(), Catch::Contains(c.says));
    // A search that needs none of them still answers.
    req.sort = SortOrder::kPriceAscending;
    CHECK(db->Search(req).ok());
    auto report = db->Check();
    REQUIRE(report.ok());
    CHECK_FALSE(report->ok);
    bool named = false;
    for (const auto& p : report->problems) {
      named |= p.find(where) != std::string::npos && p.find(c.says) != std::string::npos;
    }
    CHECK(named);
  }
}

TEST_CASE("check names a format 3 docs blob whose header disagrees with its columns",
          "[engine][check][docs]") {
  Fixture f;
  f.db.reset();
  // In format 3, then the header's field length totals, which an open takes as they are.
  RecodeDocsBlobs(f.path, [](const std::string& blob, const std::vector<std::string>& chunks) {
    std::string recoded = index::EncodeDocs(DocsOf(blob, chunks), 3);
    recoded[16] = static_cast<char>(recoded[16] ^ 1);
    return recoded;
  });
  auto db = OpenOrDie(f.path);
  auto report = db->Check();
  REQUIRE(report.ok());
  CHECK_FALSE(report->ok);
  bool named = false;
  for (const auto& p : report->problems) {
    named |= p.find("segment") != std::string::npos &&
             p.find("field length totals disagree") != std::string::npos;
  }
  CHECK(named);
  db.reset();
  // A blob cut short: refused at open, naming the segment and the lengths.
  RecodeDocsBlobs(f.path, [](const std::string& blob, const std::vector<std::string>&) {
    return blob.substr(0, blob.size() - 44);
  });
  auto cut = Database::Open(f.path);
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.status().code() == StatusCode::kCorruption);
  CHECK_THAT(cut.status().message(), Catch::Contains(": segment "));
  CHECK_THAT(cut.status().message(), Catch::Contains("bytes in format 3, the blob has"));
}

}  // namespace
}  // namespace saiki
