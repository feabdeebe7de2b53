/* The C API (include/saiki/saiki_c.h) from C: every call on a small
 * catalogue, the learning loop through it, and misuse (NULL, closed and
 * freed handles, NULL arguments, invalid UTF-8, bad values), which must come
 * back as status codes with messages and leave the stored data as it was.
 * Built as C11 against the shared library, so it also checks that every
 * function is exported. Run by CTest (test c_api), in the ASan phase too. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "saiki/saiki_c.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                    \
  do {                                                                 \
    ++checks;                                                          \
    if (!(cond)) {                                                     \
      ++failures;                                                      \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                  \
  } while (0)

/* A call expected to return `want`; prints the handle's message if not. */
#define EXPECT_STATUS(db, call, want)                                          \
  do {                                                                         \
    int got_ = (call);                                                         \
    ++checks;                                                                  \
    if (got_ != (want)) {                                                      \
      ++failures;                                                              \
      fprintf(stderr, "%s:%d: %s returned %d (%s), wanted %d (%s): %s\n", __FILE__, __LINE__, \
              #call, got_, saiki_status_name(got_), (int)(want), saiki_status_name(want), \
              saiki_errmsg(db));                                               \
    }                                                                          \
  } while (0)

static const char kCatalog[] =
    "id,title,brand,category,price\n"
    "p1,犬用ベッド ふわふわ,ペティオ,ペット用品>犬用品>ベッド,2980\n"
    "p2,子犬のおやつ ササミ,ドギーマン,ペット用品>犬用品>おやつ,498\n"
    "p3,愛犬のための首輪,ペティオ,ペット用品>犬用品>首輪,1280\n"
    "p4,猫用つめとぎ,アイリス,ペット用品>猫用品>つめとぎ,880\n"
    "p5,犬 キャリーバッグ,アイリス,ペット用品>犬用品>キャリー,4500\n"
    "p6,犬用 歯みがきガム,ドギーマン,ペット用品>犬用品>おやつ,\n"
    "p7,bad price,x,y,abc\n";

struct row_errors {
  int count;
  uint64_t last_line;
  char last_message[256];
};

static void on_row_error(void* user_data, uint64_t line, const char* message) {
  struct row_errors* e = (struct row_errors*)user_data;
  e->count++;
  e->last_line = line;
  snprintf(e->last_message, sizeof e->last_message, "%s", message);
}

static int contains(const char* s, const char* part) { return s && strstr(s, part) != NULL; }

static void test_version(void) {
  CHECK(strcmp(saiki_version(), SAIKI_VERSION) == 0);
  CHECK(strcmp(saiki_status_name(SAIKI_OK), "ok") == 0);
  CHECK(strcmp(saiki_status_name(SAIKI_MISUSE), "misuse") == 0);
  CHECK(strcmp(saiki_status_name(12345), "unknown") == 0);
}

static saiki_db* open_db(const char* path) {
  saiki_db* db = NULL;
  EXPECT_STATUS(db, saiki_open(path, NULL, &db), SAIKI_OK);
  CHECK(db != NULL);
  CHECK(saiki_errcode(db) == SAIKI_OK);
  CHECK(strcmp(saiki_errmsg(db), "") == 0);
  return db;
}

static void test_import(saiki_db* db) {
  saiki_import_options opt;
  saiki_import_options_init(&opt);
  struct row_errors errors = {0, 0, ""};
  opt.on_row_error = on_row_error;
  opt.user_data = &errors;
  saiki_import_report report;
  memset(&report, 0xff, sizeof report);
  EXPECT_STATUS(db, saiki_import_csv_data(db, kCatalog, strlen(kCatalog), "catalog.csv", &opt,
                                          &report), SAIKI_OK);
  CHECK(report.rows == 7);
  CHECK(report.inserted == 6);
  CHECK(report.rejected == 1);
  CHECK(report.committed == 1);
  CHECK(errors.count == 1);
  CHECK(errors.last_line == 8);
  CHECK(contains(errors.last_message, "abc"));

  /* A file that is not there: an error naming it, nothing stored. */
  EXPECT_STATUS(db, saiki_import_csv(db, "/nonexistent/products.csv", NULL, NULL),
                SAIKI_NOT_FOUND);
  CHECK(contains(saiki_errmsg(db), "/nonexistent/products.csv"));

  /* Invalid UTF-8 in a CSV row rejects that row only. */
  static const char bad_utf8_csv[] = "id,title\nq1,ok title\nq2,bad \xff\xfe title\n";
  errors.count = 0;
  EXPECT_STATUS(db, saiki_import_csv_data(db, bad_utf8_csv, strlen(bad_utf8_csv), NULL, &opt,
                                          &report), SAIKI_OK);
  CHECK(report.inserted == 1);
  CHECK(report.rejected == 1);
  CHECK(errors.count == 1 && errors.last_line == 3);
  const char* q1 = "q1";
  uint64_t deleted = 0;
  EXPECT_STATUS(db, saiki_delete_products(db, &q1, 1, &deleted), SAIKI_OK);
  CHECK(deleted == 1);

  saiki_stats stats;
  EXPECT_STATUS(db, saiki_stats_get(db, &stats), SAIKI_OK);
  CHECK(stats.products == 6);
  CHECK(stats.schema_version > 0);
  CHECK(stats.file_bytes > 0);
}

