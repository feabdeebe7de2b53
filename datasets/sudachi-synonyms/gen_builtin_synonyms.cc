// Build-time generator of saiki's built-in synonym blob (engine/synonyms.h):
//
//   saiki_gen_synonyms synonyms.txt OUT.bin
//
// reads SudachiDict's synonyms.txt, keeps its orthographic-variant groups and
// normalizes their terms with saiki's own analyzer (engine/synonyms.cc,
// ParseSynonyms), and writes the sorted lookup blob (EncodeBuiltinSynonyms)
// that engine/builtin_synonyms_data.cc embeds. Doing this at build time
// rather than on a process's first search saves every process about 30 ms
// (the parse and ICU normalization of 42,000 terms). Exit status 1 with a
// message on any error.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "engine/synonyms.h"
#include "index/analyzer.h"

namespace saiki::engine {
// The library's own definition lives in builtin_synonyms_data.cc, which is
// not linked here (it embeds this program's output).
std::string_view BuiltinSynonymsBlob() { return {}; }
}  // namespace saiki::engine

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: saiki_gen_synonyms SYNONYMS.txt OUT.bin\n";
    return 1;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "saiki_gen_synonyms: cannot open " << argv[1] << "\n";
    return 1;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  auto analyzer = saiki::index::Analyzer::Create();
  if (!analyzer.ok()) {
    std::cerr << "saiki_gen_synonyms: " << analyzer.status().ToString() << "\n";
    return 1;
  }
  std::vector<saiki::engine::SynonymGroup> groups;
  saiki::Status s = saiki::engine::ParseSynonyms(buf.str(), argv[1], **analyzer, &groups);
  if (!s.ok()) {
    std::cerr << "saiki_gen_synonyms: " << s.ToString() << "\n";
    return 1;
  }
  const std::string blob = saiki::engine::EncodeBuiltinSynonyms(groups);
  const std::string tmp = std::string(argv[2]) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << blob;
    if (!out.flush()) {
      std::cerr << "saiki_gen_synonyms: cannot write " << tmp << "\n";
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), argv[2]) != 0) {
    std::cerr << "saiki_gen_synonyms: cannot rename " << tmp << " to " << argv[2] << "\n";
    return 1;
  }
  std::cerr << "saiki_gen_synonyms: " << groups.size() << " groups, " << blob.size()
            << " bytes\n";
  return 0;
}
