// A scripted shop for the learning loop's engine tests: users whose
// sessions of three searches click the best-rated result and the results
// they like (a hash), at simulated times, so that two files running the
// same script log the same sessions. Shared by the forgetting tests
// (forget_test.cc) and those of the pooled learners apart from the closes
// (pooled_apart_test.cc), with the comparisons they make.
#ifndef SAIKI_TESTS_LEARNING_SCRIPT_H_
#define SAIKI_TESTS_LEARNING_SCRIPT_H_

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "index/doc_table.h"
#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki::testing {

inline const std::vector<std::string> kQueries = {"犬",   "猫",       "ドッグフード", "ベッド",
                                           "おもちゃ", "首輪",     "マグカップ",   "コーヒー",
                                           "スニーカー", "ノート", "タオル",       "バッグ"};

class Script {
 public:
  Script(const std::string& path, const std::string& mode) {
    OpenOptions o;
    o.clock = [this] { return now_; };
    auto opened = Database::Open(path, o);
    REQUIRE(opened.ok());
    db_ = std::move(opened).value();
    REQUIRE(db_->ImportCsv(SourcePath("datasets/catalog.csv"), ImportOptions()).ok());
    for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"learn.global_min_users", "4"},
             {"learn.global_min_sessions", "10"},
             {"learn.mode", mode}}) {
      REQUIRE(db_->SetSetting(k, v).ok());
    }
  }
  Database* db() { return db_.get(); }

  // learn.pooled_at apart, and every session followed by LearnPooled, as
  // an app that asks after each close would (the reports are kept).
  void PooledApart() {
    REQUIRE(db_->SetSetting("learn.pooled_at", "apart").ok());
    pooled_apart_ = true;
  }
  const std::vector<PooledReport>& pooled_steps() const { return pooled_steps_; }

  // One session of `user` in time slot `slot` (the same slot gives the same
  // times in every file): three searches; clicks on the best-rated result,
  // and on the results the user likes (a hash), buying the best-rated when
  // it is rated 4.5 or more.
  SessionReport Session(const std::string& user, int slot) {
    now_ = 1.8e9 + 3600.0 * slot;
    for (int s = 0; s < 3; ++s) {
      const std::string& q = kQueries[(index::StableHash(user) + slot + s) % kQueries.size()];
      SearchRequest req;
      req.query = q;
      req.user = user;
      auto r = db_->Search(req);
      REQUIRE(r.ok());
      now_ += 20;
      size_t best = 0;
      for (size_t i = 1; i < r->hits.size(); ++i) {
        if (Rating(r->hits[i].id) > Rating(r->hits[best].id)) best = i;
      }
      for (size_t i = 0; i < r->hits.size(); ++i) {
        const bool likes = index::StableHash(user + "/" + r->hits[i].id) % 4 == 0;
        if (i != best && !likes) continue;
        REQUIRE(db_->RecordClick(*r->query_id, r->hits[i].id).ok());
        now_ += 10;
        if (i == best && Rating(r->hits[i].id) >= 4.5) {
          REQUIRE(db_->RecordClick(*r->query_id, r->hits[i].id, ClickKind::kPurchase).ok());
          now_ += 10;
        }
      }
      now_ += 60;
    }
    auto end = db_->EndSession(user);
    REQUIRE(end.ok());
    REQUIRE(end->has_value());
    if (pooled_apart_) {
      now_ += 1;
      auto step = db_->LearnPooled();
      REQUIRE(step.ok());
      pooled_steps_.push_back(*step);
    }
    return **end;
  }

  double Rating(const std::string& id) {
    auto it = ratings_.find(id);
    if (it != ratings_.end()) return it->second;
    auto p = db_->GetProduct(id);
    REQUIRE(p.ok());
    return ratings_[id] = (*p)->rating.value_or(0);
  }

  void At(int slot) { now_ = 1.8e9 + 3600.0 * slot; }

 private:
  double now_ = 1.8e9;
  bool pooled_apart_ = false;
  std::vector<PooledReport> pooled_steps_;
  std::unique_ptr<Database> db_;
  std::map<std::string, double> ratings_;
};

inline std::string User(int i) { return "user" + std::to_string(i); }

// Every model version without the numbers that depend on which rows were
// ever inserted (version, parent, session id) or on the wall clock.
inline std::vector<std::string> Versions(Database* db) {
  auto h = db->ModelHistory("");
  REQUIRE(h.ok());
  std::vector<std::string> out;
  for (auto it = h->rbegin(); it != h->rend(); ++it) {
    const ModelVersion& v = *it;
    std::string line = std::string(ModelScopeName(v.scope)) + " " + v.user + " " +
                       ModelKindName(v.kind) + " " + ModelStatusName(v.status) + " " + v.reason +
                       " " + std::to_string(v.loss_before) + " " + std::to_string(v.loss_after) +
                       " " + std::to_string(v.metric_before) + " " +
                       std::to_string(v.metric_after);
    if (v.evidence) {
      line += " " + std::to_string(v.evidence->users) + " " +
              std::to_string(v.evidence->lower_bound) + " " +
              std::to_string(v.evidence->candidate_estimate);
    }
    out.push_back(line);
  }
  return out;
}

