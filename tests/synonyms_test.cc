// Synonyms out of the box (issue 13 item 2): the built-in SudachiDict
// variant groups, the setting that turns them off, and `synonyms load`
// (saiki's format and SudachiDict's), `add` and `list`.
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "engine/synonyms.h"
#include "index/analyzer.h"
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

void Import(Database* db, const std::string& rows) {
  std::istringstream in(std::string(kHeader) + rows);
  auto r = db->ImportCsv(in, "syn.csv", {});
  INFO(r.status().ToString());
  REQUIRE(r.ok());
}

std::set<std::string> Ids(Database* db, const std::string& query) {
  SearchRequest req;
  req.query = query;
  req.k = 100;
  auto r = db->Search(req);
  INFO(query << ": " << r.status().ToString());
  REQUIRE(r.ok());
  std::set<std::string> ids;
  for (const auto& h : r->hits) ids.insert(h.id);
  return ids;
}

const index::Analyzer& TheAnalyzer() {
  static auto a = index::Analyzer::Create();
  REQUIRE(a.ok());
  return **a;
}

std::vector<engine::SynonymGroup> Parse(const std::string& text) {
  std::vector<engine::SynonymGroup> groups;
  Status s = engine::ParseSynonyms(text, "t.txt", TheAnalyzer(), &groups);
  INFO(s.ToString());
  REQUIRE(s.ok());
  return groups;
}

TEST_CASE("SudachiDict lines give one group per lexeme's spellings, not per synonym group",
          "[synonyms]") {
  // Group 000003 of the real file, abridged: lexeme 1 has three spellings,
  // lexeme 9 two and an alphabetic one; lexeme 10 a flag-1 spelling; 2 is
  // a different word (not a variant) with one spelling.
  auto groups = Parse(
      "\n000003,1,0,1,0,0,0,(),粗筋,,\n"
      "000003,1,0,1,0,0,2,(),あらすじ,,\n"
      "000003,1,0,1,0,0,2,(),荒筋,,\n"
      "000003,1,0,2,0,0,0,(),概略,,\n"
      "000003,1,0,9,0,0,0,(),サマリー,,\n"
      "000003,1,0,9,0,0,2,(),サマリ,,\n"
      "000003,1,0,9,0,0,1,(),summary,,\n"
      "000003,1,0,10,0,0,0,(),レジュメ,,\n"
      "000003,1,1,10,0,0,1,(),resume,,\n"
      "000003,1,0,11,1,0,0,(),abstract,,\n"  // a translation (column 4 = 1): not a variant
      "000003,1,2,12,0,0,0,(),大要,,\n"      // flag 2: never expanded
      "000003,1,2,12,0,0,2,(),だいよう,,\n"
      "\n000004,1,0,1,0,0,0,(),ドアロック,,\n"
      "000004,1,0,1,0,0,1,(),door lock,,\n");  // two words: left out
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].terms == std::vector<std::string>{"粗筋", "アラスジ", "荒筋"});
  CHECK(groups[0].triggers == 3);
  // サマリー normalizes to サマリ: one term, with summary.
  CHECK(groups[1].terms == std::vector<std::string>{"サマリ", "summary"});
  CHECK(groups[2].terms == std::vector<std::string>{"レジュメ", "resume"});
  CHECK(groups[2].triggers == 1);  // resume (flag 1) is only expanded to

  engine::SynonymMap map;
  engine::AddGroupsToMap(groups, &map);
  CHECK(map.at("レジュメ") == std::vector<std::string>{"resume"});
  CHECK(map.count("resume") == 0);
  CHECK(map.count("概略") == 0);
  CHECK(map.at("アラスジ") == std::vector<std::string>{"粗筋", "荒筋"});
}

