// What a shop expects beyond matching (issue 13): repeated ids in one file,
// deletes that name what they did not find, and the CLI's handling of
// exclusions and of awkward data in its table.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <sstream>

#include <sqlite3.h>

#include "index/analyzer.h"
#include "index/html_text.h"
#include "index/readings.h"
#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::Quote;
using testing::RunCli;
using testing::SourcePath;
using testing::TempDir;
using testing::WriteFile;

const char* kHeader = "id,title,description,brand,category,price,rating,review_count,tags\n";

std::unique_ptr<Database> OpenOrDie(const std::string& path) {
  auto db = Database::Open(path);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

Result<ImportReport> Import(Database* db, const std::string& csv, ImportOptions opts = {}) {
  std::istringstream in(csv);
  return db->ImportCsv(in, "dup.csv", opts);
}

std::string Title(Database* db, const std::string& id) {
  auto p = db->GetProduct(id);
  REQUIRE(p.ok());
  if (!p->has_value()) return "<none>";
  return (*p)->title;
}

std::set<std::string> IdSet(Database* db, const std::string& query) {
  SearchRequest req;
  req.query = query;
  req.k = 1000;
  auto r = db->Search(req);
  INFO(query << ": " << r.status().ToString());
  REQUIRE(r.ok());
  std::set<std::string> ids;
  for (const auto& h : r->hits) ids.insert(h.id);
  return ids;
}

// Rows v1 (line 2), x (line 3), v1 again (line 4), and, far enough apart to
// fall in another import batch (256 rows), v2 then v2 again.
std::string VariantsCsv() {
  std::string csv = std::string(kHeader) + "v1,赤い 首輪,,,,100,,,\n" + "x,青い 首輪,,,,200,,,\n" +
                    "v1,緑の 首輪,,,,300,,,\n";
  csv += "v2,白い ハーネス,,,,400,,,\n";  // line 5
  for (int i = 0; i < 300; ++i) csv += "f" + std::to_string(i) + ",フィラー,,,,1,,,\n";
  csv += "v2,黒い ハーネス,,,,500,,,\n";  // line 306
  return csv;
}

TEST_CASE("repeated ids in one file: the last row wins by default and each repeat is reported",
          "[shop][import]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("d.saiki"));
  std::vector<RowError> notes;
  ImportOptions opts;
  opts.on_duplicate = [&](const RowError& e) { notes.push_back(e); };
  auto r = Import(db.get(), VariantsCsv(), opts);
  REQUIRE(r.ok());
  CHECK(r->duplicates == 2);
  CHECK(r->inserted == 303);  // v1, x, v2 and 300 fillers: each counted once
  CHECK(r->updated == 0);
  CHECK(r->rejected == 0);
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].line == 4);
  CHECK(notes[0].message == "id 'v1' repeats line 2; the last row is kept (--duplicates last)");
  CHECK(notes[1].line == 306);
  CHECK(notes[1].message.find("repeats line 5") != std::string::npos);
  CHECK(Title(db.get(), "v1") == "緑の 首輪");
  CHECK(Title(db.get(), "v2") == "黒い ハーネス");
  // The replaced rows are not found any more; the kept ones are.
  CHECK(IdSet(db.get(), "赤い").empty());
  CHECK(IdSet(db.get(), "白い").empty());
  CHECK(IdSet(db.get(), "緑の") == std::set<std::string>{"v1"});
  CHECK(IdSet(db.get(), "黒い") == std::set<std::string>{"v2"});
  auto check = db->Check();
  REQUIRE(check.ok());
  CHECK(check->ok);

  // Importing the file again: ids stored before are updates, not repeats
  // of this file, but each id's second row still is one.
  notes.clear();
  auto again = Import(db.get(), VariantsCsv(), opts);
  REQUIRE(again.ok());
  CHECK(again->duplicates == 2);
  CHECK(again->updated == 303);
  CHECK(again->inserted == 0);
  CHECK(notes.size() == 2);
}

TEST_CASE("repeated ids with --duplicates first keep the first row", "[shop][import]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("d.saiki"));
  std::vector<RowError> notes;
  ImportOptions opts;
  opts.duplicates = DuplicateIds::kFirst;
  opts.on_duplicate = [&](const RowError& e) { notes.push_back(e); };
  auto r = Import(db.get(), VariantsCsv(), opts);
  REQUIRE(r.ok());
  CHECK(r->duplicates == 2);
  CHECK(r->rejected == 0);
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].message == "id 'v1' repeats line 2; the first row is kept (--duplicates first)");
  CHECK(Title(db.get(), "v1") == "赤い 首輪");
  CHECK(Title(db.get(), "v2") == "白い ハーネス");
  CHECK(IdSet(db.get(), "緑の").empty());
  CHECK(IdSet(db.get(), "黒い").empty());
  CHECK(IdSet(db.get(), "白い") == std::set<std::string>{"v2"});
  auto check = db->Check();
  REQUIRE(check.ok());
  CHECK(check->ok);
}

