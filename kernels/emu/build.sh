#!/usr/bin/env bash
# Builds the CUDA emulator (kernels/emu/emulator.cpp with kernels/recformer.cu compiled by the host
# C++ compiler) into $1/kernels/libcudaemu.so, which Maven packs into the jar and
# org.recformer.backend.cuda.EmulatorLibrary loads on request. $2 is the JDK (for jni.h); $3, the
# kernel sources to compile (default: this directory's parent; tests pass a broken scratch copy).
# Without a C++ compiler, JNI headers or an x86-64 machine it prints a note and succeeds: the jar then
# has no emulator and `--device cuda-emu` says so. CXX (environment) picks the compiler (default g++).
set -euo pipefail
out_dir="${1:?usage: kernels/emu/build.sh OUTPUT_CLASSES_DIR JAVA_HOME [KERNELS_DIR]}"
java_home="${2:?usage: kernels/emu/build.sh OUTPUT_CLASSES_DIR JAVA_HOME [KERNELS_DIR]}"
here="$(cd "$(dirname "$0")" && pwd)"
kernels="$(cd "${3:-$here/..}" && pwd)"
cxx="${CXX:-g++}"
absent() {
  echo "[emulator] $1: building without the CUDA emulator (--device cuda-emu will report it is absent)"
  exit 0
}
command -v "$cxx" >/dev/null || absent "$cxx not found"
[[ "$(uname -m)" == x86_64 ]] || absent "its fibers are written for x86-64, this machine is $(uname -m)"
[[ -f "$java_home/include/jni.h" ]] || absent "no jni.h under $java_home/include"
mkdir -p "$out_dir/kernels"
target="$out_dir/kernels/libcudaemu.so"
if [[ -f "$target" ]] && [[ -z "$(find "$kernels" "$here" -name '*.cu*' -newer "$target" -o -name '*.h' -newer "$target" -o -name '*.cpp' -newer "$target")" ]]; then
  echo "[emulator] $target is up to date"
  exit 0
fi
start=$(date +%s)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# the kernel table: every extern "C" __global__ function of the sources and of the emulator's test-only
# kernels (mma_probe.cuh)
cat "$kernels"/*.cu "$kernels"/*.cuh "$here"/mma_probe.cuh | tr '\n' ' ' \
  | grep -oE 'extern "C" __global__ void( __launch_bounds__\([^)]*\))? [A-Za-z_][A-Za-z0-9_]*\(' \
  | sed -E 's/.* ([A-Za-z_][A-Za-z0-9_]*)\($/EMU_KERNEL(\1)/' > "$work/kernels.inc"
# -ffp-contract=off: no fused a*b+c, as the fatbin's --fmad=false. -mfma where this CPU has FMA: the
# kernels' explicit fmaf calls become one instruction (same, correctly rounded result; SGEMM 3x
# faster); a CPU without FMA is refused when the library loads.
fma=""
if grep -qw fma /proc/cpuinfo 2>/dev/null; then fma="-mfma"; fi
"$cxx" -std=c++17 -O2 -g0 -fPIC -shared -ffp-contract=off $fma -Wno-unknown-pragmas \
  -I"$java_home/include" -I"$java_home/include/linux" -I"$work" -I"$here" \
  -DEMU_KERNELS="\"$kernels/recformer.cu\"" -o "$work/libcudaemu.so" "$here/emulator.cpp"
mv "$work/libcudaemu.so" "$target"
echo "[emulator] $("$cxx" --version | head -1): built $target ($(stat -c %s "$target") bytes, $(wc -l < "$work/kernels.inc") kernels) in $(( $(date +%s) - start ))s"