static void test_search(saiki_db* db) {
  saiki_results* res = NULL;
  EXPECT_STATUS(db, saiki_search(db, "犬", NULL, &res), SAIKI_OK);
  CHECK(res != NULL);
  if (!res) return;
  CHECK(res->total == 5); /* p1 p2 p3 p5 p6: 犬 matches 子犬 and 愛犬 too */
  CHECK(res->total_at_least == 0); /* 5 matches: below total.exact_up_to */
  CHECK(res->count == 5);
  CHECK(res->query_id == NULL); /* anonymous: not logged */
  const char* json = saiki_results_json(res);
  CHECK(json && json[0] == '{' && contains(json, "\"results\""));
  CHECK(saiki_results_json(res) == json); /* built once, owned by res */
  for (size_t i = 0; i < res->count; ++i) {
    CHECK(res->hits[i].rank == (int)i + 1);
    CHECK(strcmp(res->hits[i].id, "p4") != 0);
    CHECK(contains(json, res->hits[i].id));
  }
  /* The product without a price. */
  int saw_no_price = 0;
  for (size_t i = 0; i < res->count; ++i) {
    if (strcmp(res->hits[i].id, "p6") == 0) saw_no_price = !res->hits[i].has_price;
  }
  CHECK(saw_no_price);
  char second[64];
  snprintf(second, sizeof second, "%s", res->count > 1 ? res->hits[1].id : "");
  EXPECT_STATUS(db, saiki_results_free(res), SAIKI_OK);

  /* Paging: k and offset. */
  saiki_search_options so;
  saiki_search_options_init(&so);
  CHECK(so.k == 10 && so.offset == 0 && so.user == NULL && so.explain == 0);
  so.k = 1;
  so.offset = 1;
  EXPECT_STATUS(db, saiki_search(db, "犬", &so, &res), SAIKI_OK);
  if (res) {
    CHECK(res->count == 1);
    CHECK(res->count == 1 && strcmp(res->hits[0].id, second) == 0);
    CHECK(res->count == 1 && res->hits[0].rank == 2);
    saiki_results_free(res);
  }

  /* Filters in the query. */
  so.k = 10;
  so.offset = 0;
  EXPECT_STATUS(db, saiki_search(db, "犬 price:..1500 brand:ペティオ", &so, &res), SAIKI_OK);
  if (res) {
    CHECK(res->count == 1);
    CHECK(res->count == 1 && strcmp(res->hits[0].id, "p3") == 0);
    CHECK(res->count == 1 && res->hits[0].has_price && res->hits[0].price == 1280);
    saiki_results_free(res);
  }

  /* Explain adds the per-field scores to the JSON. */
  so.explain = 1;
  EXPECT_STATUS(db, saiki_search(db, "首輪", &so, &res), SAIKI_OK);
  if (res) {
    CHECK(contains(saiki_results_json(res), "\"explain\""));
    saiki_results_free(res);
  }

  /* Out-of-range options and a bad query are errors with messages. */
  so.explain = 0;
  so.k = 0;
  res = (saiki_results*)&so; /* must be reset to NULL on failure */
  EXPECT_STATUS(db, saiki_search(db, "犬", &so, &res), SAIKI_INVALID_ARGUMENT);
  CHECK(res == NULL);
  CHECK(strlen(saiki_errmsg(db)) > 0);
  CHECK(saiki_errcode(db) == SAIKI_INVALID_ARGUMENT);
  so.k = 10;
  so.offset = -1;
  EXPECT_STATUS(db, saiki_search(db, "犬", &so, &res), SAIKI_INVALID_ARGUMENT);
  so.offset = 0;
  /* A success clears the message. */
  EXPECT_STATUS(db, saiki_search(db, "犬", &so, &res), SAIKI_OK);
  CHECK(strcmp(saiki_errmsg(db), "") == 0);
  saiki_results_free(res);
}