TEST_CASE("repeated ids with --duplicates error are bad rows; with strict nothing is stored",
          "[shop][import]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("d.saiki"));
  std::vector<RowError> errors, notes;
  ImportOptions opts;
  opts.duplicates = DuplicateIds::kError;
  opts.on_row_error = [&](const RowError& e) { errors.push_back(e); };
  opts.on_duplicate = [&](const RowError& e) { notes.push_back(e); };
  auto r = Import(db.get(), VariantsCsv(), opts);
  REQUIRE(r.ok());
  CHECK(r->committed);
  CHECK(r->rejected == 2);
  CHECK(r->duplicates == 2);
  CHECK(notes.empty());
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].line == 4);
  CHECK(errors[0].message == "id 'v1' repeats line 2 (--duplicates error)");
  CHECK(Title(db.get(), "v1") == "赤い 首輪");

  TempDir dir2;
  auto strict_db = OpenOrDie(dir2.File("s.saiki"));
  opts.strict = true;
  auto s = Import(strict_db.get(), VariantsCsv(), opts);
  REQUIRE(s.ok());
  CHECK_FALSE(s->committed);
  CHECK(Title(strict_db.get(), "x") == "<none>");
}

TEST_CASE("DeleteProducts names the ids it did not find, after the commit", "[shop][import]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("d.saiki"));
  REQUIRE(Import(db.get(), std::string(kHeader) + "a,犬,,,,1,,,\nb,猫,,,,2,,,\n").ok());
  std::vector<std::string> missing;
  auto n = db->DeleteProducts({"a", "nope", "a", "b", "zz"}, &missing);
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(missing == std::vector<std::string>{"nope", "a", "zz"});
  auto none = db->DeleteProducts({"a"});  // not_found is optional
  REQUIRE(none.ok());
  CHECK(*none == 0);
}

// --- through the CLI ---------------------------------------------------------

struct CliDb {
  TempDir dir;
  std::string db = "--db " + Quote(dir.File("cli.saiki"));
  explicit CliDb(const std::string& csv) {
    WriteFile(dir.File("p.csv"), csv);
    auto r = RunCli(db + " index " + Quote(dir.File("p.csv")));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
};

std::set<std::string> JsonIds(const std::string& out) {
  auto j = nlohmann::json::parse(out);
  std::set<std::string> ids;
  for (const auto& h : j["results"]) ids.insert(h["id"].get<std::string>());
  return ids;
}

const char* kFoodCsv =
    "id,title,description,brand,category,price,rating,review_count,tags\n"
    "f1,国産 ドッグフード,,,,1000,,,\n"
    "f2,輸入 ドッグフード,,,,1200,,,\n"
    "f3,kids ドッグフード,,,,1300,,,\n"
    "f4,hoge ドッグフード,,,,1400,,,\n";

TEST_CASE("a word starting with - after the query is an exclusion, not an option", "[shop][cli]") {
  CliDb f(kFoodCsv);
  auto r = RunCli(f.db + " search ドッグフード -国産 --json");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(JsonIds(r.out) == std::set<std::string>{"f2", "f3", "f4"});
  // Words that start like the short options -k and -h are words too.
  r = RunCli(f.db + " search --json ドッグフード -kids -hoge");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(JsonIds(r.out) == std::set<std::string>{"f1", "f2"});
  // -k N and -kN stay options, before or after the exclusions.
  r = RunCli(f.db + " search ドッグフード -輸入 -k 1 --json");
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["results"].size() == 1);
  CHECK(nlohmann::json::parse(r.out)["total"] == 3);
  r = RunCli(f.db + " search -k2 ドッグフード -輸入 --json");
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["results"].size() == 2);
  // An explicit -- still works, and an unknown long option is still an error.
  r = RunCli(f.db + " search --json -- ドッグフード -国産");
  REQUIRE(r.exit_code == 0);
  CHECK(JsonIds(r.out).count("f1") == 0);
  CHECK(RunCli(f.db + " search ドッグフード --nosuch").exit_code == 2);
}

TEST_CASE("the table sizes columns to the data and keeps one product per line", "[shop][cli]") {
  std::string long_id = "shopify-variant-000123456789";
  CliDb f(std::string(kHeader) + long_id + ",\"犬 ベッド\n二段目\",,とても長いブランド名の会社,,1980,,,\n" +
          "b2,犬 首輪,,ペティオ,,580,,,\n");
  auto r = RunCli(f.db + " search 犬");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  std::istringstream lines(r.out);
  std::vector<std::string> rows;
  std::string line;
  while (std::getline(lines, line)) rows.push_back(line);
  REQUIRE(rows.size() == 4);  // the summary, the header and one line per product
  std::string row_of_long = rows[2].find(long_id) != std::string::npos ? rows[2] : rows[3];
  // The id whole and apart from the score; the title's newline escaped.
  CHECK(row_of_long.find(long_id + "  ") != std::string::npos);
  CHECK(row_of_long.find("とても長いブランド名の会社") != std::string::npos);
  CHECK(row_of_long.find("犬 ベッド\\n二段目") != std::string::npos);
  auto get_json = nlohmann::json::parse(RunCli(f.db + " get " + long_id).out);
  CHECK(get_json["title"] == "犬 ベッド\n二段目");  // stored as it was
}

