// Query evaluation over posting cursors. See searcher.h for the semantics.
//
// Cursor layers, all concrete (no virtual call per posting):
//   TermCursor   one token's postings across segments (postings.h)
//   PhraseCursor tokens that must co-occur at relative positions in a field
//   ClauseCursor alternatives (synonyms) of one clause, tf summed
// The top-k is a bounded heap whose worst entry is compared once per match.
//
// Dynamic pruning (block-max, README "Dynamic pruning"): the conjunctive
// pass walks docid ranges bounded by the posting blocks of the scored
// clauses and bonus tokens. Each block's directory entry holds max tf and
// min field length per field, so a range's best possible score is known
// without decoding it; once the heap holds k hits (and the total is past
// CompiledQuery::total_exact_up_to), a range whose bound cannot beat the
// k-th hit is skipped whole. Skipped ranges are never decoded.
#include "index/searcher.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

namespace saiki::index {
namespace {

using TfArray = std::array<uint32_t, kNumFields>;
using WeightedTf = std::array<double, kNumFields>;

class PhraseCursor {
 public:
  // `tokens` come with their postings; sorted here rarest first so the
  // rarest drives the intersection.
  PhraseCursor(std::vector<std::pair<TermCursor, uint32_t>> tokens) : tokens_(std::move(tokens)) {
    std::sort(tokens_.begin(), tokens_.end(),
              [](const auto& a, const auto& b) { return a.first.df() < b.first.df(); });
    df_ = tokens_.empty() ? 0 : tokens_.front().first.df();
    Align();
  }

  // The current match, or after ProbeAt a lower bound of the next one
  // (exact() false).
  uint32_t doc() const { return doc_; }
  bool exact() const { return exact_; }
  uint32_t df() const { return df_; }
  // The phrase's occurrences in field f at doc(), when exact(). A single
  // token's are read from its cursor's block (no copy per document: a
  // copy's narrow stores, read back wide by the clause, stall the load).
  uint32_t tf(int f) const { return tokens_.size() == 1 ? tokens_[0].first.tf(f) : tf_[f]; }
  // tf(f) of every field, times `weight` into *weighted.
  void Tfs(double weight, TfArray* tf, WeightedTf* weighted) const {
    if (tokens_.size() == 1) {
      const TermCursor& t = tokens_[0].first;
      for (int f = 0; f < kNumFields; ++f) {
        const uint32_t v = t.tf(f);
        (*tf)[f] = v;
        (*weighted)[f] = weight * v;
      }
      return;
    }
    for (int f = 0; f < kNumFields; ++f) {
      (*tf)[f] = tf_[f];
      (*weighted)[f] = weight * tf_[f];
    }
  }
  // The block of the rarest token holding its docids from `target` on
  // (TermCursor::PeekBlock). Bounds the phrase: each occurrence of the
  // phrase is one of that token's, in a document of the same lengths.
  const BlockInfo* PeekBlock(uint32_t target) { return tokens_[0].first.PeekBlock(target); }
  // The rarest token drives: its docids are the candidates.
  void PrefetchRows(const void* base, uint32_t stride) {
    if (!tokens_.empty()) tokens_[0].first.PrefetchRows(base, stride);
  }
  void Next() {
    if (!exact_) {
      NextGeq(doc_);
      return;
    }
    tokens_[0].first.Next();
    Align();
  }
  // Moves to the first match at or after `target` (exact).
  void NextGeq(uint32_t target) {
    if (doc_ >= target && exact_) return;
    tokens_[0].first.NextGeq(std::max(target, doc_));
    Align();
  }
  // Whether the phrase is at `d`, and nothing more: afterwards doc() == d
  // (exact) when it is, else doc() > d is a lower bound of the next match
  // (some token's next document), and positions were compared only if
  // every token is at d. The two-phase check of Lucene's phrase queries:
  // a clause that does not lead the conjunction is asked about the lead's
  // candidates only, so verifying its own matches in between is wasted.
  // Targets must not decrease.
  void ProbeAt(uint32_t d) {
    if (doc_ > d || (doc_ == d && exact_)) return;
    if (tokens_.size() == 1) {
      NextGeq(d);
      return;
    }
    exact_ = false;
    for (auto& t : tokens_) {
      t.first.NextGeq(d);
      if (t.first.doc() != d) {
        doc_ = t.first.doc();
        exact_ = doc_ == kEndDoc;
        return;
      }
    }
    if (ComputeTf()) {
      doc_ = d;
      exact_ = true;
    } else {
      doc_ = d + 1;  // d < kEndDoc
    }
  }
  Status status() const {
    for (const auto& t : tokens_) {
      if (!t.first.status().ok()) return t.first.status();
    }
    return Status::Ok();
  }

