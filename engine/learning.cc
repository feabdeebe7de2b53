// The learning loop's engine side: sessions, impression and click logging,
// the update after every session with its guard (replay metric, adaptive
// learning rate, interleaving and automatic rollback), and the model
// operations (show, history, rollback, forget).
//
// Every state change is one SQLite transaction: closing a session writes the
// session's outcome, the new model versions (accepted or rejected, with the
// reason), the learners' state and nothing else, or nothing at all.
// Learning reads the feature vectors logged with each impression; it never
// recomputes them.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "engine/database_impl.h"
#include "ranker/interleaving.h"
#include "ranker/learner.h"
#include "ranker/metrics.h"
#include "ranker/propensity.h"
#include "ranker/ranker.h"

namespace saiki::engine {
namespace {

constexpr int kMaxPositionsLogged = 100;
// Personal updates use the last this many of the user's clicks as profile.
constexpr int kProfileClicks = 500;
// Guard window of the global model: this many recent sessions of all users.
constexpr int kGlobalGuardSessions = 20;
// Learning-rate adaptation of the guard: x1.1 after an accepted update,
// x0.5 after a rejected one, kept within [setting/64, setting*4].
constexpr double kLrGrow = 1.1, kLrShrink = 0.5;
// The prior of a personal update, in pair weight (see CloseAndLearn).
constexpr double kEvidencePairs = 20;

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint32_t GetU32(const unsigned char* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
void PutF32(std::string* out, float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  PutU32(out, bits);
}
float GetF32(const unsigned char* p) {
  uint32_t bits = GetU32(p);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Click snapshot blob: u32 id hash, u32 brand, 3 x u32 category, f32 price,
// 8 x u16 title signature (docs/FORMAT.md).
constexpr size_t kSnapshotBytes = 4 + 4 + 12 + 4 + 2 * index::kSignatureSlots;

std::string EncodeSnapshot(const ranker::ClickRecord& c) {
  std::string out;
  PutU32(&out, c.id_hash);
  PutU32(&out, c.brand);
  for (uint32_t h : c.category) PutU32(&out, h);
  PutF32(&out, c.price);
  for (uint16_t s : c.signature) {
    out.push_back(static_cast<char>(s & 0xff));
    out.push_back(static_cast<char>(s >> 8));
  }
  return out;
}

bool DecodeSnapshot(std::string_view blob, ranker::ClickRecord* c) {
  if (blob.size() != kSnapshotBytes) return false;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(blob.data());
  c->id_hash = GetU32(p);
  c->brand = GetU32(p + 4);
  for (int l = 0; l < index::kCategoryLevels; ++l) c->category[l] = GetU32(p + 8 + 4 * l);
  c->price = GetF32(p + 20);
  for (int i = 0; i < index::kSignatureSlots; ++i) {
    c->signature[i] = static_cast<uint16_t>(p[24 + 2 * i] | (p[25 + 2 * i] << 8));
  }
  return true;
}

std::string EncodeFeatures(const ranker::FeatureMatrix& x, const std::vector<size_t>& rows) {
  std::string out;
  out.reserve(rows.size() * ranker::kNumFeatures * 4);
  for (size_t r : rows) {
    const float* v = x.row(r);
    for (int i = 0; i < ranker::kNumFeatures; ++i) PutF32(&out, v[i]);
  }
  return out;
}

Status DecodeFeatures(std::string_view blob, int64_t nfeatures, ranker::FeatureMatrix* x) {
  if (nfeatures != ranker::kNumFeatures) {
    return Status::Corruption("impression logged " + std::to_string(nfeatures) +
                              " features; this saiki computes " +
                              std::to_string(ranker::kNumFeatures));
  }
  size_t row_bytes = 4 * ranker::kNumFeatures;
  if (blob.size() % row_bytes != 0) return Status::Corruption("impression features truncated");
  x->rows = blob.size() / row_bytes;
  x->values.resize(x->rows * ranker::kNumFeatures);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(blob.data());
  for (size_t i = 0; i < x->values.size(); ++i) {
    float v = GetF32(p + 4 * i);
    if (!std::isfinite(v)) return Status::Corruption("impression features hold NaN or infinity");
    x->values[i] = v;
  }
  return Status::Ok();
}

// Candidate statistics blob: f64 count, then per feature f64 mean and f64
// sum of squared deviations, little-endian (docs/FORMAT.md).
std::string EncodeCandidateStats(const ranker::FeatureMatrix& x) {
  std::string out;
  auto put = [&](double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  };
  double n = static_cast<double>(x.rows);
  put(n);
  for (int f = 0; f < ranker::kNumFeatures; ++f) {
    double mean = 0, m2 = 0;
    for (size_t r = 0; r < x.rows; ++r) mean += x.row(r)[f];
    if (n > 0) mean /= n;
    for (size_t r = 0; r < x.rows; ++r) m2 += (x.row(r)[f] - mean) * (x.row(r)[f] - mean);
    put(mean);
    put(m2);
  }
  return out;
}

bool DecodeCandidateStats(std::string_view blob, double* n, std::vector<double>* mean,
                          std::vector<double>* m2) {
  if (blob.size() != 8 * (1 + 2 * ranker::kNumFeatures)) return false;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(blob.data());
  auto get = [&](size_t i) {
    uint64_t bits = 0;
    for (int b = 0; b < 8; ++b) bits |= uint64_t(p[8 * i + b]) << (8 * b);
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  };
  *n = get(0);
  mean->resize(ranker::kNumFeatures);
  m2->resize(ranker::kNumFeatures);
  for (int f = 0; f < ranker::kNumFeatures; ++f) {
    (*mean)[f] = get(1 + 2 * f);
    (*m2)[f] = get(2 + 2 * f);
    if (!std::isfinite((*mean)[f]) || !std::isfinite((*m2)[f]) || (*m2)[f] < 0) return false;
  }
  return std::isfinite(*n) && *n >= 0;
}

uint64_t Mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

double DatabaseImpl::Now() const {
  if (clock_) return clock_();
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ------------------------------------------------------------ learner state

Result<DatabaseImpl::LearnerState> DatabaseImpl::LoadLearner(const std::string& user,
                                                             const EngineSettings& settings) {
  LearnerState s;
  s.user = user;
  s.learning_rate = user.empty() ? settings.learn.lr_global : settings.learn.lr_user;
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("SELECT version, champion, learning_rate, interleave_left, wins_new, "
                     "wins_old, ties FROM learners WHERE user = ?1"));
  st->BindText(1, user);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (row) {
    s.exists = true;
    s.version = st->ColumnInt(0);
    s.champion = st->ColumnInt(1);
    s.learning_rate = st->ColumnDouble(2);
    s.interleave_left = static_cast<int>(st->ColumnInt(3));
    s.wins_new = static_cast<int>(st->ColumnInt(4));
    s.wins_old = static_cast<int>(st->ColumnInt(5));
    s.ties = static_cast<int>(st->ColumnInt(6));
  }
  st->Reset();
  if (!std::isfinite(s.learning_rate) || s.learning_rate < 0) {
    return Status::Corruption(conn_->path() + ": learner '" + user + "' has a bad learning rate");
  }
  return s;
}

Status DatabaseImpl::SaveLearner(const LearnerState& s) {
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("INSERT INTO learners(user, version, champion, learning_rate, "
                     "interleave_left, wins_new, wins_old, ties) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) "
                     "ON CONFLICT(user) DO UPDATE SET version=excluded.version, "
                     "champion=excluded.champion, learning_rate=excluded.learning_rate, "
                     "interleave_left=excluded.interleave_left, wins_new=excluded.wins_new, "
                     "wins_old=excluded.wins_old, ties=excluded.ties"));
  st->BindText(1, s.user)
      .Bind(2, s.version)
      .Bind(3, s.champion)
      .BindDouble(4, s.learning_rate)
      .Bind(5, s.interleave_left)
      .Bind(6, s.wins_new)
      .Bind(7, s.wins_old)
      .Bind(8, s.ties);
  return st->Run();
}

Result<std::string> DatabaseImpl::LoadModelParams(int64_t version, const char* expect_scope) {
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * st,
                         conn_->Prepare("SELECT scope, params FROM models WHERE version = ?1"));
  st->Bind(1, version);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) {
    return Status::Corruption(conn_->path() + ": model version " + std::to_string(version) +
                              " is missing");
  }
  std::string scope(st->ColumnText(0));
  std::string params(st->ColumnText(1));
  st->Reset();
  if (scope != expect_scope) {
    return Status::Corruption(conn_->path() + ": model version " + std::to_string(version) +
                              " is not a " + expect_scope + " model");
  }
  return params;
}

Result<std::shared_ptr<const ModelState>> DatabaseImpl::LoadModelState(
    const EngineSettings& settings) {
  auto m = std::make_shared<ModelState>();
  SAIKI_ASSIGN_OR_RETURN(LearnerState g, LoadLearner("", settings));
  m->global_version = g.version;
  // A tree model (trees_model.cc) is loaded into m->trees; the linear model
  // under it still normalises the personal part.
  SAIKI_ASSIGN_OR_RETURN(m->linear_version, LoadGlobalTrees(g.version, &m->trees));
  if (m->linear_version != 0) {
    SAIKI_ASSIGN_OR_RETURN(std::string params, LoadModelParams(m->linear_version, "global"));
    auto model = ranker::GlobalLinearModel::FromJson(params);
    if (!model.ok()) {
      return model.status().WithContext(conn_->path() + ": global model version " +
                                        std::to_string(m->linear_version));
    }
    m->global = std::move(model).value();
  }
  SAIKI_ASSIGN_OR_RETURN(m->propensities, LoadPropensities(settings));
  return std::shared_ptr<const ModelState>(std::move(m));
}

Result<Eigen::VectorXd> DatabaseImpl::PersonalWeights(int64_t version,
                                                      const Eigen::VectorXd& scale) {
  if (version == 0) return Eigen::VectorXd(Eigen::VectorXd::Zero(ranker::kNumFeatures));
  SAIKI_ASSIGN_OR_RETURN(std::string params, LoadModelParams(version, "user"));
  auto model = ranker::PersonalLinearModel::FromJson(params);
  if (!model.ok()) {
    return model.status().WithContext(conn_->path() + ": model version " + std::to_string(version));
  }
  return model->DeltaFor(scale);
}

Result<std::vector<double>> DatabaseImpl::LoadPropensities(const EngineSettings& settings) {
  std::vector<double> p;
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * st,
                         conn_->Prepare("SELECT position, value FROM propensities ORDER BY position"));
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    double v = st->ColumnDouble(1);
    if (!(v > 0 && v <= 1)) return Status::Corruption(conn_->path() + ": bad propensity");
    p.push_back(v);
  }
  if (p.empty()) p = ranker::PowerLawPropensity(kMaxPositionsLogged, settings.learn.propensity_eta);
  return p;
}

