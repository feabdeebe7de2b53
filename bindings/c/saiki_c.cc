// The C API (include/saiki/saiki_c.h) over the C++ API: handles, status codes
// and messages, UTF-8 checks, JSON for nested results.
//
// Every call runs inside Call(), which checks the handle, catches anything
// the C++ side could throw (std::bad_alloc from a container, in practice)
// and turns a saiki::Status into a code and the handle's message: no
// exception and no C++ type leaves this file.
//
// Handles are checked against a registry of the pointers the library has
// handed out and not yet taken back, so a NULL, closed or freed handle is
// answered with SAIKI_MISUSE without reading the memory it points to (the
// registry is looked up first). A mutex guards the registry: handles of
// different databases are used from different threads.
//
// The JSON objects are those the CLI prints for the same commands (cli/);
// tests/c_api_test.c and bindings/python/tests compare field names.
#include "saiki/saiki_c.h"

#include <unicode/utf8.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bindings/json/json_encoder.h"
#include "saiki/saiki.h"

struct saiki_db {
  std::unique_ptr<saiki::Database> db;  // null when the open failed
  int code = SAIKI_OK;
  std::string message;
};

namespace saiki::capi {
namespace {

using json::Dump;
using json::Json;

// --- The registry of live handles.

enum class Kind { kDb, kResults, kString };

struct Entry {
  Kind kind;
  void* owner;  // what to delete: the saiki_db, the ResultsBox, the string
};

std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}
std::unordered_map<const void*, Entry>& Registry() {
  static auto* live = new std::unordered_map<const void*, Entry>();  // never destroyed:
  return *live;  // handles may be closed from static destructors of the app
}

void Register(const void* p, Kind kind, void* owner) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  Registry()[p] = Entry{kind, owner};
}

bool IsLive(const void* p, Kind kind) {
  if (p == nullptr) return false;
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto it = Registry().find(p);
  return it != Registry().end() && it->second.kind == kind;
}

// Removes p and returns its owner, or nullptr when p is not live.
void* Unregister(const void* p, Kind kind) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto it = Registry().find(p);
  if (it == Registry().end() || it->second.kind != kind) return nullptr;
  void* owner = it->second.owner;
  Registry().erase(it);
  return owner;
}

// --- Strings handed to the caller (freed by saiki_string_free).

char* NewString(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  Register(out, Kind::kString, out);
  return out;
}

// JSON text; strings that are not UTF-8 (never expected: everything stored
// was checked on the way in) are repaired rather than thrown on.

// --- Status plumbing.

int CodeOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return SAIKI_OK;
    case StatusCode::kInvalidArgument: return SAIKI_INVALID_ARGUMENT;
    case StatusCode::kNotFound: return SAIKI_NOT_FOUND;
    case StatusCode::kCorruption: return SAIKI_CORRUPTION;
    case StatusCode::kIoError: return SAIKI_IO_ERROR;
    case StatusCode::kBusy: return SAIKI_BUSY;
    case StatusCode::kNotSupported: return SAIKI_NOT_SUPPORTED;
    case StatusCode::kResourceExhausted: return SAIKI_RESOURCE_EXHAUSTED;
    case StatusCode::kInternal: return SAIKI_INTERNAL;
  }
  return SAIKI_INTERNAL;
}

int Set(saiki_db* h, int code, std::string message) {
  h->code = code;
  h->message = std::move(message);
  return code;
}

int Set(saiki_db* h, const Status& s) {
  return Set(h, CodeOf(s.code()), s.ok() ? std::string() : s.message());
}

// A failure of the C call itself (not of the engine): "saiki_search: query
// is NULL". The handle's message says which call and which argument.
struct CallError {
  int code;
  std::string message;
};

// Checks `value` (argument `name` of `fn`) is valid UTF-8; NULL is allowed
// only when `nullable`.
void CheckText(const char* fn, const char* name, const char* value, bool nullable) {
  if (value == nullptr) {
    if (nullable) return;
    throw CallError{SAIKI_MISUSE, std::string(fn) + ": " + name + " is NULL"};
  }
  size_t n = std::strlen(value);
  if (n > static_cast<size_t>(INT32_MAX)) {
    throw CallError{SAIKI_RESOURCE_EXHAUSTED, std::string(fn) + ": " + name + " is over 2 GiB"};
  }
  int32_t i = 0, len = static_cast<int32_t>(n);
  while (i < len) {
    int32_t at = i;
    UChar32 c;
    U8_NEXT(value, i, len, c);
    if (c < 0) {
      throw CallError{SAIKI_INVALID_ARGUMENT, std::string(fn) + ": " + name +
                                                  " is not valid UTF-8 (at byte " +
                                                  std::to_string(at) + ")"};
    }
  }
}

