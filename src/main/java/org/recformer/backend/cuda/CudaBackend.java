package org.recformer.backend.cuda;

import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import org.recformer.tensor.AttentionProblem;
import org.recformer.tensor.Backend;
import org.recformer.tensor.BinaryOp;
import org.recformer.tensor.Buffer;
import org.recformer.tensor.Precision;
import org.recformer.tensor.Shape;
import org.recformer.tensor.UnaryOp;

import java.util.EnumMap;
import java.util.Map;

/**
 * The CUDA backend: the kernels of {@code kernels/*.cu} (one per CPU kernel family, same names and
 * semantics as backend/cpu, which stays the reference) launched through a {@link Device}: the JCuda
 * driver API on one stream, with device memory from a caching allocator ({@link #instance()}), or
 * the CUDA emulator, the same kernels compiled for the CPU ({@link #emulated()}). Host arrays (ids,
 * labels, {@link #fromArray}'s floats) go up through page-locked staging with asynchronous copies
 * on the compute stream ({@link UploadStaging}); the attention metadata is uploaded once per mask
 * pair ({@link AttentionMaskCache}); nothing is copied back to the host except by {@link #toArray}. Nothing here loads a native library before one of those is called.
 * With {@code -Drecformer.poison=true} new buffers are filled with NaN, as on the CPU.
 *
 * <p>Each backend has a {@link Precision}: the operand format of matrix products and attention's
 * products (FP32 accumulation in every mode; {@code kernels/precision.cuh}). The backends of one
 * device at different precisions share its memory ({@link #withPrecision}).
 */
public final class CudaBackend implements Backend {
    private static final int THREADS = 256;
    private static final int MAX_BLOCKS = 1 << 16;
    /** Rows per block of the warp-per-row kernels (THREADS / 32). */
    private static final int ROWS_PER_BLOCK = THREADS / 32;
    /** CUDA's limit on grid y and z. */
    private static final int MAX_GRID_YZ = 65535;
    /** Column reductions split their rows into slices until the grid has about this many blocks ... */
    private static final int COLUMN_TARGET_BLOCKS = 1024;
    /** ... of at least this many rows each. */
    private static final int MIN_SLICE_ROWS = 64;
    /** Columns of one row per block of the cross-entropy kernels (256 threads x 8). */
    private static final int CROSS_ENTROPY_CHUNK = 2048;
    /** Most blocks per tensor of the gradient norm's first pass. */
    private static final int GRAD_NORM_PARTS = 128;

    private static CudaBackend instance;
    private static CudaUnavailableException failure;
    private static CudaBackend emulated;

    private final Device cuda;
    private final UploadStaging staging;
    private final AttentionMaskCache attentionMasks;
    private final String name;
    private final Precision precision;
    /** What this device's backends at every precision share (staging, the mask cache, each other). */
    private final Shared shared;
    private final boolean poison = Boolean.getBoolean("recformer.poison");

    /** An FP32 backend on {@code device} (tests pass a recording device). */
    CudaBackend(Device device) {
        this(device, "cuda");
    }

    private CudaBackend(Device device, String name) {
        this(device, name, Precision.FP32, Shared.of(device));
    }

    private CudaBackend(Device device, String name, Precision precision, Shared shared) {
        this.cuda = device;
        this.staging = shared.staging();
        this.attentionMasks = shared.attentionMasks();
        this.name = name;
        this.precision = precision;
        this.shared = shared;
        shared.siblings().put(precision, this);
    }

    /** What the backends of one device at different precisions share: uploads, the mask cache, each other. */
    private record Shared(UploadStaging staging, AttentionMaskCache attentionMasks, Map<Precision, CudaBackend> siblings) {
        static Shared of(Device device) {
            UploadStaging staging = new UploadStaging(device);
            return new Shared(staging, new AttentionMaskCache(device, staging), new EnumMap<>(Precision.class));
        }
    }

    /** The backend of this device whose products run at {@code precision}; tensors move freely between the two. */
    public CudaBackend withPrecision(Precision precision) {
        synchronized (shared.siblings()) {
            return shared.siblings().computeIfAbsent(precision, p -> new CudaBackend(cuda, name, p, shared));
        }
    }

    @Override
    public Backend fullPrecision() {
        return withPrecision(Precision.FP32);
    }

    /** The operand format of this backend's matrix and attention products. */
    public Precision precision() {
        return precision;
    }

    /** The PRECISION_* code of kernels/precision.cuh named as {@code precision}. */
    static int precisionCode(Precision precision) {
        return switch (precision) {
            case FP32 -> 0;
            case TF32 -> 1;
            case BF16 -> 2;
        };
    }