Status DatabaseImpl::MaybeEstimatePropensities() {
  // Re-estimate position bias by Regression-EM (Wang et al., WSDM 2018) over
  // the recent logged impressions, each time kPropensityEvery more clicks
  // have been logged since the last estimate. Until the first
  // estimate, and when one fails (too few clicks at rank 1), the power-law
  // prior stays in force.
  constexpr int64_t kPropensityEvery = 200;
  constexpr int64_t kPropensityWindow = 5000;
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("SELECT coalesce((SELECT max(click_id) FROM clicks), 0), "
                     "coalesce((SELECT value FROM meta WHERE key = 'propensity_clicked'), 0)"));
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  int64_t clicked = row ? st->ColumnInt(0) : 0;
  int64_t last = row ? st->ColumnInt(1) : 0;
  st->Reset();
  if (clicked - last < kPropensityEvery) return Status::Ok();

  std::vector<ranker::LoggedImpression> logged;
  std::vector<LoggedMeta> meta;
  SAIKI_RETURN_IF_ERROR(LoadSessionImpressions("i.query_id > ?1", 0, kPropensityWindow, &logged,
                                               &meta));
  std::vector<float> rows;
  std::vector<ranker::FeatureClickObservation> obs;
  const int max_positions = 10;
  for (const auto& imp : logged) {
    for (size_t pos = 0; pos < imp.features.rows && pos < static_cast<size_t>(max_positions);
         ++pos) {
      const float* x = imp.features.row(pos);
      uint32_t row_index = static_cast<uint32_t>(rows.size() / ranker::kNumFeatures);
      for (int f = 0; f < ranker::kNumFeatures; ++f) {
        rows.push_back(static_cast<float>((x[f] - state_->models->global.mean[f]) /
                                          state_->models->global.scale[f]));
      }
      obs.push_back({static_cast<uint32_t>(pos), row_index, imp.signal[pos] > 0});
    }
  }
  ranker::PropensityOptions opt;
  opt.max_positions = max_positions;
  opt.prior_eta = state_->settings().learn.propensity_eta;
  ranker::PropensityFeatures features{rows, ranker::kNumFeatures};
  auto theta = obs.empty() ? Result<std::vector<double>>(Status::InvalidArgument("no impressions"))
                           : ranker::EstimatePositionBiasWithFeatures(obs, features, opt);
  if (theta.ok()) {
    SAIKI_RETURN_IF_ERROR(conn_->Exec("DELETE FROM propensities"));
    SAIKI_ASSIGN_OR_RETURN(storage::Statement * ins,
                           conn_->Prepare("INSERT INTO propensities(position, value) VALUES (?1, ?2)"));
    for (size_t k = 0; k < theta->size(); ++k) {
      ins->Reset();
      ins->Bind(1, static_cast<int64_t>(k)).BindDouble(2, (*theta)[k]);
      SAIKI_RETURN_IF_ERROR(ins->Run());
    }
  }
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * mark,
      conn_->Prepare("INSERT INTO meta(key, value) VALUES ('propensity_clicked', ?1) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  mark->Bind(1, clicked);
  return mark->Run();
}

