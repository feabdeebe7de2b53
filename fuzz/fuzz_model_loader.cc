// libFuzzer target: the model loaders over arbitrary bytes.
//   - ranker/linear_model.h GlobalLinearModel::FromJson and
//     PersonalLinearModel::FromJson (the `models.params` column);
//   - ranker/trees.h TreeEnsemble::FromXgboostJson (`saiki model import`).
//
// Invariants: every failure is kInvalidArgument; an accepted linear model
// holds kNumFeatures finite values in each vector, a finite count >= 0 and
// scales > 0 ("kInvalidArgument when the JSON ... holds NaN/inf"), and
// survives ToJson -> FromJson unchanged; an accepted tree ensemble respects
// the documented limits, scores finite margins on a few feature vectors
// (the file comment promises finite thresholds, leaf values and base
// score), and Explain's bias plus contributions is finite too.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "ranker/linear_model.h"
#include "ranker/trees.h"

using saiki::StatusCode;
using saiki::fuzz::Escape;
using namespace saiki::ranker;

namespace {

bool AllFinite(const Eigen::VectorXd& v) {
  if (v.size() != kNumFeatures) return false;
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) return false;
  }
  return true;
}

void CheckLinear(const std::string& json) {
  auto g = GlobalLinearModel::FromJson(json);
  if (!g.ok()) {
    FUZZ_CHECK(g.status().code() == StatusCode::kInvalidArgument, "%s",
               g.status().ToString().c_str());
  } else {
    FUZZ_CHECK(AllFinite(g->weights) && AllFinite(g->mean) && AllFinite(g->scale) &&
                   AllFinite(g->m2),
               "global model with non-finite vectors accepted: %s", Escape(json).c_str());
    FUZZ_CHECK(std::isfinite(g->count) && g->count >= 0, "global model with count %g accepted: %s",
               g->count, Escape(json).c_str());
    FUZZ_CHECK((g->scale.array() > 0).all(), "scale <= 0 accepted");
    auto again = GlobalLinearModel::FromJson(g->ToJson());
    FUZZ_CHECK(again.ok(), "ToJson of an accepted model does not load: %s",
               again.status().ToString().c_str());
    FUZZ_CHECK(again->weights == g->weights && again->mean == g->mean &&
                   again->scale == g->scale && again->m2 == g->m2 && again->count == g->count,
               "global model changed through ToJson/FromJson");
  }
  auto p = PersonalLinearModel::FromJson(json);
  if (!p.ok()) {
    FUZZ_CHECK(p.status().code() == StatusCode::kInvalidArgument, "%s",
               p.status().ToString().c_str());
  } else {
    FUZZ_CHECK(AllFinite(p->delta) && AllFinite(p->scale), "personal model with non-finite values");
    FUZZ_CHECK((p->scale.array() > 0).all(), "scale <= 0 accepted");
    auto again = PersonalLinearModel::FromJson(p->ToJson());
    FUZZ_CHECK(again.ok() && again->delta == p->delta && again->scale == p->scale,
               "personal model changed through ToJson/FromJson");
  }
}

void CheckTrees(std::string_view json) {
  auto t = TreeEnsemble::FromXgboostJson(json);
  if (!t.ok()) {
    FUZZ_CHECK(t.status().code() == StatusCode::kInvalidArgument ||
                   t.status().code() == StatusCode::kResourceExhausted,
               "%s", t.status().ToString().c_str());
    return;
  }
  FUZZ_CHECK(t->num_trees() <= kMaxTrees && t->num_nodes() <= kMaxTreeNodes &&
                 t->max_depth() <= kMaxTreeDepth,
             "limits: %zu trees, %zu nodes, depth %d", t->num_trees(), t->num_nodes(),
             t->max_depth());
  FUZZ_CHECK(std::isfinite(t->base_score()), "base_score %g", t->base_score());
  float x[kNumFeatures];
  double contrib[kNumFeatures];
  const float kValues[] = {0.0f, 1.0f, -1.0f, 1e30f, -1e30f, 0.5f};
  for (float value : kValues) {
    for (int i = 0; i < kNumFeatures; ++i) x[i] = (i % 2) ? value : -value;
    const double score = t->Predict(x);
    FUZZ_CHECK(std::isfinite(score), "Predict = %g for an accepted model: %s", score,
               Escape(json, 400).c_str());
    const double bias = t->Explain(x, contrib);
    double sum = bias;
    for (double c : contrib) sum += c;
    // bias + sum(contrib) == Predict holds up to the rounding of the
    // telescoping sums, which is unbounded relative to the result when
    // node means are huge and cancel; only finiteness is checked.
    FUZZ_CHECK(std::isfinite(sum), "Explain: bias + contributions = %g (Predict %g) for %s", sum,
               score, Escape(json, 400).c_str());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  CheckLinear(json);
  CheckTrees(json);
  return 0;
}