TEST_CASE("bad synonym files are refused naming the line", "[synonyms]") {
  std::vector<engine::SynonymGroup> groups;
  Status s = engine::ParseSynonyms("犬 いぬ\n猫\n", "f.txt", TheAnalyzer(), &groups);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("f.txt line 2") != std::string::npos);
  groups.clear();
  s = engine::ParseSynonyms("000001,1,0,1,0,0,0,(),曖昧,,\nnot sudachi\n", "g.txt",
                            TheAnalyzer(), &groups);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("g.txt line 2") != std::string::npos);
  groups.clear();
  s = engine::ParseSynonyms("000001,1,0,1\n", "h.txt", TheAnalyzer(), &groups);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("h.txt line 1") != std::string::npos);
}

TEST_CASE("the embedded blob is the shipped SudachiDict file's variant groups, normalized",
          "[synonyms]") {
  auto groups = Parse(testing::ReadFile(SourcePath("datasets/sudachi-synonyms/synonyms.txt")));
  CHECK(groups.size() > 10000);
  CHECK(engine::EncodeBuiltinSynonyms(groups) == engine::BuiltinSynonymsBlob());
  auto has = [&](const std::string& a, const std::string& b) {
    std::vector<std::string> alts;
    if (!engine::LookupBuiltinSynonyms(TheAnalyzer().Normalize(a), &alts)) return false;
    const std::string nb = TheAnalyzer().Normalize(b);
    return std::find(alts.begin(), alts.end(), nb) != alts.end();
  };
  CHECK(has("子供", "子ども"));
  CHECK(has("子ども", "子供"));
  CHECK(has("Tシャツ", "ティーシャツ"));
  CHECK(has("付近", "附近"));
  CHECK_FALSE(has("曖昧", "不明確"));  // synonyms of one group, not spellings of one word
}

TEST_CASE("the built-in lookup finds every line of the blob and nothing else", "[synonyms]") {
  const auto lines = engine::BuiltinSynonymLines();
  REQUIRE(lines.size() > 10000);
  std::vector<std::string> alts;
  for (const auto& line : lines) {
    REQUIRE(line.size() >= 2);
    alts.clear();
    INFO(line[0]);
    REQUIRE(engine::LookupBuiltinSynonyms(line[0], &alts));
    CHECK(alts == std::vector<std::string>(line.begin() + 1, line.end()));
    // A term between this one and the next is absent.
    CHECK_FALSE(engine::LookupBuiltinSynonyms(line[0] + "\x01", &alts));
  }
  CHECK_FALSE(engine::LookupBuiltinSynonyms("", &alts));
  CHECK_FALSE(engine::LookupBuiltinSynonyms("\xF4\x8F\xBF\xBF", &alts));
  CHECK_FALSE(engine::LookupBuiltinSynonyms("\x01", &alts));
}

TEST_CASE("a new database uses the built-in variants until synonyms is mine or off",
          "[synonyms]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("s.saiki"));
  Import(db.get(),
         "k1,子ども用 レインコート,,,,,,,\n"
         "k2,子供用 長靴,,,,,,,\n"
         "t1,ティーシャツ 白,,,,,,,\n");
  CHECK(Ids(db.get(), "子供") == std::set<std::string>{"k1", "k2"});
  CHECK(Ids(db.get(), "子ども") == std::set<std::string>{"k1", "k2"});
  CHECK(Ids(db.get(), "Tシャツ") == std::set<std::string>{"t1"});
  // Hiragana folds to katakana and readings reach kanji: こども finds 子供
  // without any group.
  CHECK(Ids(db.get(), "こども").count("k2") == 1);

  REQUIRE(db->SetSetting("synonyms", "mine").ok());
  CHECK(Ids(db.get(), "子ども") == std::set<std::string>{"k1"});
  REQUIRE(db->AddSynonyms({"子ども", "子供"}).ok());
  CHECK(Ids(db.get(), "子ども") == std::set<std::string>{"k1", "k2"});
  REQUIRE(db->SetSetting("synonyms", "off").ok());
  CHECK(Ids(db.get(), "子ども") == std::set<std::string>{"k1"});
  CHECK(db->SetSetting("synonyms", "some").code() == StatusCode::kInvalidArgument);

  // The setting is stored: another handle sees it.
  auto again = OpenOrDie(dir.File("s.saiki"));
  CHECK(*again->GetSetting("synonyms") == "off");
}

