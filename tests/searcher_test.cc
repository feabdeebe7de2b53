// Retrieval and BM25F: hand-computed scores on a tiny corpus, and an oracle
// test that compares the cursor-based search with exhaustive scoring on
// random corpora and queries (printed seed). A whitespace analyzer stands in
// for the Japanese one so that these tests isolate the index layer.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <sstream>

#include "index/searcher.h"
#include "index/segment_builder.h"
#include "tests/whitespace_analyzer.h"

namespace saiki::index {
namespace {

struct MemoryIndex : PostingSource {
  std::map<std::string, TermPostings, std::less<>> terms;
  Result<const TermPostings*> Lookup(std::string_view term) override {
    auto it = terms.find(term);
    return it == terms.end() ? nullptr : &it->second;
  }
};

struct TestDoc {
  std::string title, brand, category, tags, description;
  float price = std::numeric_limits<float>::quiet_NaN();
};

// Builds one segment per `split` documents, like repeated imports.
void Build(const std::vector<TestDoc>& docs, size_t split, MemoryIndex* index,
           DocTable* table) {
  WhitespaceAnalyzer analyzer;
  for (size_t start = 0; start < docs.size(); start += split) {
    SegmentBuilder builder(&analyzer);
    for (size_t i = start; i < std::min(docs.size(), start + split); ++i) {
      const TestDoc& d = docs[i];
      builder.Add(static_cast<uint32_t>(i + 1),
                  {"", d.title, d.brand, d.category, d.tags, d.description, d.price});
    }
    std::string docs_blob;
    REQUIRE(builder
                .Finish(
                    [&](std::string_view term, uint32_t df, std::string_view list) {
                      auto parsed = PostingList::Parse(std::string(list));
                      REQUIRE(parsed.ok());
                      REQUIRE(parsed->ndocs == df);
                      auto& tp = index->terms[std::string(term)];
                      tp.df += df;
                      tp.lists.push_back(std::move(parsed).value());
                      return Status::Ok();
                    },
                    &docs_blob)
                .ok());
    REQUIRE(DecodeDocs(docs_blob, [&](const DocInfo& d) { table->Add(d); }).ok());
  }
}

// Every list a builder hands to its sink, in order, and its docs blob.
std::string FinishedBytes(SegmentBuilder* builder) {
  std::string out, docs_blob;
  REQUIRE(builder
              ->Finish(
                  [&](std::string_view term, uint32_t df, std::string_view list) {
                    out += std::string(term) + '\0' + std::to_string(df) + '\0';
                    out += list;
                    return Status::Ok();
                  },
                  &docs_blob)
              .ok());
  return out + docs_blob;
}

TEST_CASE("a segment encoded on two threads has the same bytes as on one", "[searcher]") {
  const uint32_t seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  WhitespaceAnalyzer analyzer;
  SegmentBuilder one(&analyzer), two(&analyzer);
  one.set_parallel_finish_min(SIZE_MAX);
  two.set_parallel_finish_min(0);
  // Skewed vocabulary: a few terms in most documents, many rare ones, so
  // the chunks the threads share differ in terms and sizes.
  std::geometric_distribution<int> word(0.05);
  std::uniform_int_distribution<int> length(0, 12);
  for (uint32_t docid = 1; docid <= 400; docid += 1 + rng() % 3) {
    std::string fields[5];
    for (std::string& f : fields) {
      for (int n = length(rng); n > 0; --n) f += "w" + std::to_string(word(rng)) + " ";
    }
    IndexableDoc doc{"", fields[0], fields[1], fields[2], fields[3], fields[4], 1.0f};
    one.Add(docid, doc);
    two.Add(docid, doc);
  }
  REQUIRE(FinishedBytes(&one) == FinishedBytes(&two));
}

TEST_CASE("a sink error stops a two-thread encoding and is returned", "[searcher]") {
  WhitespaceAnalyzer analyzer;
  for (int fail_at : {0, 1, 7, 40}) {
    INFO("failing call " << fail_at);
    SegmentBuilder builder(&analyzer);
    builder.set_parallel_finish_min(0);
    for (uint32_t docid = 1; docid <= 200; ++docid) {
      std::string title = "t" + std::to_string(docid % 50) + " t" + std::to_string(docid % 7);
      builder.Add(docid, IndexableDoc{"", title, "", "", "", "", 1.0f});
    }
    int calls = 0;
    std::string docs_blob;
    Status st = builder.Finish(
        [&](std::string_view, uint32_t, std::string_view) {
          return calls++ == fail_at ? Status::IoError("disk full") : Status::Ok();
        },
        &docs_blob);
    CHECK(st.code() == StatusCode::kIoError);
    CHECK(calls == fail_at + 1);
  }
}

Clause Term(const std::string& text) {
  Clause c;
  c.label = text;
  Phrase p;
  std::istringstream in(text);
  std::string w;
  uint32_t rel = 0;
  while (in >> w) p.push_back({w, rel++});
  c.alternatives.push_back(p);
  return c;
}

TEST_CASE("BM25F scores equal hand-computed values on a tiny corpus", "[searcher]") {
  std::vector<TestDoc> docs = {
      {"a b", "", "", "", "a"},
      {"c", "", "", "", "a a b c"},
      {"b", "", "", "", ""},
  };
  MemoryIndex index;
  DocTable table;
  Build(docs, 10, &index, &table);
  Bm25fParams params;  // k1 1.2, title w 3 b .75, description w 1 b .75
  CompiledQuery q;
  q.required.push_back(Term("a"));
  q.explain = true;
  auto out = Search(q, &index, table, params);
  REQUIRE(out.ok());
  REQUIRE(out->total == 2);
  REQUIRE(out->hits.size() == 2);
  // N = 3, df(a) = 2: idf = ln(1 + 1.5/2.5) = ln 1.6.
  // avg title length 4/3, avg description length 5/3.
  // doc 1: title tf 1, len 2: 3 / (0.25 + 0.75*2/(4/3)) = 3/1.375;
  //        description tf 1, len 1: 1 / (0.25 + 0.75*1/(5/3)) = 1/0.7.
  double t1 = 3 / 1.375 + 1 / 0.7;
  double s1 = std::log(1.6) * t1 * 2.2 / (1.2 + t1);
  // doc 2: description tf 2, len 4: 2 / (0.25 + 0.75*4/(5/3)) = 2/2.05.
  double t2 = 2 / 2.05;
  double s2 = std::log(1.6) * t2 * 2.2 / (1.2 + t2);
  CHECK(out->hits[0].docid == 1);
  CHECK(out->hits[0].score == Approx(s1).epsilon(1e-9));
  CHECK(out->hits[1].docid == 2);
  CHECK(out->hits[1].score == Approx(s2).epsilon(1e-9));
  // The explanation splits the score by field in proportion to each
  // field's part of the pseudo-frequency.
  CHECK(out->hits[0].field_scores[kTitle] == Approx(s1 * (3 / 1.375) / t1));
  CHECK(out->hits[0].field_scores[kDescription] == Approx(s1 * (1 / 0.7) / t1));
  CHECK(out->hits[1].field_scores[kTitle] == 0);
}

TEST_CASE("an alternative's weight scales its term frequencies in the score", "[searcher]") {
  // Two docs of one title word each; the clause is a (weight 1) or x (0.5),
  // as a term and its reading are.
  std::vector<TestDoc> docs = {{"a", "", "", "", ""}, {"x", "", "", "", ""}};
  MemoryIndex index;
  DocTable table;
  Build(docs, 10, &index, &table);
  CompiledQuery q;
  Clause c = Term("a");
  c.alternatives.push_back(Term("x").alternatives[0]);
  c.weights = {1.0, 0.5};
  q.required.push_back(c);
  auto out = Search(q, &index, table, Bm25fParams());
  REQUIRE(out.ok());
  REQUIRE(out->hits.size() == 2);
  // N 2, df of the group 1: idf ln 2. Title weight 3, every length 1: T = 3 tf.
  auto s = [](double t) { return std::log(2.0) * t * 2.2 / (1.2 + t); };
  CHECK(out->hits[0].docid == 1);
  CHECK(out->hits[0].score == Approx(s(3.0)).epsilon(1e-9));
  CHECK(out->hits[1].docid == 2);
  CHECK(out->hits[1].score == Approx(s(1.5)).epsilon(1e-9));
  // The match facts still count the occurrence whole.
  CHECK(out->hits[1].title_clauses == 1);
}

TEST_CASE("a phrase matches only adjacent words in order within one field", "[searcher]") {
  std::vector<TestDoc> docs = {
      {"dog food bowl", "", "", "", ""},
      {"food dog", "", "", "", ""},
      {"dog", "", "", "", "food"},
      {"dog x food", "", "", "", "dog food dog food"},
  };
  MemoryIndex index;
  DocTable table;
  Build(docs, 10, &index, &table);
  CompiledQuery q;
  q.required.push_back(Term("dog food"));
  auto out = Search(q, &index, table, Bm25fParams());
  REQUIRE(out.ok());
  std::vector<uint32_t> ids;
  for (const auto& h : out->hits) ids.push_back(h.docid);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<uint32_t>{1, 4});
}

TEST_CASE("no full match falls back to partial matches ranked by clauses matched",
          "[searcher]") {
  std::vector<TestDoc> docs = {
      {"a b", "", "", "", ""},
      {"a", "", "", "", ""},
      {"c", "", "", "", ""},
  };
  MemoryIndex index;
  DocTable table;
  Build(docs, 10, &index, &table);
  CompiledQuery q;
  for (auto t : {"a", "b", "zzz"}) q.required.push_back(Term(t));
  auto out = Search(q, &index, table, Bm25fParams());
  REQUIRE(out.ok());
  CHECK(out->partial);
  REQUIRE(out->hits.size() == 2);
  CHECK(out->hits[0].docid == 1);
  CHECK(out->hits[0].matched_clauses == 2);
  CHECK(out->hits[1].docid == 2);
  q.allow_partial = false;
  auto strict = Search(q, &index, table, Bm25fParams());
  REQUIRE(strict.ok());
  CHECK(strict->total == 0);
}

// ---- oracle ---------------------------------------------------------------

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> w;
  std::string x;
  while (in >> x) w.push_back(x);
  return w;
}

