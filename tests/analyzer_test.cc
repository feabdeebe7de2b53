// Tests of the text analyzer (index/analyzer.h): normalization, the token
// kinds and their positions, and the property the index relies on, that a
// query term cut from a document's normalized text finds that document. The
// property tests draw random inputs from a seed printed on failure; rerun
// with `--rng-seed <seed>` to reproduce one.
#include "index/analyzer.h"
#include "index/segment_builder.h"
#include "tests/whitespace_analyzer.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <new>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace saiki::index {
namespace {

const Analyzer& A() {
  static std::unique_ptr<Analyzer> analyzer = [] {
    auto created = Analyzer::Create();
    REQUIRE(created.ok());
    return std::move(created).value();
  }();
  return *analyzer;
}

std::string W(const std::string& word) { return std::string(1, kWordPrefix) + word; }

std::vector<Token> Index(const std::string& text, uint32_t first = 0) {
  std::vector<Token> out;
  A().AnalyzeForIndex(text, first, &out);
  return out;
}

// "text@pos" for every token, dictionary words as "W:text@pos", in order.
std::vector<std::string> Show(const std::vector<Token>& tokens) {
  std::vector<std::string> r;
  for (const Token& t : tokens) {
    std::string text = !t.text.empty() && t.text[0] == kWordPrefix ? "W:" + t.text.substr(1) : t.text;
    r.push_back(text + "@" + std::to_string(t.position));
  }
  return r;
}

bool Has(const std::vector<Token>& tokens, const std::string& text, uint32_t position) {
  return std::any_of(tokens.begin(), tokens.end(),
                     [&](const Token& t) { return t.text == text && t.position == position; });
}

bool HasText(const std::vector<Token>& tokens, const std::string& text) {
  return std::any_of(tokens.begin(), tokens.end(), [&](const Token& t) { return t.text == text; });
}

// Whether the plan's phrase occurs in the tokens at some offset, the way the
// index matches a term against one field.
bool PhraseIn(const std::vector<Token>& phrase, const std::vector<Token>& doc) {
  if (phrase.empty()) return false;
  std::set<std::pair<std::string, uint32_t>> have;
  for (const Token& t : doc) have.emplace(t.text, t.position);
  for (const Token& start : doc) {
    if (start.text != phrase[0].text || start.position < phrase[0].position) continue;
    uint32_t offset = start.position - phrase[0].position;
    bool all = std::all_of(phrase.begin(), phrase.end(), [&](const Token& t) {
      return have.count({t.text, offset + t.position}) > 0;
    });
    if (all) return true;
  }
  return false;
}

bool Finds(const std::string& query, const std::string& doc) {
  return PhraseIn(A().AnalyzeQueryTerm(query).phrase, Index(doc));
}

bool ValidUtf8(const std::string& s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    UChar32 c;
    U8_NEXT(p, i, s.size(), c);
    if (c < 0) return false;
  }
  return true;
}

// Printable form of arbitrary bytes for failure messages.
std::string Escape(const std::string& s) {
  std::string r;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    UChar32 c;
    U8_NEXT(p, i, s.size(), c);
    if (c < 0 || c < 0x20) {
      for (size_t k = start; k < i; ++k) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02X", p[k]);
        r += buf;
      }
    } else {
      r.append(s, start, i - start);
    }
  }
  return r;
}

uint32_t Seed() {
  uint32_t seed = Catch::rngSeed();
  return seed != 0 ? seed : std::random_device()();
}

// Product-title-like strings mixing kanji, katakana (full and half width),
// hiragana, digits, Latin, number chains and decoration.
const std::vector<std::string>& Titles() {
  static const std::vector<std::string> titles = {
      "【送料無料】国産ドッグフード 小型犬用 チキン味 2.5kg",
      "ペティオ 犬用おやつ ササミジャーキー 500g ×3個セット",
      "ｻｰﾊﾞｰﾗｯｸ 19インチ 42U SKU-123 ブラック",
      "iPhone15 対応 ケース 手帳型 レザー調 全5色",
      "猫砂 紙製 7L×4袋 ひのき配合 消臭 ★人気★",
      "ＵＳＢ　Ｔｙｐｅ－Ｃ ケーブル １ｍ 急速充電 PD対応",
      "キャットフード 成猫用 まぐろ＆かつお 1,980円（税込）",
      "東京都 京都府 大阪府 限定 3月発売 13個入り",
      "ペット用ベッド Ｍサイズ ふわふわ～洗える/丸洗いOK",
      "マットレス シングル 高反発 厚さ10cm A4サイズ対応",
      "コーヒーメーカー ｺｰﾋｰ豆 200g ドリップ－バッグ 5個",
      "金魚の餌 浮上性 30g 3ヶ月分 々",
      "サーバー サーバ メモリー 16GB DDR4-3200 ｻｰﾊﾞｰ用",
      "愛犬 子犬 老犬 犬用品 わんちゃん 2個 12個 〆切",
      "ワ〜イ！ボ‐ル ボ—ル ボ─ル ｶﾞｰﾃﾞﾝﾎｰｽ 10m",
      "Organic dog food, grain-free! Lサイズ×2 e.g. don't",
  };
  return titles;
}

