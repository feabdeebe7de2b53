// Facets (issue 13 item 6): counts over the whole match set, checked
// against counting the matches one by one (the oracle), for terms,
// filters, browse (filters alone), price-only scans, partial matches and
// sorted searches; price ranges; limits; deletions; the CLI.
#include "index/facets.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::Quote;
using testing::RunCli;
using testing::SourcePath;
using testing::TempDir;

std::unique_ptr<Database> OpenOrDie(const std::string& path) {
  auto db = Database::Open(path);
  INFO(db.status().ToString());
  REQUIRE(db.ok());
  return std::move(db).value();
}

void Import(Database* db, const std::string& csv) {
  std::istringstream in(csv);
  auto r = db->ImportCsv(in, "facets.csv", ImportOptions());
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  REQUIRE(r->rejected == 0);
}

const std::vector<std::string> kBrands = {"ペティーノ", "ACME", "わんこ堂", "Barkley & Co.", ""};
const std::vector<std::string> kCategories = {"ペット用品>犬用品>ベッド",
                                              "ペット用品>犬用品>フード",
                                              "ペット用品>猫用品>ベッド",
                                              "キッチン用品>コーヒー器具",
                                              "ペット用品",
                                              ""};

// A catalogue of `n` products drawn with `seed`: brands, categories and
// prices (some missing) in uneven shares; titles from a few words.
std::string RandomCatalog(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  const std::vector<std::string> words = {"犬", "猫", "ベッド", "フード", "おやつ", "首輪"};
  std::string csv = "id,title,description,brand,category,price\n";
  for (int i = 0; i < n; ++i) {
    std::string title = words[rng() % words.size()] + " " + words[rng() % words.size()];
    // Skewed: the first brands and categories are the common ones.
    size_t b = std::min(rng() % kBrands.size(), rng() % kBrands.size());
    size_t c = std::min(rng() % kCategories.size(), rng() % kCategories.size());
    std::string price;
    if (rng() % 10 != 0) {
      static const double kPrices[] = {0,    0.5,  1,    99,   100,  199.5, 200,   999,
                                       1000, 1999, 2000, 4999, 5000, 12000, 250000};
      price = std::to_string(kPrices[rng() % std::size(kPrices)]);
    }
    csv += "P" + std::to_string(i) + "," + title + ",説明," + "\"" + kBrands[b] + "\"," +
           kCategories[c] + "," + price + "\n";
  }
  return csv;
}

// The oracle: every match (k = 1000 > total), counted one by one from the
// stored products.
struct Expected {
  std::map<std::string, uint64_t> brand, category;
  std::map<double, uint64_t> price_from;
  uint64_t no_brand = 0, no_category = 0, no_price = 0;
};

Expected CountOneByOne(Database* db, SearchRequest req) {
  req.k = 1000;
  req.offset = 0;
  req.facets.clear();
  auto r = db->Search(req);
  REQUIRE(r.ok());
  REQUIRE(r->hits.size() == r->total);
  Expected e;
  for (const SearchHit& h : r->hits) {
    auto p = db->GetProduct(h.id);
    REQUIRE(p.ok());
    REQUIRE(p->has_value());
    const Product& product = **p;
    if (product.brand.empty()) {
      ++e.no_brand;
    } else {
      ++e.brand[product.brand];
    }
    if (product.category.empty()) {
      ++e.no_category;
    } else {
      ++e.category[product.category];
    }
    if (!product.price) {
      ++e.no_price;
    } else {
      // The 1-2-5 range the price falls in, found the slow way.
      double from = 0;
      for (double decade = 1; decade <= 1e12; decade *= 10) {
        for (double m : {1.0, 2.0, 5.0}) {
          if (m * decade <= *product.price && m * decade <= 1e12) from = m * decade;
        }
      }
      ++e.price_from[from];
    }
  }
  return e;
}

