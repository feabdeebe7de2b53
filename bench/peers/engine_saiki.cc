// saiki through its public API only (include/saiki/saiki.h): ImportCsv of the
// raw catalogue (saiki normalises it itself), Search with the query syntax.
//
// Variants share one index:
//   saiki         ranker=bm25: BM25F top-k, no re-ranking (retrieval alone)
//   saiki-linear  ranker=linear (the default setting): 200 BM25F candidates,
//                 features and the linear model, anonymous
//   saiki-user    ranker=linear with SearchRequest.user set: personalised for
//                 a user with a click history and a personal model, and every
//                 search logged as an impression (a write transaction)
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>

#include "harness.h"
#include "saiki/saiki.h"

namespace peers {
namespace {

uint32_t DocOf(const std::string& id) {
  // P0000123 -> 123 (the generator numbers rows from 1, in file order).
  return static_cast<uint32_t>(std::strtoul(id.c_str() + 1, nullptr, 10));
}

class SaikiEngine : public Engine {
 public:
  explicit SaikiEngine(std::string variant) : variant_(std::move(variant)) {}

  bool Build(const std::string& csv, const std::string& path, KeyValues* notes,
             std::string* error) override {
    auto db = saiki::Database::Open(path);
    if (!db.ok()) return Fail(db.status(), error);
    saiki::ImportOptions opt;
    uint64_t bad = 0;
    opt.on_row_error = [&](const saiki::RowError&) { ++bad; };
    auto rep = (*db)->ImportCsv(csv, opt);
    if (!rep.ok()) return Fail(rep.status(), error);
    (*notes)["rows"] = std::to_string(rep->rows);
    (*notes)["rejected"] = std::to_string(rep->rejected);
    db_ = std::move(db.value());
    return true;
  }

  bool Open(const std::string& path, std::string* error) override {
    auto db = saiki::Database::Open(path);
    if (!db.ok()) return Fail(db.status(), error);
    db_ = std::move(db.value());
    saiki::Status st = db_->SetSetting("ranker", variant_ == "saiki" ? "bm25" : "linear");
    if (!st.ok()) return Fail(st, error);
    // The default (totals exact up to 1000, then pruned lower bounds), or
    // $SAIKI_PEERS_TOTAL_EXACT_UP_TO (2000000000: every total exact, no
    // pruning, to measure what pruning saves); set on every open because the
    // recall pass of an earlier variant on this shared index set it to exact.
    const char* exact_up_to = std::getenv("SAIKI_PEERS_TOTAL_EXACT_UP_TO");
    st = db_->SetSetting("total.exact_up_to", exact_up_to ? exact_up_to : "1000");
    if (!st.ok()) return Fail(st, error);
    if (variant_ == "saiki-user") user_ = "bench-user";
    return true;
  }

  bool Prime(const std::vector<Query>& qs, std::string* error) override {
    if (user_.empty()) return true;
    // A history: 100 searches with a click (some carts) on one of the top 3,
    // then the session is closed, which learns a personal model.
    for (size_t i = 0; i < qs.size() && i < 100; ++i) {
      saiki::SearchRequest req;
      req.query = qs[(i * 7) % qs.size()].saiki;
      req.user = user_;
      auto res = db_->Search(req);
      if (!res.ok()) return Fail(res.status(), error);
      if (res->hits.empty() || !res->query_id) continue;
      const auto& hit = res->hits[std::min<size_t>(i % 3, res->hits.size() - 1)];
      saiki::Status st = db_->RecordClick(*res->query_id, hit.id,
                                          i % 5 == 0 ? saiki::ClickKind::kCart
                                                     : saiki::ClickKind::kClick);
      if (!st.ok()) return Fail(st, error);
    }
    auto rep = db_->EndSession(user_);
    if (!rep.ok()) return Fail(rep.status(), error);
    if (*rep) {
      std::fprintf(stderr, "saiki-user: primed: %llu impressions, %llu clicks; global %s, user %s\n",
                   static_cast<unsigned long long>((*rep)->impressions),
                   static_cast<unsigned long long>((*rep)->clicks),
                   saiki::UpdateOutcomeName((*rep)->global.outcome),
                   saiki::UpdateOutcomeName((*rep)->personal.outcome));
    }
    return true;
  }

  bool Search(const Query& q, int k, std::vector<Hit>* hits, std::string* error) override {
    saiki::SearchRequest req;
    req.query = q.saiki;
    req.k = k;
    req.user = user_;
    auto res = db_->Search(req);
    if (!res.ok()) return Fail(res.status(), error);
    hits->clear();
    for (auto& h : res->hits) hits->push_back({DocOf(h.id), std::move(h.title)});
    return true;
  }

  // The match set through the public API, which returns at most 1000 hits
  // per call (offset <= 10000): the query is split into price ranges (the
  // price: filter is exact) at quantiles of the catalogue's prices, so that
  // each range holds at most 1000 matches. Enumerating a huge set this way
  // costs one product-row fetch per match, so past kWindowCap matches only a
  // price window expected to hold about kWindowCap of them is enumerated and
  // recall is measured inside it (MatchInfo::windowed).
  static constexpr double kWindowCap = 5000;

