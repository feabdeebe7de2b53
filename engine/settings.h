// Settings: every tunable of a deployment, with its documented default and
// range, stored in the database's `settings` table (absent keys take their
// defaults). README "Settings" lists them; `saiki settings list` shows them.
#ifndef SAIKI_ENGINE_SETTINGS_H_
#define SAIKI_ENGINE_SETTINGS_H_

#include <string>
#include <utility>
#include <vector>

#include "index/searcher.h"
#include "saiki/status.h"

namespace saiki::engine {

struct LearnSettings {
  double session_timeout_minutes = 30;  // a session closes after this idle time
  double lr_global = 0.05;              // initial step size, global model
  double lr_user = 0.2;                 // initial step size, personal models
  double l2_global = 0.001;             // L2 pull of global weights towards 0
  double l2_user = 0.05;                // shrinkage of personal weights to the global ones
  int steps = 5;                        // gradient steps per update
  double half_life_days = 30;           // decay of a click's weight in user features
  int guard_sessions = 5;               // recent sessions the replay guard checks
  int user_window = 10;                 // sessions a personal update is fit to
  int interleave_sessions = 3;          // sessions of interleaving after an accepted update
  double propensity_eta = 1.0;          // prior position bias 1/(rank)^eta
  double ips_clip = 10;                 // largest inverse-propensity weight
  double gate_min_clicks = 10;          // clicks on a query before its entropy gates
};

struct EngineSettings {
  index::Bm25fParams bm25;
  std::string ranker = "linear";  // bm25 | linear (| trees)
  int candidates = 200;           // BM25F candidates handed to the re-ranker
  LearnSettings learn;
};

// The value of `key` in `settings`, formatted; kNotFound for unknown keys.
Result<std::string> GetSettingValue(const EngineSettings& settings, const std::string& key);
// Parses and range-checks `value` for `key` and stores it in `settings`.
// kNotFound for an unknown key, kInvalidArgument for a bad value.
Status ApplySetting(EngineSettings* settings, const std::string& key, const std::string& value);
// Every key with its value, in documentation order.
std::vector<std::pair<std::string, std::string>> ListSettingValues(const EngineSettings& settings);
// The canonical text of a valid value (what is stored).
Result<std::string> CanonicalSettingValue(const std::string& key, const std::string& value);

}  // namespace saiki::engine

#endif  // SAIKI_ENGINE_SETTINGS_H_
