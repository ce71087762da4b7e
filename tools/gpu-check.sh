#!/usr/bin/env bash
# The device check of the CUDA backend, in one call that fits 10 minutes (docs/cuda.md, "Device check").
# Prepare on the build machine with tools/gpu-prepare.sh and carry target/classes target/test-classes
# target/gpu-check target/jre. On the GPU machine (CUDA driver, PyTorch + transformers, no network,
# maybe no Java or Maven):
#   0. versions: nvidia-smi, java, torch, transformers;
#   1. tools/torch_recformer.py check: the PyTorch comparator (HuggingFace's LongformerEncoder under
#      Recformer's embeddings) against test-fixtures/parity on the GPU, before anything is timed;
#   2. the CUDA tests on the GPU (JUnit console launcher, carried runtime and jars);
#   3. `recformer parity --device cuda` on both fixture folders;
#   4. attention forward / forward+backward: CudaBench (our fused kernel) vs
#      tools/torch_attention_bench.py (HuggingFace LongformerSelfAttention less its projections),
#      batch 16 x 1024 tokens, 12 heads of 64, attention_window 64, FP32;
#   5. a Recformer-base finetune train step at batch 16 x 1024 tokens, fp32 and bf16:
#      `recformer bench train-step --device cuda` vs `tools/torch_recformer.py train-step --attention hf`;
# and prints one table last, speedups (PyTorch time / ours) in its last column beside the targets.
#
# --dry-run: the same steps on the CUDA emulator (cuda-emu) and PyTorch on the CPU with tiny shapes
# (a fast subset of the tests, dev-tiny parity), so that the script can be checked without a GPU.
# GPU_CHECK_PYTHON picks the Python with torch (default: python3, else /usr/bin/python3).
set -uo pipefail
cd "$(dirname "$0")/.."
dry=0
case "${1:-}" in
  --dry-run) dry=1 ;;
  "") ;;
  *) echo "usage: tools/gpu-check.sh [--dry-run]"; exit 2 ;;
esac
log_dir="${GPU_CHECK_LOGS:-target/gpu-check-logs}"
rm -rf "$log_dir"
mkdir -p "$log_dir"

if [[ -n "${GPU_CHECK_JAVA:-}" ]]; then java=$GPU_CHECK_JAVA
elif [[ -x target/jre/bin/java ]]; then java=target/jre/bin/java
elif command -v java >/dev/null 2>&1; then java=java
else echo "gpu-check: no target/jre and no java on PATH (run tools/gpu-prepare.sh and carry target/jre)"; exit 2; fi
if [[ -n "${GPU_CHECK_PYTHON:-}" ]]; then python=$GPU_CHECK_PYTHON
elif python3 -c "import torch" >/dev/null 2>&1; then python=python3
else python=/usr/bin/python3; fi
kernels=target/classes/kernels/recformer.fatbin
(( dry )) && kernels=target/classes/kernels/libcudaemu.so
for path in "$kernels" target/test-classes target/gpu-check/lib; do
  [[ -e "$path" ]] || { echo "gpu-check: $path is missing (run tools/gpu-prepare.sh and carry its outputs)"; exit 2; }
done
cp="target/classes:target/test-classes:$(ls target/gpu-check/lib/*.jar | tr '\n' ':')"
jvm=(-Xmx24g -XX:+UseParallelGC --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=10000 -Drecformer.relaunch=false)
(( dry )) && jvm=(-Xmx3g -XX:+UseParallelGC --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=10000 -Drecformer.relaunch=false)

run() { # name timeout command... ; output to $log_dir/name.log (echoed), status to name.rc
  local name=$1 limit=$2; shift 2
  echo "=== $name (limit ${limit}s): $*"
  timeout "$limit" "$@" 2>&1 | tee "$log_dir/$name.log"
  local rc=${PIPESTATUS[0]}
  echo "=== $name exit $rc"
  echo "$rc" > "$log_dir/$name.rc"
}

echo "=== versions"
if (( dry )); then
  device=cuda-emu torch_device=cpu gpu="dry run: cuda-emu and PyTorch on the CPU, tiny shapes"
else
  nvidia-smi || true
  gpu="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"
  [[ -n "$gpu" ]] || { echo "gpu-check: no NVIDIA GPU detected (nvidia-smi found none); tools/gpu-check.sh --dry-run checks the script without one"; exit 2; }
  device=cuda torch_device=cuda
fi
"$java" -version 2>&1 | head -1
"$python" -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda)" 2>&1
if "$python" -c "import transformers; print('transformers', transformers.__version__)" 2>/dev/null; then attention=hf
else attention=chunked; echo "gpu-check: no transformers: PyTorch runs tools/torch_recformer.py's chunked attention (HF's computation restated)"; fi

