#!/usr/bin/env bash
# Streams a generated multi-GB CSV through `saiki index` and reports the
# import's peak resident memory (README "Limits": the bound it states was
# measured with this). Not part of scripts/test.sh: it writes GB_WANTED GB of
# CSV and about as much database, and takes minutes.
#
#   bash scripts/big_import.sh [GB_WANTED] [DIR]     (default 3 GB in /tmp)
#
# The file: gen_catalog's products (datasets/), each with an extra `spec`
# column of ~2.5 KB (kept as a stored attribute), so that a few GB are
# reached with about a million products: the rows go through the same CSV
# reader, validation, products table and segment builder as any import.
# Needs the build in $BUILD_DIR (default build/, targets saiki-cli and
# gen_catalog; built when missing) and GNU time (/usr/bin/time, package
# `time`) for the peak RSS. Removes the CSV and the database at the end
# unless KEEP=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GB_WANTED="${1:-3}"
DIR="${2:-/tmp}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
if [[ ! -x /usr/bin/time ]]; then
  echo "big_import.sh: needs GNU time (apt-get install time)" >&2
  exit 2
fi
if [[ ! -x "$BUILD_DIR/saiki" || ! -x "$BUILD_DIR/gen_catalog" ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target saiki-cli gen_catalog
fi
csv="$DIR/saiki-big-import.csv"
db="$DIR/saiki-big-import.saiki"
rm -f "$db" "$db-wal" "$db-shm"

# The padding: one of 64 strings of 2,500 bytes of varied ASCII words per
# row, with the row number in front (deterministic; one rand() per row keeps
# awk fast enough for GBs).
pad() {
  awk -v seed="$1" 'BEGIN {
    srand(seed);
    for (k = 0; k < 64; ++k) {
      s = "";
      while (length(s) < 2500) s = s sprintf("w%x ", int(rand() * 1048576));
      pads[k] = s;
    }
  }
  NR == 1 { print $0 ",spec"; next }
  { print $0 "," NR " " pads[int(rand() * 64)]; }'
}
row_bytes=$("$BUILD_DIR/gen_catalog" --count 2000 --seed 7 | pad 1 | tail -n +2 | wc -c)
count=$(awk -v gb="$GB_WANTED" -v b="$row_bytes" 'BEGIN { printf "%d", gb * 1e9 / (b / 2000) }')
echo "big_import.sh: generating $count products (~$GB_WANTED GB) into $csv"
start=$(date +%s)
"$BUILD_DIR/gen_catalog" --count "$count" --seed 7 | pad 1 >"$csv"
csv_bytes=$(stat -c %s "$csv")
echo "big_import.sh: generated $csv_bytes bytes in $(($(date +%s) - start)) s; importing" \
     "(load $(cut -d' ' -f1-3 /proc/loadavg))"
start=$(date +%s)
/usr/bin/time -v -o "$DIR/saiki-big-import.time" "$BUILD_DIR/saiki" --db "$db" index "$csv"
took=$(($(date +%s) - start))
rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$DIR/saiki-big-import.time")
db_bytes=$(( $(stat -c %s "$db") + $( [[ -f "$db-wal" ]] && stat -c %s "$db-wal" || echo 0) ))
echo
echo "big_import.sh: CSV $csv_bytes bytes, $count products; import $took s;" \
     "peak RSS $((rss_kb / 1024)) MiB; database $db_bytes bytes; load $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ "${KEEP:-0}" != 1 ]]; then
  rm -f "$csv" "$db" "$db-wal" "$db-shm" "$DIR/saiki-big-import.time"
fi