TEST_CASE("delete names the ids it did not find", "[shop][cli]") {
  CliDb f(kFoodCsv);
  auto r = RunCli(f.db + " delete f1 nope f2 missing-2");
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("deleted 2 of 4 ids") != std::string::npos);
  CHECK(r.err.find("not found (2): nope missing-2") != std::string::npos);
  r = RunCli(f.db + " delete f3");
  CHECK(r.err.find("not found") == std::string::npos);
}

TEST_CASE("index --duplicates reports repeated ids and chooses the row kept", "[shop][cli]") {
  CliDb f(kFoodCsv);
  WriteFile(f.dir.File("v.csv"), std::string(kHeader) + "s1,赤 シャツ,,,,1,,,\ns1,青 シャツ,,,,2,,,\n");
  auto last = RunCli(f.db + " index " + Quote(f.dir.File("v.csv")));
  CHECK(last.exit_code == 0);
  CHECK(last.err.find("v.csv line 3: id 's1' repeats line 2; the last row is kept") !=
        std::string::npos);
  CHECK(last.err.find("1 repeated ids") != std::string::npos);
  CHECK(nlohmann::json::parse(RunCli(f.db + " get s1").out)["title"] == "青 シャツ");
  auto first = RunCli(f.db + " index --duplicates first " + Quote(f.dir.File("v.csv")));
  CHECK(first.exit_code == 0);
  CHECK(nlohmann::json::parse(RunCli(f.db + " get s1").out)["title"] == "赤 シャツ");
  auto error = RunCli(f.db + " index --duplicates error " + Quote(f.dir.File("v.csv")));
  CHECK(error.exit_code == 3);
  CHECK(error.err.find("line 3: id 's1' repeats line 2 (--duplicates error)") !=
        std::string::npos);
  CHECK(RunCli(f.db + " index --duplicates newest " + Quote(f.dir.File("v.csv"))).exit_code == 2);
}

// --- readings (MeCab + IPADIC) ---------------------------------------------

const char* kReadingCsv =
    "id,title,description,brand,category,price,rating,review_count,tags\n"
    "r1,犬 の ベッド,,,,1000,,,\n"
    "r2,いぬ の おもちゃ,,,,1000,,,\n"
    "r3,学校 用品 セット,,,,1000,,,\n"
    "r4,紅茶 ギフト,,,,1000,,,\n"
    "r5,見本 セット,,,,1000,,,\n"
    "r6,健康 サプリ,,,,1000,,,\n"
    "r7,猫 の ベッド,,,,1000,,,\n";

std::vector<std::string> Ranked(Database* db, const std::string& query) {
  SearchRequest req;
  req.query = query;
  req.k = 100;
  auto r = db->Search(req);
  INFO(query << ": " << r.status().ToString());
  REQUIRE(r.ok());
  std::vector<std::string> ids;
  for (const auto& h : r->hits) ids.push_back(h.id);
  return ids;
}

TEST_CASE("the analyzer indexes readings of kanji words and reads kana and romaji queries",
          "[shop][readings]") {
  auto a = index::Analyzer::Create();
  REQUIRE(a.ok());
  const index::Analyzer& an = **a;
  std::vector<index::Token> tokens;
  an.AnalyzeReadings("犬のおやつと紅茶、食べる", 0, &tokens);
  std::set<std::string> got;
  for (const auto& t : tokens) got.insert(t.text);
  const std::string r(1, index::kReadingPrefix);
  CHECK(got.count(r + "イヌ"));
  CHECK(got.count(r + "コウチャ"));
  CHECK(got.count(r + "タベル"));  // okurigana kept as hiragana for MeCab
  CHECK_FALSE(got.count(r + "オヤツ"));  // kana words need no reading
  tokens.clear();
  an.AnalyzeReadings("ドッグフード dog", 0, &tokens);
  CHECK(tokens.empty());  // no kanji: MeCab is not called
  CHECK(an.QueryReading("いぬ") == r + "イヌ");
  CHECK(an.QueryReading("イヌ") == r + "イヌ");
  CHECK(an.QueryReading("ｲﾇ") == r + "イヌ");
  CHECK(an.QueryReading("inu") == r + "イヌ");
  CHECK(an.QueryReading("gakkou") == r + "ガッコウ");
  CHECK(an.QueryReading("koucha") == r + "コウチャ");
  CHECK(an.QueryReading("犬").empty());     // kanji never matches by sound
  CHECK(an.QueryReading("犬いぬ").empty());  // nor mixed text
  CHECK(an.QueryReading("い").empty());     // one character: too ambiguous
  CHECK(an.QueryReading("2kg").empty());
  CHECK(an.QueryReading("xyz").empty());
  // Bytes that are not UTF-8 are safe.
  tokens.clear();
  an.AnalyzeReadings(std::string("\xff\xfe犬\xc3", 6), 0, &tokens);
}

