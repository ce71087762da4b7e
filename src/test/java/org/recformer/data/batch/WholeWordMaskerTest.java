package org.recformer.data.batch;

import org.junit.jupiter.api.Test;
import org.recformer.data.encode.EncodingSettings;
import org.recformer.data.encode.ItemEncoder;
import org.recformer.data.encode.ItemTokens;
import org.recformer.data.encode.SequenceEncoder;
import org.recformer.tokenizer.BertCharacters;
import org.recformer.tokenizer.SpecialTokens;
import org.recformer.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole-word masking rules (docs/spec.md §4) on batches of real item text. */
class WholeWordMaskerTest {

    private static final Tokenizer TOKENIZER = Tokenizer.bundled();
    private static final SpecialTokens SPECIALS = TOKENIZER.specials();
    private static final EncodingSettings SETTINGS = EncodingSettings.recformerDefaults(SPECIALS);
    private static final WholeWordMasker MASKER = new WholeWordMasker(TOKENIZER, 0.15);
    private static final String[] WORDS = {"Urethane", "Adhesive", "Gorilla", "Glue", "waterproof", "pack", "x12",
            "Sealants", "(2-Pack)", "café", "東京", "3.7", "oz", "Scientific", "Industrial", "&", "Tapes,"};

    /** Items whose titles mix the words above; " Urethane" is three BPE pieces: Ġ U | reth | ane. */
    private static ItemTokens items(int n) {
        SplittableRandom rng = new SplittableRandom(11);
        List<Map<String, String>> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder title = new StringBuilder();
            for (int w = 0; w < 3 + rng.nextInt(6); w++) {
                title.append(w == 0 ? "" : " ").append(WORDS[rng.nextInt(WORDS.length)]);
            }
            Map<String, String> item = new LinkedHashMap<>();
            item.put("title", title.toString());
            item.put("brand", WORDS[rng.nextInt(WORDS.length)]);
            items.add(item);
        }
        return ItemTokens.build(items, new ItemEncoder(TOKENIZER, SETTINGS));
    }

    private static final ItemTokens ITEMS = items(200);
    private static final SequenceBatcher BATCHER = new SequenceBatcher(ITEMS, new SequenceEncoder(SETTINGS));

    private static Batch randomBatch(SplittableRandom rng) {
        List<int[]> histories = new ArrayList<>();
        for (int b = 0; b < 8; b++) {
            histories.add(rng.ints(rng.nextInt(12), 0, ITEMS.size()).toArray());
        }
        return BATCHER.histories(histories);
    }

    @Test
    void wordStartsFollowTheLeadingSpaceAndPunctuationRule() {
        List<String> pieces = TOKENIZER.tokenize(" Urethane");
        assertEquals(List.of("ĠU", "reth", "ane"), pieces);
        assertFalse(MASKER.continuesWord(TOKENIZER.id("ĠU")));
        assertTrue(MASKER.continuesWord(TOKENIZER.id("reth")));
        assertTrue(MASKER.continuesWord(TOKENIZER.id("ane")));
        assertFalse(MASKER.continuesWord(TOKENIZER.id(",")));
        assertFalse(MASKER.continuesWord(TOKENIZER.id("(")));
        assertFalse(MASKER.continuesWord(SPECIALS.mask()));
        assertTrue(MASKER.continuesWord(TOKENIZER.id("title")));
        assertTrue(BertCharacters.isPunctuation('—'));
        assertTrue(BertCharacters.isPunctuation('¿'));
        assertFalse(BertCharacters.isPunctuation('Ġ'));
    }

    @Test
    void aWordOfThreePiecesIsMaskedAllOrNothingAndSpecialsAndPaddingNever() {
        SplittableRandom rng = new SplittableRandom(123);
        int threePieceWordsSeen = 0;
        int threePieceWordsMasked = 0;
        for (int round = 0; round < 300; round++) {
            Batch batch = randomBatch(rng);
            MlmBatch mlm = MASKER.mask(batch, rng);
            int[] ids = batch.inputIds();
            for (int i = 0; i < ids.length; i++) {
                boolean padding = batch.attentionMask()[i] == 0;
                if (padding || SPECIALS.contains(ids[i])) {
                    assertEquals(MlmBatch.IGNORE, mlm.mlmLabels()[i], "special or padding token labelled");
                    assertEquals(ids[i], mlm.mlmInputIds()[i], "special or padding token replaced");
                }
            }
            for (int i = 0; i + 2 < ids.length; i++) {
                // " Urethane" followed by a word start (or the end) is exactly one three-piece word.
                boolean word = TOKENIZER.token(ids[i]).equals("ĠU") && TOKENIZER.token(ids[i + 1]).equals("reth")
                        && TOKENIZER.token(ids[i + 2]).equals("ane")
                        && batch.attentionMask()[i + 2] == 1
                        && (i + 3 == ids.length || batch.attentionMask()[i + 3] == 0 || (i + 3) % batch.length() == 0
                        || !MASKER.continuesWord(ids[i + 3]));
                if (!word) {
                    continue;
                }
                threePieceWordsSeen++;
                int labelled = 0;
                for (int k = 0; k < 3; k++) {
                    labelled += mlm.mlmLabels()[i + k] == MlmBatch.IGNORE ? 0 : 1;
                }
                assertTrue(labelled == 0 || labelled == 3, "a three-piece word had " + labelled + " pieces masked");
                threePieceWordsMasked += labelled == 3 ? 1 : 0;
            }
        }
        assertTrue(threePieceWordsSeen > 200, "too few three-piece words: " + threePieceWordsSeen);
        assertTrue(threePieceWordsMasked > 10, "three-piece words were never masked: " + threePieceWordsMasked);
    }

    @Test
    void aboutFifteenPercentAreMaskedSplitEightyTenTen() {
        SplittableRandom rng = new SplittableRandom(7);
        long real = 0;
        long chosen = 0;
        long toMask = 0;
        long unchanged = 0;
        long random = 0;
        for (int round = 0; round < 400; round++) {
            Batch batch = randomBatch(rng);
            MlmBatch mlm = MASKER.mask(batch, rng);
            for (int b = 0; b < batch.batchSize(); b++) {
                int rowLength = batch.rowLength(b);
                int rowChosen = 0;
                for (int t = 0; t < batch.length(); t++) {
                    int i = b * batch.length() + t;
                    if (mlm.mlmLabels()[i] == MlmBatch.IGNORE) {
                        continue;
                    }
                    rowChosen++;
                    assertEquals(batch.inputIds()[i], mlm.mlmLabels()[i], "the label is the original id");
                    if (mlm.mlmInputIds()[i] == SPECIALS.mask()) {
                        toMask++;
                    } else if (mlm.mlmInputIds()[i] == batch.inputIds()[i]) {
                        unchanged++;
                    } else {
                        random++;
                    }
                }
                int budget = Math.max(1, (int) Math.rint(0.15 * rowLength));
                assertTrue(rowChosen <= budget, "row chose " + rowChosen + " > " + budget);
                real += rowLength;
                chosen += rowChosen;
            }
        }
        double share = (double) chosen / real;
        assertEquals(0.15, share, 0.01, "masked share " + share);
        assertEquals(0.8, (double) toMask / chosen, 0.02);
        assertEquals(0.1, (double) random / chosen, 0.015);
        assertEquals(0.1, (double) unchanged / chosen, 0.015);
    }

    @Test
    void wordPieceContinuationsAreTheDoubleHashPieces(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        java.nio.file.Files.writeString(dir.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nun\n##want\n##ed\n,\n");
        java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
        Tokenizer wordPiece = Tokenizer.load(dir);
        WholeWordMasker masker = new WholeWordMasker(wordPiece, 0.15);
        assertFalse(masker.continuesWord(wordPiece.id("un")));
        assertTrue(masker.continuesWord(wordPiece.id("##want")));
        assertTrue(masker.continuesWord(wordPiece.id("##ed")));
        assertFalse(masker.continuesWord(wordPiece.id(",")));
    }
}
