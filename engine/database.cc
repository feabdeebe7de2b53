// Database: opening, the state derived from the file, settings, stats and
// synonyms. See database_impl.h for how the engine's files divide the work.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <unordered_map>

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
  if (options.page_cache_kib < 0 || options.page_cache_kib > (1 << 20)) {
    return Status::InvalidArgument("page cache must be 0..1048576 KiB");
  }
  storage::ConnectionOptions co;
  co.create_if_missing = options.create_if_missing;
  co.read_only = options.read_only;
  co.busy_timeout_ms = options.busy_timeout_ms;
  std::unique_ptr<DatabaseImpl> db(new DatabaseImpl());
  SAIKI_ASSIGN_OR_RETURN(db->conn_, storage::Connection::Open(path, co));
  SAIKI_RETURN_IF_ERROR(storage::PrepareSchema(db->conn_.get(), options.read_only));
  if (options.page_cache_kib > 0) {
    // After PrepareSchema: the pragma reads the schema, and a file that is
    // not a database must get PrepareSchema's message.
    const std::string pragma = "PRAGMA cache_size=-" + std::to_string(options.page_cache_kib);
    SAIKI_RETURN_IF_ERROR(db->conn_->Exec(pragma.c_str()));
  }
  SAIKI_ASSIGN_OR_RETURN(db->analyzer_, index::Analyzer::Create());
  db->read_only_ = options.read_only;
  db->clock_ = options.clock;
  db->meta_store_ = std::make_unique<storage::MetaStore>(db->conn_.get());
  db->catalog_store_ = std::make_unique<storage::CatalogStore>(db->conn_.get());
  db->index_store_ = std::make_unique<storage::IndexStore>(db->conn_.get());
  db->logs_ = std::make_unique<storage::LogStore>(db->conn_.get());
  db->models_ = std::make_unique<storage::ModelStore>(db->conn_.get());
  db->cache_ = std::make_unique<PostingCache>(db->index_store_.get());
  SAIKI_RETURN_IF_ERROR(db->UpgradePostingsFormat());
  SAIKI_RETURN_IF_ERROR(db->UpgradeAnalysis());
  SAIKI_RETURN_IF_ERROR(db->Reload(kAllParts));
  db->UpgradeCategoryMedians();
  return std::unique_ptr<Database>(std::move(db));
}

Status DatabaseImpl::EnsureFresh() {
  SAIKI_ASSIGN_OR_RETURN(int64_t version, meta_store_->DataVersion());
  if (state_ && version == state_->data_version) return Status::Ok();
  return Reload(0);
}

Result<uint32_t> DatabaseImpl::MaxAssignedDocid() {
  SAIKI_ASSIGN_OR_RETURN(int64_t max_assigned, catalog_store_->MaxAssignedDocid());
  return static_cast<uint32_t>(
      std::clamp<int64_t>(max_assigned, 0, static_cast<int64_t>(index::kMaxDocid)));
}

Result<Generations> DatabaseImpl::ReadGenerations() {
  SAIKI_ASSIGN_OR_RETURN(storage::GenerationCounters c, meta_store_->ReadGenerations());
  Generations g;
  g.catalog = c.catalog;
  g.config = c.config;
  g.models = c.models;
  return g;
}

Status DatabaseImpl::BumpGenerations(const storage::WriteToken& token, unsigned parts) {
  const std::pair<unsigned, storage::GenerationCounter> counters[] = {
      {kCatalogPart, storage::GenerationCounter::kCatalog},
      {kConfigPart, storage::GenerationCounter::kConfig},
      {kModelsPart, storage::GenerationCounter::kModels}};
  for (const auto& [part, counter] : counters) {
    if (parts & part) SAIKI_RETURN_IF_ERROR(meta_store_->BumpGeneration(token, counter));
  }
  return Status::Ok();
}

