// The model store: what was learned. It owns the SQL of the tables models
// (every version of every model, with its status, reason, figures and
// pooled evidence), learner_states (each learner's state per journal
// position: the latest row of a user is the current state) and
// propensity_sets (position-bias estimates per journal position) and
// tastes (each user's taste profile), and the codecs of their columns
// (docs/FORMAT.md, schema version 4):
//   models.params     JSON: a linear model (ranker/linear_model.h) or an
//                     XGBoost model as imported (ranker/trees.h)
//   models.evidence   JSON object of PooledEvidence ('' when none)
//   propensity_sets.vals  JSON array of the examination probabilities by rank
//   tastes.profile    u8 format(=1), f64 updated at, f64 total clicks, f64
//                     total examinations, u32 n, then n x (u64 key, f32
//                     clicks, f32 examinations) in increasing key order
// Statuses, scopes and kinds are enums in the API (saiki.h) and their names
// in the file.
//
// Methods that write take a WriteToken (storage/sqlite.h). Thread-safety:
// as the Connection's.
#ifndef SAIKI_STORAGE_MODEL_STORE_H_
#define SAIKI_STORAGE_MODEL_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ranker/learning_plan.h"
#include "ranker/taste.h"
#include "saiki/saiki.h"
#include "saiki/status.h"
#include "storage/sqlite.h"

namespace saiki::storage {

// A version to insert: what the planner decided (ranker::VersionToStore)
// and where it comes from.
struct NewVersion {
  ranker::VersionToStore decided;
  ModelKind kind = ModelKind::kLinear;
  int64_t session_id = 0;  // 0: none
  int64_t seq = 0;         // the journal position that made it
  double created_at = 0;
  bool forced = false;
};
class ModelStore {
 public:
  explicit ModelStore(Connection* conn) : conn_(conn) {}

  // --- Versions.
  Result<int64_t> InsertVersion(const WriteToken& t, const NewVersion& v);
  Status SetParent(const WriteToken& t, int64_t version, int64_t parent);
  // Versions <= 0 are ignored. An empty reason keeps the stored one.
  Status SetStatus(const WriteToken& t, int64_t version, ModelStatus status,
                   std::string_view reason);
  // nullopt for version <= 0 or an unknown one. kCorruption for a row whose
  // status, scope or kind is not one saiki writes.
  Result<std::optional<ModelVersion>> GetVersion(int64_t version);
  // The stored parameters of `version`, which must be of `scope`:
  // kCorruption when it is missing or of another scope.
  Result<std::string> Params(int64_t version, ModelScope scope);
  // Every version, newest first; with a user, only that user's and the
  // global ones.
  Result<std::vector<ModelVersion>> History(std::string_view user);
  // The kind and parent of a global version (nullopt: none).
  struct Lineage {
    ModelKind kind = ModelKind::kLinear;
    int64_t parent = 0;
    ModelScope scope = ModelScope::kGlobal;
  };
  Result<std::optional<Lineage>> GetLineage(int64_t version);

  // --- Learner states.
  // The latest state of `user` ('' = the global learner) at a journal
  // position below `before_seq` (INT64_MAX: the current one); nullopt when
  // it has none. kCorruption for a non-finite or negative learning rate.
  Result<std::optional<ranker::LearnerState>> LatestLearner(std::string_view user,
                                                            int64_t before_seq);
  // Appends (or, at the same position, replaces) the user's state at `seq`.
  Status PutLearner(const WriteToken& t, std::string_view user, int64_t seq,
                    const ranker::LearnerState& s);

  // --- Position bias.
  // The latest estimate at a journal position below `before_seq`.
  Result<std::optional<std::vector<double>>> LatestPropensities(int64_t before_seq);
  Status PutPropensities(const WriteToken& t, int64_t seq, const std::vector<double>& values);

  // --- Replay and forgetting.
  // The learned versions (kind linear) made at journal position >= seq:
  // what a replay from seq re-derives.
  struct Made {
    int64_t version = 0, seq = 0;
    ModelScope scope = ModelScope::kGlobal;
    std::string user;
  };
  Result<std::vector<Made>> LearnedFrom(int64_t seq);
  // Deletes the learned versions, learner states and position-bias
  // estimates at journal position >= seq. Imported versions stay (they
  // were trained elsewhere; their journal entries re-apply them). Returns
  // the rows deleted.
  Result<uint64_t> TruncateFrom(const WriteToken& t, int64_t seq);
  // Deletes the user's personal versions, learner states and taste profile.
  Result<uint64_t> DeleteUser(const WriteToken& t, std::string_view user);

  // --- Taste profiles (ranker/taste.h). An absent row: an empty profile.
  // kCorruption naming the user when the stored blob is malformed.
  Result<ranker::TasteProfile> Taste(std::string_view user);
  Status PutTaste(const WriteToken& t, std::string_view user, const ranker::TasteProfile& p);

  // --- Integrity (Database::Check).
  // Calls `visit` with each version's number, scope, kind and parameters.
  Status ForEachVersion(
      const std::function<void(int64_t, std::string_view scope, std::string_view kind,
                               std::string_view params)>& visit);
  // Learners whose current state names a version that does not exist.
  Result<std::vector<std::pair<std::string, int64_t>>> LearnersWithMissingVersions();
  Result<uint64_t> CountVersions();

 private:
  Connection* conn_;
};

// A taste profile as stored in tastes.profile; nullopt when malformed.
std::string EncodeTaste(const ranker::TasteProfile& p);
std::optional<ranker::TasteProfile> DecodeTaste(std::string_view blob);

// Evidence as stored in models.evidence; kCorruption when malformed.
std::string EncodeEvidence(const PooledEvidence& e);
Result<PooledEvidence> DecodeEvidence(std::string_view json);

}  // namespace saiki::storage

#endif  // SAIKI_STORAGE_MODEL_STORE_H_