    /**
     * The process's FP32 CUDA backend on device 0, created on first use.
     *
     * @throws CudaUnavailableException naming why (no kernels in the jar, no driver library, no device)
     */
    public static synchronized CudaBackend instance() {
        if (instance != null) return instance;
        if (failure != null) throw failure;
        byte[] fatbin = KernelImage.read();
        if (fatbin == null) {
            failure = new CudaUnavailableException("CUDA backend: this build has no kernels (" + KernelImage.RESOURCE
                    + " is missing: nvcc was not found when the jar was built; see docs/cuda.md)", null);
            throw failure;
        }
        try {
            instance = new CudaBackend(new CudaContext(fatbin));
            return instance;
        } catch (LinkageError e) { // JCuda's native library or the driver's libcuda.so.1 did not load
            failure = new CudaUnavailableException("CUDA backend: the CUDA driver could not be loaded ("
                    + linkFailure(e) + "); an NVIDIA driver with libcuda.so.1 is needed", e);
        } catch (CudaException e) {
            failure = new CudaUnavailableException("CUDA backend: " + e.getMessage(), e);
        } catch (CudaUnavailableException e) {
            failure = new CudaUnavailableException("CUDA backend: " + e.getMessage(), e);
        }
        throw failure;
    }

    /**
     * The process's FP32 CUDA backend on the emulator (kernels/*.cu compiled for the CPU; see docs/cuda.md),
     * created on first use. A correctness tool, not a fast one.
     *
     * @throws CudaUnavailableException when this build has no emulator library, saying why
     */
    public static synchronized CudaBackend emulated() {
        if (emulated == null) emulated = new CudaBackend(new EmulatedDevice(), "cuda-emu");
        return emulated;
    }

    /** The line of JCuda's (long, multi-line) load error that says what was missing. */
    private static String linkFailure(LinkageError e) {
        String message = String.valueOf(e.getMessage());
        for (String line : message.split("\n")) {
            if (line.contains("cannot open shared object file")) return line.substring(line.indexOf(':') + 1).trim();
        }
        return message.lines().findFirst().orElse(e.getClass().getSimpleName());
    }

    /** Whether {@link #instance()} succeeds (tests use it to skip). */
    public static boolean isAvailable() {
        try {
            instance();
            return true;
        } catch (CudaUnavailableException e) {
            return false;
        }
    }

    /** Why the backend is unavailable, or null when it is available. */
    public static String unavailableReason() {
        try {
            instance();
            return null;
        } catch (CudaUnavailableException e) {
            return e.getMessage();
        }
    }

    /** The device's name, compute capability and driver version. */
    public String device() {
        return cuda.description();
    }

    /** Waits until every queued kernel has finished (benchmarks). */
    public void synchronize() {
        cuda.enter();
        cuda.synchronize("synchronize()");
    }

    /** Frees cached device blocks back to the driver. */
    public void releaseCache() {
        cuda.enter();
        cuda.releaseCache();
    }

    @Override
    public String name() {
        return name;
    }

    private static CudaBuffer b(Buffer buffer) {
        if (buffer instanceof CudaBuffer c) return c;
        throw new IllegalArgumentException("the CUDA backend was given a " + buffer.getClass().getSimpleName()
                + " (a tensor of another backend)");
    }

    private static int blocks(long n) {
        return (int) Math.max(1, Math.min(MAX_BLOCKS, (n + THREADS - 1) / THREADS));
    }