 private:
  // Moves to the first doc at or after the driver's where every token is
  // present and, for phrases, in position.
  void Align() {
    TermCursor& lead = tokens_[0].first;
    uint32_t d = lead.doc();
    while (d != kEndDoc) {
      size_t i = 1;
      for (; i < tokens_.size(); ++i) {
        tokens_[i].first.NextGeq(d);
        uint32_t e = tokens_[i].first.doc();
        if (e != d) {
          d = e;
          break;
        }
      }
      if (i < tokens_.size()) {
        if (d == kEndDoc) break;
        lead.NextGeq(d);
        d = lead.doc();
        continue;
      }
      if (ComputeTf()) {
        doc_ = d;
        exact_ = true;
        return;
      }
      lead.Next();
      d = lead.doc();
    }
    doc_ = kEndDoc;
    exact_ = true;
  }

  // Fills tf_ for the current doc (a single token's tfs are read in
  // place: tf()); false when no field holds the phrase.
  bool ComputeTf() {
    if (tokens_.size() == 1) return true;
    uint8_t mask = 0xff;
    for (const auto& t : tokens_) mask &= t.first.field_mask();
    bool any = false;
    for (int f = 0; f < kNumFields; ++f) {
      tf_[f] = 0;
      if (!(mask & (1u << f))) continue;
      auto lead = tokens_[0].first.positions(f);
      uint32_t lead_rel = tokens_[0].second;
      for (uint32_t p : lead) {
        if (p < lead_rel) continue;
        uint32_t start = p - lead_rel;
        bool all = true;
        for (size_t i = 1; i < tokens_.size() && all; ++i) {
          auto pos = tokens_[i].first.positions(f);
          all = std::binary_search(pos.begin(), pos.end(), start + tokens_[i].second);
        }
        if (all) ++tf_[f];
      }
      any |= tf_[f] > 0;
    }
    return any;
  }

  std::vector<std::pair<TermCursor, uint32_t>> tokens_;
  uint32_t doc_ = kEndDoc;
  bool exact_ = true;  // doc_ is a match (or the end), not a lower bound
  uint32_t df_ = 0;
  TfArray tf_{};
};

double Idf(double n, double df) { return std::log(1.0 + (n - df + 0.5) / (df + 0.5)); }

// Per-query constants of BM25F.
struct Scorer {
  Scorer(const Bm25fParams& p, const DocTable& docs) : params(p), docs(docs) {
    for (int f = 0; f < kNumFields; ++f) {
      c1[f] = 1.0 - p.b[f];
      c2[f] = p.b[f] / docs.average_length(f);
    }
  }
  // Returns s(c,d); with `fields`, adds its split by field.
  template <typename TfLike>
  double Score(uint32_t docid, const TfLike& tf, double idf, double* fields) const {
    const FieldLengths& len = docs.lengths(docid);
    double part[kNumFields];
    double t = 0;
    for (int f = 0; f < kNumFields; ++f) {
      part[f] = tf[f] ? params.weight[f] * tf[f] / (c1[f] + c2[f] * len[f]) : 0.0;
      t += part[f];
    }
    if (t <= 0) return 0;
    double s = idf * t * (params.k1 + 1) / (params.k1 + t);
    if (fields) {
      for (int f = 0; f < kNumFields; ++f) fields[f] += s * part[f] / t;
    }
    return s;
  }
  // An upper bound of Score() over documents whose (weighted) tf in each
  // field is at most max_tf[f] and whose length is at least min_len[f]:
  // s grows with each tf and with T, and falls with each length (field
  // weights, k1 and b are non-negative by their settings' ranges). Written
  // as Score() is, so that rounding keeps it >= Score(); callers add a
  // relative slack for sums taken in another order. +infinity when the
  // parameters make it non-finite (never prunes).
  double Bound(const WeightedTf& max_tf, const WeightedTf& min_len, double idf) const {
    double t = 0;
    for (int f = 0; f < kNumFields; ++f) {
      if (max_tf[f] > 0) t += params.weight[f] * max_tf[f] / (c1[f] + c2[f] * min_len[f]);
    }
    return Saturate(t, idf);
  }
  // Bound() with the lengths' part computed once: norm[f] = weight_f /
  // (c1_f + c2_f * min_len_f) (Norms). Equal to Bound() within rounding,
  // which the callers' relative slack covers.
  double BoundByNorms(const WeightedTf& max_tf, const WeightedTf& norm, double idf) const {
    double t = 0;
    for (int f = 0; f < kNumFields; ++f) {
      if (max_tf[f] > 0) t += max_tf[f] * norm[f];
    }
    return Saturate(t, idf);
  }
  WeightedTf Norms(const WeightedTf& min_len) const {
    WeightedTf norm;
    for (int f = 0; f < kNumFields; ++f) norm[f] = params.weight[f] / (c1[f] + c2[f] * min_len[f]);
    return norm;
  }
  // The largest T whose saturation is at most `s`, made smaller by a
  // relative margin that covers this inversion's rounding: Saturate(t,
  // idf) <= s whenever t <= SaturateInverse(s, idf). NaN when no T
  // qualifies or the inputs are not finite (a comparison with it is false).
  // k1 >= 0 (its setting's range).
  double SaturateInverse(double s, double idf) const {
    const double k1 = params.k1;
    const double top = idf * (k1 + 1);  // the supremum of Saturate over T
    if (!(std::isfinite(s) && std::isfinite(idf) && std::isfinite(k1))) {
      return std::numeric_limits<double>::quiet_NaN();
    }
    // No T qualifies below 0; at or above the supremum every finite T does
    // (an infinite one, Saturate's +infinity, not). Saturate is 0 when idf
    // <= 0 (a term in more documents than are live: the score itself is
    // negative).
    if (s < 0) return std::numeric_limits<double>::quiet_NaN();
    if (idf <= 0 || s >= top) return std::numeric_limits<double>::max();
    return s * k1 / (top - s) * (1 - 1e-12);
  }
  // BM25's saturation of a bound of T (as Score() computes it).
  double Saturate(double t, double idf) const {
    if (std::isnan(t) || std::isnan(idf)) return std::numeric_limits<double>::infinity();
    if (t <= 0 || idf <= 0) return 0;
    double s = idf * t * (params.k1 + 1) / (params.k1 + t);
    return std::isfinite(s) ? s : std::numeric_limits<double>::infinity();
  }
  const Bm25fParams& params;
  const DocTable& docs;
  double c1[kNumFields], c2[kNumFields];
};

class ClauseCursor {
 public:
  // `weights`: one per alternative (see Clause::weights).
  ClauseCursor(std::vector<PhraseCursor> alts, std::vector<double> weights)
      : alts_(std::move(alts)), weights_(std::move(weights)) {
    for (const auto& a : alts_) df_ = std::max(df_, a.df());
    for (double w : weights_) weights_nonnegative_ &= w >= 0;
    Settle();
  }

