#!/usr/bin/env bash
# test.sh — sets up, builds and runs every test under ctest, then again with ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
(cd build && ctest --output-on-failure -j2 --timeout 300)
scripts/setup.sh build-asan -DTPO_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ctest --output-on-failure -j2 --timeout 300)
# fuzz the trace and tape readers from the committed seed corpora (about 60 s each)
scripts/fuzz.sh "${TPO_FUZZ_SECONDS:-60}"
