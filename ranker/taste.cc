// The taste profile. See taste.h.
#include "ranker/taste.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>


namespace saiki::ranker {
namespace {

inline uint64_t Key(TasteKind kind, uint32_t value) { return (uint64_t{kind} << 32) | value; }
// A MinHash slot's value as a word key: the slot in the high bits, so that
// the same 16-bit value in two slots (two different words) stays apart.
inline uint32_t WordValue(int slot, uint16_t v) {
  return (static_cast<uint32_t>(slot) << 16 | v) + 1;
}

}  // namespace

uint32_t PriceTier(float price, float leaf_median) {
  if (std::isnan(price) || !(leaf_median > 0) || price < 0) return 0;
  const double ratio = (1.0 + price) / (1.0 + leaf_median);
  if (ratio < 0.8) return 1;
  if (ratio > 1.3) return 3;
  return 2;
}

TasteKeys TasteKeysOf(const index::DocInfo& doc, const CategoryMedians& medians) {
  TasteKeys k;
  k.brand = doc.brand;
  for (uint32_t c : doc.category) {
    if (c) k.leaf = c;
  }
  if (k.leaf) {
    auto it = medians.find(k.leaf);
    if (it != medians.end()) k.tier = PriceTier(doc.price, it->second);
  }
  static const index::TitleSignature kEmpty{};
  k.has_words = doc.signature != kEmpty;
  k.words = doc.signature;
  return k;
}

double TastePriorVar(TasteKind kind) {
  switch (kind) {
    case kTasteWord:
      return kTastePriorVar / index::kSignatureSlots;
    case kTasteBias:
      return kTasteBiasVar;
    default:
      return kTastePriorVar;
  }
}

namespace {

inline TasteKind KindOf(uint64_t key) { return static_cast<TasteKind>(key >> 32); }
inline double PriorMean(TasteKind kind) { return kind == kTasteBias ? kTasteBiasMean : 0.0; }

// The standard normal density over its distribution function, stable far
// into the left tail (where Phi underflows and v(t) tends to -t).
double V(double t) {
  if (t < -30) return -t;
  const double pdf = std::exp(-0.5 * t * t) / std::sqrt(2 * M_PI);
  const double cdf = 0.5 * std::erfc(-t / std::sqrt(2.0));
  return pdf / cdf;
}

// The keys of a product's values, the bias last.
size_t KeysOf(const TasteKeys& k, uint64_t* out) {
  size_t n = 0;
  if (k.brand) out[n++] = Key(kTasteBrand, k.brand);
  if (k.leaf) out[n++] = Key(kTasteLeaf, k.leaf);
  if (k.tier) out[n++] = Key(kTasteTier, k.tier);
  if (k.has_words) {
    for (int i = 0; i < index::kSignatureSlots; ++i) {
      out[n++] = Key(kTasteWord, WordValue(i, k.words[i]));
    }
  }
  return n;
}

constexpr size_t kMaxKeysPerProduct = 3 + index::kSignatureSlots + 1;

}  // namespace

void TasteProfile::Update(std::span<const Shown> shown, double now, double half_life_seconds) {
  const double age = std::max(0.0, now - at_);
  const double f = at_ > 0 && half_life_seconds > 0 ? std::exp2(-age / half_life_seconds) : 1.0;
  std::unordered_map<uint64_t, Entry> beliefs;
  beliefs.reserve(entries_.size() + shown.size() * kMaxKeysPerProduct);
  for (const Entry& e : entries_) {
    // Drift towards the prior.
    const TasteKind kind = KindOf(e.key);
    const double prior = TastePriorVar(kind), m0 = PriorMean(kind);
    beliefs[e.key] = {e.key, static_cast<float>(m0 + (e.mean - m0) * f),
                      static_cast<float>(f * f * e.var + (1 - f * f) * prior)};
  }
  auto belief = [&](uint64_t key) -> Entry& {
    auto [it, added] = beliefs.try_emplace(key);
    if (added) {
      const TasteKind kind = KindOf(key);
      it->second = {key, static_cast<float>(PriorMean(kind)),
                    static_cast<float>(TastePriorVar(kind))};
    }
    return it->second;
  };
  uint64_t keys[kMaxKeysPerProduct];
  Entry* row[kMaxKeysPerProduct];
  for (const Shown& s : shown) {
    if (!(s.exam > 0) || !std::isfinite(s.exam) || !(s.click >= 0) || !std::isfinite(s.click)) {
      continue;
    }
    size_t n = s.page_clicked ? KeysOf(s.keys, keys) : 0;
    keys[n++] = Key(kTasteBias, 0);
    const bool clicked = s.click > 0;
    total_clicks_ += clicked;
    total_exams_ += 1;
    // Assumed-density filtering of one probit observation.
    double mean = 0, var = kTasteNoise / (clicked ? 1.0 : std::min(1.0, s.exam));
    for (size_t i = 0; i < n; ++i) {
      row[i] = &belief(keys[i]);
      mean += row[i]->mean;
      var += row[i]->var;
    }
    const double y = clicked ? 1.0 : -1.0;
    const double sd = std::sqrt(var);
    const double t = y * mean / sd;
    const double v = V(t), w = v * (v + t);
    for (size_t i = 0; i < n; ++i) {
      Entry& e = *row[i];
      const double prior = TastePriorVar(KindOf(e.key));
      e.mean = static_cast<float>(e.mean + y * e.var / sd * v);
      e.var = static_cast<float>(std::clamp(e.var * (1 - e.var / var * w), 1e-4 * prior, prior));
    }
  }
  entries_.clear();
  entries_.reserve(beliefs.size());
  for (const auto& [key, e] : beliefs) entries_.push_back(e);
  if (entries_.size() > kTasteMaxKeys) {
    // Keep what it knows most about: the largest share of the prior
    // variance explained (ties: the smaller key, so the result does not
    // depend on the hash map's order). The bias is always kept.
    auto known = [](const Entry& e) {
      if (KindOf(e.key) == kTasteBias) return 2.0;
      return 1.0 - e.var / TastePriorVar(KindOf(e.key));
    };
    std::nth_element(entries_.begin(), entries_.begin() + kTasteMaxKeys, entries_.end(),
                     [&](const Entry& a, const Entry& b) {
                       const double ka = known(a), kb = known(b);
                       return ka != kb ? ka > kb : a.key < b.key;
                     });
    entries_.resize(kTasteMaxKeys);
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  at_ = std::max(at_, now);
}

const TasteProfile::Entry* TasteProfile::Find(uint64_t key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const Entry& e, uint64_t k) { return e.key < k; });
  return it != entries_.end() && it->key == key ? &*it : nullptr;
}

