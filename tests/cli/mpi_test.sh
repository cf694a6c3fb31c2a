#!/usr/bin/env bash
# End-to-end tests of `mpirun -np 2 rewire train --parallel ...` on loopback.
# Usage: mpi_test.sh REWIRE_BINARY WORK_DIR (same-as-threads | chunked | killed-rank | refusals)
set -uo pipefail
rewire=$1
work=$2
what=$3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 # CI runs as root
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_vader_single_copy_mechanism=none # no CMA in containers
mkdir -p "$work"
data="synthetic:madelon:features=40,samples=1200,classes=3,informative=8"
common=(--dataset "$data" --arch 40-64-32-3 --epsilon 4 --epochs 5 --batch 32 --lr 0.05 --threads 1 --seed 3
        --induced-loss-samples 0 --quiet --force)
fail() { echo "FAIL: $*" >&2; exit 1; }
column() { # the named column of a metrics.csv, one value per line
  python3 -c "import csv,sys; print('\n'.join(r[sys.argv[2]] for r in csv.DictReader(open(sys.argv[1]))))" "$1" "$2"
}

case "$what" in
same-as-threads)
  # Worker k's batches, the server's cyclic order and the averaging do not depend on the
  # transport: two ranks reproduce two worker threads exactly (a stronger check than an
  # accuracy band), for wasap and wassp.
  for algo in wasap wassp; do
    "$rewire" train "${common[@]}" --parallel $algo --workers 2 --out "$work/threads-$algo" || fail "threaded $algo run"
    mpirun --oversubscribe -np 2 "$rewire" train "${common[@]}" --parallel $algo --out "$work/mpi-$algo" \
      || fail "mpirun $algo run"
    a=$(column "$work/threads-$algo/metrics.csv" test_accuracy)
    b=$(column "$work/mpi-$algo/metrics.csv" test_accuracy)
    [[ "$a" == "$b" ]] || fail "$algo: threads give test accuracies $a, 2 ranks $b"
    [[ $(echo "$a" | wc -l) == 5 ]] || fail "$algo: expected 5 epochs, got: $a"
    last=$(echo "$a" | tail -1)
    python3 -c "import sys; sys.exit(0 if float('$last') > 0.5 else 1)" || fail "$algo: final accuracy $last, not learning"
    echo "$algo: threads and 2 ranks agree: $(echo $a)"
  done
  ;;
chunked)
  # Messages cut into 1000-byte chunks arrive whole (the >2^31-byte path, scaled down).
  mpirun --oversubscribe -np 2 "$rewire" train "${common[@]}" --parallel wasap --out "$work/whole" || fail "run"
  REWIRE_MPI_CHUNK_BYTES=1000 mpirun --oversubscribe -x REWIRE_MPI_CHUNK_BYTES -np 2 "$rewire" train "${common[@]}" \
    --parallel wasap --out "$work/chunked" || fail "chunked run"
  [[ "$(column "$work/whole/metrics.csv" test_loss)" == "$(column "$work/chunked/metrics.csv" test_loss)" ]] \
    || fail "chunked messages changed the run"
  echo "1000-byte chunks: same run"
  ;;
killed-rank)
  # A rank killed mid-run ends the job within seconds with an error naming it; the checkpoint
  # written before stays.
  rm -rf "$work/killed"
  mpirun --oversubscribe -np 2 "$rewire" train --dataset "synthetic:madelon:features=200,samples=20000,classes=3" \
    --arch 200-2000-2000-3 --epochs 200 --checkpoint-every 1 --parallel wasap --threads 1 --force \
    --out "$work/killed" >"$work/killed.out" 2>"$work/killed.err" &
  job=$!
  # Until epoch 1's line shows (printed after its checkpoint is written); a busy machine may take
  # minutes, which is not what this test measures.
  for _ in $(seq 1 2400); do
    grep -qE "^epoch +1/" "$work/killed.out" 2>/dev/null && break
    sleep 0.1
  done
  grep -qE "^epoch +1/" "$work/killed.out" || { kill $job; fail "no epoch finished within 240 s"; }
  victim=""
  for p in $(pgrep -f "rewire train --dataset synthetic:madelon:features=200"); do
    if tr '\0' '\n' </proc/$p/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1"; then victim=$p; fi
  done
  [[ -n "$victim" ]] || { kill $job; fail "rank 1's process not found"; }
  start=$(date +%s.%N)
  kill -9 "$victim"
  wait $job
  code=$?
  seconds=$(python3 -c "print($(date +%s.%N) - $start)")
  cat "$work/killed.err" >&2
  [[ $code != 0 ]] || fail "the job exited 0 after rank 1 was killed"
  python3 -c "import sys; sys.exit(0 if $seconds < 15 else 1)" || fail "the job took $seconds s to end"
  grep -qiE "rank 1|rank \[\[[0-9]+,[0-9]+\],1\]" "$work/killed.err" || fail "the error does not name rank 1"
  [[ -f "$work/killed/checkpoint.rwm" || -d "$work/killed/checkpoint" || -n "$(ls "$work/killed" | grep -i checkpoint)" ]] \
    || fail "no checkpoint left in $work/killed: $(ls "$work/killed")"
  echo "killed rank 1: the job ended in $seconds s (exit $code), naming it; the checkpoint stays"
  ;;
refusals)
  out=$(mpirun --oversubscribe -np 2 "$rewire" train "${common[@]}" --out "$work/nopar" 2>&1) && fail "ran without --parallel"
  grep -q "add --parallel" <<<"$out" || fail "no clear error without --parallel: $out"
  out=$(mpirun --oversubscribe -np 2 "$rewire" train "${common[@]}" --parallel wasap --workers 3 --out "$work/w3" 2>&1) \
    && fail "ran with --workers 3 on 2 ranks"
  grep -q "workers are the 2 ranks" <<<"$out" || fail "no clear error for --workers 3: $out"
  echo "refusals: clear errors"
  ;;
*) fail "unknown test $what" ;;
esac