  bool empty() const { return alts_.empty(); }
  void PrefetchRows(const void* base, uint32_t stride) {
    for (auto& a : alts_) a.PrefetchRows(base, stride);
  }
  // The current match, or after ProbeAt a lower bound of the next one when
  // it is not at the probed document.
  uint32_t doc() const { return doc_; }
  uint32_t df() const { return df_; }
  // At doc(), when it is a match. Occurrences by field, every alternative
  // counted once (match facts).
  const TfArray& tf() const { return tf_; }
  // What the score uses: occurrences times their alternative's weight.
  const WeightedTf& weighted_tf() const { return wtf_; }
  void Next() {
    for (auto& a : alts_) {
      if (a.doc() == doc_) a.Next();
    }
    Settle();
  }
  void NextGeq(uint32_t target) {
    if (doc_ >= target && exact_) return;
    for (auto& a : alts_) a.NextGeq(target);
    Settle();
  }
  // Whether the clause matches `d` (PhraseCursor::ProbeAt): afterwards
  // doc() == d when it does, else doc() > d, a lower bound of its next
  // match. Targets must not decrease.
  void ProbeAt(uint32_t d) {
    if (doc_ > d || (doc_ == d && exact_)) return;
    for (auto& a : alts_) a.ProbeAt(d);
    Settle();
  }
  Status status() const {
    for (const auto& a : alts_) SAIKI_RETURN_IF_ERROR(a.status());
    return Status::Ok();
  }

  // Block-max bound: sets *bound to an upper bound of the clause's score
  // over the docids in [target, *upto], after lowering *upto to the end of
  // the blocks it used. Each alternative's tf is bounded by its rarest
  // token's block (times the alternative's weight, summed over
  // alternatives as the score sums them), each field's length by the least
  // of those blocks' minimum lengths. False when no alternative has a
  // docid >= target: the clause cannot match again.
  bool BlockBound(uint32_t target, const Scorer& scorer, uint32_t* upto, double* bound) {
    WeightedTf max_tf{}, min_len;
    min_len.fill(std::numeric_limits<double>::infinity());
    bool any = false;
    for (size_t i = 0; i < alts_.size(); ++i) {
      const BlockInfo* b = alts_[i].PeekBlock(target);
      if (b == nullptr) continue;
      any = true;
      *upto = std::min(*upto, b->last_docid);
      const double w = std::max(0.0, weights_[i]);
      for (uint32_t bits = b->field_mask & ((1u << kNumFields) - 1); bits != 0; bits &= bits - 1) {
        const int f = __builtin_ctz(bits);
        max_tf[f] += w * b->max_tf[f];
        min_len[f] = std::min<double>(min_len[f], b->min_len[f]);
      }
    }
    if (any) *bound = scorer.Bound(max_tf, min_len, idf);
    range_norm_ = scorer.Norms(min_len);
    norms_finite_ = true;
    for (int f = 0; f < kNumFields; ++f) norms_finite_ &= std::isfinite(range_norm_[f]);
    return any;
  }
  // The bound of the clause's score at the current document, a match
  // inside the range of the last BlockBound: its own tfs, the lengths
  // bounded by those blocks' minimums (no access to the docs table).
  double DocBound(const Scorer& scorer) const { return scorer.BoundByNorms(wtf_, range_norm_, idf); }
  // DocBound's T, before saturation: DocBound() is Saturate(DocT(), idf).
  // Without a branch per field when every term is a finite product of
  // non-negative factors (an absent field's is then +0, which leaves the
  // sum as it is): which fields a match has is unpredictable.
  double DocT() const {
    double t = 0;
    if (norms_finite_ && weights_nonnegative_) {
      for (int f = 0; f < kNumFields; ++f) t += wtf_[f] * range_norm_[f];
      return t;
    }
    for (int f = 0; f < kNumFields; ++f) {
      if (wtf_[f] > 0) t += wtf_[f] * range_norm_[f];
    }
    return t;
  }

