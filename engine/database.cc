// Database: opening, the state derived from the file, settings, stats and
// synonyms. See database_impl.h for how the engine's files divide the work.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/database_impl.h"
#include "storage/schema.h"

namespace saiki {

Result<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                 const OpenOptions& options) {
  return engine::DatabaseImpl::Open(path, options);
}

namespace engine {

Result<std::unique_ptr<Database>> DatabaseImpl::Open(const std::string& path,
                                                     const OpenOptions& options) {
  if (options.busy_timeout_ms < 0 || options.busy_timeout_ms > 600000) {
    return Status::InvalidArgument("busy timeout must be 0..600000 ms");
  }
  storage::ConnectionOptions co;
  co.create_if_missing = options.create_if_missing;
  co.read_only = options.read_only;
  co.busy_timeout_ms = options.busy_timeout_ms;
  std::unique_ptr<DatabaseImpl> db(new DatabaseImpl());
  SAIKI_ASSIGN_OR_RETURN(db->conn_, storage::Connection::Open(path, co));
  SAIKI_RETURN_IF_ERROR(storage::PrepareSchema(db->conn_.get(), options.read_only));
  SAIKI_ASSIGN_OR_RETURN(db->analyzer_, index::Analyzer::Create());
  db->read_only_ = options.read_only;
  db->clock_ = options.clock;
  db->cache_ = std::make_unique<PostingCache>(db->conn_.get());
  db->logs_ = std::make_unique<storage::LogStore>(db->conn_.get());
  db->models_ = std::make_unique<storage::ModelStore>(db->conn_.get());
  SAIKI_RETURN_IF_ERROR(db->UpgradePostingsFormat());
  SAIKI_RETURN_IF_ERROR(db->Reload(kAllParts));
  return std::unique_ptr<Database>(std::move(db));
}

Status DatabaseImpl::EnsureFresh() {
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * st, conn_->Prepare("PRAGMA data_version"));
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  int64_t version = row ? st->ColumnInt(0) : 0;
  st->Reset();
  if (state_ && version == state_->data_version) return Status::Ok();
  return Reload(0);
}

Result<uint32_t> DatabaseImpl::MaxAssignedDocid() {
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * seq,
      conn_->Prepare("SELECT seq FROM sqlite_sequence WHERE name = 'products'"));
  SAIKI_ASSIGN_OR_RETURN(bool row, seq->Step());
  const int64_t max_assigned = row ? seq->ColumnInt(0) : 0;
  seq->Reset();
  return static_cast<uint32_t>(
      std::clamp<int64_t>(max_assigned, 0, static_cast<int64_t>(index::kMaxDocid)));
}

Result<std::optional<uint32_t>> DatabaseImpl::DocidOf(const std::string& product_id) {
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * st,
                         conn_->Prepare("SELECT docid FROM products WHERE id = ?1"));
  st->BindText(1, product_id);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<uint32_t>();
  const int64_t docid = st->ColumnInt(0);
  st->Reset();
  return std::optional<uint32_t>(static_cast<uint32_t>(docid));
}

Status DatabaseImpl::SetRankerSetting(const storage::WriteToken& t, const std::string& ranker) {
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      t.conn()->Prepare("INSERT INTO settings(key, value) VALUES ('ranker', ?1) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  st->BindText(1, ranker);
  return st->Run();
}

Result<Generations> DatabaseImpl::ReadGenerations() {
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("SELECT key, value FROM meta WHERE key IN "
                     "('gen_catalog', 'gen_config', 'gen_models')"));
  Generations g;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    std::string_view key = st->ColumnText(0);
    int64_t v = st->ColumnInt(1);
    if (key == "gen_catalog") g.catalog = v;
    if (key == "gen_config") g.config = v;
    if (key == "gen_models") g.models = v;
  }
  return g;
}

Status DatabaseImpl::BumpGenerations(unsigned parts) {
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("INSERT INTO meta(key, value) VALUES (?1, 1) "
                     "ON CONFLICT(key) DO UPDATE SET value = value + 1"));
  const std::pair<unsigned, const char*> keys[] = {
      {kCatalogPart, "gen_catalog"}, {kConfigPart, "gen_config"}, {kModelsPart, "gen_models"}};
  for (const auto& [part, key] : keys) {
    if (!(parts & part)) continue;
    st->Reset();
    st->BindText(1, key);
    SAIKI_RETURN_IF_ERROR(st->Run());
  }
  return Status::Ok();
}