// ------------------------------------------------------------ serving side

Result<std::vector<ranker::ClickRecord>> DatabaseImpl::LoadUserClicks(const std::string& user) {
  std::vector<ranker::ClickRecord> clicks;
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("SELECT at, kind, snapshot FROM clicks WHERE user = ?1 "
                     "ORDER BY at DESC LIMIT ?2"));
  st->BindText(1, user).Bind(2, kProfileClicks);
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    ranker::ClickRecord c;
    c.at = st->ColumnDouble(0);
    c.kind = static_cast<int>(st->ColumnInt(1));
    if (!DecodeSnapshot(st->ColumnBlob(2), &c)) {
      st->Reset();
      return Status::Corruption(conn_->path() + ": a click snapshot of user '" + user +
                                "' is malformed");
    }
    clicks.push_back(c);
  }
  return clicks;
}

Result<double> DatabaseImpl::QueryGate(const std::string& query_norm) {
  // Click entropy of the query over all users, on its last 2,000 logged
  // impressions (a bounded cost, and the recent behaviour): concentrated
  // clicks (a navigational query) leave little for personalisation to
  // improve.
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("SELECT c.product_id, count(*) FROM clicks c "
                     "JOIN (SELECT query_id FROM impressions WHERE query_norm = ?1 "
                     "      ORDER BY query_id DESC LIMIT 2000) i ON i.query_id = c.query_id "
                     "GROUP BY c.product_id"));
  st->BindText(1, query_norm);
  std::vector<double> counts;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    counts.push_back(static_cast<double>(st->ColumnInt(1)));
  }
  ranker::ClickEntropy e = ranker::QueryClickEntropy(counts);
  if (e.total_clicks < state_->settings().learn.gate_min_clicks) return 1.0;
  // Full weight from ln(4) nats (clicks spread over four or more products
  // evenly); a single-product query keeps a quarter.
  return std::clamp(0.25 + 0.75 * e.nats / std::log(4.0), 0.25, 1.0);
}

Result<DatabaseImpl::SessionRef> DatabaseImpl::CurrentSession(const std::string& user, double now,
                                                              bool open_new) {
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("SELECT session_id, last_at FROM sessions "
                     "WHERE user = ?1 AND closed_at IS NULL ORDER BY session_id DESC LIMIT 1"));
  st->BindText(1, user);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  SessionRef ref;
  if (row) {
    ref.id = st->ColumnInt(0);
    ref.last_at = st->ColumnDouble(1);
  }
  st->Reset();
  if (ref.id != 0 && now - ref.last_at > state_->settings().learn.session_timeout_minutes * 60) {
    // Noticed at the user's next request: the idle session closes (and is
    // learned from) before the new one starts.
    SAIKI_ASSIGN_OR_RETURN(SessionReport report, CloseAndLearn(ref.id));
    (void)report;
    ref = SessionRef();
  }
  if (ref.id == 0 && open_new) {
    // Called inside the caller's write transaction (LogImpression).
    SAIKI_ASSIGN_OR_RETURN(
        storage::Statement * ins,
        conn_->Prepare("INSERT INTO sessions(user, started_at, last_at) VALUES (?1, ?2, ?2)"));
    ins->BindText(1, user).BindDouble(2, now);
    SAIKI_RETURN_IF_ERROR(ins->Run());
    ref.id = conn_->LastInsertRowid();
    ref.last_at = now;
  }
  return ref;
}

Status DatabaseImpl::Rerank(const CompiledRequest& req, index::SearchOutcome* outcome,
                            SearchResponse* response, std::vector<RankedHit>* ranked,
                            int64_t* champion) {
  *champion = -1;
  const ranker::Ranker* rk = ranker::FindRanker(state_->settings().ranker);
  if (rk == nullptr) {
    return Status::InvalidArgument("setting ranker: unknown ranker '" + state_->settings().ranker + "'");
  }
  // `trees` with no tree model active (none imported, or rolled back to a
  // linear version) ranks with the linear model.
  const std::shared_ptr<const EngineState> state = state_;
  const ModelState& models = *state->models;
  if (rk->name() == "trees" && !models.trees) rk = ranker::FindRanker("linear");
  response->ranker = std::string(rk->name());
  const double now = Now();
  ranker::UserProfile profile;
  ranker::RankingContext ctx;
  ctx.global = &models.global;
  ctx.trees = models.trees.get();
  LearnerState learner;
  if (!req.user.empty()) {
    SAIKI_ASSIGN_OR_RETURN(auto clicks, LoadUserClicks(req.user));
    profile = ranker::UserProfile(clicks, now, state_->settings().learn.half_life_days * 86400.0);
    SAIKI_ASSIGN_OR_RETURN(learner, LoadLearner(req.user, state_->settings()));
    SAIKI_ASSIGN_OR_RETURN(ctx.personal, PersonalWeights(learner.version, models.global.scale));
    SAIKI_ASSIGN_OR_RETURN(ctx.gate, QueryGate(req.query_norm));
    response->user_version = learner.version;
    response->gate = ctx.gate;
  }
  response->global_version = models.global_version;
  ranker::FeatureMatrix& x = features_scratch_;
  ranker::ExtractFeatures(outcome->hits, req.num_clauses, state->docs(),
                          state->catalog->Medians(), profile, &x);
  std::vector<double> scores;
  rk->Score(x, ctx, &scores);
  std::vector<uint32_t> order(x.rows);
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  // Stable: equal scores keep the BM25F order.
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return scores[a] > scores[b]; });

  std::vector<uint8_t> teams;
  const size_t page_end = std::min(order.size(), req.offset + req.k);
  if (!req.user.empty() && rk->name() != "bm25" && learner.interleave_left > 0 &&
      learner.champion != learner.version) {
    // Team-draft interleaving of the new personal model (team 0) with the
    // champion it must beat (team 1) (Radlinski et al., CIKM 2008).
    ranker::RankingContext old_ctx = ctx;
    SAIKI_ASSIGN_OR_RETURN(old_ctx.personal,
                           PersonalWeights(learner.champion, models.global.scale));
    std::vector<double> old_scores;
    rk->Score(x, old_ctx, &old_scores);
    std::vector<uint32_t> old_order = order;
    std::stable_sort(old_order.begin(), old_order.end(),
                     [&](uint32_t a, uint32_t b) { return old_scores[a] > old_scores[b]; });
    uint64_t seed = Mix64(std::hash<std::string>()(req.user) ^ Mix64(static_cast<uint64_t>(
                                                                 now * 1000.0)));
    ranker::InterleavedList mixed = ranker::TeamDraftInterleave(order, old_order, page_end, seed);
    std::vector<uint8_t> placed(order.size(), 0);
    std::vector<uint32_t> merged = mixed.items;
    for (uint32_t i : merged) placed[i] = 1;
    for (uint32_t i : order) {
      if (!placed[i]) merged.push_back(i);
    }
    order = std::move(merged);
    teams = mixed.team;
    response->interleaved = true;
    *champion = learner.champion;
  }

  ranked->clear();
  std::vector<ranker::Contribution> contrib;
  for (size_t pos = req.offset; pos < page_end; ++pos) {
    RankedHit rh;
    rh.row = order[pos];
    rh.score = scores[order[pos]];
    rh.team = pos < teams.size() ? teams[pos] : 0;
    if (req.explain) {
      rk->Explain(x, rh.row, ctx, &contrib);
      const float* v = x.row(rh.row);
      for (int i = 0; i < ranker::kNumFeatures; ++i) {
        rh.features.push_back({ranker::kFeatureNames[i], v[i], contrib[i].global,
                               contrib[i].personal});
      }
    }
    ranked->push_back(std::move(rh));
  }
  return Status::Ok();
}