// Occurrences of `phrase` in field text (word-level, adjacent).
uint32_t CountPhrase(const std::string& field, const std::vector<std::string>& phrase) {
  auto w = Words(field);
  uint32_t n = 0;
  for (size_t i = 0; i + phrase.size() <= w.size(); ++i) {
    if (std::equal(phrase.begin(), phrase.end(), w.begin() + i)) ++n;
  }
  return n;
}

TEST_CASE("search equals exhaustive BM25F scoring on random corpora", "[searcher]") {
  auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const std::vector<std::string> vocab = {"a", "b", "c", "d", "e", "f", "g", "h"};
  auto random_text = [&](size_t max_words) {
    std::string s;
    for (size_t i = 0, n = rng() % (max_words + 1); i < n; ++i) {
      // Skewed: early words are common.
      s += vocab[std::min<size_t>(rng() % vocab.size(), rng() % vocab.size())] + " ";
    }
    return s;
  };
  for (int round = 0; round < 20; ++round) {
    std::vector<TestDoc> docs(50 + rng() % 300);
    for (auto& d : docs) {
      d = {random_text(6), random_text(1), random_text(2), random_text(3), random_text(12),
           static_cast<float>(rng() % 100)};
    }
    MemoryIndex index;
    DocTable table;
    Build(docs, 1 + rng() % 200, &index, &table);
    // Some deletions.
    std::vector<bool> deleted(docs.size() + 1, false);
    for (size_t i = 0; i < docs.size() / 10; ++i) {
      uint32_t d = 1 + rng() % docs.size();
      table.Remove(d);
      deleted[d] = true;
    }
    Bm25fParams params;
    for (int q_round = 0; q_round < 20; ++q_round) {
      CompiledQuery q;
      q.k = 1 + rng() % 20;
      std::vector<std::vector<std::string>> clauses;
      for (size_t i = 0, n = 1 + rng() % 3; i < n; ++i) {
        std::string text = vocab[rng() % vocab.size()];
        if (rng() % 4 == 0) text += " " + vocab[rng() % vocab.size()];
        q.required.push_back(Term(text));
        clauses.push_back(Words(text));
      }
      std::vector<std::string> excluded;
      if (rng() % 3 == 0) {
        excluded.push_back(vocab[rng() % vocab.size()]);
        q.excluded.push_back(Term(excluded.back()));
      }
      if (rng() % 3 == 0) {
        q.price_min = rng() % 50;
        q.price_max = *q.price_min + rng() % 60;
      }
      q.allow_partial = false;
      auto out = Search(q, &index, table, params);
      REQUIRE(out.ok());

      // Exhaustive: every live doc, every clause, every field.
      double n = table.live_count();
      std::vector<double> idf;
      for (const auto& c : clauses) {
        // df estimate: the rarest word of the phrase, counted over every
        // indexed doc (deleted included), as the index keeps them.
        uint32_t df = UINT32_MAX;
        for (const auto& w : c) {
          auto it = index.terms.find(w);
          df = std::min<uint32_t>(df, it == index.terms.end() ? 0 : it->second.df);
        }
        idf.push_back(std::log(1.0 + (n - df + 0.5) / (df + 0.5)));
      }
      std::vector<std::pair<double, uint32_t>> expected;
      for (uint32_t id = 1; id <= docs.size(); ++id) {
        if (deleted[id]) continue;
        const TestDoc& d = docs[id - 1];
        const std::string fields[kNumFields] = {d.title, d.brand, d.category, d.tags,
                                                d.description};
        if (q.price_min && !(d.price >= *q.price_min && d.price <= *q.price_max)) continue;
        bool excluded_hit = false;
        for (const auto& e : excluded) {
          for (const auto& f : fields) excluded_hit |= CountPhrase(f, {e}) > 0;
        }
        if (excluded_hit) continue;
        double score = 0;
        bool all = true;
        for (size_t c = 0; c < clauses.size() && all; ++c) {
          double t = 0;
          for (int f = 0; f < kNumFields; ++f) {
            uint32_t tf = CountPhrase(fields[f], clauses[c]);
            if (!tf) continue;
            double len = table.lengths(id)[f];
            t += params.weight[f] * tf /
                 (1 - params.b[f] + params.b[f] * len / table.average_length(f));
          }
          if (t == 0) all = false;
          score += idf[c] * t * (params.k1 + 1) / (params.k1 + t);
        }
        if (all) expected.push_back({score, id});
      }
      std::sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
      });
      REQUIRE(out->total == expected.size());
      REQUIRE(out->hits.size() == std::min<size_t>(q.k, expected.size()));
      for (size_t i = 0; i < out->hits.size(); ++i) {
        CHECK(out->hits[i].score == Approx(expected[i].first).epsilon(1e-9));
        // Ties may order differently only when scores are equal.
        if (out->hits[i].docid != expected[i].second) {
          CHECK(out->hits[i].score == Approx(expected[i].first).epsilon(1e-12));
        }
      }
    }
  }
}