if (( dry )); then
  tests=(--select-class org.recformer.backend.cuda.OperandRoundingTest --select-class org.recformer.backend.cuda.CudaPrecisionTest
         --select-class org.recformer.backend.cuda.CudaHostChecksTest --select-class org.recformer.backend.DevicesTest)
  fixtures=(test-fixtures/parity/dev-tiny)
  attention_shape=(2 64 2 16 16) torch_attention_shape=(--batch 2 --seq 64 --heads 2 --head-dim 16 --window 16 --warmup 1 --reps 2)
  model=(--hidden 32 --layers 1 --heads 2 --intermediate 64 --seq 64 --window 16) batch=2 steps=(--steps 1 --warmup-steps 0)
  limits=(120 300 120 60 120 300 120)
else
  tests=(--select-class org.recformer.backend.cuda.CudaBackendTest --select-class org.recformer.backend.cuda.CudaParityTest
         --select-class org.recformer.backend.cuda.CudaPrecisionTest --select-class org.recformer.backend.cuda.OperandRoundingTest
         --select-class org.recformer.backend.cuda.CudaHostChecksTest --select-class org.recformer.backend.DevicesTest
         --select-class org.recformer.backend.cuda.CudaTensorCoreTest --select-class org.recformer.backend.cuda.CudaTrainingStepTest)
  fixtures=(test-fixtures/parity/dev-tiny test-fixtures/parity/dev-small)
  attention_shape=() torch_attention_shape=()
  model=(--size base --seq 1024) batch=16 steps=(--steps 3 --warmup-steps 1)
  limits=(45 150 50 40 45 75 50)
fi

run torch-check "${limits[0]}" "$python" tools/torch_recformer.py check --attention "$attention" --device "$torch_device"
run tests "${limits[1]}" "$java" "${jvm[@]}" -Drecformer.poison=true -Drecformer.cuda.sync=true \
  -jar target/gpu-check/junit-platform-console-standalone.jar execute --class-path "$cp" --disable-banner \
  --details=summary "${tests[@]}"
for f in "${fixtures[@]}"; do
  run "parity-$(basename "$f")" "${limits[2]}" "$java" "${jvm[@]}" -cp "$cp" org.recformer.cli.Main parity --fixtures "$f" --device "$device"
done
run java-attention "${limits[3]}" "$java" "${jvm[@]}" -cp "$cp" org.recformer.backend.cuda.CudaBench "$device" "${attention_shape[@]}"
run torch-attention "${limits[4]}" "$python" tools/torch_attention_bench.py --attention "$attention" --device "$torch_device" \
  "${torch_attention_shape[@]}"
for p in fp32 bf16; do
  run "java-train-$p" "${limits[5]}" "$java" "${jvm[@]}" -cp "$cp" org.recformer.cli.Main bench train-step --device "$device" \
    --precision "$p" "${model[@]}" --batch "$batch" "${steps[@]}"
  run "torch-train-$p" "${limits[6]}" "$python" tools/torch_recformer.py train-step --attention "$attention" --device "$torch_device" \
    --precision "$p" "${model[@]}" --batch-size "$batch" "${steps[@]}"
done

result() { grep -h "^RESULT $1 " "$log_dir/$2.log" 2>/dev/null | tail -1 | awk '{print $3}'; }
median_ms() { grep -ho "median [0-9.]* s" "$log_dir/$1.log" 2>/dev/null | head -1 | awk '{printf "%.1f", $2 * 1000}'; }
speedup() { [[ -n "$1" && -n "$2" ]] && awk -v t="$1" -v o="$2" 'BEGIN { if (o > 0) printf "%.2fx", t / o; else print "-" }' || echo "-"; }
row() { printf "%-32s %12s %12s %8s %10s\n" "$1" "${2:--}" "${3:--}" "$4" "$(speedup "$3" "$2")"; }
echo
echo "==================== gpu-check summary ($gpu; PyTorch attention: $attention)"
for step in torch-check tests "${fixtures[@]/#test-fixtures\/parity\//parity-}" java-attention torch-attention \
            java-train-fp32 torch-train-fp32 java-train-bf16 torch-train-bf16; do
  printf "%-32s exit %s\n" "$step" "$(cat "$log_dir/$step.rc" 2>/dev/null || echo -)"
done
grep -hE "tests (successful|failed|skipped)" "$log_dir/tests.log" | tr -s ' '
printf "attention GB/s (of ~4300): forward %s, forward+backward %s\n" \
  "$(result attention_forward_GBps java-attention)" "$(result attention_fwd_bwd_GBps java-attention)"
echo
printf "%-32s %12s %12s %8s %10s\n" "time (ms, median)" "ours" "pytorch" "target" "speedup"
row "attention forward" "$(result attention_forward_ms java-attention)" "$(result torch_attention_forward_ms torch-attention)" "-"
row "attention forward+backward" "$(result attention_fwd_bwd_ms java-attention)" "$(result torch_attention_fwd_bwd_ms torch-attention)" ">= 5x"
row "train step fp32" "$(median_ms java-train-fp32)" "$(median_ms torch-train-fp32)" ">= 1.5x"
row "train step bf16 (autocast)" "$(median_ms java-train-bf16)" "$(median_ms torch-train-bf16)" ">= 1.5x"
