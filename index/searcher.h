// Retrieval and BM25F scoring: evaluates a compiled query over the posting
// lists and returns the top k documents.
//
// A query is a set of clauses. A clause is a group of alternative phrases
// (the term and its synonyms); a phrase is a list of tokens at relative
// positions that must appear in one field (a single token is a phrase of
// one). Required clauses must all match (conjunctive evaluation, rarest
// first); when they cannot all match, the searcher falls back to partial
// matches ranked by how many clauses they match, then by score, and says so.
// Excluded clauses remove documents; filter clauses (brand/category keys)
// restrict without scoring; a price range is checked against the docs
// table (a query of a price range alone, or with exclusions, scans the
// live documents of the docs table and scores them 0); bonus tokens (whole dictionary words) add score to documents that
// already match.
//
// The top k are exact; past CompiledQuery::total_exact_up_to matches the
// search skips blocks of postings whose BM25F upper bound (from the
// blocks' max tf and min field length, postings.h) cannot reach the k-th
// hit, and the total becomes a lower bound.
//
// BM25F (Robertson & Zaragoza, 2009), per clause c and document d:
//   T(c,d)  = sum_f w_f * tf_f(c,d) / (1 - b_f + b_f * len_f(d) / avglen_f)
//   idf(c)  = ln(1 + (N - df(c) + 0.5) / (df(c) + 0.5))
//   s(c,d)  = idf(c) * T * (k1 + 1) / (k1 + T)
// score(d) = sum of s over matched clauses + sum over present bonus tokens.
// tf of a phrase is its number of positional occurrences, times the
// alternative's weight; df of a phrase is estimated by its rarest token, and
// of a group by its most common alternative. With one field of weight 1 this is classic BM25.
#ifndef SAIKI_INDEX_SEARCHER_H_
#define SAIKI_INDEX_SEARCHER_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/doc_table.h"
#include "index/postings.h"
#include "saiki/status.h"

namespace saiki::index {

struct Bm25fParams {
  double k1 = 1.2;
  std::array<double, kNumFields> weight{3.0, 2.0, 1.5, 1.5, 1.0};  // title..description
  std::array<double, kNumFields> b{0.75, 0.5, 0.5, 0.5, 0.75};
  double bonus_weight = 1.0;  // multiplier of whole-word bonus scores
};

// All segments' posting lists of one term, in docid order.
struct TermPostings {
  std::vector<PostingList> lists;
  uint32_t df = 0;
};

// Where the searcher gets posting lists from (the engine's cache over
// SQLite). Called once per distinct token per query.
class PostingSource {
 public:
  virtual ~PostingSource() = default;
  // nullptr when the term is not in the index.
  virtual Result<const TermPostings*> Lookup(std::string_view term) = 0;
};

struct PhraseToken {
  std::string term;
  uint32_t rel;  // position relative to the phrase start
};
using Phrase = std::vector<PhraseToken>;
// Alternatives; matches when any does.
struct Clause {
  std::vector<Phrase> alternatives;
  // Per alternative, the factor its term frequencies count with in the
  // score (a reading match counts less than the text itself: engine
  // setting reading.weight). Empty: every alternative 1.
  std::vector<double> weights;
  std::string label;  // for explanations: the text the user typed
};

// The order of the results. kRelevance: by score. Otherwise by the
// product's price, rating or review count (ascending unless descending),
// products without the value last, ties by score; partial matches still
// come after fuller ones.
enum class SortKey : uint8_t { kRelevance, kPrice, kRating, kReviews };

struct CompiledQuery {
  std::vector<Clause> required;
  std::vector<Clause> excluded;
  std::vector<Clause> filters;     // unscored, all required
  std::vector<std::string> bonus;  // optional scored tokens
  // Optional: the whole query as one phrase; hits record whether their
  // title holds it (a re-ranking feature). Empty: not evaluated.
  Phrase title_phrase;
  std::optional<double> price_min, price_max;
  size_t k = 10;
  bool explain = false;
  bool allow_partial = true;  // fall back to partial matches when none match all
  SortKey sort = SortKey::kRelevance;
  bool sort_descending = false;
  // When set, every document counted in SearchOutcome::total is appended
  // to it, in the order evaluated (for facets over the whole match set).
  // Amortised: no allocation per match once it has grown. Turns pruning off.
  std::vector<uint32_t>* match_docids = nullptr;
  // Totals are exact up to this many matches; past it, the search may skip
  // ranges of documents that cannot reach the top k (block-max pruning) and
  // `total` becomes a lower bound (SearchOutcome::total_at_least). The hits
  // are the same either way. Pruning applies to the relevance order of
  // full matches only: a sort, match_docids and the partial-match fallback
  // evaluate every match. The default keeps every total exact.
  uint64_t total_exact_up_to = UINT64_MAX;
};

struct Hit {
  uint32_t docid;
  double score;
  uint32_t matched_clauses;
  // With explain: score by field, and the whole-word bonus.
  std::array<double, kNumFields> field_scores{};
  double bonus_score = 0;
  // Match facts for re-ranking features.
  uint32_t title_clauses = 0;  // required clauses found in the title
  bool brand_match = false;    // some clause matched in the brand field
  bool category_match = false; // some clause matched in the category field
  bool title_phrase = false;   // CompiledQuery::title_phrase is in the title
  float sort_value = 0;        // the sort key's value (NaN: none), when sorted
};

struct SearchOutcome {
  std::vector<Hit> hits;  // best first: score desc, then docid asc
  uint64_t total = 0;     // documents matching (all clauses, or partially)
  // `total` is a lower bound (at least total_exact_up_to): pruning skipped
  // documents that might match.
  bool total_at_least = false;
  bool partial = false;   // no document matched every clause
  uint64_t skipped_ranges = 0;  // docid ranges skipped by pruning (tests, benchmarks)
  uint64_t skipped_docs = 0;    // matches left unscored by pruning (tests, benchmarks)
};

Result<SearchOutcome> Search(const CompiledQuery& query, PostingSource* source,
                             const DocTable& docs, const Bm25fParams& params);

}  // namespace saiki::index

#endif  // SAIKI_INDEX_SEARCHER_H_