TEST_CASE("romaji is read as input methods read it: Hepburn, Kunrei and typing forms alike",
          "[shop][readings]") {
  using index::RomajiToKatakana;
  // The same word in each system reads the same.
  for (const char* w : {"shinbun", "shimbun", "sinbun"}) CHECK(RomajiToKatakana(w) == "シンブン");
  for (const char* w : {"tsukue", "tukue"}) CHECK(RomajiToKatakana(w) == "ツクエ");
  for (const char* w : {"chawan", "tyawan", "cyawan"}) CHECK(RomajiToKatakana(w) == "チャワン");
  for (const char* w : {"fuku", "huku"}) CHECK(RomajiToKatakana(w) == "フク");
  for (const char* w : {"jisho", "zisyo", "jisyo"}) CHECK(RomajiToKatakana(w) == "ジショ");
  // Doubled consonants, Hepburn's tch, n before a consonant, nn, a final n.
  CHECK(RomajiToKatakana("gakkou") == "ガッコウ");
  CHECK(RomajiToKatakana("matcha") == "マッチャ");
  CHECK(RomajiToKatakana("kanpai") == "カンパイ");
  CHECK(RomajiToKatakana("konnichiha") == "コンニチハ");
  CHECK(RomajiToKatakana("konnnichiha") == "コンニチハ");
  CHECK(RomajiToKatakana("honn") == "ホン");
  CHECK(RomajiToKatakana("ramen") == "ラメン");
  CHECK(RomajiToKatakana("kinyou") == "キニョウ");  // n+y is a syllable, as typed
  CHECK(RomajiToKatakana("ra-men") == "ラーメン");
  CHECK(RomajiToKatakana("xtu") == "ッ");
  // Not romaji: no katakana.
  for (const char* w : {"xyz", "owl", "str", "a", "-aa", "inu2", "Inu", "ab-"}) {
    INFO(w);
    CHECK(RomajiToKatakana(w).empty());
  }
  CHECK(RomajiToKatakana(std::string(33, 'a')).empty());
  CHECK(RomajiToKatakana(std::string(32, 'a')) == [] {
    std::string s;
    for (int i = 0; i < 32; ++i) s += "ア";
    return s;
  }());
}

TEST_CASE("a field's readings are the same whether or not its tokens were analyzed just before",
          "[shop][readings]") {
  // AnalyzeReadings reuses the NFKC_CF of the text AnalyzeForIndex was last
  // given; the tokens must not depend on that.
  auto a = index::Analyzer::Create();
  REQUIRE(a.ok());
  const index::Analyzer& an = **a;
  auto texts = {"犬のおやつと紅茶、食べる", "ＤＯＧ ｲﾇ用 首輪 名入れ", "京都 宇治抹茶 ギフト",
                "ﾍﾟｯﾄ用品 東京都産", "食べる"};
  auto readings = [&](std::string_view text) {
    std::vector<index::Token> out;
    an.AnalyzeReadings(text, 3, &out);
    std::vector<std::pair<std::string, uint32_t>> got;
    for (const auto& t : out) got.emplace_back(t.text, t.position);
    return got;
  };
  for (std::string_view text : texts) {
    std::vector<index::Token> scratch;
    an.AnalyzeForIndex("無関係な 別の文字列", 0, &scratch);
    auto alone = readings(text);
    an.AnalyzeForIndex(text, 0, &scratch);
    auto after = readings(text);
    INFO(text);
    CHECK_FALSE(alone.empty());
    CHECK(after == alone);
    // And a different text after it is not served the first one's.
    an.AnalyzeForIndex(text, 0, &scratch);
    CHECK(readings("猫") != alone);
  }
}

