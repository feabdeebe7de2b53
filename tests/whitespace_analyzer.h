// An analyzer of words separated by spaces, one position each: it stands in
// for the Japanese one in tests that isolate the index layer.
#ifndef SAIKI_TESTS_WHITESPACE_ANALYZER_H_
#define SAIKI_TESTS_WHITESPACE_ANALYZER_H_

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "index/analyzer.h"

namespace saiki::index {

class WhitespaceAnalyzer : public Analyzer {
 public:
  std::string Normalize(std::string_view text) const override { return std::string(text); }
  uint32_t AnalyzeForIndex(std::string_view text, uint32_t first,
                           std::vector<Token>* out) const override {
    std::istringstream in{std::string(text)};
    std::string w;
    uint32_t pos = first;
    while (in >> w) out->push_back({w, pos++});
    return pos;
  }
  TermPlan AnalyzeQueryTerm(std::string_view text) const override {
    TermPlan plan;
    std::vector<Token> tokens;
    AnalyzeForIndex(text, 0, &tokens);
    plan.phrase = tokens;
    return plan;
  }
  void AnalyzeReadings(std::string_view, uint32_t, std::vector<Token>*) const override {}
  std::string QueryReading(std::string_view) const override { return ""; }
};

}  // namespace saiki::index

#endif  // SAIKI_TESTS_WHITESPACE_ANALYZER_H_
