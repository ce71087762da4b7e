package org.recformer.train;

import org.recformer.data.Dataset;
import org.recformer.data.batch.EvalExample;
import org.recformer.data.batch.LabeledBatch;
import org.recformer.data.batch.SequenceBatcher;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.nn.Parameter;
import org.recformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Two-stage finetuning (docs/spec.md §5) of a {@link RecformerForSeqRec} on the first {@code users}
 * users of a dataset, with checkpoints in the run folder: {@code last/} after every epoch (with
 * trainer state and optimizer moments, for {@code --resume}) and {@code best/} at every new best
 * validation NDCG@10 (with its item table E).
 *
 * <p>Stage 1: at the start of each epoch E is re-encoded from the current encoder, then one epoch
 * is trained; evaluation every {@code evalEvery} epochs; stop after {@code stage1Patience}
 * evaluations without improvement. Stage 2: reload {@code best/} (E included), keep E fixed, go on
 * with the same optimizer and schedule, patience {@code stage2Patience}. An epoch trains one
 * example per user ({@link FinetuneSettings.Targets}) or every (history, next item) pair of the
 * training sequences. Each epoch draws its example order, training targets, negative samples and
 * dropout masks from streams that depend only on (seed, epoch), so a run resumed from
 * {@code last/} ends exactly as the uninterrupted run.
 */
public final class Finetuner {
    public static final String LAST = "last";
    public static final String BEST = "best";
    private static final int SAMPLING_STREAM = 0;
    private static final int DROPOUT_STREAM = 1;

    private final RecformerForSeqRec model;
    private final RecformerConfig config;
    private final Tokenizer tokenizer;
    private final Dataset data;
    private final int users;
    private final SequenceBatcher batcher;
    private final FinetuneSettings settings;
    private final Path runDir;
    private final RunLog log;
    private final boolean showProgress;
    private final Checkpoint.Extra extraFiles;
    private final Map<String, Parameter> trainable = new LinkedHashMap<>();
    private final List<EvalExample> validation;
    private final double popularityNdcg10;
    /** With {@link FinetuneSettings.Targets#EVERY}: example e is user exampleUsers[e]'s target position exampleTargets[e]; else null. */
    private final int[] exampleUsers, exampleTargets;

    public Finetuner(RecformerForSeqRec model, Tokenizer tokenizer, Dataset data, int users, SequenceBatcher batcher,
                     FinetuneSettings settings, Path runDir, RunLog log, boolean showProgress, Checkpoint.Extra extraFiles) {
        this.model = model;
        this.config = model.config();
        this.tokenizer = tokenizer;
        this.data = data;
        this.users = users;
        this.batcher = batcher;
        this.settings = settings;
        this.runDir = runDir;
        this.log = log;
        this.showProgress = showProgress;
        this.extraFiles = extraFiles;
        if (settings.freezeWordEmbeddings()) model.longformer().embeddings().wordEmbeddings().weight().setFrozen(true);
        model.setTrainedItems(seenItems(data, users));
        model.namedParameters().forEach((name, p) -> {
            if (!p.isFrozen()) trainable.put(name, p);
        });
        this.validation = Evaluation.examples(data, users, Evaluation.Split.VALIDATION);
        if (validation.isEmpty()) throw new IllegalArgumentException(data.directory() + ": none of the first " + users + " users has a validation item");
        this.popularityNdcg10 = Evaluation.popularity(data.trainItemCounts(), validation).get("NDCG@10");
        if (settings.targets() == FinetuneSettings.Targets.EVERY) {
            int count = 0;
            for (int u = 0; u < users; u++) count += Math.max(0, data.train(u).length - 1);
            if (count == 0) throw new IllegalArgumentException(data.directory() + ": no training sequence of the first " + users
                    + " users has two items, so training on every target has no example (each needs a non-empty history)");
            exampleUsers = new int[count];
            exampleTargets = new int[count];
            int e = 0;
            for (int u = 0; u < users; u++) {
                for (int t = 1; t < data.train(u).length; t++, e++) {
                    exampleUsers[e] = u;
                    exampleTargets[e] = t;
                }
            }
        } else {
            exampleUsers = null;
            exampleTargets = null;
        }
    }

    /** Training examples per epoch: one per user, or with {@code EVERY} targets one per target position. */
    public int examplesPerEpoch() {
        return exampleUsers == null ? users : exampleUsers.length;
    }

