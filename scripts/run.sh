#!/usr/bin/env bash
# Sets up (Debian packages), builds and runs the main job: SET training of the reference
# configuration on Fashion-MNIST (the built-in synthetic set if Fashion-MNIST is not installed).
# Usage: scripts/run.sh [extra `rewire train` flags, e.g. --epochs 20 --out runs/mine]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DREWIRE_BUILD_TESTS=OFF > /dev/null
cmake --build build -j "$(nproc)" --target rewire
out=runs/quickstart
args=("$@")
for a in "$@"; do [[ "$a" == --out || "$a" == --out=* ]] && out=""; done
if [[ -n "$out" ]]; then args+=(--out "$out" --force); fi
exec build/bin/rewire train "${args[@]}"