// Pieces for random strings: characters the normalizer treats specially,
// invalid UTF-8, and ordinary text.
const std::vector<std::string>& Pieces() {
  static const std::vector<std::string> pieces = {
      "犬", "猫", "東", "京", "都", "用", "品", "々", "ヶ", "〆", "ア", "イ", "サ", "バ", "ワ",
      "ヰ", "ー", "ｰ", "ｶ", "ﾞ", "ﾟ", "ﾊ", "い", "ぬ", "わ", "ゝ", "ゞ", "\u3099", "\u309A",
      "゛", "－", "‐", "‑", "—", "─", "~", "～", "〜", "-", "・", "1", "２", "3", ".", ",",
      "kg", "ML", "a", "SKU", "é", "ß", "_", " ", "　", "【", "】", "★", "/", "\xFF", "\xE3\x81",
      "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", std::string(1, '\0'), "\u00AD",
      "\u200B", "㍻", "①", "ｲﾇ", "ＤＯＧ", "ﬁ", "\U0001B001", "\U00020B9F"};
  return pieces;
}

std::string RandomString(std::mt19937& rng, int max_pieces) {
  const auto& pieces = Pieces();
  std::uniform_int_distribution<int> count(0, max_pieces);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::string s;
  for (int n = count(rng); n > 0; --n) s += pieces[pick(rng)];
  return s;
}

TEST_CASE("Full-width and upper-case Latin give the same tokens as ASCII", "[analyzer]") {
  CHECK(A().Normalize("ＤＯＧ") == "dog");
  CHECK(Show(Index("ＤＯＧ")) == Show(Index("dog")));
  CHECK(Show(Index("DOG Food")) == Show(Index("dog food")));
  CHECK(Finds("ＤＯＧ", "dog food"));
}

TEST_CASE("Half-width katakana, katakana and hiragana give the same tokens", "[analyzer]") {
  CHECK(A().Normalize("ｲﾇ") == "イヌ");
  CHECK(A().Normalize("いぬ") == "イヌ");
  CHECK(A().Normalize("ｶﾞｰﾃﾞﾝ") == "ガーデン");  // voiced marks compose
  CHECK(Show(Index("ｲﾇ")) == Show(Index("イヌ")));
  CHECK(Show(Index("いぬ")) == Show(Index("イヌ")));
  CHECK(Finds("いぬ", "ｲﾇ用ベッド"));
}

TEST_CASE("Full-width digits and spaces fold to ASCII", "[analyzer]") {
  CHECK(A().Normalize("１２３　ｍｌ") == "123 ml");
  CHECK(Show(Index("５００ｍｌ　ボトル")) == Show(Index("500ml ボトル")));
}

TEST_CASE("Normalize is idempotent and yields valid UTF-8 on random input", "[analyzer]") {
  const uint32_t seed = Seed();
  INFO("seed " << seed << " (rerun with --rng-seed " << seed << ")");
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string s = RandomString(rng, 24);
    if (iter % 4 == 0) {  // some raw random bytes too
      for (int k = byte(rng) % 16; k > 0; --k) s.push_back(static_cast<char>(byte(rng)));
    }
    std::string once = A().Normalize(s);
    std::string twice = A().Normalize(once);
    INFO("input " << Escape(s) << "\nonce  " << Escape(once) << "\ntwice " << Escape(twice));
    REQUIRE(ValidUtf8(once));
    REQUIRE(once == twice);
    // Analysis of the same bytes is safe and well formed as well.
    std::vector<Token> tokens;
    uint32_t next = A().AnalyzeForIndex(s, 7, &tokens);
    for (const Token& t : tokens) {
      REQUIRE(!t.text.empty());
      REQUIRE(ValidUtf8(t.text));
      REQUIRE(t.position >= 7);
      REQUIRE(t.position < next);
    }
  }
}

TEST_CASE("Normalization of specific tricky sequences is stable", "[analyzer]") {
  // わ + combining voiced mark does not compose; after becoming ワ it does.
  CHECK(A().Normalize("わ\u3099") == "ヷ");
  // Soft hyphen and zero-width space are default-ignorable: removed.
  CHECK(A().Normalize("ド\u00ADッグ") == "ドッグ");
  for (const char* s : {"わ\u3099", "サーバーー", "アーーーー", "ーーーー", "ア-~イ", "ア~-1",
                        "カー\u3099", "゛ア", "ｰｰｰｰ"}) {
    std::string once = A().Normalize(s);
    CHECK(A().Normalize(once) == once);
  }
  CHECK(A().Normalize("ーーーー") == "ーーーー");  // no letter: nothing to shorten
  CHECK(A().Normalize("サーバーー") == "サーバ");
}

