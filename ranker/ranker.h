// The ranker plug-in interface: the engine retrieves the top N candidates by
// BM25F, computes one feature vector per candidate (features.h), and hands
// the matrix to the active ranker, chosen by name in the database's settings
// (`saiki settings set ranker NAME`).
//
// Built-in rankers:
//   bm25    keeps the BM25F order (the score is the bm25f feature)
//   linear  the personalised pairwise linear model (linear_model.h)
//   trees   an XGBoost tree ensemble (trees.h) with the personal linear part
//           on top; its model versions live in the same `models` table
//           (kind "trees").
//
// A ranker is stateless: the models it scores with come in RankingContext,
// so one instance serves every request and thread.
#ifndef SAIKI_RANKER_RANKER_H_
#define SAIKI_RANKER_RANKER_H_

#include <Eigen/Core>
#include <string>
#include <string_view>
#include <vector>

#include "ranker/features.h"
#include "ranker/linear_model.h"

namespace saiki::ranker {

class TreeEnsemble;  // trees.h

// What the models say for one request.
struct RankingContext {
  const GlobalLinearModel* global = nullptr;  // required by linear and trees
  const TreeEnsemble* trees = nullptr;        // required by trees
  // The user's personal weights in the global model's current scale; zero
  // for anonymous searches and users with no personal model yet.
  Eigen::VectorXd personal = Eigen::VectorXd::Zero(kNumFeatures);
  double gate = 1.0;  // weight of the personal part for this query, 0..1
};

struct Contribution {
  double global = 0;    // this feature's part of the global model's score
  double personal = 0;  // ... of the personal part (gate applied)
};

class Ranker {
 public:
  virtual ~Ranker() = default;
  virtual std::string_view name() const = 0;
  // One score per row of `x`; a higher score ranks first.
  virtual void Score(const FeatureMatrix& x, const RankingContext& ctx,
                     std::vector<double>* scores) const = 0;
  // Per-feature contributions to row r's score (sums to the score, up to a
  // constant the same for every row of the request).
  virtual void Explain(const FeatureMatrix& x, size_t row, const RankingContext& ctx,
                       std::vector<Contribution>* out) const = 0;
};

// The registered ranker called `name`, or nullptr.
const Ranker* FindRanker(std::string_view name);
bool IsRankerName(std::string_view name);
std::string RankerNamesList();  // "bm25, linear, trees"

}  // namespace saiki::ranker

#endif  // SAIKI_RANKER_RANKER_H_