    /** Which items occur in the training sequences of the first {@code users} users (the others are cold). */
    static boolean[] seenItems(Dataset data, int users) {
        boolean[] seen = new boolean[data.itemCount()];
        for (int u = 0; u < users; u++) {
            for (int item : data.train(u)) seen[item] = true;
        }
        return seen;
    }

    /** Optimizer steps per epoch: one per {@code accumulation} batches, the last group possibly smaller. */
    public int stepsPerEpoch() {
        int batches = (examplesPerEpoch() + settings.batchSize() - 1) / settings.batchSize();
        return (batches + settings.accumulation() - 1) / settings.accumulation();
    }

    /**
     * Trains until both stages end (or {@code stopAfterEpochs} epochs in total have run, as if the
     * process were killed there), starting fresh or from the state of {@code last/}. On a normal
     * end the model holds the weights of {@code best/}.
     */
    public Outcome run(boolean resume, int stopAfterEpochs) throws IOException {
        LinearSchedule schedule = new LinearSchedule(settings.learningRate(), settings.warmupSteps(),
                (settings.stage1Epochs() + settings.stage2Epochs()) * stepsPerEpoch());
        OptimizerStep optimizer = new OptimizerStep(model, trainable, settings.weightDecay(), schedule, settings.maxGradNorm());
        TrainingStep step = new TrainingStep(optimizer);
        TrainerState state;
        Path last = runDir.resolve(LAST);
        if (resume) {
            if (!Checkpoint.recover(last)) throw new IllegalArgumentException(last + ": no checkpoint to resume from");
            state = TrainerState.read(last.resolve(TrainerState.FILE_NAME));
            Checkpoint.loadWeights(last, model, true);
            Checkpoint.loadOptimizer(last, optimizer.optimizer());
            Checkpoint.recover(runDir.resolve(BEST));
            log.printf("resuming from %s: %d epochs and %d steps done, stage %d, best validation NDCG@10 %s",
                    last, state.epoch, state.step, state.stage, state.bestEpoch == 0 ? "none yet" : format(state.bestMetric));
        } else {
            state = TrainerState.start(settings.seed(), 1);
        }
        int stageStart = state.stage == 1 ? 0 : state.stage2StartEpoch;
        while (state.epoch < stopAfterEpochs) {
            if (state.stage == 1 && stageOver(state, settings.stage1Epochs(), settings.stage1Patience(), 0)) {
                if (settings.stage2Epochs() == 0) break;
                enterStage2(state);
                stageStart = state.epoch;
            }
            if (state.stage == 2 && stageOver(state, settings.stage2Epochs(), settings.stage2Patience(), stageStart)) break;
            runEpoch(state, step, optimizer, schedule, stageStart);
        }
        if (state.epoch >= stopAfterEpochs && !finished(state, stageStart)) return new Outcome(state, false);
        Path best = runDir.resolve(BEST);
        if (Checkpoint.recover(best)) Checkpoint.loadWeights(best, model, true);
        return new Outcome(state, true);
    }

    /** The final trainer state, and whether training ended (false: stopped early by {@code stopAfterEpochs}). */
    public record Outcome(TrainerState state, boolean completed) {
    }

    private boolean finished(TrainerState state, int stageStart) {
        if (state.stage == 1) return stageOver(state, settings.stage1Epochs(), settings.stage1Patience(), 0) && settings.stage2Epochs() == 0;
        return stageOver(state, settings.stage2Epochs(), settings.stage2Patience(), stageStart);
    }

    private static boolean stageOver(TrainerState state, int epochs, int patience, int stageStart) {
        return state.epoch - stageStart >= epochs || state.evaluationsWithoutImprovement >= patience;
    }

    private void enterStage2(TrainerState state) throws IOException {
        Path best = runDir.resolve(BEST);
        if (Checkpoint.recover(best)) {
            Checkpoint.loadWeights(best, model, true);
            log.printf("stage 2: reloaded %s (validation NDCG@10 %s, epoch %d) with its item table, which stays fixed",
                    best, format(state.bestMetric), state.bestEpoch);
        }
        state.stage = 2;
        state.stage2StartEpoch = state.epoch;
        state.evaluationsWithoutImprovement = 0;
    }

