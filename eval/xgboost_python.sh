#!/usr/bin/env bash
# Prints the path of a python3 that imports xgboost (Debian's python3-xgboost
# lives in the system python's dist-packages); as root it installs the
# package when none does. Exits 2 when there is none. Used by eval/run_*.sh.
set -euo pipefail
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import xgboost' 2>/dev/null; then echo "$p"; exit 0; fi
done
if [[ $(id -u) == 0 ]]; then
  apt-get install -y -qq python3-xgboost >/dev/null
  echo /usr/bin/python3
else
  echo "needs XGBoost: apt-get install python3-xgboost" >&2
  exit 2
fi
