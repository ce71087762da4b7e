package org.recformer.train.pretrain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.recformer.model.ModelSize;
import org.recformer.testing.CommandRun;
import org.recformer.testing.SharedFiles;
import org.recformer.tokenizer.ByteLevel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A tiny pretraining corpus (Gift Cards from the shared raw data), a byte-level tokenizer and tiny options. */
final class PretrainTesting {
    static final ModelSize TINY = new ModelSize(16, 1, 2, 32);

    private PretrainTesting() {
    }

    static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    /** {@code prepare amazon-pretrain} with Gift Cards as training and dev category (458 sequences, 148 items). */
    static Path corpus(Path dir) {
        Path raw = SharedFiles.dataFolder("amazon-raw");
        Path corpus = dir.resolve("corpus");
        CommandRun r = run("prepare", "amazon-pretrain", "--input", raw.toString(), "--output", corpus.toString(),
                "--train-categories", "Gift_Cards", "--dev-category", "Gift_Cards");
        assertEquals(0, r.status(), r.err());
        return corpus;
    }

    /**
     * A byte-level tokenizer without merges, RoBERTa's special ids ({@code <s>} 0, {@code <pad>} 1,
     * {@code </s>} 2, {@code <unk>} 3), the 256 byte symbols at 4..259 and {@code <mask>} 260: a
     * 261-id vocabulary keeps the MLM head of a test model small.
     */
    static Path byteTokenizer(Path dir) throws IOException {
        Path folder = dir.resolve("byte-tokenizer");
        Files.createDirectories(folder);
        ObjectNode vocab = new ObjectMapper().createObjectNode();
        String[] specials = {"<s>", "<pad>", "</s>", "<unk>"};
        for (int i = 0; i < specials.length; i++) vocab.put(specials[i], i);
        for (int b = 0; b < 256; b++) vocab.put(String.valueOf(ByteLevel.charOf(b)), 4 + b);
        vocab.put("<mask>", 260);
        Files.writeString(folder.resolve("vocab.json"), vocab.toString());
        Files.writeString(folder.resolve("merges.txt"), "#version: 0.2\n");
        return folder;
    }

    /** Options of a tiny random-weight run: batch 8, 32 validation sequences, validation every 2 steps, top 2 kept. */
    static PretrainOptions options(Path data, Path tokenizer, Path output, int accumulation, int maxSteps, boolean resume) {
        return new PretrainOptions(data, output, null, TINY, tokenizer, 64, "cls", 8, accumulation, 1, maxSteps, 3e-3f, 0, 0.01f,
                1f, false, 2, 32, 2, 1, 0.15, 7, resume);
    }
}