Result<std::string> DatabaseImpl::LogImpression(const CompiledRequest& req,
                                                const SearchResponse& response,
                                                const std::vector<RankedHit>& ranked,
                                                const std::vector<std::string>& product_ids,
                                                int64_t champion) {
  const double now = Now();
  // Close an idle session first (it learns in its own transaction), then
  // find or open the session and log into it in one write transaction, so
  // that another process cannot close the session in between.
  SAIKI_ASSIGN_OR_RETURN(SessionRef idle_checked, CurrentSession(req.user, now, false));
  (void)idle_checked;
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_ASSIGN_OR_RETURN(SessionRef session, CurrentSession(req.user, now, true));
  std::vector<size_t> rows;
  for (const auto& r : ranked) rows.push_back(r.row);
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * ins,
      conn_->Prepare("INSERT INTO impressions(session_id, user, query, query_norm, at, ranker, "
                     "global_version, user_version, champion_version, gate, nfeatures, features, "
                     "candidate_stats) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"));
  ins->Bind(1, session.id)
      .BindText(2, req.user)
      .BindText(3, req.query)
      .BindText(4, req.query_norm)
      .BindDouble(5, now)
      .BindText(6, response.ranker)
      .Bind(7, response.global_version)
      .Bind(8, response.user_version)
      .BindDouble(10, response.gate)
      .Bind(11, ranker::kNumFeatures)
      .BindBlob(12, EncodeFeatures(features_scratch_, rows))
      .BindBlob(13, EncodeCandidateStats(features_scratch_));
  if (champion >= 0) ins->Bind(9, champion); else ins->BindNull(9);
  SAIKI_RETURN_IF_ERROR(ins->Run());
  int64_t query_id = conn_->LastInsertRowid();
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * item,
      conn_->Prepare("INSERT INTO impression_items(query_id, position, product_id, team) "
                     "VALUES (?1, ?2, ?3, ?4)"));
  for (size_t pos = 0; pos < ranked.size(); ++pos) {
    item->Reset();
    item->Bind(1, query_id)
        .Bind(2, static_cast<int64_t>(pos))
        .BindText(3, product_ids[pos])
        .Bind(4, ranked[pos].team);
    SAIKI_RETURN_IF_ERROR(item->Run());
  }
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * touch,
                         conn_->Prepare("UPDATE sessions SET last_at = ?2 WHERE session_id = ?1"));
  touch->Bind(1, session.id).BindDouble(2, now);
  SAIKI_RETURN_IF_ERROR(touch->Run());
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  return std::to_string(query_id);
}

// ------------------------------------------------------------ clicks

Status DatabaseImpl::RecordClick(const std::string& query_id, const std::string& product_id,
                                 ClickKind kind) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  int kind_value = static_cast<int>(kind);
  if (kind_value < 1 || kind_value > 3) return Status::InvalidArgument("unknown click kind");
  char* end = nullptr;
  long long qid = std::strtoll(query_id.c_str(), &end, 10);
  if (query_id.empty() || *end != '\0' || qid <= 0) {
    return Status::InvalidArgument("query id '" + query_id + "' is not a query id (a number)");
  }
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  const double now = Now();
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * imp,
      conn_->Prepare("SELECT i.user, i.session_id, s.closed_at FROM impressions i "
                     "JOIN sessions s ON s.session_id = i.session_id WHERE i.query_id = ?1"));
  imp->Bind(1, qid);
  SAIKI_ASSIGN_OR_RETURN(bool found, imp->Step());
  if (!found) return Status::NotFound("no search with query id " + query_id);
  std::string user(imp->ColumnText(0));
  int64_t session_id = imp->ColumnInt(1);
  bool session_open = imp->ColumnIsNull(2);
  imp->Reset();
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * item,
      conn_->Prepare("SELECT position FROM impression_items WHERE query_id = ?1 AND product_id = ?2"));
  item->Bind(1, qid).BindText(2, product_id);
  SAIKI_ASSIGN_OR_RETURN(bool shown, item->Step());
  if (!shown) {
    return Status::InvalidArgument("product '" + product_id + "' was not shown for query id " +
                                   query_id);
  }
  int64_t position = item->ColumnInt(0);
  item->Reset();

  ranker::ClickRecord snap;
  snap.id_hash = index::StableHash(product_id);
  snap.price = std::nanf("");
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * doc,
                         conn_->Prepare("SELECT docid FROM products WHERE id = ?1"));
  doc->BindText(1, product_id);
  SAIKI_ASSIGN_OR_RETURN(bool exists, doc->Step());
  if (exists) {
    uint32_t docid = static_cast<uint32_t>(doc->ColumnInt(0));
    if (state_->docs().live(docid)) {
      const index::DocInfo& d = state_->docs().info(docid);
      snap.brand = d.brand;
      snap.category = d.category;
      snap.price = d.price;
      snap.signature = d.signature;
    }
  }
  doc->Reset();
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * ins,
      conn_->Prepare("INSERT INTO clicks(query_id, user, product_id, position, kind, at, snapshot) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  ins->Bind(1, qid)
      .BindText(2, user)
      .BindText(3, product_id)
      .Bind(4, position)
      .Bind(5, kind_value)
      .BindDouble(6, now)
      .BindBlob(7, EncodeSnapshot(snap));
  SAIKI_RETURN_IF_ERROR(ins->Run());
  if (session_open) {
    SAIKI_ASSIGN_OR_RETURN(storage::Statement * touch,
                           conn_->Prepare("UPDATE sessions SET last_at = max(last_at, ?2) "
                                          "WHERE session_id = ?1"));
    touch->Bind(1, session_id).BindDouble(2, now);
    SAIKI_RETURN_IF_ERROR(touch->Run());
  }
  return txn->Commit();
}

// ------------------------------------------------------------ sessions

