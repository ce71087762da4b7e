package org.recformer.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A checkpoint tensor in host memory: dtype, shape and its contiguous row-major bytes
 * (little-endian), exactly as stored in a file. Immutable. {@link #toFloatArray()} converts any
 * dtype to float32 (exact for F16 and BF16), {@link #toLongArray()} any integer dtype to int64.
 */
public final class HostTensor {
    /** Largest byte size of one tensor (one Java array). */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 16;

    private final DType dtype;
    private final long[] shape;
    private final byte[] data;

    /** Wraps {@code data} (not copied) as a tensor of this dtype and shape. */
    HostTensor(DType dtype, long[] shape, byte[] data) {
        long n = numelOf(shape);
        if (n < 0 || n * dtype.byteSize() != data.length) {
            throw new IllegalArgumentException(data.length + " bytes for " + dtype + " " + Arrays.toString(shape));
        }
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
    }

    /** A float32 tensor holding a copy of {@code values}. */
    public static HostTensor ofFloats(float[] values, long... shape) {
        checkCount(values.length, shape);
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new HostTensor(DType.F32, shape, b.array());
    }

    /** A float32 tensor with an int shape (the engine's shapes). */
    public static HostTensor ofFloats(float[] values, int[] shape) {
        return ofFloats(values, Arrays.stream(shape).asLongStream().toArray());
    }

    /** An int64 tensor holding a copy of {@code values}. */
    public static HostTensor ofLongs(long[] values, long... shape) {
        checkCount(values.length, shape);
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new HostTensor(DType.I64, shape, b.array());
    }

    private static void checkCount(int count, long[] shape) {
        if (numelOf(shape) != count) {
            throw new IllegalArgumentException(count + " values for shape " + Arrays.toString(shape));
        }
    }

    /** Product of the dims; -1 if a dim is negative or the product overflows a long. */
    static long numelOf(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) return -1;
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return n;
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** The shape as ints, as the engine's tensors take it. */
    public int[] intShape() {
        int[] out = new int[shape.length];
        for (int i = 0; i < shape.length; i++) out[i] = Math.toIntExact(shape[i]);
        return out;
    }

    public int rank() {
        return shape.length;
    }

    public long numel() {
        return data.length / dtype.byteSize();
    }

    public long byteSize() {
        return data.length;
    }

    /** The stored bytes, not copied: callers in this package must not modify them. */
    byte[] rawBytes() {
        return data;
    }

    private ByteBuffer buffer() {
        return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The values as float32: exact for F32, F16, BF16 and small integers; F64 and large int64 round. */
    public float[] toFloatArray() {
        int n = (int) numel();
        float[] out = new float[n];
        ByteBuffer b = buffer();
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> { for (int i = 0; i < n; i++) out[i] = (float) b.getDouble(8 * i); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = HalfFloats.halfToFloat(b.getShort(2 * i)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = HalfFloats.bfloat16ToFloat(b.getShort(2 * i)); }
            default -> {
                long[] longs = toLongArray();
                for (int i = 0; i < n; i++) out[i] = longs[i];
            }
        }
        return out;
    }

    /** The values as int64, for integer and bool dtypes. */
    public long[] toLongArray() {
        int n = (int) numel();
        long[] out = new long[n];
        ByteBuffer b = buffer();
        switch (dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = b.getShort(2 * i); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = data[i]; }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = data[i] & 0xff; }
            default -> throw new IllegalStateException("toLongArray on a " + dtype + " tensor; use toFloatArray");
        }
        return out;
    }

    /** True if both have the same dtype, shape and bytes. */
    public boolean sameAs(HostTensor other) {
        return dtype == other.dtype && Arrays.equals(shape, other.shape) && Arrays.equals(data, other.data);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