static void test_learning(saiki_db* db) {
  saiki_search_options so;
  saiki_search_options_init(&so);
  so.user = "alice";
  saiki_results* res = NULL;
  EXPECT_STATUS(db, saiki_search(db, "犬", &so, &res), SAIKI_OK);
  if (!res) return;
  CHECK(res->query_id != NULL);
  CHECK(res->count >= 3);
  char qid[128], shown[64], shown2[64];
  snprintf(qid, sizeof qid, "%s", res->query_id ? res->query_id : "");
  snprintf(shown, sizeof shown, "%s", res->hits[2].id);
  snprintf(shown2, sizeof shown2, "%s", res->hits[1].id);
  saiki_results_free(res);

  EXPECT_STATUS(db, saiki_click(db, qid, shown, SAIKI_CLICK), SAIKI_OK);
  EXPECT_STATUS(db, saiki_click(db, qid, shown, SAIKI_PURCHASE), SAIKI_OK);
  EXPECT_STATUS(db, saiki_click(db, qid, shown2, SAIKI_CART), SAIKI_OK);
  EXPECT_STATUS(db, saiki_click(db, "999999", shown, SAIKI_CLICK), SAIKI_NOT_FOUND);
  CHECK(strlen(saiki_errmsg(db)) > 0);
  EXPECT_STATUS(db, saiki_click(db, qid, "p4", SAIKI_CLICK), SAIKI_INVALID_ARGUMENT);
  EXPECT_STATUS(db, saiki_click(db, qid, shown, 7), SAIKI_INVALID_ARGUMENT);
  CHECK(contains(saiki_errmsg(db), "kind 7"));

  char* json = NULL;
  EXPECT_STATUS(db, saiki_end_session(db, "alice", &json), SAIKI_OK);
  CHECK(json != NULL);
  CHECK(contains(json, "\"user\":\"alice\""));
  CHECK(contains(json, "\"clicks\":2")); /* two products clicked */
  CHECK(contains(json, "\"impressions\":1"));
  CHECK(contains(json, "\"personal\":{\"outcome\""));
  EXPECT_STATUS(db, saiki_string_free(json), SAIKI_OK);
  /* No open session now: OK and no report. */
  json = (char*)"sentinel";
  EXPECT_STATUS(db, saiki_end_session(db, "alice", &json), SAIKI_OK);
  CHECK(json == NULL);
  EXPECT_STATUS(db, saiki_sweep_sessions(db, &json), SAIKI_OK);
  CHECK(json && strcmp(json, "[]") == 0);
  saiki_string_free(json);
  /* The pooled learners run in the closes by default: the step says so. */
  EXPECT_STATUS(db, saiki_learn_pooled(db, &json), SAIKI_OK);
  CHECK(contains(json, "\"ran\":false"));
  CHECK(contains(json, "learn.pooled_at close"));
  saiki_string_free(json);

  EXPECT_STATUS(db, saiki_model_show(db, NULL, &json), SAIKI_OK);
  CHECK(contains(json, "\"learn_mode\":\"on\""));
  CHECK(contains(json, "\"weights\":["));
  CHECK(!contains(json, "\"personal\""));
  saiki_string_free(json);
  EXPECT_STATUS(db, saiki_model_show(db, "alice", &json), SAIKI_OK);
  CHECK(contains(json, "\"user\":\"alice\""));
  CHECK(contains(json, "\"personal\""));
  saiki_string_free(json);
  EXPECT_STATUS(db, saiki_model_history(db, "alice", &json), SAIKI_OK);
  CHECK(json && json[0] == '[');
  saiki_string_free(json);
  EXPECT_STATUS(db, saiki_suggest(db, "", 5, NULL, &json), SAIKI_OK);
  CHECK(contains(json, "\"suggestions\":[]"));
  saiki_string_free(json);
  EXPECT_STATUS(db, saiki_suggest(db, "x", 0, NULL, &json), SAIKI_INVALID_ARGUMENT);
  EXPECT_STATUS(db, saiki_suggest(db, NULL, 5, NULL, &json), SAIKI_MISUSE);
  EXPECT_STATUS(db, saiki_model_rollback(db, 999999, NULL), SAIKI_NOT_FOUND);
  EXPECT_STATUS(db, saiki_model_rollback(db, -1, NULL), SAIKI_INVALID_ARGUMENT);
  EXPECT_STATUS(db, saiki_model_rollback(db, 0, NULL), SAIKI_OK);

  EXPECT_STATUS(db, saiki_forget_user(db, "alice", &json), SAIKI_OK);
  CHECK(contains(json, "\"rows_deleted\":"));
  CHECK(!contains(json, "\"rows_deleted\":0,"));
  saiki_string_free(json);
  /* Forgotten: the click's query id is gone. */
  EXPECT_STATUS(db, saiki_click(db, qid, shown, SAIKI_CLICK), SAIKI_NOT_FOUND);
}