Result<std::optional<SessionReport>> DatabaseImpl::EndSession(const std::string& user) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("SELECT session_id FROM sessions WHERE user = ?1 AND closed_at IS NULL "
                     "ORDER BY session_id"));
  st->BindText(1, user);
  std::vector<int64_t> open;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    open.push_back(st->ColumnInt(0));
  }
  if (open.empty()) return std::optional<SessionReport>();
  SessionReport last;
  for (int64_t id : open) {
    SAIKI_ASSIGN_OR_RETURN(last, CloseAndLearn(id));
  }
  return std::optional<SessionReport>(std::move(last));
}

Result<std::vector<SessionReport>> DatabaseImpl::SweepSessions() {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  double cutoff = Now() - state_->settings().learn.session_timeout_minutes * 60;
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("SELECT session_id FROM sessions WHERE closed_at IS NULL AND last_at < ?1 "
                     "ORDER BY session_id"));
  st->BindDouble(1, cutoff);
  std::vector<int64_t> idle;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    idle.push_back(st->ColumnInt(0));
  }
  std::vector<SessionReport> reports;
  for (int64_t id : idle) {
    SAIKI_ASSIGN_OR_RETURN(SessionReport r, CloseAndLearn(id));
    reports.push_back(std::move(r));
  }
  return reports;
}

Status DatabaseImpl::LoadSessionImpressions(const std::string& where, int64_t arg,
                                            int64_t limit,
                                            std::vector<ranker::LoggedImpression>* out,
                                            std::vector<LoggedMeta>* meta) {
  std::string sql =
      "SELECT i.query_id, i.gate, i.nfeatures, i.features, i.champion_version, "
      "i.candidate_stats FROM impressions i WHERE " + where + " ORDER BY i.query_id DESC LIMIT ?2";
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * st, conn_->Prepare(sql.c_str()));
  st->Bind(1, arg).Bind(2, limit);
  std::vector<std::pair<int64_t, size_t>> ids;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    ranker::LoggedImpression imp;
    imp.gate = st->ColumnDouble(1);
    Status s = DecodeFeatures(st->ColumnBlob(3), st->ColumnInt(2), &imp.features);
    if (!s.ok()) {
      st->Reset();
      return s.WithContext(conn_->path() + ": query id " + std::to_string(st->ColumnInt(0)));
    }
    imp.signal.assign(imp.features.rows, 0);
    LoggedMeta m;
    m.query_id = st->ColumnInt(0);
    m.champion = st->ColumnIsNull(4) ? -1 : st->ColumnInt(4);
    if (!DecodeCandidateStats(st->ColumnBlob(5), &m.candidates, &m.candidate_mean,
                              &m.candidate_m2)) {
      int64_t qid = m.query_id;
      st->Reset();
      return Status::Corruption(conn_->path() + ": query id " + std::to_string(qid) +
                                ": malformed candidate statistics");
    }
    out->push_back(std::move(imp));
    meta->push_back(m);
  }
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * clicks,
      conn_->Prepare("SELECT position, max(kind) FROM clicks WHERE query_id = ?1 GROUP BY position"));
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * teams,
      conn_->Prepare("SELECT position, team FROM impression_items WHERE query_id = ?1"));
  for (size_t i = 0; i < out->size(); ++i) {
    clicks->Reset();
    clicks->Bind(1, (*meta)[i].query_id);
    for (;;) {
      SAIKI_ASSIGN_OR_RETURN(bool row, clicks->Step());
      if (!row) break;
      int64_t pos = clicks->ColumnInt(0);
      if (pos >= 0 && static_cast<size_t>(pos) < (*out)[i].signal.size()) {
        (*out)[i].signal[pos] = static_cast<uint8_t>(std::clamp<int64_t>(clicks->ColumnInt(1), 1, 3));
      }
    }
    if ((*meta)[i].champion >= 0) {
      teams->Reset();
      teams->Bind(1, (*meta)[i].query_id);
      (*meta)[i].teams.assign((*out)[i].signal.size(), 0);
      for (;;) {
        SAIKI_ASSIGN_OR_RETURN(bool row, teams->Step());
        if (!row) break;
        int64_t pos = teams->ColumnInt(0);
        if (pos >= 0 && static_cast<size_t>(pos) < (*meta)[i].teams.size()) {
          (*meta)[i].teams[pos] = static_cast<uint8_t>(teams->ColumnInt(1));
        }
      }
    }
  }
  return Status::Ok();
}

Result<int64_t> DatabaseImpl::InsertModel(const std::string& scope, const std::string& user,
                                          int64_t parent, int64_t session_id,
                                          const std::string& params, double loss_before,
                                          double loss_after, double metric_before,
                                          double metric_after, const std::string& status,
                                          const std::string& reason) {
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("INSERT INTO models(scope, user, kind, parent, session_id, created_at, "
                     "params, loss_before, loss_after, metric_before, metric_after, status, "
                     "reason) VALUES (?1, ?2, 'linear', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
  st->BindText(1, scope).BindText(2, user);
  if (parent) st->Bind(3, parent); else st->BindNull(3);
  st->Bind(4, session_id)
      .BindDouble(5, Now())
      .BindText(6, params)
      .BindDouble(7, loss_before)
      .BindDouble(8, loss_after)
      .BindDouble(9, metric_before)
      .BindDouble(10, metric_after)
      .BindText(11, status)
      .BindText(12, reason);
  SAIKI_RETURN_IF_ERROR(st->Run());
  return conn_->LastInsertRowid();
}

Status DatabaseImpl::SetModelStatus(int64_t version, const std::string& status,
                                    const std::string& reason) {
  if (version <= 0) return Status::Ok();
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("UPDATE models SET status = ?2, reason = CASE WHEN ?3 = '' THEN reason "
                     "ELSE ?3 END WHERE version = ?1"));
  st->Bind(1, version).BindText(2, status).BindText(3, reason);
  return st->Run();
}

namespace {

double AdaptRate(double rate, bool accepted, double setting) {
  double next = accepted ? rate * kLrGrow : rate * kLrShrink;
  return std::clamp(next, setting / 64.0, setting * 4.0);
}

// The guard: an update is kept unless it makes the replay metric on earlier
// sessions worse by more than noise (half a percentage point, or 2%).
// Sessions without clicks give 0 before and after, which passes: with
// nothing to replay there is no evidence against the update.
bool GuardAccepts(double before, double after) {
  return after >= before - std::max(0.005, 0.02 * before);
}

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

}  // namespace

