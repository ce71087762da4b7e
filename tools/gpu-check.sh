#!/usr/bin/env bash
# The device check of the CUDA backend, in one call that fits 10 minutes. Prepare on the build
# machine with tools/gpu-prepare.sh and carry target/classes target/test-classes target/gpu-check
# target/jre. On the GPU machine (CUDA driver, PyTorch + transformers, no network, maybe no Java):
#   1. the GPU test suite: CudaBackendTest (every kernel vs the CPU backend) and CudaParityTest
#      (HuggingFace parity fixtures with every tensor on the GPU), plus the host-side tests;
#   2. CudaBench: fused attention forward / forward+backward at batch 16, 12 heads, head 64,
#      1024 tokens, window 64, and a Recformer-base pretraining step;
#   3. tools/torch_attention_bench.py: the same with HuggingFace / PyTorch eager on the same GPU;
# and prints one table last. Without a GPU it says so and stops before step 1.
set -uo pipefail
cd "$(dirname "$0")/.."
log_dir="${GPU_CHECK_LOGS:-target/gpu-check-logs}"
mkdir -p "$log_dir"

if [[ -n "${GPU_CHECK_JAVA:-}" ]]; then java=$GPU_CHECK_JAVA
elif command -v java >/dev/null 2>&1; then java=java
elif [[ -x target/jre/bin/java ]]; then java=target/jre/bin/java
else echo "gpu-check: no java on PATH and no target/jre (run tools/gpu-prepare.sh and carry target/jre)"; exit 2; fi
for path in target/classes/kernels/recformer.fatbin target/test-classes target/gpu-check/lib; do
  [[ -e "$path" ]] || { echo "gpu-check: $path is missing (run tools/gpu-prepare.sh and carry its outputs)"; exit 2; }
done
echo "gpu-check: java = $("$java" -version 2>&1 | head -1)"
cp="target/classes:target/test-classes:$(ls target/gpu-check/lib/*.jar | tr '\n' ':')"
bench=(-Xmx24g -XX:+UseParallelGC --add-modules jdk.incubator.vector)
jvm=("${bench[@]}" -Drecformer.poison=true)

run() { # name timeout command... ; output to $log_dir/name.log, echoed
  local name=$1 limit=$2; shift 2
  echo "=== $name (limit ${limit}s)"
  timeout "$limit" "$@" 2>&1 | tee "$log_dir/$name.log"
  local rc=${PIPESTATUS[0]}
  echo "=== $name exit $rc"
  echo "$rc" > "$log_dir/$name.rc"
}

gpu="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"
if [[ -z "$gpu" ]]; then
  echo "gpu-check: no NVIDIA GPU detected (nvidia-smi found none): running the CUDA tests on the emulator (cuda-emu) instead"
  run tests 300 "$java" "${jvm[@]}" -jar target/gpu-check/junit-platform-console-standalone-*.jar \
    execute --class-path "$cp" --disable-banner --details=summary \
    --select-class org.recformer.backend.cuda.CudaBackendTest --select-class org.recformer.backend.cuda.CudaParityTest \
    --select-class org.recformer.backend.cuda.CudaKernelSignatureTest --select-class org.recformer.backend.DevicesTest
  "$java" "${jvm[@]}" -cp "$cp" org.recformer.backend.cuda.CudaBench cuda
  echo "gpu-check: the GPU part is skipped (no GPU)"
  exit 0
fi
echo "gpu-check: GPU = $gpu"

run tests 240 "$java" "${jvm[@]}" -Drecformer.cuda.sync=true -jar target/gpu-check/junit-platform-console-standalone-*.jar \
  execute --class-path "$cp" --disable-banner --details=tree \
  --select-class org.recformer.backend.cuda.CudaBackendTest --select-class org.recformer.backend.cuda.CudaParityTest \
  --select-class org.recformer.backend.cuda.CudaKernelSignatureTest --select-class org.recformer.backend.DevicesTest
run java-attention 45 "$java" "${bench[@]}" -cp "$cp" org.recformer.backend.cuda.CudaBench cuda attention
run torch-attention 60 python3 tools/torch_attention_bench.py attention
run java-train 90 "$java" "${bench[@]}" -cp "$cp" org.recformer.backend.cuda.CudaBench cuda train
run torch-train 90 python3 tools/torch_attention_bench.py train

value() { grep -h "^RESULT $1 " "$log_dir"/*.log 2>/dev/null | tail -1 | awk '{print $3}'; }
ratio() { [[ -n "$1" && -n "$2" ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }' || echo "-"; }
tests_line="$(grep -hE "tests (successful|failed|skipped)" "$log_dir/tests.log" | tr -s ' ' | paste -sd ' ' -)"
echo
echo "==================== gpu-check summary ($gpu)"
printf "%-34s %14s %14s %12s\n" "measure" "java cuda" "pytorch" "torch/java"
for m in attention_forward_ms attention_fwd_bwd_ms train_step_ms; do
  j="$(value "$m")"; t="$(value "torch_$m")"
  printf "%-34s %14s %14s %12s\n" "$m" "${j:--}" "${t:--}" "$(ratio "$t" "$j")"
done
for m in attention_forward_GBps attention_fwd_bwd_GBps; do
  j="$(value "$m")"
  printf "%-34s %14s %14s %12s\n" "$m (of ~4300 GB/s)" "${j:--}" "" ""
done
printf "%-34s %s\n" "tests (exit $(cat "$log_dir/tests.rc"))" "$tests_line"
for step in java-attention torch-attention java-train torch-train; do
  printf "%-34s exit %s\n" "$step" "$(cat "$log_dir/$step.rc")"
done