  double idf = 0;

 private:
  // doc_: the least of the alternatives' docs; a match (exact_) when an
  // alternative there is exact, and then the tfs of those that are.
  void Settle() {
    if (alts_.size() == 1) {  // most clauses: no synonym, no reading
      const PhraseCursor& a = alts_[0];
      doc_ = a.doc();
      exact_ = doc_ == kEndDoc || a.exact();
      if (doc_ != kEndDoc && exact_) a.Tfs(weights_[0], &tf_, &wtf_);
      return;
    }
    doc_ = kEndDoc;
    for (const auto& a : alts_) doc_ = std::min(doc_, a.doc());
    exact_ = doc_ == kEndDoc;
    for (const auto& a : alts_) exact_ |= a.doc() == doc_ && a.exact();
    tf_.fill(0);
    wtf_.fill(0);
    if (doc_ == kEndDoc) return;
    for (size_t i = 0; i < alts_.size(); ++i) {
      const PhraseCursor& a = alts_[i];
      if (a.doc() != doc_ || !a.exact()) continue;
      for (int f = 0; f < kNumFields; ++f) {
        tf_[f] += a.tf(f);
        wtf_[f] += weights_[i] * a.tf(f);
      }
    }
  }

  std::vector<PhraseCursor> alts_;
  std::vector<double> weights_;
  WeightedTf wtf_{};
  // Per field, from the last BlockBound's minimum lengths (Scorer::Norms).
  WeightedTf range_norm_{};
  bool norms_finite_ = false;  // every range_norm_ finite
  bool weights_nonnegative_ = true;
  uint32_t doc_ = kEndDoc;
  bool exact_ = true;
  uint32_t df_ = 0;
  TfArray tf_{};
};

// The result order (CompiledQuery::sort): a ranks before b. For hits and
// for TopK's entries, which carry the same keys.
struct HitOrder {
  SortKey sort = SortKey::kRelevance;
  bool descending = false;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    if (a.matched_clauses != b.matched_clauses) return a.matched_clauses > b.matched_clauses;
    if (sort != SortKey::kRelevance) {
      bool a_none = std::isnan(a.sort_value), b_none = std::isnan(b.sort_value);
      if (a_none != b_none) return b_none;  // products without the value last
      if (!a_none && a.sort_value != b.sort_value) {
        return descending ? a.sort_value > b.sort_value : a.sort_value < b.sort_value;
      }
    }
    if (a.score != b.score) return a.score > b.score;
    return a.docid < b.docid;
  }
};

// Bounded top-k: a heap whose front is the worst kept hit. The heap holds
// 24-byte entries (the order's keys and a slot); the hits themselves stay
// in their slots, written once when they enter. A better hit than the
// worst replaces it in place and sifts down once (no pop and push, no
// moving of whole hits): with k = ranker.candidates (200), a common term's
// matches enter it often.
class TopK {
 public:
  explicit TopK(size_t k, HitOrder order = HitOrder()) : k_(k), better_(order) {
    hits_.reserve(k);
    heap_.reserve(k);
  }
  bool full() const { return k_ > 0 && heap_.size() >= k_; }
  // The worst kept hit's score; only when full().
  double worst_score() const { return heap_.front().score; }
  void Push(const Hit& h) {
    if (k_ == 0) return;
    if (heap_.size() < k_) {
      heap_.push_back(EntryOf(h, static_cast<uint32_t>(hits_.size())));
      hits_.push_back(h);
      std::push_heap(heap_.begin(), heap_.end(), better_);
    } else if (better_(h, heap_.front())) {
      const uint32_t slot = heap_.front().slot;
      hits_[slot] = h;
      SiftDownFromTop(EntryOf(h, slot));
    }
  }
  std::vector<Hit> Sorted() {
    std::sort(hits_.begin(), hits_.end(), better_);
    return std::move(hits_);
  }

