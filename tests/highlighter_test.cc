// Highlighting (issue 13 item 7): marks land on the original characters
// whatever their width or kana, readings mark whole kanji words, Latin
// words are not marked inside others, snippets hold the best passage, the
// JSON is HTML-escaped, and the CLI colours marks only on a terminal.
#include "index/highlighter.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bindings/json/json_encoder.h"
#include "index/analyzer.h"
#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using index::Highlighter;
using index::MarkedText;
using index::MatchTerms;
using testing::Quote;
using testing::RunCli;
using testing::SourcePath;
using testing::TempDir;

struct Fixture {
  std::unique_ptr<index::Analyzer> analyzer;
  std::unique_ptr<Highlighter> highlighter;
  Fixture() {
    auto a = index::Analyzer::Create();
    REQUIRE(a.ok());
    analyzer = std::move(a).value();
    auto h = Highlighter::Create(analyzer.get());
    REQUIRE(h.ok());
    highlighter = std::move(h).value();
  }
  // The marked substrings of `text` for query terms `query` (normalised as
  // the engine does), and readings.
  std::vector<std::string> Marked(const std::string& text, std::vector<std::string> query,
                                  std::vector<std::string> readings = {}) {
    MatchTerms terms;
    for (const auto& q : query) terms.texts.push_back(analyzer->Normalize(q));
    terms.readings = std::move(readings);
    MarkedText m = highlighter->Mark(text, terms);
    std::vector<std::string> out;
    for (const auto& [b, e] : m.marks) {
      REQUIRE(b < e);
      REQUIRE(e <= m.text.size());
      out.push_back(m.text.substr(b, e - b));
    }
    return out;
  }
};

using V = std::vector<std::string>;

TEST_CASE("Marks land on the original characters of full-width, half-width and kana forms",
          "[highlight]") {
  Fixture f;
  CHECK(f.Marked("ＤＯＧ用 ベッド", {"dog"}) == V{"ＤＯＧ"});
  CHECK(f.Marked("Dog bed", {"ＤＯＧ"}) == V{"Dog"});
  CHECK(f.Marked("ｲﾇ用ｸﾞｯｽﾞ", {"いぬ"}) == V{"ｲﾇ"});
  CHECK(f.Marked("ｲﾇ用ｸﾞｯｽﾞ", {"グッズ"}) == V{"ｸﾞｯｽﾞ"});  // a voiced mark stays with its letter
  CHECK(f.Marked("いぬのおやつ", {"イヌ"}) == V{"いぬ"});
  CHECK(f.Marked("犬用ベッド 犬小屋", {"犬"}) == V{"犬", "犬"});
  // Adjacent matches of two terms are one mark.
  CHECK(f.Marked("犬用ベッド", {"犬", "用"}) == V{"犬用"});
  // ㌔ normalises to キロ: a match inside it marks it whole.
  CHECK(f.Marked("お米 5㌔", {"キロ"}) == V{"㌔"});
}

TEST_CASE("Long-vowel variants are marked as the index matched them", "[highlight]") {
  Fixture f;
  // サーバー and サーバ meet (the analyzer drops a long word's last ー): the
  // mark covers the word's ー too.
  CHECK(f.Marked("コーヒーサーバー 600ml", {"サーバー"}) == V{"サーバー"});
  CHECK(f.Marked("コーヒーサーバー 600ml", {"サーバ"}) == V{"サーバー"});
  // A half-width long vowel, and a dash after katakana, are ー.
  CHECK(f.Marked("ｺｰﾋｰ豆", {"コーヒー"}) == V{"ｺｰﾋｰ"});
  CHECK(f.Marked("ｺｰﾋ-豆", {"コーヒー"}) == V{"ｺｰﾋ-"});
  // A dash elsewhere is not.
  CHECK(f.Marked("セット-A", {"セット"}) == V{"セット"});
}

TEST_CASE("Latin words and numbers are not marked inside longer ones", "[highlight]") {
  Fixture f;
  CHECK(f.Marked("hotdog dog-bed", {"dog"}) == V{"dog"});
  CHECK(f.Marked("1500円 500円", {"500"}) == V{"500"});
  CHECK(f.Marked("2.5kg", {"kg"}) == V{"kg"});
}

TEST_CASE("Readings mark whole kanji words read that way, never one kanji by its sound",
          "[highlight]") {
  Fixture f;
  CHECK(f.Marked("犬用ベッド", {}, {"イヌ"}) == V{"犬"});
  CHECK(f.Marked("学校の机と紅茶", {}, {"コウチャ"}) == V{"紅茶"});
  CHECK(f.Marked("見本の写真", {}, {"ケン"}).empty());
}

TEST_CASE("Stored text is made displayable: HTML to text, whitespace to single spaces",
          "[highlight]") {
  CHECK(Highlighter::Displayable("<p>犬&amp;猫</p>\n<br>ベッド\t ") == "犬&猫 ベッド");
  CHECK(Highlighter::Displayable("a\x01\x02"
                                 "b") == "a b");
  CHECK(Highlighter::Displayable(std::string("x\xff"
                                             "y")) == "x\xEF\xBF\xBDy");
}

