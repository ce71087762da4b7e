#!/usr/bin/env bash
# Interleaved medians: `recformer bench` against tools/torch_recformer.py on the same shapes and threads.
# Usage: tools/torch_compare.sh ROUNDS "MODE ARGS" ["MODE ARGS" ...]
#   e.g. tools/torch_compare.sh 3 "encode --size small --seq 128 --batch-size 32 --steps 5 --warmup-steps 2"
# Each round runs every case on each side, alternating which side goes first. Sides: ours
# (java $JAVA_OPTS -jar target/recformer.jar bench ...: what a plain `java -jar` gets),
# torch (/usr/bin/python3), and, when
# TORCH_OPENBLAS_DIR names a folder holding an OpenBLAS libblas.so.3, torch again with that folder on
# LD_LIBRARY_PATH (Debian's torch 1.13 is built with BLAS_INFO=generic and finds whichever
# libblas.so.3 comes first), and torch-openblas-dense (the same with --attention dense); SIDES="..."
# picks some of them; a side `jar:PATH` runs `recformer bench` from another build (e.g. the previous
# commit's jar, for before/after ratios in the same rounds). Prints one line per run:
# `case | side | median seconds | peak resident GB | load`
# (peak resident memory: VmHWM of our JVM, ru_maxrss of the Python process); needs target/recformer.jar.
# JAVA_OPTS (default none: the launcher's own choice, see cli.JvmRelaunch) are our JVM's options,
# e.g. JAVA_OPTS="-Xmx3g -XX:+UseSerialGC".
set -euo pipefail
rounds=$1; shift
threads=2
# "median S s" and "peak memory: resident G GB" of a run's output as "S | G"
summary() { awk '/median [0-9.]+ s/ && !t { match($0, /median [0-9.]+/); t = substr($0, RSTART + 7, RLENGTH - 7) }
                 /peak memory: resident/ { match($0, /resident [0-9.]+/); m = substr($0, RSTART + 9, RLENGTH - 9) }
                 END { print t " | " m }'; }
run_side() {  # side, mode args...
  local side=$1; shift
  case $side in
    # shellcheck disable=SC2086
    ours) java ${JAVA_OPTS:-} -jar target/recformer.jar bench "$@" | summary ;;
    torch) /usr/bin/python3 tools/torch_recformer.py "$@" --threads $threads | summary ;;
    torch-openblas) LD_LIBRARY_PATH=$TORCH_OPENBLAS_DIR /usr/bin/python3 tools/torch_recformer.py "$@" --threads $threads | summary ;;
    # shellcheck disable=SC2086
    jar:*) java ${JAVA_OPTS:-} -jar "${side#jar:}" bench "$@" | summary ;;
    torch-openblas-dense) LD_LIBRARY_PATH=$TORCH_OPENBLAS_DIR /usr/bin/python3 tools/torch_recformer.py "$@" --threads $threads --attention dense | summary ;;
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