  bool MatchAll(const Query& q, std::vector<uint32_t>* docs, MatchInfo* info,
                std::string* error) override {
    docs->clear();
    if (!exact_totals_) {
      // The enumeration below needs exact totals; the recall pass runs after
      // the timed passes, so they keep the default.
      saiki::Status st = db_->SetSetting("total.exact_up_to", "2000000000");
      if (!st.ok()) return Fail(st, error);
      exact_totals_ = true;
    }
    const std::vector<double>& prices = SortedPrices();
    double lo = q.price_min.value_or(0), hi = q.price_max.value_or(1e9);
    saiki::SearchRequest req;
    req.query = SaikiQueryString(q.terms, q.brand, lo, hi);
    req.k = 1000;
    auto res = db_->Search(req);
    if (!res.ok()) return Fail(res.status(), error);
    if (res->partial || res->total == 0) return true;
    if (res->total <= 1000) {
      for (const auto& h : res->hits) docs->push_back(DocOf(h.id));
      return Finish(docs);
    }
    double total = static_cast<double>(res->total);
    if (total > kWindowCap && !prices.empty()) {
      // A window around the middle of [lo, hi] holding ~kWindowCap matches,
      // if matches are spread like the catalogue's prices.
      auto first = std::lower_bound(prices.begin(), prices.end(), lo);
      auto last = std::upper_bound(prices.begin(), prices.end(), hi);
      double n = static_cast<double>(last - first);
      double share = kWindowCap / total;
      auto mid = first + static_cast<long>(n / 2);
      auto a = mid - static_cast<long>(n * share / 2), b = mid + static_cast<long>(n * share / 2);
      a = std::max(a, first);
      b = std::min(b, last - 1);
      lo = *a;
      hi = *b;
      info->windowed = true;
      info->lo = lo;
      info->hi = hi;
      req.query = SaikiQueryString(q.terms, q.brand, lo, hi);
      res = db_->Search(req);
      if (!res.ok()) return Fail(res.status(), error);
      if (res->total <= 1000) {
        for (const auto& h : res->hits) docs->push_back(DocOf(h.id));
        return Finish(docs);
      }
    }
    if (!Range(q, lo, hi, static_cast<double>(res->total), docs, info, error)) return false;
    return Finish(docs);
  }

  void Describe(KeyValues* kv) override {
    auto st = db_->GetStats();
    if (!st.ok()) return;
    (*kv)["segments"] = std::to_string(st->segments);
    (*kv)["terms"] = std::to_string(st->terms);
    (*kv)["postings_bytes"] = std::to_string(st->postings_bytes);
  }

 private:
  bool exact_totals_ = false;  // total.exact_up_to set to exact (MatchAll)
  // Matches with a price in [lo, hi], known to number `total` (> 1000).
  bool Range(const Query& q, double lo, double hi, double total, std::vector<uint32_t>* docs,
             MatchInfo* info, std::string* error) {
    const std::vector<double>& prices = SortedPrices();
    saiki::SearchRequest req;
    req.k = 1000;
    if (lo >= hi || prices.empty()) {
      // One price: page through it.
      req.query = SaikiQueryString(q.terms, q.brand, lo, hi);
      for (int off = 0; off < static_cast<int>(total); off += 1000) {
        if (off > 10000) {
          info->complete = false;
          break;
        }
        req.offset = off;
        auto page = db_->Search(req);
        if (!page.ok()) return Fail(page.status(), error);
        for (const auto& h : page->hits) docs->push_back(DocOf(h.id));
      }
      return true;
    }
    // Cut [lo, hi] at catalogue price quantiles into parts of ~700 matches.
    auto first = std::lower_bound(prices.begin(), prices.end(), lo);
    auto last = std::upper_bound(prices.begin(), prices.end(), hi);
    long n = last - first;
    long parts = std::max(2L, static_cast<long>(std::ceil(total / 700)));
    std::vector<double> cuts{lo};
    for (long i = 1; i < parts; ++i) {
      double c = first[n * i / parts];
      if (c > cuts.back() && c <= hi) cuts.push_back(c);
    }
    if (cuts.size() == 1) cuts.push_back(std::floor((lo + hi) / 2) + 1);
    for (size_t i = 0; i < cuts.size(); ++i) {
      double a = cuts[i], b = i + 1 < cuts.size() ? cuts[i + 1] - 1 : hi;
      if (b < a) continue;
      req.query = SaikiQueryString(q.terms, q.brand, a, b);
      req.offset = 0;
      auto res = db_->Search(req);
      if (!res.ok()) return Fail(res.status(), error);
      if (res->partial || res->total == 0) continue;
      if (res->total <= 1000) {
        for (const auto& h : res->hits) docs->push_back(DocOf(h.id));
      } else if (!Range(q, a, b, static_cast<double>(res->total), docs, info, error)) {
        return false;
      }
    }
    return true;
  }

  static bool Finish(std::vector<uint32_t>* docs) {
    std::sort(docs->begin(), docs->end());
    docs->erase(std::unique(docs->begin(), docs->end()), docs->end());
    return true;
  }

  static const std::vector<double>& SortedPrices() {
    static const std::vector<double> sorted = [] {
      std::vector<double> p = g_catalogue_prices;
      std::sort(p.begin(), p.end());
      return p;
    }();
    return sorted;
  }

  static bool Fail(const saiki::Status& st, std::string* error) {
    *error = st.ToString();
    return false;
  }

  std::string variant_;
  std::string user_;
  std::unique_ptr<saiki::Database> db_;
};

}  // namespace

std::unique_ptr<Engine> MakeSaiki(const std::string& variant) {
  return std::make_unique<SaikiEngine>(variant);
}

}  // namespace peers
