#!/usr/bin/env bash
# The personal layer against each kind of taste (issue 12): `saiki simulate`
# once per taste group — users who care about the brand only, the leaf
# category only, the price tier only, the style only (--attribute-weights
# 1,0,0,0 / 0,1,0,0 / 0,0,1,0 / 0,0,0,1), and the default mixture — and,
# with --ablation, once per setting that removes a part of the personal
# layer (the taste profile, with the visit's leaf; the visit's leaf's prior
# weight, learn.visit_weight 0; the personal model: learn.lr_user 0 makes no
# personal version, and the taste prior comes with one) or adds one
# (exploration, off by default). Prints a
# Markdown table per part: NDCG@10 at the last session and over all
# sessions (mean ±95% CI over the seeds) of bm25, global+history and
# personalised, and the share of its own gap from bm25 to the oracle (1)
# personalised closes at the last session.
#
#   bash eval/run_taste_groups.sh [--ablation] [SIMULATE OPTIONS...]
#
# Extra options go to every run (default: --bot-sessions 0; e.g. --seeds 5).
# Environment: SAIKI (the binary, default build/saiki), OUT_DIR (default a
# temporary directory: each run's JSON and learning-curve SVG stay there).
# About a minute per run and seed on one core.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SAIKI=${SAIKI:-$ROOT/build/saiki}
OUT=${OUT_DIR:-$(mktemp -d)}
mkdir -p "$OUT"
ablation=0
if [[ ${1:-} == --ablation ]]; then
  ablation=1
  shift
fi
[[ -x $SAIKI ]] || { echo "run_taste_groups.sh: no saiki binary at $SAIKI (build it, or set SAIKI)" >&2; exit 2; }

run() {  # NAME ARGS...: one simulation, its JSON and plot kept in $OUT
  local name=$1
  shift
  echo "run_taste_groups.sh: $name: saiki simulate $* --bot-sessions 0 $EXTRA" >&2
  # shellcheck disable=SC2086
  "$SAIKI" simulate --quiet --json --bot-sessions 0 "$@" $EXTRA --plot "$OUT/$name.svg" \
    >"$OUT/$name.json"
}
EXTRA="$*"

if [[ $ablation == 0 ]]; then
  runs=(mixture "" brand "--attribute-weights 1,0,0,0" leaf "--attribute-weights 0,1,0,0"
        tier "--attribute-weights 0,0,1,0" style "--attribute-weights 0,0,0,1")
else
  runs=(default "" "no taste profile" "--set learn.taste=off" "no visit prior"
        "--set learn.visit_weight=0" "no personal model"
        "--set learn.lr_user=0" "with exploration 0.1" "--set learn.explore=0.1"
        "offsets on user features only" "--set learn.personal_features=user")
fi
names=()
for ((i = 0; i < ${#runs[@]}; i += 2)); do
  # shellcheck disable=SC2086
  run "${runs[i]}" ${runs[i + 1]}
  names+=("${runs[i]}")
done

python3 - "$OUT" "${names[@]}" <<'PY'
import json, sys
out, names = sys.argv[1], sys.argv[2:]
def arm(result, name):
    return next(a for a in result["arms"] if a["arm"] == name)
def cell(mean, ci):
    return f"{mean:.3f} ±{ci:.3f}"
print("| run | bm25 @last | global+history @last | personalised @last | personalised overall | gap closed @last |")
print("|---|---:|---:|---:|---:|---:|")
for n in names:
    r = json.load(open(f"{out}/{n}.json"))
    b, h, p, o = (arm(r, x)["ndcg10"] for x in ("bm25", "global+history", "personalised", "oracle"))
    gap = (p["mean"][-1] - b["mean"][-1]) / (o["mean"][-1] - b["mean"][-1])
    print(f"| {n} | {cell(b['mean'][-1], b['ci95'][-1])} | {cell(h['mean'][-1], h['ci95'][-1])} | "
          f"{cell(p['mean'][-1], p['ci95'][-1])} | {cell(p['overall'], p['overall_ci95'])} | {gap:.0%} |")
PY
echo "run_taste_groups.sh: runs and plots in $OUT" >&2