Status DatabaseImpl::Reload(unsigned parts) {
  // One read transaction (or the caller's) so that the parts read are one
  // consistent snapshot.
  storage::ReadTransaction snapshot(conn_.get());
  SAIKI_RETURN_IF_ERROR(snapshot.Begin());

  SAIKI_ASSIGN_OR_RETURN(storage::Statement * dv, conn_->Prepare("PRAGMA data_version"));
  SAIKI_ASSIGN_OR_RETURN(bool row, dv->Step());
  const int64_t data_version = row ? dv->ColumnInt(0) : 0;
  dv->Reset();
  SAIKI_ASSIGN_OR_RETURN(Generations gens, ReadGenerations());
  if (!state_) {
    parts = kAllParts;
  } else {
    if (gens.catalog != state_->generations.catalog) parts |= kCatalogPart;
    if (gens.config != state_->generations.config) parts |= kConfigPart;
    if (gens.models != state_->generations.models) parts |= kModelsPart;
  }
  auto next = state_ ? std::make_shared<EngineState>(*state_) : std::make_shared<EngineState>();
  if (parts & kCatalogPart) {
    SAIKI_ASSIGN_OR_RETURN(next->catalog, LoadCatalogState());
  }
  if (parts & kConfigPart) {
    SAIKI_ASSIGN_OR_RETURN(next->config, LoadConfigState());
  }
  // The position-bias prior depends on a setting.
  if (parts & (kModelsPart | kConfigPart)) {
    SAIKI_ASSIGN_OR_RETURN(next->models, LoadModelState(next->config->settings));
  }
  next->generations = gens;
  next->data_version = data_version;
  SAIKI_RETURN_IF_ERROR(snapshot.End());
  // Posting lists cached from the old catalogue may be gone.
  if (parts & kCatalogPart) cache_->Clear();
  state_ = std::move(next);
  return Status::Ok();
}

Result<std::shared_ptr<const CatalogState>> DatabaseImpl::LoadCatalogState() {
  auto catalog = std::make_shared<CatalogState>();
  index::DocTable& docs = catalog->docs;
  // The docs table is an array by docid, so the docids of the blobs are
  // checked before anything is sized by them: against each segment's row,
  // and the rows against the largest docid the products table ever handed
  // out (AUTOINCREMENT keeps it in sqlite_sequence). A corrupt blob or row
  // is then kCorruption, not an allocation of gigabytes.
  SAIKI_ASSIGN_OR_RETURN(const uint32_t max_docid, MaxAssignedDocid());
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * seq,
                         conn_->Prepare("SELECT max(last_docid) FROM segments"));
  SAIKI_ASSIGN_OR_RETURN(bool seq_row, seq->Step());
  const int64_t max_last = seq_row ? seq->ColumnInt(0) : 0;  // NULL reads as 0
  seq->Reset();
  if (max_last >= 1 && max_last <= max_docid) {
    try {
      docs.Reserve(static_cast<uint32_t>(max_last) + 1);
    } catch (const std::bad_alloc&) {  // no exception may cross the API
      return Status::ResourceExhausted(conn_->path() + ": no memory for the docs table of " +
                                       std::to_string(max_last) + " docids");
    }
  }
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("SELECT seg, first_docid, last_docid, ndocs, docs FROM segments ORDER BY seg"));
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool more, st->Step());
    if (!more) break;
    int64_t seg = st->ColumnInt(0);
    index::SegmentDocsRow row{st->ColumnInt(1), st->ColumnInt(2), st->ColumnInt(3)};
    Status s = index::DecodeSegmentDocs(st->ColumnBlob(4), row, max_docid,
                                        [&docs](const index::DocInfo& d) { docs.Add(d); });
    if (!s.ok()) {
      st->Reset();
      return s.WithContext(conn_->path() + ": segment " + std::to_string(seg));
    }
  }
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * tomb,
                         conn_->Prepare("SELECT docid FROM tombstones"));
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool more, tomb->Step());
    if (!more) break;
    docs.Remove(static_cast<uint32_t>(tomb->ColumnInt(0)));
  }
  return std::shared_ptr<const CatalogState>(std::move(catalog));
}

