#!/usr/bin/env bash
# Installs every Debian package Rewire needs to build, test and run (Debian 12).
# Usage: scripts/setup.sh [--gui] [--tests] [--bench] [--sanitizers]   (idempotent; needs root or sudo)
#   --gui    adds the Qt 6 packages (and giflib, the timeline video's fallback)
#   --tests  adds the tests' independent readers: Debian's networkx, SciPy and NumPy, and ffmpeg
#            (the app's video export, checked with ffprobe)
#   --sanitizers  adds clang 14 with libFuzzer and its sanitizer runtimes (scripts/sanitizers.sh)
#   --bench  adds the peers of bench/suite.py: PyTorch, SciPy and OpenBLAS (without OpenBLAS,
#            Debian's torch runs on the reference BLAS and is no fair peer)
set -euo pipefail

pkgs=(
  build-essential g++ cmake ninja-build pkg-config git
  libeigen3-dev libboost-graph-dev zlib1g-dev nlohmann-json3-dev libfmt-dev libzip-dev libcli11-dev libcairo2-dev
  libigraph-dev libarpack2-dev libglpk-dev libplfit-dev
  catch2 locales
  libopenmpi-dev openmpi-bin
  dataset-fashion-mnist
)
gui_pkgs=(qt6-base-dev qt6-charts-dev qt6-svg-dev libgif-dev libqt6opengl6-dev libgl-dev xvfb xauth fonts-dejavu-core)
test_pkgs=(python3-networkx python3-scipy python3-numpy ffmpeg)
sanitizer_pkgs=(clang-14 libclang-rt-14-dev llvm-14)
bench_pkgs=(python3-torch python3-scipy python3-numpy libopenblas0-openmp libbenchmark-dev valgrind)
for arg in "$@"; do
  case "$arg" in
    --gui) pkgs+=("${gui_pkgs[@]}");;
    --tests) pkgs+=("${test_pkgs[@]}");;
    --bench) pkgs+=("${bench_pkgs[@]}");;
    --sanitizers) pkgs+=("${sanitizer_pkgs[@]}");;
    *) echo "setup: unknown option $arg (expected --gui, --tests, --bench or --sanitizers)" >&2; exit 2;;
  esac
done

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#pkgs[@]} packages already installed"
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