TEST_CASE("Long-vowel and dash variants after katakana become ー", "[analyzer]") {
  // Between katakana: every variant.
  for (const char* dash : {"ｰ", "－", "‐", "‑", "—", "─", "-", "−", "〜", "～", "~"}) {
    INFO("variant " << dash);
    CHECK(A().Normalize(std::string("ボ") + dash + "ル") == "ボール");
  }
  // After katakana, a dash (not a wave) is a long vowel too.
  CHECK(A().Normalize("ボ-") == "ボー");
  CHECK(A().Normalize("ｺｰﾋ- 200g") == "コーヒ 200g");  // コーヒー, then shortened
  CHECK(A().Normalize("ボ〜") == "ボ〜");              // a wave at the end stays
  CHECK(A().Normalize("新発売～") == "新発売~");
  CHECK(A().Normalize("3〜5個") == "3〜5個");
  // Hyphens between Latin letters and digits, or katakana and Latin, stay.
  CHECK(A().Normalize("SKU-123") == "sku-123");
  CHECK(A().Normalize("type-c") == "type-c");
  CHECK(A().Normalize("セット-A") == "セット-a");
  CHECK(A().Normalize("タイプ-2") == "タイプ-2");
  CHECK(A().Normalize("1-2") == "1-2");
}

TEST_CASE("サーバー and サーバ find each other", "[analyzer]") {
  CHECK(A().Normalize("サーバー") == "サーバ");
  CHECK(A().Normalize("ｻｰﾊﾞｰ") == "サーバ");
  CHECK(A().Normalize("メモリー") == "メモリ");
  CHECK(A().Normalize("コピー") == "コピー");  // three characters: kept
  CHECK(A().Normalize("バー") == "バー");
  CHECK(A().Normalize("サーバーラック") == "サーバーラック");  // not at the end
  CHECK(Finds("サーバー", "サーバ"));
  CHECK(Finds("サーバ", "サーバー"));
  CHECK(Finds("サーバー", "サーバーラック 19インチ"));
  CHECK(Finds("サーバ", "サーバーラック 19インチ"));
  CHECK(Finds("サーバー", "サーバ用メモリー"));
  CHECK(Finds("メモリー", "サーバ用メモリ"));
  // The dictionary word in サーバーラック is stored shortened as well, so a
  // query for either spelling gets the whole-word bonus.
  auto plan = A().AnalyzeQueryTerm("サーバー");
  CHECK(plan.bonus == std::vector<std::string>{W("サーバ")});
  CHECK(HasText(Index("サーバーラック"), W("サーバ")));
}

TEST_CASE("A short query ending in ー finds the longer word that lost its ー", "[analyzer]") {
  // The document side drops the final ー of a katakana word of 4+ characters
  // (フェイクレザー -> フェイクレザ) while a query word of 2-3 characters keeps
  // it (レザー); the bigram of the last letter and ー stays indexed where the
  // ー was dropped, at the letter's position, so the two still meet.
  CHECK(A().Normalize("フェイクレザー") == "フェイクレザ");
  CHECK(A().Normalize("レザー") == "レザー");
  CHECK(Finds("レザー", "フェイクレザー"));
  CHECK(Finds("レザー", "フェイクレザー 長財布"));
  CHECK(Finds("レザー", "フェイクレザー製"));       // the katakana word ends at the kanji
  CHECK(Finds("ザー", "フェイクレザー"));
  CHECK(Finds("イクレザー", "フェイクレザー"));     // five characters: ザー is the last gram
  CHECK(Finds("カー", "マイカー"));
  CHECK(Finds("カー", "ﾏｲｶｰ"));                    // half-width: the ー comes from ｰ
  CHECK(Finds("バー", "サーバーー"));               // a run of ー is dropped whole
  CHECK(Finds("レザー", "レザー"));
  CHECK(Finds("レザー", "レザーケース"));
  CHECK(Finds("フェイクレザー", "フェイクレザー"));
  CHECK(Finds("フェイクレザ", "フェイクレザー"));
  // The extra bigram sits on the last letter and takes no position: the
  // field length and the positions after it are unchanged.
  auto doc = Index("フェイクレザー 財布");
  CHECK(HasText(doc, "ザー"));
  for (const Token& t : doc) {
    if (t.text == "ザー") CHECK(t.position == 5);
    if (t.text == "財") CHECK(t.position == 6);
  }
  CHECK_FALSE(HasText(Index("フェイクレザ"), "ザー"));  // written without ー: nothing added
  CHECK_FALSE(Finds("レザー", "フェイクレザ"));
  CHECK_FALSE(Finds("レザー", "レザン"));  // the ー is still required
  // Queries never carry the extra gram; the normalized text is unchanged.
  CHECK(Show(A().AnalyzeQueryTerm("フェイクレザー").phrase) ==
        std::vector<std::string>{"フェ@0", "イク@2", "レザ@4"});
}

