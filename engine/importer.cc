// CSV import and delete: where product data enters the database.
//
// An import is one transaction: rows are validated, upserted into
// `products` (a replaced product gets a new docid; the old one becomes a
// tombstone until the next merge), analyzed into an in-memory segment that
// is set aside in a scratch file whenever it passes the memory budget
// (index/segment_runs.h), and at the end joined into one new segment and
// committed. A bad row is reported and skipped; a bad file (empty, no
// header, no id column) stores nothing; --strict stores nothing if any row
// is bad.
//
// Analysis (normalization, ICU segmentation, n-grams, MeCab readings) is
// the larger half of an import's CPU and needs nothing from SQLite, so it
// runs on two threads, one batch of rows at a time: this thread inserts the
// batch into `products` and reads the next one from the file while a worker
// adds the previous, already analyzed batch to the segment (the inversion);
// then both analyze the rows of the batch neither has claimed yet. The segment builder still sees every
// document in file order with the same docid, and segments are cut at the
// same rows, so the same file gives the same database however the two
// threads are scheduled.
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "engine/csv_reader.h"
#include "engine/database_impl.h"

namespace saiki::engine {
namespace {

enum KnownField {
  kId, kTitleCol, kDescriptionCol, kBrandCol, kCategoryCol, kPriceCol, kRatingCol,
  kReviewCountCol, kTagsCol, kNumKnown
};
const char* const kKnownNames[kNumKnown] = {"id",       "title", "description",
                                            "brand",    "category", "price",
                                            "rating",   "review_count", "tags"};

std::string Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string AsciiLower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Parses a price as shops write it: 1980, 1980.5, 1,980, ¥1,980, ￥1980,
// 1980円. Empty means unknown. Anything else, or a negative or non-finite
// number, is an error.
Result<std::optional<double>> ParsePrice(std::string_view raw) {
  std::string s = Trimmed(raw);
  if (s.empty()) return std::optional<double>();
  std::string_view v = s;
  for (std::string_view prefix : {"\xC2\xA5", "\xEF\xBF\xA5", "\\"}) {  // ¥ ￥ and the JIS yen
    if (v.substr(0, prefix.size()) == prefix) v.remove_prefix(prefix.size());
  }
  std::string_view yen = "\xE5\x86\x86";  // 円
  if (v.size() >= yen.size() && v.substr(v.size() - yen.size()) == yen) {
    v.remove_suffix(yen.size());
  }
  std::string digits;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    // A comma is a thousands separator only between digits.
    if (c == ',' && i > 0 && i + 1 < v.size() && std::isdigit((unsigned char)v[i - 1]) &&
        std::isdigit((unsigned char)v[i + 1])) {
      continue;
    }
    digits += c;
  }
  double value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() ||
      !std::isfinite(value)) {
    return Status::InvalidArgument("price '" + s + "' is not a number");
  }
  if (value < 0) return Status::InvalidArgument("price '" + s + "' is negative");
  return std::optional<double>(value);
}

Result<std::optional<double>> ParseRating(std::string_view raw) {
  std::string s = Trimmed(raw);
  if (s.empty()) return std::optional<double>();
  double value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(value)) {
    return Status::InvalidArgument("rating '" + s + "' is not a number");
  }
  if (value < 0 || value > 5) {
    return Status::InvalidArgument("rating '" + s + "' is outside 0..5");
  }
  return std::optional<double>(value);
}

Result<std::optional<int64_t>> ParseCount(std::string_view raw) {
  std::string s = Trimmed(raw);
  if (s.empty()) return std::optional<int64_t>();
  std::string digits;
  for (char c : s) {
    if (c != ',') digits += c;
  }
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || value < 0) {
    return Status::InvalidArgument("review_count '" + s + "' is not a whole number >= 0");
  }
  return std::optional<int64_t>(value);
}

// Which column holds each known field, and which are extra attributes.
struct ColumnMap {
  int known[kNumKnown];
  std::vector<std::pair<int, std::string>> extra;  // column, header name
  size_t columns = 0;
};

