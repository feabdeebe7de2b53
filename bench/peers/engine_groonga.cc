// Groonga (libgroonga) through its C API. A TABLE_NO_KEY table Products with
// the normalised columns title, description, tags (Text), brand, category,
// brand_key (ShortText) and price (Float); record ids are catalogue rows.
// The lexicon Terms is a TABLE_PAT_KEY with TokenBigram and NormalizerAuto,
// and one full-text index column (WITH_POSITION|WITH_SECTION) covers the five
// text columns. The index column is created after the rows are loaded, so
// Groonga builds it statically (its fast bulk path).
//
// A query is parsed in Groonga's query syntax against the match columns
// `title * 6 || description * 2 || brand * 4 || category * 3 || tags * 3`
// (saiki's field weights), every term a quoted phrase, default operator AND;
// the filters are `brand_key:"..."` and `price:>=lo price:<=hi` in the same
// expression (column conditions). grn_table_select, then grn_table_sort by
// -_score with the limit, as the select command does.
#include "harness.h"

#ifdef SAIKI_PEERS_HAVE_GROONGA
#include <groonga.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace peers {
namespace {

class GroongaEngine : public Engine {
 public:
  GroongaEngine() {
    grn_init();
    grn_ctx_init(&ctx_, 0);
    GRN_TEXT_INIT(&buf_, 0);
    GRN_FLOAT_INIT(&fbuf_, 0);
  }
  ~GroongaEngine() override {
    if (match_columns_) grn_obj_close(&ctx_, match_columns_);
    GRN_OBJ_FIN(&ctx_, &buf_);
    GRN_OBJ_FIN(&ctx_, &fbuf_);
    if (db_) grn_obj_close(&ctx_, db_);
    grn_ctx_fin(&ctx_);
    grn_fin();
  }

  bool Build(const std::string& csv, const std::string& path, KeyValues* notes,
             std::string* error) override {
    std::filesystem::create_directories(path);
    db_ = grn_db_create(&ctx_, (path + "/db").c_str(), nullptr);
    if (!db_) return Err("grn_db_create", error);
    const char* schema[] = {
        "table_create Products TABLE_NO_KEY",
        "column_create Products title COLUMN_SCALAR Text",
        "column_create Products description COLUMN_SCALAR Text",
        "column_create Products brand COLUMN_SCALAR ShortText",
        "column_create Products category COLUMN_SCALAR ShortText",
        "column_create Products tags COLUMN_SCALAR Text",
        "column_create Products brand_key COLUMN_SCALAR ShortText",
        "column_create Products price COLUMN_SCALAR Float",
    };
    for (const char* cmd : schema)
      if (!Command(cmd, error)) return false;
    grn_obj* table = grn_ctx_get(&ctx_, "Products", -1);
    const char* names[] = {"Products.title", "Products.description", "Products.brand",
                           "Products.category", "Products.tags", "Products.brand_key"};
    grn_obj* cols[6];
    for (int i = 0; i < 6; ++i)
      if (!(cols[i] = grn_ctx_get(&ctx_, names[i], -1))) return Err(names[i], error);
    grn_obj* price = grn_ctx_get(&ctx_, "Products.price", -1);
    double prep_s = 0;
    bool ok = true;
    std::string read_err;
    bool read = ReadCatalog(csv, [&](Row& r) {
      if (!ok) return;
      auto t = Clock::now();
      NormRow n = NormalizeRow(r);
      prep_s += SecondsSince(t);
      grn_id id = grn_table_add(&ctx_, table, nullptr, 0, nullptr);
      if (id != n.idx) {
        ok = false;
        *error = "groonga: record id " + std::to_string(id) + " for row " + std::to_string(n.idx);
        return;
      }
      const std::string* vals[] = {&n.title, &n.description, &n.brand, &n.category, &n.tags,
                                   &n.brand_key};
      for (int i = 0; i < 6; ++i) {
        GRN_TEXT_SET(&ctx_, &buf_, vals[i]->data(), vals[i]->size());
        grn_obj_set_value(&ctx_, cols[i], id, &buf_, GRN_OBJ_SET);
      }
      GRN_FLOAT_SET(&ctx_, &fbuf_, n.price);
      grn_obj_set_value(&ctx_, price, id, &fbuf_, GRN_OBJ_SET);
      if (ctx_.rc != GRN_SUCCESS) ok = Err("set_value", error);
    }, &read_err);
    if (!read) {
      *error = read_err;
      return false;
    }
    if (!ok) return false;
    auto t = Clock::now();
    if (!Command("table_create Terms TABLE_PAT_KEY ShortText --default_tokenizer TokenBigram "
                 "--normalizer NormalizerAuto", error) ||
        !Command("column_create Terms idx COLUMN_INDEX|WITH_POSITION|WITH_SECTION Products "
                 "title,description,brand,category,tags", error))
      return false;
    (*notes)["normalise_s"] = std::to_string(prep_s);
    (*notes)["index_build_s"] = std::to_string(SecondsSince(t));
    grn_obj_flush_recursive(&ctx_, db_);
    return true;
  }

