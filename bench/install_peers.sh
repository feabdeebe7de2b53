#!/usr/bin/env bash
# Installs what bench/run_peers.sh needs on Debian 12: the peers' libraries
# (Groonga, Xapian; SQLite FTS5 comes with libsqlite3-dev, which saiki needs
# anyway), pkg-config, Google Benchmark (bench/CMakeLists.txt requires it for
# the micro-benchmarks, which share the -DSAIKI_BUILD_BENCH=ON build), and
# saiki's own build dependencies. Only missing packages are installed; run as
# root (or with sudo available).
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config
  libsqlite3-dev libicu-dev libre2-dev libeigen3-dev libfmt-dev
  nlohmann-json3-dev libcli11-dev
  libbenchmark-dev
  libgroonga-dev
  libxapian-dev
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install_peers: everything is installed" >&2
  exit 0
fi

SUDO=""
if [[ $(id -u) != 0 ]]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "install_peers: need root to install: ${missing[*]}" >&2; exit 1
  fi
fi
echo "install_peers: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
