#!/usr/bin/env bash
# Builds the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
# (g++) in a second build directory and runs it with CTest.
#
#   bash scripts/sanitize.sh [BUILD_DIR]      (default: build-asan/)
#
# Environment: JOBS (default 2) for the build and for ctest -j; CTEST_ARGS
# is passed to ctest (e.g. CTEST_ARGS="-R killed"); CTEST_LOG is where every
# test's output goes (scripts/ctest-logged.sh).
# UBSan is made fatal (-fno-sanitize-recover), so any undefined behaviour
# fails the test that hit it. LeakSanitizer is on (ASan's default).
# Prints the time each phase took. Exits non-zero when the build or a test
# fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build-asan}"
JOBS="${JOBS:-2}"
SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

start=$(date +%s)
# -O1 -g1 (line tables) rather than RelWithDebInfo's -O2 -g: the build is
# most of this script's time, and -O1 -g1 compiles in ~57% of it
# (engine/learning.cc: 24 s against 42 s), asserts on (no NDEBUG), with
# stack traces that still name files and lines. The tests' own code at -O0
# (tests/CMakeLists.txt says what that saves and costs).
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAIKI_BUILD_TESTS=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DCMAKE_CXX_COMPILER=g++ \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DSAIKI_TESTS_CODEGEN_FLAGS="-O0;-g1" \
  -DCMAKE_CXX_FLAGS="$SAN_FLAGS" -DCMAKE_C_FLAGS="$SAN_FLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
# saiki_c_api_test: the C API from C, through the instrumented libsaiki.so
# (tests/CMakeLists.txt leaves the Python and example tests out of
# sanitizer builds).
cmake --build "$BUILD" -j "$JOBS" --target saiki_tests saiki-cli saiki_c_api_test
built=$(date +%s)
echo "sanitize.sh: build took $((built - start)) s (load: $(cut -d' ' -f1-3 /proc/loadavg))"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
rc=0
# Every test's output is kept in $CTEST_LOG (default BUILD/ctest-verbose.log).
bash "$ROOT/scripts/ctest-logged.sh" "$BUILD" "${CTEST_LOG:-$BUILD/ctest-verbose.log}" \
  -j "$JOBS" --timeout 900 ${CTEST_ARGS:-} || rc=$?
done_at=$(date +%s)
echo "sanitize.sh: tests took $((done_at - built)) s, $((done_at - start)) s in all" \
     "(load: $(cut -d' ' -f1-3 /proc/loadavg))"
exit $rc
