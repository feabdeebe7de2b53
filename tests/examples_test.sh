#!/usr/bin/env bash
# The examples (examples/) and the README's quick starts, built and run as an
# app developer would: against `cmake --install` into a fresh prefix, with
# nothing from the source tree on any include, library or Python path (each
# example's files are copied to a scratch directory first).
#
#   bash tests/examples_test.sh MODE BUILD_DIR PREFIX SOURCE
#
# MODE:
#   install      cmake --install BUILD_DIR into PREFIX (wiped first) and
#                check the installed tree (CTest fixture for the others)
#   cpp          examples/cpp with find_package(saiki): the shared library
#   cpp_static   the same with SAIKI_USE_STATIC_LIBS=ON: libsaiki.a and the
#                dependencies its target carries
#   c            examples/c with pkg-config (make)
#   python       examples/python/search.py with the installed package
#   quickstarts  the README's C++, C, Python, CLI and HTTP quick starts, compiled/run
#   subproject   add_subdirectory(SOURCE) from an app with CLI11 and Catch2
#                out of reach: configures, without CLI or test targets
set -euo pipefail
mode="$1"
build="$(cd "$2" && pwd)"
prefix="$3"
source_dir="$(cd "$4" && pwd)"  # examples/ (the repository root for subproject)
scratch="$(mktemp -d "${TMPDIR:-/tmp}/saiki-example-$mode.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
libdir="$prefix/lib"
[[ -d "$prefix/lib64" && ! -d "$libdir/pkgconfig" ]] && libdir="$prefix/lib64"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
python="${SAIKI_PYTHON3:-python3}"
pypath="$libdir/python3/dist-packages"
unset SAIKI_LIBRARY PYTHONPATH LD_LIBRARY_PATH

fail() { echo "examples_test.sh $mode: $*" >&2; exit 1; }

# expect_results FILE: the program's output shows the 犬 results and the
# learning loop.
expect_results() {
  grep -q "^saiki 0\." "$1" || fail "no version line in the output"
  grep -q "results for 犬" "$1" || fail "no results line"
  grep -q "犬用ベッド ふわふわ" "$1" || fail "the expected product is not among the results"
  grep -q "session closed" "$1" || fail "the session was not closed"
  if grep -q "キャットフード" "$1"; then fail "a cat product matched 犬"; fi
}

copy_example() {  # copy_example NAME: examples/NAME and products.csv into the scratch dir
  cp -r "$source_dir/$1" "$scratch/app"
  cp "$source_dir/products.csv" "$scratch/products.csv"
}

