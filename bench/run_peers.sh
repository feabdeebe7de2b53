#!/usr/bin/env bash
# saiki against SQLite FTS5 (trigram and unicode61), Groonga and Xapian, in
# one command (issue 5): installs the peers' Debian packages when missing,
# builds the harness (Release, -DSAIKI_BUILD_BENCH=ON) in ./build-bench,
# generates the catalogues with gen_catalog (seed 42, the bundled catalogue's
# seed), runs bench/peers (saiki_peers run) on each size and prints the
# tables, saiki/peer ratios included. Each size's report is also written to
# build-bench/peers-data/<size>/report.md.
#
#   bench/run_peers.sh                      # 100k and 1M products
#   bench/run_peers.sh --sizes 100k         # the quick run
#   bench/run_peers.sh --sizes 100k --passes 5 --engines saiki,fts5-trigram
#
# Options: --sizes LIST (100k, 1m, or a number; comma-separated; default
# 100k,1m), --passes N (timed passes over the query mix, default 3),
# --queries N (default 1000), --engines LIST (default all: saiki saiki-linear
# saiki-user fts5-trigram fts5-unicode61 groonga xapian), --cold-runs N
# (default 50), --no-install (do not call install_peers.sh), --reuse-index
# (keep indexes built by an earlier run of the same size). The build tree is
# $SAIKI_BENCH_BUILD when set (default build-bench).
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="100k,1m" passes=3 queries=1000 engines="" cold=50 install=1 reuse=""
while (($#)); do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --passes) passes="$2"; shift 2 ;;
    --queries) queries="$2"; shift 2 ;;
    --engines) engines="$2"; shift 2 ;;
    --cold-runs) cold="$2"; shift 2 ;;
    --no-install) install=0; shift ;;
    --reuse-index) reuse="--reuse-index"; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "run_peers: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if ((install)); then bash bench/install_peers.sh; fi

build=${SAIKI_BENCH_BUILD:-build-bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSAIKI_BUILD_BENCH=ON \
      -DSAIKI_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target saiki_peers saiki-cli gen_catalog

data=$build/peers-data
mkdir -p "$data"
all_reports=()
IFS=',' read -ra size_list <<<"$sizes"
for s in "${size_list[@]}"; do
  case "${s,,}" in
    *k) n=$(( ${s%[kK]} * 1000 )) ;;
    *m) n=$(( ${s%[mM]} * 1000000 )) ;;
    *)  n=$s ;;
  esac
  label=${s,,}
  csv="$data/catalog-$label.csv"
  if [[ ! -s $csv ]]; then
    echo "== generating $n products into $csv" >&2
    "$build/gen_catalog" --count "$n" --seed 42 --out "$csv.tmp"
    mv "$csv.tmp" "$csv"
  fi
  args=(run --csv "$csv" --work "$data/$label" --label "$label" --passes "$passes"
        --queries "$queries" --saiki-cli "$build/saiki" --cold-runs "$cold")
  [[ -n $engines ]] && args+=(--engines "$engines")
  [[ -n $reuse ]] && args+=("$reuse")
  "$build/bench/peers/saiki_peers" "${args[@]}"
  all_reports+=("$data/$label/report.md")
  echo
done
cat "${all_reports[@]}" >"$data/report.md"
echo "(reports: ${all_reports[*]}; all sizes: $data/report.md)" >&2