Result<std::shared_ptr<const ConfigState>> DatabaseImpl::LoadConfigState() {
  auto config = std::make_shared<ConfigState>();
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * st,
                         conn_->Prepare("SELECT key, value FROM settings"));
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool more, st->Step());
    if (!more) break;
    std::string key(st->ColumnText(0));
    Status s = ApplySetting(&config->settings, key, std::string(st->ColumnText(1)));
    if (s.code() == StatusCode::kNotFound) continue;  // a key of a newer saiki: ignore
    if (!s.ok()) {
      st->Reset();
      return s.WithContext(conn_->path() + ": stored settings");
    }
  }
  SAIKI_ASSIGN_OR_RETURN(storage::Statement * syn,
                         conn_->Prepare("SELECT term, grp FROM synonyms ORDER BY grp, term"));
  std::unordered_map<int64_t, std::vector<std::string>> groups;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool more, syn->Step());
    if (!more) break;
    groups[syn->ColumnInt(1)].emplace_back(syn->ColumnText(0));
  }
  for (auto& [grp, terms] : groups) {
    for (const auto& t : terms) config->synonyms[t] = terms;
  }
  return std::shared_ptr<const ConfigState>(std::move(config));
}

Result<std::string> DatabaseImpl::GetSetting(const std::string& key) {
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  return GetSettingValue(state_->settings(), key);
}

