package org.recformer.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.recformer.testing.SharedFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainCorpusTest {
    @TempDir
    Path dir;

    @Test
    void corpusLayoutMapsAsinsToMetadataOrderAndDropsSingleItemSequences() throws IOException {
        Files.writeString(dir.resolve("meta_data.json"), "{\"A\": {\"title\": \"a\"}, \"B\": {\"title\": \"b\", \"brand\": \"x\"}, \"C\": {}}");
        Files.writeString(dir.resolve("train.json"), "[[\"C\", \"A\", \"B\"], [\"B\"], [\"A\", \"A\"]]");
        Files.writeString(dir.resolve("dev.json"), "[[\"B\", \"C\"]]");
        PretrainCorpus corpus = PretrainCorpus.load(dir);
        assertEquals(3, corpus.items().size());
        assertEquals("x", corpus.items().get(1).get("brand"));
        assertEquals(2, corpus.train().size());
        assertArrayEquals(new int[] {2, 0, 1}, corpus.train().get(0));
        assertArrayEquals(new int[] {0, 0}, corpus.train().get(1));
        assertArrayEquals(new int[] {1, 2}, corpus.validation().get(0));
    }

    @Test
    void aCorpusWithoutUsableSequencesIsRefused() throws IOException {
        Files.writeString(dir.resolve("meta_data.json"), "{\"A\": {\"title\": \"a\"}}");
        Files.writeString(dir.resolve("train.json"), "[[\"A\"]]");
        Files.writeString(dir.resolve("dev.json"), "[[\"A\", \"A\"]]");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> PretrainCorpus.load(dir));
        assertTrue(e.getMessage().contains("no training sequence of at least 2 items"), e.getMessage());
        Files.writeString(dir.resolve("train.json"), "{\"0\": [\"A\"]}");
        e = assertThrows(DatasetFormatException.class, () -> PretrainCorpus.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("train.json") + ": expected a list of asin sequences"), e.getMessage());
    }

    @Test
    void datasetFolderGivesTrainPartsAndTrainPlusValidationItem() throws IOException {
        Dataset dataset = Dataset.load(SharedFiles.dataFolder("amazon-scientific-small"));
        PretrainCorpus corpus = PretrainCorpus.load(dataset.directory());
        List<int[]> train = new ArrayList<>();
        List<int[]> validation = new ArrayList<>();
        for (int u = 0; u < dataset.userCount(); u++) {
            if (dataset.train(u).length >= 2) train.add(dataset.train(u));
            int[] withValidation = java.util.Arrays.copyOf(dataset.train(u), dataset.train(u).length + 1);
            withValidation[withValidation.length - 1] = dataset.validation(u)[0];
            validation.add(withValidation);
        }
        assertEquals(train.size(), corpus.train().size());
        for (int i = 0; i < train.size(); i++) assertArrayEquals(train.get(i), corpus.train().get(i));
        assertEquals(validation.size(), corpus.validation().size());
        for (int i = 0; i < validation.size(); i++) assertArrayEquals(validation.get(i), corpus.validation().get(i));
        assertEquals(dataset.itemCount(), corpus.items().size());
    }
}
