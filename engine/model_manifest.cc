// The fleet model manifest check (model_manifest.h).
#include "engine/model_manifest.h"

#include <nlohmann/json.hpp>

#include "ranker/features.h"

namespace saiki::engine {
namespace {

using Json = nlohmann::json;

std::string Quoted(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

// An unsigned integer member (a JSON number without fraction), or nullptr
// with *error set.
const Json* Count(const Json& obj, const char* key, const std::string& where, Status* error) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_unsigned()) {
    *error = Status::InvalidArgument(where + ": \"" + key + "\" is " +
                                     (it == obj.end() ? std::string("missing")
                                                      : Quoted(*it) + ", not a count"));
    return nullptr;
  }
  return &*it;
}

}  // namespace

Status CheckModelManifest(std::string_view manifest_text, const std::string& manifest_path,
                          const ranker::TreeEnsemble& model, uint64_t model_bytes) {
  const std::string at = "model manifest " + manifest_path;
  Json m = Json::parse(manifest_text, nullptr, /*allow_exceptions=*/false);
  if (m.is_discarded()) return Status::InvalidArgument(at + ": not valid JSON");
  if (!m.is_object()) return Status::InvalidArgument(at + ": not a JSON object");
  auto format = m.find("format");
  if (format == m.end() || !format->is_string() ||
      format->get<std::string>() != kModelManifestFormat) {
    return Status::InvalidArgument(at + ": \"format\" is " +
                                   (format == m.end() ? std::string("missing") : Quoted(*format)) +
                                   ", expected \"" + std::string(kModelManifestFormat) + "\"");
  }
  Status error;
  const Json* version = Count(m, "format_version", at, &error);
  if (version == nullptr) return error;
  if (version->get<uint64_t>() != static_cast<uint64_t>(kModelManifestVersion)) {
    return Status::InvalidArgument(at + ": format_version " + Quoted(*version) +
                                   "; this saiki reads version " +
                                   std::to_string(kModelManifestVersion));
  }

  // The feature set: version (its length) and the names in column order.
  auto fs = m.find("feature_set");
  if (fs == m.end() || !fs->is_object()) {
    return Status::InvalidArgument(at + ": \"feature_set\" is missing or not an object");
  }
  const std::string fs_at = at + ": feature_set";
  const Json* fs_version = Count(*fs, "version", fs_at, &error);
  if (fs_version == nullptr) return error;
  auto names = fs->find("names");
  if (names == fs->end() || !names->is_array()) {
    return Status::InvalidArgument(fs_at + ": \"names\" is missing or not an array");
  }
  const std::string here =
      "this saiki's feature set is version " + std::to_string(ranker::kNumFeatures);
  if (fs_version->get<uint64_t>() != static_cast<uint64_t>(ranker::kNumFeatures)) {
    return Status::InvalidArgument(at + ": the model was trained on feature set version " +
                                   Quoted(*fs_version) + "; " + here + " (" +
                                   std::to_string(ranker::kNumFeatures) +
                                   " features): retrain it on an export of this saiki");
  }
  for (size_t i = 0; i < names->size() || i < static_cast<size_t>(ranker::kNumFeatures); ++i) {
    const std::string ours = i < static_cast<size_t>(ranker::kNumFeatures)
                                 ? "'" + std::string(ranker::kFeatureNames[i]) + "'"
                                 : "none";
    std::string theirs = "none";
    if (i < names->size()) {
      const Json& n = (*names)[i];
      if (!n.is_string()) {
        return Status::InvalidArgument(fs_at + ": names[" + std::to_string(i) + "] is " +
                                       Quoted(n) + ", not a string");
      }
      theirs = "'" + n.get<std::string>() + "'";
    }
    if (theirs != ours) {
      return Status::InvalidArgument(at + ": feature " + std::to_string(i + 1) + " is " + theirs +
                                     " in the manifest, " + ours + " in this saiki (" + here +
                                     "): the model was trained on another feature set");
    }
  }

  // The model it describes.
  auto desc = m.find("model");
  if (desc == m.end() || !desc->is_object()) {
    return Status::InvalidArgument(at + ": \"model\" is missing or not an object");
  }
  const std::string model_at = at + ": model";
  const Json* bytes = Count(*desc, "bytes", model_at, &error);
  if (bytes == nullptr) return error;
  const Json* trees = Count(*desc, "num_trees", model_at, &error);
  if (trees == nullptr) return error;
  auto objective = desc->find("objective");
  if (objective == desc->end() || !objective->is_string()) {
    return Status::InvalidArgument(model_at + ": \"objective\" is missing or not a string");
  }
  const std::string other = ": the manifest describes another model file";
  if (bytes->get<uint64_t>() != model_bytes) {
    return Status::InvalidArgument(at + ": the model file has " + std::to_string(model_bytes) +
                                   " bytes, the manifest says " + Quoted(*bytes) + other);
  }
  if (trees->get<uint64_t>() != model.num_trees()) {
    return Status::InvalidArgument(at + ": the model has " + std::to_string(model.num_trees()) +
                                   " trees, the manifest says " + Quoted(*trees) + other);
  }
  if (objective->get<std::string>() != model.objective()) {
    return Status::InvalidArgument(at + ": the model's objective is " + model.objective() +
                                   ", the manifest says " + Quoted(*objective) + other);
  }
  if (model.num_features() != ranker::kNumFeatures) {
    return Status::InvalidArgument(at + ": the model has " +
                                   std::to_string(model.num_features()) +
                                   " features, the manifest's feature set " +
                                   std::to_string(ranker::kNumFeatures));
  }
  return Status::Ok();
}

}  // namespace saiki::engine