TEST_CASE("A one-kanji query matches anywhere in a run, the end included", "[analyzer]") {
  auto plan = A().AnalyzeQueryTerm("犬");
  REQUIRE(Show(plan.phrase) == std::vector<std::string>{"犬@0"});
  for (const char* doc : {"子犬", "愛犬", "犬用", "大型犬用ベッド", "犬"}) {
    INFO("doc " << doc);
    CHECK(Finds("犬", doc));
  }
  CHECK_FALSE(Finds("犬", "猫用"));
}

TEST_CASE("Two-character queries match at the end of a run", "[analyzer]") {
  CHECK(Show(A().AnalyzeQueryTerm("子犬").phrase) == std::vector<std::string>{"子犬@0"});
  CHECK(Finds("子犬", "かわいい子犬"));
  CHECK(Finds("型犬", "大型犬"));
  CHECK(Finds("ード", "ドッグフード"));
  CHECK_FALSE(Finds("犬子", "子犬"));
}

TEST_CASE("Longer CJK queries map to covering bigrams", "[analyzer]") {
  // Six characters: bigrams at 0, 2, 4.
  CHECK(Show(A().AnalyzeQueryTerm("ドッグフード").phrase) ==
        std::vector<std::string>{"ドッ@0", "グフ@2", "ード@4"});
  // Five characters: 0, 2 and the one ending at the last character, at 3.
  CHECK(Show(A().AnalyzeQueryTerm("マットレス").phrase) ==
        std::vector<std::string>{"マッ@0", "トレ@2", "レス@3"});
  // Three: 0 and 1.
  CHECK(Show(A().AnalyzeQueryTerm("東京都").phrase) ==
        std::vector<std::string>{"東京@0", "京都@1"});
  CHECK(Finds("ドッグフード", "【送料無料】国産ドッグフード1kg"));
  CHECK(Finds("マットレス", "高反発マットレス"));
  CHECK_FALSE(Finds("ドッグフード", "ドッグ フード"));  // the words are not adjacent in one run
  CHECK_FALSE(Finds("マットレス", "マットレ"));
}

TEST_CASE("Index grams: unigrams and bigrams at their first character", "[analyzer]") {
  CHECK(Show(Index("子犬")) == std::vector<std::string>{"子@0", "子犬@0", "犬@1", "W:子犬@0"});
}

TEST_CASE("Dictionary words tell a whole word from a substring", "[analyzer]") {
  // What ICU's Japanese dictionary does: 京都 alone is a word, 東京都 is
  // 東京|都, and 京都府 is 京都|府.
  auto kyoto = Index("京都");
  auto tokyo = Index("東京都");
  auto kyotofu = Index("京都府");
  CHECK(Has(kyoto, W("京都"), 0));
  CHECK_FALSE(HasText(tokyo, W("京都")));
  CHECK(Has(tokyo, W("東京"), 0));
  CHECK(Has(tokyo, W("都"), 2));
  CHECK(Has(kyotofu, W("京都"), 0));
  auto plan = A().AnalyzeQueryTerm("京都");
  CHECK(plan.bonus == std::vector<std::string>{W("京都")});
  // The phrase matches both: words carry no matching duty.
  CHECK(PhraseIn(plan.phrase, kyoto));
  CHECK(PhraseIn(plan.phrase, tokyo));
  // Word positions are those of the word's first character.
  CHECK(Has(Index("大阪 京都"), W("京都"), 2));
}

TEST_CASE("Digits next to kanji are number tokens, not grams", "[analyzer]") {
  auto doc = Index("3月発売");
  CHECK(Has(doc, "3", 0));
  CHECK(Has(doc, "月", 1));
  CHECK(Has(doc, "月発", 1));
  for (const Token& t : doc) {
    INFO("token " << t.text);
    CHECK((t.text == "3" || t.text.find('3') == std::string::npos));
  }
  CHECK(Show(A().AnalyzeQueryTerm("3月").phrase) == std::vector<std::string>{"3@0", "月@1"});
  CHECK(Finds("3月", "3月発売"));
  CHECK(Finds("3月", "２０２４年3月発売"));
  CHECK_FALSE(Finds("3月", "13月"));
  CHECK(Finds("2個", "2個セット"));
  CHECK_FALSE(Finds("2個", "12個入り"));
  CHECK(Finds("12個", "12個入り"));
  CHECK(Show(Index("犬2匹")) ==
        std::vector<std::string>{"犬@0", "W:犬@0", "2@1", "匹@2", "W:匹@2"});
}

