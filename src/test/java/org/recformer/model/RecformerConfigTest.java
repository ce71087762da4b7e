package org.recformer.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecformerConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsTheFixtureConfig() throws Exception {
        RecformerConfig c = RecformerConfig.read(Path.of("test-fixtures/parity/dev-tiny/config.json"));
        assertEquals(800, c.vocabSize());
        assertEquals(48, c.hiddenSize());
        assertEquals(2, c.numHiddenLayers());
        assertEquals(4, c.numAttentionHeads());
        assertEquals(12, c.headDim());
        assertEquals(96, c.intermediateSize());
        assertArrayEquals(new int[] {4, 12}, c.attentionWindows());
        assertEquals(12, c.maxAttentionWindow());
        assertEquals(1e-5, c.layerNormEps());
        assertEquals(140, c.maxPositionEmbeddings());
        assertEquals(11, c.maxItemEmbeddings());
        assertEquals(4, c.tokenTypeSize());
        assertEquals("cls", c.poolerType());
        assertEquals(0.05, c.temp());
        assertEquals(0.1, c.mlmWeight());
        assertEquals(1, c.padTokenId());
        assertTrue(c.otherKeyNames().contains("architectures"));
        assertTrue(c.otherKeyNames().contains("transformers_version"));
    }

    @Test
    void absentKeysTakeThePublicDefaults() {
        RecformerConfig c = RecformerConfig.defaults();
        // LongformerConfig defaults
        assertEquals(1e-12, c.layerNormEps());
        assertEquals(30522, c.vocabSize());
        assertEquals(768, c.hiddenSize());
        assertEquals(512, c.maxPositionEmbeddings());
        assertEquals(1, c.padTokenId());
        assertEquals(0.1, c.hiddenDropoutProb());
        // RecformerConfig defaults
        assertEquals(12, c.attentionWindows().length);
        for (int w : c.attentionWindows()) assertEquals(64, w);
        assertEquals(4, c.tokenTypeSize());
        assertEquals(2048, c.maxTokenNum());
        assertEquals(32, c.maxItemEmbeddings());
        assertEquals(12, c.maxAttrNum());
        assertEquals(8, c.maxAttrLength());
        assertEquals("cls", c.poolerType());
        assertEquals(0.05, c.temp());
        assertEquals(0.1, c.mlmWeight());
        assertEquals(0, c.itemNum());
        assertEquals(0, c.finetuneNegativeSampleSize());
    }

    @Test
    void writesBackEveryKeyItRead(@TempDir Path dir) throws Exception {
        Path source = Path.of("test-fixtures/parity/dev-small/config.json");
        RecformerConfig c = RecformerConfig.read(source);
        Path copy = dir.resolve("config.json");
        c.write(copy);
        assertEquals(JSON.readTree(source.toFile()), JSON.readTree(copy.toFile()));
        assertEquals(c.toJson(), RecformerConfig.read(copy).toJson());
    }

    @Test
    void keepsAScalarWindowScalar() throws Exception {
        ObjectNode json = (ObjectNode) JSON.readTree("{\"attention_window\": 8, \"num_hidden_layers\": 3, \"unknown_thing\": [1, 2]}");
        RecformerConfig c = RecformerConfig.fromJson(json);
        assertArrayEquals(new int[] {8, 8, 8}, c.attentionWindows());
        assertEquals(8, c.toJson().get("attention_window").intValue());
        assertEquals(JSON.readTree("[1, 2]"), c.toJson().get("unknown_thing"));
    }

    @Test
    void withChangesOneField() {
        RecformerConfig c = RecformerConfig.defaults().with("item_num", 7);
        assertEquals(7, c.itemNum());
        assertThrows(IllegalArgumentException.class, () -> c.with("item_num", -1));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"vocab_size\": 0}|vocab_size",
            "{\"hidden_size\": 50, \"num_attention_heads\": 4}|num_attention_heads",
            "{\"num_attention_heads\": -1}|num_attention_heads",
            "{\"attention_window\": 5}|attention_window",
            "{\"attention_window\": [4, 8]}|attention_window",
            "{\"attention_window\": \"wide\"}|attention_window",
            "{\"hidden_act\": \"relu\"}|hidden_act",
            "{\"pooler_type\": \"max\"}|pooler_type",
            "{\"layer_norm_eps\": 0}|layer_norm_eps",
            "{\"hidden_dropout_prob\": 1.0}|hidden_dropout_prob",
            "{\"attention_probs_dropout_prob\": -0.1}|attention_probs_dropout_prob",
            "{\"pad_token_id\": 40000}|pad_token_id",
            "{\"vocab_size\": \"big\"}|vocab_size",
            "{\"max_item_embeddings\": 1}|max_item_embeddings",
            "{\"max_position_embeddings\": 2}|max_position_embeddings",
            "{\"temp\": 0}|temp",
            "{\"token_type_size\": 0}|token_type_size",
            "{\"item_num\": -3}|item_num",
            "{\"finetune_negative_sample_size\": -1}|finetune_negative_sample_size",
            "{\"position_embedding_type\": \"relative_key\"}|position_embedding_type",
    })
    void rejectsOutOfRangeValuesNamingTheField(String json, String field) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RecformerConfig.fromJson(JSON.readTree(json)));
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    @Test
    void aBadFileIsNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"vocab_size\": -5}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RecformerConfig.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("vocab_size"), e.getMessage());
        Files.writeString(file, "{not json");
        Exception io = assertThrows(java.io.IOException.class, () -> RecformerConfig.read(file));
        assertTrue(io.getMessage().contains(file.toString()), io.getMessage());
    }

    @Test
    void parameterCountIsTheEncodersNumberOfWeights() throws Exception {
        RecformerConfig c = RecformerConfig.read(Path.of("test-fixtures/parity/dev-small/config.json"));
        long actual = 0;
        for (var p : new RecformerModel(c, org.recformer.backend.Backends.cpu(), 0).namedParameters().values()) actual += p.tensor().numel();
        assertEquals(actual, c.encoderParameterCount());
    }

    @Test
    void shapesThatCannotFitAreRefusedBeforeAllocatingWithTheNumbers() {
        RecformerConfig c = RecformerConfig.defaults();
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class, () -> RecformerConfig.fromJson(
                JSON.readTree("{\"hidden_size\": 40000, \"num_attention_heads\": 8}")));
        assertTrue(wide.getMessage().contains("more than the Java heap limit of"), wide.getMessage());
        IllegalArgumentException vocab = assertThrows(IllegalArgumentException.class, () -> RecformerConfig.fromJson(
                JSON.readTree("{\"hidden_size\": 40000, \"num_attention_heads\": 8, \"vocab_size\": 60000}")));
        assertTrue(vocab.getMessage().contains("vocab_size x hidden_size = 60000 x 40000 = 2400000000 elements"), vocab.getMessage());
        IllegalArgumentException positions = assertThrows(IllegalArgumentException.class,
                () -> c.with("max_position_embeddings", 100_000_000));
        assertTrue(positions.getMessage().contains("max_position_embeddings x hidden_size"), positions.getMessage());
        IllegalArgumentException deep = assertThrows(IllegalArgumentException.class, () -> RecformerConfig.fromJson(
                JSON.readTree("{\"num_hidden_layers\": 1000000}")));
        assertTrue(deep.getMessage().contains("more than the Java heap limit of"), deep.getMessage());
        IllegalArgumentException items = assertThrows(IllegalArgumentException.class, () -> c.with("item_num", 1_000_000_000));
        assertTrue(items.getMessage().contains("item_num x hidden_size"), items.getMessage());
    }
}
