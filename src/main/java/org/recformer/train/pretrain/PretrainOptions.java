package org.recformer.train.pretrain;

import org.recformer.model.ModelSize;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Settings of a pretraining run.
 *
 * @param data            corpus folder ({@link org.recformer.data.PretrainCorpus})
 * @param output          run folder: checkpoints, log, plots
 * @param model           checkpoint folder to start from (Longformer or Recformer), or null for random weights
 * @param size            encoder size of a random-weight model
 * @param tokenizer       tokenizer folder (vocab.json + merges.txt), or null: the start checkpoint's, else the bundled one
 * @param maxTokens       max_token_num of a random-weight model
 * @param batch           sequences per micro-batch (also the in-batch negatives of the contrastive loss)
 * @param accumulation    micro-batches per optimizer step
 * @param epochs          passes over the training sequences
 * @param maxSteps        stop after this many optimizer steps (0: no limit); the schedule ends there too
 * @param learningRate    peak learning rate
 * @param warmupSteps     linear warmup steps
 * @param weightDecay     AdamW weight decay
 * @param freezeWordEmbeddings keep the word embedding table fixed (the recipe of docs/spec.md §5)
 * @param evalSteps       validate (and checkpoint) every this many optimizer steps, and at the end
 * @param evalSequences   validation sequences used (the first ones), 0: all
 * @param saveTopK        best checkpoints kept, by validation contrastive accuracy
 * @param logSteps        training loss logged every this many steps
 * @param mlmProbability  share of tokens masked for the MLM loss
 * @param seed            the run's one seed
 * @param resume          continue the run in {@code output} from its last checkpoint
 */
public record PretrainOptions(Path data, Path output, Path model, ModelSize size, Path tokenizer, int maxTokens,
                              int batch, int accumulation, int epochs, int maxSteps, float learningRate, int warmupSteps,
                              float weightDecay, boolean freezeWordEmbeddings, int evalSteps, int evalSequences,
                              int saveTopK, int logSteps, double mlmProbability, long seed, boolean resume) {

    public PretrainOptions {
        atLeast("--batch", batch, 1);
        atLeast("--accumulation", accumulation, 1);
        atLeast("--epochs", epochs, 1);
        atLeast("--max-steps", maxSteps, 0);
        atLeast("--warmup-steps", warmupSteps, 0);
        atLeast("--eval-steps", evalSteps, 1);
        atLeast("--eval-sequences", evalSequences, 0);
        atLeast("--save-top-k", saveTopK, 1);
        atLeast("--log-steps", logSteps, 1);
        atLeast("--max-tokens", maxTokens, 2);
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) throw new IllegalArgumentException("--lr " + learningRate + ": must be > 0");
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("--weight-decay " + weightDecay + ": must be >= 0");
        if (!(mlmProbability > 0 && mlmProbability < 1)) {
            throw new IllegalArgumentException("--mlm-probability " + mlmProbability + ": must be in (0, 1)");
        }
    }

    private static void atLeast(String option, int value, int min) {
        if (value < min) throw new IllegalArgumentException(option + " " + value + ": must be at least " + min);
    }

    /** The options that decide the sequence of updates; a resumed run must match them. */
    String resumeKey() {
        return String.format(Locale.ROOT, "data=%s batch=%d accumulation=%d epochs=%d max-steps=%d lr=%s warmup=%d "
                        + "weight-decay=%s freeze-word-embeddings=%s mlm-probability=%s seed=%d",
                data.toAbsolutePath().normalize(), batch, accumulation, epochs, maxSteps, learningRate, warmupSteps,
                weightDecay, freezeWordEmbeddings, mlmProbability, seed);
    }
}
