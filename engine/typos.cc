// Typo tolerance at query time (README "Typos"): which terms to correct,
// with which words, and whether the corrected search is kept. The walk over
// the term dictionary is index/typo.h.
#include <algorithm>
#include <sstream>

#include "engine/database_impl.h"
#include "index/typo.h"

namespace saiki::engine {
namespace {

// A term is rare when its whole word is in at most this many products
// (0: absent).
constexpr int64_t kTypoRareDf = 2;
// A word corrects a rare term only when at least this many times as common
// as the term (and in one product at least).
constexpr int64_t kTypoMoreCommon = 3;
// Corrections kept per term: the nearest, then the most common.
constexpr size_t kMaxCorrections = 3;
// Terms whose corrections are remembered (then the memo starts again).
constexpr size_t kTypoCacheTerms = 4096;
// The corrected search finds "much more" (did_you_mean) at this ratio.
constexpr uint64_t kDidYouMeanRatio = 2;

class StoreTerms : public index::SortedTerms {
 public:
  explicit StoreTerms(storage::IndexStore* store) : store_(store) {}
  Result<std::optional<std::string>> AtLeast(std::string_view key) override {
    return store_->TermAtLeast(key);
  }

 private:
  storage::IndexStore* store_;
};

// The dictionary term of a word: katakana words are dictionary words
// (kWordPrefix), Latin and digit words plain terms.
std::string WordTerm(index::TypoScript script, std::string_view word) {
  std::string t;
  if (script == index::TypoScript::kKatakana) t.push_back(index::kWordPrefix);
  t.append(word);
  return t;
}

}  // namespace

Status DatabaseImpl::ApplyTypos(const EngineState& state, const CompiledRequest& req,
                                const index::CompiledQuery& cq, index::SearchOutcome* outcome,
                                SearchResponse* response) {
  // Every term is in more than kTypoRareDf products when that many match
  // them all: none is rare, and the common query costs nothing more.
  if (!outcome->partial && outcome->total > static_cast<uint64_t>(kTypoRareDf)) {
    return Status::Ok();
  }
  const EngineSettings& settings = state.settings();
  StoreTerms terms(index_store_.get());
  index::CompiledQuery corrected = cq;
  std::vector<TypoCorrection> typos;
  for (size_t i = 0; i < req.typo_terms.size() && i < corrected.required.size(); ++i) {
    const std::string& term = req.typo_terms[i];
    const index::TypoScript script = index::TypoScriptOf(term);
    if (script == index::TypoScript::kNone) continue;
    if (index::TypoBudget(index::DecodeUtf8(term).size()) == 0) continue;
    // The term's df and its corrections depend on the catalogue only:
    // computed once per term until the catalogue changes.
    auto cached = typo_cache_.find(term);
    if (cached == typo_cache_.end()) {
      TypoCacheEntry entry;
      SAIKI_ASSIGN_OR_RETURN(entry.df, index_store_->TermDf(WordTerm(script, term)));
      if (entry.df <= kTypoRareDf) {
        SAIKI_ASSIGN_OR_RETURN(std::vector<index::TypoMatch> matches,
                               index::FindTypoMatches(term, &terms));
        for (index::TypoMatch& m : matches) {
          SAIKI_ASSIGN_OR_RETURN(int64_t mdf, index_store_->TermDf(m.term));
          if (mdf >= std::max<int64_t>(1, kTypoMoreCommon * entry.df)) {
            entry.corrections.emplace_back(std::move(m.word), m.distance, mdf);
          }
        }
        std::sort(entry.corrections.begin(), entry.corrections.end(),
                  [](const auto& a, const auto& b) {
                    if (std::get<1>(a) != std::get<1>(b)) return std::get<1>(a) < std::get<1>(b);
                    if (std::get<2>(a) != std::get<2>(b)) return std::get<2>(a) > std::get<2>(b);
                    return std::get<0>(a) < std::get<0>(b);
                  });
        if (entry.corrections.size() > kMaxCorrections) entry.corrections.resize(kMaxCorrections);
      }
      if (typo_cache_.size() >= kTypoCacheTerms) typo_cache_.clear();
      cached = typo_cache_.emplace(term, std::move(entry)).first;
    }
    if (cached->second.df > kTypoRareDf || cached->second.corrections.empty()) continue;
    struct Scored {
      std::string word;
    };
    std::vector<Scored> scored;
    for (const auto& c : cached->second.corrections) scored.push_back({std::get<0>(c)});
    TypoCorrection tc;
    tc.term = term;
    index::Clause& clause = corrected.required[i];
    for (const Scored& s : scored) {
      index::TermPlan plan = analyzer_->AnalyzeQueryTerm(s.word);
      if (plan.phrase.empty()) continue;
      index::Phrase phrase;
      for (const index::Token& t : plan.phrase) phrase.push_back({t.text, t.position});
      if (clause.weights.empty()) clause.weights.assign(clause.alternatives.size(), 1.0);
      clause.alternatives.push_back(std::move(phrase));
      clause.weights.push_back(settings.typo_weight);
      tc.corrections.push_back(s.word);
    }
    if (!tc.corrections.empty()) typos.push_back(std::move(tc));
  }
  if (typos.empty()) return Status::Ok();
  // The corrected search lists its own matches (for facets): they replace
  // the first search's only when its outcome does.
  std::vector<uint32_t> corrected_matches;
  if (cq.match_docids != nullptr) corrected.match_docids = &corrected_matches;
  SAIKI_ASSIGN_OR_RETURN(index::SearchOutcome with_typos,
                         index::Search(corrected, cache_.get(), state.docs(), settings.bm25));
  // Kept only when the corrections add something: more products, or
  // products matching every term where the query as typed had none.
  const bool more = with_typos.total > outcome->total;
  const bool fuller = outcome->partial && !with_typos.partial && with_typos.total > 0;
  if (!more && !fuller) return Status::Ok();
  const uint64_t typed = outcome->total;
  if ((typed == 0 && with_typos.total > 0) || with_typos.total >= kDidYouMeanRatio * typed ||
      fuller) {
    // The query with each corrected term replaced by its best correction.
    std::istringstream words(req.query_norm);
    std::string w, dym;
    while (words >> w) {
      for (const TypoCorrection& t : typos) {
        if (w == t.term) {
          w = t.corrections.front();
          break;
        }
      }
      dym += (dym.empty() ? "" : " ") + w;
    }
    response->did_you_mean = dym;
  }
  *outcome = std::move(with_typos);
  if (cq.match_docids != nullptr) *cq.match_docids = std::move(corrected_matches);
  response->typos = std::move(typos);
  return Status::Ok();
}

}  // namespace saiki::engine
