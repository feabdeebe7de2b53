// libFuzzer target: index/analyzer.h over arbitrary bytes.
//
// Byte 0 chooses the first position handed to AnalyzeForIndex (0 or 1000);
// the rest of the input is the text. Invariants (analyzer.h):
//   - Normalize returns valid UTF-8 and is idempotent:
//     Normalize(Normalize(s)) == Normalize(s);
//   - AnalyzeForIndex is safe on any bytes, returns a position >= the first
//     one, every token lies in [first, returned) and is non-empty valid
//     UTF-8 (kWordPrefix and the filter-key prefix are ASCII); the same
//     text from another first position gives the same tokens, shifted
//     (also when the analyzer answers from its memo of repeated values);
//   - documents and queries agree: analyzing Normalize(s) gives the same
//     tokens as analyzing s (the index analyzes raw text, a query arrives
//     normalized);
//   - AnalyzeQueryTerm's phrase starts at relative position 0 with
//     non-decreasing positions, its bonus tokens carry kWordPrefix, and a
//     document whose text is s is found by the query term s: every phrase
//     token occurs in AnalyzeForIndex(s) at one common offset (the
//     README's "any substring is found");
//   - AnalyzeReadings and QueryReading give prefixed, valid UTF-8 readings;
//     HtmlToText keeps valid UTF-8 valid and leaves text without markup
//     unchanged.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "index/analyzer.h"
#include "index/html_text.h"

using saiki::fuzz::Escape;
using saiki::fuzz::IsValidUtf8;
using saiki::index::Analyzer;
using saiki::index::Token;

