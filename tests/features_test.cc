// Tests for the re-ranking features (ranker/features.h): every feature on
// hand-made documents and hits, the category medians the price feature is
// measured against, and the user profile with time decay. Expected values
// are computed by hand; the arithmetic is in the comments.
//
// Logarithms used below:
//   ln 2 = 0.693147  ln 2.5 = 0.916291  ln 3 = 1.098612  ln 3.5 = 1.252763
//   ln 100 = 4.605170  ln 500 = 6.214608  ln 1000 = 6.907755  ln 1.5 = 0.405465
#include "ranker/features.h"

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

namespace saiki::ranker {
namespace {

constexpr float kNanF = std::numeric_limits<float>::quiet_NaN();
// Features are floats: compare at float precision.
constexpr double kTol = 1e-5;

// Hand-made hashes (any non-zero values will do; they only have to differ).
constexpr uint32_t kProductA = 0xA001, kProductB = 0xA002, kProductC = 0xA003,
                   kProductZ = 0xA0FF;
constexpr uint32_t kBrandX = 0xB001, kBrandY = 0xB002;
constexpr uint32_t kCatFood = 0xC100, kCatFoodDog = 0xC110, kCatFoodDogDry = 0xC111,
                   kCatFoodCat = 0xC120, kCatToys = 0xC200;

index::DocInfo Doc(uint32_t docid) {
  index::DocInfo d;
  d.docid = docid;
  d.lengths = {4, 1, 3, 0, 20};
  d.price = kNanF;
  d.rating = kNanF;
  return d;
}

index::Hit HitFor(uint32_t docid) {
  index::Hit h{};
  h.docid = docid;
  h.score = 0;
  h.matched_clauses = 1;
  return h;
}

// A signature with slot values first, first+1, ..., first+7 (made by hand,
// so that the share of equal slots of two of them is known exactly).
index::TitleSignature Sig(uint16_t first) {
  index::TitleSignature s{};
  for (int i = 0; i < index::kSignatureSlots; ++i) s[i] = static_cast<uint16_t>(first + i);
  return s;
}

std::vector<float> Extract(const index::Hit& hit, uint32_t num_clauses, const index::DocTable& docs,
                           const CategoryMedians& medians = {},
                           const UserProfile& profile = UserProfile()) {
  FeatureMatrix m;
  std::vector<index::Hit> hits = {hit};
  ExtractFeatures(hits, num_clauses, docs, medians, profile, nullptr, &m);
  REQUIRE(m.rows == 1);
  REQUIRE(m.values.size() == static_cast<size_t>(kNumFeatures));
  return m.values;
}

TEST_CASE("Every feature has a unique name and FeatureIndex finds it", "[features]") {
  std::set<std::string> names;
  for (int i = 0; i < kNumFeatures; ++i) {
    REQUIRE(kFeatureNames[i] != nullptr);
    CHECK(std::string(kFeatureNames[i]).size() > 0);
    names.insert(kFeatureNames[i]);
    CHECK(FeatureIndex(kFeatureNames[i]) == i);
  }
  CHECK(names.size() == static_cast<size_t>(kNumFeatures));
  CHECK(kNumFeatures == 29);
  // The enum and the names agree at both ends and at a few points between.
  CHECK(FeatureIndex("bm25f") == kBm25f);
  CHECK(FeatureIndex("bm25f_word_bonus") == kBm25fWordBonus);
  CHECK(FeatureIndex("title_phrase") == kTitlePhrase);
  CHECK(FeatureIndex("price_vs_category") == kPriceVsCategory);
  CHECK(FeatureIndex("user_clicks_cat3") == kUserClicksCat3);
  CHECK(FeatureIndex("user_has_history") == kUserHasHistory);
  CHECK(FeatureIndex("user_has_history") == kFirstTasteFeature - 1);
  CHECK(FeatureIndex("user_style_affinity") == kUserStyleAffinity);
  CHECK(FeatureIndex("user_visit_leaf") == kNumFeatures - 1);
  // Features are only appended: the earlier lists are prefixes of today's.
  CHECK(KnownFeatureCount(24));
  CHECK(KnownFeatureCount(28));
  CHECK(KnownFeatureCount(kNumFeatures));
  CHECK_FALSE(KnownFeatureCount(23));
  CHECK_FALSE(KnownFeatureCount(kNumFeatures + 1));
  // Unknown names, prefixes and case variants are not features.
  CHECK(FeatureIndex("") == -1);
  CHECK(FeatureIndex("bm25") == -1);
  CHECK(FeatureIndex("BM25F") == -1);
  CHECK(FeatureIndex("bm25f ") == -1);
  CHECK(FeatureIndex("user_clicks_cat4") == -1);
}

TEST_CASE("BM25F features copy the score, its field parts and the word bonus", "[features]") {
  index::DocTable docs;
  docs.Add(Doc(3));
  index::Hit h = HitFor(3);
  // Field parts 3 + 1.5 + 1 + 0.5 + 0.25 = 6.25, plus a bonus of 1.25 = 7.5.
  h.field_scores = {3.0, 1.5, 1.0, 0.5, 0.25};
  h.bonus_score = 1.25;
  h.score = 7.5;
  std::vector<float> x = Extract(h, 2, docs);
  CHECK(x[kBm25f] == 7.5f);
  CHECK(x[kBm25fTitle] == 3.0f);
  CHECK(x[kBm25fBrand] == 1.5f);
  CHECK(x[kBm25fCategory] == 1.0f);
  CHECK(x[kBm25fTags] == 0.5f);
  CHECK(x[kBm25fDescription] == 0.25f);
  CHECK(x[kBm25fWordBonus] == 1.25f);
}

TEST_CASE("title_term_share is the share of the query's clauses found in the title",
          "[features]") {
  index::DocTable docs;
  docs.Add(Doc(0));
  index::Hit h = HitFor(0);
  h.title_clauses = 2;
  // 2 of 3 clauses in the title: 2 / 3 = 0.666667.
  CHECK(Extract(h, 3, docs)[kTitleTermShare] == Approx(2.0 / 3.0).margin(kTol));
  // 2 of 4: 0.5.
  CHECK(Extract(h, 4, docs)[kTitleTermShare] == Approx(0.5).margin(kTol));
  h.title_clauses = 3;
  CHECK(Extract(h, 3, docs)[kTitleTermShare] == Approx(1.0).margin(kTol));
  h.title_clauses = 0;
  CHECK(Extract(h, 3, docs)[kTitleTermShare] == 0.0f);
  // No required clauses (a filter-only query): 0, not a division by zero.
  CHECK(Extract(h, 0, docs)[kTitleTermShare] == 0.0f);
}

TEST_CASE("title_phrase is 1 for the searcher's phrase flag or a single clause in the title",
          "[features]") {
  index::DocTable docs;
  docs.Add(Doc(0));
  index::Hit h = HitFor(0);

  // The searcher found the whole query as a phrase in the title.
  h.title_phrase = true;
  h.title_clauses = 2;
  CHECK(Extract(h, 2, docs)[kTitlePhrase] == 1.0f);

  // Both clauses in the title, but not as one phrase in query order: 0.
  h.title_phrase = false;
  h.title_clauses = 2;
  CHECK(Extract(h, 2, docs)[kTitlePhrase] == 0.0f);

  // A one-clause query is a phrase by itself: found in the title -> 1 even
  // though the searcher did not set the flag (it evaluates no phrase then).
  h.title_phrase = false;
  h.title_clauses = 1;
  CHECK(Extract(h, 1, docs)[kTitlePhrase] == 1.0f);

  // One clause, not in the title: 0.
  h.title_clauses = 0;
  CHECK(Extract(h, 1, docs)[kTitlePhrase] == 0.0f);

  // One of two clauses in the title is not the single-clause rule: 0.
  h.title_clauses = 1;
  CHECK(Extract(h, 2, docs)[kTitlePhrase] == 0.0f);
}

TEST_CASE("query_brand and query_category follow the hit's field matches", "[features]") {
  index::DocTable docs;
  docs.Add(Doc(0));
  index::Hit h = HitFor(0);
  std::vector<float> none = Extract(h, 1, docs);
  CHECK(none[kQueryBrand] == 0.0f);
  CHECK(none[kQueryCategory] == 0.0f);

  h.brand_match = true;
  std::vector<float> brand = Extract(h, 1, docs);
  CHECK(brand[kQueryBrand] == 1.0f);
  CHECK(brand[kQueryCategory] == 0.0f);

  h.brand_match = false;
  h.category_match = true;
  std::vector<float> cat = Extract(h, 1, docs);
  CHECK(cat[kQueryBrand] == 0.0f);
  CHECK(cat[kQueryCategory] == 1.0f);

  h.brand_match = true;
  std::vector<float> both = Extract(h, 1, docs);
  CHECK(both[kQueryBrand] == 1.0f);
  CHECK(both[kQueryCategory] == 1.0f);
}

TEST_CASE("log_reviews is ln(1 + review count)", "[features]") {
  index::DocTable docs;
  index::DocInfo d0 = Doc(0), d1 = Doc(1), d2 = Doc(2);
  d0.reviews = 0;   // ln 1 = 0
  d1.reviews = 1;   // ln 2 = 0.693147
  d2.reviews = 99;  // ln 100 = 4.605170
  docs.Add(d0);
  docs.Add(d1);
  docs.Add(d2);
  CHECK(Extract(HitFor(0), 1, docs)[kLogReviews] == 0.0f);
  CHECK(Extract(HitFor(1), 1, docs)[kLogReviews] == Approx(0.693147).margin(kTol));
  CHECK(Extract(HitFor(2), 1, docs)[kLogReviews] == Approx(4.605170).margin(kTol));
}

TEST_CASE("rating is 0 with rating_missing 1 when unknown, else the rating", "[features]") {
  index::DocTable docs;
  index::DocInfo rated = Doc(0), unrated = Doc(1), zero = Doc(2);
  rated.rating = 4.5f;
  unrated.rating = kNanF;
  zero.rating = 0.0f;  // a real rating of 0 is not a missing one
  docs.Add(rated);
  docs.Add(unrated);
  docs.Add(zero);

  std::vector<float> x = Extract(HitFor(0), 1, docs);
  CHECK(x[kRating] == 4.5f);
  CHECK(x[kRatingMissing] == 0.0f);

  x = Extract(HitFor(1), 1, docs);
  CHECK(x[kRating] == 0.0f);
  CHECK_FALSE(std::isnan(x[kRating]));
  CHECK(x[kRatingMissing] == 1.0f);

  x = Extract(HitFor(2), 1, docs);
  CHECK(x[kRating] == 0.0f);
  CHECK(x[kRatingMissing] == 0.0f);
}

TEST_CASE("log_price is ln(1 + price) and 0 when the price is unknown", "[features]") {
  index::DocTable docs;
  index::DocInfo a = Doc(0), b = Doc(1), c = Doc(2);
  a.price = 999.0f;   // ln 1000 = 6.907755
  b.price = kNanF;    // unknown -> 0
  c.price = 0.0f;     // ln 1 = 0
  docs.Add(a);
  docs.Add(b);
  docs.Add(c);
  CHECK(Extract(HitFor(0), 1, docs)[kLogPrice] == Approx(6.907755).margin(kTol));
  std::vector<float> unknown = Extract(HitFor(1), 1, docs);
  CHECK(unknown[kLogPrice] == 0.0f);
  CHECK_FALSE(std::isnan(unknown[kLogPrice]));
  CHECK(Extract(HitFor(2), 1, docs)[kLogPrice] == 0.0f);
}

TEST_CASE("ComputeCategoryMedians takes the upper median of the leaf category's prices",
          "[features]") {
  // Convention observed (and documented here): the median is the element
  // nth_element puts at index size/2 of the sorted prices, i.e. the middle
  // one for an odd count and the UPPER of the two middle ones for an even
  // count (no averaging).
  index::DocTable docs;
  uint32_t id = 0;
  auto add = [&](float price, std::array<uint32_t, 3> category) {
    index::DocInfo d = Doc(id++);
    d.price = price;
    d.category = category;
    docs.Add(d);
    return d.docid;
  };
  // Leaf kCatFoodDogDry (level 3), odd count: prices 300, 100, 200 -> sorted
  // 100, 200, 300; index 3/2 = 1 -> 200.
  add(300, {kCatFood, kCatFoodDog, kCatFoodDogDry});
  add(100, {kCatFood, kCatFoodDog, kCatFoodDogDry});
  add(200, {kCatFood, kCatFoodDog, kCatFoodDogDry});
  // Leaf kCatFoodCat (level 2), even count: prices 400, 100, 300, 200 ->
  // sorted 100, 200, 300, 400; index 4/2 = 2 -> 300 (upper median; the mean
  // of the middle two would be 250).
  add(400, {kCatFood, kCatFoodCat, 0});
  add(100, {kCatFood, kCatFoodCat, 0});
  add(300, {kCatFood, kCatFoodCat, 0});
  add(200, {kCatFood, kCatFoodCat, 0});
  // Leaf kCatToys (level 1), two prices 10 and 30: index 1 -> 30. A NaN price
  // and a deleted product do not count (else the median would move).
  add(10, {kCatToys, 0, 0});
  add(30, {kCatToys, 0, 0});
  add(kNanF, {kCatToys, 0, 0});
  uint32_t deleted = add(1, {kCatToys, 0, 0});
  docs.Remove(deleted);
  // No category at all: no median anywhere.
  add(5000, {0, 0, 0});

  CategoryMedians medians = ComputeCategoryMedians(docs);
  CHECK(medians.size() == 3);
  REQUIRE(medians.count(kCatFoodDogDry) == 1);
  CHECK(medians.at(kCatFoodDogDry) == 200.0f);
  REQUIRE(medians.count(kCatFoodCat) == 1);
  CHECK(medians.at(kCatFoodCat) == 300.0f);
  REQUIRE(medians.count(kCatToys) == 1);
  CHECK(medians.at(kCatToys) == 30.0f);
  // Only leaves get a median: the level-1 and level-2 prefixes of longer
  // paths do not.
  CHECK(medians.count(kCatFood) == 0);
  CHECK(medians.count(kCatFoodDog) == 0);
  CHECK(medians.count(0) == 0);
}

TEST_CASE("ComputeCategoryMedians of a single product or an empty table", "[features]") {
  index::DocTable empty;
  CHECK(ComputeCategoryMedians(empty).empty());
  index::DocTable one;
  index::DocInfo d = Doc(7);
  d.price = 42;
  d.category = {kCatToys, 0, 0};
  one.Add(d);
  CategoryMedians m = ComputeCategoryMedians(one);
  REQUIRE(m.count(kCatToys) == 1);
  CHECK(m.at(kCatToys) == 42.0f);
}

TEST_CASE("price_vs_category compares the price with its leaf category's median",
          "[features]") {
  index::DocTable docs;
  // Category kCatFoodDogDry with prices 99, 199, 499 (median 199), a product
  // of unknown price in it, one priced product without a category and one
  // in kCatToys.
  index::DocInfo a = Doc(0), b = Doc(1), c = Doc(2), d = Doc(3), e = Doc(4), f = Doc(5);
  a.price = 99;
  b.price = 199;
  c.price = 499;
  for (index::DocInfo* x : {&a, &b, &c}) x->category = {kCatFood, kCatFoodDog, kCatFoodDogDry};
  d.price = kNanF;  // unknown price in a known category
  d.category = {kCatFood, kCatFoodDog, kCatFoodDogDry};
  e.price = 299;  // known price, no category
  f.price = 299;  // known price, a category nobody priced
  f.category = {kCatToys, 0, 0};
  for (const index::DocInfo& x : {a, b, c, d, e, f}) docs.Add(x);
  // Medians: kCatFoodDogDry (99, 199, 499 -> 199; d's NaN price does not
  // count) and kCatToys (f alone: 299).
  CategoryMedians medians = ComputeCategoryMedians(docs);
  REQUIRE(medians.at(kCatFoodDogDry) == 199.0f);
  REQUIRE(medians.at(kCatToys) == 299.0f);

  // 499 vs median 199: ln(500 / 200) = ln 2.5 = 0.916291.
  CHECK(Extract(HitFor(2), 1, docs, medians)[kPriceVsCategory] ==
        Approx(0.916291).margin(kTol));
  // 99 vs 199: ln(100 / 200) = -ln 2 = -0.693147.
  CHECK(Extract(HitFor(0), 1, docs, medians)[kPriceVsCategory] ==
        Approx(-0.693147).margin(kTol));
  // The median itself: ln 1 = 0.
  CHECK(Extract(HitFor(1), 1, docs, medians)[kPriceVsCategory] == Approx(0.0).margin(kTol));
  // Unknown price: 0 (and not NaN).
  std::vector<float> unknown = Extract(HitFor(3), 1, docs, medians);
  CHECK(unknown[kPriceVsCategory] == 0.0f);
  // No category: 0.
  CHECK(Extract(HitFor(4), 1, docs, medians)[kPriceVsCategory] == 0.0f);
  // A leaf without a median (empty medians map): 0.
  CHECK(Extract(HitFor(2), 1, docs, CategoryMedians{})[kPriceVsCategory] == 0.0f);
  // Against a hand-set median of 149 for kCatToys: ln(300 / 150) = ln 2.
  CategoryMedians toys = {{kCatToys, 149.0f}};
  CHECK(Extract(HitFor(5), 1, docs, toys)[kPriceVsCategory] == Approx(0.693147).margin(kTol));
}

TEST_CASE("price_vs_category uses the deepest category level as the leaf", "[features]") {
  index::DocTable docs;
  index::DocInfo d = Doc(0);
  d.price = 399;
  d.category = {kCatFood, kCatFoodDog, 0};  // leaf is level 2
  docs.Add(d);
  // Medians for the level-1 prefix (a decoy) and the level-2 leaf.
  CategoryMedians medians = {{kCatFood, 999.0f}, {kCatFoodDog, 199.0f}};
  // ln(400 / 200) = ln 2 = 0.693147 (against the decoy it would be ln 0.4).
  CHECK(Extract(HitFor(0), 1, docs, medians)[kPriceVsCategory] ==
        Approx(0.693147).margin(kTol));
}

// The profile used by the user-feature tests. now = 1,000,000 s, half-life
// H = 86,400 s (one day). Weights = kind * 2^(-age / H):
//   c1 purchase (3) of A, age H   -> 3 * 1/2 = 1.5
//   c2 click    (1) of B, age 0   -> 1 * 1   = 1
//   c3 cart     (2) of C, age 2H  -> 2 * 1/4 = 0.5
// total weight 3.
constexpr double kNow = 1'000'000;
constexpr double kHalfLife = 86'400;

std::vector<ClickRecord> ThreeClicks() {
  ClickRecord c1;
  c1.at = kNow - kHalfLife;
  c1.kind = 3;
  c1.id_hash = kProductA;
  c1.brand = kBrandX;
  c1.category = {kCatFood, kCatFoodDog, kCatFoodDogDry};
  c1.price = 999;  // ln 1000
  c1.signature = Sig(1);  // slots 1..8
  ClickRecord c2;
  c2.at = kNow;
  c2.kind = 1;
  c2.id_hash = kProductB;
  c2.brand = kBrandX;
  c2.category = {kCatFood, kCatFoodCat, 0};
  c2.price = 99;  // ln 100
  c2.signature = Sig(1);
  for (int i = 4; i < index::kSignatureSlots; ++i) c2.signature[i] = 100;  // 4 of 8 slots = Sig(1)'s
  ClickRecord c3;
  c3.at = kNow - 2 * kHalfLife;
  c3.kind = 2;
  c3.id_hash = kProductC;
  c3.brand = kBrandY;
  c3.category = {kCatToys, 0, 0};
  c3.price = kNanF;  // not in the mean price
  c3.signature = Sig(1000);  // no slot in common with Sig(1)
  return {c1, c2, c3};
}

TEST_CASE("UserProfile weighs clicks by kind and halves them every half-life",
          "[features]") {
  std::vector<ClickRecord> clicks = ThreeClicks();
  UserProfile p(clicks, kNow, kHalfLife);
  CHECK_FALSE(p.empty());
  CHECK(p.product(kProductA) == Approx(1.5));
  CHECK(p.product(kProductB) == Approx(1.0));
  CHECK(p.product(kProductC) == Approx(0.5));
  CHECK(p.product(kProductZ) == 0.0);
  // Brand X: 1.5 + 1 = 2.5; brand Y: 0.5.
  CHECK(p.brand(kBrandX) == Approx(2.5));
  CHECK(p.brand(kBrandY) == Approx(0.5));
  CHECK(p.brand(0) == 0.0);  // "no brand" collects nothing
  // Level 1: food 1.5 + 1 = 2.5, toys 0.5. Level 2: dog 1.5, cat 1.
  // Level 3: dry 1.5.
  CHECK(p.category(0, kCatFood) == Approx(2.5));
  CHECK(p.category(0, kCatToys) == Approx(0.5));
  CHECK(p.category(1, kCatFoodDog) == Approx(1.5));
  CHECK(p.category(1, kCatFoodCat) == Approx(1.0));
  CHECK(p.category(2, kCatFoodDogDry) == Approx(1.5));
  // Levels are kept apart: the level-1 hash is not counted at level 2.
  CHECK(p.category(1, kCatFood) == 0.0);
  CHECK(p.category(2, kCatFoodDog) == 0.0);
  // Mean log price over the priced clicks (c3 has none):
  //   (1.5 * ln 1000 + 1 * ln 100) / 2.5 = (10.361633 + 4.605170) / 2.5 = 5.986721
  CHECK(p.mean_log_price() == Approx(5.986721).margin(1e-6));
  // Text similarity to Sig(1): c1 has it (1), c2 shares 4 of 8 slots (0.5),
  // c3 none (0), weighted by the decayed weights:
  //   (1.5 * 1 + 1 * 0.5 + 0.5 * 0) / 3 = 2 / 3 = 0.666667
  // (an unweighted mean would give 1.5 / 3 = 0.5).
  CHECK(p.TextSimilarity(Sig(1)) == Approx(2.0 / 3.0));
  // To Sig(1000): only c3 has it: 0.5 * 1 / 3 = 0.166667.
  CHECK(p.TextSimilarity(Sig(1000)) == Approx(0.5 / 3.0));
  // A signature nobody clicked: 0.
  CHECK(p.TextSimilarity(Sig(2000)) == 0.0);
}

TEST_CASE("UserProfile decay: a purchase one half-life old weighs 1.5, older ones less",
          "[features]") {
  ClickRecord c;
  c.kind = 3;
  c.id_hash = kProductA;
  c.price = kNanF;
  std::vector<ClickRecord> one = {c};
  // Age 0: 3 * 2^0 = 3.
  one[0].at = kNow;
  CHECK(UserProfile(one, kNow, kHalfLife).product(kProductA) == Approx(3.0));
  // Age H: 3 / 2 = 1.5.
  one[0].at = kNow - kHalfLife;
  CHECK(UserProfile(one, kNow, kHalfLife).product(kProductA) == Approx(1.5));
  // Age 3H: 3 / 8 = 0.375.
  one[0].at = kNow - 3 * kHalfLife;
  CHECK(UserProfile(one, kNow, kHalfLife).product(kProductA) == Approx(0.375));
  // Age H/2: 3 * 2^-0.5 = 2.121320.
  one[0].at = kNow - kHalfLife / 2;
  CHECK(UserProfile(one, kNow, kHalfLife).product(kProductA) == Approx(2.121320).epsilon(1e-6));
  // A click time in the future (clock skew) counts as age 0, never more
  // than its kind: 3.
  one[0].at = kNow + 10 * kHalfLife;
  CHECK(UserProfile(one, kNow, kHalfLife).product(kProductA) == Approx(3.0));
  // Kinds outside 1..3 are clamped: 7 -> 3, 0 -> 1.
  one[0].at = kNow;
  one[0].kind = 7;
  CHECK(UserProfile(one, kNow, kHalfLife).product(kProductA) == Approx(3.0));
  one[0].kind = 0;
  CHECK(UserProfile(one, kNow, kHalfLife).product(kProductA) == Approx(1.0));
  // Cart (2) at age 0: 2; click (1) at age H: 0.5.
  one[0].kind = 2;
  CHECK(UserProfile(one, kNow, kHalfLife).product(kProductA) == Approx(2.0));
  one[0].kind = 1;
  one[0].at = kNow - kHalfLife;
  CHECK(UserProfile(one, kNow, kHalfLife).product(kProductA) == Approx(0.5));
}

TEST_CASE("UserProfile of clicks decayed to nothing is empty", "[features]") {
  ClickRecord c;
  c.kind = 3;
  c.id_hash = kProductA;
  c.at = 0;
  std::vector<ClickRecord> one = {c};
  // Age 1e6 s with a 1 s half-life: 3 * 2^-1e6 underflows to 0.
  UserProfile p(one, kNow, 1.0);
  CHECK(p.empty());
  CHECK(p.product(kProductA) == 0.0);
}

TEST_CASE("User features are ln(1 + decayed weight) of the user's clicks", "[features]") {
  std::vector<ClickRecord> clicks = ThreeClicks();
  UserProfile profile(clicks, kNow, kHalfLife);
  index::DocTable docs;
  // The candidate: product A, brand X, food > dog > dry, 499, title Sig(1).
  index::DocInfo d = Doc(0);
  d.id_hash = kProductA;
  d.brand = kBrandX;
  d.category = {kCatFood, kCatFoodDog, kCatFoodDogDry};
  d.price = 499;  // ln 500 = 6.214608
  d.signature = Sig(1);
  docs.Add(d);
  std::vector<float> x = Extract(HitFor(0), 1, docs, {}, profile);
  // product A: ln(1 + 1.5) = ln 2.5 = 0.916291
  CHECK(x[kUserClicksProduct] == Approx(0.916291).margin(kTol));
  // brand X: ln(1 + 2.5) = ln 3.5 = 1.252763
  CHECK(x[kUserClicksBrand] == Approx(1.252763).margin(kTol));
  // food: ln 3.5; dog: ln 2.5; dry: ln 2.5
  CHECK(x[kUserClicksCat1] == Approx(1.252763).margin(kTol));
  CHECK(x[kUserClicksCat2] == Approx(0.916291).margin(kTol));
  CHECK(x[kUserClicksCat3] == Approx(0.916291).margin(kTol));
  // |ln 500 - 5.986721| = |6.214608 - 5.986721| = 0.227887
  CHECK(x[kUserPriceDistance] == Approx(0.227887).margin(kTol));
  // 2 / 3 = 0.666667 (see the profile test)
  CHECK(x[kUserTextSimilarity] == Approx(0.666667).margin(kTol));
  CHECK(x[kUserHasHistory] == 1.0f);
}

TEST_CASE("user_visit_leaf counts the visit's clicks on the leaf, undecayed", "[features]") {
  // ThreeClicks: c1 (purchase, food > dog > dry) one half-life old, c2
  // (click, food > cat, a leaf at level 2) now, c3 (cart, toys) two
  // half-lives old. A visit that started an hour ago holds c2 only.
  std::vector<ClickRecord> clicks = ThreeClicks();
  UserProfile visit(clicks, kNow, kHalfLife, kNow - 3600);
  CHECK(visit.visit_leaf(kCatFoodCat) == Approx(1.0));  // a click: 1, not decayed
  CHECK(visit.visit_leaf(kCatFoodDogDry) == 0.0);        // older than the visit
  CHECK(visit.visit_leaf(kCatFood) == 0.0);              // not its leaf
  // A visit long enough for every click: c1 weighs its kind, 3, undecayed.
  UserProfile all(clicks, kNow, kHalfLife, kNow - 10 * kHalfLife);
  CHECK(all.visit_leaf(kCatFoodDogDry) == Approx(3.0));
  CHECK(all.visit_leaf(kCatToys) == Approx(2.0));
  // A visit that starts now holds c2 (clicked at its start); without a
  // visit (no open session, or the personal layer off) nothing counts.
  CHECK(UserProfile(clicks, kNow, kHalfLife, kNow).visit_leaf(kCatFoodCat) == Approx(1.0));
  CHECK(UserProfile(clicks, kNow, kHalfLife).visit_leaf(kCatFoodCat) == 0.0);

  // As a feature: ln(1 + weight) for a candidate in the leaf, 0 elsewhere,
  // and the long-term features are unchanged by the visit.
  index::DocTable docs;
  index::DocInfo cat = Doc(0);
  cat.category = {kCatFood, kCatFoodCat, 0};
  docs.Add(cat);
  index::DocInfo dry = Doc(1);
  dry.category = {kCatFood, kCatFoodDog, kCatFoodDogDry};
  docs.Add(dry);
  std::vector<float> x = Extract(HitFor(0), 1, docs, {}, visit);
  CHECK(x[kUserVisitLeaf] == Approx(std::log(2.0)).margin(kTol));
  const UserProfile no_visit(clicks, kNow, kHalfLife);
  CHECK(x[kUserClicksCat2] ==
        Approx(Extract(HitFor(0), 1, docs, {}, no_visit)[kUserClicksCat2]).margin(kTol));
  CHECK(Extract(HitFor(1), 1, docs, {}, visit)[kUserVisitLeaf] == 0.0f);
  CHECK(Extract(HitFor(1), 1, docs, {}, all)[kUserVisitLeaf] == Approx(std::log(4.0)).margin(kTol));
}

TEST_CASE("User features are 0 for a product unrelated to a non-empty history",
          "[features]") {
  std::vector<ClickRecord> clicks = ThreeClicks();
  UserProfile profile(clicks, kNow, kHalfLife);
  index::DocTable docs;
  index::DocInfo unrelated = Doc(0);
  unrelated.id_hash = kProductZ;
  unrelated.brand = 0;
  unrelated.category = {0, 0, 0};
  unrelated.price = kNanF;
  unrelated.signature = {};  // empty title signature
  docs.Add(unrelated);
  // Another: cat toys, brand Y, price 99 (ln 100), signature Sig(2000).
  index::DocInfo toy = Doc(1);
  toy.id_hash = kProductZ;
  toy.brand = kBrandY;
  toy.category = {kCatToys, kCatFoodDog, 0};  // a level-2 hash only known at level 2
  toy.price = 99;
  toy.signature = Sig(2000);
  docs.Add(toy);

  std::vector<float> x = Extract(HitFor(0), 1, docs, {}, profile);
  CHECK(x[kUserClicksProduct] == 0.0f);
  CHECK(x[kUserClicksBrand] == 0.0f);
  CHECK(x[kUserClicksCat1] == 0.0f);
  CHECK(x[kUserClicksCat2] == 0.0f);
  CHECK(x[kUserClicksCat3] == 0.0f);
  CHECK(x[kUserPriceDistance] == 0.0f);  // no price: 0, not NaN
  CHECK(x[kUserTextSimilarity] == 0.0f);  // empty signature
  CHECK(x[kUserHasHistory] == 1.0f);      // the user still has a history

  x = Extract(HitFor(1), 1, docs, {}, profile);
  CHECK(x[kUserClicksProduct] == 0.0f);
  // brand Y: ln(1 + 0.5) = ln 1.5 = 0.405465
  CHECK(x[kUserClicksBrand] == Approx(0.405465).margin(kTol));
  // toys at level 1: ln 1.5; dog at level 2: ln(1 + 1.5) = ln 2.5; level 3 none
  CHECK(x[kUserClicksCat1] == Approx(0.405465).margin(kTol));
  CHECK(x[kUserClicksCat2] == Approx(0.916291).margin(kTol));
  CHECK(x[kUserClicksCat3] == 0.0f);
  // |ln 100 - 5.986721| = |4.605170 - 5.986721| = 1.381551
  CHECK(x[kUserPriceDistance] == Approx(1.381551).margin(kTol));
  CHECK(x[kUserTextSimilarity] == 0.0f);
}

TEST_CASE("user_price_distance is 0 when no clicked product had a price", "[features]") {
  ClickRecord c;
  c.at = kNow;
  c.kind = 1;
  c.id_hash = kProductA;
  c.price = kNanF;
  std::vector<ClickRecord> clicks = {c};
  UserProfile profile(clicks, kNow, kHalfLife);
  CHECK(std::isnan(profile.mean_log_price()));
  index::DocTable docs;
  index::DocInfo d = Doc(0);
  d.price = 100;
  docs.Add(d);
  std::vector<float> x = Extract(HitFor(0), 1, docs, {}, profile);
  CHECK(x[kUserPriceDistance] == 0.0f);
  CHECK(x[kUserHasHistory] == 1.0f);
}

TEST_CASE("Text similarity via MinHash: identical titles give 1, disjoint about 0",
          "[features]") {
  std::vector<std::string_view> title = {"犬", "ベッド", "洗える", "ふわふわ"};
  std::vector<std::string_view> same = {"ふわふわ", "洗える", "犬", "ベッド"};  // same set
  std::vector<std::string_view> other = {"猫", "爪とぎ", "段ボール", "大型"};
  index::TitleSignature sig = index::MinHashSignature(title);
  ClickRecord c;
  c.at = kNow;
  c.kind = 1;
  c.id_hash = kProductA;
  c.price = kNanF;
  c.signature = sig;
  std::vector<ClickRecord> clicks = {c};
  UserProfile profile(clicks, kNow, kHalfLife);

  index::DocTable docs;
  index::DocInfo a = Doc(0), b = Doc(1);
  a.signature = index::MinHashSignature(same);
  b.signature = index::MinHashSignature(other);
  docs.Add(a);
  docs.Add(b);
  // Same token set -> same minima in every slot -> 8/8 = 1.
  CHECK(Extract(HitFor(0), 1, docs, {}, profile)[kUserTextSimilarity] == 1.0f);
  // Disjoint sets: each slot agrees only by a 16-bit accident (p = 2^-16),
  // so at most one of 8 slots.
  float disjoint = Extract(HitFor(1), 1, docs, {}, profile)[kUserTextSimilarity];
  CHECK(disjoint >= 0.0f);
  CHECK(disjoint <= 0.125f);
}

TEST_CASE("An empty profile gives 0 for every user feature", "[features]") {
  index::DocTable docs;
  index::DocInfo d = Doc(0);
  d.id_hash = kProductA;
  d.brand = kBrandX;
  d.category = {kCatFood, kCatFoodDog, kCatFoodDogDry};
  d.price = 499;
  d.signature = Sig(1);
  docs.Add(d);
  std::vector<ClickRecord> none;
  UserProfile built(none, kNow, kHalfLife);
  CHECK(built.empty());
  for (const UserProfile& p : {UserProfile(), built}) {
    CHECK(p.empty());
    std::vector<float> x = Extract(HitFor(0), 1, docs, {}, p);
    for (int f = kUserClicksProduct; f <= kUserHasHistory; ++f) {
      INFO("feature " << kFeatureNames[f]);
      CHECK(x[f] == 0.0f);
    }
    // The product features are still there: ln 500.
    CHECK(x[kLogPrice] == Approx(6.214608).margin(kTol));
  }
}

TEST_CASE("An empty profile has no mean price, default-constructed or built", "[features]") {
  // features.h: mean_log_price() is "NaN if none" (no click with a price).
  std::vector<ClickRecord> none;
  CHECK(std::isnan(UserProfile(none, kNow, kHalfLife).mean_log_price()));
  CHECK(std::isnan(UserProfile().mean_log_price()));
}

TEST_CASE("ExtractFeatures writes one row per hit, in hit order, over stale output",
          "[features]") {
  index::DocTable docs;
  index::DocInfo a = Doc(0), b = Doc(5);
  a.reviews = 1;   // ln 2
  b.reviews = 99;  // ln 100
  b.rating = 3.0f;
  docs.Add(a);
  docs.Add(b);
  index::Hit h0 = HitFor(5), h1 = HitFor(0);
  h0.score = 2.0;
  h1.score = 1.0;
  std::vector<index::Hit> hits = {h0, h1};
  FeatureMatrix m;
  m.rows = 7;
  m.values.assign(7 * kNumFeatures, 99.0f);  // stale values from a previous query
  ExtractFeatures(hits, 1, docs, {}, UserProfile(), nullptr, &m);
  REQUIRE(m.rows == 2);
  REQUIRE(m.values.size() == 2u * kNumFeatures);
  CHECK(m.row(0)[kBm25f] == 2.0f);
  CHECK(m.row(0)[kLogReviews] == Approx(4.605170).margin(kTol));
  CHECK(m.row(0)[kRating] == 3.0f);
  CHECK(m.row(0)[kRatingMissing] == 0.0f);
  CHECK(m.row(1)[kBm25f] == 1.0f);
  CHECK(m.row(1)[kLogReviews] == Approx(0.693147).margin(kTol));
  CHECK(m.row(1)[kRatingMissing] == 1.0f);
  // Nothing of the stale 99s survives.
  for (float v : m.values) CHECK(v != 99.0f);

  // No hits: no rows.
  ExtractFeatures({}, 1, docs, {}, UserProfile(), nullptr, &m);
  CHECK(m.rows == 0);
  CHECK(m.values.empty());
}

}  // namespace
}  // namespace saiki::ranker
