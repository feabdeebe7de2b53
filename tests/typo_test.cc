// Typo tolerance (issue 13 item 3): the edit-distance walk over the sorted
// term dictionary against brute force, the budget and scripts, and what a
// search with a typo finds and says.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "index/analyzer.h"
#include "index/typo.h"
#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::Quote;
using testing::RunCli;
using testing::TempDir;
using testing::WriteFile;

// A sorted in-memory dictionary that counts its seeks.
class VectorTerms : public index::SortedTerms {
 public:
  explicit VectorTerms(std::set<std::string> terms) : terms_(std::move(terms)) {}
  Result<std::optional<std::string>> AtLeast(std::string_view key) override {
    auto it = terms_.lower_bound(std::string(key));
    if (it == terms_.end()) return std::optional<std::string>();
    return std::optional<std::string>(*it);
  }
  const std::set<std::string>& terms() const { return terms_; }

 private:
  std::set<std::string> terms_;
};

std::string Word(const std::vector<std::string>& alphabet, std::mt19937& rng, int len) {
  std::string w;
  for (int i = 0; i < len; ++i) w += alphabet[rng() % alphabet.size()];
  return w;
}

TEST_CASE("edit distance counts an adjacent transposition as one edit", "[typo]") {
  auto d = [](const char* a, const char* b) {
    return index::EditDistance(index::DecodeUtf8(a), index::DecodeUtf8(b));
  };
  CHECK(d("ドッグフード", "ドックフード") == 1);
  CHECK(d("ドッグフード", "ドッグフーズ") == 1);
  CHECK(d("ドッグフード", "ドグッフード") == 1);  // transposed
  CHECK(d("shampoo", "shampo") == 1);
  CHECK(d("shampoo", "sahmpo") == 2);
  CHECK(d("abc", "abc") == 0);
}

TEST_CASE("the budget grows with the term's length; only katakana and Latin are corrected",
          "[typo]") {
  CHECK(index::TypoBudget(3) == 0);
  CHECK(index::TypoBudget(4) == 1);
  CHECK(index::TypoBudget(7) == 1);
  CHECK(index::TypoBudget(8) == 2);
  CHECK(index::TypoScriptOf("ドッグフード") == index::TypoScript::kKatakana);
  CHECK(index::TypoScriptOf("shampoo") == index::TypoScript::kLatin);
  CHECK(index::TypoScriptOf("sku-1234") == index::TypoScript::kLatin);
  CHECK(index::TypoScriptOf("犬小屋") == index::TypoScript::kNone);
  CHECK(index::TypoScriptOf("犬フード") == index::TypoScript::kNone);
  CHECK(index::TypoScriptOf("tシャツ") == index::TypoScript::kNone);
  CHECK(index::TypoScriptOf("ーーーー") == index::TypoScript::kNone);
  CHECK(index::TypoScriptOf("") == index::TypoScript::kNone);
}

