// SQLite FTS5, through the same libsqlite3 saiki links, with the trigram or
// the unicode61 tokenizer. One FTS5 table holds the normalised text columns
// (title, description, brand, category, tags) and, unindexed, the brand key
// and the price for the filters. Loaded in one transaction, then 'optimize'
// (merges the b-trees into one, what a read-mostly deployment does); ranked by
// bm25() with the field weights saiki uses by default (3, 1, 2, 1.5, 1.5).
// Every term is a quoted FTS5 string (a phrase of its tokens); terms are
// joined by an explicit AND. With trigram a string shorter than 3 characters
// matches nothing, so a query with such a term answers nothing. (SQLite
// 3.40's implicit AND — strings side by side — instead drops the short
// string and matches on the others, which returns products without it.)
#include <sqlite3.h>

#include <array>
#include <filesystem>

#include "harness.h"

namespace peers {
namespace {

class Fts5Engine : public Engine {
 public:
  explicit Fts5Engine(std::string tokenizer) : tokenizer_(std::move(tokenizer)) {}
  ~Fts5Engine() override {
    for (auto& s : top_) sqlite3_finalize(s);
    for (auto& s : all_) sqlite3_finalize(s);
    if (db_) sqlite3_close(db_);
  }

  bool Build(const std::string& csv, const std::string& path, KeyValues* notes,
             std::string* error) override {
    if (!OpenDb(path, error)) return false;
    std::string tok = tokenizer_ == "trigram" ? "trigram" : "unicode61 remove_diacritics 0";
    if (!Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
              "CREATE VIRTUAL TABLE docs USING fts5(title, description, brand, category, tags,"
              " brand_key UNINDEXED, price UNINDEXED, tokenize='" + tok + "');"
              "BEGIN;", error))
      return false;
    sqlite3_stmt* ins = nullptr;
    if (sqlite3_prepare_v2(db_,
                           "INSERT INTO docs(rowid, title, description, brand, category, tags,"
                           " brand_key, price) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           -1, &ins, nullptr) != SQLITE_OK)
      return Err(error);
    bool ok = true;
    double prep_s = 0;
    std::string read_err;
    bool read = ReadCatalog(csv, [&](Row& r) {
      if (!ok) return;
      auto t = Clock::now();
      NormRow n = NormalizeRow(r);
      prep_s += SecondsSince(t);
      sqlite3_bind_int64(ins, 1, n.idx);
      const std::string* cols[] = {&n.title, &n.description, &n.brand, &n.category, &n.tags,
                                   &n.brand_key};
      for (int i = 0; i < 6; ++i)
        sqlite3_bind_text(ins, i + 2, cols[i]->data(), static_cast<int>(cols[i]->size()),
                          SQLITE_STATIC);
      sqlite3_bind_double(ins, 8, n.price);
      if (sqlite3_step(ins) != SQLITE_DONE) ok = Err(error);
      sqlite3_reset(ins);
    }, &read_err);
    sqlite3_finalize(ins);
    if (!read) {
      *error = read_err;
      return false;
    }
    if (!ok) return false;
    auto t = Clock::now();
    if (!Exec("COMMIT;", error)) return false;
    double commit_s = SecondsSince(t);
    t = Clock::now();
    if (!Exec("INSERT INTO docs(docs) VALUES('optimize');"
              "INSERT INTO docs(docs, rank) VALUES('rank', 'bm25(3.0, 1.0, 2.0, 1.5, 1.5, 0.0, 0.0)');"
              "PRAGMA wal_checkpoint(TRUNCATE);", error))
      return false;
    (*notes)["normalise_s"] = std::to_string(prep_s);
    (*notes)["commit_s"] = std::to_string(commit_s);
    (*notes)["optimize_s"] = std::to_string(SecondsSince(t));
    return true;
  }

  bool Open(const std::string& path, std::string* error) override {
    if (!OpenDb(path, error)) return false;
    return Exec("PRAGMA cache_size=-262144;", error);  // 256 MiB page cache
  }

  bool Search(const Query& q, int k, std::vector<Hit>* hits, std::string* error) override {
    sqlite3_stmt* st = Stmt(q, true, error);
    if (!st) return false;
    sqlite3_bind_int(st, 5, k);
    hits->clear();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      hits->push_back({static_cast<uint32_t>(sqlite3_column_int64(st, 0)),
                       reinterpret_cast<const char*>(sqlite3_column_text(st, 1))});
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return Err(error);
    return true;
  }

  bool MatchAll(const Query& q, std::vector<uint32_t>* docs, MatchInfo* info,
                std::string* error) override {
    sqlite3_stmt* st = Stmt(q, false, error);
    if (!st) return false;
    docs->clear();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
      docs->push_back(static_cast<uint32_t>(sqlite3_column_int64(st, 0)));
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return Err(error);
    std::sort(docs->begin(), docs->end());
    return true;
  }

 private:
  bool OpenDb(const std::string& path, std::string* error) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) return Err(error);
    return true;
  }
  bool Exec(const std::string& sql, std::string* error) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      *error = std::string("sqlite: ") + (msg ? msg : "?");
      sqlite3_free(msg);
      return false;
    }
    return true;
  }
  bool Err(std::string* error) {
    *error = std::string("sqlite: ") + sqlite3_errmsg(db_);
    return false;
  }

  static std::string MatchString(const Query& q) {
    std::string m;
    for (const std::string& t : q.terms) {
      if (!m.empty()) m += " AND ";
      m += '"';
      for (char c : t) {
        if (c == '"') m += '"';
        m += c;
      }
      m += '"';
    }
    return m;
  }

  // Prepared once per shape (brand filter, price min, price max) and kind
  // (top-k or all); bound per query. ?1 match, ?2 brand, ?3 min, ?4 max, ?5 k.
  sqlite3_stmt* Stmt(const Query& q, bool top, std::string* error) {
    int shape = (q.brand.empty() ? 0 : 1) | (q.price_min ? 2 : 0) | (q.price_max ? 4 : 0);
    sqlite3_stmt*& st = top ? top_[shape] : all_[shape];
    if (!st) {
      std::string sql = top ? "SELECT rowid, title FROM docs WHERE docs MATCH ?1"
                            : "SELECT rowid FROM docs WHERE docs MATCH ?1";
      if (shape & 1) sql += " AND brand_key = ?2";
      if (shape & 2) sql += " AND price >= ?3";
      if (shape & 4) sql += " AND price <= ?4";
      if (top) sql += " ORDER BY rank LIMIT ?5";
      if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        Err(error);
        return nullptr;
      }
    }
    std::string m = MatchString(q);
    sqlite3_bind_text(st, 1, m.data(), static_cast<int>(m.size()), SQLITE_TRANSIENT);
    if (shape & 1)
      sqlite3_bind_text(st, 2, q.brand.data(), static_cast<int>(q.brand.size()), SQLITE_TRANSIENT);
    if (shape & 2) sqlite3_bind_double(st, 3, *q.price_min);
    if (shape & 4) sqlite3_bind_double(st, 4, *q.price_max);
    return st;
  }

  std::string tokenizer_;
  sqlite3* db_ = nullptr;
  std::array<sqlite3_stmt*, 8> top_{}, all_{};
};

}  // namespace

std::unique_ptr<Engine> MakeFts5(const std::string& tokenizer) {
  return std::make_unique<Fts5Engine>(tokenizer);
}
std::string SqliteVersion() { return std::string("SQLite ") + sqlite3_libversion(); }

}  // namespace peers