Result<SessionReport> DatabaseImpl::CloseAndLearn(int64_t session_id) {
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  // Re-read under the write lock: another process may have closed it.
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * sst,
      conn_->Prepare("SELECT user, closed_at FROM sessions WHERE session_id = ?1"));
  sst->Bind(1, session_id);
  SAIKI_ASSIGN_OR_RETURN(bool srow, sst->Step());
  if (!srow) return Status::NotFound("no session " + std::to_string(session_id));
  SessionReport report;
  report.session_id = session_id;
  report.user = std::string(sst->ColumnText(0));
  bool already_closed = !sst->ColumnIsNull(1);
  sst->Reset();
  if (already_closed) {
    report.global_outcome = report.user_outcome = "no update: session already closed";
    return report;
  }
  SAIKI_RETURN_IF_ERROR(EnsureFresh());  // the freshest models, under the lock
  ranker::GlobalLinearModel global_model = state_->models->global;
  int64_t global_version = state_->models->global_version;
  const std::shared_ptr<const ranker::TreeEnsemble> trees = state_->models->trees;

  std::vector<ranker::LoggedImpression> session;
  std::vector<LoggedMeta> meta;
  SAIKI_RETURN_IF_ERROR(
      LoadSessionImpressions("i.session_id = ?1", session_id, 1000000, &session, &meta));
  report.impressions = session.size();
  for (const auto& imp : session) {
    for (uint8_t s : imp.signal) report.clicks += s > 0;
  }

  SAIKI_ASSIGN_OR_RETURN(LearnerState user_learner, LoadLearner(report.user, state_->settings()));
  user_learner.user = report.user;

  // 1. Interleaving verdict on what this session's clicks said about the
  //    user's new model (team 0) against the champion (team 1).
  if (user_learner.interleave_left > 0) {
    ranker::InterleavingTally tally;
    tally.wins_a = user_learner.wins_new;
    tally.wins_b = user_learner.wins_old;
    tally.ties = user_learner.ties;
    for (size_t i = 0; i < session.size(); ++i) {
      if (meta[i].champion < 0) continue;
      ranker::InterleavedList list;
      list.team = meta[i].teams;
      list.items.resize(list.team.size());
      std::vector<size_t> clicked;
      for (size_t p = 0; p < session[i].signal.size(); ++p) {
        if (session[i].signal[p]) clicked.push_back(p);
      }
      tally.Add(ranker::CreditClicks(list, clicked));
    }
    user_learner.wins_new = tally.wins_a;
    user_learner.wins_old = tally.wins_b;
    user_learner.ties = tally.ties;
    --user_learner.interleave_left;
    ranker::InterleavingDecision d = ranker::DecideInterleaving(tally);
    if (d.verdict == ranker::InterleavingVerdict::kBWins) {
      std::string why = "interleaving: the previous model won " +
                        std::to_string(tally.wins_b) + " to " + std::to_string(tally.wins_a) +
                        " (p=" + Fixed(d.p_value) + ")";
      SAIKI_RETURN_IF_ERROR(SetModelStatus(user_learner.version, "rolled_back", why));
      SAIKI_RETURN_IF_ERROR(SetModelStatus(user_learner.champion, "active", ""));
      report.interleaving = "rolled back to version " + std::to_string(user_learner.champion);
      user_learner.version = user_learner.champion;
      user_learner.learning_rate =
          AdaptRate(user_learner.learning_rate, false, state_->settings().learn.lr_user);
      user_learner.interleave_left = 0;
    } else if (d.verdict == ranker::InterleavingVerdict::kAWins ||
               user_learner.interleave_left <= 0) {
      report.interleaving = "kept new model";
      user_learner.champion = user_learner.version;
      user_learner.interleave_left = 0;
    } else {
      report.interleaving = "running";
    }
    if (user_learner.interleave_left == 0) {
      user_learner.wins_new = user_learner.wins_old = user_learner.ties = 0;
    }
  }

  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * close,
      conn_->Prepare("UPDATE sessions SET closed_at = ?2, outcome = ?3 WHERE session_id = ?1"));
  auto finish = [&](const std::string& outcome) -> Result<SessionReport> {
    close->Reset();
    close->Bind(1, session_id).BindDouble(2, Now()).BindText(3, outcome);
    SAIKI_RETURN_IF_ERROR(close->Run());
    SAIKI_RETURN_IF_ERROR(SaveLearner(user_learner));
    SAIKI_RETURN_IF_ERROR(BumpGenerations(kModelsPart));
    SAIKI_RETURN_IF_ERROR(txn->Commit());
    report.global_version = global_version;
    report.user_version = user_learner.version;
    SAIKI_RETURN_IF_ERROR(Reload(kModelsPart));
    return report;
  };

  SAIKI_RETURN_IF_ERROR(MaybeEstimatePropensities());
  SAIKI_ASSIGN_OR_RETURN(std::vector<double> propensity, LoadPropensities(state_->settings()));
  std::vector<ranker::Preference> prefs =
      ranker::DerivePreferences(session, propensity, state_->settings().learn.ips_clip);
  report.pairs = prefs.size();
  if (prefs.empty()) {
    report.global_outcome = report.user_outcome =
        report.clicks == 0 ? "no update: no clicks" : "no update: clicks gave no preferences";
    return finish(report.user_outcome);
  }

  // 2. The global model: normalisation follows the logged features, then a
  //    few steps on this session's pairs, guarded by replay on the recent
  //    sessions of all users.
  SAIKI_ASSIGN_OR_RETURN(LearnerState global_learner, LoadLearner("", state_->settings()));
  ranker::GlobalLinearModel candidate = global_model;
  for (const auto& m : meta) {
    candidate.ObserveMoments(m.candidates, m.candidate_mean.data(), m.candidate_m2.data());
  }
  std::vector<ranker::Matrix> z;
  for (const auto& imp : session) z.push_back(ranker::Normalize(imp.features, candidate));
  ranker::UpdateOptions gopt;
  gopt.learning_rate = global_learner.learning_rate;
  gopt.l2 = state_->settings().learn.l2_global;
  gopt.steps = state_->settings().learn.steps;
  const Eigen::VectorXd zero = Eigen::VectorXd::Zero(ranker::kNumFeatures);
  auto gupdate = ranker::PairwiseUpdate(z, session, prefs, zero, candidate.weights, false, gopt);

  std::vector<ranker::LoggedImpression> recent;
  std::vector<LoggedMeta> recent_meta;
  if (!trees) SAIKI_RETURN_IF_ERROR(LoadSessionImpressions(
      "i.session_id IN (SELECT session_id FROM sessions WHERE closed_at IS NOT NULL AND "
      "session_id <> ?1 ORDER BY session_id DESC LIMIT " +
          std::to_string(kGlobalGuardSessions) + ")",
      session_id, 5000, &recent, &recent_meta));
  std::vector<ranker::Matrix> zr;
  for (const auto& imp : recent) zr.push_back(ranker::Normalize(imp.features, candidate));
  if (trees) {
    // The global model is an imported tree ensemble, trained offline: the
    // session learner does not overwrite it (treesmodel.cc).
    report.global_outcome = "no update: the global model is tree model version " +
                            std::to_string(global_version) + ", trained offline";
  } else if (!gupdate.ok()) {
    report.global_outcome = "rejected: " + gupdate.status().message();
    SAIKI_RETURN_IF_ERROR(InsertModel("global", "", global_version, session_id,
                                      global_model.ToJson(), 0, 0, 0, 0, "rejected",
                                      gupdate.status().message())
                              .status());
    global_learner.learning_rate =
        AdaptRate(global_learner.learning_rate, false, state_->settings().learn.lr_global);
  } else {
    double before = ranker::ReplayMetric(zr, recent, propensity, candidate.weights, zero,
                                         state_->settings().learn.ips_clip);
    double after = ranker::ReplayMetric(zr, recent, propensity, gupdate->theta, zero,
                                        state_->settings().learn.ips_clip);
    ranker::GlobalLinearModel updated = candidate;
    updated.weights = gupdate->theta;
    bool accept = GuardAccepts(before, after);
    std::string reason = accept ? "" : "replay IPS-RR would fall from " + Fixed(before) + " to " +
                                           Fixed(after) + " over " +
                                           std::to_string(recent.size()) + " impressions";
    SAIKI_ASSIGN_OR_RETURN(
        int64_t v, InsertModel("global", "", global_version, session_id, updated.ToJson(),
                               gupdate->loss_before, gupdate->loss_after, before, after,
                               accept ? "active" : "rejected", reason));
    if (accept) {
      SAIKI_RETURN_IF_ERROR(SetModelStatus(global_version, "accepted", ""));
      global_learner.version = v;
      global_learner.champion = v;
      global_model = updated;
      global_version = v;
      report.global_outcome = "accepted";
    } else {
      report.global_outcome = "rejected: " + reason;
    }
    global_learner.learning_rate =
        AdaptRate(global_learner.learning_rate, accept, state_->settings().learn.lr_global);
  }
  SAIKI_RETURN_IF_ERROR(SaveLearner(global_learner));

  // 3. The user's personal weights, on top of the (new) global ones. They
  //    are fit to the pairs of this session and of the user's last
  //    learn.user_window - 1 closed sessions (not this session alone: one
  //    session's few clicks say little about a user's taste, and a fit to
  //    them alone swings with every session), warm-started from the current
  //    weights, and guarded by replay on the user's own recent sessions.
  for (auto& m : z) m = ranker::Normalize(session[&m - &z[0]].features, global_model);
  SAIKI_ASSIGN_OR_RETURN(Eigen::VectorXd delta, PersonalWeights(user_learner.version, global_model.scale));
  const std::string user_sessions =
      "i.session_id IN (SELECT session_id FROM sessions WHERE user = (SELECT user FROM sessions "
      "WHERE session_id = ?1) AND closed_at IS NOT NULL AND session_id <> ?1 "
      "ORDER BY session_id DESC LIMIT ";
  std::vector<ranker::LoggedImpression> mine;
  std::vector<LoggedMeta> mine_meta;
  SAIKI_RETURN_IF_ERROR(LoadSessionImpressions(
      user_sessions + std::to_string(state_->settings().learn.guard_sessions) + ")", session_id, 5000, &mine,
      &mine_meta));
  std::vector<ranker::LoggedImpression> window = session;
  std::vector<ranker::Matrix> zw = z;
  if (state_->settings().learn.user_window > 1) {
    std::vector<ranker::LoggedImpression> earlier;
    std::vector<LoggedMeta> earlier_meta;
    SAIKI_RETURN_IF_ERROR(LoadSessionImpressions(
        user_sessions + std::to_string(state_->settings().learn.user_window - 1) + ")", session_id, 5000,
        &earlier, &earlier_meta));
    for (auto& imp : earlier) {
      zw.push_back(ranker::Normalize(imp.features, global_model));
      window.push_back(std::move(imp));
    }
  }
  std::vector<ranker::Preference> window_prefs =
      ranker::DerivePreferences(window, propensity, state_->settings().learn.ips_clip);
  double evidence = 0;
  for (const auto& p : window_prefs) evidence += p.weight;
  ranker::UpdateOptions uopt;
  uopt.learning_rate = user_learner.learning_rate;
  // Shrinkage grows as evidence shrinks: with the pair weight of a few
  // sessions the pull towards the global model is l2_user, with the weight
  // of one or two clicks it is up to kEvidencePairs times more (a prior
  // worth kEvidencePairs pairs, in the per-pair-averaged loss), so that a
  // new user's first click barely moves their ranking.
  uopt.l2 = state_->settings().learn.l2_user * std::max(1.0, kEvidencePairs / std::max(evidence, 1.0));
  uopt.steps = state_->settings().learn.steps;
  // The global part the personal weights sit on: the linear weights, or the
  // tree score as a fixed extra column (ranker/trees.h).
  Eigen::VectorXd base = global_model.weights, delta0 = delta;
  std::vector<ranker::Matrix> zm;
  for (const auto& imp : mine) zm.push_back(ranker::Normalize(imp.features, global_model));
  if (trees) {
    ranker::AppendTreeOffsetColumn(*trees, window, &zw);
    ranker::AppendTreeOffsetColumn(*trees, mine, &zm);
    base = ranker::TreeOffsetBase();
    delta0 = ranker::WithTreeOffsetColumn(delta);
  }
  auto uupdate = ranker::PairwiseUpdate(zw, window, window_prefs, base, delta0, true, uopt);
  if (uupdate.ok()) uupdate->theta.conservativeResize(ranker::kNumFeatures);
  int64_t parent = user_learner.version;
  if (!uupdate.ok()) {
    report.user_outcome = "rejected: " + uupdate.status().message();
    ranker::PersonalLinearModel keep{delta, global_model.scale};
    SAIKI_RETURN_IF_ERROR(InsertModel("user", report.user, parent, session_id, keep.ToJson(), 0,
                                      0, 0, 0, "rejected", uupdate.status().message())
                              .status());
    user_learner.learning_rate =
        AdaptRate(user_learner.learning_rate, false, state_->settings().learn.lr_user);
  } else {
    report.loss_before = uupdate->loss_before;
    report.loss_after = uupdate->loss_after;
    double before = ranker::ReplayMetric(zm, mine, propensity, base, delta0,
                                         state_->settings().learn.ips_clip);
    double after = ranker::ReplayMetric(
        zm, mine, propensity, base,
        trees ? ranker::WithTreeOffsetColumn(uupdate->theta) : uupdate->theta,
        state_->settings().learn.ips_clip);
    bool accept = GuardAccepts(before, after);
    std::string reason = accept ? "" : "replay IPS-RR on the user's last sessions would fall from " +
                                           Fixed(before) + " to " + Fixed(after);
    ranker::PersonalLinearModel updated{uupdate->theta, global_model.scale};
    SAIKI_ASSIGN_OR_RETURN(
        int64_t v, InsertModel("user", report.user, parent, session_id, updated.ToJson(),
                               uupdate->loss_before, uupdate->loss_after, before, after,
                               accept ? "active" : "rejected", reason));
    if (accept) {
      SAIKI_RETURN_IF_ERROR(SetModelStatus(parent, "accepted", ""));
      if (user_learner.interleave_left == 0) {
        // Start an interleaving test of the new model against the one it
        // replaces (0 = the global model alone).
        user_learner.champion = parent;
        user_learner.interleave_left = state_->settings().learn.interleave_sessions;
        user_learner.wins_new = user_learner.wins_old = user_learner.ties = 0;
      }
      user_learner.version = v;
      if (user_learner.interleave_left == 0) user_learner.champion = v;
      report.user_outcome = "accepted";
    } else {
      report.user_outcome = "rejected: " + reason;
    }
    user_learner.learning_rate =
        AdaptRate(user_learner.learning_rate, accept, state_->settings().learn.lr_user);
  }
  return finish("global " + report.global_outcome + "; user " + report.user_outcome);
}

