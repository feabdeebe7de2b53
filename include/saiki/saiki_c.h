/* saiki's C API: the library for C and for every language with a C FFI
 * (Python's ctypes, Node, Swift, Go...). A thin layer over the C++ API
 * (saiki.h) with the same behaviour; nothing of C++ crosses it: no
 * exception, no C++ type.
 *
 *   saiki_db* db = NULL;
 *   if (saiki_open("shop.saiki", NULL, &db) != SAIKI_OK) {
 *     fprintf(stderr, "%s\n", saiki_errmsg(db));
 *     saiki_close(db);
 *     return 1;
 *   }
 *   saiki_results* res = NULL;
 *   if (saiki_search(db, "犬 price:..5000", NULL, &res) == SAIKI_OK) {
 *     for (size_t i = 0; i < res->count; ++i)
 *       printf("%d %s\n", res->hits[i].rank, res->hits[i].title);
 *     saiki_results_free(res);
 *   }
 *   saiki_close(db);
 *
 * Conventions, for every function below:
 * - Status: each call returns an int, SAIKI_OK (0) or one of the codes of
 *   saiki_status. A call on a database that fails also leaves a message on
 *   the handle, naming the problem and where it is: saiki_errmsg(db). A call
 *   that succeeds clears it. Results come back through out-parameters, which
 *   are left untouched (or set to NULL) on failure.
 * - Misuse: a NULL handle, a handle already closed or freed (as far as it
 *   can be told: a pointer the library does not hold live, unless the memory
 *   was given to a new handle of the same kind since), or a NULL pointer
 *   where one is required returns SAIKI_MISUSE and touches nothing.
 * - Strings: in and out, NUL-terminated UTF-8. An input string that is not
 *   valid UTF-8 is rejected with SAIKI_INVALID_ARGUMENT naming the argument;
 *   file paths are passed to the operating system as they are. Strings in
 *   results are valid UTF-8.
 * - Memory: what the library allocates for the caller is freed by the
 *   matching function: saiki_close (saiki_db), saiki_results_free
 *   (saiki_results), saiki_string_free (char*). Pointers inside a result
 *   live as long as the result. Strings returned as const char* without an
 *   out-parameter (saiki_errmsg, saiki_version, saiki_status_name) are owned
 *   by the library.
 * - JSON: where a result has a nested shape (session reports, models,
 *   forgetting, settings lists) it comes back as one JSON text, the same
 *   object the CLI prints for the same command (README "Using the C API"
 *   lists the fields).
 * - Threads: a saiki_db is used by one thread at a time, like
 *   saiki::Database; open one per thread. Different handles may be used from
 *   different threads at once.
 */
#ifndef SAIKI_SAIKI_C_H_
#define SAIKI_SAIKI_C_H_

#include <stddef.h>
#include <stdint.h>

#include "saiki/export.h"
#include "saiki/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The codes of saiki::StatusCode, in the same order, and SAIKI_MISUSE. */
typedef enum saiki_status {
  SAIKI_OK = 0,
  SAIKI_INVALID_ARGUMENT = 1,   /* bad input: CSV, query, setting value, UTF-8 */
  SAIKI_NOT_FOUND = 2,          /* a missing file, database, query id, setting */
  SAIKI_CORRUPTION = 3,         /* not a saiki database, or stored bytes are bad */
  SAIKI_IO_ERROR = 4,           /* the OS or SQLite failed; a write to a read-only db */
  SAIKI_BUSY = 5,               /* another writer held the lock past the busy timeout */
  SAIKI_NOT_SUPPORTED = 6,      /* e.g. a database written by a newer saiki */
  SAIKI_RESOURCE_EXHAUSTED = 7, /* a documented limit was exceeded */
  SAIKI_INTERNAL = 8,           /* a bug in saiki */
  SAIKI_MISUSE = 9              /* NULL, closed or freed handle; NULL required pointer */
} saiki_status;

/* The library's version, e.g. "0.2.0" (SAIKI_VERSION is the header's). */
SAIKI_EXPORT const char* saiki_version(void);
/* A status code's name: "ok", "invalid argument", ..., "misuse"; "unknown"
 * for a number that is no code. */
SAIKI_EXPORT const char* saiki_status_name(int status);