TEST_CASE("the typo walk finds exactly the words brute force finds, without a scan",
          "[typo]") {
  std::mt19937 rng(Catch::rngSeed());
  INFO("seed " << Catch::rngSeed());
  const std::vector<std::string> kana = {"ア", "イ", "カ", "ッ", "グ", "ク", "ド", "ー", "フ"};
  const std::vector<std::string> latin = {"a", "b", "o", "s", "1", "-"};
  std::set<std::string> dict;
  std::vector<std::string> kana_words, latin_words;
  for (int i = 0; i < 3000; ++i) {
    std::string k = Word(kana, rng, 2 + static_cast<int>(rng() % 8));
    std::string l = Word(latin, rng, 2 + static_cast<int>(rng() % 8));
    dict.insert(std::string(1, index::kWordPrefix) + k);
    dict.insert(l);
    kana_words.push_back(k);
    latin_words.push_back(l);
  }
  // Terms the walk must not return: kanji words, other prefixes, n-grams
  // under the word prefix with other scripts.
  dict.insert(std::string(1, index::kWordPrefix) + "犬用");
  dict.insert("\x02" "bドッグフード");
  dict.insert("\x03" "ドッグフード");
  dict.insert("ドッグフード");  // a plain (n-gram) term: not a word
  VectorTerms terms(dict);

  auto brute = [&](const std::string& q, index::TypoScript script) {
    std::set<std::string> out;
    const int budget = index::TypoBudget(index::DecodeUtf8(q).size());
    for (const std::string& t : terms.terms()) {
      std::string word;
      if (script == index::TypoScript::kKatakana) {
        if (t.empty() || t[0] != index::kWordPrefix) continue;
        word = t.substr(1);
      } else {
        word = t;
      }
      if (index::TypoScriptOf(word) != script) continue;
      if (index::DecodeUtf8(word)[0] != index::DecodeUtf8(q)[0]) continue;  // first letter as typed
      const int d = index::EditDistance(index::DecodeUtf8(q), index::DecodeUtf8(word));
      if (d >= 1 && d <= budget) out.insert(word);
    }
    return out;
  };
  for (int i = 0; i < 60; ++i) {
    const bool k = i % 2 == 0;
    // Half the queries are dictionary words with an edit, half random.
    std::string q = k ? kana_words[rng() % kana_words.size()] : latin_words[rng() % latin_words.size()];
    if (i % 4 < 2) q = Word(k ? kana : latin, rng, 4 + static_cast<int>(rng() % 6));
    const index::TypoScript script = index::TypoScriptOf(q);
    if (script == index::TypoScript::kNone) continue;
    index::TypoWalkStats stats;
    auto found = index::FindTypoMatches(q, &terms, &stats);
    REQUIRE(found.ok());
    std::set<std::string> got;
    for (const auto& m : *found) {
      got.insert(m.word);
      CHECK(m.distance == index::EditDistance(index::DecodeUtf8(q), index::DecodeUtf8(m.word)));
    }
    INFO("query " << q);
    CHECK_FALSE(stats.truncated);
    CHECK(got == brute(q, script));
    // The walk visits the prefixes near the query, not the dictionary.
    CHECK(stats.seeks < dict.size());
  }
}

TEST_CASE("the walk stops at its seek bound and says so", "[typo]") {
  std::set<std::string> dict;
  for (char a = 'a'; a <= 'z'; ++a) {
    for (char b = 'a'; b <= 'z'; ++b) dict.insert(std::string("ab") + a + b + "xy");
  }
  VectorTerms terms(dict);
  index::TypoWalkStats stats;
  auto found = index::FindTypoMatches("abcdxy", &terms, &stats, /*max_seeks=*/10);
  REQUIRE(found.ok());
  CHECK(stats.truncated);
  CHECK(stats.seeks <= 10);
}

const char* kHeader = "id,title,description,brand,category,price,rating,review_count,tags\n";

std::unique_ptr<Database> Shop(const TempDir& dir) {
  auto db = Database::Open(dir.File("t.saiki"));
  REQUIRE(db.ok());
  std::string csv = kHeader;
  for (int i = 0; i < 6; ++i) {
    csv += "f" + std::to_string(i) + ",国産 ドッグフード チキン " + std::to_string(i) + "kg,,,,,,,\n";
  }
  csv += "c1,キャットフード まぐろ,,,,,,,\n";
  csv += "x1,ドックフード 表記の商品,,,,,,,\n";  // the typo, written as such once
  csv += "s1,shampoo for dogs,,,,,,,\n";
  csv += "s2,dog shampoo mild,,,,,,,\n";
  csv += "s3,shampoo and rinse,,,,,,,\n";
  csv += "k1,犬小屋 木製,,,,,,,\n";
  std::istringstream in(csv);
  auto r = (*db)->ImportCsv(in, "t.csv", {});
  REQUIRE(r.ok());
  return std::move(db).value();
}