Status DatabaseImpl::SetSetting(const std::string& key, const std::string& value) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  SAIKI_ASSIGN_OR_RETURN(std::string canonical, CanonicalSettingValue(key, value));
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("INSERT INTO settings(key, value) VALUES (?1, ?2) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  st->BindText(1, key).BindText(2, canonical);
  SAIKI_RETURN_IF_ERROR(st->Run());
  SAIKI_RETURN_IF_ERROR(BumpGenerations(kConfigPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  return Reload(kConfigPart);
}

Result<std::vector<std::pair<std::string, std::string>>> DatabaseImpl::ListSettings() {
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  return ListSettingValues(state_->settings());
}

Result<std::optional<Product>> DatabaseImpl::GetProduct(const std::string& id) {
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("SELECT id, title, description, brand, category, price, rating, "
                     "review_count, tags, attrs FROM products WHERE id = ?1"));
  st->BindText(1, id);
  SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<Product>();
  Product p;
  p.id = st->ColumnText(0);
  p.title = st->ColumnText(1);
  p.description = st->ColumnText(2);
  p.brand = st->ColumnText(3);
  p.category = st->ColumnText(4);
  if (!st->ColumnIsNull(5)) p.price = st->ColumnDouble(5);
  if (!st->ColumnIsNull(6)) p.rating = st->ColumnDouble(6);
  if (!st->ColumnIsNull(7)) p.review_count = st->ColumnInt(7);
  p.tags = st->ColumnText(8);
  std::string attrs(st->ColumnText(9));
  st->Reset();
  // attrs is a flat JSON object written by the importer; decode it with the
  // same library.
  SAIKI_RETURN_IF_ERROR(DecodeAttributes(attrs, &p.attributes));
  return std::optional<Product>(std::move(p));
}

Result<Stats> DatabaseImpl::GetStats() {
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  Stats s;
  s.schema_version = storage::kSchemaVersion;
  auto count = [&](const char* sql) -> Result<int64_t> {
    SAIKI_ASSIGN_OR_RETURN(storage::Statement * st, conn_->Prepare(sql));
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    int64_t v = row ? st->ColumnInt(0) : 0;
    st->Reset();
    return v;
  };
  SAIKI_ASSIGN_OR_RETURN(int64_t products, count("SELECT count(*) FROM products"));
  s.products = static_cast<uint64_t>(products);
  SAIKI_ASSIGN_OR_RETURN(int64_t segs, count("SELECT count(*) FROM segments"));
  s.segments = static_cast<uint64_t>(segs);
  SAIKI_ASSIGN_OR_RETURN(int64_t terms, count("SELECT count(*) FROM postings"));
  s.terms = static_cast<uint64_t>(terms);
  SAIKI_ASSIGN_OR_RETURN(int64_t tombs, count("SELECT count(*) FROM tombstones"));
  s.deleted_pending = static_cast<uint64_t>(tombs);
  SAIKI_ASSIGN_OR_RETURN(int64_t bytes,
                         count("SELECT coalesce(sum(length(data)), 0) FROM postings"));
  s.postings_bytes = static_cast<uint64_t>(bytes);
  struct stat st;
  if (::stat(conn_->path().c_str(), &st) == 0) s.file_bytes = static_cast<uint64_t>(st.st_size);
  return s;
}

Result<uint64_t> DatabaseImpl::LoadSynonyms(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open synonyms file");
  std::vector<std::vector<std::string>> groups;
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.size() > 64 * 1024) {
      return Status::InvalidArgument(path + " line " + std::to_string(line_no) +
                                     ": line longer than 65536 bytes");
    }
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::string normalized = analyzer_->Normalize(line);
    if (normalized.find("\xEF\xBF\xBD") != std::string::npos) {
      return Status::InvalidArgument(path + " line " + std::to_string(line_no) +
                                     ": invalid UTF-8");
    }
    std::istringstream words(normalized);
    std::vector<std::string> group;
    std::string w;
    while (words >> w) {
      if (std::find(group.begin(), group.end(), w) == group.end()) group.push_back(w);
    }
    if (group.size() == 1) {
      return Status::InvalidArgument(path + " line " + std::to_string(line_no) +
                                     ": a synonym group needs at least two terms");
    }
    if (!group.empty()) groups.push_back(std::move(group));
  }
  if (in.bad()) return Status::IoError(path + ": read failed");
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  SAIKI_RETURN_IF_ERROR(conn_->Exec("DELETE FROM synonyms"));
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * ins,
      conn_->Prepare("INSERT INTO synonyms(term, grp) VALUES (?1, ?2) "
                     "ON CONFLICT(term) DO UPDATE SET grp = excluded.grp"));
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const auto& term : groups[g]) {
      ins->Reset();
      ins->BindText(1, term).Bind(2, static_cast<int64_t>(g));
      SAIKI_RETURN_IF_ERROR(ins->Run());
    }
  }
  SAIKI_RETURN_IF_ERROR(BumpGenerations(kConfigPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  SAIKI_RETURN_IF_ERROR(Reload(kConfigPart));
  return static_cast<uint64_t>(groups.size());
}

Result<const index::TermPostings*> PostingCache::Lookup(std::string_view term) {
  auto it = entries_.find(term);
  if (it != entries_.end()) return it->second.get();
  SAIKI_ASSIGN_OR_RETURN(
      storage::Statement * st,
      conn_->Prepare("SELECT seg, data FROM postings WHERE term = ?1 ORDER BY seg"));
  st->BindBlob(1, term);
  std::unique_ptr<index::TermPostings> tp;
  for (;;) {
    SAIKI_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    if (!tp) tp = std::make_unique<index::TermPostings>();
    std::string_view blob = st->ColumnBlob(1);
    auto list = index::PostingList::Parse(std::string(blob));
    if (!list.ok()) {
      int64_t seg = st->ColumnInt(0);
      st->Reset();
      return list.status().WithContext(conn_->path() + ": segment " + std::to_string(seg));
    }
    bytes_ += blob.size();
    tp->df += list->ndocs;
    tp->lists.push_back(std::move(list).value());
  }
  st->Reset();
  auto [pos, _] = entries_.emplace(std::string(term), std::move(tp));
  return pos->second.get();
}

void PostingCache::Trim() {
  // A simple bound: drop everything past the budget. Queries touch few
  // terms, so a full reset is rare and cheap to recover from. Called between
  // queries only, never while a query holds pointers into the cache.
  if (bytes_ > kPostingCacheBytes) Clear();
}

Status DecodeAttributes(const std::string& json,
                        std::vector<std::pair<std::string, std::string>>* out) {
  auto parsed = nlohmann::ordered_json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return Status::Corruption("product attributes are not a JSON object");
  for (const auto& [key, value] : parsed.items()) {
    if (!value.is_string()) return Status::Corruption("product attribute is not a string");
    out->emplace_back(key, value.get<std::string>());
  }
  return Status::Ok();
}

std::string EncodeAttributes(const std::vector<std::pair<std::string, std::string>>& attrs) {
  nlohmann::ordered_json obj = nlohmann::ordered_json::object();
  for (const auto& [k, v] : attrs) obj[k] = v;
  return obj.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace engine
}  // namespace saiki