 private:
  struct Entry {
    double score;
    uint32_t docid;
    uint32_t matched_clauses;
    float sort_value;
    uint32_t slot;  // in hits_
  };
  static Entry EntryOf(const Hit& h, uint32_t slot) {
    return Entry{h.score, h.docid, h.matched_clauses, h.sort_value, slot};
  }
  // better_ as a max-heap comparator puts the worst entry at the front
  // (std::push_heap's order); `e` replaces the front and moves down to
  // where both its children rank before it.
  void SiftDownFromTop(const Entry& e) {
    const size_t n = heap_.size();
    size_t i = 0;
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      // The worse child: it must rank after e to stay below it.
      if (child + 1 < n && better_(heap_[child], heap_[child + 1])) ++child;
      if (!better_(e, heap_[child])) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = e;
  }

  size_t k_;
  HitOrder better_;
  std::vector<Hit> hits_;
  std::vector<Entry> heap_;
};

// Opens the cursors of a clause. Alternatives with a token missing from the
// index cannot match and are dropped; an empty phrase is dropped too.
Result<ClauseCursor> OpenClause(const Clause& clause, PostingSource* source) {
  std::vector<PhraseCursor> alts;
  std::vector<double> weights;
  for (size_t a = 0; a < clause.alternatives.size(); ++a) {
    const Phrase& phrase = clause.alternatives[a];
    if (phrase.empty()) continue;
    std::vector<std::pair<TermCursor, uint32_t>> tokens;
    bool missing = false;
    for (const PhraseToken& t : phrase) {
      SAIKI_ASSIGN_OR_RETURN(const TermPostings* tp, source->Lookup(t.term));
      if (tp == nullptr) {
        missing = true;
        break;
      }
      std::vector<const PostingList*> lists;
      lists.reserve(tp->lists.size());
      for (const auto& l : tp->lists) lists.push_back(&l);
      tokens.emplace_back(TermCursor(std::move(lists)), t.rel);
    }
    if (!missing) {
      alts.emplace_back(std::move(tokens));
      weights.push_back(a < clause.weights.size() ? clause.weights[a] : 1.0);
    }
  }
  return ClauseCursor(std::move(alts), std::move(weights));
}

struct Bonus {
  TermCursor cursor;
  double idf;
};

// Every cursor one evaluation pass needs.
struct QueryCursors {
  std::vector<ClauseCursor> required, excluded, filters;
  std::vector<Bonus> bonus;
  std::vector<ClauseCursor> title_phrase;  // zero or one
  bool all_required_possible = true;
  bool filter_impossible = false;

  Status status() const {
    for (const auto* group : {&required, &excluded, &filters}) {
      for (const auto& c : *group) SAIKI_RETURN_IF_ERROR(c.status());
    }
    for (const auto& b : bonus) SAIKI_RETURN_IF_ERROR(b.cursor.status());
    for (const auto& c : title_phrase) SAIKI_RETURN_IF_ERROR(c.status());
    return Status::Ok();
  }
};

Result<QueryCursors> OpenAll(const CompiledQuery& query, PostingSource* source, double n) {
  QueryCursors qc;
  for (const Clause& c : query.required) {
    SAIKI_ASSIGN_OR_RETURN(ClauseCursor cc, OpenClause(c, source));
    if (cc.empty()) qc.all_required_possible = false;
    cc.idf = Idf(n, cc.df());
    qc.required.push_back(std::move(cc));
  }
  for (const Clause& c : query.excluded) {
    SAIKI_ASSIGN_OR_RETURN(ClauseCursor cc, OpenClause(c, source));
    if (!cc.empty()) qc.excluded.push_back(std::move(cc));
  }
  for (const Clause& c : query.filters) {
    SAIKI_ASSIGN_OR_RETURN(ClauseCursor cc, OpenClause(c, source));
    if (cc.empty()) qc.filter_impossible = true;
    qc.filters.push_back(std::move(cc));
  }
  for (const std::string& term : query.bonus) {
    SAIKI_ASSIGN_OR_RETURN(const TermPostings* tp, source->Lookup(term));
    if (tp == nullptr) continue;
    std::vector<const PostingList*> lists;
    for (const auto& l : tp->lists) lists.push_back(&l);
    TermCursor c(std::move(lists));
    double idf = Idf(n, c.df());
    qc.bonus.push_back({std::move(c), idf});
  }
  if (!query.title_phrase.empty()) {
    Clause c;
    c.alternatives.push_back(query.title_phrase);
    SAIKI_ASSIGN_OR_RETURN(ClauseCursor cc, OpenClause(c, source));
    if (!cc.empty()) qc.title_phrase.push_back(std::move(cc));
  }
  return qc;
}

// Scores one candidate that matched; `matched` marks the clauses at d.
class Evaluator {
 public:
  Evaluator(const CompiledQuery& q, const DocTable& docs, const Bm25fParams& p, QueryCursors* qc)
      : query_(q), docs_(docs), params_(p), scorer_(p, docs), qc_(qc) {}

