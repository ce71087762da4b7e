// The one compilation unit of the CUDA backend's kernels (built into target/classes/kernels/recformer.fatbin).
// Each family lives in its own header, mirroring backend/cpu: CpuElementwise + CpuIndexing, CpuMatmul,
// CpuNorm, CpuSoftmax, CpuOptimizer, CpuAttention. Kernel names are extern "C" so the host looks them up unmangled.
#include "common.cuh"
#include "elementwise.cuh"
#include "precision.cuh"
#include "matmul.cuh"
#include "tc_matmul.cuh"
#include "norm.cuh"
#include "softmax.cuh"
#include "optimizer.cuh"
#include "attention.cuh"