TEST_CASE("weighted alternatives, price sorts and price-only scans equal exhaustive scoring",
          "[searcher]") {
  const unsigned seed = Catch::rngSeed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const std::vector<std::string> vocab = {"a", "b", "c", "d", "e", "f"};
  auto random_text = [&](size_t max_words) {
    std::string s;
    for (size_t i = 0, n = rng() % (max_words + 1); i < n; ++i) s += vocab[rng() % vocab.size()] + " ";
    return s;
  };
  for (int round = 0; round < 10; ++round) {
    std::vector<TestDoc> docs(30 + rng() % 200);
    for (auto& d : docs) {
      d = {random_text(4), "", "", "", random_text(8),
           rng() % 5 == 0 ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(rng() % 40)};
    }
    MemoryIndex index;
    DocTable table;
    Build(docs, 1 + rng() % 100, &index, &table);
    std::vector<bool> deleted(docs.size() + 1, false);
    for (size_t i = 0; i < docs.size() / 10; ++i) {
      uint32_t d = 1 + rng() % docs.size();
      table.Remove(d);
      deleted[d] = true;
    }
    Bm25fParams params;
    for (int q_round = 0; q_round < 20; ++q_round) {
      CompiledQuery q;
      q.k = 1 + rng() % 30;
      const bool price_only = rng() % 4 == 0;
      const std::string w1 = vocab[rng() % vocab.size()], w2 = vocab[rng() % vocab.size()];
      const double weight = (1 + rng() % 10) / 10.0;
      if (!price_only) {
        Clause c = Term(w1);
        if (w2 != w1) {
          c.alternatives.push_back(Term(w2).alternatives[0]);
          c.weights = {1.0, weight};
        }
        q.required.push_back(c);
      }
      if (price_only || rng() % 3 == 0) {
        q.price_min = rng() % 20;
        q.price_max = *q.price_min + rng() % 30;
      }
      const int sort = rng() % 3;  // relevance, price ascending, price descending
      if (sort > 0) {
        q.sort = SortKey::kPrice;
        q.sort_descending = sort == 2;
      }
      auto out = Search(q, &index, table, params);
      REQUIRE(out.ok());

      struct Expected {
        double score;
        float price;
        uint32_t id;
      };
      std::vector<Expected> expected;
      const double n = table.live_count();
      uint32_t df = 0;
      for (const auto& w : {w1, w2}) {
        auto it = index.terms.find(w);
        df = std::max<uint32_t>(df, it == index.terms.end() ? 0 : it->second.df);
      }
      const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
      for (uint32_t id = 1; id <= docs.size(); ++id) {
        if (deleted[id]) continue;
        const TestDoc& d = docs[id - 1];
        if (q.price_min && !(d.price >= *q.price_min && d.price <= *q.price_max)) continue;
        double score = 0;
        if (!price_only) {
          const std::string fields[kNumFields] = {d.title, d.brand, d.category, d.tags,
                                                  d.description};
          double t = 0;
          for (int f = 0; f < kNumFields; ++f) {
            double tf = CountPhrase(fields[f], {w1});
            if (w2 != w1) tf += weight * CountPhrase(fields[f], {w2});
            if (tf == 0) continue;
            double len = table.lengths(id)[f];
            t += params.weight[f] * tf /
                 (1 - params.b[f] + params.b[f] * len / table.average_length(f));
          }
          if (t == 0) continue;
          score = idf * t * (params.k1 + 1) / (params.k1 + t);
        }
        expected.push_back({score, d.price, id});
      }
      std::sort(expected.begin(), expected.end(), [&](const Expected& a, const Expected& b) {
        if (sort > 0) {
          bool an = std::isnan(a.price), bn = std::isnan(b.price);
          if (an != bn) return bn;
          if (!an && a.price != b.price) return sort == 2 ? a.price > b.price : a.price < b.price;
        }
        if (std::abs(a.score - b.score) > 1e-9) return a.score > b.score;
        return a.id < b.id;
      });
      REQUIRE(out->total == expected.size());
      REQUIRE(out->hits.size() == std::min<size_t>(q.k, expected.size()));
      for (size_t i = 0; i < out->hits.size(); ++i) {
        CHECK(out->hits[i].score == Approx(expected[i].score).epsilon(1e-9));
        if (sort > 0) {
          float p = docs[out->hits[i].docid - 1].price;
          CHECK(((std::isnan(p) && std::isnan(expected[i].price)) || p == expected[i].price));
        }
        if (out->hits[i].docid != expected[i].id) {
          // Only ties (equal score and price) may order differently.
          CHECK(out->hits[i].score == Approx(expected[i].score).epsilon(1e-12));
        }
      }
    }
  }
}


