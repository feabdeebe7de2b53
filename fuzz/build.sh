#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang++ under AddressSanitizer
# and UndefinedBehaviorSanitizer, into build-fuzz/ (or $FUZZ_BUILD_DIR).
#
#   bash fuzz/build.sh            # every target
#   bash fuzz/build.sh fuzz_csv_reader fuzz_postings
#
# The library sources are compiled directly (no CMake) into build-fuzz/obj/,
# eight to an object as CMakeLists.txt's unity build batches them (the
# same order and batch size, so a name clash fails there first), and
# archived as build-fuzz/libsaiki_fuzz.a; a target links the archive, so
# it gets only the objects it needs. An object is rebuilt when one of its
# sources, or any header of the tree, is newer than it.
# Needs: clang++ (Debian clang 14), and the -dev packages that CMakeLists.txt
# needs (pkg-config icu-uc icu-i18n re2 sqlite3 eigen3; nlohmann json; MeCab:
# libmecab-dev and mecab-ipadic-utf8, whose paths are Debian's defaults).
# JOBS (default 2) compiles in parallel.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
CXX="${CXX_FUZZ:-clang++}"
JOBS="${JOBS:-2}"
ALL_TARGETS=(fuzz_csv_reader fuzz_analyzer fuzz_query_parser fuzz_postings fuzz_model_loader
             fuzz_synonyms fuzz_server_api)
TARGETS=("$@")
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=("${ALL_TARGETS[@]}")

if ! command -v "$CXX" >/dev/null; then
  echo "fuzz/build.sh: $CXX not found (apt-get install clang)" >&2
  exit 2
fi
PKGS="icu-uc icu-i18n re2 sqlite3 eigen3"
if ! pkg-config --exists $PKGS; then
  echo "fuzz/build.sh: missing pkg-config modules ($PKGS): apt-get install libicu-dev" \
       "libre2-dev libsqlite3-dev libeigen3-dev" >&2
  exit 2
fi

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# -gline-tables-only: stack traces name files and lines; full debug info
# made each compile about a third slower.
CXXFLAGS="-std=c++20 -gline-tables-only -O1 $SAN -fsanitize=fuzzer-no-link -I$ROOT -I$ROOT/include \
  $(pkg-config --cflags $PKGS) -Wno-unused-command-line-argument"
LDLIBS="$(pkg-config --libs $PKGS) -lmecab -lpthread"

mkdir -p "$OUT/obj"

# Newest header of the tree: an object older than it is rebuilt.
newest_header="$(find "$ROOT/include" "$ROOT/engine" "$ROOT/index" "$ROOT/ranker" \
  "$ROOT/storage" "$ROOT/server" "$ROOT/bindings" "$ROOT/fuzz" -name '*.h' -printf '%T@\n' | sort -n | tail -1)"

stale() {  # stale SRC OBJ (SRC: a source, or a batch that #includes sources)
  local src="$1" obj="$2" member
  [[ ! -f "$obj" ]] && return 0
  [[ "$src" -nt "$obj" ]] && return 0
  while read -r member; do
    [[ "$member" -nt "$obj" ]] && return 0
  done < <(sed -n 's/^#include "\(.*\)"$/\1/p' "$src")
  local t
  t="$(stat -c '%Y' "$obj")"
  awk -v h="$newest_header" -v t="$t" 'BEGIN { exit !(h > t) }'
}

compile() {  # compile SRC OBJ
  local src="$1" obj="$2"
  if stale "$src" "$obj"; then
    echo "  CXX $(realpath --relative-to="$ROOT" "$src")"
    $CXX $CXXFLAGS -c "$src" -o "$obj.tmp" && mv "$obj.tmp" "$obj"
  fi
}
export -f compile stale
export CXX CXXFLAGS ROOT newest_header

# The library, as CMakeLists.txt globs it (byte order, as CMake sorts), in
# batches of 8; and, one object each, the embedded synonyms' data, the HTTP
# API's request mapping (server/api.cc; not the cpp-httplib transport) and
# the shared JSON encoder it answers through. A batch file is rewritten only when its list
# changes, so that its age says when its sources last changed.
LIB_SRCS=()
for dir in engine index ranker storage; do
  while IFS= read -r f; do
    [[ "$f" == */engine/builtin_synonyms_data.cc ]] || LIB_SRCS+=("$f")
  done < <(LC_ALL=C ls -1 "$ROOT/$dir"/*.cc)
done
mkdir -p "$OUT/unity"
UNITS=("$ROOT/engine/builtin_synonyms_data.cc" "$ROOT/server/api.cc"
       "$ROOT/bindings/json/json_encoder.cc")
for ((i = 0; i < ${#LIB_SRCS[@]}; i += 8)); do
  batch="$OUT/unity/lib_$((i / 8)).cc"
  printf '#include "%s"\n' "${LIB_SRCS[@]:i:8}" >"$batch.new"
  if cmp -s "$batch.new" "$batch"; then rm "$batch.new"; else mv "$batch.new" "$batch"; fi
  UNITS+=("$batch")
done
OBJS=()
for src in "${UNITS[@]}"; do
  rel="${src#"$ROOT"/}"
  rel="${rel#"$OUT"/}"
  OBJS+=("$OUT/obj/${rel//\//_}.o")
done
echo "fuzz/build.sh: compiling the library with $CXX ($JOBS jobs) into $OUT"
failed=0
for ((i = 0; i < ${#UNITS[@]}; ++i)); do
  echo "${UNITS[i]} ${OBJS[i]}"
done | xargs -P "$JOBS" -n 2 bash -c 'compile "$0" "$1"' || failed=1
if [[ $failed -ne 0 ]]; then
  echo "fuzz/build.sh: a library source failed to compile (see above)" >&2
  exit 1
fi
rm -f "$OUT/libsaiki_fuzz.a.tmp"
ar rcs "$OUT/libsaiki_fuzz.a.tmp" "${OBJS[@]}"
mv "$OUT/libsaiki_fuzz.a.tmp" "$OUT/libsaiki_fuzz.a"

# The seed generator (no sanitizers needed but harmless) and the targets'
# own sources, in parallel; then the links.
for t in gen_seeds "${TARGETS[@]}"; do
  echo "$ROOT/fuzz/$t.cc $OUT/obj_$t.o"
done | xargs -P "$JOBS" -n 2 bash -c 'compile "$0" "$1"' || {
  echo "fuzz/build.sh: a fuzz target failed to compile (see above)" >&2
  exit 1
}
$CXX -fsanitize=address,undefined "$OUT/obj_gen_seeds.o" "$OUT/libsaiki_fuzz.a" $LDLIBS \
  -o "$OUT/gen_seeds"
for t in "${TARGETS[@]}"; do
  echo "  LD  $t"
  $CXX -fsanitize=fuzzer,address,undefined "$OUT/obj_$t.o" "$OUT/libsaiki_fuzz.a" $LDLIBS \
    -o "$OUT/$t"
done
echo "fuzz/build.sh: built ${TARGETS[*]} in $OUT"
