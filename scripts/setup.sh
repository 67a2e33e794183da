#!/usr/bin/env bash
# setup.sh — installs the Debian packages 3PO needs (when missing) and configures and builds it.
# Usage: scripts/setup.sh [BUILD_DIR] [extra cmake args...]   (default BUILD_DIR: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}; shift || true
pkgs=(build-essential cmake pkg-config time libglib2.0-dev libelf-dev libunwind-dev check clang libclang-rt-14-dev gnuplot-nox python3 python3-numpy jq groff-base liburing-dev libmemcached-dev memcached)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then echo "setup: need root to install packages" >&2; exit 1; fi
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi
cmake -S . -B "$build" "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