case "$mode" in
  install)
    rm -rf "$prefix"
    cmake --install "$build" --prefix "$prefix" >"$scratch/install.log" ||
      { cat "$scratch/install.log"; fail "cmake --install failed"; }
    for f in include/saiki/saiki.h include/saiki/saiki_c.h include/saiki/status.h \
             include/saiki/version.h include/saiki/export.h bin/saiki; do
      [[ -e "$prefix/$f" ]] || fail "$f not installed"
    done
    # `saiki serve` runs the saiki-serve beside saiki (cli/run.h).
    if [[ -e "$build/saiki-serve" && ! -x "$prefix/bin/saiki-serve" ]]; then
      fail "bin/saiki-serve not installed beside bin/saiki"
    fi
    for f in libsaiki.a libsaiki.so cmake/saiki/saikiConfig.cmake \
             cmake/saiki/saikiConfigVersion.cmake cmake/saiki/saikiTargets.cmake \
             pkgconfig/saiki.pc python3/dist-packages/saiki/__init__.py \
             python3/dist-packages/saiki/_libpath.py; do
      [[ -e "$libdir/$f" ]] || fail "lib/$f not installed"
    done
    soname="$(readelf -d "$libdir/libsaiki.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')"
    [[ -e "$libdir/$soname" ]] || fail "no file named after the SONAME $soname"
    # Nothing installed may point back into the source or build tree (the
    # prefix itself may lie inside the build tree: its own paths are fine).
    for f in "$libdir"/cmake/saiki/*.cmake "$libdir/pkgconfig/saiki.pc" \
             "$pypath/saiki/_libpath.py"; do
      if sed "s|$prefix||g" "$f" | grep -qF -e "$build" -e "$(dirname "$source_dir")/"; then
        fail "$f names the source or build tree"
      fi
    done
    [[ "$(pkg-config --modversion saiki)" == "$("$prefix/bin/saiki" --version | cut -d' ' -f2)" ]] ||
      fail "saiki.pc's version differs from saiki --version"
    echo "installed into $prefix (SONAME $soname)"
    ;;
  cpp | cpp_static)
    copy_example cpp
    static=OFF
    [[ "$mode" == cpp_static ]] && static=ON
    cmake -S "$scratch/app" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$prefix" \
      -DSAIKI_USE_STATIC_LIBS=$static -DCMAKE_BUILD_TYPE=Release >"$scratch/configure.log" ||
      { cat "$scratch/configure.log"; fail "configure failed"; }
    cmake --build "$scratch/build" >"$scratch/build.log" 2>&1 ||
      { cat "$scratch/build.log"; fail "build failed"; }
    needed="$(readelf -d "$scratch/build/search" | grep NEEDED || true)"
    if [[ $static == ON ]]; then
      grep -q libsaiki <<<"$needed" && fail "linked libsaiki.so, wanted the static library"
    else
      grep -q libsaiki.so <<<"$needed" || fail "not linked against libsaiki.so"
    fi
    (cd "$scratch" && ./build/search shop.saiki products.csv 犬) | tee "$scratch/out.txt"
    expect_results "$scratch/out.txt"
    ;;
  c)
    copy_example c
    make -C "$scratch/app" >"$scratch/build.log" 2>&1 ||
      { cat "$scratch/build.log"; fail "make failed"; }
    (cd "$scratch" && ./app/search shop.saiki products.csv 犬) | tee "$scratch/out.txt"
    expect_results "$scratch/out.txt"
    ;;
  python)
    copy_example python
    (cd "$scratch" && PYTHONPATH="$pypath" "$python" app/search.py shop.saiki products.csv 犬) |
      tee "$scratch/out.txt"
    expect_results "$scratch/out.txt"
    # The package loaded the installed library, not one from the build tree.
    loaded="$(cd "$scratch" && PYTHONPATH="$pypath" "$python" -c \
      'import saiki._capi as c; print(c.lib._name)')"
    [[ "$loaded" == "$libdir"/* ]] || fail "the package loaded $loaded, not the installed library"
    ;;
  quickstarts)
    readme="$source_dir/../README.md"
    # extract LANG: the first fenced block after "<!-- quickstart LANG -->".
    extract() {
      awk -v tag="<!-- quickstart $1 -->" '
        $0 == tag { armed = 1; next }
        armed && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }' "$readme"
    }
    cp "$source_dir/products.csv" "$scratch/products.csv"
    cd "$scratch"
    extract cpp >quick.cc
    extract c >quick.c
    extract python >quick.py
    for f in quick.cc quick.c quick.py; do [[ -s $f ]] || fail "README has no quick start for $f"; done
    rpath="-Wl,-rpath,$(pkg-config --variable=libdir saiki)"
    # shellcheck disable=SC2046
    c++ -std=c++20 -Wall -o quick_cpp quick.cc $(pkg-config --cflags --libs saiki) "$rpath" ||
      fail "the C++ quick start does not compile"
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -o quick_c quick.c $(pkg-config --cflags --libs saiki) "$rpath" ||
      fail "the C quick start does not compile"
    for run in ./quick_cpp ./quick_c "env PYTHONPATH=$pypath $python quick.py"; do
      rm -f shop.saiki*
      $run >out.txt || { cat out.txt; fail "$run failed"; }
      cat out.txt
      grep -q "犬" out.txt || fail "$run printed no 犬 result"
    done
    # The CLI and HTTP quick starts, with the installed saiki first on PATH.
    export PATH="$prefix/bin:$PATH"
    extract cli >quick_cli.sh
    [[ -s quick_cli.sh ]] || fail "README has no CLI quick start"
    rm -f shop.saiki*
    bash -e quick_cli.sh >out.txt 2>&1 || { cat out.txt; fail "the CLI quick start failed"; }
    cat out.txt
    grep -q "犬用ベッド" out.txt || fail "the CLI quick start found no 犬 product"
    grep -q "query id 1" out.txt || fail "the CLI quick start's logged search is not query id 1"
    grep -q "alice" out.txt || fail "the CLI quick start showed no model for alice"
    port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    { extract http | sed "s/8700/$port/g"; echo 'wait $!'; } >quick_http.sh
    grep -q "api/search" quick_http.sh || fail "README has no HTTP quick start"
    rm -f shop.saiki*
    bash -e quick_http.sh >out.txt 2>&1 || { cat out.txt; fail "the HTTP quick start failed (or serve did not exit 0)"; }
    cat out.txt
    grep -q '"query_id": *"1"' out.txt || fail "the HTTP search was not logged as query 1"
    grep -q '犬用ベッド' out.txt || fail "the HTTP search found no 犬 product"
    grep -q '"committed": *true' out.txt || fail "the HTTP import did not commit"
    if grep -q '"error"' out.txt; then fail "an HTTP quick start request failed"; fi
    ;;
  subproject)
    mkdir -p "$scratch/app"
    cat >"$scratch/app/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.18)
project(app CXX C)
add_subdirectory("$source_dir" saiki)
add_executable(app app.cc)
target_link_libraries(app PRIVATE saiki::saiki)
EOF
    printf '#include "saiki/saiki.h"\nint main() { return saiki::Version()[0] == 0; }\n' \
      >"$scratch/app/app.cc"
    cmake -S "$scratch/app" -B "$scratch/build" -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON \
      -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON >"$scratch/configure.log" 2>&1 ||
      { cat "$scratch/configure.log"; fail "add_subdirectory(saiki) failed to configure"; }
    targets="$(cmake --build "$scratch/build" --target help)"
    for t in saiki saiki_shared app; do
      grep -qE "^\.\.\. $t( |$)" <<<"$targets" || fail "no target $t"
    done
    for t in saiki-cli saiki_tests gen_catalog install; do
      if grep -qE "^\.\.\. $t( |$)" <<<"$targets"; then fail "target $t in a subproject build"; fi
    done
    echo "add_subdirectory(saiki): configured without CLI11 or Catch2; no CLI, tests or install"
    ;;
  *)
    fail "unknown mode"
    ;;
esac