  bool Open(const std::string& path, std::string* error) override {
    db_ = grn_db_open(&ctx_, (path + "/db").c_str());
    if (!db_) return Err("grn_db_open", error);
    table_ = grn_ctx_get(&ctx_, "Products", -1);
    title_ = grn_ctx_get(&ctx_, "Products.title", -1);
    if (!table_ || !title_) return Err("Products", error);
    grn_obj* var;
    GRN_EXPR_CREATE_FOR_QUERY(&ctx_, table_, match_columns_, var);
    const char* mc = "title * 6 || description * 2 || brand * 4 || category * 3 || tags * 3";
    if (grn_expr_parse(&ctx_, match_columns_, mc, std::strlen(mc), nullptr, GRN_OP_MATCH,
                       GRN_OP_AND, GRN_EXPR_SYNTAX_SCRIPT) != GRN_SUCCESS)
      return Err("match columns", error);
    return true;
  }

  bool Search(const Query& q, int k, std::vector<Hit>* hits, std::string* error) override {
    hits->clear();
    grn_obj* res = Select(q, error);
    if (!res) return false;
    grn_obj* sorted = grn_table_create(&ctx_, nullptr, 0, nullptr, GRN_OBJ_TABLE_NO_KEY,
                                       nullptr, res);
    // Sort keys hold accessors bound to one result table: made per result
    // set (cheap), as the select command does.
    uint32_t nkeys = 0;
    grn_table_sort_key* keys = grn_table_sort_key_from_str(&ctx_, "-_score", 7, res, &nkeys);
    grn_table_sort(&ctx_, res, 0, k, sorted, keys, static_cast<int>(nkeys));
    grn_table_sort_key_close(&ctx_, keys, nkeys);
    grn_table_cursor* cur = grn_table_cursor_open(&ctx_, sorted, nullptr, 0, nullptr, 0, 0, -1, 0);
    if (cur) {
      grn_id sid;
      while ((sid = grn_table_cursor_next(&ctx_, cur)) != GRN_ID_NIL) {
        grn_id rid = GRN_ID_NIL, orig = GRN_ID_NIL;
        grn_table_get_key(&ctx_, sorted, sid, &rid, sizeof(grn_id));
        grn_table_get_key(&ctx_, res, rid, &orig, sizeof(grn_id));
        GRN_BULK_REWIND(&buf_);
        grn_obj_get_value(&ctx_, title_, orig, &buf_);
        hits->push_back({orig, std::string(GRN_TEXT_VALUE(&buf_), GRN_TEXT_LEN(&buf_))});
      }
      grn_table_cursor_close(&ctx_, cur);
    }
    grn_obj_unlink(&ctx_, sorted);
    grn_obj_unlink(&ctx_, res);
    if (ctx_.rc != GRN_SUCCESS) return Err("search", error);
    return true;
  }

