// Settings: every tunable of a deployment, with its documented default and
// range, stored in the database's `settings` table (absent keys take their
// defaults). README "Settings" lists them; `saiki settings list` shows them.
#ifndef SAIKI_ENGINE_SETTINGS_H_
#define SAIKI_ENGINE_SETTINGS_H_

#include <string>
#include <utility>
#include <vector>

#include "index/searcher.h"
#include "ranker/learning_plan.h"
#include "saiki/status.h"

namespace saiki::engine {

// The learn.* settings live with the learner (ranker/learning_plan.h).
using LearnSettings = ranker::LearnSettings;

struct EngineSettings {
  index::Bm25fParams bm25;
  std::string ranker = "linear";  // bm25 | linear (| trees)
  int candidates = 200;           // BM25F candidates handed to the re-ranker
  // Weight of a reading match (いぬ finding 犬) relative to a match of the
  // text itself; 0 turns reading matches off. README "Readings".
  double reading_weight = 0.5;
  LearnSettings learn;
  // Query-time synonyms (README "Synonyms"): kSynonymsOn, the database's own
  // groups and the built-in SudachiDict variants; kSynonymsMine, the
  // database's own only; kSynonymsOff, none.
  int synonyms = 0;
  // Typo tolerance (README "Typos"): on; the weight of a corrected term's
  // matches relative to the text itself.
  bool typo = true;
  double typo_weight = 0.3;
  // Totals are exact up to this many matches; past it the search prunes
  // (skips blocks of postings that cannot reach the top candidates) and the
  // total is a lower bound. kTotalAlwaysExact: never prune. README
  // "Dynamic pruning".
  int total_exact_up_to = 1000;
};
inline constexpr int kTotalAlwaysExact = 2000000000;
inline constexpr int kSynonymsOn = 0, kSynonymsMine = 1, kSynonymsOff = 2;

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
