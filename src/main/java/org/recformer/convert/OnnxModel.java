package org.recformer.convert;

import org.recformer.io.HostTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX model file a weight converter needs: the graph's initializers (name, shape,
 * float32 values) and its nodes (name, operator, input names). No inference; no protobuf library:
 * the few messages are read from the wire format ({@link ProtobufReader}) by their field numbers in
 * {@code onnx.proto}. Initializers stored as external data are rejected with a message.
 */
public final class OnnxModel {
    // onnx.proto field numbers
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int NODE_INPUT = 1;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_FLOAT_DATA = 4;
    private static final int TENSOR_INT64_DATA = 7;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int TENSOR_DATA_LOCATION = 14;
    // TensorProto.DataType
    private static final int FLOAT = 1;
    private static final int INT64 = 7;

    /** One graph node. */
    public record Node(String name, String opType, List<String> inputs) {
    }

    private final Map<String, HostTensor> initializers;
    private final List<Node> nodes;

    private OnnxModel(Map<String, HostTensor> initializers, List<Node> nodes) {
        this.initializers = initializers;
        this.nodes = nodes;
    }

    public static OnnxModel read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String what = file.toString();
        ProtobufReader model = new ProtobufReader(bytes, 0, bytes.length, what);
        Map<String, HostTensor> initializers = new LinkedHashMap<>();
        List<Node> nodes = new ArrayList<>();
        boolean sawGraph = false;
        while (model.next()) {
            if (model.field() != MODEL_GRAPH) {
                model.skip();
                continue;
            }
            sawGraph = true;
            ProtobufReader graph = model.message();
            while (graph.next()) {
                if (graph.field() == GRAPH_NODE) nodes.add(node(graph.message()));
                else if (graph.field() == GRAPH_INITIALIZER) tensor(graph.message(), initializers, what);
                else graph.skip();
            }
        }
        if (!sawGraph) throw new IllegalArgumentException(what + ": not an ONNX model (no graph field)");
        return new OnnxModel(initializers, List.copyOf(nodes));
    }

    /** Initializers by name, in file order: float tensors as float32, int64 tensors as int64. */
    public Map<String, HostTensor> initializers() {
        return initializers;
    }

    public List<Node> nodes() {
        return nodes;
    }

    private static Node node(ProtobufReader r) {
        List<String> inputs = new ArrayList<>();
        String name = "";
        String op = "";
        while (r.next()) {
            switch (r.field()) {
                case NODE_INPUT -> inputs.add(r.string());
                case NODE_NAME -> name = r.string();
                case NODE_OP_TYPE -> op = r.string();
                default -> r.skip();
            }
        }
        return new Node(name, op, List.copyOf(inputs));
    }

    private static void tensor(ProtobufReader r, Map<String, HostTensor> out, String what) {
        ProtobufReader.LongList dims = new ProtobufReader.LongList();
        ProtobufReader.LongList int64Data = new ProtobufReader.LongList();
        List<Float> floatData = new ArrayList<>();
        int dataType = 0;
        String name = "";
        int[] raw = null;
        boolean external = false;
        while (r.next()) {
            switch (r.field()) {
                case TENSOR_DIMS -> r.int64s(dims);
                case TENSOR_DATA_TYPE -> dataType = (int) r.varint();
                case TENSOR_FLOAT_DATA -> floats(r, floatData);
                case TENSOR_INT64_DATA -> r.int64s(int64Data);
                case TENSOR_NAME -> name = r.string();
                case TENSOR_RAW_DATA -> raw = r.span();
                case TENSOR_DATA_LOCATION -> external = r.varint() == 1;
                default -> r.skip();
            }
        }
        if (external) {
            throw new IllegalArgumentException(what + ": initializer '" + name + "' is stored in an external data file; "
                    + "save the model with its weights inside the .onnx file");
        }
        long[] shape = dims.toArray();
        long count = 1;
        for (long d : shape) count *= d;
        if (dataType == FLOAT) {
            float[] values = new float[Math.toIntExact(count)];
            if (raw != null) {
                checkBytes(what, name, raw, count * 4);
                ByteBuffer.wrap(r.bytes(), raw[0], raw[1] - raw[0]).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            } else {
                if (floatData.size() != count) throw sizeError(what, name, floatData.size(), count);
                for (int i = 0; i < values.length; i++) values[i] = floatData.get(i);
            }
            out.put(name, HostTensor.ofFloats(values, shape));
        } else if (dataType == INT64) {
            long[] values;
            if (raw != null) {
                checkBytes(what, name, raw, count * 8);
                values = new long[Math.toIntExact(count)];
                ByteBuffer.wrap(r.bytes(), raw[0], raw[1] - raw[0]).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(values);
            } else {
                values = int64Data.toArray();
                if (values.length != count) throw sizeError(what, name, values.length, count);
            }
            out.put(name, HostTensor.ofLongs(values, shape));
        }
        // other element types (shape constants of int32, booleans ...) hold no weights: not kept
    }

    private static void floats(ProtobufReader r, List<Float> out) {
        if (r.wireType() == ProtobufReader.LENGTH_DELIMITED) {
            int[] s = r.span();
            ByteBuffer b = ByteBuffer.wrap(r.bytes(), s[0], s[1] - s[0]).order(ByteOrder.LITTLE_ENDIAN);
            while (b.remaining() >= 4) out.add(b.getFloat());
        } else {
            out.add(r.float32());
        }
    }

    private static void checkBytes(String what, String name, int[] raw, long expected) {
        if (raw[1] - raw[0] != expected) {
            throw new IllegalArgumentException(what + ": initializer '" + name + "' has " + (raw[1] - raw[0])
                    + " bytes of raw_data, expected " + expected + " for its shape");
        }
    }

    private static IllegalArgumentException sizeError(String what, String name, long got, long expected) {
        return new IllegalArgumentException(what + ": initializer '" + name + "' has " + got + " values, expected " + expected + " for its shape");
    }
}