static void test_settings_and_products(saiki_db* db) {
  char* value = NULL;
  EXPECT_STATUS(db, saiki_setting_set(db, "bm25.k1", "1.5"), SAIKI_OK);
  EXPECT_STATUS(db, saiki_setting_get(db, "bm25.k1", &value), SAIKI_OK);
  CHECK(value && strcmp(value, "1.5") == 0);
  saiki_string_free(value);
  EXPECT_STATUS(db, saiki_setting_set(db, "bm25.k1", "99"), SAIKI_INVALID_ARGUMENT);
  CHECK(contains(saiki_errmsg(db), "bm25.k1"));
  EXPECT_STATUS(db, saiki_setting_get(db, "bm25.k1", &value), SAIKI_OK);
  CHECK(value && strcmp(value, "1.5") == 0); /* the bad value changed nothing */
  saiki_string_free(value);
  EXPECT_STATUS(db, saiki_setting_get(db, "no.such.key", &value), SAIKI_NOT_FOUND);
  CHECK(value == NULL);
  EXPECT_STATUS(db, saiki_setting_set(db, "no.such.key", "1"), SAIKI_NOT_FOUND);
  char* json = NULL;
  EXPECT_STATUS(db, saiki_settings_list(db, &json), SAIKI_OK);
  CHECK(contains(json, "\"bm25.k1\":\"1.5\""));
  CHECK(contains(json, "\"learn.mode\":\"on\""));
  saiki_string_free(json);

  EXPECT_STATUS(db, saiki_get_product(db, "p1", &json), SAIKI_OK);
  CHECK(contains(json, "\"id\":\"p1\""));
  CHECK(contains(json, "\"brand\":\"ペティオ\""));
  saiki_string_free(json);
  json = (char*)"sentinel";
  EXPECT_STATUS(db, saiki_get_product(db, "nope", &json), SAIKI_OK);
  CHECK(json == NULL);
  EXPECT_STATUS(db, saiki_optimize(db), SAIKI_OK);
}

