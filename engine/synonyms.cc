// Synonym files (saiki's format and SudachiDict's) and the built-in groups.
#include "engine/synonyms.h"

#include <algorithm>
#include <utility>

namespace saiki::engine {
namespace {

constexpr size_t kMaxLineBytes = 64 * 1024;

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? p : p - start));
    if (p == std::string_view::npos) return out;
    start = p + 1;
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsSudachiLine(std::string_view line) {
  if (line.size() < 7 || line[6] != ',') return false;
  return std::all_of(line.begin(), line.begin() + 6, [](char c) { return c >= '0' && c <= '9'; });
}

Status LineError(const std::string& name, uint64_t line_no, const std::string& what) {
  return Status::InvalidArgument(name + " line " + std::to_string(line_no) + ": " + what);
}

bool HasWhitespace(std::string_view s) {
  return s.find_first_of(" \t\n\r") != std::string_view::npos;
}

// Adds `term` to `group` unless already there; keeps triggers first.
void AddTerm(SynonymGroup* group, std::string term, bool trigger) {
  auto it = std::find(group->terms.begin(), group->terms.end(), term);
  if (it != group->terms.end()) {
    size_t i = static_cast<size_t>(it - group->terms.begin());
    if (trigger && i >= group->triggers) {  // a target seen first, now a trigger
      group->terms.erase(it);
      group->terms.insert(group->terms.begin() + static_cast<ptrdiff_t>(group->triggers),
                          std::move(term));
      ++group->triggers;
    }
    return;
  }
  if (trigger) {
    group->terms.insert(group->terms.begin() + static_cast<ptrdiff_t>(group->triggers),
                        std::move(term));
    ++group->triggers;
  } else {
    group->terms.push_back(std::move(term));
  }
}

bool Usable(const SynonymGroup& g) { return g.terms.size() >= 2 && g.triggers >= 1; }

Status ParseSudachi(const std::vector<std::string_view>& lines, const std::string& name,
                    const index::Analyzer& analyzer, std::vector<SynonymGroup>* groups) {
  // Lexemes of the group being read, by lexeme number, in file order; a
  // group's lines are contiguous in the file, a new group number closes the
  // previous group.
  std::vector<std::pair<std::string, SynonymGroup>> lexemes;
  std::string current;
  auto flush = [&] {
    for (auto& [lexeme, g] : lexemes) {
      if (Usable(g)) groups->push_back(std::move(g));
    }
    lexemes.clear();
  };
  auto lexeme = [&](std::string_view number) -> SynonymGroup* {
    for (auto& [n, g] : lexemes) {
      if (n == number) return &g;
    }
    lexemes.emplace_back(std::string(number), SynonymGroup());
    return &lexemes.back().second;
  };
  for (size_t i = 0; i < lines.size(); ++i) {
    const uint64_t line_no = i + 1;
    std::string_view line = Trim(lines[i]);
    if (line.empty() || line.front() == '#') continue;
    if (!IsSudachiLine(line)) {
      return LineError(name, line_no, "not a SudachiDict synonym line (a 6-digit group number, "
                                      "then 10 comma-separated fields)");
    }
    if (line.find('"') != std::string_view::npos) {
      return LineError(name, line_no, "quoted CSV fields are not supported");
    }
    std::vector<std::string_view> f = Split(line, ',');
    if (f.size() < 9) {
      return LineError(name, line_no, "a SudachiDict synonym line has at least 9 fields, this one " +
                                          std::to_string(f.size()));
    }
    if (std::string(f[0]) != current) {
      flush();
      current = std::string(f[0]);
    }
    // Column 2 (expansion): 0 or empty always, 1 target only, 2 never.
    // Columns 4 and 5: 0 (or empty) = the representative word form, not an
    // abbreviation: the orthographic variants of the lexeme.
    std::string_view expand = f[2], form = f[4], abbrev = f[5];
    if (expand == "2") continue;
    if (!(form.empty() || form == "0") || !(abbrev.empty() || abbrev == "0")) continue;
    std::string term = analyzer.Normalize(Trim(f[8]));
    if (term.find("\xEF\xBF\xBD") != std::string::npos) {
      return LineError(name, line_no, "invalid UTF-8");
    }
    std::string_view t = Trim(term);
    if (t.empty() || HasWhitespace(t)) continue;  // several words: not a query term
    AddTerm(lexeme(f[3]), std::string(t), expand != "1");
  }
  flush();
  return Status::Ok();
}