TEST_CASE("Number chains are whole tokens plus their parts", "[analyzer]") {
  auto doc = Index("容量2.5kg");
  CHECK(Has(doc, "2.5kg", 2));
  CHECK(Has(doc, "2.5", 2));
  CHECK(Has(doc, "kg", 3));
  CHECK_FALSE(HasText(doc, "2"));  // the decimal point stays inside the number
  CHECK_FALSE(HasText(doc, "5"));
  // A query for a chain asks for the whole token only.
  CHECK(Show(A().AnalyzeQueryTerm("2.5kg").phrase) == std::vector<std::string>{"2.5kg@0"});
  CHECK(Show(A().AnalyzeQueryTerm("SKU-123").phrase) == std::vector<std::string>{"sku-123@0"});
  CHECK(Finds("2.5kg", "容量2.5kg"));
  CHECK(Finds("2.5", "容量2.5kg"));
  CHECK(Finds("kg", "容量2.5kg"));
  CHECK(Finds("2.5 kg", "容量2.5kg"));  // parts at consecutive positions
  CHECK(Finds("容量2.5kg", "大容量2.5kg入り"));
  CHECK_FALSE(Finds("2.5kg", "容量12.5kg"));
  CHECK(Finds("500ml", "水 500ml ×24本"));
  CHECK(Finds("ＳＫＵ－１２３", "品番 SKU-123"));
  CHECK(Finds("sku-123", "品番 SKU-123"));
  CHECK(Finds("sku", "品番 SKU-123"));
  CHECK(Finds("123", "品番 SKU-123"));
  CHECK(Show(Index("SKU-123")) == std::vector<std::string>{"sku-123@0", "sku@0", "123@1"});
  CHECK(Show(Index("A4")) == std::vector<std::string>{"a4@0", "a@0", "4@1"});
  CHECK(Finds("iphone15", "Apple iPhone15 ケース"));
  CHECK(Finds("iphone", "Apple iPhone15 ケース"));
  // Runs of parts are tokens too, so a piece of a chain is found whole.
  CHECK(Show(Index("DDR4-3200")) == std::vector<std::string>{"ddr4-3200@0", "ddr@0", "ddr4@0",
                                                              "4@1", "4-3200@1", "3200@2"});
  CHECK(Finds("DDR4", "メモリ DDR4-3200 16GB"));
  CHECK(Finds("4-3200", "メモリ DDR4-3200 16GB"));
  // A query chain longer than the indexed pieces (4 parts) is covered by
  // pieces, as a long CJK run is by bigrams.
  CHECK(Show(A().AnalyzeQueryTerm("a1-b2-c3").phrase) ==
        std::vector<std::string>{"a1-b2@0", "b2-c3@2"});
  CHECK(Finds("1-b2-c3", "x a1-b2-c3 y"));
  CHECK_FALSE(Finds("1-b2-c4", "x a1-b2-c3 y"));
  // A lone number is one token; a decimal stays one number.
  CHECK(Show(Index("2.5")) == std::vector<std::string>{"2.5@0"});
  CHECK(Show(Index("v1.0.2")) == std::vector<std::string>{"v1.0.2@0", "v@0", "1.0.2@1"});
  CHECK_FALSE(Finds("0.2", "v1.0.2"));
  // The position after a chain counts all its parts.
  CHECK(Has(Index("2.5kg 袋"), "袋", 2));
}

TEST_CASE("Thousands separators are dropped from numbers", "[analyzer]") {
  CHECK(Show(Index("1,980円")) == std::vector<std::string>{"1980@0", "円@1", "W:円@1"});
  CHECK(Finds("1980円", "価格 1,980円"));
  CHECK(Finds("1,980", "価格 1980円"));
  // A comma that does not group thousands separates numbers.
  CHECK(Show(Index("1,2,3")) == std::vector<std::string>{"1@0", "2@1", "3@2"});
}

TEST_CASE("Latin words come from ICU word break", "[analyzer]") {
  CHECK(Show(Index("Organic dog food, grain-free! don't e.g.")) ==
        std::vector<std::string>{"organic@0", "dog@1", "food@2", "grain@3", "free@4",
                                 "don't@5", "e.g@6"});
  // Hyphenated words without a digit are separate words, found either way.
  CHECK(Finds("type-c", "USB Type-C ケーブル"));
  CHECK(Finds("type c", "USB Type-C ケーブル"));
  // A number glued to a non-ASCII word stays inside it.
  CHECK(Show(Index("café4kg")) == std::vector<std::string>{"café4kg@0"});
}

TEST_CASE("Punctuation and symbols separate tokens and take no position", "[analyzer]") {
  auto doc = Index("【送料無料】★ドッグフード/国産");
  CHECK(Has(doc, "送", 0));
  CHECK(Has(doc, "料", 3));
  CHECK(Has(doc, "ド", 4));
  CHECK(Has(doc, "国", 10));
  CHECK_FALSE(HasText(doc, "料ド"));  // 】★ ends the run
  for (const Token& t : doc) {
    INFO("token " << t.text);
    CHECK(t.text.find_first_of("/") == std::string::npos);
  }
  CHECK(Show(Index("a / b ・ c")) == std::vector<std::string>{"a@0", "b@1", "c@2"});
  CHECK(Show(Index("ドッグ・フード")) ==
        Show(Index("ドッグ フード")));
  CHECK(A().AnalyzeQueryTerm("【★】/・、。").phrase.empty());
}