/* Misuse: each case returns a code, touches nothing, and never crashes. */
static void test_misuse(const char* dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/misuse.saiki", dir);
  saiki_db* db = open_db(path);
  saiki_results* res = NULL;
  char* json = NULL;
  saiki_stats stats;

  /* NULL handles. */
  CHECK(saiki_search(NULL, "犬", NULL, &res) == SAIKI_MISUSE);
  CHECK(saiki_click(NULL, "q", "p", SAIKI_CLICK) == SAIKI_MISUSE);
  CHECK(saiki_end_session(NULL, "u", &json) == SAIKI_MISUSE);
  CHECK(saiki_stats_get(NULL, &stats) == SAIKI_MISUSE);
  CHECK(saiki_import_csv(NULL, "x.csv", NULL, NULL) == SAIKI_MISUSE);
  CHECK(saiki_model_show(NULL, NULL, &json) == SAIKI_MISUSE);
  CHECK(saiki_setting_set(NULL, "bm25.k1", "1") == SAIKI_MISUSE);
  CHECK(saiki_forget_user(NULL, "u", &json) == SAIKI_MISUSE);
  CHECK(saiki_errcode(NULL) == SAIKI_MISUSE);
  CHECK(strlen(saiki_errmsg(NULL)) > 0);
  CHECK(saiki_close(NULL) == SAIKI_OK);
  CHECK(saiki_results_free(NULL) == SAIKI_OK);
  CHECK(saiki_string_free(NULL) == SAIKI_OK);
  CHECK(saiki_open("x", NULL, NULL) == SAIKI_MISUSE);

  /* NULL arguments on a good handle. */
  EXPECT_STATUS(db, saiki_search(db, NULL, NULL, &res), SAIKI_MISUSE);
  CHECK(contains(saiki_errmsg(db), "query is NULL"));
  EXPECT_STATUS(db, saiki_search(db, "犬", NULL, NULL), SAIKI_MISUSE);
  EXPECT_STATUS(db, saiki_click(db, NULL, "p", SAIKI_CLICK), SAIKI_MISUSE);
  EXPECT_STATUS(db, saiki_stats_get(db, NULL), SAIKI_MISUSE);
  EXPECT_STATUS(db, saiki_model_show(db, NULL, NULL), SAIKI_MISUSE);
  EXPECT_STATUS(db, saiki_import_csv(db, NULL, NULL, NULL), SAIKI_MISUSE);
  EXPECT_STATUS(db, saiki_import_csv_data(db, NULL, 10, NULL, NULL, NULL), SAIKI_MISUSE);
  EXPECT_STATUS(db, saiki_delete_products(db, NULL, 2, NULL), SAIKI_MISUSE);

  /* Invalid UTF-8 in every kind of text argument. */
  const char* bad = "\xe7\x8a"; /* 犬 cut short */
  const char* overlong = "\xc0\xaf";
  const char* surrogate = "\xed\xa0\x80";
  EXPECT_STATUS(db, saiki_search(db, bad, NULL, &res), SAIKI_INVALID_ARGUMENT);
  CHECK(contains(saiki_errmsg(db), "query is not valid UTF-8"));
  EXPECT_STATUS(db, saiki_search(db, overlong, NULL, &res), SAIKI_INVALID_ARGUMENT);
  EXPECT_STATUS(db, saiki_search(db, surrogate, NULL, &res), SAIKI_INVALID_ARGUMENT);
  saiki_search_options so;
  saiki_search_options_init(&so);
  so.user = bad;
  EXPECT_STATUS(db, saiki_search(db, "犬", &so, &res), SAIKI_INVALID_ARGUMENT);
  CHECK(contains(saiki_errmsg(db), "options->user"));
  EXPECT_STATUS(db, saiki_click(db, bad, "p", SAIKI_CLICK), SAIKI_INVALID_ARGUMENT);
  EXPECT_STATUS(db, saiki_end_session(db, bad, &json), SAIKI_INVALID_ARGUMENT);
  EXPECT_STATUS(db, saiki_forget_user(db, bad, &json), SAIKI_INVALID_ARGUMENT);
  EXPECT_STATUS(db, saiki_setting_set(db, "bm25.k1", bad), SAIKI_INVALID_ARGUMENT);
  EXPECT_STATUS(db, saiki_setting_get(db, bad, &json), SAIKI_INVALID_ARGUMENT);
  EXPECT_STATUS(db, saiki_get_product(db, bad, &json), SAIKI_INVALID_ARGUMENT);
  EXPECT_STATUS(db, saiki_model_show(db, bad, &json), SAIKI_INVALID_ARGUMENT);
  const char* ids[2] = {"ok", bad};
  EXPECT_STATUS(db, saiki_delete_products(db, ids, 2, NULL), SAIKI_INVALID_ARGUMENT);
  CHECK(contains(saiki_errmsg(db), "ids[1]"));
  saiki_import_options io;
  saiki_import_options_init(&io);
  io.encoding = bad;
  EXPECT_STATUS(db, saiki_import_csv_data(db, kCatalog, strlen(kCatalog), NULL, &io, NULL),
                SAIKI_INVALID_ARGUMENT);
  /* None of it stored anything. */
  EXPECT_STATUS(db, saiki_stats_get(db, &stats), SAIKI_OK);
  CHECK(stats.products == 0);

  /* Results and strings: double frees and foreign pointers. */
  EXPECT_STATUS(db, saiki_search(db, "犬", NULL, &res), SAIKI_OK);
  CHECK(saiki_results_free(res) == SAIKI_OK);
  CHECK(saiki_results_free(res) == SAIKI_MISUSE);
  CHECK(saiki_results_json(res) == NULL);
  CHECK(saiki_results_json(NULL) == NULL);
  saiki_results fake;
  memset(&fake, 0, sizeof fake);
  CHECK(saiki_results_free(&fake) == SAIKI_MISUSE);
  EXPECT_STATUS(db, saiki_settings_list(db, &json), SAIKI_OK);
  CHECK(saiki_string_free(json) == SAIKI_OK);
  CHECK(saiki_string_free(json) == SAIKI_MISUSE);
  char local[8] = "x";
  CHECK(saiki_string_free(local) == SAIKI_MISUSE);
  /* A string is not a results handle, nor a database. */
  EXPECT_STATUS(db, saiki_settings_list(db, &json), SAIKI_OK);
  CHECK(saiki_results_free((saiki_results*)json) == SAIKI_MISUSE);
  CHECK(saiki_close((saiki_db*)json) == SAIKI_MISUSE);
  CHECK(saiki_string_free(json) == SAIKI_OK);

  /* A closed handle. */
  CHECK(saiki_close(db) == SAIKI_OK);
  CHECK(saiki_close(db) == SAIKI_MISUSE);
  CHECK(saiki_search(db, "犬", NULL, &res) == SAIKI_MISUSE);
  CHECK(saiki_stats_get(db, &stats) == SAIKI_MISUSE);
  CHECK(saiki_errcode(db) == SAIKI_MISUSE);
  CHECK(contains(saiki_errmsg(db), "not an open database handle"));
}

