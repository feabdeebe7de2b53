// Query-time synonyms: reading synonym files (saiki's own format and
// SudachiDict's synonyms.txt) and the built-in groups that ship with saiki.
//
// Two sources, looked up in this order for a query term (README "Synonyms"):
//   1. the database's own groups (table `synonyms`: `synonyms load`, `add`);
//   2. the built-in groups: SudachiDict's orthographic variants
//      (datasets/sudachi-synonyms/synonyms.txt, parsed and normalized at
//      build time and embedded in the library, so an installed library
//      needs no file and a process no start-up work), unless the setting
//      `synonyms` is `mine` or `off`.
//
// What counts as an orthographic variant in SudachiDict's file: entries of
// one group with the same lexeme number (column 3) that are the
// representative word form (column 4 = 0: no translation, alias, old name or
// misuse) and not an abbreviation (column 5 = 0), whatever their spelling
// type (column 6: representative, alphabetic, variant or misspelt spelling),
// and whose expansion flag (column 2) is not 2 ("never expand"). Entries
// with flag 1 are expansion targets only: they do not trigger. Terms of
// several words after normalisation ("door lock") are left out: a query
// term is one word. So 子供 / 子ども, Tシャツ / ティーシャツ, フォルダー /
// folder, 付近 / 附近 are groups; 曖昧 / 不明確 (other lexemes of one group)
// are not.
#ifndef SAIKI_ENGINE_SYNONYMS_H_
#define SAIKI_ENGINE_SYNONYMS_H_

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/analyzer.h"
#include "saiki/status.h"

namespace saiki::engine {

// Normalized term -> the other terms it expands to (never itself).
using SynonymMap = std::unordered_map<std::string, std::vector<std::string>>;

// One group of normalized, distinct terms. The first `triggers` terms expand
// to the others and are expanded to; the rest (SudachiDict's flag-1 terms)
// are only expanded to. saiki's own format has every term a trigger.
struct SynonymGroup {
  std::vector<std::string> terms;
  size_t triggers = 0;
};

// Parses a synonyms file's text into groups of normalized terms (each group
// of two or more distinct terms with at least one trigger, in file order). The format is detected
// from the first line that is not blank or a comment:
//   - SudachiDict's synonyms.txt (CSV whose first field is a 6-digit group
//     number): the orthographic-variant groups described above;
//   - otherwise saiki's own: one group per line, terms separated by spaces,
//     '#' starts a comment.
// `name` prefixes error messages ("FILE line N: reason"). Errors
// (kInvalidArgument): invalid UTF-8, a line over 64 KiB, a saiki-format line
// with one term, a Sudachi line with fewer than 9 fields or a bad group
// number.
Status ParseSynonyms(std::string_view text, const std::string& name,
                     const index::Analyzer& analyzer,
                     std::vector<SynonymGroup>* groups);

// Adds `groups` to `map`: each term expands to every other term of every
// group it is in as a trigger (not transitively: a term in two groups
// links to both, the groups stay apart). A term that is only a target gets
// no entry.
void AddGroupsToMap(const std::vector<SynonymGroup>& groups, SynonymMap* map);

// The built-in groups are stored as a blob made at build time by
// datasets/sudachi-synonyms/gen_builtin_synonyms.cc from the shipped
// synonyms.txt (ParseSynonyms, then EncodeBuiltinSynonyms) and embedded in
// the library (builtin_synonyms_data.cc), so that a process pays nothing to
// load them: one line per trigger term, sorted by bytes,
//   term '\t' alternative ('\x1f' alternative)* '\n'
// where the alternatives are what AddGroupsToMap gives the term.
std::string EncodeBuiltinSynonyms(const std::vector<SynonymGroup>& groups);
// The embedded blob ("" in a build without it: fuzz/build.sh).
std::string_view BuiltinSynonymsBlob();
// The built-in alternatives of a normalized term (binary search in the
// blob; no allocation when the term has none). False when it has none.
bool LookupBuiltinSynonyms(std::string_view term, std::vector<std::string>* alternatives);
// Every line of the blob as [term, alternatives...], in byte order.
std::vector<std::vector<std::string>> BuiltinSynonymLines();

}  // namespace saiki::engine

#endif  // SAIKI_ENGINE_SYNONYMS_H_