TEST_CASE("pruned top k equals exhaustive evaluation, hit for hit, on random corpora",
          "[searcher][pruning]") {
  // Corpora large enough for many blocks per common word (several
  // segments), words of Zipf-like frequency repeated in a field (tf > 1),
  // fields of varied length; queries with phrases, weighted alternatives,
  // bonus tokens, filters, exclusions and price ranges. Each query runs
  // exhaustively (every total exact) and with pruning from a random total
  // threshold on: the hits must be identical, docids and scores, ties by
  // docid; the pruned total is the exhaustive one or, when it says so, a
  // lower bound of it of at least the threshold.
  const unsigned seed = Catch::rngSeed();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::vector<std::string> vocab;
  for (int i = 0; i < 40; ++i) vocab.push_back("w" + std::to_string(i));
  auto word = [&] {
    // P(i) ~ 1/(i+1): w0 is in most documents.
    std::uniform_real_distribution<double> u(0, std::log(vocab.size() + 1.0));
    return vocab[std::min<size_t>(vocab.size() - 1, size_t(std::exp(u(rng))) - 1)];
  };
  auto random_text = [&](size_t max_words) {
    std::string s;
    for (size_t i = 0, n = rng() % (max_words + 1); i < n; ++i) {
      std::string w = word();
      for (size_t r = 0, reps = rng() % 8 == 0 ? 1 + rng() % 3 : 1; r < reps; ++r) s += w + " ";
    }
    return s;
  };
  uint64_t skipped_ranges = 0, skipped_docs = 0, lower_bounds = 0;
  for (int round = 0; round < 4; ++round) {
    std::vector<TestDoc> docs(1500 + rng() % 2500);
    for (auto& d : docs) {
      d = {random_text(3 + rng() % 12), random_text(1), random_text(2), random_text(4),
           random_text(rng() % 2 ? 4 : 30), static_cast<float>(rng() % 100)};
    }
    MemoryIndex index;
    DocTable table;
    Build(docs, 300 + rng() % 2000, &index, &table);
    for (size_t i = 0; i < docs.size() / 20; ++i) table.Remove(1 + rng() % docs.size());
    Bm25fParams params;
    params.bonus_weight = (rng() % 3) * 0.7;
    for (int q_round = 0; q_round < 60; ++q_round) {
      CompiledQuery q;
      q.k = 1 + rng() % (rng() % 2 ? 10 : 200);
      for (size_t i = 0, n = 1 + rng() % 3; i < n; ++i) {
        std::string text = word();
        if (rng() % 5 == 0) text += " " + word();  // a phrase
        Clause c = Term(text);
        if (rng() % 4 == 0) {  // alternatives, as synonyms and readings are
          for (size_t a = 0, na = 1 + rng() % 2; a < na; ++a) {
            c.alternatives.push_back(Term(word()).alternatives[0]);
          }
          c.weights.push_back(1.0);
          for (size_t a = 1; a < c.alternatives.size(); ++a) c.weights.push_back((1 + rng() % 10) / 10.0);
        }
        q.required.push_back(std::move(c));
      }
      for (size_t i = 0, n = rng() % 3; i < n; ++i) q.bonus.push_back(word());
      if (rng() % 4 == 0) q.excluded.push_back(Term(vocab[5 + rng() % 30]));
      if (rng() % 5 == 0) q.filters.push_back(Term(word()));
      if (rng() % 4 == 0) {
        q.price_min = rng() % 50;
        q.price_max = *q.price_min + rng() % 60;
      }
      q.explain = rng() % 2 == 0;
      q.allow_partial = rng() % 2 == 0;
      auto exhaustive = Search(q, &index, table, params);
      REQUIRE(exhaustive.ok());
      REQUIRE_FALSE(exhaustive->total_at_least);
      REQUIRE(exhaustive->skipped_ranges + exhaustive->skipped_docs == 0);
      const uint64_t thresholds[] = {0, 1, 10, 100};
      q.total_exact_up_to = thresholds[rng() % 4];
      auto pruned = Search(q, &index, table, params);
      REQUIRE(pruned.ok());
      INFO("round " << round << " query " << q_round << " k " << q.k << " exact up to "
                    << q.total_exact_up_to);
      skipped_ranges += pruned->skipped_ranges;
      skipped_docs += pruned->skipped_docs;
      REQUIRE(pruned->hits.size() == exhaustive->hits.size());
      for (size_t i = 0; i < pruned->hits.size(); ++i) {
        const Hit &a = pruned->hits[i], &b = exhaustive->hits[i];
        CHECK(a.docid == b.docid);
        CHECK(a.score == b.score);
        CHECK(a.matched_clauses == b.matched_clauses);
        CHECK(a.field_scores == b.field_scores);
        CHECK(a.bonus_score == b.bonus_score);
      }
      CHECK(pruned->partial == exhaustive->partial);
      if (pruned->total_at_least) {
        ++lower_bounds;
        CHECK(pruned->skipped_ranges + pruned->skipped_docs > 0);
        CHECK(pruned->total <= exhaustive->total);
        CHECK(pruned->total >= q.total_exact_up_to);
        CHECK(pruned->total >= pruned->hits.size());
      } else {
        CHECK(pruned->total == exhaustive->total);
      }
    }
  }
  // The test is about pruning: both kinds must have happened.
  CHECK(skipped_ranges > 0);
  CHECK(skipped_docs > 0);
  CHECK(lower_bounds > 0);
}

