package org.recformer.convert;

import org.recformer.io.HostTensor;
import org.recformer.io.StateDict;

import java.util.HashMap;
import java.util.Map;

/**
 * The weights of an ONNX export of a HuggingFace model under their HuggingFace parameter names.
 * Initializers that kept their name ({@code embeddings.word_embeddings.weight}, biases, LayerNorm)
 * are taken as they are. Linear weights that the exporter renamed {@code onnx::MatMul_N} (stored
 * transposed, [in, out]) are named after the MatMul node that reads them:
 * {@code /encoder/layer.0/attention/self/query/MatMul} gives
 * {@code encoder.layer.0.attention.self.query.weight}, transposed back to [out, in]. Other renamed
 * initializers (shape constants) are left out.
 */
public final class OnnxWeights {
    private static final String RENAMED_MATMUL = "onnx::MatMul_";
    private static final String MATMUL_SUFFIX = "/MatMul";

    private OnnxWeights() {
    }

    public static StateDict stateDict(OnnxModel model, String source) {
        Map<String, String> matmulWeightNames = new HashMap<>(); // initializer -> HuggingFace name
        for (OnnxModel.Node node : model.nodes()) {
            if (!node.opType().equals("MatMul") || node.inputs().size() != 2) continue;
            String weight = node.inputs().get(1);
            if (!weight.startsWith(RENAMED_MATMUL)) continue;
            if (!node.name().startsWith("/") || !node.name().endsWith(MATMUL_SUFFIX)) {
                throw new IllegalArgumentException(source + ": cannot name weight '" + weight + "' from its MatMul node '" + node.name()
                        + "' (expected a node name like /encoder/layer.0/attention/self/query/MatMul)");
            }
            String module = node.name().substring(1, node.name().length() - MATMUL_SUFFIX.length()).replace('/', '.');
            matmulWeightNames.put(weight, module + ".weight");
        }
        StateDict out = new StateDict(source);
        for (Map.Entry<String, HostTensor> e : model.initializers().entrySet()) {
            String name = e.getKey();
            String renamed = matmulWeightNames.get(name);
            if (renamed != null) {
                out.put(renamed, transpose(e.getValue(), source, name));
            } else if (!name.startsWith("onnx::") && !name.startsWith("/")) {
                out.put(name, e.getValue());
            }
        }
        return out;
    }

    private static HostTensor transpose(HostTensor t, String source, String name) {
        long[] shape = t.shape();
        if (shape.length != 2) {
            throw new IllegalArgumentException(source + ": MatMul weight '" + name + "' has shape " + java.util.Arrays.toString(shape) + ", expected 2-D");
        }
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        float[] in = t.toFloatArray();
        float[] out = new float[in.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) out[c * rows + r] = in[r * cols + c];
        }
        return HostTensor.ofFloats(out, cols, rows);
    }
}
