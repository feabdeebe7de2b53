// letor_eval: saiki's learning pieces against peers on public data (run by
// eval/run_letor.sh; built only with -DSAIKI_BUILD_EVAL=ON).
//
//   letor_eval letor --train FILE --test FILE [--train-groups G --test-groups G]
//                    [--pred "NAME=FILE" ...] [--epochs N] [--lr X] [--l2 X]
//     NDCG@10 on the test file of
//       - saiki's pairwise linear learner (ranker/learner.h PairwiseUpdate, the
//         update the engine runs after every session), trained on the train
//         file: features standardised with the training set's mean and
//         standard deviation, preferences = every pair of documents of a query
//         with different graded labels (weight 1), one PairwiseUpdate per
//         query (5 steps, step size 0.05, L2 0.001: the engine's defaults for
//         the global model) as the engine updates once per session, in one
//         pass (online) and in 10 passes (queries shuffled with a fixed seed);
//         and the same loss in 200 full-batch steps;
//       - the best single feature (chosen on the training file);
//       - each --pred file: one score per test row, in file order (XGBoost's
//         predictions, written by eval/tools/xgb_letor.py).
//     Every ranker is scored by the same NDCG code: gain 2^label - 1, discount
//     log2(rank + 1), ties in score averaged over their orderings (McSherry &
//     Najork, ECIR 2008), queries with no relevant document left out.
//     Input: SVMlight/LETOR lines `label qid:N i:v ... # comment`; without
//     qid, a group file (LightGBM's: one query size per line) gives the queries.
//
//   letor_eval clicks FILE...
//     The position bias of real click logs in the Yandex WSCD 2012 format of
//     PyClick's samples (`QUERY_REGION<TAB>d1,...,d10 : c1 , c2; ...`):
//     ranker/propensity.h EstimatePositionBias (per-(query, document) PBM EM)
//     next to the raw click rate by rank.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ranker/learner.h"
#include "ranker/metrics.h"
#include "ranker/propensity.h"

namespace {

using saiki::ranker::Matrix;

struct Query {
  std::string id;
  std::vector<double> labels;
  std::vector<std::vector<std::pair<int, double>>> rows;  // sparse (0-based index, value)
};

struct Dataset {
  std::vector<Query> queries;
  int width = 0;  // 1 + the largest feature index (0-based)
  size_t rows = 0;
};

bool ReadGroups(const std::string& path, std::vector<size_t>* sizes) {
  std::ifstream in(path);
  if (!in) return false;
  for (size_t n; in >> n;) sizes->push_back(n);
  return true;
}

// Reads SVMlight/LETOR lines; 1-based feature indices become 0-based.
bool ReadLetor(const std::string& path, const std::string& groups_path, Dataset* d,
               std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = path + ": cannot read";
    return false;
  }
  std::vector<size_t> groups;
  if (!groups_path.empty() && !ReadGroups(groups_path, &groups)) {
    *error = groups_path + ": cannot read";
    return false;
  }
  size_t group = 0, in_group = 0;
  std::string line, last_qid;
  for (size_t lineno = 1; std::getline(in, line); ++lineno) {
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    std::string tok;
    if (!(fields >> tok)) continue;
    double label = std::strtod(tok.c_str(), nullptr);
    std::string qid;
    std::vector<std::pair<int, double>> row;
    while (fields >> tok) {
      if (tok.rfind("qid:", 0) == 0) {
        qid = tok.substr(4);
        continue;
      }
      size_t colon = tok.find(':');
      if (colon == std::string::npos) {
        *error = path + " line " + std::to_string(lineno) + ": '" + tok + "' is not index:value";
        return false;
      }
      int index = std::atoi(tok.substr(0, colon).c_str()) - 1;
      if (index < 0) {
        *error = path + " line " + std::to_string(lineno) + ": feature index below 1";
        return false;
      }
      row.emplace_back(index, std::strtod(tok.c_str() + colon + 1, nullptr));
      d->width = std::max(d->width, index + 1);
    }
    if (qid.empty()) {
      if (groups.empty()) {
        *error = path + " line " + std::to_string(lineno) + ": no qid and no group file";
        return false;
      }
      while (group < groups.size() && in_group == groups[group]) ++group, in_group = 0;
      if (group >= groups.size()) {
        *error = groups_path + ": fewer rows in the groups than in " + path;
        return false;
      }
      qid = "g" + std::to_string(group);
      ++in_group;
    }
    if (d->queries.empty() || qid != last_qid) d->queries.push_back({qid, {}, {}});
    last_qid = qid;
    d->queries.back().labels.push_back(label);
    d->queries.back().rows.push_back(std::move(row));
    ++d->rows;
  }
  return true;
}

