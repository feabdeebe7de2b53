// The settings table: one entry per key with its range and where it lives.
#include "engine/settings.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <sstream>

#include "ranker/ranker.h"

namespace saiki::engine {
namespace {

struct Spec {
  std::string key;
  double min = 0, max = 0;
  bool integer = false;
  // Exactly one of these is set.
  std::function<double*(EngineSettings*)> number;
  std::function<std::string*(EngineSettings*)> text;
  std::function<int*(EngineSettings*)> whole;
  // A closed set of words, stored as the index of the word.
  std::vector<std::string> choices;
  std::function<int(const EngineSettings&)> choice;
  std::function<void(EngineSettings*, int)> set_choice;
};

std::string Format(double v) {
  // Whole numbers in full (2000000000, not 2e+09), the rest as the stream
  // writes them (0.75).
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  std::ostringstream o;
  o << v;
  return o.str();
}

const std::vector<Spec>& Specs() {
  static const std::vector<Spec> specs = [] {
    std::vector<Spec> s;
    auto num = [&](std::string key, double lo, double hi, std::function<double*(EngineSettings*)> f) {
      Spec spec;
      spec.key = std::move(key);
      spec.min = lo;
      spec.max = hi;
      spec.number = std::move(f);
      s.push_back(std::move(spec));
    };
    auto whole = [&](std::string key, int lo, int hi, std::function<int*(EngineSettings*)> f) {
      Spec spec;
      spec.key = std::move(key);
      spec.min = lo;
      spec.max = hi;
      spec.integer = true;
      spec.whole = std::move(f);
      s.push_back(std::move(spec));
    };
    num("bm25.k1", 0, 10, [](EngineSettings* e) { return &e->bm25.k1; });
    for (int f = 0; f < index::kNumFields; ++f) {
      std::string name = index::kFieldNames[f];
      num("bm25." + name + ".weight", 0, 100, [f](EngineSettings* e) { return &e->bm25.weight[f]; });
      num("bm25." + name + ".b", 0, 1, [f](EngineSettings* e) { return &e->bm25.b[f]; });
    }
    num("bm25.word_bonus", 0, 10, [](EngineSettings* e) { return &e->bm25.bonus_weight; });
    num("reading.weight", 0, 1, [](EngineSettings* e) { return &e->reading_weight; });
    {
      Spec spec;
      spec.key = "ranker";
      spec.text = [](EngineSettings* e) { return &e->ranker; };
      s.push_back(std::move(spec));
    }
    whole("ranker.candidates", 1, 1000, [](EngineSettings* e) { return &e->candidates; });
    num("learn.session_timeout_minutes", 1, 1440,
        [](EngineSettings* e) { return &e->learn.session_timeout_minutes; });
    num("learn.lr_global", 0, 10, [](EngineSettings* e) { return &e->learn.lr_global; });
    num("learn.lr_user", 0, 10, [](EngineSettings* e) { return &e->learn.lr_user; });
    num("learn.l2_global", 0, 10, [](EngineSettings* e) { return &e->learn.l2_global; });
    num("learn.l2_user", 0, 10, [](EngineSettings* e) { return &e->learn.l2_user; });
    whole("learn.steps", 1, 100, [](EngineSettings* e) { return &e->learn.steps; });
    num("learn.half_life_days", 0.01, 3650,
        [](EngineSettings* e) { return &e->learn.half_life_days; });
    whole("learn.guard_sessions", 1, 100, [](EngineSettings* e) { return &e->learn.guard_sessions; });
    whole("learn.user_window", 1, 100, [](EngineSettings* e) { return &e->learn.user_window; });
    whole("learn.interleave_sessions", 0, 100,
          [](EngineSettings* e) { return &e->learn.interleave_sessions; });
    num("learn.propensity_eta", 0, 3, [](EngineSettings* e) { return &e->learn.propensity_eta; });
    num("learn.ips_clip", 1, 1000, [](EngineSettings* e) { return &e->learn.ips_clip; });
    num("learn.gate_min_clicks", 1, 1e6, [](EngineSettings* e) { return &e->learn.gate_min_clicks; });
    {
      Spec spec;
      spec.key = "learn.mode";
      spec.choices = {"on", "shadow", "off"};  // ranker::LearnMode order
      spec.choice = [](const EngineSettings& e) { return static_cast<int>(e.learn.mode); };
      spec.set_choice = [](EngineSettings* e, int i) {
        e->learn.mode = static_cast<ranker::LearnMode>(i);
      };
      s.push_back(std::move(spec));
    }
    {
      Spec spec;
      spec.key = "learn.taste";
      spec.choices = {"on", "off"};
      spec.choice = [](const EngineSettings& e) { return e.learn.taste ? 0 : 1; };
      spec.set_choice = [](EngineSettings* e, int i) { e->learn.taste = i == 0; };
      s.push_back(std::move(spec));
    }
    {
      Spec spec;
      spec.key = "learn.personal_features";
      spec.choices = {"all", "user"};
      spec.choice = [](const EngineSettings& e) { return e.learn.personal_all_features ? 0 : 1; };
      spec.set_choice = [](EngineSettings* e, int i) { e->learn.personal_all_features = i == 0; };
      s.push_back(std::move(spec));
    }
    {
      Spec spec;
      spec.key = "learn.pooled_at";
      spec.choices = {"close", "apart"};
      spec.choice = [](const EngineSettings& e) { return e.learn.pooled_apart ? 1 : 0; };
      spec.set_choice = [](EngineSettings* e, int i) { e->learn.pooled_apart = i == 1; };
      s.push_back(std::move(spec));
    }
    num("learn.taste_weight", 0, 10, [](EngineSettings* e) { return &e->learn.taste_weight; });
    num("learn.visit_weight", 0, 10, [](EngineSettings* e) { return &e->learn.visit_weight; });
    num("learn.explore", 0, 0.5, [](EngineSettings* e) { return &e->learn.explore; });
    whole("learn.global_min_users", 1, 1000000,
          [](EngineSettings* e) { return &e->learn.global_min_users; });
    whole("learn.global_min_sessions", 1, 1000000,
          [](EngineSettings* e) { return &e->learn.global_min_sessions; });
    whole("learn.global_window", 10, 100000,
          [](EngineSettings* e) { return &e->learn.global_window; });
    num("learn.user_clip", 0, 100, [](EngineSettings* e) { return &e->learn.user_clip; });
    whole("learn.global_steps", 1, 1000, [](EngineSettings* e) { return &e->learn.global_steps; });
    whole("learn.max_clicks_per_search", 1, 100,
          [](EngineSettings* e) { return &e->learn.max_clicks_per_search; });
    whole("learn.max_clicks_per_session", 1, 10000,
          [](EngineSettings* e) { return &e->learn.max_clicks_per_session; });
    whole("learn.propensity_clicks", 10, 1000000,
          [](EngineSettings* e) { return &e->learn.propensity_clicks; });
    {
      Spec spec;
      spec.key = "synonyms";
      spec.choices = {"on", "mine", "off"};  // kSynonymsOn, kSynonymsMine, kSynonymsOff
      spec.choice = [](const EngineSettings& e) { return e.synonyms; };
      spec.set_choice = [](EngineSettings* e, int i) { e->synonyms = i; };
      s.push_back(std::move(spec));
    }
    {
      Spec spec;
      spec.key = "typo";
      spec.choices = {"on", "off"};
      spec.choice = [](const EngineSettings& e) { return e.typo ? 0 : 1; };
      spec.set_choice = [](EngineSettings* e, int i) { e->typo = i == 0; };
      s.push_back(std::move(spec));
    }
    num("typo.weight", 0.01, 1, [](EngineSettings* e) { return &e->typo_weight; });
    whole("total.exact_up_to", 0, kTotalAlwaysExact,
          [](EngineSettings* e) { return &e->total_exact_up_to; });
    return s;
  }();
  return specs;
}

const Spec* Find(const std::string& key) {
  for (const auto& s : Specs()) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

Result<double> ParseNumber(const Spec& spec, const std::string& value) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || errno != 0 || !std::isfinite(v)) {
    return Status::InvalidArgument("setting " + spec.key + ": '" + value + "' is not a number");
  }
  if (spec.integer && v != std::floor(v)) {
    return Status::InvalidArgument("setting " + spec.key + ": '" + value + "' is not a whole number");
  }
  if (v < spec.min || v > spec.max) {
    return Status::InvalidArgument("setting " + spec.key + ": " + value + " is outside " +
                                   Format(spec.min) + ".." + Format(spec.max));
  }
  return v;
}

Result<std::string> Canonical(const Spec& spec, const std::string& value) {
  if (spec.choice) {
    std::string known;
    for (const auto& c : spec.choices) {
      if (c == value) return value;
      known += (known.empty() ? "" : ", ") + c;
    }
    return Status::InvalidArgument("setting " + spec.key + ": '" + value + "' is not one of " +
                                   known);
  }
  if (spec.text) {
    if (!ranker::IsRankerName(value)) {
      return Status::InvalidArgument("setting " + spec.key + ": unknown ranker '" + value +
                                     "' (known: " + ranker::RankerNamesList() + ")");
    }
    return value;
  }
  SAIKI_ASSIGN_OR_RETURN(double v, ParseNumber(spec, value));
  return Format(v);
}

}  // namespace