    private static int rowBlocks(int rows) {
        return Math.max(1, (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
    }

    /** A flat launch over n elements. */
    private void flat(String kernel, long n, Object... args) {
        if (n > 0) cuda.launch(kernel, blocks(n), 1, 1, THREADS, 1, 1, 0, args);
    }

    /** A warp-per-row launch. */
    private void perRow(String kernel, int rows, Object... args) {
        if (rows > 0) cuda.launch(kernel, rowBlocks(rows), 1, 1, THREADS, 1, 1, 0, args);
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Buffer allocate(int n) {
        cuda.enter();
        CudaBuffer buffer = newBuffer(n);
        if (poison) fill(buffer, Float.NaN);
        return buffer;
    }

    /** A buffer of n floats whose block goes back to the allocator once the buffer is unreachable. */
    private CudaBuffer newBuffer(int n) {
        DeviceAllocator.Block block = cuda.allocate((long) n * Sizeof.FLOAT);
        CudaBuffer buffer = new CudaBuffer(block, n);
        cuda.releaseWhenUnreachable(buffer, block);
        return buffer;
    }

    @Override
    public Buffer fromArray(float[] data) {
        cuda.enter();
        CudaBuffer buffer = newBuffer(data.length);
        staging.upload(buffer.pointer(), data, "fromArray");
        return buffer;
    }

    @Override
    public float[] toArray(Buffer buffer) {
        cuda.enter();
        CudaBuffer c = b(buffer);
        float[] data = new float[c.size()];
        cuda.copyToHost(c.pointer(), data);
        return data;
    }

    /** Uploads ints into a scratch block (asynchronously); release it after the launches that read it are queued. */
    private DeviceAllocator.Block upload(int[] values, String what) {
        DeviceAllocator.Block block = cuda.allocate((long) values.length * Sizeof.INT);
        staging.upload(block.pointer(), values, what);
        return block;
    }

    @Override
    public void fill(Buffer buffer, float value) {
        cuda.enter();
        flat("fill", buffer.size(), b(buffer), (long) buffer.size(), value);
    }

    @Override
    public void copyBlocks(Buffer src, int srcOffset, int srcStride, Buffer dst, int dstOffset, int dstStride,
                           int blockLen, int blocks, boolean accumulate) {
        cuda.enter();
        if (accumulate && blocks > 1 && Math.abs((long) dstStride) < blockLen) {
            throw new IllegalArgumentException("copyBlocks: accumulating " + blocks + " blocks of " + blockLen
                    + " floats at destination stride " + dstStride + " would add into overlapping blocks from parallel"
                    + " threads (expected |dstStride| >= blockLen when accumulating)");
        }
        flat("copy_blocks", (long) blockLen * blocks, b(src), srcOffset, srcStride, b(dst), dstOffset, dstStride,
                blockLen, blocks, accumulate ? 1 : 0);
    }

    // ---------------------------------------------------------------- elementwise

    @Override
    public void binary(BinaryOp op, Buffer a, int[] aShape, Buffer bb, int[] bShape, Buffer out, int[] outShape) {
        cuda.enter();
        int[] layout = Layouts.layout(outShape, Layouts.broadcastStrides(aShape, outShape),
                Layouts.broadcastStrides(bShape, outShape));
        int n = Shape.numel(outShape);
        flat("binary", n, binaryCode(op), b(a), b(bb), b(out), n, layout);
    }

    /** The BINARY_* code of kernels/elementwise.cuh named as {@code op}. */
    static int binaryCode(BinaryOp op) {
        return switch (op) {
            case ADD -> 0;
            case SUB -> 1;
            case MUL -> 2;
            case DIV -> 3;
        };
    }

    /** The UNARY_* code of kernels/elementwise.cuh named as {@code op}. */
    static int unaryCode(UnaryOp op) {
        return switch (op) {
            case SCALE -> 0;
            case ADD_SCALAR -> 1;
            case GELU -> 2;
            case TANH -> 3;
            case EXP -> 4;
            case CLAMP_MIN -> 5;
            case SQRT -> 6;
            case POW -> 7;
        };
    }

    @Override
    public void unary(UnaryOp op, Buffer in, Buffer out, int n, float arg) {
        cuda.enter();
        flat("unary_forward", n, unaryCode(op), b(in), b(out), (long) n, arg);
    }

    @Override
    public void unaryBackward(UnaryOp op, Buffer in, Buffer out, Buffer gradOut, Buffer gradIn, int n, float arg) {
        cuda.enter();
        flat("unary_backward", n, unaryCode(op), b(in), b(out), b(gradOut), b(gradIn), (long) n, arg);
    }

    @Override
    public void sumToShape(Buffer in, int[] inShape, Buffer out, int[] outShape) {
        cuda.enter();
        Layouts.checkRank(inShape);
        int rank = inShape.length;
        int[] outPadded = Shape.leftPad(outShape, rank);
        int[] inStrides = Shape.strides(inShape);
        int[] extent = new int[rank], stride = new int[rank];
        int count = 0;
        for (int d = 0; d < rank; d++) {
            if (outPadded[d] == 1 && inShape[d] != 1) {
                extent[count] = inShape[d];
                stride[count++] = inStrides[d];
            }
        }
        int outCount = Shape.numel(outShape);
        if (outCount == 0) return;
        int reduced = Shape.numel(inShape) / outCount;
        int[] kept = Layouts.layout(outPadded, inStrides, new int[rank]);
        int[] reducedDims = Layouts.layout(java.util.Arrays.copyOf(extent, count), java.util.Arrays.copyOf(stride, count),
                new int[count]);
        Slices slices = Slices.of(outCount, reduced);
        DeviceAllocator.Block partial = cuda.allocate((long) slices.count() * outCount * Sizeof.DOUBLE);
        cuda.launch("sum_to_shape", (outCount + 31) / 32, slices.count(), 1, 32, 8, 1, 0, b(in), partial.pointer(),
                outCount, kept, reducedDims, reduced, slices.rows());
        flat("sum_partials", outCount, partial.pointer(), slices.count(), outCount, b(out), 0);
        cuda.release(partial);
    }

    /**
     * How a column reduction of {@code rows} rows splits them over grid y: {@code count} slices of
     * {@code rows} rows each (the last one shorter), for blocks of 32 columns. Depends only on the
     * shape, so results are reproducible.
     */
    record Slices(int count, int rows) {
        static Slices of(int cols, int rows) {
            long colBlocks = Math.max(1, (cols + 31L) / 32);
            long wanted = (COLUMN_TARGET_BLOCKS + colBlocks - 1) / colBlocks;
            long most = Math.max(1, (rows + (long) MIN_SLICE_ROWS - 1) / MIN_SLICE_ROWS);
            int count = (int) Math.min(MAX_GRID_YZ, Math.min(wanted, most));
            int perSlice = (int) ((rows + (long) count - 1) / count);
            return new Slices(perSlice == 0 ? 1 : (int) ((rows + (long) perSlice - 1) / perSlice), perSlice);
        }
    }

    @Override
    public void permute(Buffer in, int[] inShape, int[] perm, Buffer out) {
        cuda.enter();
        int rank = inShape.length;
        int[] inStrides = Shape.strides(inShape);
        int[] outShape = new int[rank], src = new int[rank];
        for (int d = 0; d < rank; d++) {
            outShape[d] = inShape[perm[d]];
            src[d] = inStrides[perm[d]];
        }
        int n = Shape.numel(outShape);
        flat("permute", n, b(in), b(out), n, Layouts.layout(outShape, src, new int[rank]));
    }

    @Override
    public void maskedFill(Buffer in, int[] shape, Buffer mask, int[] maskShape, float value, Buffer out) {
        cuda.enter();
        int[] layout = Layouts.layout(shape, Shape.strides(shape), Layouts.broadcastStrides(maskShape, shape));
        int n = Shape.numel(shape);
        flat("masked_fill", n, b(in), b(mask), b(out), n, layout, value);
    }

    @Override
    public void dropout(Buffer in, Buffer out, Buffer mask, int n, float p, long seed) {
        cuda.enter();
        flat("dropout", n, b(in), b(out), b(mask), (long) n, p, 1f / (1f - p), seed);
    }

    // ---------------------------------------------------------------- indexing

    @Override
    public void gatherRows(Buffer table, int rows, int cols, int[] ids, Buffer out) {
        cuda.enter();
        checkIds(ids, rows);
        DeviceAllocator.Block dIds = upload(ids, "ids");
        flat("gather_rows", (long) ids.length * cols, b(table), dIds.pointer(), b(out), ids.length, cols);
        cuda.release(dIds);
    }

    @Override
    public void scatterAddRows(Buffer grad, int cols, int[] ids, Buffer tableGrad, int skipId) {
        cuda.enter();
        if (cols == 0) return;
        checkIds(ids, tableGrad.size() / cols);
        DeviceAllocator.Block dIds = upload(ids, "ids");
        flat("scatter_add_rows", (long) ids.length * cols, b(grad), dIds.pointer(), b(tableGrad), ids.length, cols, skipId);
        cuda.release(dIds);
    }

    private static void checkIds(int[] ids, int rows) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= rows) {
                throw new IllegalArgumentException("id " + ids[i] + " at position " + i
                        + " is outside the table of " + rows + " rows (expected 0 <= id < " + rows + ")");
            }
        }
    }