// Expected NDCG@k over the orderings of tied scores.
double TieAveragedNdcg(const std::vector<double>& scores, const std::vector<double>& labels,
                       size_t k) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  auto discount = [&](size_t pos) { return pos < k ? 1.0 / std::log2(pos + 2.0) : 0.0; };
  double dcg = 0;
  for (size_t s = 0; s < order.size();) {
    size_t e = s;
    double gains = 0, discounts = 0;
    while (e < order.size() && scores[order[e]] == scores[order[s]]) {
      gains += std::pow(2.0, labels[order[e]]) - 1;
      discounts += discount(e);
      ++e;
    }
    dcg += gains * discounts / static_cast<double>(e - s);
    s = e;
  }
  std::vector<double> ideal = labels;
  std::sort(ideal.begin(), ideal.end(), std::greater<>());
  double idcg = saiki::ranker::DcgAtK(ideal, k);
  return idcg > 0 ? dcg / idcg : 0.0;
}

struct Evaluation {
  double ndcg = 0;
  size_t queries = 0;
};

// scores: one per row of `test`, in file order.
Evaluation Evaluate(const Dataset& test, const std::vector<double>& scores, size_t k = 10) {
  Evaluation ev;
  double sum = 0;
  size_t row = 0;
  for (const Query& q : test.queries) {
    std::vector<double> s(scores.begin() + row, scores.begin() + row + q.labels.size());
    row += q.labels.size();
    if (*std::max_element(q.labels.begin(), q.labels.end()) <= 0) continue;
    sum += TieAveragedNdcg(s, q.labels, k);
    ++ev.queries;
  }
  ev.ndcg = ev.queries ? sum / ev.queries : 0;
  return ev;
}

struct Standardiser {
  std::vector<double> mean, scale;
  explicit Standardiser(const Dataset& d, int width) : mean(width, 0), scale(width, 1) {
    std::vector<double> sum(width, 0), sq(width, 0);
    for (const Query& q : d.queries) {
      for (const auto& row : q.rows) {
        for (auto [i, v] : row) {
          if (i < width) sum[i] += v, sq[i] += v * v;
        }
      }
    }
    double n = static_cast<double>(d.rows);
    for (int i = 0; i < width; ++i) {
      mean[i] = sum[i] / n;
      double var = sq[i] / n - mean[i] * mean[i];
      scale[i] = var > 1e-12 ? std::sqrt(var) : 1.0;
    }
  }
  Matrix Z(const Query& q) const {
    const int width = static_cast<int>(mean.size());
    Matrix z(static_cast<Eigen::Index>(q.rows.size()), width);
    for (size_t r = 0; r < q.rows.size(); ++r) {
      for (int i = 0; i < width; ++i) z(r, i) = -mean[i] / scale[i];  // absent = 0
      for (auto [i, v] : q.rows[r]) {
        if (i < width) z(r, i) = (v - mean[i]) / scale[i];
      }
    }
    return z;
  }
};

std::vector<saiki::ranker::Preference> GradedPairs(const Query& q, uint32_t impression) {
  std::vector<saiki::ranker::Preference> prefs;
  for (uint32_t i = 0; i < q.labels.size(); ++i) {
    for (uint32_t j = 0; j < q.labels.size(); ++j) {
      if (q.labels[i] > q.labels[j]) prefs.push_back({impression, i, j, 1.0});
    }
  }
  return prefs;
}

std::vector<double> ScoreLinear(const Dataset& test, const Standardiser& st,
                                const Eigen::VectorXd& w) {
  std::vector<double> scores;
  for (const Query& q : test.queries) {
    Eigen::VectorXd s = st.Z(q) * w;
    scores.insert(scores.end(), s.data(), s.data() + s.size());
  }
  return scores;
}

// Defaults: the engine's global learner (learn.lr_global 0.05, learn.l2_global
// 0.001, learn.steps 5 per session).
struct LinearConfig {
  int epochs = 10;
  int steps = 5;
  double lr = 0.05;
  double l2 = 0.001;
};

// One PairwiseUpdate (c.steps steps) per query per epoch, as the engine updates
// once per session.
Eigen::VectorXd TrainPerQuery(const Dataset& train, const Standardiser& st, const LinearConfig& c) {
  const int width = static_cast<int>(st.mean.size());
  std::vector<Matrix> z;
  std::vector<std::vector<saiki::ranker::Preference>> prefs;
  for (const Query& q : train.queries) {
    z.push_back(st.Z(q));
    prefs.push_back(GradedPairs(q, 0));
  }
  std::vector<saiki::ranker::LoggedImpression> one(1);
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(width), zero = Eigen::VectorXd::Zero(width);
  saiki::ranker::UpdateOptions opt;
  opt.learning_rate = c.lr;
  opt.l2 = c.l2;
  opt.steps = c.steps;
  std::vector<size_t> order(z.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(42);
  for (int e = 0; e < c.epochs; ++e) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t q : order) {
      if (prefs[q].empty()) continue;
      auto r = saiki::ranker::PairwiseUpdate(std::span<const Matrix>(&z[q], 1), one, prefs[q], zero,
                                             theta, false, opt);
      if (r.ok()) theta = r->theta;
    }
  }
  return theta;
}

