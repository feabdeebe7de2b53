// The built-in rankers and the registry that finds them by name.
#include "ranker/ranker.h"

#include <array>

#include "ranker/trees.h"

namespace saiki::ranker {
namespace {

class Bm25Ranker final : public Ranker {
 public:
  std::string_view name() const override { return "bm25"; }
  void Score(const FeatureMatrix& x, const RankingContext&, std::vector<double>* scores) const override {
    scores->resize(x.rows);
    for (size_t r = 0; r < x.rows; ++r) (*scores)[r] = x.row(r)[kBm25f];
  }
  void Explain(const FeatureMatrix& x, size_t row, const RankingContext&,
               std::vector<Contribution>* out) const override {
    out->assign(kNumFeatures, Contribution());
    (*out)[kBm25f].global = x.row(row)[kBm25f];
  }
};

class LinearRanker final : public Ranker {
 public:
  std::string_view name() const override { return "linear"; }
  void Score(const FeatureMatrix& x, const RankingContext& ctx,
             std::vector<double>* scores) const override {
    // One matrix-vector product over all candidates.
    Matrix z = Normalize(x, *ctx.global);
    Eigen::VectorXd w = ctx.global->weights + ctx.gate * ctx.personal;
    Eigen::VectorXd s = z * w;
    scores->assign(s.data(), s.data() + s.size());
  }
  void Explain(const FeatureMatrix& x, size_t row, const RankingContext& ctx,
               std::vector<Contribution>* out) const override {
    out->assign(kNumFeatures, Contribution());
    const float* v = x.row(row);
    for (int i = 0; i < kNumFeatures; ++i) {
      double z = (v[i] - ctx.global->mean[i]) / ctx.global->scale[i];
      (*out)[i].global = ctx.global->weights[i] * z;
      (*out)[i].personal = ctx.gate * ctx.personal[i] * z;
    }
  }
};

const Bm25Ranker kBm25;
const LinearRanker kLinear;
const TreesRanker kTrees;  // trees.h
const std::array<const Ranker*, 3> kRankers = {&kBm25, &kLinear, &kTrees};

}  // namespace

const Ranker* FindRanker(std::string_view name) {
  for (const Ranker* r : kRankers) {
    if (r->name() == name) return r;
  }
  return nullptr;
}

bool IsRankerName(std::string_view name) { return FindRanker(name) != nullptr; }

std::string RankerNamesList() {
  std::string out;
  for (const Ranker* r : kRankers) {
    if (!out.empty()) out += ", ";
    out += r->name();
  }
  return out;
}

}  // namespace saiki::ranker