    // ---------------------------------------------------------------- matmul

    @Override
    public void matmul(Buffer a, Buffer bb, Buffer c, int batch, int m, int n, int k, boolean transA, boolean transB,
                       int strideA, int strideB, int strideC, boolean accumulate) {
        matmul(precision, a, bb, c, batch, m, n, k, transA, transB, strideA, strideB, strideC, accumulate);
    }

    /**
     * {@link Backend#matmul} with inputs in {@code p}: FP32 runs the SIMT SGEMM (the parity mode), TF32 and
     * BF16 the tensor-core GEMM (FP32 accumulation), split along the depth when there are too few tiles of C
     * to fill the GPU ({@link #depthSplits}).
     */
    public void matmul(Precision p, Buffer a, Buffer bb, Buffer c, int batch, int m, int n, int k, boolean transA,
                       boolean transB, int strideA, int strideB, int strideC, boolean accumulate) {
        cuda.enter();
        if (batch <= 0 || m <= 0 || n <= 0) return;
        if (p == Precision.FP32) {
            sgemm(a, bb, c, batch, m, n, k, transA, transB, strideA, strideB, strideC, accumulate);
        } else {
            tensorCoreGemm(p, a, bb, c, batch, m, n, k, transA, transB, strideA, strideB, strideC, accumulate);
        }
    }

    private void sgemm(Buffer a, Buffer bb, Buffer c, int batch, int m, int n, int k, boolean transA, boolean transB,
                       int strideA, int strideB, int strideC, boolean accumulate) {
        int gx = (m + 63) / 64, gy = columnTiles(n, 64); // row tiles on x: M may need more than 65535
        if (strideC == 0) { // every batch entry sums into one C (the kernel loops over the batch)
            cuda.launch("matmul_sgemm", gx, gy, 1, 16, 16, 1, 0, b(a), b(bb), b(c), batch, m, n, k,
                    transA ? 1 : 0, transB ? 1 : 0, (long) strideA, (long) strideB, 0L, accumulate ? 1 : 0);
            return;
        }
        for (int first = 0; first < batch; first += MAX_GRID_YZ) {
            int count = Math.min(MAX_GRID_YZ, batch - first);
            cuda.launch("matmul_sgemm", gx, gy, count, 16, 16, 1, 0,
                    b(a).pointer().withByteOffset((long) first * strideA * Sizeof.FLOAT),
                    b(bb).pointer().withByteOffset((long) first * strideB * Sizeof.FLOAT),
                    b(c).pointer().withByteOffset((long) first * strideC * Sizeof.FLOAT),
                    count, m, n, k, transA ? 1 : 0, transB ? 1 : 0, (long) strideA, (long) strideB, (long) strideC,
                    accumulate ? 1 : 0);
        }
    }

