#!/usr/bin/env bash
# What HTTP adds to a search at 100k products (bench/serve_bench.cc): builds
# serve_bench, saiki and gen_catalog (Release, ./build-bench, or
# $SAIKI_BENCH_BUILD), generates the 100k catalogue (gen_catalog --count
# 100000 --seed 42, as bench/run_peers.sh), indexes it once into
# build-bench/serve-data/100k.saiki, and runs serve_bench on it.
#   bench/run_serve.sh [--count N] [serve_bench options: --passes N --k K --explain]
set -euo pipefail
cd "$(dirname "$0")/.."
count=100000
if [[ "${1:-}" == "--count" ]]; then count="$2"; shift 2; fi
build=${SAIKI_BENCH_BUILD:-build-bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSAIKI_BUILD_BENCH=ON \
      -DSAIKI_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target serve_bench saiki-cli gen_catalog
data=$build/serve-data
mkdir -p "$data"
csv=$data/catalog-$count.csv
db=$data/$count.saiki
if [[ ! -s $csv ]]; then
  "$build/gen_catalog" --count "$count" --seed 42 --out "$csv.tmp"
  mv "$csv.tmp" "$csv"
fi
if [[ ! -s $db ]]; then
  "$build/saiki" --db "$db" index "$csv" || { rm -f "$db" "$db-wal" "$db-shm"; exit 1; }
fi
exec "$build/bench/serve_bench" --db "$db" "$@"
