package org.recformer.train.pretrain;

import org.recformer.io.FileTrees;
import org.recformer.autograd.GradMode;
import org.recformer.data.PretrainCorpus;
import org.recformer.data.batch.Batch;
import org.recformer.data.batch.PretrainBatch;
import org.recformer.data.batch.SequenceBatcher;
import org.recformer.data.batch.WholeWordMasker;
import org.recformer.data.encode.EncodingSettings;
import org.recformer.data.encode.ItemEncoder;
import org.recformer.data.encode.ItemTokenCache;
import org.recformer.data.encode.ItemTokens;
import org.recformer.data.encode.SequenceEncoder;
import org.recformer.model.ModelInput;
import org.recformer.model.PretrainInput;
import org.recformer.model.PretrainOutput;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerForPretraining;
import org.recformer.tokenizer.Tokenizer;
import org.recformer.train.Checkpoint;
import org.recformer.train.LinearSchedule;
import org.recformer.train.ModelFactory;
import org.recformer.train.OptimizerStep;
import org.recformer.train.Plots;
import org.recformer.train.Progress;
import org.recformer.train.RunLog;
import org.recformer.train.SettingsException;
import org.recformer.train.TrainerState;
import org.recformer.train.TrainingDivergedException;
import org.recformer.train.TrainingStep;
import org.recformer.train.Encodings;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Recformer pretraining (docs/spec.md §4-5): MLM + item-item contrastive loss on a
 * {@link PretrainCorpus}, AdamW with linear warmup and decay, gradient accumulation, clipping at
 * norm {@code maxGradNorm} (one {@link TrainingStep} per update). Every {@code evalSteps} optimizer steps (and at the end) it measures the validation loss
 * and contrastive accuracy, keeps the checkpoint when it is among the best k
 * ({@code checkpoint-step-NNNNNN/}; the best so far also as {@code best/}), and rewrites {@code last/} (with the optimizer moments) for
 * {@code --resume}. The run folder also gets {@code pretrain.log}, {@code loss.png} and
 * {@code validation.png}.
 *
 * <p>Reproducibility: epoch e's order and batch b's targets, masks and dropout come from random
 * streams that depend only on (seed, e, b), so a run resumed from {@code last/} makes exactly the
 * updates of an uninterrupted one.
 */
public final class Pretrainer {
    public static final String LAST = "last";
    /** The best checkpoint so far, also under its step's name while that is kept: a fixed path for {@code train --model}. */
    public static final String BEST = "best";
    public static final String LOG_FILE = "pretrain.log";
    private static final String CHECKPOINT_PREFIX = "checkpoint-step-";
    /** Seed mix of the fixed validation stream (same targets and masks at every validation). */
    private static final long VALIDATION_STREAM = 0x6A09E667F3BCC909L;

    /** The outcome: optimizer steps done, the best kept checkpoint (null when none), the output folder. */
    public record Result(Path output, int steps, PretrainProgress.Kept best) {
    }

    private final PretrainOptions o;
    private final ModelFactory models;
    private final RunLog log;
    private final boolean showProgress;

    private Pretrainer(PretrainOptions o, ModelFactory models, PrintWriter out, boolean showProgress) {
        this.o = o;
        this.models = models;
        this.log = new RunLog(out);
        this.showProgress = showProgress;
    }

    /**
     * Runs (or resumes) a pretraining job with a model built by {@code models} (on its backend);
     * messages go to {@code out} and {@code pretrain.log}, a progress bar (see {@link Progress}) to the
     * console when {@code showProgress}.
     */
    public static Result run(PretrainOptions options, ModelFactory models, PrintWriter out, boolean showProgress) throws IOException {
        return new Pretrainer(options, models, out, showProgress).run(0);
    }

    /** As {@link #run}, but stops right after the checkpoint of step {@code stopAfter} as if killed (tests). */
    static Result runUntil(PretrainOptions options, ModelFactory models, PrintWriter out, boolean showProgress, int stopAfter)
            throws IOException {
        return new Pretrainer(options, models, out, showProgress).run(stopAfter);
    }