Status DatabaseImpl::Reload(unsigned parts, std::shared_ptr<const CatalogState> committed) {
  // One read transaction (or the caller's) so that the parts read are one
  // consistent snapshot.
  storage::ReadTransaction snapshot(conn_.get());
  SAIKI_RETURN_IF_ERROR(snapshot.Begin());

  SAIKI_ASSIGN_OR_RETURN(const int64_t data_version, meta_store_->DataVersion());
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
    if (committed && committed->generation == gens.catalog) {
      // What this connection's write built and committed, and nobody has
      // written since: no need to read it again.
      next->catalog = std::move(committed);
    } else {
      SAIKI_ASSIGN_OR_RETURN(next->catalog, LoadCatalogState(gens.catalog));
    }
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
  if (parts & kCatalogPart) {
    cache_->Clear();
    typo_cache_.clear();
  }
  state_ = std::move(next);
  return Status::Ok();
}

Result<std::shared_ptr<CatalogState>> DatabaseImpl::LoadCatalogState(int64_t generation) {
  auto catalog = std::make_shared<CatalogState>();
  catalog->generation = generation;
  index::DocTable& docs = catalog->docs;
  // The docs table is an array by docid, so the docids of the blobs are
  // checked before anything is sized by them: against each segment's row,
  // and the rows against the largest docid the products table ever handed
  // out (AUTOINCREMENT keeps it in sqlite_sequence). A corrupt blob or row
  // is then kCorruption, not an allocation of gigabytes.
  SAIKI_ASSIGN_OR_RETURN(const uint32_t max_docid, MaxAssignedDocid());
  SAIKI_ASSIGN_OR_RETURN(const int64_t max_last, index_store_->MaxLastDocid());
  if (max_last >= 1 && max_last <= max_docid) {
    try {
      docs.Reserve(static_cast<uint32_t>(max_last) + 1);
    } catch (const std::bad_alloc&) {  // no exception may cross the API
      return Status::ResourceExhausted(conn_->path() + ": no memory for the docs table of " +
                                       std::to_string(max_last) + " docids");
    }
  }
  // Each blob is read in place through SQLite's incremental blob I/O (a
  // copy of the whole blob, 40 MB at 1M products, cost as much again in
  // page faults and zero-filling as the docs table): a format 3 blob's hot
  // column straight into the table, its cold column only when a query
  // first needs it (DocTable::EnsureCold, through the reader below); older
  // formats decoded a chunk at a time.
  auto sizes = std::make_shared<std::unordered_map<int64_t, size_t>>();
  docs.SetColdReader([store = index_store_.get(), path = conn_->path(),
                      sizes](int64_t seg) -> Result<index::BlobReadAt> {
    const std::string where = path + ": segment " + std::to_string(seg);
    auto blob = store->OpenSegmentDocs(seg);
    if (!blob.ok()) return blob.status().WithContext(where);
    // Segments are never rewritten in place: one gone or of another size
    // means the file changed since the docs table was read (a caller
    // outside the snapshot the table came from).
    auto known = sizes->find(seg);
    if (known == sizes->end() || (*blob)->size() != known->second) {
      return Status::Corruption(where + ": its docs blob changed since the docs table was read");
    }
    std::shared_ptr<storage::BlobReader> open = std::move(*blob);
    return index::BlobReadAt([open, where](size_t offset, std::span<char> out) {
      return open->Read(offset, out).WithContext(where);
    });
  });
  // Format 4's cold rows, by chunk from table doc_cold: a point read per
  // chunk for the re-ranker's candidates (DocTable::EnsureColdRows), one
  // scan per segment for all of them (EnsureCold). Chunks change only with
  // their segment, which is never rewritten in place.
  index::ColdChunkSource chunks;
  chunks.read = [store = index_store_.get(), path = conn_->path()](
                    int64_t seg, int64_t chunk, std::string* out) -> Result<bool> {
    auto found = store->ColdChunk(seg, chunk, out);
    if (!found.ok()) return found.status().WithContext(path + ": segment " + std::to_string(seg));
    return found;
  };
  chunks.scan = [store = index_store_.get(), path = conn_->path()](
                    int64_t seg, const index::ColdChunkVisitor& visit) -> Status {
    return store->ForEachColdChunk(seg, visit).WithContext(path);
  };
  docs.SetChunkReader(std::move(chunks));
  SAIKI_RETURN_IF_ERROR(index_store_->ForEachSegmentRow(
      [&](const storage::SegmentView& seg, size_t) -> Status {
        const std::string where = conn_->path() + ": segment " + std::to_string(seg.seg);
        SAIKI_ASSIGN_OR_RETURN(std::unique_ptr<storage::BlobReader> blob,
                               index_store_->OpenSegmentDocs(seg.seg));
        (*sizes)[seg.seg] = blob->size();
        index::SegmentDocsRow row{seg.first_docid, seg.last_docid, seg.ndocs};
        auto read = [&blob](size_t offset, std::span<char> out) {
          return blob->Read(offset, out);
        };
        return docs.LoadSegment(seg.seg, blob->size(), read, row, max_docid).WithContext(where);
      }));
  SAIKI_ASSIGN_OR_RETURN(std::vector<int64_t> tombstones, index_store_->Tombstones());
  for (int64_t docid : tombstones) docs.Remove(static_cast<uint32_t>(docid));
  // The category medians, when stored for this catalogue: computing them
  // takes a pass over every product and a selection per category (about 8
  // ms and 12 MB of scratch at 1M products). Stored for another generation
  // (an older saiki changed the catalogue since), they are stale and are
  // computed on first use instead.
  SAIKI_ASSIGN_OR_RETURN(std::optional<std::string> stored, index_store_->CategoryMedians());
  if (stored) {
    int64_t stored_generation = -1;
    ranker::CategoryMedians medians;
    Status s = ranker::DecodeCategoryMedians(*stored, &stored_generation, &medians);
    if (!s.ok()) return s.WithContext(conn_->path() + ": meta.category_medians");
    if (stored_generation == generation) catalog->SetMedians(std::move(medians));
  }
  // Medians computed on first use (CatalogState::Medians, which cannot
  // fail) read every cold row: those are read now, in this snapshot.
  if (!catalog->has_medians()) SAIKI_RETURN_IF_ERROR(docs.EnsureCold());
  return catalog;
}