// The same loss over all pairs at once (RankSVM-style), `steps` steps.
Eigen::VectorXd TrainFullBatch(const Dataset& train, const Standardiser& st, const LinearConfig& c,
                               int steps) {
  const int width = static_cast<int>(st.mean.size());
  std::vector<Matrix> z;
  std::vector<saiki::ranker::Preference> prefs;
  for (uint32_t i = 0; i < train.queries.size(); ++i) {
    z.push_back(st.Z(train.queries[i]));
    auto p = GradedPairs(train.queries[i], i);
    prefs.insert(prefs.end(), p.begin(), p.end());
  }
  std::vector<saiki::ranker::LoggedImpression> imps(z.size());
  saiki::ranker::UpdateOptions opt;
  opt.learning_rate = 1.0;  // mean gradient over all pairs: a larger step is stable
  opt.l2 = c.l2;
  opt.steps = steps;
  Eigen::VectorXd zero = Eigen::VectorXd::Zero(width);
  auto r = saiki::ranker::PairwiseUpdate(z, imps, prefs, zero, zero, false, opt);
  return r.ok() ? r->theta : zero;
}

std::vector<double> FeatureScores(const Dataset& d, int feature) {
  std::vector<double> s;
  for (const Query& q : d.queries) {
    for (const auto& row : q.rows) {
      double v = 0;
      for (auto [i, x] : row) {
        if (i == feature) v = x;
      }
      s.push_back(v);
    }
  }
  return s;
}

bool ReadPredictions(const std::string& path, std::vector<double>* out) {
  std::ifstream in(path);
  if (!in) return false;
  for (double v; in >> v;) out->push_back(v);
  return true;
}

int RunLetor(const std::string& train_path, const std::string& test_path,
             const std::string& train_groups, const std::string& test_groups,
             const std::vector<std::string>& preds, const LinearConfig& config) {
  Dataset train, test;
  std::string error;
  if (!ReadLetor(train_path, train_groups, &train, &error) ||
      !ReadLetor(test_path, test_groups, &test, &error)) {
    std::cerr << "letor_eval: " << error << "\n";
    return 1;
  }
  const int width = std::max(train.width, test.width);
  Standardiser st(train, width);
  std::printf("train %s: %zu queries, %zu rows; test %s: %zu queries, %zu rows; %d features\n",
              train_path.c_str(), train.queries.size(), train.rows, test_path.c_str(),
              test.queries.size(), test.rows, width);
  struct Row {
    std::string name;
    Evaluation ev;
  };
  std::vector<Row> table;

  LinearConfig once = config;
  once.epochs = 1;
  Eigen::VectorXd w1 = TrainPerQuery(train, st, once);
  table.push_back({"saiki pairwise linear, online: one update per query, one pass",
                   Evaluate(test, ScoreLinear(test, st, w1))});
  Eigen::VectorXd w = TrainPerQuery(train, st, config);
  table.push_back(
      {"saiki pairwise linear, one update per query, " + std::to_string(config.epochs) + " passes",
       Evaluate(test, ScoreLinear(test, st, w))});
  Eigen::VectorXd wb = TrainFullBatch(train, st, config, 200);
  table.push_back(
      {"saiki pairwise linear, full batch, 200 steps", Evaluate(test, ScoreLinear(test, st, wb))});
  int best = 0;
  double best_train = -1;
  for (int f = 0; f < width; ++f) {
    double v = Evaluate(train, FeatureScores(train, f)).ndcg;
    if (v > best_train) best_train = v, best = f;
  }
  table.push_back({"best single feature (" + std::to_string(best + 1) + ", chosen on train)",
                   Evaluate(test, FeatureScores(test, best))});
  for (const std::string& spec : preds) {
    size_t eq = spec.find('=');
    std::string name = spec.substr(0, eq),
                path = eq == std::string::npos ? spec : spec.substr(eq + 1);
    std::vector<double> p;
    if (!ReadPredictions(path, &p) || p.size() != test.rows) {
      std::cerr << "letor_eval: " << path << ": expected " << test.rows << " predictions\n";
      return 1;
    }
    table.push_back({name, Evaluate(test, p)});
  }
  std::printf("\n| ranker | NDCG@10 | queries |\n|---|---|---|\n");
  for (const Row& r : table)
    std::printf("| %s | %.4f | %zu |\n", r.name.c_str(), r.ev.ndcg, r.ev.queries);
  return 0;
}