TEST_CASE("a text's readings and their spans are the same when they come from the memo",
          "[shop][readings]") {
  auto kr = index::KanjiReadings::Create();
  REQUIRE(kr.ok());
  using Spans = std::vector<std::tuple<size_t, size_t, std::string>>;
  auto spans = [&](const std::string& text) {
    Spans out;
    (*kr)->ForEachReadingSpan(text, [&](size_t b, size_t e, std::string_view r) {
      out.emplace_back(b, e, std::string(r));
    });
    return out;
  };
  // Offsets past 255 and 65535 bytes (the latter too long to remember).
  const std::string texts[] = {"犬のおやつと紅茶、食べる", "名入れ ボールペン 速乾 10本セット",
                               std::string(300, 'a') + " 学校の本", std::string(70000, ' ') + "学校"};
  std::vector<Spans> first;
  for (const std::string& t : texts) first.push_back(spans(t));
  CHECK(first[0].size() >= 3);
  CHECK(std::get<0>(first[2].back()) > 255);
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < std::size(texts); ++i) {
      INFO("text " << i << ", round " << round);
      CHECK(spans(texts[i]) == first[i]);
    }
  }
  for (const Spans& s : first) {
    for (const auto& [b, e, r] : s) {
      CHECK(b < e);
      CHECK_FALSE(r.empty());
    }
  }
}

TEST_CASE("a text is read piece by piece: its readings are its pieces', at their offsets",
          "[shop][readings]") {
  auto kr = index::KanjiReadings::Create();
  REQUIRE(kr.ok());
  using Spans = std::vector<std::tuple<size_t, size_t, std::string>>;
  auto spans = [&](std::string_view text, size_t shift, Spans* out) {
    (*kr)->ForEachReadingSpan(text, [&](size_t b, size_t e, std::string_view r) {
      out->emplace_back(b + shift, e + shift, std::string(r));
    });
  };
  // Pieces end at whitespace (ASCII, tab, the ideographic space) and after
  // 。 ! ?; the pieces are given here as the split must find them.
  const std::vector<std::string> pieces = {"名入れ", " ", "ボールペン", "\t", "速乾",
                                           "\xE3\x80\x80",  // U+3000
                                           "お歳暮。", "学校に行く!", "紅茶?", "食べる"};
  std::string text;
  Spans expected;
  for (const std::string& p : pieces) {
    spans(p, text.size(), &expected);
    text += p;
  }
  Spans whole;
  spans(text, 0, &whole);
  CHECK(whole.size() >= 5);
  CHECK(whole == expected);
  for (const auto& [b, e, r] : whole) {
    INFO(b << ".." << e << " " << r);
    REQUIRE(e <= text.size());
    CHECK(index::HasHan(text.substr(b, e - b)));  // the span is the kanji word
  }
  // So a piece reads the same whatever surrounds it.
  Spans a, b;
  spans("江戸切子 名入れ タンブラー", 0, &a);
  spans("名入れ ホテル仕様", 0, &b);
  REQUIRE_FALSE(a.empty());
  REQUIRE_FALSE(b.empty());
  const size_t at = std::string("江戸切子 ").size();
  Spans a_name, b_name;
  for (const auto& [s, e, r] : a) {
    if (s >= at && e <= at + std::string("名入れ").size()) a_name.emplace_back(s - at, e - at, r);
  }
  for (const auto& [s, e, r] : b) {
    if (e <= std::string("名入れ").size()) b_name.emplace_back(s, e, r);
  }
  CHECK_FALSE(a_name.empty());
  CHECK(a_name == b_name);
}

TEST_CASE("kana and romaji queries find kanji products through readings, below the text itself",
          "[shop][readings]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("r.saiki"));
  REQUIRE(Import(db.get(), kReadingCsv).ok());
  for (const char* q : {"いぬ", "イヌ", "ｲﾇ"}) {
    auto ids = Ranked(db.get(), q);
    INFO(q);
    REQUIRE(ids.size() == 2);
    CHECK(ids[0] == "r2");  // the text いぬ itself first
    CHECK(ids[1] == "r1");  // 犬 by its reading
  }
  // Romaji matches readings of kanji words (the kana text is not romaji).
  CHECK(Ranked(db.get(), "inu") == std::vector<std::string>{"r1"});
  CHECK(Ranked(db.get(), "がっこう") == std::vector<std::string>{"r3"});
  CHECK(Ranked(db.get(), "gakkou") == std::vector<std::string>{"r3"});
  CHECK(Ranked(db.get(), "こうちゃ") == std::vector<std::string>{"r4"});
  // Word level: 健 (ケン) never stands for 見 in 見本, and けん matches no
  // whole word read ケン here (見本 is ミホン, 健康 ケンコウ).
  CHECK(Ranked(db.get(), "健") == std::vector<std::string>{"r6"});
  CHECK(Ranked(db.get(), "けん").empty());
  CHECK(Ranked(db.get(), "けんこう") == std::vector<std::string>{"r6"});
  // A kanji query is unchanged: 犬 finds only the 犬 product.
  CHECK(Ranked(db.get(), "犬") == std::vector<std::string>{"r1"});
  // Quoted phrases ask for the text as written.
  CHECK(Ranked(db.get(), "\"いぬ\"") == std::vector<std::string>{"r2"});
  // Exclusions exclude reading matches too.
  CHECK(Ranked(db.get(), "ベッド -いぬ") == std::vector<std::string>{"r7"});
  // reading.weight 0 turns them off.
  REQUIRE(db->SetSetting("reading.weight", "0").ok());
  CHECK(Ranked(db.get(), "いぬ") == std::vector<std::string>{"r2"});
  CHECK(db->SetSetting("reading.weight", "1.5").code() == StatusCode::kInvalidArgument);
  auto check = db->Check();
  REQUIRE(check.ok());
  CHECK(check->ok);
}

