// libFuzzer target: Database::LoadSynonyms over an arbitrary file, then a
// search through the loaded groups.
//
// One database (a small catalogue) is created once in a temporary directory;
// each input is written to a file there and loaded. This goes through the
// whole library (SQLite included), so it runs ~100x slower than the other
// targets; it is still worth it because the synonyms file is user input
// that reaches storage and the query path.
//
// Invariants: LoadSynonyms fails only with kInvalidArgument (a bad line);
// on success a search for each of the first few words of the file either
// works or is refused as a bad query (kInvalidArgument), never any other
// error (nor a crash in the expansion).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "fuzz/fuzz_util.h"
#include "saiki/saiki.h"

using saiki::StatusCode;
using saiki::fuzz::Escape;

namespace {

std::string g_dir;
std::unique_ptr<saiki::Database> g_db;

void Die(const std::string& what) {
  std::fprintf(stderr, "fuzz_synonyms setup: %s\n", what.c_str());
  std::abort();
}

void Setup() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/saiki-fuzz-syn-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) Die("mkdtemp");
  g_dir = templ;
  auto db = saiki::Database::Open(g_dir + "/syn.saiki");
  if (!db.ok()) Die(db.status().ToString());
  g_db = std::move(db).value();
  std::istringstream csv(
      "id,title,brand,category,price\n"
      "p1,子犬用 ふわふわベッド,ペティオ,ペット用品>犬用品>ベッド,1980\n"
      "p2,ドッグフード 2.5kg,ドギーマン,ペット用品>犬用品>フード,2480\n"
      "p3,キャットフード まぐろ味,ねこまる,ペット用品>猫用品>フード,980\n"
      "p4,ノートパソコン 15インチ,アクア,家電>パソコン,89800\n"
      "p5,ウォーターサーバー,アクア,家電>キッチン家電,19800\n");
  auto r = g_db->ImportCsv(csv, "seed.csv", saiki::ImportOptions());
  if (!r.ok()) Die(r.status().ToString());
  std::atexit([] {
    g_db.reset();
    std::string cmd = "rm -rf '" + g_dir + "'";
    if (std::system(cmd.c_str()) != 0) {
    }
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!g_db) Setup();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string path = g_dir + "/synonyms.txt";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  auto loaded = g_db->LoadSynonyms(path);
  if (!loaded.ok()) {
    FUZZ_CHECK(loaded.status().code() == StatusCode::kInvalidArgument,
               "LoadSynonyms(%s): %s", Escape(text).c_str(), loaded.status().ToString().c_str());
    return 0;
  }
  // Search for the first few words of the file: expansion through the groups.
  std::istringstream words(text);
  std::string w;
  for (int i = 0; i < 3 && words >> w; ++i) {
    if (w[0] == '#') break;
    saiki::SearchRequest req;
    req.query = w;
    req.k = 5;
    auto res = g_db->Search(req);
    if (!res.ok()) {
      FUZZ_CHECK(res.status().code() == StatusCode::kInvalidArgument, "Search(%s) after synonyms %s: %s",
                 Escape(w).c_str(), Escape(text).c_str(), res.status().ToString().c_str());
    }
  }
  return 0;
}