Status ParseSaikiFormat(const std::vector<std::string_view>& lines, const std::string& name,
                        const index::Analyzer& analyzer, std::vector<SynonymGroup>* groups) {
  for (size_t i = 0; i < lines.size(); ++i) {
    const uint64_t line_no = i + 1;
    std::string_view line = lines[i];
    // '#' starts a comment at the line's start or after a space (so that a
    // term may hold one: C#).
    for (size_t p = 0; p < line.size(); ++p) {
      if (line[p] == '#' && (p == 0 || line[p - 1] == ' ' || line[p - 1] == '\t')) {
        line = line.substr(0, p);
        break;
      }
    }
    std::string normalized = analyzer.Normalize(line);
    if (normalized.find("\xEF\xBF\xBD") != std::string::npos) {
      return LineError(name, line_no, "invalid UTF-8");
    }
    SynonymGroup group;
    for (std::string_view w : Split(normalized, ' ')) {
      for (std::string_view part : Split(w, '\t')) {
        part = Trim(part);
        if (!part.empty()) AddTerm(&group, std::string(part), true);
      }
    }
    if (group.terms.size() == 1) {
      return LineError(name, line_no, "a synonym group needs at least two terms");
    }
    if (!group.terms.empty()) groups->push_back(std::move(group));
  }
  return Status::Ok();
}

}  // namespace

Status ParseSynonyms(std::string_view text, const std::string& name,
                     const index::Analyzer& analyzer, std::vector<SynonymGroup>* groups) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // BOM
  std::vector<std::string_view> lines = Split(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  bool sudachi = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].size() > kMaxLineBytes) {
      return LineError(name, i + 1, "line longer than 65536 bytes");
    }
  }
  for (std::string_view line : lines) {
    std::string_view t = Trim(line);
    if (t.empty() || t.front() == '#') continue;
    sudachi = IsSudachiLine(t);
    break;
  }
  return sudachi ? ParseSudachi(lines, name, analyzer, groups)
                 : ParseSaikiFormat(lines, name, analyzer, groups);
}

void AddGroupsToMap(const std::vector<SynonymGroup>& groups, SynonymMap* map) {
  for (const SynonymGroup& g : groups) {
    for (size_t i = 0; i < g.triggers && i < g.terms.size(); ++i) {
      std::vector<std::string>& alts = (*map)[g.terms[i]];
      for (const std::string& other : g.terms) {
        if (other == g.terms[i]) continue;
        if (std::find(alts.begin(), alts.end(), other) == alts.end()) alts.push_back(other);
      }
    }
  }
}

std::string EncodeBuiltinSynonyms(const std::vector<SynonymGroup>& groups) {
  SynonymMap map;
  AddGroupsToMap(groups, &map);
  std::vector<const SynonymMap::value_type*> entries;
  entries.reserve(map.size());
  for (const auto& e : map) {
    // A term holding a separator byte could not be stored (never the case
    // for normalized text, which has no control characters).
    if (e.first.find_first_of("\t\n\x1f") != std::string::npos) continue;
    entries.push_back(&e);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string out;
  for (const auto* e : entries) {
    std::string alts;
    for (const std::string& alt : e->second) {
      if (alt.find_first_of("\t\n\x1f") != std::string::npos) continue;
      alts += (alts.empty() ? "" : "\x1f") + alt;
    }
    if (alts.empty()) continue;
    out += e->first;
    out += '\t';
    out += alts;
    out += '\n';
  }
  return out;
}

namespace {

std::vector<std::string> SplitAlternatives(std::string_view alts) {
  std::vector<std::string> out;
  for (std::string_view a : Split(alts, '\x1f')) {
    if (!a.empty()) out.emplace_back(a);
  }
  return out;
}

}  // namespace

bool LookupBuiltinSynonyms(std::string_view term, std::vector<std::string>* alternatives) {
  const std::string_view blob = BuiltinSynonymsBlob();
  // Binary search over byte offsets: [lo, hi) holds whole lines (lo is a
  // line's start, hi another's or the end); each probe reads the line
  // around its midpoint.
  size_t lo = 0, hi = blob.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    size_t start = mid == 0 ? 0 : blob.rfind('\n', mid - 1);
    start = start == std::string_view::npos ? 0 : (mid == 0 ? 0 : start + 1);
    size_t end = blob.find('\n', start);
    if (end == std::string_view::npos) end = blob.size();
    std::string_view line = blob.substr(start, end - start);
    const size_t tab = line.find('\t');
    std::string_view key = line.substr(0, tab);
    if (key == term) {
      if (tab == std::string_view::npos) return false;
      *alternatives = SplitAlternatives(line.substr(tab + 1));
      return !alternatives->empty();
    }
    if (key < term) {
      lo = end + 1;
    } else {
      hi = start;
    }
  }
  return false;
}

std::vector<std::vector<std::string>> BuiltinSynonymLines() {
  std::vector<std::vector<std::string>> out;
  for (std::string_view line : Split(BuiltinSynonymsBlob(), '\n')) {
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    std::vector<std::string> row{std::string(line.substr(0, tab))};
    for (std::string& a : SplitAlternatives(line.substr(tab + 1))) row.push_back(std::move(a));
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace saiki::engine