// ------------------------------------------------------------ model ops

namespace {

ModelVersion ReadVersion(storage::Statement* st) {
  ModelVersion v;
  v.version = st->ColumnInt(0);
  v.scope = st->ColumnText(1);
  v.user = st->ColumnText(2);
  v.kind = st->ColumnText(3);
  v.parent = st->ColumnIsNull(4) ? 0 : st->ColumnInt(4);
  v.session_id = st->ColumnIsNull(5) ? 0 : st->ColumnInt(5);
  v.created_at = st->ColumnDouble(6);
  v.loss_before = st->ColumnDouble(7);
  v.loss_after = st->ColumnDouble(8);
  v.metric_before = st->ColumnDouble(9);
  v.metric_after = st->ColumnDouble(10);
  v.status = st->ColumnText(11);
  v.reason = st->ColumnText(12);
  return v;
}

constexpr const char* kVersionColumns =
    "version, scope, user, kind, parent, session_id, created_at, coalesce(loss_before, 0), "
    "coalesce(loss_after, 0), coalesce(metric_before, 0), coalesce(metric_after, 0), status, "
    "reason";

}  // namespace

Result<std::optional<ModelVersion>> DatabaseImpl::GetVersion(int64_t version) {
  if (version <= 0) return std::optional<ModelVersion>();
  std::string sql = std::string("SELECT ") + kVersionColumns + " FROM models WHERE version = ?1";
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * st, conn_->Prepare(sql.c_str()));
  st->Bind(1, version);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<ModelVersion>();
  ModelVersion v = ReadVersion(st);
  st->Reset();
  return std::optional<ModelVersion>(std::move(v));
}

