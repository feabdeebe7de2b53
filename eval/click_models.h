// Click models for the simulator: how a simulated user turns a ranked list
// into clicks, carts and purchases. Pure functions of their arguments and a
// PRNG; no engine, no storage.
//
// The user's interest in the product at each shown position is given as an
// attractiveness a_k in [0, 1] (the probability of a click once the result
// is examined; the simulator derives it from the user's true utility).
//
//   position-based (PBM, Richardson et al. 2007; Craswell et al. 2008):
//     P(click at k) = theta_k * a_k, every position independently, where
//     theta_k is the examination probability of rank k (settable; default
//     1 / (k + 1)).
//   cascade (Craswell et al., WSDM 2008): the user reads from the top; at
//     each examined rank clicks with probability a_k; after a click goes on
//     with probability `cascade_continue` (0: the classic cascade, at most
//     one click; > 0 is the dependent click model of Guo et al. 2009 with a
//     constant lambda). So P(examine k+1) = P(examine k) * (1 - a_k + a_k * c).
//   noisy: PBM clicks, of which a share `noise` lands on a uniformly random
//     shown position instead (a misclick, a curious click), whatever that
//     result is worth. Each PBM click is moved with probability `noise` to a
//     position drawn uniformly from those not clicked otherwise.
//
// Carts and purchases follow a click (ConversionModel): with satisfaction s
// in [0, 1] (the true utility, scaled), P(cart | click) = cart_max * s^2 and
// P(purchase | cart) = purchase_max * s, so only products the user truly
// wants are bought, and a purchase implies a cart which implies a click.
//
// The PRNG is splitmix64 (Steele, Lea & Flood, OOPSLA 2014) with hand-written
// transforms (no <random> distributions), so that a seed gives the same
// numbers with any standard library.
#ifndef SAIKI_EVAL_CLICK_MODELS_H_
#define SAIKI_EVAL_CLICK_MODELS_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "saiki/saiki.h"

namespace saiki::eval {

// splitmix64: 64-bit state, one multiply-xorshift per number.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, 1), 53 bits.
  double Uniform();
  // Uniform integer in [0, n); 0 when n == 0.
  uint64_t Below(uint64_t n);
  // True with probability p.
  bool Bernoulli(double p) { return Uniform() < p; }
  // Standard normal (Box-Muller).
  double Normal();

 private:
  uint64_t state_;
};

// Mixes values into one well-spread 64-bit seed (for streams keyed by seed,
// user, session, query: common random numbers across the arms).
uint64_t MixSeed(std::initializer_list<uint64_t> parts);

enum class ClickModelKind { kPositionBased, kCascade, kNoisy };

// "pbm", "cascade", "noisy".
std::string_view ClickModelName(ClickModelKind kind);
std::optional<ClickModelKind> ParseClickModel(std::string_view name);

// theta_k = 1 / (k + 1)^eta for k = 0..n-1.
std::vector<double> PowerLawExamination(int n, double eta = 1.0);

struct ClickModel {
  ClickModelKind kind = ClickModelKind::kPositionBased;
  // PBM and noisy: examination probability per rank (0-based), each in
  // [0, 1]; ranks past the end use the last value (none: 1).
  std::vector<double> examination = PowerLawExamination(10);
  // Noisy: the share of clicks that land on a random position, 0..1.
  double noise = 0.2;
  // Cascade: probability of reading on after a click, 0..1.
  double cascade_continue = 0.0;
};

struct ConversionModel {
  double cart_max = 0.5;      // P(cart | click) = cart_max * s^2
  double purchase_max = 0.6;  // P(purchase | cart) = purchase_max * s
};

// One clicked position, with the strongest signal the user gave on it.
struct Signal {
  int position = 0;  // 0-based
  ClickKind kind = ClickKind::kClick;
  bool random = false;  // a noise click (noisy model)
};

// Clicked positions (ascending) for attractiveness a (shown order); each
// a_k is clamped to [0, 1]. `random` (optional) receives one flag per
// returned position: 1 for a noise click.
std::vector<int> SimulateClicks(const ClickModel& model, std::span<const double> attractiveness,
                                Rng& rng, std::vector<uint8_t>* random = nullptr);

// Cart / purchase after a click on a product of satisfaction s in [0, 1]:
// the strongest signal (kClick, kCart or kPurchase).
ClickKind SimulateConversion(const ConversionModel& model, double satisfaction, Rng& rng);

// Both: clicks, then a conversion for each click (in position order).
std::vector<Signal> SimulateSignals(const ClickModel& model, const ConversionModel& conversion,
                                    std::span<const double> attractiveness,
                                    std::span<const double> satisfaction, Rng& rng);

}  // namespace saiki::eval

#endif  // SAIKI_EVAL_CLICK_MODELS_H_
