// The query path's front half: from the text a user typed to a compiled
// query (parse -> analyze -> synonyms -> filters), the call into the index,
// and the products for the hits.
#include <chrono>

#include "engine/database_impl.h"
#include "engine/query_parser.h"
#include "engine/synonyms.h"

namespace saiki::engine {
namespace {

index::Phrase ToPhrase(const index::TermPlan& plan) {
  index::Phrase phrase;
  phrase.reserve(plan.phrase.size());
  for (const index::Token& t : plan.phrase) phrase.push_back({t.text, t.position});
  return phrase;
}

}  // namespace

Result<index::CompiledQuery> DatabaseImpl::Compile(const ConfigState& config,
                                                   const std::string& query, size_t k,
                                                   bool explain, bool title_phrase,
                                                   std::string* notice, CompiledRequest* req) {
  if (query.size() > QueryLimits().max_query_bytes) {
    return Status::InvalidArgument("query is " + std::to_string(query.size()) +
                                   " bytes; the limit is " +
                                   std::to_string(QueryLimits().max_query_bytes));
  }
  std::string normalized = analyzer_->Normalize(query);
  req->query = query;
  req->typo_terms.clear();
  // The query's identity for click statistics: normalized, whitespace
  // collapsed.
  req->query_norm.clear();
  for (char c : normalized) {
    bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (space && (req->query_norm.empty() || req->query_norm.back() == ' ')) continue;
    req->query_norm += space ? ' ' : c;
  }
  while (!req->query_norm.empty() && req->query_norm.back() == ' ') req->query_norm.pop_back();
  // Normalization may lengthen text (NFKC expands ㌔ to キロ): the parser's
  // byte limit applies to the normalized text with room for that.
  QueryLimits limits;
  limits.max_query_bytes *= 4;
  SAIKI_ASSIGN_OR_RETURN(ParsedQuery parsed, ParseQuery(normalized, limits));
  index::CompiledQuery cq;
  cq.k = k;
  cq.explain = explain;
  const double reading_weight = config.settings.reading_weight;
  auto compile_part = [&](const QueryPart& part, bool with_synonyms,
                          std::vector<std::string>* bonus) {
    index::Clause clause;
    clause.label = part.text;
    index::TermPlan plan = analyzer_->AnalyzeQueryTerm(part.text);
    if (plan.phrase.empty()) return clause;  // nothing searchable (punctuation)
    clause.alternatives.push_back(ToPhrase(plan));
    clause.weights.push_back(1.0);
    if (bonus) bonus->insert(bonus->end(), plan.bonus.begin(), plan.bonus.end());
    // Required terms (those with a bonus list) are highlighted; the text
    // is normalised already.
    index::MatchTerms* marks = bonus ? &req->match_terms : nullptr;
    if (marks) marks->texts.push_back(part.text);
    // A term in kana or romaji also matches kanji words read that way, below
    // the text itself (README "Readings"). Not for quoted phrases: a phrase
    // asks for the text as written.
    if (!part.phrase && reading_weight > 0) {
      std::string reading = analyzer_->QueryReading(part.text);
      if (!reading.empty()) {
        if (marks) marks->readings.push_back(reading.substr(1));  // without kReadingPrefix
        clause.alternatives.push_back({{std::move(reading), 0}});
        clause.weights.push_back(reading_weight);
      }
    }
    if (with_synonyms && !part.phrase && config.settings.synonyms != kSynonymsOff) {
      // The database's own group for the term, else the built-in one
      // (README "Synonyms").
      const std::vector<std::string>* alts = nullptr;
      std::vector<std::string> builtin;
      if (auto it = config.synonyms.find(part.text); it != config.synonyms.end()) {
        alts = &it->second;
      } else if (config.settings.synonyms == kSynonymsOn &&
                 LookupBuiltinSynonyms(part.text, &builtin)) {
        alts = &builtin;
      }
      if (alts) {
        for (const std::string& alt : *alts) {
          if (alt == part.text) continue;
          index::TermPlan alt_plan = analyzer_->AnalyzeQueryTerm(alt);
          if (!alt_plan.phrase.empty()) {
            if (marks) marks->texts.push_back(analyzer_->Normalize(alt));
            clause.alternatives.push_back(ToPhrase(alt_plan));
            clause.weights.push_back(1.0);
          }
        }
      }
    }
    return clause;
  };
  size_t unsearchable = 0;
  for (const QueryPart& part : parsed.required) {
    index::Clause c = compile_part(part, true, &cq.bonus);
    if (c.alternatives.empty()) {
      ++unsearchable;
      continue;
    }
    cq.required.push_back(std::move(c));
    req->typo_terms.push_back(part.phrase ? std::string() : part.text);
  }
  for (const QueryPart& part : parsed.excluded) {
    index::Clause c = compile_part(part, true, nullptr);
    if (!c.alternatives.empty()) cq.excluded.push_back(std::move(c));
  }
  if (!parsed.brands.empty()) {
    index::Clause c;
    c.label = "brand";
    for (const auto& b : parsed.brands) {
      c.alternatives.push_back({{index::BrandKey(*analyzer_, b), 0}});
    }
    cq.filters.push_back(std::move(c));
  }
  if (!parsed.categories.empty()) {
    index::Clause c;
    c.label = "category";
    for (const auto& cat : parsed.categories) {
      // A path prefix (ペット用品>犬用品) or a run of levels anywhere below
      // the top (犬用品, 犬用品>ベッド).
      std::string key = index::CategoryPrefixKey(*analyzer_, cat);
      if (!key.empty()) c.alternatives.push_back({{key, 0}});
      std::string segment = index::CategorySegmentKey(*analyzer_, cat);
      if (!segment.empty()) c.alternatives.push_back({{segment, 0}});
    }
    if (!c.alternatives.empty()) cq.filters.push_back(std::move(c));
  }
  req->num_clauses = static_cast<uint32_t>(cq.required.size());
  if (title_phrase && cq.required.size() >= 2) {
    // The whole query as one phrase, for the title_phrase feature.
    std::string joined;
    for (const QueryPart& part : parsed.required) joined += (joined.empty() ? "" : " ") + part.text;
    for (const index::Token& t : analyzer_->AnalyzeQueryTerm(joined).phrase) {
      cq.title_phrase.push_back({t.text, t.position});
    }
  }
  cq.price_min = parsed.price_min;
  cq.price_max = parsed.price_max;
  if (cq.required.empty() && cq.filters.empty() && !cq.price_min && !cq.price_max) {
    if (parsed.required.empty() && parsed.excluded.empty() && !parsed.has_filters()) {
      return Status::InvalidArgument("the query is empty");
    }
    if (unsearchable > 0 || !parsed.excluded.empty()) {
      *notice = cq.required.empty() && parsed.required.empty()
                    ? "the query needs at least one search term or brand:/category:/price: filter"
                    : "the query has no searchable words";
    }
  }
  return cq;
}

Result<SearchResponse> DatabaseImpl::Search(const SearchRequest& request) {
  auto start = std::chrono::steady_clock::now();
  if (request.k < 1 || request.k > kMaxK) {
    return Status::InvalidArgument("k must be 1.." + std::to_string(kMaxK) + ", got " +
                                   std::to_string(request.k));
  }
  if (request.offset < 0 || request.offset > kMaxOffset) {
    return Status::InvalidArgument("offset must be 0.." + std::to_string(kMaxOffset) +
                                   ", got " + std::to_string(request.offset));
  }
  if (request.user.size() > kMaxIdBytes) {
    return Status::InvalidArgument("user name is longer than " + std::to_string(kMaxIdBytes) +
                                   " bytes");
  }
  SAIKI_RETURN_IF_ERROR(CheckExtras(request));
  // Everything the search reads (index, products, the user's history and
  // models) comes from one snapshot, whatever other processes commit
  // meanwhile; the impression is logged after it ends.
  storage::ReadTransaction snapshot(conn_.get());
  SAIKI_RETURN_IF_ERROR(snapshot.Begin());
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  const std::shared_ptr<const EngineState> state = state_;
  const EngineSettings& settings = state->settings();
  cache_->Trim();
  SearchResponse response;
  CompiledRequest req;
  req.user = request.user;
  req.k = static_cast<size_t>(request.k);
  req.offset = static_cast<size_t>(request.offset);
  req.explain = request.explain;
  // Re-ranking needs the top candidates with their per-field scores. A
  // sorted search keeps its sort order: no re-ranking, no logging.
  const bool sorted = request.sort != SortOrder::kRelevance;
  const bool rerank = !sorted && (!request.user.empty() || settings.ranker != "bm25");
  const size_t wanted = req.offset + req.k;
  const size_t candidates =
      rerank ? std::max(wanted, static_cast<size_t>(settings.candidates)) : wanted;
  SAIKI_ASSIGN_OR_RETURN(index::CompiledQuery cq,
                         Compile(*state->config, request.query, candidates, request.explain || rerank, rerank,
                                 &response.notice, &req));
  switch (request.sort) {
    case SortOrder::kRelevance: break;
    case SortOrder::kPriceAscending: cq.sort = index::SortKey::kPrice; break;
    case SortOrder::kPriceDescending:
      cq.sort = index::SortKey::kPrice;
      cq.sort_descending = true;
      break;
    case SortOrder::kRatingAscending: cq.sort = index::SortKey::kRating; break;
    case SortOrder::kRatingDescending:
      cq.sort = index::SortKey::kRating;
      cq.sort_descending = true;
      break;
    case SortOrder::kReviewsAscending: cq.sort = index::SortKey::kReviews; break;
    case SortOrder::kReviewsDescending:
      cq.sort = index::SortKey::kReviews;
      cq.sort_descending = true;
      break;
  }
  // Facets count the whole match set: the searcher lists every document it
  // counts in `total` (search_extras.cc).
  std::vector<uint32_t> matches;
  if (!request.facets.empty()) cq.match_docids = &matches;
  // Past this many matches the total may become a lower bound and the
  // searcher skips what cannot reach the candidates (exact with facets or
  // a sort: the searcher sees every match then).
  cq.total_exact_up_to = settings.total_exact_up_to >= kTotalAlwaysExact
                             ? UINT64_MAX
                             : static_cast<uint64_t>(settings.total_exact_up_to);
  // The docs table's columns this search reads, from the file if not read
  // yet (a format 3 or 4 file's first search, docs/FORMAT.md): the hot one
  // to score; the cold one too to count facets or sort by rating or
  // reviews, read in the same pass. A re-ranked search reads only its
  // candidates' cold rows (Rerank, DocTable::EnsureColdRows), unless a
  // format 3 segment's cold column is still in the file: that one is read
  // whole anyway, best in the same pass as its hot column.
  const bool cold = !request.facets.empty() || cq.sort == index::SortKey::kRating ||
                    cq.sort == index::SortKey::kReviews ||
                    (rerank && state->docs().cold_columns_pending());
  SAIKI_RETURN_IF_ERROR(cold ? state->docs().EnsureCold() : state->docs().EnsureHot());
  index::SearchOutcome outcome;
  if (!cq.required.empty() || !cq.filters.empty() || cq.price_min || cq.price_max) {
    SAIKI_ASSIGN_OR_RETURN(outcome, index::Search(cq, cache_.get(), state->docs(), settings.bm25));
    if (settings.typo && !cq.required.empty()) {
      SAIKI_RETURN_IF_ERROR(ApplyTypos(*state, req, cq, &outcome, &response));
    }
  }
  response.total = outcome.total;
  response.total_at_least = outcome.total_at_least;
  response.partial = outcome.partial;
  response.ranker = "bm25";
  if (outcome.partial) {
    response.notice = "no product matches every term; showing products that match some of them";
  } else if (outcome.total == 0 && response.notice.empty()) {
    response.notice = "no product matches the query";
  }
  if (!response.typos.empty()) {
    std::string typo_notice;
    for (const TypoCorrection& t : response.typos) {
      std::string alts;
      for (const std::string& c : t.corrections) alts += (alts.empty() ? "" : ", ") + c;
      typo_notice += (typo_notice.empty() ? "" : "; ") + t.term + " is rare or absent: also " +
                     "showing " + alts + " (a likely typo)";
    }
    if (!response.did_you_mean.empty()) {
      typo_notice += "; did you mean: " + response.did_you_mean;
    }
    response.notice = response.partial ? typo_notice + "; " + response.notice : typo_notice;
  }

  std::vector<RankedHit> ranked;
  int64_t champion = -1;
  if (rerank && !outcome.hits.empty()) {
    SAIKI_RETURN_IF_ERROR(Rerank(*state, req, &outcome, &response, &ranked, &champion));
  } else {
    for (size_t i = req.offset; i < std::min(wanted, outcome.hits.size()); ++i) {
      ranked.push_back({i, outcome.hits[i].score, 0, {}});
    }
  }

  std::vector<std::string> ids;
  for (size_t i = 0; i < ranked.size(); ++i) {
    const index::Hit& h = outcome.hits[ranked[i].row];
    SAIKI_ASSIGN_OR_RETURN(std::optional<storage::HitRow> row, catalog_store_->GetHitRow(h.docid));
    if (!row) {
      return Status::Corruption(conn_->path() + ": docid " + std::to_string(h.docid) +
                                " is in the index but not in products (run saiki check)");
    }
    SearchHit hit;
    hit.rank = static_cast<int>(req.offset + i) + 1;
    hit.id = std::move(row->id);
    hit.title = std::move(row->title);
    hit.brand = std::move(row->brand);
    hit.category = std::move(row->category);
    hit.price = row->price;
    hit.score = ranked[i].score;
    hit.bm25f = h.score;
    hit.explored = ranked[i].explore_probability > 0;
    if (request.explain) {
      for (int f = 0; f < index::kNumFields; ++f) {
        hit.explain.push_back({index::kFieldNames[f], h.field_scores[f]});
      }
      hit.explain.push_back({"word_bonus", h.bonus_score});
      hit.features = std::move(ranked[i].features);
    }
    ids.push_back(hit.id);
    response.hits.push_back(std::move(hit));
  }
  if (!request.facets.empty()) {
    SAIKI_RETURN_IF_ERROR(AddFacets(*state, request, matches, &response));
  }
  if (request.highlight) SAIKI_RETURN_IF_ERROR(AddHighlights(req, request, &response));
  SAIKI_RETURN_IF_ERROR(snapshot.End());
  if (!request.user.empty() && !ranked.empty() && !sorted) {
    if (read_only_) return Status::IoError(conn_->path() + ": a search for a user is logged, "
                                           "and the database is opened read-only");
    SAIKI_ASSIGN_OR_RETURN(std::string qid, LogSearch(req, response, ranked, ids, champion));
    response.query_id = qid;
  }
  response.took_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return response;
}

}  // namespace saiki::engine
