#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang++ under AddressSanitizer
# and UndefinedBehaviorSanitizer, into build-fuzz/ (or $FUZZ_BUILD_DIR).
#
#   bash fuzz/build.sh            # every target
#   bash fuzz/build.sh fuzz_csv_reader fuzz_postings
#
# The library sources are compiled directly (no CMake), each once, into
# build-fuzz/obj/ and archived as build-fuzz/libsaiki_fuzz.a; a target links
# the archive, so it gets only the objects it needs (fuzz_csv_reader:
# csv_reader.o + status.o; fuzz_synonyms: most of the library). An object is
# rebuilt when its source, or any header of the tree, is newer than it.
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
CXXFLAGS="-std=c++20 -g -O1 $SAN -fsanitize=fuzzer-no-link -I$ROOT -I$ROOT/include \
  $(pkg-config --cflags $PKGS) -Wno-unused-command-line-argument"
LDLIBS="$(pkg-config --libs $PKGS) -lmecab -lpthread"

mkdir -p "$OUT/obj"

# Newest header of the tree: an object older than it is rebuilt.
newest_header="$(find "$ROOT/include" "$ROOT/engine" "$ROOT/index" "$ROOT/ranker" \
  "$ROOT/storage" "$ROOT/server" "$ROOT/bindings" "$ROOT/fuzz" -name '*.h' -printf '%T@\n' | sort -n | tail -1)"

stale() {  # stale SRC OBJ
  local src="$1" obj="$2"
  [[ ! -f "$obj" ]] && return 0
  [[ "$src" -nt "$obj" ]] && return 0
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

# The library, as CMakeLists.txt globs it, and the HTTP API's request
# mapping (server/api.cc; not the cpp-httplib transport) with the shared
# JSON encoder it answers through.
LIB_SRCS=("$ROOT/server/api.cc" "$ROOT/bindings/json/json_encoder.cc")
for dir in engine index ranker storage; do
  for f in "$ROOT/$dir"/*.cc; do LIB_SRCS+=("$f"); done
done
echo "fuzz/build.sh: compiling the library with $CXX ($JOBS jobs) into $OUT"
failed=0
printf '%s\n' "${LIB_SRCS[@]}" | while read -r src; do
  rel="${src#"$ROOT"/}"
  echo "$src $OUT/obj/${rel//\//_}.o"
done | xargs -P "$JOBS" -n 2 bash -c 'compile "$0" "$1"' || failed=1
if [[ $failed -ne 0 ]]; then
  echo "fuzz/build.sh: a library source failed to compile (see above)" >&2
  exit 1
fi
rm -f "$OUT/libsaiki_fuzz.a.tmp"
ar rcs "$OUT/libsaiki_fuzz.a.tmp" "$OUT"/obj/*.o
mv "$OUT/libsaiki_fuzz.a.tmp" "$OUT/libsaiki_fuzz.a"

# The seed generator (plain build, no sanitizers needed but harmless).
compile "$ROOT/fuzz/gen_seeds.cc" "$OUT/obj_gen_seeds.o"
$CXX -fsanitize=address,undefined "$OUT/obj_gen_seeds.o" "$OUT/libsaiki_fuzz.a" $LDLIBS \
  -o "$OUT/gen_seeds"

for t in "${TARGETS[@]}"; do
  compile "$ROOT/fuzz/$t.cc" "$OUT/obj_$t.o"
  echo "  LD  $t"
  $CXX -fsanitize=fuzzer,address,undefined "$OUT/obj_$t.o" "$OUT/libsaiki_fuzz.a" $LDLIBS \
    -o "$OUT/$t"
done
echo "fuzz/build.sh: built ${TARGETS[*]} in $OUT"
