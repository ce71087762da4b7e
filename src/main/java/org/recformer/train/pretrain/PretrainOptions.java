package org.recformer.train.pretrain;

import org.recformer.model.ModelSize;
import org.recformer.train.SettingsException;

import java.nio.file.Path;
import java.util.Locale;

import static org.recformer.train.SettingsException.require;

/**
 * Settings of a pretraining run.
 *
 * @param data            corpus folder ({@link org.recformer.data.PretrainCorpus})
 * @param output          run folder: checkpoints, log, plots
 * @param model           checkpoint folder to start from (Longformer or Recformer), or null for random weights
 * @param size            encoder size of a random-weight model
 * @param tokenizer       tokenizer folder (vocab.json + merges.txt), or null: the start checkpoint's, else the bundled one
 * @param maxTokens       max_token_num of a random-weight model
 * @param pooler          pooled output of a random-weight model: avg (mean of the tokens) or cls (the first token)
 * @param batchSize       sequences per micro-batch (also the in-batch negatives of the contrastive loss)
 * @param accumulation    micro-batches per optimizer step
 * @param epochs          passes over the training sequences
 * @param maxSteps        stop after this many optimizer steps (0: no limit); the schedule ends there too
 * @param learningRate    peak learning rate
 * @param warmupSteps     linear warmup steps
 * @param weightDecay     AdamW weight decay
 * @param maxGradNorm     gradient clipping norm
 * @param freezeWordEmbeddings keep the word embedding table fixed (the recipe of docs/spec.md §5)
 * @param evalSteps       validate (and checkpoint) every this many optimizer steps, and at the end
 * @param evalSequences   validation sequences used (the first ones), 0: all
 * @param saveTopK        best checkpoints kept, by validation contrastive accuracy
 * @param logSteps        training loss logged every this many steps
 * @param mlmProbability  share of tokens masked for the MLM loss
 * @param seed            the run's one seed
 * @param resume          continue the run in {@code output} from its last checkpoint
 */
public record PretrainOptions(Path data, Path output, Path model, ModelSize size, Path tokenizer, int maxTokens, String pooler,
                              int batchSize, int accumulation, int epochs, int maxSteps, float learningRate, int warmupSteps,
                              float weightDecay, float maxGradNorm, boolean freezeWordEmbeddings, int evalSteps, int evalSequences,
                              int saveTopK, int logSteps, double mlmProbability, long seed, boolean resume) {

    /** Checks every value; a bad one throws a {@link SettingsException} naming its field. */
    public PretrainOptions {
        atLeast("batchSize", batchSize, 1);
        atLeast("accumulation", accumulation, 1);
        atLeast("epochs", epochs, 1);
        atLeast("maxSteps", maxSteps, 0);
        atLeast("warmupSteps", warmupSteps, 0);
        atLeast("evalSteps", evalSteps, 1);
        atLeast("evalSequences", evalSequences, 0);
        atLeast("saveTopK", saveTopK, 1);
        atLeast("logSteps", logSteps, 1);
        atLeast("maxTokens", maxTokens, 2);
        require(pooler.equals("avg") || pooler.equals("cls"), "pooler", "must be avg or cls, got '" + pooler + "'");
        require(learningRate > 0 && Float.isFinite(learningRate), "learningRate", "must be > 0, got " + learningRate);
        require(weightDecay >= 0, "weightDecay", "must be >= 0, got " + weightDecay);
        require(maxGradNorm > 0, "maxGradNorm", "must be > 0, got " + maxGradNorm);
        require(mlmProbability > 0 && mlmProbability < 1, "mlmProbability", "must be in (0, 1), got " + mlmProbability);
    }

    private static void atLeast(String field, int value, int min) {
        require(value >= min, field, "must be at least " + min + ", got " + value);
    }

    /** The options that decide the sequence of updates; a resumed run must match them. */
    String resumeKey() {
        return String.format(Locale.ROOT, "data=%s batch=%d accumulation=%d epochs=%d max-steps=%d lr=%s warmup=%d "
                        + "weight-decay=%s max-grad-norm=%s freeze-word-embeddings=%s mlm-probability=%s seed=%d",
                data.toAbsolutePath().normalize(), batchSize, accumulation, epochs, maxSteps, learningRate, warmupSteps,
                weightDecay, maxGradNorm, freezeWordEmbeddings, mlmProbability, seed);
    }
}