static void test_open_failures(const char* dir) {
  char path[512];
  saiki_open_options oo;
  saiki_open_options_init(&oo);
  CHECK(oo.create_if_missing == 1 && oo.read_only == 0 && oo.busy_timeout_ms == 5000);

  /* Missing and not to be created. */
  oo.create_if_missing = 0;
  snprintf(path, sizeof path, "%s/missing.saiki", dir);
  saiki_db* db = NULL;
  EXPECT_STATUS(db, saiki_open(path, &oo, &db), SAIKI_NOT_FOUND);
  CHECK(db != NULL);
  CHECK(saiki_errcode(db) == SAIKI_NOT_FOUND);
  CHECK(strlen(saiki_errmsg(db)) > 0);
  saiki_results* res = NULL;
  CHECK(saiki_search(db, "犬", NULL, &res) == SAIKI_MISUSE);
  CHECK(saiki_errcode(db) == SAIKI_NOT_FOUND); /* the open's message stays */
  CHECK(saiki_close(db) == SAIKI_OK);
  CHECK(access(path, F_OK) != 0);

  /* Not a saiki database. */
  snprintf(path, sizeof path, "%s/not-a-db.txt", dir);
  FILE* f = fopen(path, "w");
  CHECK(f != NULL);
  if (f) {
    fputs("this is a text file, not SQLite, and long enough to have a header..........\n", f);
    fclose(f);
  }
  saiki_open_options_init(&oo);
  EXPECT_STATUS(db, saiki_open(path, &oo, &db), SAIKI_CORRUPTION);
  saiki_close(db);

  /* A busy timeout out of range. */
  oo.busy_timeout_ms = -5;
  snprintf(path, sizeof path, "%s/opts.saiki", dir);
  EXPECT_STATUS(db, saiki_open(path, &oo, &db), SAIKI_INVALID_ARGUMENT);
  saiki_close(db);
  EXPECT_STATUS(db, saiki_open(NULL, NULL, &db), SAIKI_MISUSE);
  CHECK(contains(saiki_errmsg(db), "path is NULL"));
  saiki_close(db);
}

static void test_read_only(const char* path) {
  saiki_open_options oo;
  saiki_open_options_init(&oo);
  oo.read_only = 1;
  saiki_db* db = NULL;
  EXPECT_STATUS(db, saiki_open(path, &oo, &db), SAIKI_OK);
  saiki_results* res = NULL;
  EXPECT_STATUS(db, saiki_search(db, "犬", NULL, &res), SAIKI_OK);
  saiki_results_free(res);
  EXPECT_STATUS(db, saiki_import_csv_data(db, kCatalog, strlen(kCatalog), NULL, NULL, NULL),
                SAIKI_IO_ERROR);
  saiki_close(db);
}

int main(void) {
  char dir[] = "/tmp/saiki-c-api-XXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 2;
  }
  char path[512];
  snprintf(path, sizeof path, "%s/shop.saiki", dir);

  test_version();
  saiki_db* db = open_db(path);
  test_import(db);
  test_search(db);
  test_learning(db);
  test_settings_and_products(db);
  CHECK(saiki_close(db) == SAIKI_OK);
  test_read_only(path);
  test_misuse(dir);
  test_open_failures(dir);

  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  printf("c_api_test: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