/* ---- Opening and closing ---- */

typedef struct saiki_db saiki_db; /* opaque */

typedef struct saiki_open_options {
  int create_if_missing; /* create the file when missing; default 1 */
  int read_only;         /* searches only; writes fail with SAIKI_IO_ERROR; default 0 */
  int busy_timeout_ms;   /* how long a write waits for the lock, 0..600000; default 5000 */
} saiki_open_options;

/* Fills *options with the defaults. */
SAIKI_EXPORT void saiki_open_options_init(saiki_open_options* options);

/* Opens (or creates) the database at `path`; options may be NULL (the
 * defaults). On success *db is the handle. On failure *db is still a handle
 * (unless the failure is SAIKI_MISUSE or memory ran out: then NULL) that
 * holds only the error: saiki_errmsg(*db) says why, every other call on it
 * returns SAIKI_MISUSE, and saiki_close(*db) frees it. Errors:
 * SAIKI_NOT_FOUND (missing and not created), SAIKI_CORRUPTION (not a saiki
 * database), SAIKI_NOT_SUPPORTED (a newer schema), SAIKI_IO_ERROR,
 * SAIKI_BUSY, SAIKI_INVALID_ARGUMENT (an option out of range). */
SAIKI_EXPORT int saiki_open(const char* path, const saiki_open_options* options, saiki_db** db);

/* Closes the database and frees the handle. NULL is a no-op (SAIKI_OK); a
 * handle already closed returns SAIKI_MISUSE. */
SAIKI_EXPORT int saiki_close(saiki_db* db);

/* The message of the last failed call on `db` ("" after a success), valid
 * until the next call on it. For NULL or a closed handle, a fixed message
 * saying so. */
SAIKI_EXPORT const char* saiki_errmsg(const saiki_db* db);
/* The status of the last call on `db` (SAIKI_MISUSE for NULL or closed). */
SAIKI_EXPORT int saiki_errcode(const saiki_db* db);

/* Frees a string the library returned through a char** out-parameter. NULL
 * is a no-op (SAIKI_OK); a pointer the library did not hand out, or freed
 * already, returns SAIKI_MISUSE. */
SAIKI_EXPORT int saiki_string_free(char* s);

/* ---- Importing products (README "CSV format") ---- */

typedef struct saiki_import_options {
  const char* encoding;  /* NULL or "" for UTF-8, or an ICU converter: "cp932", "shift_jis" */
  const char* field_map; /* NULL, or header renames "id=商品ID,title=商品名" */
  int replace;           /* delete the products absent from the file; default 0 */
  int strict;            /* store nothing when any row is bad; default 0 */
  /* Called for each rejected row as it is found (may be NULL): its 1-based
   * line and the reason. `message` lives for the call only. */
  void (*on_row_error)(void* user_data, uint64_t line, const char* message);
  void* user_data;
} saiki_import_options;

typedef struct saiki_import_report {
  uint64_t rows;     /* data records read */
  uint64_t inserted; /* new products */
  uint64_t updated;  /* existing ids replaced */
  uint64_t rejected; /* bad rows, not stored */
  uint64_t deleted;  /* removed by `replace` */
  int committed;     /* 0 when `strict` rejected the file */
} saiki_import_report;

SAIKI_EXPORT void saiki_import_options_init(saiki_import_options* options);

/* Imports a CSV file (upsert by product id) in one transaction; options may
 * be NULL (defaults), report may be NULL. Bad rows are reported and counted,
 * the others stored: the status is SAIKI_OK then, with report->rejected > 0.
 * An error status means the file as a whole was unusable (missing, empty,
 * no header or id column, unknown encoding) or storage failed; nothing is
 * stored then. */
SAIKI_EXPORT int saiki_import_csv(saiki_db* db, const char* path,
                                  const saiki_import_options* options,
                                  saiki_import_report* report);
/* The same from `size` bytes in memory; `name` (may be NULL: "<memory>")
 * names the input in row messages. */
SAIKI_EXPORT int saiki_import_csv_data(saiki_db* db, const char* data, size_t size,
                                       const char* name, const saiki_import_options* options,
                                       saiki_import_report* report);

