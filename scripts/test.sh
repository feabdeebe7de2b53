#!/usr/bin/env bash
# Builds saiki with its tests and runs every test (CTest, both cores).
# Installs missing Debian packages first, so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DSAIKI_BUILD_TESTS=ON
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 600