Result<ColumnMap> MapHeader(const std::vector<std::string>& header, const std::string& field_map,
                            const std::string& name) {
  // field -> header name, from --map, defaulting to the field's own name.
  std::string wanted[kNumKnown];
  for (int f = 0; f < kNumKnown; ++f) wanted[f] = kKnownNames[f];
  std::string_view rest = field_map;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string item = Trimmed(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument("--map item '" + item + "' is not FIELD=COLUMN");
    }
    std::string field = AsciiLower(Trimmed(item.substr(0, eq)));
    std::string column = Trimmed(item.substr(eq + 1));
    int f = 0;
    while (f < kNumKnown && field != kKnownNames[f]) ++f;
    if (f == kNumKnown) {
      return Status::InvalidArgument("--map: unknown field '" + field +
                                     "' (fields: id, title, description, brand, category, "
                                     "price, rating, review_count, tags)");
    }
    wanted[f] = column;
  }
  ColumnMap map;
  map.columns = header.size();
  for (int f = 0; f < kNumKnown; ++f) map.known[f] = -1;
  for (size_t c = 0; c < header.size(); ++c) {
    std::string h = Trimmed(header[c]);
    for (size_t d = 0; d < c; ++d) {
      if (Trimmed(header[d]) == h) {
        return Status::InvalidArgument(name + " line 1: column '" + h + "' appears twice");
      }
    }
    int f = 0;
    while (f < kNumKnown && AsciiLower(h) != AsciiLower(wanted[f])) ++f;
    if (f < kNumKnown) {
      map.known[f] = static_cast<int>(c);
    } else {
      map.extra.emplace_back(static_cast<int>(c), h);
    }
  }
  if (map.known[kId] < 0) {
    std::string found;
    for (size_t c = 0; c < header.size() && c < 12; ++c) {
      found += (c ? ", " : "") + Trimmed(header[c]);
    }
    return Status::InvalidArgument(name + ": no '" + wanted[kId] +
                                   "' column in the header (found: " + found +
                                   "); name the id column with --map id=COLUMN");
  }
  return map;
}

// A validated row waiting to be stored and indexed. `doc` views the texts
// held by `record`.
struct PendingRow {
  CsvRecord record;
  std::string id;
  std::optional<double> price, rating;
  std::optional<int64_t> reviews;
  index::IndexableDoc doc;
  index::AnalyzedDoc analyzed;
  uint32_t docid = 0;
};

// Rows are analyzed in batches: big enough that the hand-over between the
// threads costs nothing per row, small enough that the batch in flight stays
// in the caches. Rows and their buffers are reused from batch to batch.
constexpr size_t kBatchRows = 256;

struct Batch {
  std::vector<PendingRow> rows;
  size_t size = 0;
  // The next row to analyze: the worker and the importing thread claim rows
  // from it, so neither waits while the other has rows left.
  std::atomic<size_t> next{0};

  // Analyzes unclaimed rows until none are left.
  void AnalyzeClaimed(const index::SegmentBuilder& builder) {
    for (size_t i = next.fetch_add(1, std::memory_order_relaxed); i < size;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      builder.Analyze(rows[i].doc, &rows[i].analyzed);
    }
  }
};

// Adds the analyzed rows of `batch` from row `*from` on to the segment, in
// order, skipping repeated ids (docid 0). Stops after the row that takes the
// builder past `budget` and returns true then (the caller writes the segment
// out and calls again); false once every row is added.
bool AddRows(const Batch& batch, size_t* from, index::SegmentBuilder* builder, size_t budget) {
  while (*from < batch.size) {
    const PendingRow& row = batch.rows[(*from)++];
    if (row.docid == 0) continue;  // a repeated id, not stored
    builder->Add(row.docid, row.analyzed);
    if (builder->memory_bytes() > budget) return true;
  }
  return false;
}

// One thread that, for each round handed to it, first adds the previous
// batch to the segment (the inversion) and then analyzes rows of the current
// batch, with the importing thread's help once that thread has stored the
// current batch (Batch::next): the importing thread holds the SQLite
// connection and stores, this one inverts, and both analyze, so neither
// waits while the other has work (analysis is the larger share). The
// batches must stay alive and untouched between Submit and Wait, except for
// the helping thread's AnalyzeClaimed; the destructor finishes a round in
// progress and joins. Every row is analyzed alone and the rows are added in
// file order by one thread at a time, so which thread did what changes
// nothing in the result.
class AnalysisWorker {
 public:
  AnalysisWorker(index::SegmentBuilder* builder, size_t budget)
      : builder_(builder), budget_(budget), thread_([this] { Loop(); }) {}
  ~AnalysisWorker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  AnalysisWorker(const AnalysisWorker&) = delete;
  AnalysisWorker& operator=(const AnalysisWorker&) = delete;