void CheckNotNull(const char* fn, const char* name, const void* p) {
  if (p == nullptr) throw CallError{SAIKI_MISUSE, std::string(fn) + ": " + name + " is NULL"};
}

std::string Text(const char* s) { return s ? std::string(s) : std::string(); }

// Runs `body(Database&)` for the C call `fn` on handle `h`: the handle
// check, the exception barrier, and the handle's code and message. `body`
// returns a saiki::Status.
template <typename Body>
int Call(saiki_db* h, const char* fn, Body&& body) {
  if (!IsLive(h, Kind::kDb)) return SAIKI_MISUSE;
  if (!h->db) {
    // Keep the open's message: it is the one that explains.
    return SAIKI_MISUSE;
  }
  try {
    return Set(h, body(*h->db));
  } catch (const CallError& e) {
    return Set(h, e.code, e.message);
  } catch (const std::bad_alloc&) {
    return Set(h, SAIKI_RESOURCE_EXHAUSTED, std::string(fn) + ": out of memory");
  } catch (const std::exception& e) {
    return Set(h, SAIKI_INTERNAL, std::string(fn) + ": unexpected exception: " + e.what());
  } catch (...) {
    return Set(h, SAIKI_INTERNAL, std::string(fn) + ": unexpected exception");
  }
}

// --- JSON: the shared encoder (bindings/json/json_encoder.h), the shapes
// --- `saiki ... --json` prints.

