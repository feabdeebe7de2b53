#!/usr/bin/env bash
# Every test, as CI runs it (.ci/run). On a fresh Debian 12 machine:
#   1. deps    installs the missing Debian packages (scripts/install-deps.sh,
#              clang and its sanitizer/libFuzzer runtimes included);
#   2. normal  builds saiki, its tests and benchmarks (RelWithDebInfo, $BUILD_DIR) and
#              runs the whole suite with CTest (the crash and concurrency
#              tests included);
#   3. asan    the whole suite again under AddressSanitizer +
#              UndefinedBehaviorSanitizer in a second build directory
#              ($ASAN_BUILD_DIR, scripts/sanitize.sh);
#   4. fuzz    builds the libFuzzer targets with clang (ASan+UBSan,
#              $FUZZ_BUILD_DIR) and runs each for $FUZZ_SECONDS seconds from
#              the committed seeds (fuzz/run.sh).
# A phase runs even when an earlier one failed (the build of the same
# phase aside), so one run reports everything. At the end a summary: each
# phase's result and wall time, the load, the fuzz executions per target.
# Exits 1 when any phase failed.
#
# Environment: BUILD_DIR (default build), ASAN_BUILD_DIR (build-asan),
# FUZZ_BUILD_DIR (build-fuzz), FUZZ_SECONDS (10), JOBS (nproc),
# PHASES (default "deps normal asan fuzz": a subset runs only those).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
ASAN_BUILD_DIR="${ASAN_BUILD_DIR:-$ROOT/build-asan}"
export FUZZ_BUILD_DIR="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
FUZZ_SECONDS="${FUZZ_SECONDS:-10}"
export JOBS="${JOBS:-$(nproc)}"
PHASES="${PHASES:-deps normal asan fuzz}"
LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/saiki-test-logs.XXXXXX")"

results=()
overall=0
load() { cut -d' ' -f1-3 /proc/loadavg; }
wants() { [[ " $PHASES " == *" $1 "* ]]; }

# run_phase NAME COMMAND...: runs it with its output shown and kept in
# $LOG_DIR/NAME.log, and records the result and wall time.
run_phase() {
  local name="$1"
  shift
  echo
  echo "=== test.sh: phase $name (load $(load))"
  local start rc
  start=$(date +%s)
  "$@" 2>&1 | tee "$LOG_DIR/$name.log"
  rc=${PIPESTATUS[0]}
  local took=$(($(date +%s) - start))
  local verdict="ok"
  if [[ $rc -ne 0 ]]; then
    verdict="FAILED (exit $rc)"
    overall=1
  fi
  results+=("$(printf '%-7s %-18s %5d s   load at end %s' "$name" "$verdict" "$took" "$(load)")")
}

normal_phase() {
  # The benchmarks are built too (not run): they call the API and internal
  # layers, and a harness nobody compiles rots unseen.
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAIKI_BUILD_TESTS=ON \
    -DSAIKI_BUILD_BENCH=ON >/dev/null || return 1
  local t0
  t0=$(date +%s)
  cmake --build "$BUILD_DIR" -j "$JOBS" || return 1
  echo "test.sh: normal build took $(($(date +%s) - t0)) s"
  bash "$ROOT/scripts/ctest-logged.sh" "$BUILD_DIR" "$LOG_DIR/normal-ctest.log" -j "$JOBS" \
    --timeout 600
}

total_start=$(date +%s)
echo "test.sh: $(nproc) cores, load $(load); logs in $LOG_DIR"
if wants deps; then run_phase deps bash scripts/install-deps.sh; fi
if wants normal; then run_phase normal normal_phase; fi
export CTEST_LOG="$LOG_DIR/asan-ctest.log"  # sanitize.sh keeps the tests' output there
if wants asan; then run_phase asan bash scripts/sanitize.sh "$ASAN_BUILD_DIR"; fi
if wants fuzz; then run_phase fuzz bash fuzz/run.sh "$FUZZ_SECONDS"; fi
total=$(($(date +%s) - total_start))

echo
echo "=== test.sh summary ($total s in all, $(nproc) cores, load now $(load))"
printf '%s\n' "${results[@]}"
for phase in normal asan; do
  log="$LOG_DIR/$phase-ctest.log"
  [[ -f "$log" ]] || continue
  line="$(grep -E '[0-9]+% tests passed' "$log" | tail -1)"
  [[ -n "$line" ]] && echo "$phase tests: $line"
  # The crash, concurrency and disk-full tests print their counts as Catch2
  # warnings, wrapped over several lines, each prefixed by ctest -V with the
  # test's number: join each warning's lines per test.
  awk -v phase="$phase" '
    match($0, /^[0-9]+: /) {
      t = substr($0, 1, RLENGTH - 2); rest = substr($0, RLENGTH + 1)
      if (rest ~ /: warning:$/) { open[t] = 1; msg[t] = ""; next }
      if (!open[t]) next
      if (rest ~ /^ *$/) {
        if (msg[t] ~ /kill points|processes|race probe|disk full during/ && msg[t] !~ /so far/)
          print "  " phase ": " msg[t]
        open[t] = 0; next
      }
      sub(/^ +/, "", rest); msg[t] = msg[t] (msg[t] == "" ? "" : " ") rest
    }' "$log"
done
if [[ -f "$LOG_DIR/fuzz.log" ]]; then
  echo "fuzz executions per target (${FUZZ_SECONDS} s each):"
  sed -n '/^target  *executions/,$p' "$LOG_DIR/fuzz.log"
fi
if [[ $overall -ne 0 ]]; then
  echo "test.sh: FAILED (see the phases above; logs in $LOG_DIR)"
else
  echo "test.sh: all phases passed"
fi
exit $overall
