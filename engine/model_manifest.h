// The manifest of a model published by the fleet tools (fleet/publish.py):
// what `saiki model import` checks before it stores anything, so that a
// model trained on another feature set, or a manifest that belongs to
// another model file, is refused with the first difference named.
//
// Format (JSON object; other members, such as the training data summary and
// the metrics, are informational and not checked):
//   "format": "saiki-model-manifest", "format_version": 1,
//   "feature_set": {"version": N, "names": [N names]}
//       the feature list the model was trained on, in column order. saiki's
//       feature list only ever grows at its end (ranker/features.h
//       kEarlierFeatureCounts), so its length is the feature set's version;
//       both must equal this saiki's (kNumFeatures, kFeatureNames).
//   "model": {"bytes": B, "num_trees": T, "objective": "rank:..."}
//       the model file the manifest describes: its size in bytes, its tree
//       count and objective as XGBoost saved them (a manifest published
//       with another model is refused). "sha256" may be there for people
//       and other tools; saiki does not check it (no hash library among its
//       dependencies; the size and the tree count catch a swapped file).
#ifndef SAIKI_ENGINE_MODEL_MANIFEST_H_
#define SAIKI_ENGINE_MODEL_MANIFEST_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "ranker/trees.h"
#include "saiki/status.h"

namespace saiki::engine {

inline constexpr std::string_view kModelManifestFormat = "saiki-model-manifest";
inline constexpr int kModelManifestVersion = 1;
// Where the manifest of MODEL is looked for when none is named.
inline constexpr std::string_view kModelManifestSuffix = ".manifest";

// Checks `manifest_text` (read from `manifest_path`, named in messages)
// against this saiki's feature set and against the model (its parsed form
// and its size in bytes). kInvalidArgument naming the first difference.
Status CheckModelManifest(std::string_view manifest_text, const std::string& manifest_path,
                          const ranker::TreeEnsemble& model, uint64_t model_bytes);

}  // namespace saiki::engine

#endif  // SAIKI_ENGINE_MODEL_MANIFEST_H_