SearchResponse Find(Database* db, const std::string& q) {
  SearchRequest req;
  req.query = q;
  req.k = 50;
  auto r = db->Search(req);
  INFO(q << ": " << r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

std::set<std::string> Ids(const SearchResponse& r) {
  std::set<std::string> ids;
  for (const auto& h : r.hits) ids.insert(h.id);
  return ids;
}

TEST_CASE("a rare katakana term also finds the common word one edit away, below itself",
          "[typo]") {
  TempDir dir;
  auto db = Shop(dir);
  SearchResponse r = Find(db.get(), "ドックフード");
  CHECK(r.total == 7);
  REQUIRE_FALSE(r.hits.empty());
  CHECK(r.hits[0].id == "x1");  // the text as typed first
  REQUIRE(r.typos.size() == 1);
  CHECK(r.typos[0].term == "ドックフード");
  CHECK(r.typos[0].corrections == std::vector<std::string>{"ドッグフード"});
  CHECK(r.did_you_mean == "ドッグフード");
  CHECK(r.notice.find("ドッグフード") != std::string::npos);
  // A substitution at the end, and a transposition.
  CHECK(Ids(Find(db.get(), "ドッグフーズ")).count("f3") == 1);
  CHECK(Ids(Find(db.get(), "ドグッフード")).count("f3") == 1);
  // Latin: shampoo is in three products, shampo in none.
  SearchResponse s = Find(db.get(), "shampo");
  CHECK(Ids(s) == std::set<std::string>{"s1", "s2", "s3"});
  CHECK(s.did_you_mean == "shampoo");
  // With another term: the corrected query matches every term.
  SearchResponse both = Find(db.get(), "shampo dog");
  CHECK_FALSE(both.partial);
  CHECK(Ids(both) == std::set<std::string>{"s2"});
}

TEST_CASE("facets of a corrected search count its match set once, and the correction is "
          "highlighted",
          "[typo][facets][highlight]") {
  TempDir dir;
  auto db = Shop(dir);
  SearchRequest req;
  req.query = "ドックフード";
  req.k = 50;
  req.facets = {FacetField::kPrice, FacetField::kBrand};
  req.highlight = true;
  auto r = db->Search(req);
  REQUIRE(r.ok());
  REQUIRE(r->typos.size() == 1);
  REQUIRE(r->facets.size() == 2);
  // Every match falls in one price range or has no price: the ranges and
  // the missing count add up to the total (the first, uncorrected search's
  // matches are not counted again).
  uint64_t priced = r->facets[0].missing;
  for (const PriceBucket& b : r->facets[0].buckets) priced += b.count;
  CHECK(priced == r->total);
  uint64_t branded = r->facets[1].missing;
  for (const FacetValue& v : r->facets[1].values) branded += v.count;
  CHECK(branded <= r->total);
  // A product found only through the correction has it marked.
  bool marked = false;
  for (const SearchHit& h : r->hits) {
    if (!h.highlight) continue;
    for (const auto& [begin, end] : h.highlight->title.marks) {
      marked |= h.highlight->title.text.substr(begin, end - begin) == "ドッグフード";
    }
  }
  CHECK(marked);
}

TEST_CASE("common terms, short terms, kanji, phrases and typo off are not corrected",
          "[typo]") {
  TempDir dir;
  auto db = Shop(dir);
  // ドッグフード is common: nothing corrected, キャットフード not added.
  SearchResponse common = Find(db.get(), "ドッグフード");
  CHECK(common.typos.empty());
  CHECK(Ids(common).count("c1") == 0);
  CHECK(Find(db.get(), "ドック").typos.empty());       // 3 characters: no budget
  CHECK(Find(db.get(), "犬小室").typos.empty());       // kanji
  CHECK(Find(db.get(), "\"ドックフード\"").typos.empty());  // quoted: as written
  REQUIRE(db->SetSetting("typo", "off").ok());
  SearchResponse off = Find(db.get(), "ドックフード");
  CHECK(off.typos.empty());
  CHECK(Ids(off) == std::set<std::string>{"x1"});
  CHECK(off.did_you_mean.empty());
}

TEST_CASE("the CLI says which words a typo also found, and --json has did_you_mean",
          "[typo][cli]") {
  TempDir dir;
  std::string csv = kHeader;
  for (int i = 0; i < 4; ++i) csv += "f" + std::to_string(i) + ",ドッグフード " + std::to_string(i) + ",,,,,,,\n";
  WriteFile(dir.File("p.csv"), csv);
  const std::string db = "--db " + Quote(dir.File("c.saiki"));
  REQUIRE(RunCli(db + " index " + Quote(dir.File("p.csv"))).exit_code == 0);
  auto table = RunCli(db + " search ドックフード");
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("4 products match") != std::string::npos);
  CHECK(table.err.find("ドッグフード") != std::string::npos);
  auto json = RunCli(db + " search --json ドックフード");
  REQUIRE(json.exit_code == 0);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["did_you_mean"] == "ドッグフード");
  CHECK(j["typos"][0]["term"] == "ドックフード");
  CHECK(j["total"] == 4);
}

}  // namespace
}  // namespace saiki