  bool MatchAll(const Query& q, std::vector<uint32_t>* docs, MatchInfo* info,
                std::string* error) override {
    docs->clear();
    grn_obj* res = Select(q, error);
    if (!res) return false;
    grn_table_cursor* cur = grn_table_cursor_open(&ctx_, res, nullptr, 0, nullptr, 0, 0, -1, 0);
    if (cur) {
      grn_id rid;
      while ((rid = grn_table_cursor_next(&ctx_, cur)) != GRN_ID_NIL) {
        grn_id orig = GRN_ID_NIL;
        grn_table_get_key(&ctx_, res, rid, &orig, sizeof(grn_id));
        docs->push_back(orig);
      }
      grn_table_cursor_close(&ctx_, cur);
    }
    grn_obj_unlink(&ctx_, res);
    std::sort(docs->begin(), docs->end());
    return true;
  }

 private:
  static void Quote(const std::string& s, std::string* out) {
    *out += '"';
    for (char c : s) {
      if (c == '"' || c == '\\') *out += '\\';
      *out += c;
    }
    *out += '"';
  }

  // The matching records (a result set with _score), or nullptr.
  grn_obj* Select(const Query& q, std::string* error) {
    std::string s;
    for (const std::string& t : q.terms) {
      if (!s.empty()) s += ' ';
      Quote(t, &s);
    }
    if (!q.brand.empty()) {
      s += " brand_key:";
      Quote(q.brand, &s);
    }
    char num[64];
    if (q.price_min) {
      std::snprintf(num, sizeof num, " price:>=%.17g", *q.price_min);
      s += num;
    }
    if (q.price_max) {
      std::snprintf(num, sizeof num, " price:<=%.17g", *q.price_max);
      s += num;
    }
    grn_obj *expr, *var;
    GRN_EXPR_CREATE_FOR_QUERY(&ctx_, table_, expr, var);
    if (!expr) {
      Err("expr", error);
      return nullptr;
    }
    grn_rc rc = grn_expr_parse(&ctx_, expr, s.data(), s.size(), match_columns_, GRN_OP_MATCH,
                               GRN_OP_AND, GRN_EXPR_SYNTAX_QUERY | GRN_EXPR_ALLOW_COLUMN);
    if (rc != GRN_SUCCESS) {
      Err(("parse " + s).c_str(), error);
      grn_obj_unlink(&ctx_, expr);
      return nullptr;
    }
    grn_obj* res = grn_table_select(&ctx_, table_, expr, nullptr, GRN_OP_OR);
    grn_obj_unlink(&ctx_, expr);
    if (!res) Err("select", error);
    return res;
  }

  bool Command(const char* cmd, std::string* error) {
    grn_ctx_send(&ctx_, cmd, std::strlen(cmd), 0);
    char* out;
    unsigned int len;
    int flags;
    grn_ctx_recv(&ctx_, &out, &len, &flags);
    if (ctx_.rc != GRN_SUCCESS) return Err(cmd, error);
    return true;
  }

  bool Err(const char* what, std::string* error) {
    *error = std::string("groonga: ") + what + ": " + ctx_.errbuf + " (rc " +
             std::to_string(static_cast<int>(ctx_.rc)) + ")";
    ctx_.rc = GRN_SUCCESS;
    ctx_.errbuf[0] = '\0';
    return false;
  }

  grn_ctx ctx_;
  grn_obj buf_, fbuf_;
  grn_obj* db_ = nullptr;
  grn_obj* table_ = nullptr;
  grn_obj* title_ = nullptr;
  grn_obj* match_columns_ = nullptr;
};

}  // namespace

std::unique_ptr<Engine> MakeGroonga() { return std::make_unique<GroongaEngine>(); }
std::string GroongaVersion() { return std::string("Groonga ") + grn_get_version(); }

}  // namespace peers

#else

namespace peers {
std::unique_ptr<Engine> MakeGroonga() { return nullptr; }
std::string GroongaVersion() { return ""; }
}  // namespace peers

#endif
