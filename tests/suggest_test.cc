// Suggestions (issue 13 item 8): title words, kanji words through readings,
// and queries users searched and clicked, decayed and personalised.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::Quote;
using testing::RunCli;
using testing::TempDir;
using testing::WriteFile;

const char* kCsv =
    "id,title,description,brand,category,price,rating,review_count,tags\n"
    "b1,犬用 ベッド ふわふわ,,,,1000,,,\n"
    "b2,犬用 ベッド 大型,,,,2000,,,\n"
    "b3,犬用 ケージ,,,,3000,,,\n"
    "c1,犬服 冬 セーター,,,,1500,,,\n"
    "c2,愛犬 おやつ,,,,500,,,\n"
    "d1,ドッグフード チキン,,,,900,,,\n"
    "d2,ドッグフード ビーフ,,,,900,,,\n"
    "d3,ドッグフード 小粒,,,,900,,,\n"
    "d4,ドッグベッド,,,,900,,,\n"
    "s1,Shampoo シャンプー 犬用,,,,700,,,\n"
    "s2,シャンプー 猫用,,,,700,,,\n"
    "x1,いぬ のぬいぐるみ,ドッグラン 説明,,,100,,,\n";

struct Shop {
  TempDir dir;
  double now = 1.7e9;
  std::unique_ptr<Database> db;
  Shop() {
    OpenOptions o;
    o.clock = [this] { return now; };
    auto d = Database::Open(dir.File("s.saiki"), o);
    REQUIRE(d.ok());
    db = std::move(d).value();
    std::istringstream in(kCsv);
    REQUIRE(db->ImportCsv(in, "s.csv", {}).ok());
  }
  std::vector<Suggestion> Suggest(const std::string& prefix, const std::string& user = "",
                                  int k = 10) {
    SuggestRequest req;
    req.prefix = prefix;
    req.user = user;
    req.k = k;
    auto r = db->Suggest(req);
    INFO(prefix << ": " << r.status().ToString());
    REQUIRE(r.ok());
    return r->suggestions;
  }
  // A logged search by `user`, with a click on its first result.
  void SearchAndClick(const std::string& user, const std::string& query, bool click) {
    SearchRequest req;
    req.query = query;
    req.user = user;
    auto r = db->Search(req);
    REQUIRE(r.ok());
    REQUIRE(r->query_id);
    REQUIRE_FALSE(r->hits.empty());
    if (click) REQUIRE(db->RecordClick(*r->query_id, r->hits[0].id).ok());
  }
};

std::vector<std::string> Texts(const std::vector<Suggestion>& s) {
  std::vector<std::string> out;
  for (const auto& x : s) out.push_back(x.text);
  return out;
}

bool Has(const std::vector<Suggestion>& s, const std::string& text, SuggestionSource source) {
  for (const auto& x : s) {
    if (x.text == text && x.source == source) return true;
  }
  return false;
}

TEST_CASE("title words complete the last word, by the titles they are in, as titles write them",
          "[suggest]") {
  Shop shop;
  auto s = shop.Suggest("ドッ");
  auto texts = Texts(s);
  REQUIRE(texts.size() >= 2);
  CHECK(texts[0] == "ドッグフード");  // three titles
  CHECK(Has(s, "ドッグベッド", SuggestionSource::kWord));
  // ドッグラン is only in a description: not a title word.
  CHECK(std::find(texts.begin(), texts.end(), "ドッグラン") == texts.end());
  // Normalisation drops シャンプー's ー; the suggestion keeps it.
  CHECK(Has(shop.Suggest("シャン"), "シャンプー", SuggestionSource::kWord));
  CHECK(Has(shop.Suggest("sha"), "Shampoo", SuggestionSource::kWord));
  // The words before the last are kept.
  CHECK(Has(shop.Suggest("犬用 ドッ"), "犬用 ドッグフード", SuggestionSource::kWord));
  CHECK(shop.Suggest("ドッ", "", 1).size() == 1);
}

