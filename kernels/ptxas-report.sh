#!/usr/bin/env bash
# Compiles kernels/recformer.cu for sm_90 with the build's flags and `-Xptxas -v`, and prints one
# table row per kernel: registers, static shared memory, stack frame, spill stores and spill loads
# (ptxas's own numbers). Exits 1, naming the functions, when any function (kernel or non-inlined
# device function) has a stack frame or spills; 2 when nvcc is missing or fails.
# NVCC (environment) picks the compiler, as in kernels/build.sh. Used by PtxasReportTest and docs/cuda.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
nvcc="${NVCC:-$(command -v nvcc || true)}"
cuda_home="${CUDA_HOME:-/usr/local/cuda}"
if [[ -z "$nvcc" && -x "$cuda_home/bin/nvcc" ]]; then nvcc="$cuda_home/bin/nvcc"; fi
if [[ -z "$nvcc" ]]; then
  echo "ptxas-report: nvcc not found" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! "$nvcc" -cubin -O3 --fmad=false -std=c++17 -arch=sm_90 -Xptxas -v -o "$work/recformer.cubin" \
    "$here/recformer.cu" > "$work/ptxas.log" 2>&1; then
  cat "$work/ptxas.log" >&2
  exit 2
fi
awk '
  /Compiling entry function/ { match($0, /'\''[A-Za-z0-9_]+'\''/); entry = substr($0, RSTART + 1, RLENGTH - 2); next }
  /Function properties for/ { fn = $NF; next }
  /bytes stack frame/ {
    stack[fn] = $1; stores[fn] = $5; loads[fn] = $9
    if ($1 + 0 > 0 || $5 + 0 > 0 || $9 + 0 > 0) bad = bad " " fn
    next
  }
  /Used [0-9]+ registers/ {
    match($0, /Used [0-9]+ registers/); regs = substr($0, RSTART + 5, RLENGTH - 15)
    smem = 0
    if (match($0, /[0-9]+ bytes smem/)) smem = substr($0, RSTART, RLENGTH - 11)
    order[++n] = entry; reg[entry] = regs; sh[entry] = smem
  }
  END {
    printf "| kernel | registers | static shared bytes | stack frame bytes | spill stores | spill loads |\n"
    printf "|---|---|---|---|---|---|\n"
    # ptxas lists kernels last-defined first; print them in name order
    cmd = "sort"
    for (i = 1; i <= n; i++) {
      k = order[i]
      printf "| `%s` | %s | %s | %s | %s | %s |\n", k, reg[k], sh[k], stack[k], stores[k], loads[k] | cmd
    }
    close(cmd)
    if (bad != "") { printf "ptxas-report: stack frame or spills in:%s\n", bad > "/dev/stderr"; exit 1 }
  }
' "$work/ptxas.log"