    /** Column tiles of width {@code tile} for N columns, within grid y's limit. */
    private static int columnTiles(int n, int tile) {
        int gy = (n + tile - 1) / tile;
        if (gy > MAX_GRID_YZ) {
            throw new IllegalArgumentException("matmul: N = " + n + " needs " + gy + " column tiles, over CUDA's "
                    + MAX_GRID_YZ + " (N <= " + (long) tile * MAX_GRID_YZ + ")");
        }
        return gy;
    }

    /** Side of the tensor-core GEMM's square tile of C, and its depth step (kernels/tc_matmul.cuh). */
    static final int TC_TILE = 128, TC_DEPTH = 32;
    /** Dynamic shared memory of the tensor-core GEMM: 3 stages of A and B tiles, rows padded (TcTiles). */
    static final int TC_SHARED_TF32 = 3 * 2 * 128 * 36 * Sizeof.FLOAT, TC_SHARED_BF16 = 3 * 2 * 128 * 40 * Sizeof.FLOAT;
    /** Blocks that fill the GPU about twice (132 SMs on an H100 / H200, one 256-thread block each). */
    static final int SPLIT_TARGET_BLOCKS = 264;
    /** Fewest depth tiles (of 32) one split takes, and most splits. */
    static final int MIN_TILES_PER_SPLIT = 4, MAX_SPLITS = 32;

    /**
     * Depth splits of a tensor-core GEMM with {@code tiles} blocks of C (tiles x batch entries) and a depth of
     * {@code depthTiles} steps of 32 per output: 1 when the tiles alone fill the GPU, else enough to reach
     * about {@link #SPLIT_TARGET_BLOCKS} blocks, each with at least {@link #MIN_TILES_PER_SPLIT} steps.
     */
    static int depthSplits(long tiles, long depthTiles) {
        if (tiles >= SPLIT_TARGET_BLOCKS) return 1;
        long wanted = (SPLIT_TARGET_BLOCKS + tiles - 1) / tiles;
        return (int) Math.max(1, Math.min(MAX_SPLITS, Math.min(wanted, depthTiles / MIN_TILES_PER_SPLIT)));
    }

    private void tensorCoreGemm(Precision p, Buffer a, Buffer bb, Buffer c, int batch, int m, int n, int k,
                                boolean transA, boolean transB, int strideA, int strideB, int strideC,
                                boolean accumulate) {
        String kernel = p == Precision.TF32 ? "matmul_tc_tf32" : "matmul_tc_bf16";
        int shared = p == Precision.TF32 ? TC_SHARED_TF32 : TC_SHARED_BF16;
        if (shared > cuda.sharedOptIn()) {
            throw new IllegalStateException("matmul in " + p + ": the tensor-core GEMM stages " + shared
                    + " bytes of shared memory per block, this device allows " + cuda.sharedOptIn());
        }
        int gx = (m + TC_TILE - 1) / TC_TILE, gy = columnTiles(n, TC_TILE);
        boolean summed = strideC == 0; // every batch entry sums into one C
        int outputs = summed ? 1 : batch;
        long depthTiles = (long) (summed ? batch : 1) * ((k + TC_DEPTH - 1) / TC_DEPTH);
        int splits = depthSplits((long) gx * gy * outputs, depthTiles);
        int perLaunch = MAX_GRID_YZ / splits; // batch entries per launch: grid z = entries x splits
        long elements = (long) m * n;
        DeviceAllocator.Block partial = splits > 1
                ? cuda.allocate((long) Math.min(outputs, perLaunch) * splits * elements * Sizeof.FLOAT) : null;
        for (int first = 0; first < outputs; first += perLaunch) {
            int count = Math.min(perLaunch, outputs - first);
            CudaBuffer cc = b(c);
            Object cAt = summed ? cc : cc.pointer().withByteOffset((long) first * strideC * Sizeof.FLOAT);
            cuda.launch(kernel, gx, gy, count * splits, 256, 1, 1, shared,
                    summed ? b(a) : b(a).pointer().withByteOffset((long) first * strideA * Sizeof.FLOAT),
                    summed ? b(bb) : b(bb).pointer().withByteOffset((long) first * strideB * Sizeof.FLOAT),
                    cAt, summed ? batch : count, m, n, k, transA ? 1 : 0, transB ? 1 : 0, (long) strideA,
                    (long) strideB, (long) strideC, accumulate ? 1 : 0, splits,
                    partial != null ? partial.pointer() : cAt);
            if (partial != null) {
                flat("matmul_splitk_reduce", count * elements, partial.pointer(), cAt, count, splits, elements,
                        (long) strideC, accumulate ? 1 : 0);
            }
        }
        if (partial != null) cuda.release(partial);
    }