TEST_CASE("Price ranges follow the 1-2-5 series, from inclusive, to exclusive", "[facets]") {
  using index::PriceRangeFrom;
  using index::PriceRangeOf;
  using index::PriceRangeTo;
  CHECK(PriceRangeOf(std::nanf("")) == index::kNoPriceRange);
  CHECK(PriceRangeFrom(PriceRangeOf(0)) == 0);
  CHECK(PriceRangeTo(PriceRangeOf(0.5f)) == 1);
  CHECK(PriceRangeFrom(PriceRangeOf(1)) == 1);
  CHECK(PriceRangeFrom(PriceRangeOf(999)) == 500);
  CHECK(PriceRangeTo(PriceRangeOf(999)) == 1000);
  CHECK(PriceRangeFrom(PriceRangeOf(1000)) == 1000);
  CHECK(PriceRangeTo(PriceRangeOf(1000)) == 2000);
  CHECK(PriceRangeFrom(PriceRangeOf(4999)) == 2000);
  CHECK(PriceRangeFrom(PriceRangeOf(5000)) == 5000);
  CHECK(std::isinf(PriceRangeTo(PriceRangeOf(3e12f))));
  // Every range holds its own bounds' prices and nothing of its neighbours'.
  for (int i = 0; i < index::kPriceRanges; ++i) {
    INFO("range " << i);
    CHECK(PriceRangeFrom(i) < PriceRangeTo(i));
    CHECK(int(PriceRangeOf(static_cast<float>(PriceRangeFrom(i)))) == i);
    if (i + 1 < index::kPriceRanges) CHECK(PriceRangeFrom(i + 1) == PriceRangeTo(i));
    // Just below a bound (prices are 32-bit floats: halves exact below 2^23).
    if (i > 0 && PriceRangeFrom(i) <= 5e6) {
      CHECK(int(PriceRangeOf(static_cast<float>(PriceRangeFrom(i) - 0.5))) == i - 1);
    }
  }
}

TEST_CASE(
    "Facets equal counting every match, for terms, filters, browse, price scans, partial "
    "and sorted searches",
    "[facets]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("f.saiki"));
  const uint32_t seed = Catch::rngSeed();
  INFO("seed " << seed);
  Import(db.get(), RandomCatalog(600, seed));
  for (const char* query :
       {"犬", "ベッド 猫", "犬 -首輪", "brand:ACME", "category:犬用品", "price:..1999",
        "price:1000..", "犬 price:100..5000", "category:ペット用品 brand:ペティーノ",
        "犬 存在しない語", "\"犬 ベッド\""}) {
    for (SortOrder sort : {SortOrder::kRelevance, SortOrder::kPriceDescending}) {
      INFO("query " << query << " sort " << static_cast<int>(sort));
      SearchRequest req;
      req.query = query;
      req.sort = sort;
      req.k = 3;  // facets count all matches, not the page
      req.facets = {FacetField::kPrice, FacetField::kBrand, FacetField::kCategory};
      req.facet_limit = 1000;
      auto r = db->Search(req);
      INFO(r.status().ToString());
      REQUIRE(r.ok());
      Expected e = CountOneByOne(db.get(), req);
      REQUIRE(r->facets.size() == 3);
      // In the order asked for.
      CHECK(r->facets[0].field == FacetField::kPrice);
      CHECK(r->facets[1].field == FacetField::kBrand);
      CHECK(r->facets[2].field == FacetField::kCategory);

      std::map<double, uint64_t> prices;
      double last_from = -1;
      for (const PriceBucket& b : r->facets[0].buckets) {
        CHECK(b.from > last_from);  // cheapest first
        last_from = b.from;
        CHECK(b.count > 0);
        prices[b.from] = b.count;
      }
      CHECK(prices == e.price_from);
      CHECK(r->facets[0].missing == e.no_price);

      std::map<std::string, uint64_t> brands, categories;
      uint64_t previous = UINT64_MAX;
      for (const FacetValue& v : r->facets[1].values) {
        CHECK(v.count <= previous);  // most first
        previous = v.count;
        brands[v.value] = v.count;
      }
      CHECK(brands == e.brand);
      CHECK(r->facets[1].missing == e.no_brand);
      for (const FacetValue& v : r->facets[2].values) categories[v.value] = v.count;
      CHECK(categories == e.category);
      CHECK(r->facets[2].missing == e.no_category);

      // A limit keeps the most frequent values.
      req.facet_limit = 2;
      auto top = db->Search(req);
      REQUIRE(top.ok());
      REQUIRE(top->facets[1].values.size() == std::min<size_t>(2, r->facets[1].values.size()));
      for (size_t i = 0; i < top->facets[1].values.size(); ++i) {
        CHECK(top->facets[1].values[i].value == r->facets[1].values[i].value);
        CHECK(top->facets[1].values[i].count == r->facets[1].values[i].count);
      }
      CHECK(top->facets[0].buckets.size() == r->facets[0].buckets.size());  // ranges: all
    }
  }
}