Result<std::shared_ptr<const CatalogState>> DatabaseImpl::StoreCatalogMedians(
    const storage::WriteToken& token) {
  SAIKI_ASSIGN_OR_RETURN(Generations gens, ReadGenerations());
  SAIKI_ASSIGN_OR_RETURN(std::shared_ptr<CatalogState> catalog, LoadCatalogState(gens.catalog));
  if (!catalog->has_medians()) {
    catalog->SetMedians(ranker::ComputeCategoryMedians(catalog->docs));
  }
  SAIKI_RETURN_IF_ERROR(index_store_->SetCategoryMedians(
      token, ranker::EncodeCategoryMedians(gens.catalog, catalog->Medians())));
  return std::shared_ptr<const CatalogState>(std::move(catalog));
}

void DatabaseImpl::UpgradeCategoryMedians() {
  const CatalogState& current = *state_->catalog;
  if (read_only_ || current.has_medians() || current.docs.live_count() == 0) return;
  // A cache, not the catalogue: the open goes on whatever happens here (the
  // medians are then computed on first use, as before), and it does not
  // wait for a write lock another process holds.
  auto txn = storage::WriteTransaction::TryBegin(conn_.get());
  if (!txn.ok()) return;
  auto gens = ReadGenerations();
  // Another process changed the catalogue since the state was read: it
  // stored the medians of its own, or (an older saiki) left them stale.
  if (!gens.ok() || gens->catalog != current.generation) return;
  Status stored = index_store_->SetCategoryMedians(
      (*txn)->token(), ranker::EncodeCategoryMedians(gens->catalog, current.Medians()));
  if (stored.ok()) (void)(*txn)->Commit();  // rolled back otherwise
}