    private Result run(int stopAfter) throws IOException {
        Path last = o.output().resolve(LAST);
        if (o.resume()) {
            if (!Checkpoint.recover(last)) throw new IllegalArgumentException(last + ": no checkpoint to resume from");
        } else if (Files.exists(last)) {
            throw new SettingsException("resume", o.output() + " already holds a pretraining run (" + LAST
                    + "/); resume it or choose another output folder");
        }
        PretrainCorpus corpus = PretrainCorpus.load(o.data());
        PretrainStart start = PretrainStart.create(o, models, last);
        RecformerConfig config = start.config();
        RecformerForPretraining model = start.model();
        if (o.freezeWordEmbeddings()) model.longformer().embeddings().wordEmbeddings().weight().setFrozen(true);

        Tokenizer tokenizer = start.tokenizer();
        EncodingSettings settings = Encodings.settings(config, tokenizer, start.configSource());
        ItemTokens items = ItemTokenCache.load(o.data(), corpus.items(), new ItemEncoder(tokenizer, settings));
        SequenceBatcher batcher = new SequenceBatcher(items, new SequenceEncoder(settings));
        WholeWordMasker masker = new WholeWordMasker(tokenizer, o.mlmProbability());

        int sequences = corpus.train().size();
        int batchesPerEpoch = ceilDiv(sequences, o.batchSize());
        int stepsPerEpoch = ceilDiv(batchesPerEpoch, o.accumulation());
        int totalSteps = o.epochs() * stepsPerEpoch;
        if (o.maxSteps() > 0) totalSteps = Math.min(totalSteps, o.maxSteps());
        OptimizerStep optimizer = new OptimizerStep(model, o.weightDecay(), new LinearSchedule(o.learningRate(), o.warmupSteps(), totalSteps),
                o.maxGradNorm());
        TrainingStep trainingStep = new TrainingStep(optimizer);

        TrainerState state;
        PretrainProgress progress;
        if (o.resume()) {
            progress = PretrainProgress.read(last);
            if (!o.resumeKey().equals(progress.settings)) {
                throw new IllegalArgumentException(last.resolve(PretrainProgress.FILE_NAME) + ": the run used \"" + progress.settings
                        + "\"; resuming needs the same settings, got \"" + o.resumeKey() + "\"");
            }
            state = TrainerState.read(last.resolve(TrainerState.FILE_NAME));
            Checkpoint.loadOptimizer(last, optimizer.optimizer());
        } else {
            Files.createDirectories(o.output());
            progress = PretrainProgress.start(o.resumeKey());
            state = TrainerState.start(o.seed(), 0);
        }
        List<int[]> validation = corpus.validation();
        if (o.evalSequences() > 0 && validation.size() > o.evalSequences()) validation = validation.subList(0, o.evalSequences());

        try (log) {
            log.openFile(o.output().resolve(LOG_FILE));
            log.println(start.loadReport());
            log.println(String.format(Locale.ROOT, "corpus %s: %d items, %d training sequences, %d validation sequences (%d used)",
                    o.data(), corpus.items().size(), sequences, corpus.validation().size(), validation.size()));
            log.println(String.format(Locale.ROOT, "model: hidden %d, %d layers, %d heads, FFN %d, vocab %d; %d optimizer steps "
                            + "(%d per epoch, batch %d x accumulation %d), starting after step %d",
                    config.hiddenSize(), config.numHiddenLayers(), config.numAttentionHeads(), config.intermediateSize(),
                    config.vocabSize(), totalSteps, stepsPerEpoch, o.batchSize(), o.accumulation(), state.step));

            model.train(true);
            int[] order = null;
            int orderEpoch = -1;
            double lossSum = 0;
            int lossCount = 0;
            List<TrainingStep.Result> unread = new ArrayList<>(); // steps since the last read of losses
            String shown = "";
            try (Progress bar = Progress.start("pretrain", totalSteps, state.step, "steps", showProgress)) {
                for (int step = state.step + 1; step <= totalSteps; step++) {
                    int epoch = (step - 1) / stepsPerEpoch;
                    if (epoch != orderEpoch) {
                        order = SequenceBatcher.epochOrder(sequences, state.epochRandom(epoch, 0));
                        orderEpoch = epoch;
                    }
                    int firstBatch = (step - 1) % stepsPerEpoch * o.accumulation();
                    int[] epochOrder = order;
                    TrainingStep.Result result = trainingStep.run(Math.min(o.accumulation(), batchesPerEpoch - firstBatch), i -> {
                        int b = firstBatch + i;
                        List<int[]> rows = new ArrayList<>(o.batchSize());
                        for (int r = b * o.batchSize(); r < Math.min((b + 1) * o.batchSize(), sequences); r++) rows.add(corpus.train().get(epochOrder[r]));
                        model.longformer().setDropoutSeed(state.epochRandom(epoch, -1 - b).nextLong());
                        return model.forward(input(batcher.pretrain(rows, masker, state.epochRandom(epoch, 1 + b)))).loss();
                    }, (quantity, value, s, i) -> diverged(s, quantity.text, value));
                    OptimizerStep.Update update = result.update();
                    state.step = step;
                    state.epoch = step / stepsPerEpoch;
                    unread.add(result);
                    boolean logged = step % o.logSteps() == 0 || step == totalSteps;
                    boolean evaluated = step % o.evalSteps() == 0 || step == totalSteps;
                    if (logged || evaluated) { // the steps' losses are read here only (a divergence throws before any checkpoint)
                        for (TrainingStep.Result r : unread) lossSum += r.meanLoss();
                        lossCount += unread.size();
                        unread.clear();
                        shown = String.format(Locale.ROOT, "loss %.4f lr %.2e", result.meanLoss(), update.learningRate());
                    }
                    bar.stepTo(step, shown);
                    if (logged) {
                        progress.trainLoss.add(new PretrainProgress.Point(step, lossSum / lossCount));
                        log.fileOnly(String.format(Locale.ROOT, "step %d epoch %d: loss %.6f lr %.3e grad-norm %.4f",
                                step, epoch + 1, lossSum / lossCount, update.learningRate(), result.gradNorm()));
                        lossSum = 0;
                        lossCount = 0;
                    }
                    if (evaluated) {
                        validateAndSave(step, model, batcher, masker, validation, config, tokenizer, state, progress, optimizer);
                        if (step == stopAfter) return new Result(o.output(), step, best(progress));
                    }
                }
            }
            PretrainProgress.Kept best = best(progress);
            log.println(best == null ? "no validation done" : String.format(Locale.ROOT, "best checkpoint: %s (step %d, validation accuracy %.4f)",
                    o.output().resolve(best.folder()), best.step(), best.accuracy()));
            return new Result(o.output(), state.step, best);
        }
    }

