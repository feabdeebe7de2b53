// Xapian (libxapian, 1.4) with CJK n-grams: TermGenerator with FLAG_CJK_NGRAM
// indexes the normalised fields (unigrams and bigrams of CJK runs, words
// elsewhere) with positions, weighted by wdf increments that follow saiki's
// field weights (title 6, brand 4, category 3, tags 3, description 2); fields
// are 100 positions apart so a phrase never spans two. The brand key is a
// boolean term (prefix B), the price a sortable value in slot 0. Queries go
// through QueryParser with FLAG_CJK_NGRAM, the default operator AND, each
// term quoted as a phrase; the filters are OP_FILTER / OP_VALUE_RANGE. BM25
// ranking (Xapian's default).
#include "harness.h"

#ifdef SAIKI_PEERS_HAVE_XAPIAN
#include <xapian.h>

#include <algorithm>
#include <filesystem>

namespace peers {
namespace {

// The brand filter's boolean term (Xapian terms are at most 245 bytes).
std::string BrandTerm(const std::string& brand_key) {
  std::string t = "B";
  t.append(brand_key, 0, 200);
  return t;
}

class XapianEngine : public Engine {
 public:
  bool Build(const std::string& csv, const std::string& path, KeyValues* notes,
             std::string* error) override {
    try {
      Xapian::WritableDatabase db(path, Xapian::DB_CREATE_OR_OVERWRITE);
      Xapian::TermGenerator tg;
      tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
      double prep_s = 0;
      std::string read_err;
      bool read = ReadCatalog(csv, [&](Row& r) {
        auto t = Clock::now();
        NormRow n = NormalizeRow(r);
        prep_s += SecondsSince(t);
        Xapian::Document doc;
        tg.set_document(doc);
        const std::pair<const std::string*, int> fields[] = {
            {&n.title, 6}, {&n.brand, 4}, {&n.category, 3}, {&n.tags, 3}, {&n.description, 2}};
        for (const auto& [text, w] : fields) {
          tg.index_text(*text, w);
          tg.increase_termpos(100);
        }
        if (!n.brand_key.empty()) doc.add_boolean_term(BrandTerm(n.brand_key));
        doc.add_value(0, Xapian::sortable_serialise(n.price));
        doc.set_data(n.title);
        db.replace_document(n.idx, doc);
      }, &read_err);
      if (!read) {
        *error = read_err;
        return false;
      }
      auto t = Clock::now();
      db.commit();
      (*notes)["normalise_s"] = std::to_string(prep_s);
      (*notes)["commit_s"] = std::to_string(SecondsSince(t));
      return true;
    } catch (const Xapian::Error& e) {
      *error = "xapian: " + e.get_description();
      return false;
    }
  }

  bool Open(const std::string& path, std::string* error) override {
    try {
      db_ = Xapian::Database(path);
      qp_.set_database(db_);
      qp_.set_default_op(Xapian::Query::OP_AND);
      return true;
    } catch (const Xapian::Error& e) {
      *error = "xapian: " + e.get_description();
      return false;
    }
  }

  bool Search(const Query& q, int k, std::vector<Hit>* hits, std::string* error) override {
    try {
      Xapian::Enquire enq(db_);
      enq.set_query(Build(q));
      Xapian::MSet ms = enq.get_mset(0, k);
      hits->clear();
      for (auto it = ms.begin(); it != ms.end(); ++it)
        hits->push_back({*it, it.get_document().get_data()});
      return true;
    } catch (const Xapian::Error& e) {
      *error = "xapian: " + e.get_description();
      return false;
    }
  }

  bool MatchAll(const Query& q, std::vector<uint32_t>* docs, MatchInfo* info,
                std::string* error) override {
    try {
      Xapian::Enquire enq(db_);
      enq.set_query(Build(q));
      enq.set_weighting_scheme(Xapian::BoolWeight());
      enq.set_docid_order(Xapian::Enquire::ASCENDING);
      Xapian::MSet ms = enq.get_mset(0, db_.get_doccount());
      docs->clear();
      for (auto it = ms.begin(); it != ms.end(); ++it) docs->push_back(*it);
      std::sort(docs->begin(), docs->end());
      return true;
    } catch (const Xapian::Error& e) {
      *error = "xapian: " + e.get_description();
      return false;
    }
  }

 private:
  Xapian::Query Build(const Query& q) {
    std::string s;
    for (const std::string& t : q.terms) {
      if (!s.empty()) s += ' ';
      s += '"' + t + '"';
    }
    Xapian::Query query = qp_.parse_query(
        s, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM);
    if (!q.brand.empty())
      query = Xapian::Query(Xapian::Query::OP_FILTER, query,
                            Xapian::Query(BrandTerm(q.brand)));
    if (q.price_min || q.price_max) {
      Xapian::Query range =
          q.price_min && q.price_max
              ? Xapian::Query(Xapian::Query::OP_VALUE_RANGE, 0,
                              Xapian::sortable_serialise(*q.price_min),
                              Xapian::sortable_serialise(*q.price_max))
          : q.price_min ? Xapian::Query(Xapian::Query::OP_VALUE_GE, 0,
                                        Xapian::sortable_serialise(*q.price_min))
                        : Xapian::Query(Xapian::Query::OP_VALUE_LE, 0,
                                        Xapian::sortable_serialise(*q.price_max));
      query = Xapian::Query(Xapian::Query::OP_FILTER, query, range);
    }
    return query;
  }

  Xapian::Database db_;
  Xapian::QueryParser qp_;
};

}  // namespace

std::unique_ptr<Engine> MakeXapian() { return std::make_unique<XapianEngine>(); }
std::string XapianVersion() { return std::string("Xapian ") + Xapian::version_string(); }

}  // namespace peers

#else

namespace peers {
std::unique_ptr<Engine> MakeXapian() { return nullptr; }
std::string XapianVersion() { return ""; }
}  // namespace peers

#endif
