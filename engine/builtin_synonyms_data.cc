// The built-in synonym groups (engine/synonyms.h): the blob that
// datasets/sudachi-synonyms/gen_builtin_synonyms.cc makes at build time
// from SudachiDict's synonyms.txt (Apache-2.0; the licence ships beside it
// and is installed with the library), embedded by the assembler's .incbin.
// CMakeLists.txt compiles this file apart from the rest of the library (the
// generator links the rest) with SAIKI_BUILTIN_SYNONYMS_BLOB naming the
// blob. Built without it (fuzz/build.sh compiles engine/*.cc directly),
// there are no built-in groups.
#include <string_view>

#include "engine/synonyms.h"

#ifdef SAIKI_BUILTIN_SYNONYMS_BLOB
__asm__(".section .rodata\n"
        ".balign 16\n"
        ".hidden saiki_builtin_synonyms_begin\n"
        ".hidden saiki_builtin_synonyms_end\n"
        "saiki_builtin_synonyms_begin:\n"
        ".incbin \"" SAIKI_BUILTIN_SYNONYMS_BLOB "\"\n"
        "saiki_builtin_synonyms_end:\n"
        ".byte 0\n"
        ".previous\n");

extern "C" __attribute__((visibility("hidden"))) const char saiki_builtin_synonyms_begin[];
extern "C" __attribute__((visibility("hidden"))) const char saiki_builtin_synonyms_end[];
#endif

namespace saiki::engine {

std::string_view BuiltinSynonymsBlob() {
#ifdef SAIKI_BUILTIN_SYNONYMS_BLOB
  return std::string_view(saiki_builtin_synonyms_begin,
                          static_cast<size_t>(saiki_builtin_synonyms_end -
                                              saiki_builtin_synonyms_begin));
#else
  return {};
#endif
}

}  // namespace saiki::engine