TEST_CASE("the database's own groups win over the built-in ones for their terms",
          "[synonyms]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("s.saiki"));
  Import(db.get(),
         "k1,子ども用 レインコート,,,,,,,\n"
         "k2,子供用 長靴,,,,,,,\n"
         "k3,キッズ 長靴,,,,,,,\n");
  REQUIRE(db->AddSynonyms({"子供", "キッズ"}).ok());
  // 子供's own group replaces its built-in one; 子ども keeps the built-in.
  CHECK(Ids(db.get(), "子供") == std::set<std::string>{"k2", "k3"});
  CHECK(Ids(db.get(), "子ども") == std::set<std::string>{"k1", "k2"});
  auto own = db->ListSynonyms();
  REQUIRE(own.ok());
  REQUIRE(own->size() == 1);
  CHECK(std::set<std::string>((*own)[0].begin(), (*own)[0].end()) ==
        std::set<std::string>{"子供", "キッズ"});
  CHECK(db->AddSynonyms({"犬"}).code() == StatusCode::kInvalidArgument);
  CHECK(db->AddSynonyms({"犬", "ｲﾇ", "イヌ"}).ok());  // ｲﾇ and イヌ are one term
  own = db->ListSynonyms();
  REQUIRE(own->size() == 2);
  CHECK((*own)[1].size() == 2);
}

TEST_CASE("synonyms load reads the shipped SudachiDict file, and list prints what load reads",
          "[synonyms][cli]") {
  TempDir dir;
  const std::string db = Quote(dir.File("c.saiki"));
  auto r = RunCli("--db " + db + " synonyms load " +
                  Quote(SourcePath("datasets/sudachi-synonyms/synonyms.txt")));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("loaded ") != std::string::npos);
  r = RunCli("--db " + db + " synonyms list");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("子ドモ 子供") != std::string::npos);  // normalized, sorted as stored
  const size_t lines = static_cast<size_t>(std::count(r.out.begin(), r.out.end(), '\n'));
  CHECK(lines > 10000);
  // What list prints, load reads back to the same groups.
  WriteFile(dir.File("own.txt"), r.out);
  auto r2 = RunCli("--db " + db + " synonyms load " + Quote(dir.File("own.txt")));
  INFO(r2.err);
  REQUIRE(r2.exit_code == 0);
  CHECK(RunCli("--db " + db + " synonyms list").out == r.out);

  auto builtin = RunCli("--db " + db + " synonyms list --builtin");
  REQUIRE(builtin.exit_code == 0);
  CHECK(builtin.err.find("built-in terms with their variants; setting synonyms = on") !=
        std::string::npos);
  CHECK(builtin.out.find("子ドモ 子供\n") != std::string::npos);

  REQUIRE(RunCli("--db " + db + " synonyms off").exit_code == 0);
  CHECK(RunCli("--db " + db + " settings get synonyms").out == "off\n");
  REQUIRE(RunCli("--db " + db + " synonyms add 犬 いぬ ドッグ").exit_code == 0);
  CHECK(RunCli("--db " + db + " synonyms add 犬").exit_code == 3);

  WriteFile(dir.File("bad.txt"), "犬 いぬ\n猫\n");
  auto bad = RunCli("--db " + db + " synonyms load " + Quote(dir.File("bad.txt")));
  CHECK(bad.exit_code == 3);
  CHECK(bad.err.find("line 2") != std::string::npos);
  CHECK(RunCli("--db " + db + " synonyms load " + Quote(dir.File("missing.txt"))).exit_code == 4);
}

}  // namespace
}  // namespace saiki
