package org.recformer.data.batch;

import org.recformer.data.encode.EncodedItem;
import org.recformer.data.encode.EncodedSequence;
import org.recformer.data.encode.ItemTokens;
import org.recformer.data.encode.SequenceEncoder;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builds the batches of pretraining, finetuning and evaluation from item-id sequences (oldest to
 * newest) and the dataset's item tokens. All randomness comes from the generator passed in, so
 * the same seed gives the same batches.
 */
public final class SequenceBatcher {

    private final ItemTokens items;
    private final SequenceEncoder encoder;

    /** A batcher over the tokens of {@code items}, encoding with {@code encoder}. */
    public SequenceBatcher(ItemTokens items, SequenceEncoder encoder) {
        this.items = items;
        this.encoder = encoder;
    }

    /** Encodes item-id histories (each oldest to newest) and pads them into one batch. */
    public Batch histories(List<int[]> histories) {
        Rows rows = new Rows(histories.size());
        for (int[] history : histories) {
            rows.addHistory(history, 0, history.length);
        }
        return rows.pad();
    }

    /** Encoded sequences with the item id of each of their tokens, to be padded into one batch. */
    private final class Rows {
        private final List<EncodedSequence> sequences;
        private final List<int[]> tokenItemIds;

        Rows(int capacity) {
            sequences = new ArrayList<>(capacity);
            tokenItemIds = new ArrayList<>(capacity);
        }

        /** Adds the items {@code from} (inclusive) to {@code to} (exclusive) of {@code itemIds}, oldest first. */
        void addHistory(int[] itemIds, int from, int to) {
            // Only the newest maxItems items can appear; do not copy the others.
            int first = Math.max(from, to - encoder.settings().maxItems());
            List<EncodedItem> encoded = new ArrayList<>(to - first);
            for (int i = first; i < to; i++) {
                encoded.add(items.get(itemIds[i]));
            }
            EncodedSequence sequence = encoder.encode(encoded);
            // item position k >= 1 is the k-th newest item, itemIds[to - k]; position 0 is <s>
            int[] positions = sequence.itemPositions();
            int[] tokenItems = new int[positions.length];
            for (int t = 0; t < positions.length; t++) tokenItems[t] = positions[t] == 0 ? -1 : itemIds[to - positions[t]];
            sequences.add(sequence);
            tokenItemIds.add(tokenItems);
        }

        Batch pad() {
            return Batch.pad(sequences, tokenItemIds, encoder.settings());
        }
    }

    /**
     * Items alone as sequences ({@code <s>} + item), as used to build the item embedding table:
     * items {@code from} (inclusive) to {@code to} (exclusive). No token carries an item id: an
     * item's vector in the table is its text alone.
     */
    public Batch singleItems(int from, int to) {
        List<EncodedSequence> rows = new ArrayList<>(to - from);
        for (int item = from; item < to; item++) {
            rows.add(encoder.encode(List.of(items.get(item))));
        }
        return Batch.pad(rows, encoder.settings());
    }

    /**
     * A pretraining batch (docs/spec.md §4): for each sequence of length L, a target position t
     * uniform in [floor((L-1)/2), L-1]; view a = the items before t, view b = the item at t; both
     * views are masked by {@code masker}.
     */
    public PretrainBatch pretrain(List<int[]> sequences, WholeWordMasker masker, SplittableRandom rng) {
        Rows viewA = new Rows(sequences.size());
        Rows viewB = new Rows(sequences.size());
        for (int[] sequence : sequences) {
            requireNonEmpty(sequence);
            int start = (sequence.length - 1) / 2;
            int target = start + rng.nextInt(sequence.length - start);
            viewA.addHistory(sequence, 0, target);
            viewB.addHistory(sequence, target, target + 1);
        }
        MlmBatch a = masker.mask(viewA.pad(), rng);
        MlmBatch b = masker.mask(viewB.pad(), rng);
        return new PretrainBatch(a, b);
    }

    /**
     * A finetuning batch (docs/spec.md §4): for each sequence of length L, t uniform in [0, L-1];
     * input = the items before t (possibly none: then {@code <s>} alone), label = the item at t.
     */
    public LabeledBatch finetune(List<int[]> sequences, SplittableRandom rng) {
        int[] targets = new int[sequences.size()];
        for (int i = 0; i < sequences.size(); i++) {
            int[] sequence = sequences.get(i);
            requireNonEmpty(sequence);
            targets[i] = rng.nextInt(sequence.length);
        }
        return finetune(sequences, targets);
    }

    /** A finetuning batch with the target positions given: input = the items before targets[i], label = the item at it. */
    public LabeledBatch finetune(List<int[]> sequences, int[] targets) {
        if (targets.length != sequences.size()) {
            throw new IllegalArgumentException(targets.length + " target positions for " + sequences.size() + " sequences");
        }
        Rows rows = new Rows(sequences.size());
        int[] labels = new int[sequences.size()];
        for (int i = 0; i < sequences.size(); i++) {
            int[] sequence = sequences.get(i);
            if (targets[i] < 0 || targets[i] >= sequence.length) {
                throw new IllegalArgumentException("target position " + targets[i] + " outside a sequence of " + sequence.length + " items");
            }
            rows.addHistory(sequence, 0, targets[i]);
            labels[i] = sequence[targets[i]];
        }
        return new LabeledBatch(rows.pad(), labels);
    }

    /** An evaluation batch: each example's history encoded, its label kept. */
    public LabeledBatch evaluate(List<EvalExample> examples) {
        List<int[]> histories = new ArrayList<>(examples.size());
        int[] labels = new int[examples.size()];
        for (int i = 0; i < examples.size(); i++) {
            histories.add(examples.get(i).history());
            labels[i] = examples.get(i).label();
        }
        return new LabeledBatch(histories(histories), labels);
    }

    /** A uniformly shuffled order of {@code n} training examples (users, or pairs of user and target) for one epoch. */
    public static int[] epochOrder(int n, SplittableRandom rng) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        return order;
    }

    private static void requireNonEmpty(int[] sequence) {
        if (sequence.length == 0) {
            throw new IllegalArgumentException("a training sequence needs at least one item");
        }
    }
}
