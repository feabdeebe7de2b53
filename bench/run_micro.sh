#!/usr/bin/env bash
# Builds the micro-benchmarks (Release, -DSAIKI_BUILD_BENCH=ON) in
# ./build-bench and runs them. A separate build tree, so that the optimised
# benchmark build never mixes with the RelWithDebInfo development build.
# Extra arguments go to saiki_bench, e.g.
#   bench/run_micro.sh --benchmark_filter='Rerank|Session'
#   bench/run_micro.sh --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
# Needs the Debian package libbenchmark-dev (configuration says so if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSAIKI_BUILD_BENCH=ON \
      -DSAIKI_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j "$(nproc)" --target saiki_bench
exec build-bench/bench/saiki_bench "$@"