  // Everything a candidate must pass besides the scored clauses.
  bool Admissible(uint32_t d) {
    if (!docs_.live(d)) return false;
    if (query_.price_min || query_.price_max) {
      float price = docs_.price(d);
      if (std::isnan(price)) return false;
      if (query_.price_min && price < *query_.price_min - 1e-6) return false;
      if (query_.price_max && price > *query_.price_max + 1e-6) return false;
    }
    for (auto& ex : qc_->excluded) {
      ex.ProbeAt(d);
      if (ex.doc() == d) return false;
    }
    return true;
  }

  Hit Score(uint32_t d) {
    Hit hit{d, 0.0, 0, {}, 0.0};
    switch (query_.sort) {
      case SortKey::kRelevance: break;
      case SortKey::kPrice: hit.sort_value = docs_.price(d); break;
      case SortKey::kRating: hit.sort_value = docs_.info(d).rating; break;
      case SortKey::kReviews: hit.sort_value = static_cast<float>(docs_.info(d).reviews); break;
    }
    double* fields = query_.explain ? hit.field_scores.data() : nullptr;
    for (auto& c : qc_->required) {
      if (c.doc() != d) continue;
      ++hit.matched_clauses;
      hit.score += scorer_.Score(d, c.weighted_tf(), c.idf, fields);
      hit.title_clauses += c.tf()[kTitle] > 0;
      hit.brand_match |= c.tf()[kBrand] > 0;
      hit.category_match |= c.tf()[kCategory] > 0;
    }
    for (auto& p : qc_->title_phrase) {
      p.ProbeAt(d);
      hit.title_phrase = p.doc() == d && p.tf()[kTitle] > 0;
    }
    for (auto& b : qc_->bonus) {
      b.cursor.NextGeq(d);
      if (b.cursor.doc() != d) continue;
      uint16_t tf[kNumFields];
      for (int f = 0; f < kNumFields; ++f) tf[f] = b.cursor.tf(f);
      double s = params_.bonus_weight * scorer_.Score(d, tf, b.idf, nullptr);
      hit.score += s;
      hit.bonus_score += s;
    }
    return hit;
  }

  // Block-max bound of the whole score over [target, *upto]: the scored
  // clauses' bounds plus the bonus tokens' (ClauseCursor::BlockBound), with
  // *upto set to the end of the shortest block used. False when a required
  // clause cannot match again (no document >= target can match).
  bool RangeBound(uint32_t target, uint32_t* upto, double* bound) {
    uint32_t end = kEndDoc - 1;
    double sum = 0;
    for (auto& c : qc_->required) {
      double b = 0;
      if (!c.BlockBound(target, scorer_, &end, &b)) return false;
      sum += b;
    }
    const double clauses = sum;
    const double bonus_weight = std::max(0.0, params_.bonus_weight);
    bonus_norms_.resize(qc_->bonus.size());  // allocates once per query
    for (size_t i = 0; i < qc_->bonus.size(); ++i) {
      Bonus& bonus = qc_->bonus[i];
      const BlockInfo* info = bonus.cursor.PeekBlock(target);
      if (info == nullptr) continue;
      end = std::min(end, info->last_docid);
      WeightedTf max_tf{}, min_len{};
      for (int f = 0; f < kNumFields; ++f) {
        max_tf[f] = info->max_tf[f];
        min_len[f] = info->min_len[f];
      }
      sum += bonus_weight * scorer_.Bound(max_tf, min_len, bonus.idf);
      bonus_norms_[i] = scorer_.Norms(min_len);
    }
    // Slack for rounding: the score sums its parts in another order.
    *bound = sum * (1 + 1e-9);
    *upto = end;
    range_bonus_bound_ = sum - clauses;
    limits_for_ = std::numeric_limits<double>::quiet_NaN();  // CannotBeat's, per range
    return true;
  }