TEST_CASE("Facets merge values that normalise alike and forget deleted products", "[facets]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("f.saiki"));
  Import(db.get(),
         "id,title,brand,category,price\n"
         "a,犬 ベッド,ACME,ペット用品>犬用品,1000\n"
         "b,犬 フード,ＡＣＭＥ,ペット用品>犬用品,1500\n"
         "c,犬 首輪,acme,ペット用品>犬用品>首輪,2000\n"
         "d,犬 おやつ,わんこ堂,ペット用品>犬用品,\n");
  SearchRequest req;
  req.query = "犬";
  req.facets = {FacetField::kBrand, FacetField::kCategory, FacetField::kPrice};
  auto r = db->Search(req);
  REQUIRE(r.ok());
  REQUIRE(r->facets[0].values.size() == 2);
  CHECK(r->facets[0].values[0].value == "ACME");  // as the first product stores it
  CHECK(r->facets[0].values[0].count == 3);
  CHECK(r->facets[0].values[1].value == "わんこ堂");
  // Category paths are values of their own at each depth.
  REQUIRE(r->facets[1].values.size() == 2);
  CHECK(r->facets[1].values[0].value == "ペット用品>犬用品");
  CHECK(r->facets[1].values[0].count == 3);
  CHECK(r->facets[1].values[1].value == "ペット用品>犬用品>首輪");
  REQUIRE(r->facets[2].buckets.size() == 2);
  CHECK(r->facets[2].buckets[0].from == 1000);
  CHECK(r->facets[2].buckets[0].to == 2000);
  CHECK(r->facets[2].buckets[0].count == 2);
  CHECK(r->facets[2].buckets[1].from == 2000);
  CHECK(r->facets[2].missing == 1);

  // The first ACME product goes: the value is named by the next one.
  std::vector<std::string> missing;
  REQUIRE(db->DeleteProducts({"a"}, &missing).ok());
  auto after = db->Search(req);
  REQUIRE(after.ok());
  REQUIRE(after->facets[0].values.size() == 2);
  CHECK(after->facets[0].values[0].value == "ＡＣＭＥ");
  CHECK(after->facets[0].values[0].count == 2);
  CHECK(after->facets[2].buckets[0].count == 1);
}

TEST_CASE("Facets of a search that matches nothing are empty, and bad facet options are refused",
          "[facets]") {
  TempDir dir;
  auto db = OpenOrDie(dir.File("f.saiki"));
  Import(db.get(), "id,title,brand,price\na,犬 ベッド,ACME,100\n");
  SearchRequest req;
  req.query = "猫";
  req.facets = {FacetField::kBrand, FacetField::kPrice};
  auto r = db->Search(req);
  REQUIRE(r.ok());
  REQUIRE(r->facets.size() == 2);
  CHECK(r->facets[0].values.empty());
  CHECK(r->facets[1].buckets.empty());

  req.facets = {FacetField::kBrand, FacetField::kBrand};
  auto twice = db->Search(req);
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(twice.status().message(), Catch::Contains("brand"));
  req.facets = {FacetField::kBrand};
  req.facet_limit = 0;
  auto zero = db->Search(req);
  REQUIRE_FALSE(zero.ok());
  CHECK_THAT(zero.status().message(), Catch::Contains("facet limit"));
}

