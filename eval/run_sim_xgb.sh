#!/usr/bin/env bash
# The online personalised model against an XGBoost LambdaMART model trained
# offline on simulated logs (issue 4, section 5), outside the default test
# run:
#   1. `saiki simulate --seed 101 --seeds 1` with its databases kept: the
#      personalised arm's database holds the logs of 40 other simulated
#      users' 20 sessions (3,200 searches) — users and queries the
#      evaluation below never sees;
#   2. `saiki export-features` writes them in SVMlight format, and
#      tests/data/make_xgb_fixture.py trains rank:ndcg (LambdaMART) on them
#      as the README's workflow does (depth 6, eta 0.1, 100 rounds);
#   3. `saiki simulate --offline-model m.json` (seeds 1..3, the defaults)
#      runs every arm plus "xgboost offline": the engine with that model as
#      its fixed ranker.
#
#   bash eval/run_sim_xgb.sh [SIMULATE OPTIONS...]   (as root it installs python3-xgboost)
#
# Extra options go to the evaluation run (e.g. --seeds 1). Environment:
# BUILD_DIR (default /tmp/saiki-eval-build), OUT_DIR (default a temporary
# directory; the logs, the model and the table stay there). A few minutes.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-/tmp/saiki-eval-build}
OUT=${OUT_DIR:-$(mktemp -d)}
mkdir -p "$OUT"
PY=$(bash "$ROOT/eval/xgboost_python.sh")

fresh=()
[[ -f $BUILD/CMakeCache.txt ]] || fresh=(-DCMAKE_BUILD_TYPE=Release -DSAIKI_BUILD_TESTS=OFF)
cmake -S "$ROOT" -B "$BUILD" "${fresh[@]}" >/dev/null
cmake --build "$BUILD" -j2 --target saiki-cli >/dev/null
SAIKI=$BUILD/saiki

rm -rf "$OUT/train"
"$SAIKI" simulate --seed 101 --seeds 1 --quiet --keep-db "$OUT/train" >"$OUT/train-table.txt"
"$SAIKI" --db "$OUT/train/seed101-personalised.saiki" export-features --out "$OUT/train.txt"
"$PY" "$ROOT/tests/data/make_xgb_fixture.py" train "$OUT/train.txt" "$OUT/m.json" \
  --objective rank:ndcg
"$SAIKI" simulate --quiet --offline-model "$OUT/m.json" "$@" | tee "$OUT/table.txt"
echo "(logs, model and tables in $OUT)"