// "brand,category,price" as facet fields; spaces around names are allowed.
std::vector<saiki::FacetField> ParseFacets(const std::string& list) {
  std::vector<saiki::FacetField> out;
  size_t start = 0;
  while (start <= list.size() && !list.empty()) {
    size_t comma = list.find(',', start);
    std::string name = list.substr(start, comma == std::string::npos ? comma : comma - start);
    size_t a = name.find_first_not_of(' '), b = name.find_last_not_of(' ');
    name = a == std::string::npos ? "" : name.substr(a, b - a + 1);
    if (name == "brand") {
      out.push_back(saiki::FacetField::kBrand);
    } else if (name == "category") {
      out.push_back(saiki::FacetField::kCategory);
    } else if (name == "price") {
      out.push_back(saiki::FacetField::kPrice);
    } else {
      throw CallError{SAIKI_INVALID_ARGUMENT, "saiki_search: options->facets: '" + name +
                                                  "' is not brand, category or price"};
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// --- Search results: the public struct and what its pointers point into.

struct ResultsBox {
  saiki_results pub{};
  SearchResponse response;
  std::vector<saiki_hit> hits;
  bool explain = false;
  std::optional<std::string> json;  // built by the first saiki_results_json
};

// --- Import.

ImportOptions ToImportOptions(const char* fn, const saiki_import_options* o) {
  ImportOptions opt;
  if (o == nullptr) return opt;
  CheckText(fn, "options->encoding", o->encoding, true);
  CheckText(fn, "options->field_map", o->field_map, true);
  opt.encoding = Text(o->encoding);
  opt.field_map = Text(o->field_map);
  opt.replace = o->replace != 0;
  opt.strict = o->strict != 0;
  if (o->on_row_error != nullptr) {
    auto callback = o->on_row_error;
    void* user_data = o->user_data;
    opt.on_row_error = [callback, user_data](const RowError& e) {
      callback(user_data, e.line, e.message.c_str());
    };
  }
  return opt;
}

void FillReport(const ImportReport& r, saiki_import_report* out) {
  if (out == nullptr) return;
  out->rows = r.rows;
  out->inserted = r.inserted;
  out->updated = r.updated;
  out->rejected = r.rejected;
  out->deleted = r.deleted;
  out->committed = r.committed ? 1 : 0;
}

// Writes `json` to *out when out is given.
void Give(char** out, const std::string& json) {
  if (out != nullptr) *out = NewString(json);
}

}  // namespace
}  // namespace saiki::capi

using namespace saiki::capi;  // NOLINT: this file is the capi layer

extern "C" {

const char* saiki_version(void) { return saiki::Version(); }

const char* saiki_status_name(int status) {
  switch (status) {
    case SAIKI_OK: return "ok";
    case SAIKI_INVALID_ARGUMENT: return "invalid argument";
    case SAIKI_NOT_FOUND: return "not found";
    case SAIKI_CORRUPTION: return "corruption";
    case SAIKI_IO_ERROR: return "I/O error";
    case SAIKI_BUSY: return "database busy";
    case SAIKI_NOT_SUPPORTED: return "not supported";
    case SAIKI_RESOURCE_EXHAUSTED: return "limit exceeded";
    case SAIKI_INTERNAL: return "internal error";
    case SAIKI_MISUSE: return "misuse";
  }
  return "unknown";
}

void saiki_open_options_init(saiki_open_options* options) {
  if (options == nullptr) return;
  options->create_if_missing = 1;
  options->read_only = 0;
  options->busy_timeout_ms = 5000;
}

int saiki_open(const char* path, const saiki_open_options* options, saiki_db** out) {
  if (out == nullptr) return SAIKI_MISUSE;
  *out = nullptr;
  saiki_db* h = new (std::nothrow) saiki_db();
  if (h == nullptr) return SAIKI_RESOURCE_EXHAUSTED;
  try {
    Register(h, Kind::kDb, h);
  } catch (...) {
    delete h;
    return SAIKI_RESOURCE_EXHAUSTED;
  }
  *out = h;
  try {
    if (path == nullptr) return Set(h, SAIKI_MISUSE, "saiki_open: path is NULL");
    saiki::OpenOptions o;
    if (options != nullptr) {
      o.create_if_missing = options->create_if_missing != 0;
      o.read_only = options->read_only != 0;
      o.busy_timeout_ms = options->busy_timeout_ms;
    }
    auto db = saiki::Database::Open(path, o);
    if (!db.ok()) return Set(h, db.status());
    h->db = std::move(db).value();
    return Set(h, SAIKI_OK, "");
  } catch (const std::bad_alloc&) {
    return Set(h, SAIKI_RESOURCE_EXHAUSTED, "saiki_open: out of memory");
  } catch (...) {
    return Set(h, SAIKI_INTERNAL, "saiki_open: unexpected exception");
  }
}

int saiki_close(saiki_db* db) {
  if (db == nullptr) return SAIKI_OK;
  void* owner = Unregister(db, Kind::kDb);
  if (owner == nullptr) return SAIKI_MISUSE;
  delete static_cast<saiki_db*>(owner);
  return SAIKI_OK;
}

const char* saiki_errmsg(const saiki_db* db) {
  if (db == nullptr) return "saiki: NULL database handle";
  if (!IsLive(db, Kind::kDb)) return "saiki: not an open database handle (closed already?)";
  return db->message.c_str();
}

int saiki_errcode(const saiki_db* db) {
  if (!IsLive(db, Kind::kDb)) return SAIKI_MISUSE;
  return db->code;
}

int saiki_string_free(char* s) {
  if (s == nullptr) return SAIKI_OK;
  void* owner = Unregister(s, Kind::kString);
  if (owner == nullptr) return SAIKI_MISUSE;
  std::free(owner);
  return SAIKI_OK;
}

void saiki_import_options_init(saiki_import_options* options) {
  if (options == nullptr) return;
  *options = saiki_import_options{};
}

int saiki_import_csv(saiki_db* db, const char* path, const saiki_import_options* options,
                     saiki_import_report* report) {
  return Call(db, "saiki_import_csv", [&](saiki::Database& d) -> saiki::Status {
    CheckNotNull("saiki_import_csv", "path", path);
    auto r = d.ImportCsv(path, ToImportOptions("saiki_import_csv", options));
    if (!r.ok()) return r.status();
    FillReport(*r, report);
    return saiki::Status::Ok();
  });
}

int saiki_import_csv_data(saiki_db* db, const char* data, size_t size, const char* name,
                          const saiki_import_options* options, saiki_import_report* report) {
  return Call(db, "saiki_import_csv_data", [&](saiki::Database& d) -> saiki::Status {
    if (size > 0) CheckNotNull("saiki_import_csv_data", "data", data);
    CheckText("saiki_import_csv_data", "name", name, true);
    std::istringstream in(std::string(data ? data : "", size));
    std::string label = name && *name ? name : "<memory>";
    auto r = d.ImportCsv(in, label, ToImportOptions("saiki_import_csv_data", options));
    if (!r.ok()) return r.status();
    FillReport(*r, report);
    return saiki::Status::Ok();
  });
}

int saiki_delete_products(saiki_db* db, const char* const* ids, size_t count, uint64_t* deleted) {
  return Call(db, "saiki_delete_products", [&](saiki::Database& d) -> saiki::Status {
    if (count > 0) CheckNotNull("saiki_delete_products", "ids", ids);
    std::vector<std::string> list;
    list.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      std::string name = "ids[" + std::to_string(i) + "]";
      CheckText("saiki_delete_products", name.c_str(), ids[i], false);
      list.emplace_back(ids[i]);
    }
    auto r = d.DeleteProducts(list);
    if (!r.ok()) return r.status();
    if (deleted) *deleted = *r;
    return saiki::Status::Ok();
  });
}

int saiki_get_product(saiki_db* db, const char* id, char** json) {
  return Call(db, "saiki_get_product", [&](saiki::Database& d) -> saiki::Status {
    CheckNotNull("saiki_get_product", "json", json);
    *json = nullptr;
    CheckText("saiki_get_product", "id", id, false);
    auto p = d.GetProduct(id);
    if (!p.ok()) return p.status();
    if (*p) *json = NewString(Dump(saiki::json::ProductJson(**p)));
    return saiki::Status::Ok();
  });
}

void saiki_search_options_init(saiki_search_options* options) {
  if (options == nullptr) return;
  options->k = 10;
  options->offset = 0;
  options->user = nullptr;
  options->explain = 0;
  options->facets = nullptr;
  options->facet_limit = 10;
  options->highlight = 0;
  options->snippet_chars = 120;
  options->sort = nullptr;
}

int saiki_search(saiki_db* db, const char* query, const saiki_search_options* options,
                 saiki_results** results) {
  return Call(db, "saiki_search", [&](saiki::Database& d) -> saiki::Status {
    CheckNotNull("saiki_search", "results", results);
    *results = nullptr;
    CheckText("saiki_search", "query", query, false);
    saiki::SearchRequest req;
    req.query = query;
    if (options != nullptr) {
      CheckText("saiki_search", "options->user", options->user, true);
      req.k = options->k;
      req.offset = options->offset;
      req.user = Text(options->user);
      req.explain = options->explain != 0;
      CheckText("saiki_search", "options->facets", options->facets, true);
      req.facets = ParseFacets(Text(options->facets));
      req.facet_limit = options->facet_limit;
      req.highlight = options->highlight != 0;
      req.snippet_chars = options->snippet_chars;
      CheckText("saiki_search", "options->sort", options->sort, true);
      if (std::string sort = Text(options->sort); !sort.empty()) {
        auto order = saiki::ParseSortOrder(sort);
        if (!order) {
          throw CallError{SAIKI_INVALID_ARGUMENT,
                          "saiki_search: options->sort: '" + sort +
                              "' is not relevance, price, -price, rating, -rating, reviews or "
                              "-reviews"};
        }
        req.sort = *order;
      }
    }
    auto r = d.Search(req);
    if (!r.ok()) return r.status();
    auto box = std::make_unique<ResultsBox>();
    box->response = std::move(r).value();
    const saiki::SearchResponse& resp = box->response;
    box->explain = req.explain;
    box->hits.reserve(resp.hits.size());
    int explored_rank = 0;
    for (const auto& h : resp.hits) {
      if (h.explored) explored_rank = h.rank;
      saiki_hit c{};
      c.rank = h.rank;
      c.id = h.id.c_str();
      c.title = h.title.c_str();
      c.brand = h.brand.c_str();
      c.category = h.category.c_str();
      c.has_price = h.price ? 1 : 0;
      c.price = h.price.value_or(0.0);
      c.score = h.score;
      c.bm25f = h.bm25f;
      box->hits.push_back(c);
    }
    saiki_results& pub = box->pub;
    pub.query_id = resp.query_id ? resp.query_id->c_str() : nullptr;
    pub.took_ms = resp.took_ms;
    pub.total = resp.total;
    pub.total_at_least = resp.total_at_least ? 1 : 0;
    pub.partial = resp.partial ? 1 : 0;
    pub.notice = resp.notice.c_str();
    pub.ranker = resp.ranker.c_str();
    pub.global_version = resp.global_version;
    pub.user_version = resp.user_version;
    pub.gate = resp.gate;
    pub.interleaved = resp.interleaved ? 1 : 0;
    pub.explored_rank = explored_rank;
    pub.count = box->hits.size();
    pub.hits = box->hits.data();
    Register(&box->pub, Kind::kResults, box.get());
    *results = &box.release()->pub;
    return saiki::Status::Ok();
  });
}

const char* saiki_results_json(saiki_results* results) {
  if (results == nullptr) return nullptr;
  void* owner = nullptr;
  {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    auto it = Registry().find(results);
    if (it == Registry().end() || it->second.kind != Kind::kResults) return nullptr;
    owner = it->second.owner;
  }
  auto* box = static_cast<ResultsBox*>(owner);
  try {
    if (!box->json) box->json = Dump(saiki::json::SearchResponseJson(box->response, box->explain));
  } catch (...) {  // out of memory: no JSON, as for a bad handle
    return nullptr;
  }
  return box->json->c_str();
}

int saiki_results_free(saiki_results* results) {
  if (results == nullptr) return SAIKI_OK;
  void* owner = Unregister(results, Kind::kResults);
  if (owner == nullptr) return SAIKI_MISUSE;
  delete static_cast<ResultsBox*>(owner);
  return SAIKI_OK;
}

int saiki_click(saiki_db* db, const char* query_id, const char* product_id, int kind) {
  return Call(db, "saiki_click", [&](saiki::Database& d) -> saiki::Status {
    CheckText("saiki_click", "query_id", query_id, false);
    CheckText("saiki_click", "product_id", product_id, false);
    if (kind != SAIKI_CLICK && kind != SAIKI_CART && kind != SAIKI_PURCHASE) {
      return saiki::Status::InvalidArgument("saiki_click: kind " + std::to_string(kind) +
                                            " is not 1 (click), 2 (cart) or 3 (purchase)");
    }
    return d.RecordClick(query_id, product_id, static_cast<saiki::ClickKind>(kind));
  });
}

int saiki_end_session(saiki_db* db, const char* user, char** json) {
  return Call(db, "saiki_end_session", [&](saiki::Database& d) -> saiki::Status {
    if (json) *json = nullptr;
    CheckText("saiki_end_session", "user", user, false);
    auto r = d.EndSession(user);
    if (!r.ok()) return r.status();
    if (*r) Give(json, Dump(saiki::json::SessionJson(**r)));
    return saiki::Status::Ok();
  });
}

int saiki_sweep_sessions(saiki_db* db, char** json) {
  return Call(db, "saiki_sweep_sessions", [&](saiki::Database& d) -> saiki::Status {
    if (json) *json = nullptr;
    auto r = d.SweepSessions();
    if (!r.ok()) return r.status();
    Json a = Json::array();
    for (const auto& rep : *r) a.push_back(saiki::json::SessionJson(rep));
    Give(json, Dump(a));
    return saiki::Status::Ok();
  });
}

int saiki_learn_pooled(saiki_db* db, char** json) {
  return Call(db, "saiki_learn_pooled", [&](saiki::Database& d) -> saiki::Status {
    if (json) *json = nullptr;
    auto r = d.LearnPooled();
    if (!r.ok()) return r.status();
    Give(json, Dump(saiki::json::PooledJson(*r)));
    return saiki::Status::Ok();
  });
}

int saiki_model_show(saiki_db* db, const char* user, char** json) {
  return Call(db, "saiki_model_show", [&](saiki::Database& d) -> saiki::Status {
    CheckNotNull("saiki_model_show", "json", json);
    *json = nullptr;
    CheckText("saiki_model_show", "user", user, true);
    auto m = d.GetModel(Text(user));
    if (!m.ok()) return m.status();
    *json = NewString(Dump(saiki::json::ModelJson(*m, Text(user))));
    return saiki::Status::Ok();
  });
}

int saiki_model_history(saiki_db* db, const char* user, char** json) {
  return Call(db, "saiki_model_history", [&](saiki::Database& d) -> saiki::Status {
    CheckNotNull("saiki_model_history", "json", json);
    *json = nullptr;
    CheckText("saiki_model_history", "user", user, true);
    auto h = d.ModelHistory(Text(user));
    if (!h.ok()) return h.status();
    Json a = Json::array();
    for (const auto& v : *h) a.push_back(saiki::json::VersionJson(v));
    *json = NewString(Dump(a));
    return saiki::Status::Ok();
  });
}

int saiki_suggest(saiki_db* db, const char* prefix, int k, const char* user, char** json) {
  return Call(db, "saiki_suggest", [&](saiki::Database& d) -> saiki::Status {
    CheckNotNull("saiki_suggest", "json", json);
    *json = nullptr;
    CheckText("saiki_suggest", "prefix", prefix, false);
    CheckText("saiki_suggest", "user", user, true);
    saiki::SuggestRequest req;
    req.prefix = Text(prefix);
    req.k = k;
    req.user = Text(user);
    auto r = d.Suggest(req);
    if (!r.ok()) return r.status();
    *json = NewString(Dump(saiki::json::SuggestResponseJson(req.prefix, *r)));
    return saiki::Status::Ok();
  });
}

int saiki_model_rollback(saiki_db* db, int64_t version, const char* user) {
  return Call(db, "saiki_model_rollback", [&](saiki::Database& d) -> saiki::Status {
    CheckText("saiki_model_rollback", "user", user, true);
    if (version < 0) {
      return saiki::Status::InvalidArgument("saiki_model_rollback: version " +
                                            std::to_string(version) + " is negative");
    }
    return d.RollbackModel(version, Text(user));
  });
}

int saiki_forget_user(saiki_db* db, const char* user, char** json) {
  return Call(db, "saiki_forget_user", [&](saiki::Database& d) -> saiki::Status {
    if (json) *json = nullptr;
    CheckText("saiki_forget_user", "user", user, false);
    auto r = d.ForgetUser(user);
    if (!r.ok()) return r.status();
    Give(json, Dump(saiki::json::ForgetJson(*r)));
    return saiki::Status::Ok();
  });
}

int saiki_stats_get(saiki_db* db, saiki_stats* stats) {
  return Call(db, "saiki_stats_get", [&](saiki::Database& d) -> saiki::Status {
    CheckNotNull("saiki_stats_get", "stats", stats);
    auto s = d.GetStats();
    if (!s.ok()) return s.status();
    stats->products = s->products;
    stats->segments = s->segments;
    stats->terms = s->terms;
    stats->deleted_pending = s->deleted_pending;
    stats->postings_bytes = s->postings_bytes;
    stats->file_bytes = s->file_bytes;
    stats->schema_version = s->schema_version;
    return saiki::Status::Ok();
  });
}

int saiki_setting_get(saiki_db* db, const char* key, char** value) {
  return Call(db, "saiki_setting_get", [&](saiki::Database& d) -> saiki::Status {
    CheckNotNull("saiki_setting_get", "value", value);
    *value = nullptr;
    CheckText("saiki_setting_get", "key", key, false);
    auto v = d.GetSetting(key);
    if (!v.ok()) return v.status();
    *value = NewString(*v);
    return saiki::Status::Ok();
  });
}

int saiki_setting_set(saiki_db* db, const char* key, const char* value) {
  return Call(db, "saiki_setting_set", [&](saiki::Database& d) -> saiki::Status {
    CheckText("saiki_setting_set", "key", key, false);
    CheckText("saiki_setting_set", "value", value, false);
    return d.SetSetting(key, value);
  });
}

int saiki_settings_list(saiki_db* db, char** json) {
  return Call(db, "saiki_settings_list", [&](saiki::Database& d) -> saiki::Status {
    CheckNotNull("saiki_settings_list", "json", json);
    *json = nullptr;
    auto l = d.ListSettings();
    if (!l.ok()) return l.status();
    Json j = Json::object();
    for (const auto& [k, v] : *l) j[k] = v;
    *json = NewString(Dump(j));
    return saiki::Status::Ok();
  });
}

int saiki_optimize(saiki_db* db) {
  return Call(db, "saiki_optimize", [&](saiki::Database& d) { return d.Optimize(); });
}

}  // extern "C"