// What `user` is shown for every query: ids and scores.
inline std::vector<std::pair<std::string, double>> Shown(Database* db, const std::string& user) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& q : kQueries) {
    SearchRequest req;
    req.query = q;
    req.user = user;
    auto r = db->Search(req);
    REQUIRE(r.ok());
    for (const auto& h : r->hits) out.emplace_back(h.id, h.score);
  }
  return out;
}

// The other users' logged impressions and clicks, as the file holds them
// (without version numbers): what must be the same for the comparison to
// be about forgetting.
inline std::string OthersLogs(const std::string& path, const std::string& forgotten) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  std::string out;
  for (const char* sql :
       {"SELECT user, query, at, hex(features), hex(candidate_stats), gate, first_rank "
        "FROM impressions WHERE user <> ?1 ORDER BY query_id",
        "SELECT user, product_id, position, kind, at FROM clicks WHERE user <> ?1 "
        "ORDER BY click_id"}) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_text(st, 1, forgotten.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const unsigned char* t = sqlite3_column_text(st, c);
        out += t ? reinterpret_cast<const char*>(t) : "NULL";
        out += '|';
      }
      out += '\n';
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

inline void ExpectSame(Database* forgot, Database* never, int users) {
  const auto a = Versions(forgot), b = Versions(never);
  CHECK(a.size() == b.size());
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    INFO("version " << i + 1 << " of " << b.size());
    CHECK(a[i] == b[i]);
  }
  for (int u = 0; u < users; ++u) {
    INFO(User(u));
    auto ma = forgot->GetModel(User(u)), mb = never->GetModel(User(u));
    REQUIRE(ma.ok());
    REQUIRE(mb.ok());
    CHECK(ma->global.status == mb->global.status);
    CHECK(ma->global.reason == mb->global.reason);
    CHECK(ma->personal.has_value() == mb->personal.has_value());
    CHECK(ma->user_learning_rate == mb->user_learning_rate);
    CHECK(ma->interleave_sessions_left == mb->interleave_sessions_left);
    CHECK(ma->propensities == mb->propensities);
    for (size_t i = 0; i < ma->weights.size(); ++i) {
      CHECK(ma->weights[i].global == mb->weights[i].global);
      CHECK(ma->weights[i].personal == mb->weights[i].personal);
    }
    CHECK(Shown(forgot, User(u)) == Shown(never, User(u)));
  }
  CHECK(Shown(forgot, "") == Shown(never, ""));
}

// The forgetting comparison in shadow mode, where what is served never
// changes, so zed's sessions can be anywhere: 8 users for 6 rounds in two
// files, a session of zed's after every third user in `with` only; then zed
// is forgotten in `with` and every model must equal `without`'s. With
// `pooled_at` kApart, both files run the pooled learners apart, a step after
// each session (zed's too, in `with`); switched: in the close for the
// first three rounds, apart from then on. Returns the forget report.
enum class PooledAt { kClose, kApart, kSwitched };
inline ForgetReport ForgetZedInShadow(PooledAt pooled_at) {
  TempDir dir;
  const std::string with = dir.File("with.saiki"), without = dir.File("without.saiki");
  Script a(with, "shadow"), b(without, "shadow");
  const int kUsers = 8;
  int slot = 0;
  uint64_t candidates = 0;
  for (int round = 0; round < 6; ++round) {
    if ((pooled_at == PooledAt::kApart && round == 0) ||
        (pooled_at == PooledAt::kSwitched && round == 3)) {
      a.PooledApart();
      b.PooledApart();
    }
    for (int u = 0; u < kUsers; ++u) {
      ++slot;
      candidates += a.Session(User(u), slot).global.outcome != UpdateOutcome::kNone;
      b.Session(User(u), slot);
      if (u % 3 == 1) a.Session("zed", ++slot);  // only in `with`
    }
  }
  for (const PooledReport& s : a.pooled_steps()) {
    candidates += s.global.outcome != UpdateOutcome::kNone;
  }
  REQUIRE(candidates >= 2);  // the global learner ran, zed among its users
  REQUIRE(OthersLogs(with, "zed") == OthersLogs(without, "zed"));
  REQUIRE(Versions(a.db()) != Versions(b.db()));  // zed made a difference
  a.At(slot + 1);
  b.At(slot + 1);
  auto report = a.db()->ForgetUser("zed");
  REQUIRE(report.ok());
  ExpectSame(a.db(), b.db(), kUsers);
  CHECK(a.db()->GetModel("zed")->personal == std::nullopt);
  return *report;
}

}  // namespace saiki::testing

#endif  // SAIKI_TESTS_LEARNING_SCRIPT_H_