TEST_CASE("a file indexed before readings is re-indexed when opened read-write",
          "[shop][readings][format]") {
  TempDir dir;
  const std::string path = dir.File("old.saiki");
  {
    auto db = OpenOrDie(path);
    REQUIRE(Import(db.get(), kReadingCsv).ok());
    REQUIRE(db->DeleteProducts({"r7"}).ok());  // a tombstone the re-index drops
  }
  // Make it look like a file of analysis version 1: no reading lists, no key.
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "DELETE FROM postings WHERE substr(term, 1, 1) = char(3);"
                         "DELETE FROM meta WHERE key = 'analysis_version';",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  OpenOptions ro;
  ro.read_only = true;
  auto refused = Database::Open(path, ro);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kNotSupported);
  CHECK(refused.status().message().find("re-indexing") != std::string::npos);
  auto db = OpenOrDie(path);
  CHECK(Ranked(db.get(), "いぬ") == std::vector<std::string>{"r2", "r1"});
  CHECK(Ranked(db.get(), "ベッド") == std::vector<std::string>{"r1"});  // r7 stays deleted
  auto check = db->Check();
  REQUIRE(check.ok());
  CHECK(check->ok);
  auto stats = db->GetStats();
  REQUIRE(stats.ok());
  CHECK(stats->products == 6);
  CHECK(stats->deleted_pending == 0);
}

TEST_CASE("the bundled catalogue answers いぬ, イヌ and inu with 犬 products", "[shop][readings][cli]") {
  TempDir dir;
  std::string db = "--db " + Quote(dir.File("bundled.saiki"));
  auto r = RunCli(db + " index " + Quote(SourcePath("datasets/catalog.csv")));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* q : {"いぬ", "イヌ", "inu"}) {
    auto j = nlohmann::json::parse(RunCli(db + " search --json -k 20 " + q).out);
    INFO(q);
    REQUIRE(j["total"].get<int>() >= 50);
    int dog = 0;
    for (const auto& hit : j["results"]) {
      std::string text = hit["title"].get<std::string>() + hit["category"].get<std::string>();
      dog += text.find("犬") != std::string::npos || text.find("いぬ") != std::string::npos ||
             text.find("イヌ") != std::string::npos;
    }
    CHECK(dog >= 15);
  }
}

// --- filters, browsing and sorting -------------------------------------------

const char* kBrowseCsv =
    "id,title,description,brand,category,price,rating,review_count,tags\n"
    "b1,犬 ベッド,,ペティオ,ペット用品>犬用品>ベッド,3000,4.5,10,\n"
    "b2,犬 首輪,,ペティオ,ペット用品>犬用品>首輪,800,3.9,200,\n"
    "b3,猫 ベッド,,ねこまる,ペット用品>猫用品>ベッド,2500,4.8,5,\n"
    "b4,犬 おやつ,,ドギー,食品>犬用品,500,,,\n"
    "b5,犬 ケージ,,ドギー,ペット用品>犬用品>ケージ,,4.0,50,\n"
    "b6,ぬいぐるみ 犬,,トイズ,おもちゃ>ぬいぐるみ,1200,4.2,80,\n";

std::vector<std::string> RankedWith(Database* db, const std::string& query, SortOrder sort) {
  SearchRequest req;
  req.query = query;
  req.k = 100;
  req.sort = sort;
  auto r = db->Search(req);
  INFO(query << ": " << r.status().ToString());
  REQUIRE(r.ok());
  std::vector<std::string> ids;
  for (const auto& h : r->hits) ids.push_back(h.id);
  return ids;
}