  // Starts a round: add `to_add` (may be null) from row 0, then analyze
  // `batch`. The builder must not be touched by the caller until Wait.
  void Submit(Batch* batch, const Batch* to_add) {
    batch->next.store(0, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = batch;
      to_add_ = to_add;
      added_ = 0;
      over_budget_ = false;
      done_ = false;
    }
    cv_.notify_all();
  }
  // Helps with the batch's remaining rows, then waits for the worker's.
  // Returns the row of the added batch at which the worker stopped adding
  // because the segment went over budget, or the batch size when it added
  // every row (or nothing was given to add).
  size_t HelpAndWait(Batch* batch) {
    batch->AnalyzeClaimed(*builder_);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return done_; });
    return added_;
  }
  bool over_budget() const { return over_budget_; }  // after HelpAndWait

 private:
  void Loop() {
    for (;;) {
      Batch* batch;
      const Batch* to_add;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || job_ != nullptr; });
        if (job_ == nullptr) return;  // stopping, nothing left
        batch = job_;
        to_add = to_add_;
        job_ = nullptr;
      }
      size_t added = 0;
      bool over = false;
      if (to_add != nullptr) over = AddRows(*to_add, &added, builder_, budget_);
      batch->AnalyzeClaimed(*builder_);
      {
        std::lock_guard<std::mutex> lock(mu_);
        added_ = added;
        over_budget_ = over;
        done_ = true;
      }
      cv_.notify_all();
    }
  }

  index::SegmentBuilder* builder_;
  const size_t budget_;
  std::mutex mu_;
  std::condition_variable cv_;
  Batch* job_ = nullptr;
  const Batch* to_add_ = nullptr;
  size_t added_ = 0;
  bool over_budget_ = false;
  bool done_ = true;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace

Result<bool> DatabaseImpl::RemoveById(const storage::WriteToken& token, const std::string& id) {
  SAIKI_ASSIGN_OR_RETURN(std::optional<int64_t> docid, catalog_store_->DeleteById(token, id));
  if (!docid) return false;
  SAIKI_RETURN_IF_ERROR(index_store_->AddTombstone(token, *docid));
  return true;
}

Result<ImportReport> DatabaseImpl::ImportCsv(const std::string& path,
                                             const ImportOptions& options) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound(path + ": no such file");
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(path + ": cannot open: " + std::strerror(errno));
  ImportOptions opts = options;
  if (options.on_progress && S_ISREG(st.st_mode)) {
    // Give the callback the file size so it can show a percentage.
    uint64_t total = static_cast<uint64_t>(st.st_size);
    opts.on_progress = [total, cb = options.on_progress](const ImportProgress& p) {
      ImportProgress q = p;
      q.bytes_total = total;
      cb(q);
    };
  }
  return ImportCsv(in, path, opts);
}

