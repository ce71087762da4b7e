package org.recformer.data.batch;

import org.junit.jupiter.api.Test;
import org.recformer.data.encode.EncodedItem;
import org.recformer.data.encode.EncodingSettings;
import org.recformer.data.encode.ItemTokens;
import org.recformer.data.encode.SequenceEncoder;
import org.recformer.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sampling of pretraining pairs, finetuning samples and evaluation inputs. */
class SequenceBatcherTest {

    private static final Tokenizer TOKENIZER = Tokenizer.bundled();
    private static final EncodingSettings SETTINGS = EncodingSettings.recformerDefaults(TOKENIZER.specials());
    private static final int ITEMS = 40;
    /** Item i is the single token 100 + i (type 2), so a row's ids name its items. */
    private static final ItemTokens STORE = ItemTokens.pack(java.util.stream.IntStream.range(0, ITEMS)
            .mapToObj(i -> new EncodedItem(new int[] {100 + i}, new int[] {2})).toArray(EncodedItem[]::new));
    private static final SequenceBatcher BATCHER = new SequenceBatcher(STORE, new SequenceEncoder(SETTINGS));

    /** The item ids of row b, oldest to newest (the row holds them newest first after <s>). */
    private static int[] itemsOfRow(Batch batch, int b) {
        int n = batch.rowLength(b);
        int[] items = new int[n - 1];
        for (int t = 1; t < n; t++) {
            items[n - 1 - t] = batch.inputIds()[b * batch.length() + t] - 100;
        }
        return items;
    }

    @Test
    void pretrainingTargetIsUniformOverTheSecondHalfAndViewAIsItsHistory() {
        int[] sequence = {3, 1, 4, 15, 9, 2, 6};             // L = 7: t in [3, 6]
        int[] counts = new int[sequence.length];
        SplittableRandom rng = new SplittableRandom(1);
        WholeWordMasker masker = new WholeWordMasker(TOKENIZER, 0.15);
        int draws = 4000;
        for (int i = 0; i < draws; i++) {
            PretrainBatch batch = BATCHER.pretrain(List.of(sequence), masker, rng);
            int[] history = itemsOfRow(batch.a().inputs(), 0);
            int[] target = itemsOfRow(batch.b().inputs(), 0);
            int t = history.length;
            assertArrayEquals(Arrays.copyOf(sequence, t), history);
            assertArrayEquals(new int[] {sequence[t]}, target);
            counts[t]++;
        }
        for (int t = 0; t < 3; t++) {
            assertEquals(0, counts[t], "t = " + t + " is before floor((L-1)/2)");
        }
        for (int t = 3; t < 7; t++) {
            assertEquals(draws / 4.0, counts[t], 5 * Math.sqrt(draws * 0.25 * 0.75), "t = " + t);
        }
    }

    @Test
    void pretrainingOfASingleItemSequenceHasAnEmptyViewA() {
        PretrainBatch batch = BATCHER.pretrain(List.of(new int[] {5}), new WholeWordMasker(TOKENIZER, 0.15),
                new SplittableRandom(3));
        assertArrayEquals(new int[] {SETTINGS.bosId()}, batch.a().inputs().inputIds());
        assertArrayEquals(new int[] {SETTINGS.bosId(), 105}, batch.b().inputs().inputIds());
    }

    @Test
    void finetuningTargetIsUniformOverTheWholeSequenceAndMayLeaveOnlyBos() {
        int[] sequence = {7, 8, 9, 10, 11};
        int[] counts = new int[sequence.length];
        SplittableRandom rng = new SplittableRandom(2);
        int draws = 5000;
        for (int i = 0; i < draws; i++) {
            LabeledBatch batch = BATCHER.finetune(List.of(sequence), rng);
            int[] history = itemsOfRow(batch.inputs(), 0);
            assertArrayEquals(Arrays.copyOf(sequence, history.length), history);
            assertEquals(sequence[history.length], batch.labels()[0]);
            if (history.length == 0) {
                assertArrayEquals(new int[] {SETTINGS.bosId()}, batch.inputs().inputIds());
            }
            counts[history.length]++;
        }
        for (int t = 0; t < sequence.length; t++) {
            assertEquals(draws / 5.0, counts[t], 5 * Math.sqrt(draws * 0.2 * 0.8), "t = " + t);
        }
    }

    @Test
    void finetuningWithGivenTargetsTakesTheItemsBeforeEachAsHistory() {
        int[] a = {7, 8, 9, 10, 11};
        int[] b = {3, 4};
        LabeledBatch batch = BATCHER.finetune(List.of(a, b, a), new int[] {3, 1, 0});
        assertArrayEquals(new int[] {10, 4, 7}, batch.labels());
        assertArrayEquals(new int[] {7, 8, 9}, itemsOfRow(batch.inputs(), 0));
        assertArrayEquals(new int[] {3}, itemsOfRow(batch.inputs(), 1));
        assertArrayEquals(new int[0], itemsOfRow(batch.inputs(), 2));
        // the drawn form is this form with the drawn positions
        LabeledBatch drawn = BATCHER.finetune(List.of(a, b), new SplittableRandom(11));
        SplittableRandom same = new SplittableRandom(11);
        LabeledBatch given = BATCHER.finetune(List.of(a, b), new int[] {same.nextInt(a.length), same.nextInt(b.length)});
        assertArrayEquals(drawn.labels(), given.labels());
        assertArrayEquals(drawn.inputs().inputIds(), given.inputs().inputIds());
        IllegalArgumentException past = assertThrows(IllegalArgumentException.class, () -> BATCHER.finetune(List.of(b), new int[] {2}));
        assertTrue(past.getMessage().contains("target position 2 outside a sequence of 2 items"), past.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BATCHER.finetune(List.of(a, b), new int[] {1}));
    }