TEST_CASE("a term in more documents than are live (negative idf) prunes to the exhaustive hits",
          "[searcher][pruning]") {
  // df counts deleted documents: with every document holding x and some
  // deleted, x's idf is below 0, every score negative and every bound 0.
  std::vector<TestDoc> docs;
  for (int i = 0; i < 1500; ++i) {
    std::string title = "x";
    for (int w = 0; w < i % 9; ++w) title += " y";
    docs.push_back({title, "", "", "", i % 4 == 0 ? "x x" : "", float(i % 50)});
  }
  MemoryIndex index;
  DocTable table;
  Build(docs, 500, &index, &table);
  for (uint32_t d = 1; d <= 1500; d += 7) table.Remove(d);
  Bm25fParams params;
  for (uint64_t exact_up_to : {uint64_t{0}, uint64_t{100}, uint64_t{1000}}) {
    CompiledQuery q;
    q.required.push_back(Term("x"));
    q.k = 20;
    auto every = Search(q, &index, table, params);
    q.total_exact_up_to = exact_up_to;
    auto pruned = Search(q, &index, table, params);
    REQUIRE(every.ok());
    REQUIRE(pruned.ok());
    INFO("exact up to " << exact_up_to);
    REQUIRE(!every->hits.empty());
    CHECK(every->hits[0].score < 0);
    REQUIRE(pruned->hits.size() == every->hits.size());
    for (size_t i = 0; i < every->hits.size(); ++i) {
      CHECK(pruned->hits[i].docid == every->hits[i].docid);
      CHECK(pruned->hits[i].score == every->hits[i].score);
    }
    // Every bound (0) is above the k-th score: nothing can be skipped.
    CHECK_FALSE(pruned->total_at_least);
    CHECK(pruned->total == every->total);
  }
}

