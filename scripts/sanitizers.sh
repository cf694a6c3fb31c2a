#!/usr/bin/env bash
# The sanitizer and fuzzing jobs of CI (.ci/run runs them after the README's test command):
#   asan  the whole test suite (app included) built with AddressSanitizer + UBSan; any report fails
#   tsan  ThreadSanitizer over the threaded parts: the work pool, the kernels, training determinism
#         across thread counts, and the app's snapshot hand-off between threads
#   fuzz  every libFuzzer target (clang, ASan + UBSan) for FUZZ_SECONDS (30) from its seed corpus
# Usage: scripts/sanitizers.sh [asan] [tsan] [fuzz]   (none: all three). Installs what it needs.
# The sanitizer builds use -O1 with assertions on: they compile in about half the time of -O2.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=("$@")
[[ ${#jobs[@]} -gt 0 ]] || jobs=(asan tsan fuzz)
bash scripts/setup.sh --gui --tests --sanitizers
n=$(nproc)
here=$(pwd)

# Reports go to stderr, which ctest shows for a failing test; leaks inside the system's
# uninstrumented libraries (fontconfig, Qt plugins) are not ours: .ci/lsan.supp lists them.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:check_initialization_order=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$here/.ci/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$here/.ci/tsan.supp"

for job in "${jobs[@]}"; do
  start=$SECONDS
  case "$job" in
    asan)
      cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1" -DREWIRE_SANITIZE=address -DREWIRE_WITH_MPI=OFF \
        -DREWIRE_BUILD_TESTS=ON -DREWIRE_BUILD_GUI=ON
      cmake --build build-asan -j "$n"
      ctest --test-dir build-asan --output-on-failure -j "$n" --timeout 900
      ;;
    tsan)
      cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1" -DREWIRE_SANITIZE=thread -DREWIRE_WITH_MPI=OFF \
        -DREWIRE_BUILD_TESTS=ON -DREWIRE_BUILD_GUI=ON
      cmake --build build-tsan -j "$n" --target test_core test_gui rewire
      # The threaded code: the pool and its kernels, same results for 1-3 threads (busy or not),
      # and the training thread handing snapshots to the GUI thread.
      build-tsan/tests/test_core "[pool],[kernels],[trainer],[parallel]"
      for t in handOffDeliversIncreasingEpochsAndDropsStale handOffFromAThreadNeverGoesBackwards \
               midEpochSnapshotsEveryKBatches pauseStopsEpochsAdvancing stepAdvancesExactlyOneEpoch; do
        QT_QPA_PLATFORM=offscreen REWIRE_BIN=build-tsan/bin/rewire build-tsan/tests/test_gui "$t"
      done
      ;;
    fuzz)
      cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Release -DREWIRE_FUZZ=ON -DREWIRE_WITH_MPI=OFF \
        -DREWIRE_SANITIZE=address -DREWIRE_BUILD_TESTS=OFF -DREWIRE_BUILD_GUI=OFF
      cmake --build build-fuzz -j "$n"
      for target in tests/fuzz/corpus/*/; do
        name=$(basename "$target")
        scratch=$(mktemp -d) # new inputs and any crash file go here, not into the committed corpus
        if ! build-fuzz/tests/fuzz/fuzz_"$name" -max_total_time="${FUZZ_SECONDS:-30}" -malloc_limit_mb=2048 \
            -timeout=10 -print_final_stats=1 -artifact_prefix="$scratch/" "$scratch" "$target" > "$scratch/log" 2>&1; then
          tail -n 60 "$scratch/log"
          echo "fuzz_$name: a finding (above); the input is in its base64 line" >&2
          exit 1
        fi
        echo "fuzz_$name: $(grep -o 'number_of_executed_units: *[0-9]*' "$scratch/log" | grep -o '[0-9]*$') runs, no finding"
        rm -rf "$scratch"
      done
      ;;
    *) echo "sanitizers: unknown job $job (expected asan, tsan or fuzz)" >&2; exit 2;;
  esac
  echo "sanitizers: $job passed in $((SECONDS - start)) s"
done