    // ---------------------------------------------------------------- normalization, activations

    @Override
    public void layerNormForward(Buffer in, Buffer weight, Buffer bias, Buffer out, Buffer mean, Buffer rstd,
                                 int rows, int cols, float eps) {
        cuda.enter();
        perRow("layer_norm_forward", rows, b(in), b(weight), b(bias), b(out), b(mean), b(rstd), rows, cols, eps);
    }

    @Override
    public void layerNormBackward(Buffer gradOut, Buffer in, Buffer weight, Buffer mean, Buffer rstd,
                                  Buffer gradIn, Buffer gradWeight, Buffer gradBias, int rows, int cols) {
        cuda.enter();
        perRow("layer_norm_backward", rows, b(gradOut), b(in), b(weight), b(mean), b(rstd), b(gradIn), rows, cols);
        if (cols <= 0) return;
        Slices slices = Slices.of(cols, rows);
        long part = (long) slices.count() * cols; // partial: [2, slices, cols] (weight, then bias)
        DeviceAllocator.Block partial = cuda.allocate(2 * part * Sizeof.DOUBLE);
        cuda.launch("layer_norm_param_backward", (cols + 31) / 32, slices.count(), 1, 32, 8, 1, 0, b(gradOut), b(in),
                b(mean), b(rstd), partial.pointer(), rows, cols, slices.rows());
        flat("sum_partials", cols, partial.pointer(), slices.count(), cols, b(gradWeight), 1);
        flat("sum_partials", cols, partial.pointer().withByteOffset(part * Sizeof.DOUBLE), slices.count(), cols,
                b(gradBias), 1);
        cuda.release(partial);
    }

    @Override
    public void softmaxForward(Buffer in, Buffer out, int rows, int cols, boolean log) {
        cuda.enter();
        perRow("softmax_forward", rows, b(in), b(out), rows, cols, log ? 1 : 0);
    }

    @Override
    public void softmaxBackward(Buffer out, Buffer gradOut, Buffer gradIn, int rows, int cols, boolean log) {
        cuda.enter();
        perRow("softmax_backward", rows, b(out), b(gradOut), b(gradIn), rows, cols, log ? 1 : 0);
    }

    @Override
    public void crossEntropyForward(Buffer logits, int[] labels, int rows, int cols, int ignoreIndex,
                                    Buffer logProbs, Buffer loss) {
        cuda.enter();
        int count = countLabels(labels, rows, cols, ignoreIndex);
        DeviceAllocator.Block dLabels = upload(labels, "labels");
        DeviceAllocator.Block rowLoss = cuda.allocate((long) Math.max(1, rows) * Sizeof.FLOAT);
        int chunks = Math.max(1, (cols + CROSS_ENTROPY_CHUNK - 1) / CROSS_ENTROPY_CHUNK);
        if (chunks > MAX_GRID_YZ) {
            throw new IllegalArgumentException("cross-entropy: " + cols + " columns need " + chunks + " blocks of "
                    + CROSS_ENTROPY_CHUNK + " per row, over CUDA's " + MAX_GRID_YZ);
        }
        DeviceAllocator.Block partialMax = cuda.allocate((long) Math.max(1, rows) * chunks * Sizeof.FLOAT);
        DeviceAllocator.Block partialSum = cuda.allocate((long) Math.max(1, rows) * chunks * Sizeof.DOUBLE);
        if (rows > 0) {
            cuda.launch("cross_entropy_partial", rows, chunks, 1, THREADS, 1, 1, 0, b(logits), partialMax.pointer(),
                    partialSum.pointer(), cols, CROSS_ENTROPY_CHUNK);
            cuda.launch("cross_entropy_forward", rows, chunks, 1, THREADS, 1, 1, 0, b(logits), dLabels.pointer(),
                    partialMax.pointer(), partialSum.pointer(), b(logProbs), rowLoss.pointer(), cols,
                    CROSS_ENTROPY_CHUNK, ignoreIndex);
        }
        cuda.launch("cross_entropy_reduce", 1, 1, 1, THREADS, 1, 1, 0, rowLoss.pointer(), b(loss), rows, count);
        cuda.release(partialSum);
        cuda.release(partialMax);
        cuda.release(rowLoss);
        cuda.release(dLabels);
    }

