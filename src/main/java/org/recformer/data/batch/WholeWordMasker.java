package org.recformer.data.batch;

import org.recformer.tokenizer.SpecialTokens;
import org.recformer.tokenizer.BertCharacters;
import org.recformer.tokenizer.Tokenizer;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Whole-word masking of the public Recformer pretraining collator (docs/spec.md §4), per row:
 * <ol>
 *   <li>words: {@code <s>} and {@code </s>} are skipped; a token continues the previous word when
 *       its text does not begin with a space byte ('Ġ') and its first character is not
 *       punctuation (BERT's rule: ASCII symbols or a Unicode P* category), else it starts one;</li>
 *   <li>the words are shuffled and taken in order while the count of chosen tokens stays within
 *       {@code min(512, max(1, round(p * rowLength)))} (round half to even, like Python);
 *       a word that would exceed it is skipped;</li>
 *   <li>special and padding tokens are never chosen; each chosen token is labelled with its id and
 *       becomes {@code <mask>} with probability 0.8, a uniformly random id in
 *       {@code [0, vocabSize)} with 0.1, or stays with 0.1.</li>
 * </ol>
 */
public final class WholeWordMasker {

    /** At most this many tokens are chosen per row (HuggingFace's {@code max_predictions}). */
    public static final int MAX_PREDICTIONS = 512;

    private final SpecialTokens specials;
    private final int vocabSize;
    private final double probability;
    /** Per vocabulary id: whether the token continues the previous word. */
    private final boolean[] continuesWord;

    /** A masker for ids of {@code tokenizer}, choosing about {@code probability} of the tokens (0.15). */
    public WholeWordMasker(Tokenizer tokenizer, double probability) {
        if (!(probability > 0 && probability < 1)) {
            throw new IllegalArgumentException("mlm probability must be in (0, 1), got " + probability);
        }
        this.specials = tokenizer.specials();
        this.vocabSize = tokenizer.vocabSize();
        this.probability = probability;
        this.continuesWord = new boolean[vocabSize];
        for (int id = 0; id < vocabSize; id++) {
            String token = safeToken(tokenizer, id);
            continuesWord[id] = tokenizer.isWordPiece() ? token != null && token.startsWith("##")
                    : token != null && !token.isEmpty() && token.charAt(0) != 'Ġ' && !BertCharacters.isPunctuation(token.codePointAt(0));
        }
    }

    private static String safeToken(Tokenizer tokenizer, int id) {
        try {
            return tokenizer.token(id);
        } catch (IllegalArgumentException gapInVocabulary) {
            return null;
        }
    }

    /** Whether token {@code id} continues the word of the token before it. */
    public boolean continuesWord(int id) {
        return continuesWord[id];
    }

    /** Masks every row of {@code batch}, drawing from {@code rng}. */
    public MlmBatch mask(Batch batch, SplittableRandom rng) {
        int length = batch.length();
        int[] ids = batch.inputIds();
        int[] mlmIds = ids.clone();
        int[] labels = new int[ids.length];
        java.util.Arrays.fill(labels, MlmBatch.IGNORE);
        for (int b = 0; b < batch.batchSize(); b++) {
            int start = b * length;
            int rowLength = batch.rowLength(b);
            for (int t : chooseTokens(ids, start, rowLength, rng)) {
                int id = ids[start + t];
                if (specials.contains(id)) {
                    continue;
                }
                labels[start + t] = id;
                if (rng.nextDouble() < 0.8) {
                    mlmIds[start + t] = specials.mask();
                } else if (rng.nextBoolean()) {
                    mlmIds[start + t] = rng.nextInt(vocabSize);
                }
            }
        }
        return new MlmBatch(batch, mlmIds, labels);
    }

    /** Positions (in the row) of the tokens of the chosen words, in choice order. */
    private int[] chooseTokens(int[] ids, int start, int rowLength, SplittableRandom rng) {
        List<IntArrayList> words = new ArrayList<>();
        for (int t = 0; t < rowLength; t++) {
            int id = ids[start + t];
            if (id == specials.bos() || id == specials.eos()) {
                continue;
            }
            if (continuesWord[id] && !words.isEmpty()) {
                words.get(words.size() - 1).add(t);
            } else {
                IntArrayList word = new IntArrayList();
                word.add(t);
                words.add(word);
            }
        }
        for (int i = words.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            IntArrayList tmp = words.get(i);
            words.set(i, words.get(j));
            words.set(j, tmp);
        }
        int budget = Math.min(MAX_PREDICTIONS, Math.max(1, (int) Math.rint(rowLength * probability)));
        IntArrayList chosen = new IntArrayList(budget);
        for (IntArrayList word : words) {
            if (chosen.size() >= budget) {
                break;
            }
            if (chosen.size() + word.size() <= budget) {
                chosen.addAll(word);
            }
        }
        return chosen.toIntArray();
    }
}
