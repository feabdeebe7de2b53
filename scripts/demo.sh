#!/usr/bin/env bash
# The demo: installs what is missing, builds, indexes the bundled catalogue
# (datasets/catalog.csv, 5,000 products) into a database file, and answers a
# few queries. The database path is $SAIKI_DB, default ./demo.saiki.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DSAIKI_BUILD_TESTS=OFF
export SAIKI_DB="${SAIKI_DB:-$PWD/demo.saiki}"
saiki=./build/saiki
$saiki index --replace datasets/catalog.csv
for q in "犬" "ｲﾇ 用" "ドッグフード" "キャット -ドライ" "2.5kg" "京都" "サーバー" \
         "犬 price:..2000" "\"ドッグ フード\""; do
  echo
  echo "\$ saiki search $q"
  $saiki search -k 5 "$q"
done
echo
$saiki stats
