package org.recformer.model.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.recformer.model.ModelInput;
import org.recformer.model.PretrainInput;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The inputs of a parity fixtures folder (format of {@code test-fixtures/parity/README.md}):
 * {@code inputs.json} (batch a), {@code pretrain_inputs.json} (both views with MLM ids and labels) and
 * {@code seqrec_inputs.json} (the item-table batch, labels, candidates). Each part is null when its
 * file is absent.
 */
public record ParityInputs(ModelInput batch, PretrainInput pretrain, SeqRecInputs seqRec) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The finetuning part: the single-item sequences that form the item table, and per-row labels and candidates. */
    public record SeqRecInputs(ModelInput itemTable, int[] labels, int[][] candidates) {
    }

    public static ParityInputs read(Path dir) throws IOException {
        JsonNode batch = readIfPresent(dir.resolve("inputs.json"));
        JsonNode pretrain = readIfPresent(dir.resolve("pretrain_inputs.json"));
        JsonNode seqRec = readIfPresent(dir.resolve("seqrec_inputs.json"));
        try {
            return new ParityInputs(
                    batch == null ? null : modelInput(batch, "", "inputs.json"),
                    pretrain == null ? null : pretrainInput(pretrain),
                    seqRec == null ? null : seqRecInputs(seqRec));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(dir + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode readIfPresent(Path file) throws IOException {
        if (!Files.exists(file)) return null;
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private static ModelInput modelInput(JsonNode node, String suffix, String file) {
        return ModelInput.of(
                matrix(node, "input_ids" + suffix, file),
                matrix(node, "attention_mask" + suffix, file),
                matrix(node, "global_attention_mask" + suffix, file),
                matrix(node, "token_type_ids" + suffix, file),
                matrix(node, "item_position_ids" + suffix, file));
    }

    private static PretrainInput pretrainInput(JsonNode node) {
        String file = "pretrain_inputs.json";
        return new PretrainInput(modelInput(node, "_a", file), modelInput(node, "_b", file),
                flat(matrix(node, "mlm_input_ids_a", file)), flat(matrix(node, "mlm_labels_a", file)),
                flat(matrix(node, "mlm_input_ids_b", file)), flat(matrix(node, "mlm_labels_b", file)));
    }

    private static SeqRecInputs seqRecInputs(JsonNode node) {
        String file = "seqrec_inputs.json";
        JsonNode table = node.get("item_table_inputs");
        if (table == null) throw new IllegalArgumentException(file + ": missing item_table_inputs");
        JsonNode labels = node.get("labels");
        if (labels == null || !labels.isArray()) throw new IllegalArgumentException(file + ": labels must be a list of item ids");
        int[] l = new int[labels.size()];
        for (int i = 0; i < l.length; i++) l[i] = integer(labels.get(i), file, "labels");
        return new SeqRecInputs(modelInput(table, "", file), l, matrix(node, "candidates", file));
    }

    private static int[][] matrix(JsonNode node, String field, String file) {
        JsonNode rows = node.get(field);
        if (rows == null || !rows.isArray()) throw new IllegalArgumentException(file + ": " + field + " must be a list of rows");
        int[][] out = new int[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            JsonNode row = rows.get(r);
            if (!row.isArray()) throw new IllegalArgumentException(file + ": " + field + " row " + r + " is not a list");
            out[r] = new int[row.size()];
            for (int c = 0; c < out[r].length; c++) out[r][c] = integer(row.get(c), file, field);
        }
        return out;
    }

    private static int integer(JsonNode v, String file, String field) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new IllegalArgumentException(file + ": " + field + " holds " + v + ", not an integer");
        return v.intValue();
    }

    private static int[] flat(int[][] rows) {
        int n = 0;
        for (int[] r : rows) n += r.length;
        int[] out = new int[n];
        int i = 0;
        for (int[] r : rows) {
            System.arraycopy(r, 0, out, i, r.length);
            i += r.length;
        }
        return out;
    }
}