    @Test
    void evaluationInputsFollowTheSplit() {
        int[] train = {1, 2, 3};
        EvalExample validation = EvalExample.validation(train, 4);
        EvalExample test = EvalExample.test(train, 4, 5);
        LabeledBatch batch = BATCHER.evaluate(List.of(validation, test));
        assertArrayEquals(new int[] {4, 5}, batch.labels());
        assertArrayEquals(train, itemsOfRow(batch.inputs(), 0));
        assertArrayEquals(new int[] {1, 2, 3, 4}, itemsOfRow(batch.inputs(), 1));
        // Newest first: the validation item is item position 1 of the test input.
        assertEquals(104, batch.inputs().inputIds()[batch.inputs().length() + 1]);
        assertEquals(1, batch.inputs().itemPositionIds()[batch.inputs().length() + 1]);
    }

    @Test
    void longHistoriesKeepTheNewestFiftyItems() {
        int[] longer = java.util.stream.IntStream.range(0, 60).map(i -> i % ITEMS).toArray();
        Batch batch = BATCHER.histories(List.of(longer));
        assertArrayEquals(Arrays.copyOfRange(longer, 10, 60), itemsOfRow(batch, 0));
    }

    @Test
    void singleItemsAreBosPlusTheItem() {
        Batch batch = BATCHER.singleItems(3, 6);
        assertArrayEquals(new int[] {SETTINGS.bosId(), 103, SETTINGS.bosId(), 104, SETTINGS.bosId(), 105},
                batch.inputIds());
        assertArrayEquals(new int[] {0, 1, 0, 1, 0, 1}, batch.itemPositionIds());
    }

    @Test
    void epochOrderVisitsEveryUserOnceAndDependsOnTheSeed() {
        int[] order = SequenceBatcher.epochOrder(100, new SplittableRandom(9));
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        assertArrayEquals(java.util.stream.IntStream.range(0, 100).toArray(), sorted);
        assertArrayEquals(order, SequenceBatcher.epochOrder(100, new SplittableRandom(9)));
        assertFalse(Arrays.equals(order, SequenceBatcher.epochOrder(100, new SplittableRandom(10))));
    }

    @Test
    void sameSeedGivesTheSameBatches() {
        List<int[]> sequences = new ArrayList<>();
        SplittableRandom data = new SplittableRandom(5);
        for (int u = 0; u < 16; u++) {
            sequences.add(data.ints(2 + data.nextInt(20), 0, ITEMS).toArray());
        }
        WholeWordMasker masker = new WholeWordMasker(TOKENIZER, 0.15);
        PretrainBatch p1 = BATCHER.pretrain(sequences, masker, new SplittableRandom(42));
        PretrainBatch p2 = BATCHER.pretrain(sequences, masker, new SplittableRandom(42));
        PretrainBatch p3 = BATCHER.pretrain(sequences, masker, new SplittableRandom(43));
        assertArrayEquals(p1.a().inputs().inputIds(), p2.a().inputs().inputIds());
        assertArrayEquals(p1.a().mlmInputIds(), p2.a().mlmInputIds());
        assertArrayEquals(p1.b().mlmLabels(), p2.b().mlmLabels());
        assertTrue(!Arrays.equals(p1.a().inputs().inputIds(), p3.a().inputs().inputIds())
                || !Arrays.equals(p1.a().mlmLabels(), p3.a().mlmLabels()));
        LabeledBatch f1 = BATCHER.finetune(sequences, new SplittableRandom(7));
        LabeledBatch f2 = BATCHER.finetune(sequences, new SplittableRandom(7));
        assertArrayEquals(f1.labels(), f2.labels());
        assertArrayEquals(f1.inputs().inputIds(), f2.inputs().inputIds());
    }

    @Test
    void everyItemTokenCarriesItsItemIdAndStartAndPaddingCarryNone() {
        int[] longest = new int[60]; // more than the 50 newest items the encoder keeps
        for (int i = 0; i < longest.length; i++) longest[i] = (7 * i) % ITEMS;
        Batch batch = BATCHER.histories(List.of(new int[] {5, 9}, longest, new int[] {}));
        int[] seen = new int[ITEMS];
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int t = 0; t < batch.length(); t++) {
                int i = b * batch.length() + t;
                boolean itemToken = batch.attentionMask()[i] == 1 && t > 0;
                // item j is the single token 100 + j, so each token names its item
                assertEquals(itemToken ? batch.inputIds()[i] - 100 : -1, batch.itemIds()[i], "row " + b + " token " + t);
                if (itemToken) seen[batch.itemIds()[i]]++;
            }
        }
        assertEquals(2 + 50, Arrays.stream(seen).sum(), "the newest 50 items of the long row and both of the short one");
        assertEquals(List.of(-1), Arrays.stream(BATCHER.singleItems(0, 4).itemIds()).distinct().boxed().toList(),
                "items encoded alone (the item table) carry no item id");
        LabeledBatch finetune = BATCHER.finetune(List.of(new int[] {3, 8, 11}), new SplittableRandom(4));
        for (int t = 0; t < finetune.inputs().length(); t++) {
            assertEquals(t == 0 ? -1 : finetune.inputs().inputIds()[t] - 100, finetune.inputs().itemIds()[t], "finetuning token " + t);
        }
    }
}