    @Override
    public void crossEntropyBackward(Buffer logProbs, int[] labels, int rows, int cols, int ignoreIndex,
                                     Buffer gradLoss, Buffer gradLogits) {
        cuda.enter();
        int count = countLabels(labels, rows, cols, ignoreIndex);
        DeviceAllocator.Block dLabels = upload(labels, "labels");
        perRow("cross_entropy_backward", rows, b(logProbs), dLabels.pointer(), b(gradLoss), b(gradLogits), rows, cols,
                ignoreIndex, count);
        cuda.release(dLabels);
    }

    /** Validates labels as the CPU backend does; returns how many rows count. */
    private static int countLabels(int[] labels, int rows, int cols, int ignoreIndex) {
        if (labels.length != rows) {
            throw new IllegalArgumentException("cross-entropy: " + labels.length + " labels for " + rows + " rows of logits");
        }
        int count = 0;
        for (int r = 0; r < rows; r++) {
            int label = labels[r];
            if (label == ignoreIndex) continue;
            if (label < 0 || label >= cols) {
                throw new IllegalArgumentException("cross-entropy: label " + label + " of row " + r
                        + " is outside [0, " + cols + ") and is not the ignore index " + ignoreIndex);
            }
            count++;
        }
        return count;
    }

    // ---------------------------------------------------------------- attention

    @Override
    public void attentionForward(AttentionProblem p, Buffer q, Buffer k, Buffer v, Buffer qg, Buffer kg, Buffer vg,
                                 Buffer out, Buffer saved) {
        cuda.enter();
        AttentionMaskCache.Entry masks = attentionMasks.of(p);
        CudaAttention at = new CudaAttention(p, masks.masks(), cuda.sharedOptIn());
        DeviceAllocator.Block meta = masks.meta();
        boolean globalQueries = qg != null;
        // without global projections the kernel runs the global queries on the local ones, whose rows are then zeroed
        Operands x = globalQueries ? new Operands(q, k, v, qg, kg, vg) : new Operands(q, k, v, q, k, v);
        cuda.launch("attention_forward", p.batch() * p.heads(), at.rowBlocks(), 1, CudaAttention.WARPS * 32, 1, 1,
                at.sharedBytes, at.shape, meta.pointer(), x.q, x.k, x.v, x.qg, x.kg, x.vg, b(out), b(saved),
                precisionCode(precision));
        x.release();
        if (!globalQueries) zeroGlobalRows(p, out, out);
    }

    /** to = from with the rows of the global tokens set to 0 ([B*T, H*D] of problem p; to may be from). */
    private void zeroGlobalRows(AttentionProblem p, Buffer from, Buffer to) {
        int rows = p.batch() * p.seq();
        float[] keep = new float[rows];
        int[] global = p.globalMask();
        for (int i = 0; i < rows; i++) keep[i] = global[i] == 1 ? 0f : 1f;
        binary(BinaryOp.MUL, from, new int[] {rows, p.channels()}, fromArray(keep), new int[] {rows, 1},
                to, new int[] {rows, p.channels()});
    }

    /** Attention's six inputs as its kernels read them: in place at FP32, else rounded copies in scratch blocks. */
    private final class Operands {
        final CUdeviceptr q, k, v, qg, kg, vg;
        private final DeviceAllocator.Block[] copies = new DeviceAllocator.Block[6];

        Operands(Buffer... inputs) {
            CUdeviceptr[] pointers = new CUdeviceptr[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                CudaBuffer in = b(inputs[i]);
                if (precision == Precision.FP32) {
                    pointers[i] = in.pointer();
                    continue;
                }
                copies[i] = cuda.allocate((long) in.size() * Sizeof.FLOAT);
                flat("round_operands", in.size(), in, copies[i].pointer(), (long) in.size(), precisionCode(precision));
                pointers[i] = copies[i].pointer();
            }
            q = pointers[0]; k = pointers[1]; v = pointers[2]; qg = pointers[3]; kg = pointers[4]; vg = pointers[5];
        }

        void release() {
            for (DeviceAllocator.Block copy : copies) if (copy != null) cuda.release(copy);
        }
    }

    @Override
    public int attentionSavedSize(AttentionProblem p) {
        long n = (long) p.batch() * p.heads() * p.seq() * 2; // (max, sum) per query row, [B, H, T, 2] as on the CPU
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("attention saved statistics need " + n + " floats");
        return (int) n;
    }