TEST_CASE("kana suggests the kanji words of the titles read that way", "[suggest]") {
  Shop shop;
  for (const std::string prefix : {"いぬ", "イヌ", "inu"}) {
    auto s = shop.Suggest(prefix);
    INFO(prefix);
    CHECK(Has(s, "犬用", SuggestionSource::kReading));
    CHECK(Has(s, "犬服", SuggestionSource::kReading));
    CHECK(Has(s, "犬", SuggestionSource::kReading));
    // 愛犬 is read アイケン: not a completion of いぬ.
    for (const auto& x : s) CHECK(x.text.find("愛犬") == std::string::npos);
  }
  auto s = shop.Suggest("いぬ");
  double yo = 0, fuku = 0;
  for (const auto& x : s) {
    if (x.text == "犬用") yo = x.score;
    if (x.text == "犬服") fuku = x.score;
  }
  CHECK(yo > fuku);  // in four titles against one
}

TEST_CASE("queries suggest themselves once two users searched them, decayed, and a user's own "
          "first", "[suggest]") {
  Shop shop;
  shop.SearchAndClick("u1", "犬用 ベッド", true);
  shop.SearchAndClick("u2", "犬用 ベッド", true);
  shop.SearchAndClick("u3", "犬用 ケージ", true);  // one user only
  auto s = shop.Suggest("犬用 ");
  CHECK(Has(s, "犬用 ベッド", SuggestionSource::kQuery));
  CHECK_FALSE(Has(s, "犬用 ケージ", SuggestionSource::kQuery));
  auto own = shop.Suggest("犬用 ", "u3");
  REQUIRE_FALSE(own.empty());
  CHECK(own[0].text == "犬用 ケージ");
  CHECK(own[0].source == SuggestionSource::kQuery);

  // Searched without a click by anyone: not shared.
  shop.SearchAndClick("u1", "ドッグフード", false);
  shop.SearchAndClick("u2", "ドッグフード", false);
  CHECK_FALSE(Has(shop.Suggest("ドッグフ"), "ドッグフード", SuggestionSource::kQuery));

  // Decay: the same searches a half-life later count half.
  const double before = shop.Suggest("犬用 ")[0].score;
  double half_life_days = std::stod(*shop.db->GetSetting("learn.half_life_days"));
  shop.now += half_life_days * 86400;
  double after = 0;
  for (const auto& x : shop.Suggest("犬用 ")) {
    if (x.text == "犬用 ベッド") after = x.score;
  }
  CHECK(after == Approx(before / 2));

  // Forgetting a user removes their searches from the suggestions.
  REQUIRE(shop.db->ForgetUser("u3").ok());
  CHECK_FALSE(Has(shop.Suggest("犬用 ", "u3"), "犬用 ケージ", SuggestionSource::kQuery));
}

TEST_CASE("suggest refuses bad requests and returns nothing for nothing typed", "[suggest]") {
  Shop shop;
  SuggestRequest req;
  req.prefix = "犬";
  req.k = 0;
  CHECK(shop.db->Suggest(req).status().code() == StatusCode::kInvalidArgument);
  req.k = 101;
  CHECK(shop.db->Suggest(req).status().code() == StatusCode::kInvalidArgument);
  req.k = 5;
  req.prefix = std::string(300, 'a');
  CHECK(shop.db->Suggest(req).status().code() == StatusCode::kInvalidArgument);
  req.prefix = "\xff\xfe";
  CHECK(shop.db->Suggest(req).status().code() == StatusCode::kInvalidArgument);
  CHECK(shop.Suggest("").empty());
  CHECK(shop.Suggest("   ").empty());
  CHECK(shop.Suggest("zzzzqq").empty());
}

TEST_CASE("saiki suggest prints one completion per line, or JSON", "[suggest][cli]") {
  TempDir dir;
  WriteFile(dir.File("s.csv"), kCsv);
  const std::string db = "--db " + Quote(dir.File("c.saiki"));
  REQUIRE(RunCli(db + " index " + Quote(dir.File("s.csv"))).exit_code == 0);
  auto r = RunCli(db + " suggest いぬ");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("犬用\n") != std::string::npos);
  auto j = RunCli(db + " suggest --json -k 2 ドッ");
  REQUIRE(j.exit_code == 0);
  auto parsed = nlohmann::json::parse(j.out);
  REQUIRE(parsed["suggestions"].size() == 2);
  CHECK(parsed["suggestions"][0]["text"] == "ドッグフード");
  CHECK(parsed["suggestions"][0]["source"] == "word");
  CHECK(RunCli(db + " suggest -k 0 いぬ").exit_code != 0);
}

}  // namespace
}  // namespace saiki
