// Click models. See click_models.h.
#include "eval/click_models.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace saiki::eval {

uint64_t Rng::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

uint64_t Rng::Below(uint64_t n) {
  if (n == 0) return 0;
  // Lemire's multiply-high; the bias (< n / 2^64) is irrelevant here.
  return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
}

double Rng::Normal() {
  double u1 = Uniform();
  double u2 = Uniform();
  if (u1 < 1e-300) u1 = 1e-300;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

uint64_t MixSeed(std::initializer_list<uint64_t> parts) {
  uint64_t h = 0x5a1c1e7a11ce5eedull;
  for (uint64_t p : parts) {
    Rng r(h ^ p);
    h = r.Next() + 0x9e3779b97f4a7c15ull * (p + 1);
    h ^= h >> 29;
  }
  return Rng(h).Next();
}

std::string_view ClickModelName(ClickModelKind kind) {
  switch (kind) {
    case ClickModelKind::kPositionBased:
      return "pbm";
    case ClickModelKind::kCascade:
      return "cascade";
    case ClickModelKind::kNoisy:
      return "noisy";
  }
  return "pbm";
}

std::optional<ClickModelKind> ParseClickModel(std::string_view name) {
  if (name == "pbm") return ClickModelKind::kPositionBased;
  if (name == "cascade") return ClickModelKind::kCascade;
  if (name == "noisy") return ClickModelKind::kNoisy;
  return std::nullopt;
}

std::vector<double> PowerLawExamination(int n, double eta) {
  std::vector<double> theta(static_cast<size_t>(std::max(n, 0)));
  for (size_t k = 0; k < theta.size(); ++k) theta[k] = std::pow(1.0 / (k + 1.0), eta);
  return theta;
}

namespace {

double Clamp01(double v) { return std::isfinite(v) ? std::clamp(v, 0.0, 1.0) : 0.0; }

double ExaminationAt(const std::vector<double>& theta, size_t k) {
  if (theta.empty()) return 1.0;
  return Clamp01(theta[std::min(k, theta.size() - 1)]);
}

}  // namespace

std::vector<int> SimulateClicks(const ClickModel& model, std::span<const double> attractiveness,
                                Rng& rng, std::vector<uint8_t>* random) {
  const size_t n = attractiveness.size();
  std::vector<uint8_t> clicked(n, 0), noise(n, 0);
  if (model.kind == ClickModelKind::kCascade) {
    const double c = Clamp01(model.cascade_continue);
    for (size_t k = 0; k < n; ++k) {
      if (rng.Bernoulli(Clamp01(attractiveness[k]))) {
        clicked[k] = 1;
        if (!rng.Bernoulli(c)) break;
      }
    }
  } else {
    // One draw per position whatever happens, so that two lists of the same
    // length consume the stream identically (common random numbers).
    for (size_t k = 0; k < n; ++k) {
      double u = rng.Uniform();
      if (u < ExaminationAt(model.examination, k) * Clamp01(attractiveness[k])) clicked[k] = 1;
    }
    const double share = Clamp01(model.noise);
    if (model.kind == ClickModelKind::kNoisy && share > 0) {
      for (size_t k = 0; k < n; ++k) {
        if (!clicked[k] || noise[k]) continue;
        if (!rng.Bernoulli(share)) continue;
        // Move this click to a position no other click holds (its own
        // included), uniformly.
        clicked[k] = 0;
        std::vector<size_t> free;
        for (size_t j = 0; j < n; ++j) {
          if (!clicked[j]) free.push_back(j);
        }
        size_t to = free[rng.Below(free.size())];
        clicked[to] = 1;
        noise[to] = 1;
      }
    }
  }
  std::vector<int> out;
  if (random) random->clear();
  for (size_t k = 0; k < n; ++k) {
    if (!clicked[k]) continue;
    out.push_back(static_cast<int>(k));
    if (random) random->push_back(noise[k]);
  }
  return out;
}

ClickKind SimulateConversion(const ConversionModel& model, double satisfaction, Rng& rng) {
  double s = Clamp01(satisfaction);
  // Two draws always (common random numbers).
  double u_cart = rng.Uniform();
  double u_buy = rng.Uniform();
  if (u_cart >= Clamp01(model.cart_max) * s * s) return ClickKind::kClick;
  if (u_buy >= Clamp01(model.purchase_max) * s) return ClickKind::kCart;
  return ClickKind::kPurchase;
}

std::vector<Signal> SimulateSignals(const ClickModel& model, const ConversionModel& conversion,
                                    std::span<const double> attractiveness,
                                    std::span<const double> satisfaction, Rng& rng) {
  std::vector<uint8_t> random;
  std::vector<int> clicks = SimulateClicks(model, attractiveness, rng, &random);
  std::vector<Signal> out;
  for (size_t i = 0; i < clicks.size(); ++i) {
    Signal s;
    s.position = clicks[i];
    s.random = random[i] != 0;
    double sat = static_cast<size_t>(clicks[i]) < satisfaction.size() ? satisfaction[clicks[i]] : 0;
    s.kind = SimulateConversion(conversion, sat, rng);
    out.push_back(s);
  }
  return out;
}

}  // namespace saiki::eval
