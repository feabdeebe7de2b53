// The tree-ensemble ranker ("trees"): gradient-boosted regression trees
// trained offline by XGBoost on exported features (`saiki export-features`),
// imported with `saiki model import FILE.json`, and scored here.
//
// The model is the file XGBoost's Booster.save_model("m.json") writes: a
// "gbtree" booster with objective rank:pairwise, rank:ndcg or rank:map. Of
// each tree saiki reads split_indices, split_conditions (the threshold of a
// split node, the leaf value of a leaf), left_children / right_children (-1
// at a leaf), default_left (the branch a missing value takes) and
// sum_hessian (only for Explain); the model's base_score is added once. A
// node sends x left when x[split_index] < split_condition (float compare,
// as XGBoost does), or when x is NaN and default_left is set. saiki's
// feature vectors never hold NaN, so the default branch is not taken in
// practice; exported features are written densely for the same reason
// (engine/export.cc).
//
//   score(x) = trees(x) + gate * delta . z
//
// The trees are the global part, learned offline from all devices' logs;
// each device keeps its users' personal linear weights delta on top, with z
// normalised by the mean and scale of the linear global model that was
// active when the trees were imported (ranker.h, linear_model.h). While the
// trees are active the session learner updates only the personal weights,
// with the tree score as a fixed offset (TreeOffsetColumn below).
//
// Validation (FromXgboostJson), every failure a kInvalidArgument that names
// the problem:
//   - the learner's feature_names, when XGBoost stored them (a DMatrix with
//     feature names), must equal saiki's kFeatureNames in order; without
//     them num_feature must equal kNumFeatures and column i is taken to be
//     kFeatureNames[i] (the order `saiki export-features` writes);
//   - only gbtree boosters, rank:* objectives, one output (no multi-class,
//     multi-target or vector leaves), no categorical splits;
//   - every array of a tree has num_nodes entries; split indices within
//     [0, num_feature); children within the tree; thresholds and leaf
//     values finite floats (within float's range: they are stored as
//     float), base_score finite, node mean values (from sum_hessian, for
//     Explain) within float's range; the nodes reachable from the root form a tree
//     (no node reached twice, so no cycle) of depth at most kMaxTreeDepth;
//   - size limits: the JSON text at most kMaxTreeModelBytes, at most
//     kMaxTrees trees and kMaxTreeNodes reachable nodes in all.
// Unreachable nodes (XGBoost's deleted nodes) are dropped.
//
// A TreeEnsemble is immutable after loading: thread-compatible, shared by
// every request.
#ifndef SAIKI_RANKER_TREES_H_
#define SAIKI_RANKER_TREES_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ranker/features.h"
#include "ranker/learner.h"
#include "ranker/linear_model.h"
#include "ranker/ranker.h"
#include "saiki/status.h"

namespace saiki::ranker {

inline constexpr size_t kMaxTreeModelBytes = 64u << 20;  // 64 MiB of JSON
inline constexpr size_t kMaxTrees = 100000;
inline constexpr size_t kMaxTreeNodes = size_t{1} << 22;  // ~4.2 million, ~80 MB in memory
inline constexpr int kMaxTreeDepth = 64;                  // edges from the root to a leaf

class TreeEnsemble {
 public:
  // Parses and validates an XGBoost JSON model (see the file comment).
  static Result<TreeEnsemble> FromXgboostJson(std::string_view json);

  // The raw margin (XGBoost's output_margin / pred_margin): base_score plus
  // the leaf value of every tree. `x` has kNumFeatures values. Allocates
  // nothing; O(trees * depth).
  double Predict(const float* x) const;

  // Per-feature attribution of Predict(x) along the decision paths (Saabas;
  // XGBoost's pred_contribs with approx_contribs=True): contrib[f] gets the
  // change in the node's cover-weighted mean value at every split on f.
  // Returns the bias (base_score plus each tree's root mean), the same for
  // every x, so that bias + sum(contrib) == Predict(x).
  double Explain(const float* x, double* contrib /* kNumFeatures */) const;

  size_t num_trees() const { return roots_.size(); }
  size_t num_nodes() const { return nodes_.size(); }
  int max_depth() const { return max_depth_; }
  double base_score() const { return base_score_; }
  const std::string& objective() const { return objective_; }
  // True when the model named its features (checked against kFeatureNames);
  // false when only their count was checked.
  bool named_features() const { return named_features_; }
  // The features it was trained on (kNumFeatures or an earlier count).
  int num_features() const { return num_features_; }

 private:
  struct Node {
    int32_t feature = -1;           // split feature; -1 at a leaf
    float value = 0;                // threshold of a split, value of a leaf
    int32_t left = -1, right = -1;  // indices into nodes_
    bool default_left = false;
  };
  std::vector<Node> nodes_;
  std::vector<int32_t> roots_;
  std::vector<double> mean_;  // cover-weighted mean leaf value per node (Explain)
  double base_score_ = 0;
  int max_depth_ = 0;
  std::string objective_;
  bool named_features_ = false;
  // The features it was trained on: today's list or an earlier prefix
  // (features.h kEarlierFeatureCounts); it splits on no other.
  int num_features_ = kNumFeatures;
};

// The trees ranker: score = trees(x) + gate * personal . z, z normalised by
// ctx.global (required). ctx.trees must be set; without it the tree part
// is 0 (the engine falls back to `linear` when no tree model is active).
class TreesRanker final : public Ranker {
 public:
  std::string_view name() const override { return "trees"; }
  void Score(const FeatureMatrix& x, const RankingContext& ctx,
             std::vector<double>* scores) const override;
  // global: the trees' path attribution (up to the constant bias);
  // personal: gate * personal_i * z_i.
  void Explain(const FeatureMatrix& x, size_t row, const RankingContext& ctx,
               std::vector<Contribution>* out) const override;
};

// Learning personal weights on top of the trees with PairwiseUpdate and
// ReplayMetric, which take a linear base: the tree score t(x) becomes an
// extra last column of each z, holding t(x) * kTreeOffsetScale, whose base
// weight is 1 / kTreeOffsetScale (so base . z adds exactly t(x): the scale
// is a power of two) and whose personal weight starts at 0. Its gradient is
// kTreeOffsetScale times the tree's, so the update cannot move it by more
// than ~1e-9 of the tree score; drop it afterwards (theta.head(kNumFeatures)).
inline constexpr double kTreeOffsetScale = 1.0 / 1073741824.0;  // 2^-30

// Appends the scaled tree score of each impression's rows to z[i] (which
// must have impressions[i].features.rows rows and kNumFeatures columns).
void AppendTreeOffsetColumn(const TreeEnsemble& trees,
                            std::span<const LoggedImpression> impressions, std::vector<Matrix>* z);
// The base for the widened z: 0 on every feature, 1/kTreeOffsetScale on the
// tree column.
Eigen::VectorXd TreeOffsetBase();
// `v` (kNumFeatures) with a 0 appended for the tree column.
Eigen::VectorXd WithTreeOffsetColumn(const Eigen::VectorXd& v);

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_TREES_H_
