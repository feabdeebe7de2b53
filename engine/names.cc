// The names of the public API's enums: what the file, JSON and the CLI say.
#include "saiki/saiki.h"

namespace saiki {

const char* ModelScopeName(ModelScope scope) {
  return scope == ModelScope::kUser ? "user" : "global";
}

const char* ModelKindName(ModelKind kind) { return kind == ModelKind::kTrees ? "trees" : "linear"; }

const char* ModelStatusName(ModelStatus status) {
  switch (status) {
    case ModelStatus::kActive: return "active";
    case ModelStatus::kAccepted: return "accepted";
    case ModelStatus::kRejected: return "rejected";
    case ModelStatus::kRolledBack: return "rolled_back";
    case ModelStatus::kShadow: return "shadow";
  }
  return "active";
}

namespace {
constexpr std::pair<SortOrder, const char*> kSortOrderNames[] = {
    {SortOrder::kRelevance, "relevance"},       {SortOrder::kPriceAscending, "price"},
    {SortOrder::kPriceDescending, "-price"},    {SortOrder::kRatingAscending, "rating"},
    {SortOrder::kRatingDescending, "-rating"},  {SortOrder::kReviewsAscending, "reviews"},
    {SortOrder::kReviewsDescending, "-reviews"}};
}  // namespace

const char* SortOrderName(SortOrder order) {
  for (const auto& [o, name] : kSortOrderNames) {
    if (o == order) return name;
  }
  return "relevance";
}

std::optional<SortOrder> ParseSortOrder(const std::string& name) {
  for (const auto& [o, n] : kSortOrderNames) {
    if (name == n) return o;
  }
  return std::nullopt;
}

const char* UpdateOutcomeName(UpdateOutcome outcome) {
  switch (outcome) {
    case UpdateOutcome::kNone: return "none";
    case UpdateOutcome::kAccepted: return "accepted";
    case UpdateOutcome::kRejected: return "rejected";
    case UpdateOutcome::kShadow: return "shadow";
  }
  return "none";
}

const char* InterleavingOutcomeName(InterleavingOutcome outcome) {
  switch (outcome) {
    case InterleavingOutcome::kNone: return "";
    case InterleavingOutcome::kRunning: return "running";
    case InterleavingOutcome::kKeptNew: return "kept new model";
    case InterleavingOutcome::kRolledBack: return "rolled back";
  }
  return "";
}

}  // namespace saiki
