#!/usr/bin/env bash
# Runs CTest in BUILD_DIR with every test's output (-V) kept in LOG, and on
# the console one line per test plus the summary; the output of the tests
# that failed is printed again at the end (ctest --rerun-failed). The log
# keeps what passing tests print too: the crash, concurrency and disk-full
# tests report their counts (kill points, processes, operations) as Catch2
# warnings, which scripts/test.sh collects for its summary.
#
#   bash scripts/ctest-logged.sh BUILD_DIR LOG [CTEST_ARGS...]
set -uo pipefail
BUILD="$1"
LOG="$2"
shift 2
cd "$BUILD" || exit 2
ctest -V "$@" >"$LOG" 2>&1
rc=$?
grep -E '^ *[0-9]+/[0-9]+ Test +#|^[0-9]+% tests passed|Total Test time|The following tests|^[[:space:]]+[0-9]+ - ' "$LOG"
if [[ $rc -ne 0 ]]; then
  echo "ctest-logged.sh: output of the failed tests:"
  ctest --rerun-failed --output-on-failure 2>&1 | tail -n 400
fi
exit $rc
