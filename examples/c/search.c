/* A C app on saiki's C API: imports a CSV, searches as a user, clicks the
 * first result and ends the session (the personal model learns then).
 *
 *   search DB_FILE CSV_FILE QUERY
 */
#include <inttypes.h>
#include <stdio.h>

#include "saiki/saiki_c.h"

static void on_row_error(void* user_data, uint64_t line, const char* message) {
  fprintf(stderr, "%s line %" PRIu64 ": %s\n", (const char*)user_data, line, message);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: search DB_FILE CSV_FILE QUERY\n");
    return 2;
  }
  printf("saiki %s (headers %s)\n", saiki_version(), SAIKI_VERSION);

  saiki_db* db = NULL;
  if (saiki_open(argv[1], NULL, &db) != SAIKI_OK) {
    fprintf(stderr, "open: %s\n", saiki_errmsg(db));
    saiki_close(db);
    return 1;
  }
  int rc = 1;
  saiki_results* res = NULL;
  char* report = NULL;

  saiki_import_options opts;
  saiki_import_options_init(&opts);
  opts.on_row_error = on_row_error;
  opts.user_data = argv[2];
  saiki_import_report imported;
  if (saiki_import_csv(db, argv[2], &opts, &imported) != SAIKI_OK) {
    fprintf(stderr, "import: %s\n", saiki_errmsg(db));
    goto done;
  }
  printf("imported %" PRIu64 " products\n", imported.inserted + imported.updated);

  saiki_search_options so;
  saiki_search_options_init(&so);
  so.user = "alice";
  if (saiki_search(db, argv[3], &so, &res) != SAIKI_OK) {
    fprintf(stderr, "search: %s\n", saiki_errmsg(db));
    goto done;
  }
  printf("%" PRIu64 " results for %s\n", res->total, argv[3]);
  for (size_t i = 0; i < res->count; ++i) {
    const saiki_hit* h = &res->hits[i];
    printf("%d. %s (%s)", h->rank, h->title, h->brand);
    if (h->has_price) printf(" ¥%.0f", h->price);
    printf("\n");
  }
  if (res->count > 0 && res->query_id != NULL) {
    if (saiki_click(db, res->query_id, res->hits[0].id, SAIKI_CLICK) != SAIKI_OK) {
      fprintf(stderr, "click: %s\n", saiki_errmsg(db));
      goto done;
    }
    if (saiki_end_session(db, "alice", &report) != SAIKI_OK) {
      fprintf(stderr, "end session: %s\n", saiki_errmsg(db));
      goto done;
    }
    if (report != NULL) printf("session closed: %s\n", report);
  }
  rc = 0;
done:
  saiki_string_free(report);
  saiki_results_free(res);
  saiki_close(db);
  return rc;
}