    private void runEpoch(TrainerState state, TrainingStep step, OptimizerStep optimizer, LinearSchedule schedule, int stageStart) throws IOException {
        long started = System.nanoTime();
        if (state.stage == 1) {
            model.setItemEmbeddings(ItemTable.encode(model, batcher, data.itemCount(), settings.evalBatchSize(), showProgress));
        }
        long encoded = System.nanoTime();
        double loss = trainEpoch(state, step, schedule);
        long trained = System.nanoTime();
        state.epoch++;
        state.trainLoss.add(loss);
        int inStage = state.epoch - stageStart;
        int stageEpochs = state.stage == 1 ? settings.stage1Epochs() : settings.stage2Epochs();
        String evaluation = "";
        if (inStage % settings.evalEvery() == 0 || inStage == stageEpochs) {
            double ndcg = Evaluation.model(model, batcher, validation, settings.evalBatchSize(), showProgress).get("NDCG@10");
            boolean improved = state.recordEvaluation(ndcg);
            evaluation = String.format(" | validation NDCG@10 %.4f%s", ndcg, improved ? " (best)" : "");
            if (improved) Checkpoint.save(runDir.resolve(BEST), config, model, tokenizer, state, null, extraFiles);
        }
        Checkpoint.save(runDir.resolve(LAST), config, model, tokenizer, state, optimizer.optimizer(), extraFiles);
        TrainingPlots.write(runDir, state, popularityNdcg10);
        log.printf("epoch %d (stage %d) | loss %.4f | lr %.2e | %.1f s (items %.1f s, training %.1f s = %.1f seq/s, rest %.1f s)%s",
                state.epoch, state.stage, loss, schedule.at(state.step), (System.nanoTime() - started) / 1e9, (encoded - started) / 1e9,
                (trained - encoded) / 1e9, examplesPerEpoch() / ((trained - encoded) / 1e9), (System.nanoTime() - trained) / 1e9, evaluation);
    }

    /** One pass over the epoch's examples in an order drawn for this epoch; returns the mean loss. */
    private double trainEpoch(TrainerState state, TrainingStep step, LinearSchedule schedule) {
        int epoch = state.epoch;
        SplittableRandom random = state.epochRandom(epoch, SAMPLING_STREAM);
        model.longformer().setDropoutSeed(state.epochRandom(epoch, DROPOUT_STREAM).nextLong());
        model.train(true);
        model.zeroGrad();
        int examples = examplesPerEpoch();
        int[] order = SequenceBatcher.epochOrder(examples, random);
        int batchSize = settings.batchSize();
        int batches = (examples + batchSize - 1) / batchSize;
        int accumulation = settings.accumulation();
        double lossSum = 0;
        try (Progress progress = Progress.start("epoch " + (epoch + 1), examples, "seq", showProgress)) {
            for (int first = 0; first < batches; first += accumulation) {
                int firstBatch = first;
                TrainingStep.Result result = step.run(Math.min(accumulation, batches - first), i -> {
                    int from = (firstBatch + i) * batchSize, to = Math.min(examples, from + batchSize);
                    List<int[]> sequences = new ArrayList<>(to - from);
                    int[] targets = new int[to - from];
                    for (int e = from; e < to; e++) {
                        int example = order[e];
                        sequences.add(data.train(exampleUsers == null ? example : exampleUsers[example]));
                        if (exampleTargets != null) targets[e - from] = exampleTargets[example];
                    }
                    LabeledBatch batch = exampleTargets == null ? batcher.finetune(sequences, random) : batcher.finetune(sequences, targets);
                    return model.loss(model.encode(batch.inputs().toModelInput(), batch.inputs().itemIds()), batch.labels(), random);
                }, (quantity, value, s, i) -> diverged((quantity == TrainingStep.Quantity.TRAINING_LOSS ? "loss " : "gradient norm ") + value,
                        state, firstBatch + i));
                for (float loss : result.losses()) lossSum += loss;
                state.step = result.update().step();
                int sequences = Math.min(examples, (firstBatch + result.losses().length) * batchSize) - firstBatch * batchSize;
                progress.step(sequences, String.format("loss %.4f lr %.2e", result.meanLoss(), schedule.at(state.step)));
            }
        }
        return lossSum / batches;
    }

    private TrainingDivergedException diverged(String what, TrainerState state, int batch) {
        return new TrainingDivergedException("non-finite " + what + " at step " + (state.step + 1) + " (epoch " + (state.epoch + 1)
                + ", batch " + (batch + 1) + "): training stopped; the last good checkpoint is " + runDir.resolve(LAST)
                + (Files.isDirectory(runDir.resolve(LAST)) ? "" : " (none written yet)") + "; try a lower learning rate");
    }

    private static String format(double metric) {
        return String.format("%.4f", metric);
    }
}
