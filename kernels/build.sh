#!/usr/bin/env bash
# Compiles kernels/recformer.cu into one fatbin (SASS for sm_80 and sm_90, PTX for compute_90) at
# $1/kernels/recformer.fatbin, which Maven packs into the jar. Without nvcc it prints a note and
# succeeds: the jar then has no kernels and the CUDA backend says so when asked for.
# NVCC (environment) picks the compiler; default: nvcc on PATH, else $CUDA_HOME/bin/nvcc (CUDA_HOME
# defaults to /usr/local/cuda).
set -euo pipefail
out_dir="${1:?usage: kernels/build.sh OUTPUT_CLASSES_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
nvcc="${NVCC:-$(command -v nvcc || true)}"
cuda_home="${CUDA_HOME:-/usr/local/cuda}"
if [[ -z "$nvcc" && -x "$cuda_home/bin/nvcc" ]]; then nvcc="$cuda_home/bin/nvcc"; fi
if [[ -z "$nvcc" ]]; then
  echo "[kernels] nvcc not found: building without CUDA kernels (the cuda backend will report it has none)"
  exit 0
fi
mkdir -p "$out_dir/kernels"
target="$out_dir/kernels/recformer.fatbin"
# Rebuild only when a kernel source is newer than the fatbin.
if [[ -f "$target" ]] && [[ -z "$(find "$here" -name '*.cu*' -newer "$target")" ]]; then
  echo "[kernels] $target is up to date"
  exit 0
fi
start=$(date +%s)
# --fmad=false: no contraction of a*b+c, so elementwise results round as the CPU backend's Java code
# does; the hot loops (matmul, attention value sums) call fmaf explicitly.
"$nvcc" -fatbin -O3 --fmad=false -std=c++17 \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_90,code=sm_90 \
  -gencode arch=compute_90,code=compute_90 \
  -o "$target.tmp" "$here/recformer.cu"
mv "$target.tmp" "$target"
echo "[kernels] $("$nvcc" --version | tail -1): built $target ($(stat -c %s "$target") bytes) in $(( $(date +%s) - start ))s"