Result<ImportReport> DatabaseImpl::ImportCsv(std::istream& in, const std::string& name,
                                             const ImportOptions& options) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  if (options.memory_budget_mib < 1 || options.memory_budget_mib > 65536) {
    return Status::InvalidArgument("the import's memory budget must be 1 to 65536 MiB, not " +
                                   std::to_string(options.memory_budget_mib));
  }
  const size_t budget = size_t{options.memory_budget_mib} << 20;
  CsvOptions csv_options;
  csv_options.encoding = options.encoding;
  csv_options.max_field_bytes = kMaxFieldBytes;
  csv_options.max_record_bytes = 16 * kMaxFieldBytes;
  SAIKI_ASSIGN_OR_RETURN(auto reader, CsvReader::Open(&in, name, csv_options));

  CsvRecord record;
  if (!reader->Next(&record)) {
    SAIKI_RETURN_IF_ERROR(reader->io_status());
    return Status::InvalidArgument(name + ": the file is empty (expected a CSV header line)");
  }
  if (!record.error.empty()) {
    std::string hint = options.encoding.empty()
                           ? " (not a UTF-8 CSV file? for Shift_JIS use --encoding cp932)"
                           : "";
    return Status::InvalidArgument(name + " line " + std::to_string(record.line) +
                                   ": bad header: " + record.error + hint);
  }
  SAIKI_ASSIGN_OR_RETURN(ColumnMap map, MapHeader(record.fields, options.field_map, name));

  ImportReport report;
  // The first import into a file writes its pages once, straight into the
  // file (storage::RollbackJournalScope); later ones go through the WAL so
  // that readers keep the last catalogue while the import runs.
  std::optional<storage::RollbackJournalScope> bulk_load;
  SAIKI_ASSIGN_OR_RETURN(int64_t docids_before, catalog_store_->MaxAssignedDocid());
  if (docids_before == 0) bulk_load.emplace(conn_.get());
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  const storage::WriteToken& token = txn->token();
  if (options.replace) SAIKI_RETURN_IF_ERROR(catalog_store_->BeginSeenIds(token));

  index::SegmentBuilder builder(analyzer_.get());
  builder.set_memory_budget(budget);
  // Full builders become runs of one segment, written at the end.
  index::SegmentRuns runs(ScratchDir());
  auto reject = [&](uint64_t line, std::string message) {
    ++report.rejected;
    if (options.on_row_error) options.on_row_error(RowError{line, std::move(message)});
  };
  uint64_t next_progress = 0;
  std::vector<std::pair<std::string, std::string>> attrs;

  // Reads and validates rows into `batch` until it is full or the file ends;
  // false at the end of the file.
  auto fill = [&](Batch* batch) {
    batch->size = 0;
    while (batch->size < kBatchRows) {
      if (!reader->Next(&record)) return false;
      ++report.rows;
      if (options.on_progress && reader->bytes_read() >= next_progress) {
        options.on_progress(ImportProgress{reader->bytes_read(), 0, report.rows});
        next_progress = reader->bytes_read() + (64u << 10);
      }
      if (!record.error.empty()) {
        reject(record.line, record.error);
        continue;
      }
      if (record.fields.size() != map.columns) {
        reject(record.line, "expected " + std::to_string(map.columns) + " fields, found " +
                                std::to_string(record.fields.size()));
        continue;
      }
      auto field = [&](KnownField f) -> std::string_view {
        return map.known[f] < 0 ? std::string_view() : std::string_view(record.fields[map.known[f]]);
      };
      std::string id = Trimmed(field(kId));
      if (id.empty()) {
        reject(record.line, "missing id");
        continue;
      }
      if (id.size() > kMaxIdBytes) {
        reject(record.line, "id is longer than " + std::to_string(kMaxIdBytes) + " bytes");
        continue;
      }
      auto price = ParsePrice(field(kPriceCol));
      if (!price.ok()) {
        reject(record.line, price.status().message());
        continue;
      }
      auto rating = ParseRating(field(kRatingCol));
      if (!rating.ok()) {
        reject(record.line, rating.status().message());
        continue;
      }
      auto reviews = ParseCount(field(kReviewCountCol));
      if (!reviews.ok()) {
        reject(record.line, reviews.status().message());
        continue;
      }
      // Sized once and never grown: `doc` views row.id, which may sit inside
      // the row itself (short-string buffer), so rows must never move.
      if (batch->rows.empty()) batch->rows.resize(kBatchRows);
      PendingRow& row = batch->rows[batch->size++];
      std::swap(row.record, record);  // the row keeps the texts; the reader reuses the old buffers
      row.id = std::move(id);
      row.price = *price;
      row.rating = *rating;
      row.reviews = *reviews;
      auto kept = [&](KnownField f) -> std::string_view {
        return map.known[f] < 0 ? std::string_view()
                                : std::string_view(row.record.fields[map.known[f]]);
      };
      index::IndexableDoc& doc = row.doc;
      doc = index::IndexableDoc();
      doc.id = row.id;
      doc.title = kept(kTitleCol);
      doc.brand = kept(kBrandCol);
      doc.category = kept(kCategoryCol);
      doc.tags = kept(kTagsCol);
      doc.description = kept(kDescriptionCol);
      doc.price = row.price ? static_cast<float>(*row.price)
                            : std::numeric_limits<float>::quiet_NaN();
      if (row.rating) doc.rating = static_cast<float>(*row.rating);
      if (row.reviews) doc.reviews = static_cast<uint32_t>(std::min<int64_t>(*row.reviews, UINT32_MAX));
    }
    return true;
  };

  // Ids repeated within the file. Docids are handed out in increasing order
  // and never reused, so a product stored by this import is one whose docid
  // is at least `first_docid`; `row_lines[docid - first_docid]` is the line
  // it came from (8 bytes per stored row, no set of ids in memory).
  SAIKI_ASSIGN_OR_RETURN(int64_t max_docid, catalog_store_->MaxAssignedDocid());
  const int64_t first_docid = max_docid + 1;
  std::vector<uint64_t> row_lines;
  auto earlier_line = [&](int64_t docid) -> uint64_t {
    return docid >= first_docid && static_cast<uint64_t>(docid - first_docid) < row_lines.size()
               ? row_lines[static_cast<size_t>(docid - first_docid)]
               : 0;
  };
  const char* const kept_name = options.duplicates == DuplicateIds::kFirst ? "first" : "last";
  auto repeated = [&](const PendingRow& row, uint64_t earlier) {
    ++report.duplicates;
    std::string message = "id '" + row.id + "' repeats line " + std::to_string(earlier);
    if (options.duplicates == DuplicateIds::kError) {
      reject(row.record.line, message + " (--duplicates error)");
    } else if (options.on_duplicate) {
      options.on_duplicate(RowError{row.record.line, message + "; the " + kept_name +
                                                         " row is kept (--duplicates " +
                                                         kept_name + ")"});
    }
  };

  // Stores one row in `products` and sets its docid (0: not stored, a
  // repeated id skipped).
  auto store = [&](PendingRow* row) -> Status {
    row->docid = 0;
    if (options.duplicates != DuplicateIds::kLast) {
      SAIKI_ASSIGN_OR_RETURN(std::optional<int64_t> old, catalog_store_->FindDocid(row->id));
      if (old && earlier_line(*old) != 0) {
        repeated(*row, earlier_line(*old));
        return Status::Ok();
      }
    }
    // Upsert: the old version (if any) becomes a tombstone.
    SAIKI_ASSIGN_OR_RETURN(std::optional<int64_t> old, catalog_store_->DeleteById(token, row->id));
    if (old) SAIKI_RETURN_IF_ERROR(index_store_->AddTombstone(token, *old));
    if (old && earlier_line(*old) != 0) {
      repeated(*row, earlier_line(*old));  // kLast: counted once, as inserted or updated
    } else {
      ++(old ? report.updated : report.inserted);
    }
    auto field = [&](KnownField f) -> std::string_view {
      return map.known[f] < 0 ? std::string_view()
                              : std::string_view(row->record.fields[map.known[f]]);
    };
    attrs.clear();
    for (const auto& [col, header] : map.extra) attrs.emplace_back(header, row->record.fields[col]);
    const std::string brand = Trimmed(field(kBrandCol));
    const std::string category = Trimmed(field(kCategoryCol));
    const std::string attrs_json = EncodeAttributes(attrs);
    storage::ProductFields product;
    product.id = row->id;
    product.title = field(kTitleCol);
    product.description = field(kDescriptionCol);
    product.brand = brand;
    product.category = category;
    product.tags = field(kTagsCol);
    product.price = row->price;
    product.rating = row->rating;
    product.review_count = row->reviews;
    product.attrs_json = attrs_json;
    SAIKI_ASSIGN_OR_RETURN(int64_t rowid, catalog_store_->Insert(token, product));
    if (rowid > static_cast<int64_t>(index::kMaxDocid)) {
      return Status::ResourceExhausted(conn_->path() + ": more than " +
                                       std::to_string(index::kMaxDocid) +
                                       " products have ever been inserted (docid limit)");
    }
    row->docid = static_cast<uint32_t>(rowid);
    if (rowid >= first_docid) {
      row_lines.resize(static_cast<size_t>(rowid - first_docid) + 1, 0);
      row_lines.back() = row->record.line;
    }
    if (options.replace) SAIKI_RETURN_IF_ERROR(catalog_store_->MarkSeen(token, row->id));
    return Status::Ok();
  };

  // The pipeline: while this thread stores batch n and then reads batch n+1
  // from the file, the worker adds batch n-1 (analyzed in the previous
  // round) to the segment; then both analyze what is left of batch n. A
  // segment over budget is written out here, between rounds, at the same
  // row as if one thread did everything. Three batches: n-1 being added, n
  // being analyzed, n+1 being read. Declared before the worker, so the
  // batches outlive it.
  Batch batches[3];
  AnalysisWorker worker(&builder, budget);
  Batch* previous = nullptr;  // stored and analyzed, not yet added
  Batch* batch = &batches[0];
  bool more = fill(batch);
  for (size_t cur = 0; batch->size > 0 || previous != nullptr; cur = (cur + 1) % 3) {
    Batch* next = &batches[(cur + 1) % 3];  // neither `batch` nor `previous`
    next->size = 0;
    size_t added = 0;  // rows of `previous` added to the segment
    if (batch->size > 0) {
      worker.Submit(batch, previous);
      for (size_t i = 0; i < batch->size; ++i) SAIKI_RETURN_IF_ERROR(store(&batch->rows[i]));
      if (more) more = fill(next);
      added = worker.HelpAndWait(batch);
      if (worker.over_budget()) SAIKI_RETURN_IF_ERROR(runs.Spill(&builder));
    }
    if (previous != nullptr) {
      while (AddRows(*previous, &added, &builder, budget)) {
        SAIKI_RETURN_IF_ERROR(runs.Spill(&builder));
      }
    }
    previous = batch->size > 0 ? batch : nullptr;
    batch = next;
  }
  SAIKI_RETURN_IF_ERROR(reader->io_status());
  if (options.on_progress) {
    options.on_progress(ImportProgress{reader->bytes_read(), 0, report.rows});
  }
  if (report.rows == 0) {
    return Status::InvalidArgument(name + ": the file has a header but no product rows");
  }
  if (options.strict && report.rejected > 0) {
    return report;  // the transaction rolls back: nothing stored
  }
  if (options.replace) {
    // Products the file no longer lists: deleted, their docids tombstoned.
    SAIKI_ASSIGN_OR_RETURN(std::vector<int64_t> gone, catalog_store_->DeleteUnseen(token));
    for (int64_t docid : gone) SAIKI_RETURN_IF_ERROR(index_store_->AddTombstone(token, docid));
    report.deleted = gone.size();
  }
  SAIKI_RETURN_IF_ERROR(WriteSegment(token, &builder, &runs));
  SAIKI_RETURN_IF_ERROR(MaybeMerge(token));
  SAIKI_RETURN_IF_ERROR(BumpGenerations(token, kCatalogPart));
  SAIKI_ASSIGN_OR_RETURN(auto catalog, StoreCatalogMedians(token));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  report.committed = true;
  SAIKI_RETURN_IF_ERROR(Reload(kCatalogPart, std::move(catalog)));
  return report;
}