TEST_CASE("Invalid UTF-8 separates tokens and never stops analysis", "[analyzer]") {
  CHECK(A().Normalize("ab\xFF" "cd") == "ab\uFFFD" "cd");
  CHECK(Show(Index("ab\xFF" "cd")) == std::vector<std::string>{"ab@0", "cd@1"});
  auto doc = Index("犬\xE3\x81猫 \xC0\xAF dog \xED\xA0\x80 2.5kg\xF4\x90\x80\x80" "end\xE3");
  CHECK(Has(doc, "犬", 0));
  CHECK(Has(doc, "猫", 1));
  CHECK_FALSE(HasText(doc, "犬猫"));
  CHECK(Has(doc, "dog", 2));
  CHECK(Has(doc, "2.5kg", 3));
  CHECK(Has(doc, "end", 5));
  std::string zeros("a\0b", 3);
  CHECK(Show(Index(zeros)) == std::vector<std::string>{"a@0", "b@1"});
}

TEST_CASE("AnalyzeForIndex honours first_position and returns the next one", "[analyzer]") {
  std::vector<Token> out;
  uint32_t next = A().AnalyzeForIndex("子犬 dog 2.5kg", 100, &out);
  CHECK(next == 100 + 2 + 1 + 2);
  CHECK(Has(out, "子", 100));
  CHECK(Has(out, "dog", 102));
  CHECK(Has(out, "kg", 104));
  // Appends: a second value of the same field continues after a gap.
  next = A().AnalyzeForIndex("猫", next + 10, &out);
  CHECK(next == 116);
  CHECK(Has(out, "子", 100));
  CHECK(Has(out, "猫", 115));
  std::vector<Token> none;
  CHECK(A().AnalyzeForIndex("", 42, &none) == 42);
  CHECK(A().AnalyzeForIndex(" 【】★ / ", 42, &none) == 42);
  CHECK(none.empty());
}

TEST_CASE("Query plans use index positions with only covering tokens", "[analyzer]") {
  auto plan = A().AnalyzeQueryTerm("国産ドッグフード 2.5kg 袋");
  CHECK(Show(plan.phrase) ==
        std::vector<std::string>{"国産@0", "ドッ@2", "グフ@4", "ード@6", "2.5kg@8", "袋@10"});
  CHECK(std::find(plan.bonus.begin(), plan.bonus.end(), W("国産")) != plan.bonus.end());
  CHECK(PhraseIn(plan.phrase, Index("【新】国産ドッグフード 2.5kg 袋入り")));
  CHECK(A().AnalyzeQueryTerm("").phrase.empty());
}

// The contract the index relies on: a query term cut out of a document's
// normalized text (at token granularity: Latin/digit stretches are never cut
// inside) finds the document, its phrase appearing at one offset.
TEST_CASE("Property: any CJK substring of a document finds the document", "[analyzer]") {
  const uint32_t seed = Seed();
  INFO("seed " << seed << " (rerun with --rng-seed " << seed << ")");
  std::mt19937 rng(seed);
  const auto& titles = Titles();
  std::uniform_int_distribution<size_t> pick_title(0, titles.size() - 1);
  int checked = 0;
  for (int iter = 0; iter < 1500; ++iter) {
    std::string doc;
    if (iter % 3 == 2) {
      doc = RandomString(rng, 30);
    } else {
      doc = titles[pick_title(rng)];
      if (iter % 3 == 1) doc += RandomString(rng, 6) + titles[pick_title(rng)];
    }
    const std::string norm = A().Normalize(doc);
    const std::vector<Token> tokens = Index(doc);

    // Code points of the normalized text and where a cut is allowed.
    enum Kind { kCjk, kSpace, kOther };
    std::vector<size_t> offsets;
    std::vector<Kind> kinds;
    std::vector<bool> mark;
    const auto* p = reinterpret_cast<const uint8_t*>(norm.data());
    for (size_t i = 0; i < norm.size();) {
      offsets.push_back(i);
      UChar32 c;
      U8_NEXT(p, i, norm.size(), c);
      UErrorCode e = U_ZERO_ERROR;
      UScriptCode script = uscript_getScript(c, &e);
      bool letter = (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_NL_MASK)) != 0;
      bool cjk = c == 0x30FC || c == 0x3006 ||
                 (letter && (script == USCRIPT_HAN || script == USCRIPT_HIRAGANA ||
                             script == USCRIPT_KATAKANA));
      kinds.push_back(cjk ? kCjk : u_isUWhiteSpace(c) ? kSpace : kOther);
      mark.push_back((U_GET_GC_MASK(c) & U_GC_M_MASK) != 0);
    }
    offsets.push_back(norm.size());
    std::vector<size_t> cuts;  // indexes into offsets
    for (size_t k = 0; k < offsets.size(); ++k) {
      bool inside = k > 0 && k + 1 < offsets.size() &&
                    ((kinds[k - 1] == kOther && kinds[k] == kOther) || mark[k]);
      if (!inside) cuts.push_back(k);
    }
    if (cuts.size() < 2) continue;
    std::uniform_int_distribution<size_t> pick_cut(0, cuts.size() - 1);
    for (int q = 0; q < 6; ++q) {
      size_t a = pick_cut(rng), b = pick_cut(rng);
      if (a == b) continue;
      if (a > b) std::swap(a, b);
      const std::string query =
          norm.substr(offsets[cuts[a]], offsets[cuts[b]] - offsets[cuts[a]]);
      TermPlan plan = A().AnalyzeQueryTerm(query);
      if (plan.phrase.empty()) continue;  // punctuation only
      ++checked;
      INFO("doc   " << Escape(doc) << "\nnorm  " << norm << "\nquery " << query
                    << "\nplan  " << ::Catch::Detail::stringify(Show(plan.phrase))
                    << "\ntokens " << ::Catch::Detail::stringify(Show(tokens)));
      REQUIRE(PhraseIn(plan.phrase, tokens));
    }
  }
  CHECK(checked > 3000);
}