std::set<std::string> AsSet(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

TEST_CASE("category: matches a level anywhere in the path as well as a prefix", "[shop][filters]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("b.saiki"));
  REQUIRE(Import(db.get(), kBrowseCsv).ok());
  using S = std::set<std::string>;
  CHECK(AsSet(Ranked(db.get(), "category:犬用品")) == S{"b1", "b2", "b4", "b5"});
  CHECK(AsSet(Ranked(db.get(), "category:ベッド")) == S{"b1", "b3"});
  CHECK(AsSet(Ranked(db.get(), "category:犬用品>ベッド")) == S{"b1"});
  CHECK(AsSet(Ranked(db.get(), "category:ペット用品>犬用品")) == S{"b1", "b2", "b5"});
  CHECK(AsSet(Ranked(db.get(), "category:ペット用品")) == S{"b1", "b2", "b3", "b5"});
  CHECK(AsSet(Ranked(db.get(), "ベッド category:犬用品")) == S{"b1"});
  // A level is whole: 犬 is not a level, ベッド>犬用品 is not a run.
  CHECK(Ranked(db.get(), "category:犬").empty());
  CHECK(Ranked(db.get(), "category:ベッド>犬用品").empty());
  // Normalised like the documents: full-width and spaces around levels.
  CHECK(AsSet(Ranked(db.get(), "ＣＡＴＥＧＯＲＹ：犬用品")) == S{"b1", "b2", "b4", "b5"});
}

TEST_CASE("a query of filters alone lists the matching products", "[shop][filters]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("b.saiki"));
  REQUIRE(Import(db.get(), kBrowseCsv).ok());
  using S = std::set<std::string>;
  CHECK(AsSet(Ranked(db.get(), "price:..1000")) == S{"b2", "b4"});
  CHECK(AsSet(Ranked(db.get(), "price:1000..")) == S{"b1", "b3", "b6"});  // b5 has no price
  CHECK(AsSet(Ranked(db.get(), "price:..3000 -ベッド")) == S{"b2", "b4", "b6"});
  CHECK(AsSet(Ranked(db.get(), "brand:ドギー")) == S{"b4", "b5"});
  CHECK(AsSet(Ranked(db.get(), "brand:ペティオ price:..1000")) == S{"b2"});
  REQUIRE(db->DeleteProducts({"b2"}).ok());
  CHECK(AsSet(Ranked(db.get(), "price:..1000")) == S{"b4"});  // deleted ones stay out
  SearchRequest req;
  req.query = "-ベッド";  // an exclusion alone is still not a query
  auto r = db->Search(req);
  REQUIRE(r.ok());
  CHECK(r->total == 0);
  CHECK(r->notice.find("price:") != std::string::npos);
}

TEST_CASE("sorting orders the whole match set by price, rating or reviews", "[shop][sort]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("b.saiki"));
  REQUIRE(Import(db.get(), kBrowseCsv).ok());
  using V = std::vector<std::string>;
  // 犬 matches b1 b2 b4 b5 b6; b5 has no price, b4 no rating or reviews.
  CHECK(RankedWith(db.get(), "犬", SortOrder::kPriceAscending) == V{"b4", "b2", "b6", "b1", "b5"});
  CHECK(RankedWith(db.get(), "犬", SortOrder::kPriceDescending) == V{"b1", "b6", "b2", "b4", "b5"});
  CHECK(RankedWith(db.get(), "犬", SortOrder::kRatingDescending) == V{"b1", "b6", "b5", "b2", "b4"});
  CHECK(RankedWith(db.get(), "犬", SortOrder::kRatingAscending) == V{"b2", "b5", "b6", "b1", "b4"});
  CHECK(RankedWith(db.get(), "犬", SortOrder::kReviewsDescending) == V{"b2", "b6", "b5", "b1", "b4"});
  // The whole match set, not the first page: k 1 gives the cheapest.
  SearchRequest req;
  req.query = "犬";
  req.k = 1;
  req.sort = SortOrder::kPriceAscending;
  auto one = db->Search(req);
  REQUIRE(one.ok());
  REQUIRE(one->hits.size() == 1);
  CHECK(one->hits[0].id == "b4");
  CHECK(one->total == 5);
  // Browsing: filters alone, sorted.
  CHECK(RankedWith(db.get(), "category:犬用品", SortOrder::kPriceDescending) ==
        V{"b1", "b2", "b4", "b5"});
  // Sorted searches for a user are not logged for learning.
  req.user = "u1";
  auto logged = db->Search(req);
  REQUIRE(logged.ok());
  CHECK_FALSE(logged->query_id.has_value());
}

TEST_CASE("the CLI browses and sorts the bundled catalogue", "[shop][sort][cli]") {
  TempDir dir;
  std::string db = "--db " + Quote(dir.File("bundled.saiki"));
  auto r = RunCli(db + " index " + Quote(SourcePath("datasets/catalog.csv")));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto cat = nlohmann::json::parse(RunCli(db + " search --json -k 50 category:犬用品").out);
  REQUIRE(cat["total"].get<int>() > 100);
  for (const auto& hit : cat["results"]) {
    CHECK(hit["category"].get<std::string>().find("犬用品") != std::string::npos);
  }
  auto cheap = RunCli(db + " search --json -k 50 price:..2000 --sort -price");
  INFO(cheap.err);
  REQUIRE(cheap.exit_code == 0);
  auto j = nlohmann::json::parse(cheap.out);
  REQUIRE(j["results"].size() == 50);
  double last = 1e18;
  for (const auto& hit : j["results"]) {
    double price = hit["price"].get<double>();
    CHECK(price <= 2000);
    CHECK(price <= last);
    last = price;
  }
  auto sorted = nlohmann::json::parse(RunCli(db + " search --json -k 50 ドッグフード --sort price").out);
  last = -1;
  for (const auto& hit : sorted["results"]) {
    if (hit["price"].is_null()) continue;
    CHECK(hit["price"].get<double>() >= last);
    last = hit["price"].get<double>();
  }
  auto bad = RunCli(db + " search 犬 --sort cheapest");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--sort: 'cheapest' is not relevance, price") != std::string::npos);
}

// --- clean text -------------------------------------------------------------

std::string Clean(std::string_view html) {
  std::string out;
  index::HtmlToText(html, &out);
  return out;
}

TEST_CASE("HTML is reduced to its text: tags dropped, entities decoded, breaks kept",
          "[shop][html]") {
  CHECK(Clean("<div class=\"a>b\">犬<b>用</b> ベッド</div>") == "\n犬用 ベッド\n");
  CHECK(Clean("犬<br>ベッド<br/>首輪<p>リード</p>") == "犬\nベッド\n首輪\nリード\n");
  CHECK(Clean("<ul><li>A</li><li>B</li></ul>") == "\n\nA\n\nB\n\n");
  CHECK(Clean("R&amp;D &lt;tag&gt; &quot;x&quot; &#x72AC;&#29356; &yen;1,980 a&nbsp;b") ==
        "R&D <tag> \"x\" 犬犬 \u00a51,980 a b");
  CHECK(Clean("&unknown; & &#; &#0; &#xD800;") == "&unknown; & &#; \uFFFD \uFFFD");
  CHECK(Clean("3 < 5 and <3 stay") == "3 < 5 and <3 stay");
  CHECK(Clean("a<!-- <div>hidden</div> -->b<script>var div = 1;</script>c<style>p{}</style>d") ==
        "abcd");
  CHECK(Clean("<![CDATA[犬 & 猫]]>") == "犬 & 猫");
  CHECK(Clean("text <div unterminated") == "text ");
  CHECK(Clean("<SCRIPT>x</SCRIPT>ok") == "ok");
  CHECK_FALSE(index::MayHoldHtml("犬 ベッド 3 < 5 & more"));
  CHECK(index::MayHoldHtml("犬<br>"));
  CHECK(index::MayHoldHtml("R&amp;D"));
  // Either byte may come first, and a bare one before a tag or an entity
  // does not hide it; a last byte is not markup.
  CHECK(index::MayHoldHtml("3 < 5 &amp; 6"));
  CHECK(index::MayHoldHtml("A & B <p>"));
  CHECK(index::MayHoldHtml("&#29356; <"));
  CHECK_FALSE(index::MayHoldHtml("< & <"));
  CHECK_FALSE(index::MayHoldHtml("犬&"));
  CHECK_FALSE(index::MayHoldHtml(""));
}

TEST_CASE("markup is not searchable and stored fields keep the original", "[shop][html]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("h.saiki"));
  const std::string desc = "<div class=\"spec\"><p>柔らかい<b>犬用</b>ベッド</p><ul><li>洗える</li></ul></div>";
  // The CSV field with quotes inside: double them.
  std::string quoted;
  for (size_t i = 0; i < desc.size(); ++i) quoted += desc[i] == '"' ? std::string("\"\"") : std::string(1, desc[i]);
  std::string csv = std::string(kHeader) + "h1,<span>犬</span> ベッド,\"" + quoted + "\",,,3000,,,\n" +
        "h2,div 型 ラック,,,,1000,,,\n" + "h3,R&amp;D 首輪,,,,900,,,\n";
  REQUIRE(Import(db.get(), csv).ok());
  CHECK(IdSet(db.get(), "div") == std::set<std::string>{"h2"});  // the word, not the markup
  for (const char* q : {"span", "class", "spec", "li", "ul", "amp"}) {
    INFO(q);
    CHECK(IdSet(db.get(), q).empty());
  }
  CHECK(IdSet(db.get(), "洗える") == std::set<std::string>{"h1"});
  CHECK(IdSet(db.get(), "犬用") == std::set<std::string>{"h1"});
  CHECK(IdSet(db.get(), "\"犬 ベッド\"") == std::set<std::string>{"h1"});
  CHECK(IdSet(db.get(), "r&d") == std::set<std::string>{"h3"});
  auto p = db->GetProduct("h1");
  REQUIRE(p.ok());
  REQUIRE(p->has_value());
  CHECK((*p)->description == desc);
  CHECK((*p)->title == "<span>犬</span> ベッド");
  auto check = db->Check();
  REQUIRE(check.ok());
  CHECK(check->ok);
}

}  // namespace
}  // namespace saiki