Result<uint64_t> DatabaseImpl::DeleteProducts(const std::vector<std::string>& ids,
                                               std::vector<std::string>* not_found) {
  if (read_only_) return Status::IoError(conn_->path() + ": database is opened read-only");
  SAIKI_ASSIGN_OR_RETURN(auto txn, storage::WriteTransaction::Begin(conn_.get()));
  const storage::WriteToken& token = txn->token();
  uint64_t deleted = 0;
  std::vector<std::string> missing;  // handed out only after the commit
  for (const std::string& id : ids) {
    SAIKI_ASSIGN_OR_RETURN(bool existed, RemoveById(token, id));
    deleted += existed;
    if (!existed && not_found != nullptr) missing.push_back(id);
  }
  SAIKI_RETURN_IF_ERROR(MaybeMerge(token));
  SAIKI_RETURN_IF_ERROR(BumpGenerations(token, kCatalogPart));
  SAIKI_ASSIGN_OR_RETURN(auto catalog, StoreCatalogMedians(token));
  SAIKI_RETURN_IF_ERROR(txn->Commit());
  SAIKI_RETURN_IF_ERROR(Reload(kCatalogPart, std::move(catalog)));
  if (not_found != nullptr) not_found->insert(not_found->end(), missing.begin(), missing.end());
  return deleted;
}

}  // namespace saiki::engine