Result<std::string> CanonicalSettingValue(const std::string& key, const std::string& value) {
  const Spec* spec = Find(key);
  if (!spec) return Status::NotFound("unknown setting '" + key + "' (saiki settings list)");
  return Canonical(*spec, value);
}

Status ApplySetting(EngineSettings* settings, const std::string& key, const std::string& value) {
  const Spec* spec = Find(key);
  if (!spec) return Status::NotFound("unknown setting '" + key + "' (saiki settings list)");
  SAIKI_ASSIGN_OR_RETURN(std::string canonical, Canonical(*spec, value));
  if (spec->choice) {
    int index = 0;
    while (spec->choices[index] != canonical) ++index;
    spec->set_choice(settings, index);
  } else if (spec->text) {
    *spec->text(settings) = canonical;
  } else if (spec->whole) {
    *spec->whole(settings) = static_cast<int>(std::strtod(canonical.c_str(), nullptr));
  } else {
    *spec->number(settings) = std::strtod(canonical.c_str(), nullptr);
  }
  return Status::Ok();
}

Result<std::string> GetSettingValue(const EngineSettings& settings, const std::string& key) {
  const Spec* spec = Find(key);
  if (!spec) return Status::NotFound("unknown setting '" + key + "' (saiki settings list)");
  EngineSettings copy = settings;
  if (spec->choice) {
    int index = spec->choice(copy);
    if (index < 0 || index >= static_cast<int>(spec->choices.size())) index = 0;
    return spec->choices[index];
  }
  if (spec->text) return *spec->text(&copy);
  if (spec->whole) return Format(*spec->whole(&copy));
  return Format(*spec->number(&copy));
}

std::vector<std::pair<std::string, std::string>> ListSettingValues(const EngineSettings& settings) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& spec : Specs()) out.emplace_back(spec.key, *GetSettingValue(settings, spec.key));
  return out;
}

}  // namespace saiki::engine
