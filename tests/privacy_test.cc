// Privacy (README "How it learns", issue: security and privacy):
//   - `saiki user forget U` leaves no trace of U: U's name and the text of
//     U's queries are in the database file's bytes (or its WAL) before, and
//     in neither the file, the WAL, the export, `model show`/`model history`
//     nor any command's output after; the other user's data stays;
//   - one user's data never shows in another user's explanation: a user
//     without history gets zero user features and zero personal
//     contributions while another user has clicked a lot, and a user's own
//     user features are the same whether or not another user was active.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "saiki/saiki.h"
#include "tests/test_util.h"

namespace saiki {
namespace {

using testing::PetCatalog;
using testing::Quote;
using testing::ReadFile;
using testing::RunCli;
using testing::TempDir;

// Marker strings only the forgotten user produces: the user name, and a
// query term no product has (the query is logged with the impression), in
// the form typed and the normalised (case-folded) form.
const char* kUser = "ForgetMeUserQX7";
const char* kOther = "KeepMeUserQX8";
const char* kQueryMarker = "ZQXWVU";
const char* kQueryMarkerNorm = "zqxwvu";

// Every place U could remain on disk: the file, its WAL, its shared-memory
// index (it holds page numbers and hashes, checked anyway).
std::string DiskBytes(const std::string& path) {
  std::string all;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    if (std::filesystem::exists(path + suffix)) all += ReadFile(path + suffix);
  }
  return all;
}

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_CASE("user forget leaves no trace of the user in the file, the WAL, the export or output",
          "[privacy]") {
  TempDir dir;
  const std::string path = dir.File("p.saiki");
  const std::string db = "--db " + Quote(path);
  testing::WriteFile(dir.File("c.csv"), PetCatalog("p", 300));
  REQUIRE(RunCli(db + " index " + Quote(dir.File("c.csv"))).exit_code == 0);

  // Two users, each: personalised searches, clicks below the top, a session
  // end (a personal model version), twice.
  std::set<std::string> forgotten_qids, kept_qids;
  for (int round = 0; round < 2; ++round) {
    for (const char* user : {kUser, kOther}) {
      const bool forget_me = std::string(user) == kUser;
      for (const std::string& q :
           {std::string("犬 -") + kQueryMarker, std::string("猫 フード"), std::string("ベッド")}) {
        // Only the forgotten user types the marker.
        const std::string query = forget_me ? q : (q.find('-') != std::string::npos ? "犬" : q);
        auto s = RunCli(db + " search --json --user " + Quote(user) + " " + Quote(query));
        INFO(s.err);
        REQUIRE(s.exit_code == 0);
        auto j = nlohmann::json::parse(s.out);
        std::string qid = j["query_id"];
        (forget_me ? forgotten_qids : kept_qids).insert(qid);
        REQUIRE(j["results"].size() >= 3);
        for (int r : {1, 2}) {
          std::string id = j["results"][r]["id"];
          REQUIRE(RunCli(db + " click --query-id " + qid + " --id " + id).exit_code == 0);
        }
      }
      auto end = RunCli(db + " session end --user " + Quote(user));
      INFO(end.err);
      REQUIRE(end.exit_code == 0);
    }
  }
  auto show = RunCli(db + " model show --user " + Quote(kUser));
  REQUIRE(show.exit_code == 0);
  REQUIRE(nlohmann::json::parse(show.out)["personal"]["user"] == kUser);
  auto export_before = RunCli(db + " export-features");
  REQUIRE(export_before.exit_code == 0);

  // Before: the markers are on disk (so that the search below can fail).
  {
    const std::string bytes = DiskBytes(path);
    REQUIRE(Has(bytes, kUser));
    REQUIRE((Has(bytes, kQueryMarker) || Has(bytes, kQueryMarkerNorm)));
    REQUIRE(Has(bytes, kOther));
  }
  // The export names query ids; U's are in it before.
  for (const auto& qid : forgotten_qids) {
    REQUIRE(Has(export_before.out, " qid:" + qid + " "));
  }

  auto forget = RunCli(db + " user forget " + Quote(kUser));
  INFO(forget.err);
  REQUIRE(forget.exit_code == 0);

  // After: not in the file, the WAL, or the -shm, byte for byte.
  {
    const std::string bytes = DiskBytes(path);
    CHECK_FALSE(Has(bytes, kUser));
    CHECK_FALSE(Has(bytes, kQueryMarker));
    CHECK_FALSE(Has(bytes, kQueryMarkerNorm));
    CHECK(Has(bytes, kOther));  // the other user's data stays
  }
  // Not in the export (none of U's query ids, no marker), nor in what the
  // model commands print.
  auto export_after = RunCli(db + " export-features");
  REQUIRE(export_after.exit_code == 0);
  for (const auto& qid : forgotten_qids) CHECK_FALSE(Has(export_after.out, " qid:" + qid + " "));
  size_t kept_lines = 0;
  for (const auto& qid : kept_qids) kept_lines += Has(export_after.out, " qid:" + qid + " ");
  CHECK(kept_lines == kept_qids.size());
  CHECK_FALSE(Has(export_after.out, kUser));
  CHECK_FALSE(Has(export_after.out, kQueryMarkerNorm));
  for (const std::string& cmd : {std::string(" model show --user ") + Quote(kUser),
                                 std::string(" model history --user ") + Quote(kUser),
                                 std::string(" model history"), std::string(" model show")}) {
    auto r = RunCli(db + cmd);
    INFO(cmd << ": " << r.err);
    CHECK(r.exit_code == 0);
    // `model show --user U` echoes the name it was asked about; nothing
    // else may name U.
    std::string out = r.out;
    const std::string echo = std::string("\"user\": \"") + kUser + "\"";
    for (size_t at; (at = out.find(echo)) != std::string::npos;) out.erase(at, echo.size());
    INFO(out);
    CHECK_FALSE(Has(out, kUser));
    CHECK_FALSE(Has(r.err, kUser));
  }
  auto show_after = RunCli(db + " model show --user " + Quote(kUser));
  CHECK(nlohmann::json::parse(show_after.out)["personal"].is_null());
  // The file is whole.
  auto check = RunCli(db + " check");
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
}

// The user_* features of the hits of `user`'s search for 犬, by product id,
// with explain; and the sum of |personal contribution| over them.
struct Explained {
  std::map<std::string, std::vector<double>> user_features;  // product -> values
  double personal_abs = 0;
  size_t features_seen = 0;
};

Explained Explain(Database* db, const std::string& user) {
  SearchRequest req;
  req.query = "犬";
  req.user = user;
  req.k = 20;
  req.explain = true;
  auto res = db->Search(req);
  INFO(res.status().ToString());
  REQUIRE(res.ok());
  Explained e;
  for (const auto& h : res->hits) {
    std::vector<double>& values = e.user_features[h.id];
    for (const auto& f : h.features) {
      ++e.features_seen;
      e.personal_abs += std::abs(f.personal);
      if (f.feature.rfind("user_", 0) == 0) values.push_back(f.value);
    }
  }
  return e;
}

// `user`'s activity: sessions of searches for 犬 and 猫 フード. By rank
// (ranks 2-5, so that preferences are learned), or, with `fixed`, on fixed
// products out of the top 100 (all the matches): the same clicks whatever
// order the models gave.
void Activity(Database* db, double* now, const std::string& user, int sessions, bool fixed) {
  static const std::set<std::string> kFixed = {"p5", "p10", "p15", "p6", "p36"};
  for (int s = 0; s < sessions; ++s) {
    for (const char* q : {"犬", "猫 フード"}) {
      *now += 30;
      SearchRequest req;
      req.query = q;
      req.user = user;
      req.k = fixed ? 100 : 10;
      auto res = db->Search(req);
      REQUIRE(res.ok());
      int clicked = 0;
      for (size_t i = 0; i < res->hits.size(); ++i) {
        const bool click = fixed ? kFixed.count(res->hits[i].id) > 0 : (i >= 1 && i < 5);
        if (!click) continue;
        *now += 1;
        REQUIRE(db->RecordClick(*res->query_id, res->hits[i].id).ok());
        ++clicked;
      }
      REQUIRE(clicked > 0);
    }
    auto end = db->EndSession(user);
    REQUIRE(end.ok());
  }
}

TEST_CASE("one user's clicks never show in another user's explanation", "[privacy]") {
  TempDir dir;
  double now = 1.8e9;
  OpenOptions o;
  o.clock = [&now] { return now; };
  auto open = [&](const std::string& name) {
    auto db = Database::Open(dir.File(name), o);
    REQUIRE(db.ok());
    std::istringstream in(PetCatalog("p", 300));
    REQUIRE((*db)->ImportCsv(in, "c.csv", ImportOptions()).ok());
    return std::move(db).value();
  };
  // Database A: "heavy" clicks a lot, then "mine" has a little activity.
  // Database B: only "mine", the same activity at the same times.
  auto a = open("a.saiki");
  auto b = open("b.saiki");
  Activity(a.get(), &now, "heavy", 6, false);
  const double mine_start = now;
  Activity(a.get(), &now, "mine", 2, true);
  now = mine_start;
  Activity(b.get(), &now, "mine", 2, true);

  // A user with no history, next to the heavy clicker: zero user features,
  // zero personal part.
  Explained fresh = Explain(a.get(), "newcomer");
  REQUIRE(fresh.features_seen > 0);
  size_t nonzero = 0;
  for (const auto& [id, values] : fresh.user_features) {
    REQUIRE_FALSE(values.empty());
    for (double v : values) nonzero += v != 0;
  }
  CHECK(nonzero == 0);
  CHECK(fresh.personal_abs == 0);
  // The heavy clicker has user features (the test can see them at all).
  Explained heavy = Explain(a.get(), "heavy");
  size_t heavy_nonzero = 0;
  for (const auto& [id, values] : heavy.user_features) {
    for (double v : values) heavy_nonzero += v != 0;
  }
  CHECK(heavy_nonzero > 0);

  // "mine"'s user features are the same with or without the heavy clicker
  // (they come from mine's clicks only). The hits may be ordered
  // differently (the global model learned from heavy): compare by product.
  Explained mine_a = Explain(a.get(), "mine");
  Explained mine_b = Explain(b.get(), "mine");
  size_t compared = 0;
  for (const auto& [id, values] : mine_a.user_features) {
    auto it = mine_b.user_features.find(id);
    if (it == mine_b.user_features.end()) continue;
    INFO("product " << id);
    REQUIRE(values.size() == it->second.size());
    for (size_t i = 0; i < values.size(); ++i) CHECK(values[i] == Approx(it->second[i]));
    ++compared;
  }
  CHECK(compared >= 5);
}

}  // namespace
}  // namespace saiki
