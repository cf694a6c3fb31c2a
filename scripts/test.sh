#!/usr/bin/env bash
# Sets up (Debian packages), builds and runs every test. Used by .ci/run and the README.
# Usage: scripts/test.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bash scripts/setup.sh --gui --tests
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DREWIRE_BUILD_TESTS=ON -DREWIRE_BUILD_GUI=ON
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
