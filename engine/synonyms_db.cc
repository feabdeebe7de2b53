// The database's synonym calls: load a file, add a group, list. Parsing and
// the built-in groups live in synonyms.cc; the table in storage/catalog_store.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "engine/database_impl.h"
#include "engine/synonyms.h"

namespace saiki::engine {
namespace {

constexpr size_t kMaxSynonymFileBytes = 64u << 20;
constexpr size_t kMaxSynonymTermBytes = 256;

}  // namespace

Result<uint64_t> DatabaseImpl::LoadSynonyms(const std::string& path) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open synonyms file");
  std::string text;
  {
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) return Status::IoError(path + ": read failed");
    text = std::move(buf).str();
  }
  if (text.size() > kMaxSynonymFileBytes) {
    return Status::ResourceExhausted(path + ": a synonyms file is at most 64 MiB");
  }
  std::vector<SynonymGroup> parsed;
  SAIKI_RETURN_IF_ERROR(ParseSynonyms(text, path, *analyzer_, &parsed));
  // The table's groups are symmetric: every stored term triggers its group.
  // A SudachiDict term that only receives expansions (flag 1) is left out.
  // A term is in one group of the table: groups sharing a term are joined
  // (SudachiDict lists 子供 / 子ども under two group numbers), so that what
  // `synonyms list` prints reads back as the same groups.
  std::vector<size_t> parent(parsed.size());
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = i;
  auto find = [&](size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  std::unordered_map<std::string, size_t> owner;
  for (size_t i = 0; i < parsed.size(); ++i) {
    parsed[i].terms.resize(parsed[i].triggers);
    for (const std::string& t : parsed[i].terms) {
      auto [it, fresh] = owner.emplace(t, i);
      if (!fresh) parent[find(i)] = find(it->second);
    }
  }
  std::vector<std::vector<std::string>> groups;
  std::unordered_map<size_t, size_t> slot;  // root -> index in groups
  for (size_t i = 0; i < parsed.size(); ++i) {
    const size_t root = find(i);
    auto [it, fresh] = slot.emplace(root, groups.size());
    if (fresh) groups.emplace_back();
    std::vector<std::string>& g = groups[it->second];
    for (std::string& t : parsed[i].terms) {
      if (std::find(g.begin(), g.end(), t) == g.end()) g.push_back(std::move(t));
    }
  }
  groups.erase(std::remove_if(groups.begin(), groups.end(),
                              [](const std::vector<std::string>& g) { return g.size() < 2; }),
               groups.end());
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_RETURN_IF_ERROR(catalog_store_->ReplaceSynonyms(txn->token(), groups));
  SAIKI_RETURN_IF_ERROR(BumpGenerations(txn->token(), kConfigPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  SAIKI_RETURN_IF_ERROR(Reload(kConfigPart));
  return static_cast<uint64_t>(groups.size());
}

Status DatabaseImpl::AddSynonyms(const std::vector<std::string>& terms) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  std::vector<std::string> group;
  for (const std::string& raw : terms) {
    if (raw.size() > kMaxSynonymTermBytes) {
      return Status::InvalidArgument("synonym term '" + raw.substr(0, 32) + "...' is over " +
                                     std::to_string(kMaxSynonymTermBytes) + " bytes");
    }
    std::string t = analyzer_->Normalize(raw);
    if (t.find("\xEF\xBF\xBD") != std::string::npos) {
      return Status::InvalidArgument("synonym term '" + raw + "' is not valid UTF-8");
    }
    // A term is one word: its words become terms of the group.
    std::istringstream words(t);
    std::string w;
    while (words >> w) {
      if (std::find(group.begin(), group.end(), w) == group.end()) group.push_back(w);
    }
  }
  if (group.size() < 2) {
    return Status::InvalidArgument("a synonym group needs at least two distinct terms, got " +
                                   std::to_string(group.size()) + " after normalisation");
  }
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_RETURN_IF_ERROR(catalog_store_->AddSynonymGroup(txn->token(), group));
  SAIKI_RETURN_IF_ERROR(BumpGenerations(txn->token(), kConfigPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  return Reload(kConfigPart);
}

Result<std::vector<std::vector<std::string>>> DatabaseImpl::ListSynonyms(bool builtin) {
  std::vector<std::vector<std::string>> out;
  if (builtin) return BuiltinSynonymLines();
  SAIKI_ASSIGN_OR_RETURN(auto rows, catalog_store_->ListSynonyms());
  int64_t last = -1;
  for (auto& [grp, term] : rows) {
    if (out.empty() || grp != last) out.emplace_back();
    last = grp;
    out.back().push_back(std::move(term));
  }
  return out;
}

}  // namespace saiki::engine