    @Override
    public void attentionBackward(AttentionProblem p, Buffer q, Buffer k, Buffer v, Buffer qg, Buffer kg, Buffer vg,
                                  Buffer out, Buffer saved, Buffer gradOut,
                                  Buffer gq, Buffer gk, Buffer gv, Buffer gqg, Buffer gkg, Buffer gvg) {
        cuda.enter();
        AttentionMaskCache.Entry masks = attentionMasks.of(p);
        CudaAttention at = new CudaAttention(p, masks.masks(), cuda.sharedOptIn());
        DeviceAllocator.Block meta = masks.meta();
        DeviceAllocator.Block localDropped = cuda.allocate(at.localScratch() * Sizeof.FLOAT);
        DeviceAllocator.Block localDScore = cuda.allocate(at.localScratch() * Sizeof.FLOAT);
        DeviceAllocator.Block globalDropped = cuda.allocate(at.globalScratch() * Sizeof.FLOAT);
        DeviceAllocator.Block globalDScore = cuda.allocate(at.globalScratch() * Sizeof.FLOAT);
        int threads = CudaAttention.WARPS * 32;
        boolean globalQueries = qg != null;
        Operands x = globalQueries ? new Operands(q, k, v, qg, kg, vg) : new Operands(q, k, v, q, k, v);
        if (!globalQueries) { // the forward's stand-in global rows get no gradient; theirs go to scratch
            Buffer masked = allocate(gradOut.size());
            zeroGlobalRows(p, gradOut, masked);
            gradOut = masked;
            gqg = allocate(gq.size());
            gkg = allocate(gk.size());
            gvg = allocate(gv.size());
        }
        cuda.launch("attention_backward_query", p.batch() * p.heads(), at.rowBlocks(), 1, threads, 1, 1, at.sharedBytes,
                at.shape, meta.pointer(), x.q, x.k, x.v, x.qg, x.kg, x.vg, b(out), b(saved), b(gradOut),
                b(gq), b(gqg), localDropped.pointer(), localDScore.pointer(), globalDropped.pointer(),
                globalDScore.pointer());
        cuda.launch("attention_backward_key", p.batch() * p.heads(), at.rowBlocks(), 1, threads, 1, 1, at.sharedBytes,
                at.shape, meta.pointer(), x.q, x.qg, b(gradOut), localDropped.pointer(), localDScore.pointer(),
                globalDropped.pointer(), globalDScore.pointer(), b(gk), b(gv), b(gkg), b(gvg));
        x.release();
        cuda.release(globalDScore);
        cuda.release(globalDropped);
        cuda.release(localDScore);
        cuda.release(localDropped);
    }

    // ---------------------------------------------------------------- row norms

    @Override
    public void rowNorm(Buffer in, Buffer out, int rows, int cols, float minNorm) {
        cuda.enter();
        perRow("row_norm", rows, b(in), b(out), rows, cols, minNorm);
    }

    @Override
    public void rowNormBackward(Buffer in, Buffer out, Buffer gradOut, Buffer gradIn, int rows, int cols, float minNorm) {
        cuda.enter();
        perRow("row_norm_backward", rows, b(in), b(out), b(gradOut), b(gradIn), rows, cols, minNorm);
    }

    // ---------------------------------------------------------------- optimizer (train)

    @Override
    public void adamwStep(Buffer param, Buffer grad, Buffer m, Buffer v, int n, float lr, float beta1, float beta2,
                          float eps, float weightDecay, int step, Buffer status) {
        cuda.enter();
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr / bc1);
        float decay = 1 - lr * weightDecay;
        flat("adamw_step", n, b(param), b(grad), b(m), b(v), (long) n, beta1, beta2, eps, stepSize, decay, bc2Sqrt,
                b(status));
    }

    @Override
    public void clipGradNorm(Buffer[] grads, int[] sizes, float maxNorm, Buffer status, int step, int lastMicroBatch) {
        cuda.enter();
        int tensors = grads.length;
        if (tensors > MAX_GRID_YZ) {
            throw new IllegalArgumentException("clipGradNorm: " + tensors + " gradient tensors, over CUDA's grid limit " + MAX_GRID_YZ);
        }
        long[] list = new long[2 * tensors]; // addresses, then sizes
        int largest = 0;
        for (int i = 0; i < tensors; i++) {
            list[i] = cuda.address(b(grads[i]).pointer());
            list[tensors + i] = sizes[i];
            largest = Math.max(largest, sizes[i]);
        }
        int parts = Math.min(GRAD_NORM_PARTS, blocks(largest));
        DeviceAllocator.Block dList = cuda.allocate(Math.max(1, list.length) * 8L);
        staging.upload(dList.pointer(), list, "gradient list");
        DeviceAllocator.Block partial = cuda.allocate(Math.max(1, (long) tensors * parts) * Sizeof.DOUBLE);
        if (tensors > 0) {
            cuda.launch("grad_norm_partial", parts, tensors, 1, THREADS, 1, 1, 0, dList.pointer(),
                    dList.pointer().withByteOffset(8L * tensors), partial.pointer());
        }
        cuda.launch("grad_norm_final", 1, 1, 1, THREADS, 1, 1, 0, partial.pointer(), tensors, parts, maxNorm, b(status),
                step, lastMicroBatch);
        cuda.release(partial);
        cuda.release(dList);
    }

    @Override
    public void recordLoss(Buffer loss, Buffer status, int step, int microBatch) {
        cuda.enter();
        cuda.launch("record_loss", 1, 1, 1, 32, 1, 1, 0, b(loss), b(status), step, microBatch);
    }
}