namespace {

const Analyzer& GetAnalyzer() {
  static const Analyzer* analyzer = [] {
    auto a = Analyzer::Create();
    if (!a.ok()) {
      std::fprintf(stderr, "Analyzer::Create: %s\n", a.status().ToString().c_str());
      std::abort();
    }
    return std::move(a).value().release();
  }();
  return *analyzer;
}

std::string Describe(const std::vector<Token>& tokens) {
  std::string out;
  for (const auto& t : tokens) out += "[" + Escape(t.text, 40) + "@" + std::to_string(t.position) + "]";
  return Escape(out, 400);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Analyzer& analyzer = GetAnalyzer();
  saiki::fuzz::ByteReader in(data, size);
  const uint32_t first = (in.U8() & 1) ? 1000 : 0;
  const std::string text(in.Rest());

  // Normalize: UTF-8 out, idempotent.
  const std::string n1 = analyzer.Normalize(text);
  FUZZ_CHECK(IsValidUtf8(n1), "Normalize(%s) = %s is not UTF-8", Escape(text).c_str(),
             Escape(n1).c_str());
  const std::string n2 = analyzer.Normalize(n1);
  FUZZ_CHECK(n1 == n2, "Normalize is not idempotent:\n  s       = %s\n  N(s)    = %s\n  N(N(s)) = %s",
             Escape(text).c_str(), Escape(n1).c_str(), Escape(n2).c_str());

  // Index tokens.
  std::vector<Token> tokens;
  const uint32_t end = analyzer.AnalyzeForIndex(text, first, &tokens);
  FUZZ_CHECK(end >= first, "AnalyzeForIndex returned %u < first %u", end, first);
  for (const Token& t : tokens) {
    FUZZ_CHECK(!t.text.empty(), "empty token in %s", Describe(tokens).c_str());
    FUZZ_CHECK(IsValidUtf8(t.text), "token %s is not UTF-8", Escape(t.text).c_str());
    FUZZ_CHECK(t.position >= first && t.position < end, "token %s at %u outside [%u, %u)",
               Escape(t.text).c_str(), t.position, first, end);
  }

  // Documents and queries agree: raw and normalized text give one token
  // list, except for one kind of token only the raw text can give: where
  // normalization drops a katakana word's final ー (フェイクレザー ->
  // フェイクレザ), the raw text's list also holds the bigram of the word's
  // last letter and ー (ザー) at that letter's position (index/analyzer.cc,
  // Tokenizer::CjkRun); the normalized text no longer shows the ー. So the
  // normalized list must be the raw list without some such bigrams, in order.
  std::vector<Token> normalized_tokens;
  const uint32_t end2 = analyzer.AnalyzeForIndex(n1, first, &normalized_tokens);
  static constexpr std::string_view kBar = "\xE3\x83\xBC";  // ー
  auto dropped_bar_bigram = [&](const Token& t) {
    // One character unit (a letter, maybe with combining marks: パ゚, or in
    // odd text even a ー with one) and ー.
    if (t.text.size() <= kBar.size()) return false;
    const std::string_view text(t.text);
    const std::string_view letter = text.substr(0, text.size() - kBar.size());
    return text.substr(letter.size()) == kBar && IsValidUtf8(letter);
  };
  bool same = end == end2;
  size_t j = 0;
  for (size_t i = 0; same && i < tokens.size(); ++i) {
    if (j < normalized_tokens.size() && tokens[i].text == normalized_tokens[j].text &&
        tokens[i].position == normalized_tokens[j].position) {
      ++j;
    } else {
      same = dropped_bar_bigram(tokens[i]);
    }
  }
  same = same && j == normalized_tokens.size();
  FUZZ_CHECK(same, "tokens of s and Normalize(s) differ:\n  s: %s\n  raw: %s (end %u)\n  norm: %s (end %u)",
             Escape(text).c_str(), Describe(tokens).c_str(), end,
             Describe(normalized_tokens).c_str(), end2);

  // The same text again (twice: the analyzer remembers a value from its
  // second sighting on), from another first position: the same tokens,
  // shifted.
  for (const uint32_t again_first : {first + 7u, first + 3u}) {
    std::vector<Token> again;
    const uint32_t end3 = analyzer.AnalyzeForIndex(text, again_first, &again);
    bool shifted = end3 == end - first + again_first && again.size() == tokens.size();
    for (size_t i = 0; shifted && i < tokens.size(); ++i) {
      shifted = again[i].text == tokens[i].text &&
                again[i].position == tokens[i].position - first + again_first;
    }
    FUZZ_CHECK(shifted, "analyzing again from %u: %s (end %u), first time from %u: %s (end %u)",
               again_first, Describe(again).c_str(), end3, first, Describe(tokens).c_str(), end);
  }

  // The query plan for the same text.
  saiki::index::TermPlan plan = analyzer.AnalyzeQueryTerm(text);
  for (const std::string& b : plan.bonus) {
    FUZZ_CHECK(!b.empty() && b[0] == saiki::index::kWordPrefix, "bonus token %s lacks the prefix",
               Escape(b).c_str());
  }
  if (!plan.phrase.empty()) {
    FUZZ_CHECK(plan.phrase[0].position == 0, "phrase starts at %u", plan.phrase[0].position);
    for (size_t i = 1; i < plan.phrase.size(); ++i) {
      FUZZ_CHECK(plan.phrase[i].position >= plan.phrase[i - 1].position,
                 "phrase positions go back: %s", Describe(plan.phrase).c_str());
    }
    for (const Token& t : plan.phrase) {
      FUZZ_CHECK(!t.text.empty() && IsValidUtf8(t.text), "bad phrase token %s",
                 Escape(t.text).c_str());
    }
    // Self-retrieval: the text, indexed, contains the query's phrase.
    std::set<std::pair<std::string, uint32_t>> index;
    for (const Token& t : tokens) index.emplace(t.text, t.position);
    bool found = false;
    for (const Token& t : tokens) {
      if (t.text != plan.phrase[0].text) continue;
      bool all = true;
      for (const Token& q : plan.phrase) {
        if (!index.count({q.text, t.position + q.position})) {
          all = false;
          break;
        }
      }
      if (all) {
        found = true;
        break;
      }
    }
    FUZZ_CHECK(found, "a document does not match its own text as a query:\n  s: %s\n  index: %s\n  query phrase: %s",
               Escape(text).c_str(), Describe(tokens).c_str(), Describe(plan.phrase).c_str());
  }

  // Readings (MeCab): safe on any bytes; each token is the prefix and a
  // non-empty, valid UTF-8 reading, at the position given.
  std::vector<Token> readings;
  analyzer.AnalyzeReadings(text, first, &readings);
  for (const Token& t : readings) {
    FUZZ_CHECK(t.text.size() > 1 && t.text[0] == saiki::index::kReadingPrefix &&
                   IsValidUtf8(t.text.substr(1)) && t.position == first,
               "bad reading token %s of %s", Escape(t.text).c_str(), Escape(text).c_str());
  }
  const std::string reading = analyzer.QueryReading(text);
  FUZZ_CHECK(reading.empty() || (reading.size() > 1 && reading[0] == saiki::index::kReadingPrefix &&
                                 IsValidUtf8(reading.substr(1))),
             "bad query reading %s of %s", Escape(reading).c_str(), Escape(text).c_str());

  // HTML to text: never longer than the input plus what entities and
  // breaks add (at most 4 bytes per input byte), UTF-8 when the input is.
  std::string clean;
  saiki::index::HtmlToText(text, &clean);
  FUZZ_CHECK(clean.size() <= 4 * text.size(), "HtmlToText grew %zu bytes to %zu", text.size(),
             clean.size());
  if (IsValidUtf8(text)) {
    FUZZ_CHECK(IsValidUtf8(clean), "HtmlToText(%s) = %s is not UTF-8", Escape(text).c_str(),
               Escape(clean).c_str());
  }
  if (!saiki::index::MayHoldHtml(text)) {
    FUZZ_CHECK(clean == text, "HtmlToText changed text without markup: %s -> %s",
               Escape(text).c_str(), Escape(clean).c_str());
  }
  return 0;
}