TEST_CASE("sorted searches, facets' match lists and partial matches keep exact totals",
          "[searcher][pruning]") {
  // Many documents of one word: a pruned relevance search skips most of
  // them, but these searches must see every match.
  // The first block holds the best documents (short titles); later ones
  // have longer titles, so their bounds fall below the fifth best score.
  std::vector<TestDoc> docs;
  for (int i = 0; i < 3000; ++i) {
    std::string title = "x";
    for (int w = 0, n = i < 100 ? i % 3 : 10 + i % 7; w < n; ++w) title += " y";
    docs.push_back({title, "", "", "", i % 3 == 0 ? "x x" : "", float(i % 50)});
  }
  MemoryIndex index;
  DocTable table;
  Build(docs, 1000, &index, &table);
  Bm25fParams params;
  CompiledQuery q;
  q.required.push_back(Term("x"));
  q.k = 5;
  q.total_exact_up_to = 0;
  auto relevance = Search(q, &index, table, params);
  REQUIRE(relevance.ok());
  CHECK(relevance->total_at_least);  // the control: this one prunes
  CHECK(relevance->total < 3000);

  CompiledQuery sorted = q;
  sorted.sort = SortKey::kPrice;
  auto by_price = Search(sorted, &index, table, params);
  REQUIRE(by_price.ok());
  CHECK_FALSE(by_price->total_at_least);
  CHECK(by_price->total == 3000);

  std::vector<uint32_t> matches;
  CompiledQuery faceted = q;
  faceted.match_docids = &matches;
  auto with_facets = Search(faceted, &index, table, params);
  REQUIRE(with_facets.ok());
  CHECK_FALSE(with_facets->total_at_least);
  CHECK(with_facets->total == 3000);
  CHECK(matches.size() == 3000);
  CHECK(with_facets->hits.size() == relevance->hits.size());
  for (size_t i = 0; i < relevance->hits.size(); ++i) {
    CHECK(with_facets->hits[i].docid == relevance->hits[i].docid);
  }

  CompiledQuery partial = q;  // no field holds "y x": partial matches of x
  partial.required.push_back(Term("y x"));
  auto some = Search(partial, &index, table, params);
  REQUIRE(some.ok());
  CHECK(some->partial);
  CHECK_FALSE(some->total_at_least);
  CHECK(some->total == 3000);
}

}  // namespace
}  // namespace saiki::index
