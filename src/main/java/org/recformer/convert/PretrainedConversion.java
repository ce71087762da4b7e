package org.recformer.convert;

import org.recformer.backend.Backends;
import org.recformer.io.CheckpointMismatchException;
import org.recformer.io.HostTensor;
import org.recformer.io.LoadReport;
import org.recformer.io.StateDict;
import org.recformer.io.StateDictLoader;
import org.recformer.io.StateDicts;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pretraining checkpoint into a {@code RecformerModel} or {@code RecformerForSeqRec} checkpoint, as
 * the public {@code convert_pretrain_ckpt.py} does: the encoder tensors ({@code longformer.*}) are
 * kept, everything else (the LM head, an item table) is dropped, and the word embeddings may be
 * replaced by those of another checkpoint (the Longformer one, when pretraining froze them). The
 * input may use any layout the loader knows: a {@code RecformerForPretraining} or
 * {@code RecformerForSeqRec} folder, a Lightning checkpoint ({@code _forward_module.model.} or
 * {@code model.} prefixes), or a {@code RecformerModel} one (no prefix, as the published
 * {@code recformer_ckpt.bin}). The encoder must be complete and fit the configuration: a missing
 * encoder tensor or a shape mismatch is an error; encoder-side extras (a pooler) are dropped.
 */
public final class PretrainedConversion {
    /** What to produce. */
    public enum Target {
        /** {@code RecformerModel}: encoder names without prefix. */
        MODEL("RecformerModel", ""),
        /** {@code RecformerForSeqRec}: encoder names under {@code longformer.}; the item table is built at finetuning. */
        SEQREC("RecformerForSeqRec", StateDictLoader.BASE_MODEL_PREFIX);

        final String architecture;
        final String prefix;

        Target(String architecture, String prefix) {
            this.architecture = architecture;
            this.prefix = prefix;
        }
    }

    static final String WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";
    private static final List<String> LIGHTNING_PREFIXES = List.of("_forward_module.model.", "model.");

    private PretrainedConversion() {
    }

    /**
     * @param pretrained     the pretraining checkpoint
     * @param wordEmbeddings a checkpoint whose word embeddings replace the pretrained ones, or null
     * @param config         the model configuration
     */
    public static Converted convert(StateDict pretrained, StateDict wordEmbeddings, RecformerConfig config, Target target)
            throws CheckpointMismatchException {
        List<String> dropped = new ArrayList<>();
        StateDict encoder = encoderTensors(pretrained, dropped);
        List<String> derived = new ArrayList<>();
        if (wordEmbeddings != null) {
            HostTensor words = encoderTensors(wordEmbeddings, new ArrayList<>()).get(WORD_EMBEDDINGS);
            if (words == null) {
                throw new CheckpointMismatchException(wordEmbeddings.source() + ": has no word embeddings (looked for '" + WORD_EMBEDDINGS
                        + "' under the prefixes 'longformer.', '_forward_module.model.', 'model.' or none)");
            }
            StateDict replaced = new StateDict(encoder.source());
            replaced.put(WORD_EMBEDDINGS, words);
            for (Map.Entry<String, HostTensor> e : encoder.tensors().entrySet()) {
                if (!e.getKey().equals(WORD_EMBEDDINGS)) replaced.put(e.getKey(), e.getValue());
            }
            encoder = replaced;
            derived.add(target.prefix + WORD_EMBEDDINGS + " <- " + wordEmbeddings.source());
        }

        RecformerModel model = new RecformerModel(config, Backends.cpu(), 0L);
        LoadReport report = StateDictLoader.load(model, encoder, false);
        if (!report.missing().isEmpty()) {
            throw new CheckpointMismatchException(pretrained.source() + ": the encoder is incomplete: missing " + report.missing().size()
                    + " tensor(s) " + LongformerConversion.abbreviate(report.missing()) + " (found " + encoder.size()
                    + " encoder tensors; is this a Recformer checkpoint?)");
        }
        StateDict out = new StateDict(pretrained.source());
        out.put(target.prefix + "embeddings.position_ids", Tensors.positionIds(config.maxPositionEmbeddings()));
        List<String> copied = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : StateDicts.fromModel(model).tensors().entrySet()) {
            out.put(target.prefix + e.getKey(), e.getValue());
            if (wordEmbeddings == null || !e.getKey().equals(WORD_EMBEDDINGS)) copied.add(target.prefix + e.getKey());
        }
        dropped.addAll(report.unexpected());
        RecformerConfig outConfig = config.with("architectures", List.of(target.architecture));
        return new Converted(outConfig, out, new ConversionReport(copied, derived, List.of(), dropped));
    }

    /**
     * The encoder tensors under {@code RecformerModel} names: a Lightning prefix stripped, then
     * {@code longformer.}; a checkpoint without {@code longformer.} names is taken as a
     * {@code RecformerModel} one. Other tensors go to {@code dropped}; {@code position_ids} buffers are skipped.
     */
    static StateDict encoderTensors(StateDict checkpoint, List<String> dropped) {
        boolean hasBasePrefix = checkpoint.names().stream().map(PretrainedConversion::stripLightning)
                .anyMatch(n -> n.startsWith(StateDictLoader.BASE_MODEL_PREFIX));
        StateDict out = new StateDict(checkpoint.source());
        for (Map.Entry<String, HostTensor> e : checkpoint.tensors().entrySet()) {
            String name = stripLightning(e.getKey());
            if (hasBasePrefix) {
                name = name.startsWith(StateDictLoader.BASE_MODEL_PREFIX) ? name.substring(StateDictLoader.BASE_MODEL_PREFIX.length()) : null;
            } else if (!name.startsWith("embeddings.") && !name.startsWith("encoder.")) {
                name = null;
            }
            if (name != null && name.endsWith("position_ids")) continue;
            if (name == null || out.contains(name)) dropped.add(e.getKey());
            else out.put(name, e.getValue());
        }
        return out;
    }

    private static String stripLightning(String key) {
        for (String p : LIGHTNING_PREFIXES) if (key.startsWith(p)) return key.substring(p.length());
        return key;
    }
}