  // Whether the current match d, inside the range of the last RangeBound,
  // cannot score above `threshold`, by bounds that read no document data
  // (a match ruled out costs none of the docs table's cache misses): the
  // clauses' own tfs over their blocks' minimum lengths plus, first, the
  // range's bonus bound, then, when that is not enough, the bonus tokens'
  // own tfs at d (moving their cursors to d, as Score would).
  //
  // With one required clause the tests compare the clause's T (DocT) with
  // limits inverted from the threshold once per range and threshold, a
  // division saved per match. The limits keep a margin (2e-9 relative,
  // besides the inversion's own) that makes them prune no more than the
  // general tests do.
  bool CannotBeat(uint32_t d, double threshold) {
    if (qc_->required.size() == 1) {
      if (!(limits_for_ == threshold)) SetLimits(threshold);
      const ClauseCursor& c = qc_->required[0];
      const double t = c.DocT();
      if (t <= t_limit_range_) return true;
      if (qc_->bonus.empty()) return false;
      bool any = false;
      double bonus = 0;
      for (size_t i = 0; i < qc_->bonus.size(); ++i) {
        Bonus& b = qc_->bonus[i];
        b.cursor.NextGeq(d);
        if (b.cursor.doc() != d) continue;
        any = true;
        WeightedTf tf;
        for (int f = 0; f < kNumFields; ++f) tf[f] = b.cursor.tf(f);
        bonus += scorer_.BoundByNorms(tf, bonus_norms_[i], b.idf);
      }
      if (!any) return t <= t_limit_alone_;
      const double clauses = scorer_.Saturate(t, c.idf);
      return !((clauses + std::max(0.0, params_.bonus_weight) * bonus) * (1 + 1e-9) > threshold);
    }
    double clauses = 0;
    for (const auto& c : qc_->required) clauses += c.DocBound(scorer_);
    if (!((clauses + range_bonus_bound_) * (1 + 1e-9) > threshold)) return true;
    if (qc_->bonus.empty()) return false;
    double bonus = 0;
    const double bonus_weight = std::max(0.0, params_.bonus_weight);
    for (auto& b : qc_->bonus) {
      b.cursor.NextGeq(d);
      if (b.cursor.doc() != d) continue;
      const BlockInfo& info = b.cursor.block();
      WeightedTf tf{}, min_len{};
      for (int f = 0; f < kNumFields; ++f) {
        tf[f] = b.cursor.tf(f);
        min_len[f] = info.min_len[f];
      }
      bonus += bonus_weight * scorer_.Bound(tf, min_len, b.idf);
    }
    return !((clauses + bonus) * (1 + 1e-9) > threshold);
  }

 private:
  const CompiledQuery& query_;
  const DocTable& docs_;
  const Bm25fParams& params_;
  Scorer scorer_;
  QueryCursors* qc_;
  // The limits of the single clause's T (CannotBeat) at the threshold
  // limits_for_ (NaN: none yet for this range): with the range's bonus
  // bound, and with no bonus token at the document.
  void SetLimits(double threshold) {
    const double idf = qc_->required[0].idf;
    const double base = threshold / (1 + 2e-9);
    t_limit_range_ = scorer_.SaturateInverse(base - range_bonus_bound_, idf);
    t_limit_alone_ = scorer_.SaturateInverse(base, idf);
    limits_for_ = threshold;
  }