/* Deletes products by id; *deleted (may be NULL) is how many existed. */
SAIKI_EXPORT int saiki_delete_products(saiki_db* db, const char* const* ids, size_t count,
                                       uint64_t* deleted);

/* One product as a JSON object ({"id", "title", "description", "brand",
 * "category", "tags", "price", "rating", "review_count", "attributes"}, as
 * `saiki get` prints), or *json = NULL when no product has that id (still
 * SAIKI_OK). Free with saiki_string_free. */
SAIKI_EXPORT int saiki_get_product(saiki_db* db, const char* id, char** json);

/* ---- Searching (README "Query syntax": filters are part of the query) ---- */

typedef struct saiki_search_options {
  int k;            /* results wanted, 1..1000; default 10 */
  int offset;       /* results to skip, 0..10000; default 0 */
  const char* user; /* NULL or "": anonymous; else personalised for this user
                       and logged as an impression of the user's session
                       (results->query_id). At most 256 bytes. */
  int explain;      /* add per-field and per-feature scores to saiki_results_json */
  /* Facets (README "Facets"): NULL or "" for none, else a comma-separated
     list of brand, category, price; counted over the whole match set and
     given in saiki_results_json as "facets". */
  const char* facets;
  int facet_limit;   /* values per brand/category facet, 1..1000; default 10 */
  /* Non-zero: each result in saiki_results_json gets "highlight" {"title",
     "description"}: HTML-escaped text with the matched terms in
     <mark>...</mark> (README "Highlighting"). */
  int highlight;
  int snippet_chars; /* the description snippet's length, 10..10000; default 120 */
  /* NULL or "": by relevance (re-ranked). Else "price", "-price", "rating",
     "-rating", "reviews" or "-reviews" ('-' descending): the whole match set
     sorted by that value, ties by relevance, not re-ranked and not logged
     for learning (README "Sorting"); "relevance" is the default order. */
  const char* sort;
} saiki_search_options;

SAIKI_EXPORT void saiki_search_options_init(saiki_search_options* options);

typedef struct saiki_hit {
  int rank; /* 1-based */
  const char* id;
  const char* title;
  const char* brand;
  const char* category;
  int has_price; /* 0: the product has no price (price is 0) */
  double price;
  double score; /* the ranker's score */
  double bm25f; /* the retrieval score */
} saiki_hit;

typedef struct saiki_results {
  const char* query_id; /* set when the search was logged (a user); else NULL */
  double took_ms;
  uint64_t total;       /* matching products */
  int partial;          /* nothing matched every term: partial matches shown */
  const char* notice;   /* a sentence for the user, or "" */
  const char* ranker;   /* the ranker that ordered the results */
  int64_t global_version, user_version; /* model versions used (0: none) */
  double gate;          /* weight of the personal part for this query */
  int interleaved;      /* old and new personal models interleaved */
  size_t count;         /* hits */
  const saiki_hit* hits;
  int total_at_least;   /* total is a lower bound (setting total.exact_up_to) */
  /* The rank of the result exploration placed (setting learn.explore; README
   * "Exploration"), 0 when none. A field here rather than in saiki_hit: the
   * library allocates this struct, so a field at its end keeps the layout
   * that earlier callers read, while saiki_hit's size is the array's stride. */
  int explored_rank;
} saiki_results;

/* Searches; options may be NULL (defaults). Free *results with
 * saiki_results_free. Errors: SAIKI_INVALID_ARGUMENT (a bad query, k or
 * offset out of range, invalid UTF-8), SAIKI_RESOURCE_EXHAUSTED. */
SAIKI_EXPORT int saiki_search(saiki_db* db, const char* query,
                              const saiki_search_options* options, saiki_results** results);
/* The whole response as JSON: the object `saiki search --json` prints, with
 * "explain" and "features" per result when options->explain was set,
 * "highlight" per result with options->highlight, and "facets" with
 * options->facets. Built
 * on the first call (the structs cost nothing of it) and owned by
 * `results`: valid until saiki_results_free. NULL for a NULL or freed
 * `results`. */
SAIKI_EXPORT const char* saiki_results_json(saiki_results* results);
/* NULL is a no-op (SAIKI_OK); freed already: SAIKI_MISUSE. */
SAIKI_EXPORT int saiki_results_free(saiki_results* results);

