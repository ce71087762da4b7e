package org.recformer.data.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.recformer.data.encode.EncodedItem;
import org.recformer.data.encode.EncodedSequence;
import org.recformer.data.encode.EncodingSettings;
import org.recformer.data.encode.SequenceEncoder;
import org.recformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Batch padding (docs/spec.md §2), also against batches built by the public Recformer code. */
class BatchTest {

    @Test
    void paddingValuesAreExactlyThoseOfTheSpec() {
        Tokenizer tokenizer = Tokenizer.bundled(); // <pad> = 50258 here, not 1
        EncodingSettings settings = EncodingSettings.recformerDefaults(tokenizer.specials());
        SequenceEncoder encoder = new SequenceEncoder(settings);
        EncodedSequence longer = encoder.encode(List.of(new EncodedItem(new int[] {5, 6, 7}, new int[] {1, 2, 2})));
        EncodedSequence shorter = encoder.encode(List.of());
        Batch batch = Batch.pad(List.of(longer, shorter), settings);
        int bos = tokenizer.specials().bos();
        int pad = tokenizer.specials().pad();
        assertEquals(2, batch.batchSize());
        assertEquals(4, batch.length());
        assertArrayEquals(new int[] {bos, 5, 6, 7, bos, pad, pad, pad}, batch.inputIds());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0, 0, 0}, batch.attentionMask());
        assertArrayEquals(new int[] {1, 0, 0, 0, 1, 0, 0, 0}, batch.globalAttentionMask());
        assertArrayEquals(new int[] {0, 1, 2, 2, 0, 3, 3, 3}, batch.tokenTypeIds());
        assertArrayEquals(new int[] {0, 1, 1, 1, 0, 50, 50, 50}, batch.itemPositionIds());
        assertEquals(4, batch.rowLength(0));
        assertEquals(1, batch.rowLength(1));
    }

    private static int[][] matrix(JsonNode node) {
        int[][] m = new int[node.size()][];
        for (int b = 0; b < m.length; b++) {
            m[b] = new int[node.get(b).size()];
            for (int t = 0; t < m[b].length; t++) {
                m[b][t] = node.get(b).get(t).asInt();
            }
        }
        return m;
    }

    private static int[] flat(int[][] m) {
        return Arrays.stream(m).flatMapToInt(Arrays::stream).toArray();
    }

    /**
     * The fixtures' batches were made by the public Recformer tokenizer; split each row back into
     * its items (by item position), re-encode and pad them with our code: every array must match.
     */
    @ParameterizedTest
    @CsvSource({"dev-tiny,inputs.json,,", "dev-small,inputs.json,,", "dev-tiny,pretrain_inputs.json,,_b",
            "dev-small,pretrain_inputs.json,,_b", "dev-small,seqrec_inputs.json,item_table_inputs,"})
    void reproducesTheReferenceBatches(String config, String file, String field, String suffix) throws IOException {
        String s = suffix == null ? "" : suffix;
        Path dir = Path.of("test-fixtures/parity", config);
        assumeTrue(Files.isRegularFile(dir.resolve(file)), "skipped: " + dir.resolve(file) + " is absent");
        ObjectMapper json = new ObjectMapper();
        JsonNode cfg = json.readTree(dir.resolve("config.json").toFile());
        JsonNode root = json.readTree(dir.resolve(file).toFile());
        JsonNode in = field == null ? root : root.get(field);
        EncodingSettings settings = new EncodingSettings(cfg.get("max_attr_num").asInt(), cfg.get("max_attr_length").asInt(),
                cfg.get("max_item_embeddings").asInt(), cfg.get("max_token_num").asInt(),
                cfg.get("bos_token_id").asInt(), cfg.get("pad_token_id").asInt(), cfg.get("vocab_size").asInt() - 1);
        int[][] ids = matrix(in.get("input_ids" + s));
        int[][] types = matrix(in.get("token_type_ids" + s));
        int[][] positions = matrix(in.get("item_position_ids" + s));
        int[][] attention = matrix(in.get("attention_mask" + s));

        List<EncodedSequence> rows = new ArrayList<>();
        for (int b = 0; b < ids.length; b++) {
            int real = Arrays.stream(attention[b]).sum();
            int items = Arrays.stream(positions[b], 0, real).max().orElseThrow();
            List<EncodedItem> oldestToNewest = new ArrayList<>();
            for (int p = items; p >= 1; p--) {
                final int position = p;
                final int row = b;
                int[] at = java.util.stream.IntStream.range(0, real).filter(t -> positions[row][t] == position).toArray();
                oldestToNewest.add(new EncodedItem(Arrays.stream(at).map(t -> ids[row][t]).toArray(),
                        Arrays.stream(at).map(t -> types[row][t]).toArray()));
            }
            rows.add(new SequenceEncoder(settings).encode(oldestToNewest));
        }
        Batch batch = Batch.pad(rows, settings);
        assertEquals(ids[0].length, batch.length());
        assertArrayEquals(flat(ids), batch.inputIds());
        assertArrayEquals(flat(types), batch.tokenTypeIds());
        assertArrayEquals(flat(positions), batch.itemPositionIds());
        assertArrayEquals(flat(attention), batch.attentionMask());
        assertArrayEquals(flat(matrix(in.get("global_attention_mask" + s))), batch.globalAttentionMask());
    }
}