    private void validateAndSave(int step, RecformerForPretraining model, SequenceBatcher batcher, WholeWordMasker masker,
                                 List<int[]> validation, RecformerConfig config, Tokenizer tokenizer, TrainerState state,
                                 PretrainProgress progress, OptimizerStep optimizer) throws IOException {
        double lossSum = 0;
        int correct = 0;
        int total = 0;
        model.eval();
        SplittableRandom rng = new SplittableRandom(state.seed ^ VALIDATION_STREAM);
        try (GradMode.Scope noGrad = GradMode.noGrad()) {
            for (int from = 0; from < validation.size(); from += o.batchSize()) {
                List<int[]> rows = validation.subList(from, Math.min(from + o.batchSize(), validation.size()));
                PretrainOutput result = model.forward(input(batcher.pretrain(rows, masker, rng)));
                lossSum += (double) result.loss().item() * rows.size();
                correct += result.correct();
                total += result.total();
            }
        } finally {
            model.train(true);
        }
        double loss = lossSum / validation.size();
        double accuracy = (double) correct / total;
        if (!Double.isFinite(loss)) throw diverged(step, "the validation loss", loss);
        progress.validation.add(new PretrainProgress.Validation(step, loss, accuracy));
        state.recordEvaluation(accuracy);
        log.fileOnly(String.format(Locale.ROOT, "step %d validation: loss %.6f contrastive accuracy %.4f (%d of %d)", step, loss, accuracy, correct, total));

        String folder = String.format(Locale.ROOT, "%s%06d", CHECKPOINT_PREFIX, step);
        List<String> dropped = progress.offer(new PretrainProgress.Kept(folder, step, accuracy), o.saveTopK());
        if (!dropped.contains(folder)) Checkpoint.save(o.output().resolve(folder), config, model, tokenizer, state, null, progress::write);
        if (best(progress).folder().equals(folder)) Checkpoint.save(o.output().resolve(BEST), config, model, tokenizer, state, null, progress::write);
        Checkpoint.save(o.output().resolve(LAST), config, model, tokenizer, state, optimizer.optimizer(), progress::write);
        for (String name : dropped) FileTrees.deleteTree(o.output().resolve(name));
        writePlots(progress);
    }

    private void writePlots(PretrainProgress progress) throws IOException {
        List<Double> steps = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (PretrainProgress.Point p : progress.trainLoss) {
            steps.add((double) p.step());
            values.add(p.loss());
        }
        Plots.line(o.output().resolve("loss.png"), "Pretraining loss", "optimizer step", "training loss", steps, values);
        steps.clear();
        values.clear();
        for (PretrainProgress.Validation v : progress.validation) {
            steps.add((double) v.step());
            values.add(v.accuracy());
        }
        Plots.line(o.output().resolve("validation.png"), "Validation contrastive accuracy", "optimizer step", "accuracy", steps, values);
    }

    private static PretrainProgress.Kept best(PretrainProgress progress) {
        return progress.kept.isEmpty() ? null : progress.kept.get(0);
    }

    private static PretrainInput input(PretrainBatch batch) {
        return new PretrainInput(modelInput(batch.a().inputs()), modelInput(batch.b().inputs()),
                batch.a().mlmInputIds(), batch.a().mlmLabels(), batch.b().mlmInputIds(), batch.b().mlmLabels());
    }

    private static ModelInput modelInput(Batch b) {
        return new ModelInput(b.batchSize(), b.length(), b.inputIds(), b.attentionMask(), b.globalAttentionMask(),
                b.tokenTypeIds(), b.itemPositionIds());
    }

    private TrainingDivergedException diverged(int step, String what, double value) {
        return new TrainingDivergedException(what + " is " + value + " at optimizer step " + step + "; training stopped (the last "
                + "checkpoint written before it, if any, is " + o.output().resolve(LAST) + "); try a lower learning rate");
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