Result<std::shared_ptr<const ConfigState>> DatabaseImpl::LoadConfigState() {
  auto config = std::make_shared<ConfigState>();
  SAIKI_ASSIGN_OR_RETURN(auto settings, catalog_store_->ListSettings());
  for (const auto& [key, value] : settings) {
    Status s = ApplySetting(&config->settings, key, value);
    if (s.code() == StatusCode::kNotFound) continue;  // a key of a newer saiki: ignore
    if (!s.ok()) return s.WithContext(conn_->path() + ": stored settings");
  }
  SAIKI_ASSIGN_OR_RETURN(auto synonyms, catalog_store_->ListSynonyms());
  std::unordered_map<int64_t, std::vector<std::string>> groups;
  for (auto& [grp, term] : synonyms) groups[grp].push_back(std::move(term));
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
  SAIKI_RETURN_IF_ERROR(catalog_store_->PutSetting(txn->token(), key, canonical));
  SAIKI_RETURN_IF_ERROR(BumpGenerations(txn->token(), kConfigPart));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  return Reload(kConfigPart);
}

Result<std::vector<std::pair<std::string, std::string>>> DatabaseImpl::ListSettings() {
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  return ListSettingValues(state_->settings());
}

Result<std::optional<Product>> DatabaseImpl::GetProduct(const std::string& id) {
  SAIKI_ASSIGN_OR_RETURN(std::optional<storage::ProductRow> row, catalog_store_->GetProduct(id));
  if (!row) return std::optional<Product>();
  Product p;
  p.id = std::move(row->id);
  p.title = std::move(row->title);
  p.description = std::move(row->description);
  p.brand = std::move(row->brand);
  p.category = std::move(row->category);
  p.price = row->price;
  p.rating = row->rating;
  p.review_count = row->review_count;
  p.tags = std::move(row->tags);
  // attrs is a flat JSON object written by the importer; decode it with the
  // same library.
  SAIKI_RETURN_IF_ERROR(DecodeAttributes(row->attrs_json, &p.attributes));
  return std::optional<Product>(std::move(p));
}

Result<Stats> DatabaseImpl::GetStats() {
  SAIKI_RETURN_IF_ERROR(EnsureFresh());
  Stats s;
  s.schema_version = storage::kSchemaVersion;
  SAIKI_ASSIGN_OR_RETURN(int64_t products, catalog_store_->CountProducts());
  s.products = static_cast<uint64_t>(products);
  SAIKI_ASSIGN_OR_RETURN(int64_t segs, index_store_->CountSegments());
  s.segments = static_cast<uint64_t>(segs);
  SAIKI_ASSIGN_OR_RETURN(int64_t terms, index_store_->CountLists());
  s.terms = static_cast<uint64_t>(terms);
  SAIKI_ASSIGN_OR_RETURN(int64_t tombs, index_store_->CountTombstones());
  s.deleted_pending = static_cast<uint64_t>(tombs);
  SAIKI_ASSIGN_OR_RETURN(int64_t bytes, index_store_->ListBytes());
  s.postings_bytes = static_cast<uint64_t>(bytes);
  struct stat st;
  if (::stat(conn_->path().c_str(), &st) == 0) s.file_bytes = static_cast<uint64_t>(st.st_size);
  return s;
}

Result<const index::TermPostings*> PostingCache::Lookup(std::string_view term) {
  auto it = entries_.find(term);
  if (it != entries_.end()) return it->second.get();
  std::unique_ptr<index::TermPostings> tp;
  size_t bytes = 0;
  SAIKI_RETURN_IF_ERROR(
      store_->ReadListsOfTerm(term, [&](int64_t seg, std::string blob) -> Status {
        const size_t size = blob.size();
        auto list = index::PostingList::Parse(std::move(blob));
        if (!list.ok()) {
          return list.status().WithContext(store_->path() + ": segment " + std::to_string(seg));
        }
        if (!tp) tp = std::make_unique<index::TermPostings>();
        bytes += size;
        tp->df += list->ndocs;
        tp->lists.push_back(std::move(list).value());
        return Status::Ok();
      }));
  bytes_ += bytes;
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