TEST_CASE("saiki search --facets prints facets in JSON and under the table", "[facets][cli]") {
  TempDir dir;
  const std::string db = "--db " + Quote(dir.File("c.saiki")) + " ";
  auto imported = RunCli(db + "index " + Quote(SourcePath("datasets/catalog.csv")));
  REQUIRE(imported.exit_code == 0);
  auto res = RunCli(db + "search 犬 --facets brand,category,price --facet-limit 3 --json");
  INFO(res.err);
  REQUIRE(res.exit_code == 0);
  auto j = nlohmann::json::parse(res.out);
  REQUIRE(j.contains("facets"));
  CHECK(j["facets"]["brand"].size() == 3);
  CHECK(j["facets"]["category"].size() == 3);
  REQUIRE(j["facets"]["price"].size() > 0);
  uint64_t in_ranges = 0;
  for (const auto& b : j["facets"]["price"]) {
    CHECK(b["from"].get<double>() < b["to"].get<double>());
    in_ranges += b["count"].get<uint64_t>();
  }
  CHECK(in_ranges <= j["total"].get<uint64_t>());
  CHECK(j["facets"]["brand"][0]["count"].get<uint64_t>() >=
        j["facets"]["brand"][1]["count"].get<uint64_t>());

  auto table = RunCli(db + "search 犬 --facets brand,price");
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("\nbrand: "));
  CHECK_THAT(table.out, Catch::Contains("\nprice: "));

  auto bad = RunCli(db + "search 犬 --facets brand,colour");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("colour"));
}


TEST_CASE("Past total.exact_up_to the total is a lower bound and the results are the same; "
          "facets and sorts keep it exact",
          "[facets][pruning]") {
  // The first 20 products, titled 犬 alone, score best; the 580 after them,
  // with 犬 in a long title, are in posting blocks whose bounds cannot reach
  // the top 5, so a pruned search skips them.
  TempDir dir;
  const std::string path = dir.File("p.saiki");
  {
    auto db = OpenOrDie(path);
    std::string csv = "id,title,description,brand,category,price\n";
    for (int i = 0; i < 600; ++i) {
      std::string title = i < 20 ? "犬" : "犬 ふわふわもこもこの大きなクッションベッド 洗える 北欧 グレー";
      csv += "P" + std::to_string(i) + "," + title + ",,ACME,ペット用品," +
             std::to_string(100 + i) + "\n";
    }
    Import(db.get(), csv);
    REQUIRE(db->SetSetting("ranker", "bm25").ok());
  }
  auto search = [&](const std::string& exact_up_to, bool facets, bool sorted) {
    auto db = OpenOrDie(path);
    REQUIRE(db->SetSetting("total.exact_up_to", exact_up_to).ok());
    SearchRequest req;
    req.query = "犬";
    req.k = 5;
    if (facets) req.facets = {FacetField::kBrand};
    if (sorted) req.sort = SortOrder::kPriceAscending;
    auto r = db->Search(req);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return std::move(r).value();
  };
  const SearchResponse exact = search("2000000000", false, false);
  CHECK(exact.total == 600);
  CHECK_FALSE(exact.total_at_least);
  const SearchResponse pruned = search("50", false, false);
  CHECK(pruned.total_at_least);
  CHECK(pruned.total >= 50);
  CHECK(pruned.total < 600);
  REQUIRE(pruned.hits.size() == exact.hits.size());
  for (size_t i = 0; i < exact.hits.size(); ++i) {
    CHECK(pruned.hits[i].id == exact.hits[i].id);
    CHECK(pruned.hits[i].score == exact.hits[i].score);
  }
  const SearchResponse faceted = search("50", true, false);
  CHECK(faceted.total == 600);
  CHECK_FALSE(faceted.total_at_least);
  REQUIRE(faceted.facets.size() == 1);
  REQUIRE(faceted.facets[0].values.size() == 1);
  CHECK(faceted.facets[0].values[0].count == 600);
  const SearchResponse sorted = search("50", false, true);
  CHECK(sorted.total == 600);
  CHECK_FALSE(sorted.total_at_least);
  CHECK(sorted.hits.at(0).id == "P0");

  // What a user sees: "N+ products match" and "total_relation": "gte".
  const std::string db = "--db " + Quote(path) + " ";
  auto table = RunCli(db + "search 犬 -k 5");
  REQUIRE(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::StartsWith(std::to_string(pruned.total) + "+ products match"));
  auto json = RunCli(db + "search 犬 -k 5 --json");
  REQUIRE(json.exit_code == 0);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["total_relation"] == "gte");
  auto full = RunCli(db + "search 犬 -k 5 --json --facets brand");
  REQUIRE(full.exit_code == 0);
  CHECK(nlohmann::json::parse(full.out)["total_relation"] == "eq");
  CHECK(nlohmann::json::parse(full.out)["total"] == 600);
}

}  // namespace
}  // namespace saiki
