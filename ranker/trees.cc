// Loading, validating and scoring XGBoost tree ensembles. See trees.h.
#include "ranker/trees.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>

namespace saiki::ranker {
namespace {

using Json = nlohmann::json;

Status Bad(const std::string& what) { return Status::InvalidArgument("XGBoost model: " + what); }

// XGBoost writes most scalars of its parameter blocks as strings ("24",
// "5E-1", in newer versions "[5E-1]"); accept a number or such a string.
bool ScalarNumber(const Json& j, double* out) {
  if (j.is_number()) {
    *out = j.get<double>();
    return true;
  }
  if (!j.is_string()) return false;
  std::string s = j.get<std::string>();
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

const Json* Member(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// j[key] as an object, or an error naming `where`.
Result<const Json*> Object(const Json& j, const char* key, const std::string& where) {
  const Json* m = Member(j, key);
  if (m == nullptr || !m->is_object())
    return Bad("no object '" + std::string(key) + "' in " + where);
  return m;
}

Result<double> Scalar(const Json& j, const char* key, const std::string& where) {
  const Json* m = Member(j, key);
  double v = 0;
  if (m == nullptr || !ScalarNumber(*m, &v)) {
    // Appended, not "'" + std::string(key): GCC 12 at -O3 warns falsely
    // (-Wrestrict) on operator+(const char*, std::string&&).
    std::string message = "'";
    message.append(key).append("' in ").append(where).append(" is missing or not a number");
    return Bad(message);
  }
  return v;
}

// A numeric array of exactly n entries.
Status NumberArray(const Json& tree, const char* key, size_t n, const std::string& where,
                   std::vector<double>* out) {
  const Json* a = Member(tree, key);
  if (a == nullptr || !a->is_array()) return Bad(where + ": no array '" + key + "'");
  if (a->size() != n) {
    return Bad(where + ": '" + key + "' has " + std::to_string(a->size()) +
               " entries, num_nodes is " + std::to_string(n));
  }
  out->resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Json& v = (*a)[i];
    if (v.is_boolean()) {
      (*out)[i] = v.get<bool>() ? 1 : 0;
    } else if (v.is_number()) {
      (*out)[i] = v.get<double>();
    } else {
      return Bad(where + ": '" + key + "'[" + std::to_string(i) + "] is not a number");
    }
  }
  return Status::Ok();
}

// The JSON value as the file wrote it, for messages: converting a NaN or
// out-of-range double to an integer to print it is undefined behaviour.
std::string AsWritten(const Json& j) {
  std::string s = j.is_string() ? j.get<std::string>() : j.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

// Finite and within float's range (XGBoost stores its trees in float).
bool FitsFloat(double v) {
  return std::isfinite(v) && std::fabs(v) <= static_cast<double>(std::numeric_limits<float>::max());
}

bool IsIndex(double v, int64_t n) {
  return v == std::floor(v) && v >= 0 && v < static_cast<double>(n);
}

}  // namespace

Result<TreeEnsemble> TreeEnsemble::FromXgboostJson(std::string_view text) {
  if (text.size() > kMaxTreeModelBytes) {
    return Bad("the file is " + std::to_string(text.size()) + " bytes; the limit is " +
               std::to_string(kMaxTreeModelBytes));
  }
  Json root = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return Bad("not JSON, or not an object (save the model with Booster.save_model(\"m.json\"))");
  }
  SAIKI_ASSIGN_OR_RETURN(const Json* learner, Object(root, "learner", "the file"));
  TreeEnsemble model;

  // Objective: the rank objectives all score with the identity link, so the
  // margin is what ranks.
  SAIKI_ASSIGN_OR_RETURN(const Json* objective, Object(*learner, "objective", "learner"));
  const Json* objective_name = Member(*objective, "name");
  if (objective_name == nullptr || !objective_name->is_string())
    return Bad("objective has no name");
  model.objective_ = objective_name->get<std::string>();
  if (model.objective_ != "rank:pairwise" && model.objective_ != "rank:ndcg" &&
      model.objective_ != "rank:map") {
    return Bad("objective '" + model.objective_ +
               "' is not a ranking objective (rank:pairwise, rank:ndcg or rank:map)");
  }

  // Model parameters: one output, the feature count, base_score.
  SAIKI_ASSIGN_OR_RETURN(const Json* mparam, Object(*learner, "learner_model_param", "learner"));
  SAIKI_ASSIGN_OR_RETURN(double num_feature, Scalar(*mparam, "num_feature", "learner_model_param"));
  SAIKI_ASSIGN_OR_RETURN(model.base_score_, Scalar(*mparam, "base_score", "learner_model_param"));
  if (!std::isfinite(model.base_score_)) return Bad("base_score is not finite");
  for (const char* key : {"num_class", "num_target"}) {
    if (Member(*mparam, key) == nullptr) continue;
    SAIKI_ASSIGN_OR_RETURN(double v, Scalar(*mparam, key, "learner_model_param"));
    // NaN compares false with everything: test for what is accepted.
    if (!(v <= 1)) {
      return Bad(std::string(key) + " is " + AsWritten(*Member(*mparam, key)) +
                 "; a ranking model has one output");
    }
  }

  // Features: by name when XGBoost stored names, else by count and order.
  const Json* names = Member(*learner, "feature_names");
  if (names != nullptr && !names->is_array()) return Bad("feature_names is not an array");
  if (names != nullptr && !names->empty()) {
    // Today's features or an earlier prefix of them (they are only ever
    // appended: a model trained before some were added never splits on them).
    if (!KnownFeatureCount(static_cast<int64_t>(names->size()))) {
      return Bad("trained on " + std::to_string(names->size()) + " features; this saiki computes " +
                 std::to_string(kNumFeatures) + " (saiki export-features names them)");
    }
    for (size_t i = 0; i < names->size(); ++i) {
      const Json& n = (*names)[i];
      if (!n.is_string() || n.get<std::string>() != kFeatureNames[i]) {
        return Bad("feature " + std::to_string(i) + " is '" +
                   (n.is_string() ? n.get<std::string>() : "?") + "', expected '" +
                   kFeatureNames[i] + "' (the features must be saiki's, in its order)");
      }
    }
    model.named_features_ = true;
  }
  // Unnamed: by count and order, today's features or an earlier prefix.
  const bool count_ok = model.named_features_
                            ? num_feature == static_cast<double>(names->size())
                            : num_feature == std::floor(num_feature) &&
                                  KnownFeatureCount(static_cast<int64_t>(num_feature));
  if (count_ok) model.num_features_ = static_cast<int>(num_feature);
  if (!count_ok) {
    return Bad("num_feature is " + AsWritten(*Member(*mparam, "num_feature")) +
               "; this saiki computes " + std::to_string(kNumFeatures) +
               " features (a model without feature_names must use exactly saiki's, in order;"
               " 1-based SVMlight indices read as 0-based add an empty column 0)");
  }

  // The booster: gbtree only.
  SAIKI_ASSIGN_OR_RETURN(const Json* booster, Object(*learner, "gradient_booster", "learner"));
  const Json* booster_name = Member(*booster, "name");
  if (booster_name == nullptr || !booster_name->is_string() ||
      booster_name->get<std::string>() != "gbtree") {
    return Bad(
        "the booster is '" +
        (booster_name && booster_name->is_string() ? booster_name->get<std::string>() : "?") +
        "'; only gbtree is supported");
  }
  SAIKI_ASSIGN_OR_RETURN(const Json* gmodel, Object(*booster, "model", "gradient_booster"));
  const Json* trees = Member(*gmodel, "trees");
  if (trees == nullptr || !trees->is_array()) return Bad("no 'trees' array in the booster's model");
  if (trees->size() > kMaxTrees) {
    return Bad(std::to_string(trees->size()) + " trees; the limit is " + std::to_string(kMaxTrees));
  }
  if (const Json* info = Member(*gmodel, "tree_info"); info != nullptr && info->is_array()) {
    for (const Json& t : *info) {
      if (!t.is_number() || t.get<double>() != 0)
        return Bad("tree_info assigns trees to several outputs");
    }
  }

  std::vector<double> left, right, split_index, cond, default_left, hess;
  std::vector<int32_t> map;  // XGBoost node id -> index in nodes_, -1 unreached
  struct Pending {
    int32_t node;
    int depth;
  };
  std::vector<Pending> stack;
  for (size_t t = 0; t < trees->size(); ++t) {
    const Json& tree = (*trees)[t];
    const std::string where = "tree " + std::to_string(t);
    if (!tree.is_object()) return Bad(where + " is not an object");
    SAIKI_ASSIGN_OR_RETURN(const Json* tparam, Object(tree, "tree_param", where));
    SAIKI_ASSIGN_OR_RETURN(double nodes_d, Scalar(*tparam, "num_nodes", where + " tree_param"));
    if (!(nodes_d >= 1 && nodes_d <= static_cast<double>(kMaxTreeNodes)) ||
        nodes_d != std::floor(nodes_d)) {
      return Bad(where + ": num_nodes must be 1.." + std::to_string(kMaxTreeNodes));
    }
    const size_t n = static_cast<size_t>(nodes_d);
    if (Member(*tparam, "size_leaf_vector") != nullptr) {
      SAIKI_ASSIGN_OR_RETURN(double slv,
                             Scalar(*tparam, "size_leaf_vector", where + " tree_param"));
      if (slv > 1) return Bad(where + ": vector leaves (multi-target trees) are not supported");
    }
    if (const Json* st = Member(tree, "split_type"); st != nullptr && st->is_array()) {
      for (const Json& v : *st) {
        if (!v.is_number() || v.get<double>() != 0) {
          return Bad(where + ": categorical splits are not supported");
        }
      }
    }
    if (const Json* cats = Member(tree, "categories");
        cats != nullptr && cats->is_array() && !cats->empty()) {
      return Bad(where + ": categorical splits are not supported");
    }
    SAIKI_RETURN_IF_ERROR(NumberArray(tree, "left_children", n, where, &left));
    SAIKI_RETURN_IF_ERROR(NumberArray(tree, "right_children", n, where, &right));
    SAIKI_RETURN_IF_ERROR(NumberArray(tree, "split_indices", n, where, &split_index));
    SAIKI_RETURN_IF_ERROR(NumberArray(tree, "split_conditions", n, where, &cond));
    SAIKI_RETURN_IF_ERROR(NumberArray(tree, "default_left", n, where, &default_left));
    if (Member(tree, "sum_hessian") != nullptr) {
      SAIKI_RETURN_IF_ERROR(NumberArray(tree, "sum_hessian", n, where, &hess));
    } else {
      hess.assign(n, 1.0);
    }

    // Walk the nodes reachable from the root (node 0), copying them into
    // nodes_ in depth-first order and checking each on the way.
    map.assign(n, -1);
    const int32_t root = static_cast<int32_t>(model.nodes_.size());
    model.roots_.push_back(root);
    stack.clear();
    stack.push_back({0, 0});
    map[0] = root;
    model.nodes_.emplace_back();
    while (!stack.empty()) {
      Pending p = stack.back();
      stack.pop_back();
      const size_t i = static_cast<size_t>(p.node);
      Node& out = model.nodes_[map[i]];
      const std::string at = where + " node " + std::to_string(i);
      // Thresholds and leaf values are stored as float (as XGBoost does): a
      // double outside float's range would become infinity (an out-of-range
      // conversion, undefined behaviour) and make scores infinite or NaN.
      if (!FitsFloat(cond[i])) {
        return Bad(at + ": threshold or leaf value " +
                   AsWritten((*Member(tree, "split_conditions"))[i]) + " is not a finite float");
      }
      out.value = static_cast<float>(cond[i]);
      if (left[i] == -1 && right[i] == -1) {
        model.max_depth_ = std::max(model.max_depth_, p.depth);
        continue;  // a leaf
      }
      if (!IsIndex(left[i], static_cast<int64_t>(n)) ||
          !IsIndex(right[i], static_cast<int64_t>(n))) {
        return Bad(at + ": a child index is outside the tree (or only one child is -1)");
      }
      if (!IsIndex(split_index[i], model.num_features_)) {
        return Bad(at + ": split feature " + std::to_string(split_index[i]) +
                   " is not one of the " + std::to_string(model.num_features_) + " features");
      }
      if (p.depth + 1 > kMaxTreeDepth) {
        return Bad(where + ": deeper than " + std::to_string(kMaxTreeDepth) + " levels");
      }
      out.feature = static_cast<int32_t>(split_index[i]);
      out.default_left = default_left[i] != 0;
      for (double child : {left[i], right[i]}) {
        size_t c = static_cast<size_t>(child);
        if (map[c] != -1) {
          return Bad(at + ": child " + std::to_string(c) +
                     " is reached twice (a cycle or a shared node: not a tree)");
        }
        if (model.nodes_.size() >= kMaxTreeNodes) {
          return Bad("more than " + std::to_string(kMaxTreeNodes) + " nodes in all");
        }
        map[c] = static_cast<int32_t>(model.nodes_.size());
        model.nodes_.emplace_back();
        stack.push_back({static_cast<int32_t>(c), p.depth + 1});
      }
      // emplace_back may have moved `out`: write the children through the index.
      model.nodes_[map[i]].left = map[static_cast<size_t>(left[i])];
      model.nodes_[map[i]].right = map[static_cast<size_t>(right[i])];
    }

    // Cover-weighted mean values for Explain, children before parents: in
    // depth-first order every child comes after its parent, so go backwards.
    model.mean_.resize(model.nodes_.size());
    std::vector<double> cover(model.nodes_.size() - root);
    for (size_t i = 0; i < n; ++i) {
      if (map[i] >= 0) cover[map[i] - root] = FitsFloat(hess[i]) && hess[i] > 0 ? hess[i] : 0;
    }
    for (size_t k = model.nodes_.size(); k-- > static_cast<size_t>(root);) {
      const Node& node = model.nodes_[k];
      if (node.feature < 0) {
        model.mean_[k] = node.value;
        continue;
      }
      // As XGBoost's FillNodeMeanValue: the children's means weighted by
      // their cover, over the node's own cover.
      double cl = cover[node.left - root], cr = cover[node.right - root];
      double total = cover[k - root] > 0 ? cover[k - root] : cl + cr;
      if (!(cl + cr > 0)) cl = cr = 1, total = 2;  // no usable cover: a plain average
      model.mean_[k] = (model.mean_[node.left] * cl + model.mean_[node.right] * cr) / total;
      // A node cover far below its children's (a hand-made sum_hessian) can
      // blow the mean up; bounded by float's range, Explain's sums over all
      // trees stay finite.
      if (!FitsFloat(model.mean_[k])) {
        return Bad(where + ": sum_hessian makes a node's mean value overflow (a node's cover"
                           " must be about the sum of its children's)");
      }
    }
  }
  return model;
}

double TreeEnsemble::Predict(const float* x) const {
  double sum = base_score_;
  const Node* nodes = nodes_.data();
  for (int32_t r : roots_) {
    const Node* n = nodes + r;
    while (n->feature >= 0) {
      const float v = x[n->feature];
      const int32_t next = std::isnan(v) ? (n->default_left ? n->left : n->right)
                                         : (v < n->value ? n->left : n->right);
      n = nodes + next;
    }
    sum += n->value;
  }
  return sum;
}

double TreeEnsemble::Explain(const float* x, double* contrib) const {
  for (int i = 0; i < kNumFeatures; ++i) contrib[i] = 0;
  double bias = base_score_;
  for (int32_t r : roots_) {
    int32_t k = r;
    bias += mean_[k];
    while (nodes_[k].feature >= 0) {
      const Node& n = nodes_[k];
      const float v = x[n.feature];
      const int32_t next =
          std::isnan(v) ? (n.default_left ? n.left : n.right) : (v < n.value ? n.left : n.right);
      contrib[n.feature] += mean_[next] - mean_[k];
      k = next;
    }
  }
  return bias;
}

// ------------------------------------------------------------ the ranker

namespace {

// The personal part gate * personal . z with z = (x - mean) / scale, folded
// into one coefficient per feature and a constant, once per request.
struct PersonalPart {
  std::array<double, kNumFeatures> coef{};
  double constant = 0;
  bool any = false;
  explicit PersonalPart(const RankingContext& ctx) {
    if (ctx.global == nullptr || ctx.gate == 0 || ctx.personal.size() != kNumFeatures) return;
    for (int i = 0; i < kNumFeatures; ++i) {
      double w = ctx.gate * ctx.personal[i];
      if (w == 0) continue;
      coef[i] = w / ctx.global->scale[i];
      constant -= coef[i] * ctx.global->mean[i];
      any = true;
    }
  }
  double operator()(const float* x) const {
    double s = constant;
    for (int i = 0; i < kNumFeatures; ++i) s += coef[i] * x[i];
    return s;
  }
};

}  // namespace

void TreesRanker::Score(const FeatureMatrix& x, const RankingContext& ctx,
                        std::vector<double>* scores) const {
  scores->resize(x.rows);
  const PersonalPart personal(ctx);
  for (size_t r = 0; r < x.rows; ++r) {
    const float* v = x.row(r);
    double s = ctx.trees != nullptr ? ctx.trees->Predict(v) : 0.0;
    if (personal.any) s += personal(v);
    (*scores)[r] = s;
  }
}

void TreesRanker::Explain(const FeatureMatrix& x, size_t row, const RankingContext& ctx,
                          std::vector<Contribution>* out) const {
  out->assign(kNumFeatures, Contribution());
  const float* v = x.row(row);
  if (ctx.trees != nullptr) {
    std::array<double, kNumFeatures> contrib;
    ctx.trees->Explain(v, contrib.data());
    for (int i = 0; i < kNumFeatures; ++i) (*out)[i].global = contrib[i];
  }
  if (ctx.global != nullptr && ctx.personal.size() == kNumFeatures) {
    for (int i = 0; i < kNumFeatures; ++i) {
      double z = (v[i] - ctx.global->mean[i]) / ctx.global->scale[i];
      (*out)[i].personal = ctx.gate * ctx.personal[i] * z;
    }
  }
}

// ------------------------------------------------------------ learning on top

void AppendTreeOffsetColumn(const TreeEnsemble& trees,
                            std::span<const LoggedImpression> impressions, std::vector<Matrix>* z) {
  for (size_t i = 0; i < z->size() && i < impressions.size(); ++i) {
    Matrix& m = (*z)[i];
    const FeatureMatrix& x = impressions[i].features;
    m.conservativeResize(Eigen::NoChange, kNumFeatures + 1);
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
      m(r, kNumFeatures) = static_cast<size_t>(r) < x.rows
                               ? trees.Predict(x.row(static_cast<size_t>(r))) * kTreeOffsetScale
                               : 0.0;
    }
  }
}

Eigen::VectorXd TreeOffsetBase() {
  Eigen::VectorXd b = Eigen::VectorXd::Zero(kNumFeatures + 1);
  b[kNumFeatures] = 1.0 / kTreeOffsetScale;
  return b;
}

Eigen::VectorXd WithTreeOffsetColumn(const Eigen::VectorXd& v) {
  Eigen::VectorXd out = Eigen::VectorXd::Zero(kNumFeatures + 1);
  out.head(kNumFeatures) = v.head(kNumFeatures);
  return out;
}

}  // namespace saiki::ranker