// The same contract for number chains: any run of whole parts of a chain,
// written as in the document, finds it.
TEST_CASE("Property: any run of parts of a number chain finds the chain", "[analyzer]") {
  const uint32_t seed = Seed();
  INFO("seed " << seed << " (rerun with --rng-seed " << seed << ")");
  std::mt19937 rng(seed);
  const std::vector<std::string> letters = {"a", "sku", "kg", "ddr", "x", "ml", "v"};
  const std::vector<std::string> numbers = {"1", "23", "2.5", "1,980", "3200", "0.75", "4"};
  std::uniform_int_distribution<int> coin(0, 1);
  for (int iter = 0; iter < 2000; ++iter) {
    // Parts alternate letters and numbers unless a hyphen separates them
    // (two letter groups or two numbers written together would be one part).
    std::vector<std::string> parts, seps;
    bool number = coin(rng) == 1;
    bool has_number = false;
    int count = 1 + static_cast<int>(rng() % 7);
    for (int k = 0; k < count; ++k) {
      const auto& pool = number ? numbers : letters;
      parts.push_back(pool[rng() % pool.size()]);
      has_number |= number;
      bool hyphen = coin(rng) == 1;
      if (k + 1 < count) seps.push_back(hyphen ? "-" : "");
      number = hyphen ? coin(rng) == 1 : !number;
    }
    if (!has_number) continue;
    auto render = [&](size_t from, size_t to) {
      std::string r = parts[from];
      for (size_t k = from + 1; k < to; ++k) r += seps[k - 1] + parts[k];
      return r;
    };
    const std::string doc = "品番 " + render(0, parts.size()) + " 入り";
    const std::vector<Token> tokens = Index(doc);
    for (int q = 0; q < 4; ++q) {
      size_t from = rng() % parts.size();
      size_t to = from + 1 + rng() % (parts.size() - from);
      const std::string query = render(from, to);
      TermPlan plan = A().AnalyzeQueryTerm(query);
      INFO("doc " << doc << "\nquery " << query << "\nplan "
                  << ::Catch::Detail::stringify(Show(plan.phrase)) << "\ntokens "
                  << ::Catch::Detail::stringify(Show(tokens)));
      REQUIRE(PhraseIn(plan.phrase, tokens));
    }
  }
}