  double range_bonus_bound_ = 0;  // the bonus tokens' part of the last RangeBound
  // Per bonus token, Scorer::Norms of its block's minimum lengths in the
  // last RangeBound (the block of any of its docids in the range).
  std::vector<WeightedTf> bonus_norms_;
  double limits_for_ = std::numeric_limits<double>::quiet_NaN();
  double t_limit_range_ = 0, t_limit_alone_ = 0;
};

HitOrder Order(const CompiledQuery& query) { return HitOrder{query.sort, query.sort_descending}; }

// No clause at all, a price range: every live document the range (and the
// exclusions) admit, in docid order, each scored 0 (exhaustive: nothing to
// bound, and the total is exact). The docs table is in
// memory, so this is a scan of it, about 1 ns per product.
Status ScanAll(const CompiledQuery& query, const DocTable& docs, QueryCursors* qc,
               Evaluator* eval, SearchOutcome* out) {
  TopK top(query.k, Order(query));
  for (uint32_t d = 1; d < docs.capacity(); ++d) {
    if (!eval->Admissible(d)) continue;
    ++out->total;
    if (query.match_docids) query.match_docids->push_back(d);
    top.Push(eval->Score(d));
  }
  out->hits = top.Sorted();
  return qc->status();
}

// All required clauses and filters must match: leapfrog intersection with
// the rarest cursor leading, docids in increasing order.
//
// Block-max pruning: once the heap holds k hits and at least
// query.total_exact_up_to matches were counted, the walk goes range by
// range (Evaluator::RangeBound), skipping a range whose bound is <= the
// k-th hit's score without decoding it; inside a range, a match whose own
// tfs bound its score that low (Evaluator::CannotBeat) is not scored. A
// document scoring <= the k-th hit's score cannot enter the heap (it comes
// after the kept hits in docid order, so it loses ties), so the top k equal
// exhaustive evaluation's. Only for the relevance order: a sort by price or
// rating, and facets (match_docids, which need every match), evaluate every
// match. Explanations (per-field splits, CompiledQuery::explain) are of the
// hits only, which are exact, so they prune too; so do the re-ranker's
// candidates (k = ranker.candidates). After a skip, `total` counts the
// matches seen, a lower bound (total_at_least).
Status Conjunctive(const CompiledQuery& query, const DocTable& docs, QueryCursors* qc,
                   Evaluator* eval, SearchOutcome* out) {
  std::vector<ClauseCursor*> drivers;
  for (auto& c : qc->required) drivers.push_back(&c);
  for (auto& c : qc->filters) drivers.push_back(&c);
  std::sort(drivers.begin(), drivers.end(),
            [](const ClauseCursor* a, const ClauseCursor* b) { return a->df() < b->df(); });
  TopK top(query.k, Order(query));
  const bool may_prune = query.sort == SortKey::kRelevance && query.match_docids == nullptr &&
                         query.k > 0 && !qc->required.empty();
  bool pruning = false;
  bool range_valid = false;
  uint32_t upto = 0;        // the current range's last docid
  double range_bound = 0;   // the best score any document of the range can reach
  ClauseCursor* lead = drivers[0];
  // The lead's docids are the candidates: their docs-table rows are
  // fetched while the other clauses are aligned and earlier matches scored.
  lead->PrefetchRows(docs.hot_rows(), DocTable::kHotRowBytes);
  uint32_t target = 0;  // no document below it can still match
  for (;;) {
    if (may_prune && !pruning && top.full() && out->total >= query.total_exact_up_to) {
      pruning = true;
    }
    if (pruning) {
      const double threshold = top.worst_score();
      bool more = true;
      for (;;) {
        if (!range_valid || target > upto) {
          more = eval->RangeBound(target, &upto, &range_bound);
          range_valid = true;
          if (!more) break;
        }
        if (!(range_bound <= threshold)) break;  // may hold a better hit (NaN: never skip)
        ++out->skipped_ranges;
        target = upto + 1;  // upto <= kEndDoc - 1: no overflow
      }
      if (!more) break;
    }
    lead->NextGeq(target);
    const uint32_t d = lead->doc();
    if (d == kEndDoc) break;
    if (pruning && d > upto) {  // past the range: bound the one holding d first
      target = d;
      continue;
    }
    size_t i = 1;
    uint32_t e = d;
    for (; i < drivers.size(); ++i) {
      drivers[i]->ProbeAt(d);
      e = drivers[i]->doc();
      if (e != d) break;
    }
    if (i < drivers.size()) {
      if (e == kEndDoc) break;
      target = e;
      continue;
    }
    if (pruning && eval->CannotBeat(d, top.worst_score())) {
      ++out->skipped_docs;  // cannot enter the heap: neither checked nor scored
      target = d + 1;
      continue;
    }
    if (eval->Admissible(d)) {
      ++out->total;
      if (query.match_docids) query.match_docids->push_back(d);
      top.Push(eval->Score(d));
    }
    target = d + 1;
  }
  out->total_at_least = out->skipped_ranges > 0 || out->skipped_docs > 0;
  out->hits = top.Sorted();
  return qc->status();
}

// At least one required clause, every filter: a union of the clauses.
// Exhaustive, with an exact total: it runs only when nothing matched every
// clause, and ranks by clauses matched before score, which a block bound of
// the score alone does not order.
Status Partial(const CompiledQuery& query, QueryCursors* qc, Evaluator* eval,
               SearchOutcome* out) {
  TopK top(query.k, Order(query));
  for (;;) {
    uint32_t d = kEndDoc;
    for (const auto& c : qc->required) d = std::min(d, c.doc());
    if (d == kEndDoc) break;
    bool pass = true;
    for (auto& f : qc->filters) {
      f.NextGeq(d);
      pass &= f.doc() == d;
    }
    if (pass && eval->Admissible(d)) {
      ++out->total;
      if (query.match_docids) query.match_docids->push_back(d);
      top.Push(eval->Score(d));
    }
    for (auto& c : qc->required) {
      if (c.doc() == d) c.Next();
    }
  }
  out->hits = top.Sorted();
  out->partial = out->total > 0;
  return qc->status();
}

}  // namespace

Result<SearchOutcome> Search(const CompiledQuery& query, PostingSource* source,
                             const DocTable& docs, const Bm25fParams& params) {
  SearchOutcome out;
  const double n = docs.live_count();
  {
    SAIKI_ASSIGN_OR_RETURN(QueryCursors qc, OpenAll(query, source, n));
    if (qc.filter_impossible) return out;
    bool runnable = (!qc.required.empty() && qc.all_required_possible) ||
                    (qc.required.empty() && !qc.filters.empty());
    if (query.required.empty() && query.filters.empty() &&
        (query.price_min || query.price_max)) {
      Evaluator eval(query, docs, params, &qc);
      SAIKI_RETURN_IF_ERROR(ScanAll(query, docs, &qc, &eval, &out));
      return out;
    }
    if (runnable) {
      Evaluator eval(query, docs, params, &qc);
      SAIKI_RETURN_IF_ERROR(Conjunctive(query, docs, &qc, &eval, &out));
    }
  }
  if (out.total == 0 && query.allow_partial && query.required.size() >= 2) {
    // The conjunctive pass moved the cursors: open fresh ones.
    SAIKI_ASSIGN_OR_RETURN(QueryCursors qc, OpenAll(query, source, n));
    std::erase_if(qc.required, [](const ClauseCursor& c) { return c.empty(); });
    Evaluator eval(query, docs, params, &qc);
    SAIKI_RETURN_IF_ERROR(Partial(query, &qc, &eval, &out));
  }
  return out;
}

}  // namespace saiki::index