/* ---- The learning loop (README "How it learns") ---- */

typedef enum saiki_click_kind {
  SAIKI_CLICK = 1,
  SAIKI_CART = 2,
  SAIKI_PURCHASE = 3
} saiki_click_kind;

/* Records a click on `product_id` in the results of `query_id` (from a
 * search with a user). Durable when it returns. Errors: SAIKI_NOT_FOUND (an
 * unknown query id), SAIKI_INVALID_ARGUMENT (the product was not shown for
 * that query, or `kind` is not a saiki_click_kind). */
SAIKI_EXPORT int saiki_click(saiki_db* db, const char* query_id, const char* product_id,
                             int kind);

/* Closes the user's open session and learns from it. *json (may be NULL:
 * the report is then not returned) is the session report, the object
 * `saiki session end` prints, or NULL when the user had no open session
 * (still SAIKI_OK). Free with saiki_string_free. */
SAIKI_EXPORT int saiki_end_session(saiki_db* db, const char* user, char** json);
/* Closes every session idle past the timeout: *json (may be NULL) is a JSON
 * array of their reports. */
SAIKI_EXPORT int saiki_sweep_sessions(saiki_db* db, char** json);
/* With the setting learn.pooled_at apart, runs the pooled learners
 * (position bias, the global candidate) when their evidence is complete:
 * *json (may be NULL) is the step's report, the object `saiki model
 * pooled` prints. */
SAIKI_EXPORT int saiki_learn_pooled(saiki_db* db, char** json);

/* The active models (`saiki model show` as JSON); with a user (NULL or ""
 * for none) that user's personal part too. */
SAIKI_EXPORT int saiki_model_show(saiki_db* db, const char* user, char** json);
/* Every model version, newest first, as a JSON array (`saiki model history`
 * objects); with a user, only that user's and the global ones. */
SAIKI_EXPORT int saiki_model_history(saiki_db* db, const char* user, char** json);
/* Completions of `prefix` as a user types (saiki::Database::Suggest, `saiki
 * suggest --json`): *json is {"prefix", "took_ms", "suggestions": [{"text",
 * "score", "source"}]}; k is 1..100; user may be NULL or "". Free *json with
 * saiki_string_free. */
SAIKI_EXPORT int saiki_suggest(saiki_db* db, const char* prefix, int k, const char* user,
                               char** json);
/* Makes `version` active again (saiki::Database::RollbackModel). */
SAIKI_EXPORT int saiki_model_rollback(saiki_db* db, int64_t version, const char* user);

/* Deletes everything saiki holds about the user and removes the user's
 * influence on every model (README "Forgetting a user"). *json (may be
 * NULL): {"rows_deleted", "entries_replayed", "versions_rederived",
 * "notes": [...]}. */
SAIKI_EXPORT int saiki_forget_user(saiki_db* db, const char* user, char** json);

/* ---- Statistics and settings ---- */

typedef struct saiki_stats {
  uint64_t products;
  uint64_t segments;
  uint64_t terms;           /* distinct (term, segment) posting lists */
  uint64_t deleted_pending; /* deleted products still in postings */
  uint64_t postings_bytes;
  uint64_t file_bytes;
  int schema_version;
} saiki_stats;

SAIKI_EXPORT int saiki_stats_get(saiki_db* db, saiki_stats* stats);

/* One setting's value (README "Settings"); SAIKI_NOT_FOUND for an unknown
 * key. Free *value with saiki_string_free. */
SAIKI_EXPORT int saiki_setting_get(saiki_db* db, const char* key, char** value);
/* Validates and stores a setting: SAIKI_NOT_FOUND for an unknown key,
 * SAIKI_INVALID_ARGUMENT for a value out of its range. */
SAIKI_EXPORT int saiki_setting_set(saiki_db* db, const char* key, const char* value);
/* Every setting with its value, as one JSON object {"key": "value", ...}. */
SAIKI_EXPORT int saiki_settings_list(saiki_db* db, char** json);

/* Merges the index segments into one and purges deleted products. */
SAIKI_EXPORT int saiki_optimize(saiki_db* db);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* SAIKI_SAIKI_C_H_ */