double TasteProfile::Affinity(TasteKind kind, uint32_t value) const {
  const Entry* e = Find(Key(kind, value));
  return e == nullptr ? 0.0 : e->mean;
}

TasteProfile::Scores TasteProfile::Score(const TasteKeys& keys) const {
  Scores s;
  double var = 0;
  auto weight = [&](TasteKind kind, uint32_t value) {
    const Entry* e = entries_.empty() ? nullptr : Find(Key(kind, value));
    var += e ? e->var : TastePriorVar(kind);
    return e ? static_cast<double>(e->mean) : 0.0;
  };
  if (keys.brand) s.brand = static_cast<float>(weight(kTasteBrand, keys.brand));
  if (keys.leaf) s.leaf = static_cast<float>(weight(kTasteLeaf, keys.leaf));
  if (keys.tier) s.tier = static_cast<float>(weight(kTasteTier, keys.tier));
  if (keys.has_words) {
    double sum = 0;
    for (int i = 0; i < index::kSignatureSlots; ++i) {
      sum += weight(kTasteWord, WordValue(i, keys.words[i]));
    }
    s.style = static_cast<float>(sum);
  }
  s.uncertainty = static_cast<float>(std::sqrt(var));
  return s;
}

std::optional<TasteProfile> TasteProfile::FromParts(double at, double total_clicks,
                                                    double total_exams,
                                                    std::vector<Entry> entries) {
  auto ok = [](double v) { return v >= 0 && std::isfinite(v); };
  if (!ok(at) || !ok(total_clicks) || !ok(total_exams) || entries.size() > kTasteMaxKeys) {
    return std::nullopt;
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if ((e.key >> 32) >= kNumTasteKinds || (i > 0 && entries[i - 1].key >= e.key) ||
        !std::isfinite(e.mean) || !(e.var > 0) ||
        !(e.var <= TastePriorVar(KindOf(e.key)) * (1 + 1e-6))) {
      return std::nullopt;
    }
  }
  TasteProfile p;
  p.at_ = at;
  p.total_clicks_ = total_clicks;
  p.total_exams_ = total_exams;
  p.entries_ = std::move(entries);
  return p;
}

}  // namespace saiki::ranker
