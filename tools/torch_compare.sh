#!/usr/bin/env bash
# Interleaved medians: `recformer bench` against tools/torch_recformer.py on the same shapes and threads.
# Usage: tools/torch_compare.sh ROUNDS "MODE ARGS" ["MODE ARGS" ...]
#   e.g. tools/torch_compare.sh 3 "encode --size small --seq 128 --batch-size 32 --steps 5 --warmup-steps 2"
# Each round runs every case on each side, alternating which side goes first. Sides: ours
# (java -Xmx$JAVA_HEAP -jar target/recformer.jar bench ..., JAVA_HEAP 4g unless set), torch (/usr/bin/python3), and, when
# TORCH_OPENBLAS_DIR names a folder holding an OpenBLAS libblas.so.3, torch again with that folder on
# LD_LIBRARY_PATH (Debian's torch 1.13 is built with BLAS_INFO=generic and finds whichever
# libblas.so.3 comes first), and torch-openblas-dense (the same with --attention dense); SIDES="..."
# picks some of them; a side `jar:PATH` runs `recformer bench` from another build (e.g. the previous
# commit's jar, for before/after ratios in the same rounds). Prints one line per run: `case | side | median seconds`; needs target/recformer.jar.
set -euo pipefail
rounds=$1; shift
threads=2
heap=${JAVA_HEAP:-4g}
median() { grep -o 'median [0-9.]* s' | head -1 | awk '{print $2}'; }
run_side() {  # side, mode args...
  local side=$1; shift
  case $side in
    ours) java -Xmx$heap -jar target/recformer.jar bench "$@" | median ;;
    torch) /usr/bin/python3 tools/torch_recformer.py "$@" --threads $threads | median ;;
    torch-openblas) LD_LIBRARY_PATH=$TORCH_OPENBLAS_DIR /usr/bin/python3 tools/torch_recformer.py "$@" --threads $threads | median ;;
    jar:*) java -Xmx$heap -jar "${side#jar:}" bench "$@" | median ;;
    torch-openblas-dense) LD_LIBRARY_PATH=$TORCH_OPENBLAS_DIR /usr/bin/python3 tools/torch_recformer.py "$@" --threads $threads --attention dense | median ;;
  esac
}
sides=(ours torch)
[ -n "${TORCH_OPENBLAS_DIR:-}" ] && sides+=(torch-openblas torch-openblas-dense)
[ -n "${SIDES:-}" ] && read -r -a sides <<< "$SIDES"  # e.g. SIDES="ours torch-openblas"
for round in $(seq 1 "$rounds"); do
  for c in "$@"; do
    order=("${sides[@]}")
    if (( round % 2 == 0 )); then order=($(printf '%s\n' "${sides[@]}" | tac)); fi
    for side in "${order[@]}"; do
      # shellcheck disable=SC2086
      echo "$c | $side | $(run_side "$side" $c) | load $(cut -d' ' -f1 /proc/loadavg)"
    done
  done
done