TEST_CASE("Concurrent analysis matches single-threaded analysis", "[analyzer]") {
  const auto& titles = Titles();
  std::vector<std::vector<std::string>> expected;
  for (const std::string& t : titles) expected.push_back(Show(Index(t)));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int round = 0; round < 50; ++round) {
        for (size_t i = 0; i < titles.size(); ++i) {
          size_t j = (i + k + round) % titles.size();
          std::vector<Token> out;
          A().AnalyzeForIndex(titles[j], 0, &out);
          if (Show(out) != expected[j]) ++mismatches[k];
          A().AnalyzeQueryTerm(titles[j]);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(mismatches == std::vector<int>(4, 0));
}

TEST_CASE("Long degenerate inputs are analyzed in linear time", "[analyzer]") {
  // A katakana letter followed by a long dash run: each dash looks ahead for
  // the next non-dash, which must not be rescanned per dash.
  std::string dashes = "ア" + std::string(1 << 20, '-') + "イ";
  std::string long_run;
  for (int i = 0; i < 100000; ++i) long_run += "犬猫";
  std::string long_chain = "a";
  for (int i = 0; i < 50000; ++i) long_chain += "-1";
  auto start = std::chrono::steady_clock::now();
  CHECK(A().Normalize(dashes).size() == 3 * ((1 << 20) + 2));
  std::vector<Token> out;
  CHECK(A().AnalyzeForIndex(long_run, 0, &out) == 200000);
  out.clear();
  CHECK(A().AnalyzeForIndex(long_chain, 0, &out) == 50001);
  CHECK(out.size() < 5 * 50001);  // pieces of a chain are bounded in length
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(seconds < 20.0);  // generous for sanitizer builds; quadratic would take hours
}


TEST_CASE("A field value analyzed again gives the same tokens, counted from the new first position",
          "[analyzer]") {
  // The analyzer remembers values it meets twice (a catalogue's brands,
  // categories, tags, repeated descriptions); a value given again must give
  // what a first analysis gives, at whatever position it starts.
  const std::string values[] = {"送料無料 ドッグフード 小型犬用 2kg", "ペット用品>犬用品>フード",
                                "ｶﾜｲｲ マグカップ！ 高級 和風", "",
                                std::string(3000, 'x').append(" 犬")};  // too long to remember
  struct Got {
    std::vector<std::pair<std::string, uint32_t>> tokens;
    uint32_t end = 0;
  };
  auto analyze = [](const std::string& v, uint32_t first) {
    std::vector<Token> out{{"before", 7}};  // tokens already there stay
    Got g;
    g.end = A().AnalyzeForIndex(v, first, &out);
    REQUIRE(out.front().text == "before");
    for (size_t i = 1; i < out.size(); ++i) g.tokens.emplace_back(out[i].text, out[i].position);
    return g;
  };
  for (const std::string& v : values) {
    INFO(v.substr(0, 40));
    const Got first = analyze(v, 0);
    for (uint32_t at : {7u, 0u, 5u, 1000u, 0u}) {  // remembered at 7
      const Got again = analyze(v, at);
      CHECK(again.end == first.end + at);
      REQUIRE(again.tokens.size() == first.tokens.size());
      for (size_t i = 0; i < first.tokens.size(); ++i) {
        CHECK(again.tokens[i].first == first.tokens[i].first);
        CHECK(again.tokens[i].second == first.tokens[i].second + at);
      }
    }
  }
  // Another thread, with its own memo, agrees.
  std::vector<std::pair<std::string, uint32_t>> other;
  std::thread([&] {
    std::vector<Token> out;
    A().AnalyzeForIndex(values[0], 3, &out);
    for (const Token& t : out) other.emplace_back(t.text, t.position - 3);
  }).join();
  CHECK(other == analyze(values[0], 0).tokens);
}
TEST_CASE("a document's filter keys are its analyzer's, however often its values repeat",
          "[analyzer]") {
  // SegmentBuilder::Analyze remembers the keys of brands and category paths
  // per thread; what it gives must be what BrandKey and CategoryKeys give
  // for the builder's own analyzer, also right after another analyzer met
  // the same values.
  WhitespaceAnalyzer plain;
  auto keys_of = [](const Analyzer& analyzer, std::string_view brand, std::string_view category) {
    SegmentBuilder builder(&analyzer);
    IndexableDoc doc{};
    doc.id = "p1";
    doc.title = "x";
    doc.brand = brand;
    doc.category = category;
    AnalyzedDoc out;
    builder.Analyze(doc, &out);
    std::vector<std::string> keys;
    for (const Token& t : out.tokens) {
      if (!t.text.empty() && t.text[0] == kKeyPrefix) keys.push_back(t.text);
    }
    keys.push_back(std::to_string(out.info.brand) + "/" + std::to_string(out.info.category[0]) +
                   "/" + std::to_string(out.info.category[1]));
    return keys;
  };
  auto expected = [](const Analyzer& analyzer, std::string_view brand, std::string_view category) {
    std::vector<std::string> keys{BrandKey(analyzer, brand)};
    std::vector<std::string> levels = CategoryKeys(analyzer, category);
    keys.insert(keys.end(), levels.begin(), levels.end());
    for (std::string& k : CategorySegmentKeys(analyzer, category)) keys.push_back(k);
    keys.push_back(std::to_string(StableHash(keys[0])) + "/" +
                   std::to_string(StableHash(levels[0])) + "/" +
                   std::to_string(StableHash(levels[1])));
    return keys;
  };
  const std::string brand = "ＰＥＴＩＯ", category = "ﾍﾟｯﾄ用品 > 犬用品>ベッド";
  for (int round = 0; round < 3; ++round) {
    CHECK(keys_of(A(), brand, category) == expected(A(), brand, category));
    CHECK(keys_of(plain, brand, category) == expected(plain, brand, category));
  }
  CHECK(keys_of(A(), brand, category) != keys_of(plain, brand, category));
  CHECK(keys_of(A(), "Nordwave", "家電>キッチン家電") ==
        expected(A(), "Nordwave", "家電>キッチン家電"));
  // An analyzer made where a freed one was is still another analyzer.
  struct Marking : WhitespaceAnalyzer {
    std::string Normalize(std::string_view text) const override {
      return std::string(text) + "!";
    }
  };
  alignas(Marking) unsigned char place[sizeof(Marking)];
  for (int i = 0; i < 3; ++i) {
    auto* first = new (place) WhitespaceAnalyzer();
    CHECK(keys_of(*first, brand, category) == expected(*first, brand, category));
    first->~WhitespaceAnalyzer();
    auto* second = new (place) Marking();
    CHECK(keys_of(*second, brand, category) == expected(*second, brand, category));
    second->~Marking();
  }
}
}  // namespace
}  // namespace saiki::index
