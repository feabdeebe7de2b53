#!/usr/bin/env bash
# Installs the Debian 12 packages saiki needs to build and test, skipping the
# apt round trip when every one is already there. Run as root.
set -euo pipefail
# clang and libclang-rt-dev (its ASan/UBSan/libFuzzer runtimes, only a
# "Recommends" of clang) build the fuzz targets (fuzz/build.sh). python3 and
# python3-pytest run the Python package's tests (bindings/python).
# libcpp-httplib-dev serves `saiki serve`; chromium, chromium-driver and
# python3-selenium run the console's browser test (tests/browser/), and
# fonts-ipafont-gothic gives that headless browser Japanese glyphs.
# python3-dask, python3-distributed, python3-xgboost and python3-pandas run
# the fleet tools (fleet/: collect, train on Dask, publish). MeCab and
# its IPADIC dictionary give the readings of kanji words (index/readings.h).
# curl runs the README's HTTP quick start; libbenchmark-dev builds bench/.
packages=(cmake g++ make pkg-config libsqlite3-dev libeigen3-dev libre2-dev libicu-dev
          catch2 libcli11-dev nlohmann-json3-dev libfmt-dev clang libclang-rt-dev
          python3 python3-pytest curl libbenchmark-dev
          python3-dask python3-distributed python3-xgboost python3-pandas
          libcpp-httplib-dev chromium chromium-driver python3-selenium fonts-ipafont-gothic
          libmecab-dev mecab-ipadic-utf8)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