TEST_CASE("A snippet holds the passage with the most distinct marked terms", "[highlight]") {
  Fixture f;
  std::string filler;
  for (int i = 0; i < 30; ++i) filler += "とても丈夫で長持ちします。";
  std::string text = "犬用です。" + filler + "犬と猫のベッドです。" + filler;
  MatchTerms terms;
  terms.texts = {"犬", "猫"};
  MarkedText all = f.highlighter->Mark(text, terms);
  REQUIRE(all.marks.size() == 3);
  MarkedText s = Highlighter::Snippet(all, 40);
  // The second passage has both terms: it wins over the first.
  CHECK_THAT(s.text, Catch::StartsWith("\u2026"));
  CHECK_THAT(s.text, Catch::EndsWith("\u2026"));
  CHECK_THAT(s.text, Catch::Contains("犬と猫のベッド"));
  REQUIRE(s.marks.size() == 2);
  CHECK(s.text.substr(s.marks[0].first, s.marks[0].second - s.marks[0].first) == "犬");
  CHECK(s.text.substr(s.marks[1].first, s.marks[1].second - s.marks[1].first) == "猫");
  // 40 characters and the two ellipses.
  size_t chars = 0;
  for (unsigned char c : s.text) chars += (c & 0xC0) != 0x80;
  CHECK(chars == 42);
  // A text that fits is whole.
  MarkedText short_text = f.highlighter->Mark("犬のベッド", terms);
  CHECK(Highlighter::Snippet(short_text, 40).text == "犬のベッド");
}

TEST_CASE("Highlighted JSON escapes the text around the marks", "[highlight][json]") {
  HighlightedText h;
  h.text = "<b>犬</b> & \"猫\" 's";
  h.marks = {{3, 6}, {14, 17}};
  CHECK(json::MarkedHtml(h) ==
        "&lt;b&gt;<mark>犬</mark>&lt;/b&gt; &amp; &quot;<mark>猫</mark>&quot; &#39;s");
}

TEST_CASE("A highlighted search marks titles and description snippets, readings included",
          "[highlight]") {
  TempDir dir;
  auto opened = Database::Open(dir.File("h.saiki"));
  REQUIRE(opened.ok());
  auto db = std::move(opened).value();
  std::istringstream in(
      "id,title,description\n"
      "a,犬用ベッド ふかふか,<p>寒い日も<b>犬</b>が喜ぶベッドです。</p>\n"
      "b,猫用ベッド,猫のためのベッド。\n");
  REQUIRE(db->ImportCsv(in, "h.csv", ImportOptions()).ok());
  SearchRequest req;
  req.query = "いぬ ベッド";
  req.highlight = true;
  auto r = db->Search(req);
  REQUIRE(r.ok());
  REQUIRE(r->hits.size() >= 1);
  const SearchHit& hit = r->hits[0];
  CHECK(hit.id == "a");
  REQUIRE(hit.highlight);
  auto html = [](const HighlightedText& t) { return json::MarkedHtml(t); };
  CHECK(html(hit.highlight->title) == "<mark>犬</mark>用<mark>ベッド</mark> ふかふか");
  CHECK(html(hit.highlight->description) ==
        "寒い日も<mark>犬</mark>が喜ぶ<mark>ベッド</mark>です。");
  // Without the option there is nothing.
  req.highlight = false;
  auto plain = db->Search(req);
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->hits[0].highlight);
  // Exclusions are not marked.
  req.highlight = true;
  req.query = "ベッド -猫";
  auto excluded = db->Search(req);
  REQUIRE(excluded.ok());
  REQUIRE(excluded->hits.size() == 1);
  CHECK(html(excluded->hits[0].highlight->title) == "犬用<mark>ベッド</mark> ふかふか");
  req.snippet_chars = 5;
  CHECK_FALSE(db->Search(req).ok());
}

TEST_CASE("saiki search --highlight: <mark> in JSON, colour only on a terminal",
          "[highlight][cli]") {
  TempDir dir;
  const std::string db = "--db " + Quote(dir.File("c.saiki")) + " ";
  REQUIRE(RunCli(db + "index " + Quote(SourcePath("datasets/catalog.csv"))).exit_code == 0);
  auto res = RunCli(db + "search ドッグ --highlight --json -k 3");
  INFO(res.err);
  REQUIRE(res.exit_code == 0);
  auto j = nlohmann::json::parse(res.out);
  REQUIRE(j["results"].size() == 3);
  for (const auto& hit : j["results"]) {
    CHECK_THAT(hit["highlight"]["title"].get<std::string>(), Catch::Contains("<mark>"));
    CHECK(hit["highlight"].contains("description"));
  }
  // Piped: the table has no escape sequences.
  auto piped = RunCli(db + "search ドッグ --highlight -k 3");
  REQUIRE(piped.exit_code == 0);
  CHECK(piped.out.find('\x1b') == std::string::npos);
  // On a terminal (script(1) gives the CLI one): bold yellow marks, unless
  // NO_COLOR is set.
  const std::string cli = SAIKI_CLI_PATH;
  auto on_tty = [&](const std::string& env) {
    std::string cmd = env + " " + Quote(cli) + " " + db + "search ドッグ --highlight -k 3";
    std::string shell = "script -qec " + Quote(cmd) + " /dev/null </dev/null";
    FILE* p = popen(shell.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    CHECK(pclose(p) == 0);
    return out;
  };
  std::string colored = on_tty("");
  CHECK_THAT(colored, Catch::Contains("\x1b[1;33m"));
  std::string no_color = on_tty("NO_COLOR=1");
  CHECK_THAT(no_color, Catch::Contains("ドッグ"));
  CHECK(no_color.find("\x1b[1;33m") == std::string::npos);
}

}  // namespace
}  // namespace saiki