Result<ModelInfo> DatabaseImpl::GetModel(const std::string& user) {
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  ModelInfo info;
  SAIKI_ASSIGN_OR_RETURN(LearnerState g, LoadLearner("", state_->settings()));
  info.global_learning_rate = g.learning_rate;
  const ModelState& models = *state_->models;
  SAIKI_ASSIGN_OR_RETURN(auto gv, GetVersion(models.global_version));
  if (gv) {
    info.global = *gv;
  } else {
    info.global.scope = "global";
    info.global.kind = "linear";
    info.global.status = "active";
    info.global.reason = "initial model (BM25F order); nothing learned yet";
  }
  Eigen::VectorXd personal = Eigen::VectorXd::Zero(ranker::kNumFeatures);
  if (!user.empty()) {
    SAIKI_ASSIGN_OR_RETURN(LearnerState u, LoadLearner(user, state_->settings()));
    info.user_learning_rate = u.learning_rate;
    info.champion_version = u.champion;
    info.interleave_sessions_left = u.interleave_left;
    info.wins_new = u.wins_new;
    info.wins_old = u.wins_old;
    info.ties = u.ties;
    SAIKI_ASSIGN_OR_RETURN(info.personal, GetVersion(u.version));
    SAIKI_ASSIGN_OR_RETURN(personal, PersonalWeights(u.version, models.global.scale));
  }
  for (int i = 0; i < ranker::kNumFeatures; ++i) {
    info.weights.push_back({ranker::kFeatureNames[i], models.global.weights[i], personal[i],
                            models.global.mean[i], models.global.scale[i]});
  }
  SAIKI_ASSIGN_OR_RETURN(info.propensities, LoadPropensities(state_->settings()));
  info.propensities.resize(std::min<size_t>(info.propensities.size(), 10));
  return info;
}

Result<std::vector<ModelVersion>> DatabaseImpl::ModelHistory(const std::string& user) {
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  std::string sql = std::string("SELECT ") + kVersionColumns +
                    " FROM models WHERE ?1 = '' OR user = ?1 OR scope = 'global' "
                    "ORDER BY version DESC";
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * st, conn_->Prepare(sql.c_str()));
  st->BindText(1, user);
  std::vector<ModelVersion> out;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(ReadVersion(st));
  }
  return out;
}

Status DatabaseImpl::RollbackModel(int64_t version) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_ASSIGN_OR_RETURN(auto v, GetVersion(version));
  if (!v) return Status::NotFound("no model version " + std::to_string(version));
  if (v->status == "rejected") {
    return Status::InvalidArgument("model version " + std::to_string(version) +
                                   " was rejected by the guard (" + v->reason +
                                   "); roll back to an accepted version");
  }
  std::string user = v->scope == "global" ? "" : v->user;
  SAIKI_ASSIGN_OR_RETURN(LearnerState s, LoadLearner(user, state_->settings()));
  s.user = user;
  if (s.version != version) {
    SAIKI_RETURN_IF_ERROR(SetModelStatus(s.version, "rolled_back",
                                         "rolled back by hand to version " +
                                             std::to_string(version)));
  }
  SAIKI_RETURN_IF_ERROR(SetModelStatus(version, "active", ""));
  s.version = version;
  s.champion = version;
  s.interleave_left = 0;
  s.wins_new = s.wins_old = s.ties = 0;
  SAIKI_RETURN_IF_ERROR(SaveLearner(s));
  SAIKI_RETURN_IF_ERROR(BumpGenerations(kModelsPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  return Reload(kModelsPart);
}

Result<uint64_t> DatabaseImpl::ForgetUser(const std::string& user) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  if (user.empty()) return Status::InvalidArgument("give a user to forget");
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  uint64_t deleted = 0;
  const char* statements[] = {
      "DELETE FROM impression_items WHERE query_id IN "
      "(SELECT query_id FROM impressions WHERE user = ?1)",
      "DELETE FROM clicks WHERE user = ?1",
      "DELETE FROM impressions WHERE user = ?1",
      "DELETE FROM sessions WHERE user = ?1",
      "DELETE FROM models WHERE scope = 'user' AND user = ?1",
      "DELETE FROM learners WHERE user = ?1",
  };
  for (const char* sql : statements) {
    SAIKI_ASSIGN_OR_RETURN(storage::Statement * st, conn_->Prepare(sql));
    st->BindText(1, user);
    SAIKI_RETURN_IF_ERROR(st->Run());
    deleted += static_cast<uint64_t>(conn_->Changes());
  }
  SAIKI_RETURN_IF_ERROR(BumpGenerations(kModelsPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  // Old copies of the deleted pages can remain in the WAL until it is
  // checkpointed: truncate it now (best effort: a reader may hold it).
  (void)conn_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  SAIKI_RETURN_IF_ERROR(Reload(kModelsPart));
  return deleted;
}

}  // namespace saiki::engine
