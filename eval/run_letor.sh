#!/usr/bin/env bash
# Evaluation against peers on public data (issue 4, section 5), outside the
# default test run:
#   1. LETOR 4.0 MQ2008 (../shared/datasets/letor-mq2008-xgboost, see its
#      SOURCE.md: only vali.txt and test.txt exist, so each is the training
#      set for the other): NDCG@10 of saiki's pairwise linear learner
#      against XGBoost rank:pairwise and rank:ndcg (Debian's python3-xgboost),
#      all scored by the same NDCG code (eval/tools/letor_eval.cc).
#   2. The LightGBM lambdarank example (../shared/datasets/
#      lightgbm-lambdarank: a Yahoo! LTR sample, 300 sparse features, a real
#      train/test split with LightGBM query files): the same comparison.
#   3. Yandex WSCD 2012 click samples (../shared/datasets/
#      yandex-wscd-clicks-pyclick): saiki's position-bias estimate (PBM EM,
#      ranker/propensity.h) against the raw click rate by rank.
#
#   bash eval/run_letor.sh            (as root it installs python3-xgboost)
#
# Environment: SAIKI_DATASETS (default ../shared/datasets beside the repo),
# BUILD_DIR (default /tmp/saiki-eval-build), OUT_DIR for the XGBoost
# predictions (default a temporary directory). Takes a few minutes, most of
# it building the library.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${SAIKI_DATASETS:-$ROOT/../shared/datasets}
BUILD=${BUILD_DIR:-/tmp/saiki-eval-build}
OUT=${OUT_DIR:-$(mktemp -d)}
mkdir -p "$OUT"
MQ=$DATA/letor-mq2008-xgboost
LGB=$DATA/lightgbm-lambdarank
YANDEX=$DATA/yandex-wscd-clicks-pyclick
for f in "$MQ/vali.txt" "$MQ/test.txt" "$LGB/rank.train" "$LGB/rank.test" "$YANDEX/trainSample" \
         "$YANDEX/testSample"; do
  [[ -f $f ]] || { echo "run_letor.sh: missing $f (set SAIKI_DATASETS)" >&2; exit 4; }
done

PY=$(bash "$ROOT/eval/xgboost_python.sh")

# A new build directory gets a Release build without tests; an existing one
# keeps its configuration and only gains the letor_eval target.
fresh=()
[[ -f $BUILD/CMakeCache.txt ]] || fresh=(-DCMAKE_BUILD_TYPE=Release -DSAIKI_BUILD_TESTS=OFF)
cmake -S "$ROOT" -B "$BUILD" "${fresh[@]}" -DSAIKI_BUILD_EVAL=ON >/dev/null
cmake --build "$BUILD" -j2 --target letor_eval >/dev/null
EVAL=$BUILD/letor_eval

echo "# LETOR 4.0 MQ2008: saiki's pairwise linear learner vs XGBoost (NDCG@10 on the test file)"
for fold in "vali test" "test vali"; do
  set -- $fold
  train=$MQ/$1.txt test=$MQ/$2.txt
  echo
  echo "## train on $1.txt, test on $2.txt"
  for obj in rank:pairwise rank:ndcg; do
    "$PY" "$ROOT/eval/tools/xgb_letor.py" --train "$train" --test "$test" --objective "$obj" \
      --out "$OUT/$1-$obj.txt" >&2
  done
  "$EVAL" letor --train "$train" --test "$test" \
    --pred "XGBoost rank:pairwise=$OUT/$1-rank:pairwise.txt" \
    --pred "XGBoost rank:ndcg=$OUT/$1-rank:ndcg.txt"
done

echo
echo "# LightGBM lambdarank example (Yahoo! LTR sample): train rank.train, test rank.test"
lgb=(--train "$LGB/rank.train" --train-groups "$LGB/rank.train.query"
     --test "$LGB/rank.test" --test-groups "$LGB/rank.test.query")
for obj in rank:pairwise rank:ndcg; do
  "$PY" "$ROOT/eval/tools/xgb_letor.py" "${lgb[@]}" --objective "$obj" --out "$OUT/lgb-$obj.txt" >&2
done
"$EVAL" letor "${lgb[@]}" --pred "XGBoost rank:pairwise=$OUT/lgb-rank:pairwise.txt" \
  --pred "XGBoost rank:ndcg=$OUT/lgb-rank:ndcg.txt"

echo
echo "# Yandex WSCD 2012 clicks: position bias"
"$EVAL" clicks "$YANDEX/trainSample" "$YANDEX/testSample"
