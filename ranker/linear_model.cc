// Linear model storage and normalisation. See linear_model.h.
#include "ranker/linear_model.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace saiki::ranker {
namespace {

using Json = nlohmann::json;

// Scales below this are treated as constant features (scale 1) so that a
// feature that never varied does not explode when it first does.
constexpr double kMinScale = 1e-3;

Json VectorJson(const Eigen::VectorXd& v) {
  Json a = Json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) a.push_back(v[i]);
  return a;
}

// A model's vectors have one entry per feature it was trained on: today's
// list, or an earlier prefix of it (features are only appended). The
// entries of features added since read `fill` (weights 0: they do not
// score; scale 1).
Status ReadVector(const Json& j, const char* key, size_t n, double fill, Eigen::VectorXd* out) {
  if (!j.contains(key) || !j[key].is_array() || j[key].size() != n) {
    return Status::InvalidArgument(std::string("model: '") + key + "' must be an array of " +
                                   std::to_string(n) + " numbers, one per feature");
  }
  out->setConstant(kNumFeatures, fill);
  for (size_t i = 0; i < n; ++i) {
    const Json& v = j[key][i];
    if (!v.is_number() || !std::isfinite(v.get<double>())) {
      return Status::InvalidArgument(std::string("model: '") + key + "'[" + std::to_string(i) +
                                     "] is not a finite number");
    }
    (*out)[static_cast<Eigen::Index>(i)] = v.get<double>();
  }
  return Status::Ok();
}

// The number of features the model names: today's list or a prefix of it.
Result<size_t> CheckFeatureNames(const Json& j) {
  if (!j.contains("features") || !j["features"].is_array()) {
    return Status::InvalidArgument("model: no 'features' list");
  }
  const Json& names = j["features"];
  if (!KnownFeatureCount(static_cast<int64_t>(names.size()))) {
    return Status::InvalidArgument("model: trained on " + std::to_string(names.size()) +
                                   " features; this saiki computes " +
                                   std::to_string(kNumFeatures));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (!names[i].is_string() || names[i].get<std::string>() != kFeatureNames[i]) {
      return Status::InvalidArgument("model: feature " + std::to_string(i) + " is '" +
                                     (names[i].is_string() ? names[i].get<std::string>() : "?") +
                                     "', expected '" + kFeatureNames[i] + "'");
    }
  }
  return names.size();
}

Json Names() {
  Json a = Json::array();
  for (const char* n : kFeatureNames) a.push_back(n);
  return a;
}

struct Parsed {
  Json j;
  size_t features = 0;  // how many of today's features the model was trained on
};
Result<Parsed> Parse(const std::string& text) {
  Parsed p;
  p.j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (p.j.is_discarded() || !p.j.is_object()) {
    return Status::InvalidArgument("model: parameters are not a JSON object");
  }
  SAIKI_ASSIGN_OR_RETURN(p.features, CheckFeatureNames(p.j));
  return p;
}

}  // namespace

GlobalLinearModel GlobalLinearModel::Initial() {
  GlobalLinearModel m;
  m.weights[kBm25f] = 1.0;
  return m;
}

void GlobalLinearModel::ObserveRows(const float* rows, size_t n) {
  double mean_row[kNumFeatures];
  const double zero[kNumFeatures] = {};
  for (size_t r = 0; r < n; ++r) {
    for (int i = 0; i < kNumFeatures; ++i) mean_row[i] = rows[r * kNumFeatures + i];
    ObserveMoments(1, mean_row, zero);
  }
}

void GlobalLinearModel::ObserveMoments(double n, const double* batch_mean, const double* batch_m2) {
  if (!(n > 0)) return;
  Eigen::VectorXd raw_weights = weights.cwiseQuotient(scale);
  double total = count + n;
  for (int i = 0; i < kNumFeatures; ++i) {
    double delta = batch_mean[i] - mean[i];
    mean[i] += delta * n / total;
    m2[i] += batch_m2[i] + delta * delta * count * n / total;
  }
  count = total;
  if (count >= 2) {
    for (int i = 0; i < kNumFeatures; ++i) {
      double sd = std::sqrt(m2[i] / (count - 1));
      scale[i] = sd > kMinScale ? sd : 1.0;
    }
  }
  weights = raw_weights.cwiseProduct(scale);
}

std::string GlobalLinearModel::ToJson() const {
  Json j;
  j["features"] = Names();
  j["weights"] = VectorJson(weights);
  j["mean"] = VectorJson(mean);
  j["scale"] = VectorJson(scale);
  j["count"] = count;
  j["m2"] = VectorJson(m2);
  return j.dump();
}

Result<GlobalLinearModel> GlobalLinearModel::FromJson(const std::string& json) {
  SAIKI_ASSIGN_OR_RETURN(Parsed p, Parse(json));
  const Json& j = p.j;
  GlobalLinearModel m;
  SAIKI_RETURN_IF_ERROR(ReadVector(j, "weights", p.features, 0.0, &m.weights));
  SAIKI_RETURN_IF_ERROR(ReadVector(j, "mean", p.features, 0.0, &m.mean));
  SAIKI_RETURN_IF_ERROR(ReadVector(j, "scale", p.features, 1.0, &m.scale));
  SAIKI_RETURN_IF_ERROR(ReadVector(j, "m2", p.features, 0.0, &m.m2));
  if (!j.contains("count") || !j["count"].is_number() || j["count"].get<double>() < 0) {
    return Status::InvalidArgument("model: 'count' must be a number >= 0");
  }
  m.count = j["count"].get<double>();
  if ((m.scale.array() <= 0).any()) return Status::InvalidArgument("model: scale must be > 0");
  return m;
}

Eigen::VectorXd PersonalLinearModel::DeltaFor(const Eigen::VectorXd& current_scale) const {
  return delta.cwiseQuotient(scale).cwiseProduct(current_scale);
}

std::string PersonalLinearModel::ToJson() const {
  Json j;
  j["features"] = Names();
  j["delta"] = VectorJson(delta);
  j["scale"] = VectorJson(scale);
  return j.dump();
}

Result<PersonalLinearModel> PersonalLinearModel::FromJson(const std::string& json) {
  SAIKI_ASSIGN_OR_RETURN(Parsed p, Parse(json));
  PersonalLinearModel m;
  SAIKI_RETURN_IF_ERROR(ReadVector(p.j, "delta", p.features, 0.0, &m.delta));
  SAIKI_RETURN_IF_ERROR(ReadVector(p.j, "scale", p.features, 1.0, &m.scale));
  if ((m.scale.array() <= 0).any()) return Status::InvalidArgument("model: scale must be > 0");
  return m;
}

Matrix Normalize(const FeatureMatrix& x, const GlobalLinearModel& model) {
  Matrix z(static_cast<Eigen::Index>(x.rows), kNumFeatures);
  for (size_t r = 0; r < x.rows; ++r) {
    const float* row = x.row(r);
    for (int i = 0; i < kNumFeatures; ++i) {
      z(static_cast<Eigen::Index>(r), i) = (row[i] - model.mean[i]) / model.scale[i];
    }
  }
  return z;
}

}  // namespace saiki::ranker