// ------------------------------------------------------------ clicks

int RunClicks(const std::vector<std::string>& paths) {
  constexpr int kPositions = 10;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "letor_eval: " << path << ": cannot read\n";
      return 1;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    std::string text = buf.str();
    std::replace(text.begin(), text.end(), '\n', ';');
    std::vector<saiki::ranker::ClickObservation> obs;
    std::vector<int64_t> shown(kPositions, 0), clicked(kPositions, 0);
    std::unordered_set<std::string> queries;
    size_t serps = 0;
    std::istringstream sessions(text);
    for (std::string s; std::getline(sessions, s, ';');) {
      size_t tab = s.find('\t'), colon = s.find(':');
      if (tab == std::string::npos || colon == std::string::npos || colon < tab) continue;
      std::string query = s.substr(0, tab);
      query.erase(0, query.find_first_not_of(' '));
      std::vector<std::string> docs;
      std::istringstream d(s.substr(tab + 1, colon - tab - 1));
      for (std::string x; std::getline(d, x, ',');) {
        x.erase(std::remove(x.begin(), x.end(), ' '), x.end());
        if (!x.empty()) docs.push_back(x);
      }
      std::unordered_set<std::string> clicks;
      std::istringstream c(s.substr(colon + 1));
      for (std::string x; std::getline(c, x, ',');) {
        x.erase(std::remove(x.begin(), x.end(), ' '), x.end());
        if (!x.empty()) clicks.insert(x);
      }
      if (docs.empty()) continue;
      ++serps;
      queries.insert(query);
      for (size_t k = 0; k < docs.size() && k < kPositions; ++k) {
        bool hit = clicks.count(docs[k]) > 0;
        uint64_t key = std::hash<std::string>()(query + "\x1f" + docs[k]);
        obs.push_back({static_cast<uint32_t>(k), key, hit});
        ++shown[k];
        clicked[k] += hit;
      }
    }
    saiki::ranker::PropensityOptions opt;
    opt.max_positions = kPositions;
    saiki::ranker::PropensityDiagnostics diag;
    auto theta = saiki::ranker::EstimatePositionBias(obs, opt, &diag);
    std::printf("\n%s: %zu result pages, %zu queries, %zu shown results\n", path.c_str(), serps,
                queries.size(), obs.size());
    if (!theta.ok()) {
      std::printf("estimate failed: %s\n", theta.status().ToString().c_str());
      continue;
    }
    std::printf("EM: %d iterations, %s\n\n", diag.iterations,
                diag.converged ? "converged" : "not converged");
    std::printf(
        "| rank | shown | CTR | CTR / CTR@1 | PBM EM propensity |\n|---|---|---|---|---|\n");
    double ctr0 = shown[0] ? double(clicked[0]) / shown[0] : 0;
    for (int k = 0; k < kPositions; ++k) {
      double ctr = shown[k] ? double(clicked[k]) / shown[k] : 0;
      std::printf("| %d | %lld | %.3f | %.3f | %.3f%s |\n", k + 1, static_cast<long long>(shown[k]),
                  ctr, ctr0 > 0 ? ctr / ctr0 : 0, (*theta)[k],
                  diag.extrapolated[k] ? " (extrapolated)" : "");
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "letor_eval: saiki's learner against XGBoost on LETOR data; position bias of real clicks"};
  app.require_subcommand(1);
  auto* letor = app.add_subcommand("letor", "NDCG@10 of saiki's pairwise linear learner and peers");
  std::string train, test, train_groups, test_groups;
  std::vector<std::string> preds;
  LinearConfig config;
  letor->add_option("--train", train, "training file (SVMlight/LETOR)")->required();
  letor->add_option("--test", test, "test file")->required();
  letor->add_option("--train-groups", train_groups, "query sizes of the training file (no qid)");
  letor->add_option("--test-groups", test_groups, "query sizes of the test file (no qid)");
  letor->add_option("--pred", preds, "NAME=FILE: a peer's scores for the test rows, in order");
  letor->add_option("--epochs", config.epochs, "passes over the training queries (default 10)");
  letor->add_option("--steps", config.steps, "gradient steps per query update (default 5)");
  letor->add_option("--lr", config.lr, "step size (default 0.05)");
  letor->add_option("--l2", config.l2, "L2 (default 0.001)");
  auto* clicks = app.add_subcommand("clicks", "position bias of Yandex WSCD click logs");
  std::vector<std::string> click_files;
  clicks->add_option("FILE", click_files, "PyClick-format click logs")->required();
  CLI11_PARSE(app, argc, argv);
  if (*letor) return RunLetor(train, test, train_groups, test_groups, preds, config);
  return RunClicks(click_files);
}
