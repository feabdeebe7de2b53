#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/build.sh) and runs each for SECONDS
# (default 30) under ASan+UBSan, starting from the committed seeds in
# fuzz/corpus/<target>/.
#
#   bash fuzz/run.sh [SECONDS] [TARGET...]
#
# Prints the executions of each target (libFuzzer's
# stat::number_of_executed_units) and exits 1 if any target crashed (a
# sanitizer report, a broken invariant, a timeout or running out of memory).
# A crashing input is kept in fuzz/crashes/<target>/ (crash-*, timeout-*,
# oom-*): turn it into a regression test in tests/fuzz_regression_test.cc
# with the input under tests/data/fuzz/. Inputs the fuzzer found
# interesting go to build-fuzz/corpus/<target>/ (not committed).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
SECONDS_EACH="${1:-30}"
shift || true
ALL_TARGETS=(fuzz_csv_reader fuzz_analyzer fuzz_query_parser fuzz_postings fuzz_model_loader
             fuzz_synonyms fuzz_server_api)
TARGETS=("$@")
[[ ${#TARGETS[@]} -eq 0 ]] && TARGETS=("${ALL_TARGETS[@]}")

if ! [[ "$SECONDS_EACH" =~ ^[0-9]+$ ]] || [[ "$SECONDS_EACH" -lt 1 ]]; then
  echo "usage: fuzz/run.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi

bash "$ROOT/fuzz/build.sh" "${TARGETS[@]}" || { echo "fuzz/run.sh: build failed" >&2; exit 1; }

# Seeds: committed in fuzz/corpus; made by gen_seeds when a folder is missing.
for t in "${TARGETS[@]}"; do
  if [[ ! -d "$ROOT/fuzz/corpus/$t" ]]; then
    (cd "$ROOT" && "$OUT/gen_seeds" fuzz/corpus tests/data >/dev/null)
    break
  fi
done

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

status=0
summary=()
for t in "${TARGETS[@]}"; do
  crashes="$ROOT/fuzz/crashes/$t"
  work="$OUT/corpus/$t"
  log="$OUT/$t.log"
  mkdir -p "$crashes" "$work"
  seeds="$ROOT/fuzz/corpus/$t"
  echo "== $t: ${SECONDS_EACH}s"
  # -timeout: one input taking 25 s is a hang. -rss_limit_mb: 2 GiB.
  "$OUT/$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -timeout=25 \
    -rss_limit_mb=2048 -artifact_prefix="$crashes/" "$work" "$seeds" \
    >"$log" 2>&1
  rc=$?
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
  execs="${execs:-?}"
  if [[ $rc -ne 0 ]]; then
    status=1
    artifact="$(grep -o 'Test unit written to .*' "$log" | tail -1 | sed 's/Test unit written to //')"
    echo "   CRASH (exit $rc) after $execs executions; input: ${artifact:-see $log}"
    grep -m1 -E 'ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error|invariant failed' \
      "$log" | sed 's/^/   /'
    summary+=("$(printf '%-20s %12s  CRASH  %s' "$t" "$execs" "${artifact:-$log}")")
  else
    echo "   ok: $execs executions"
    summary+=("$(printf '%-20s %12s  ok' "$t" "$execs")")
  fi
done

echo
echo "target               executions  result"
printf '%s\n' "${summary[@]}"
if [[ $status -ne 0 ]]; then
  echo "fuzz/run.sh: crashes found (inputs in fuzz/crashes/; logs in $OUT/*.log)" >&2
fi
exit $status
