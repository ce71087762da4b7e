package org.recformer.cli;

import org.recformer.data.batch.SequenceBatcher;
import org.recformer.data.encode.EncodedItem;
import org.recformer.data.encode.EncodingSettings;
import org.recformer.data.encode.ItemEncoder;
import org.recformer.data.encode.ItemTokenCache;
import org.recformer.data.encode.ItemTokens;
import org.recformer.data.encode.SequenceEncoder;
import org.recformer.io.HostTensor;
import org.recformer.io.SafeTensors;
import org.recformer.io.StateDict;
import org.recformer.io.StateDicts;
import org.recformer.model.RecformerForSeqRec;
import org.recformer.tensor.Tensor;
import org.recformer.tokenizer.Tokenizer;
import org.recformer.train.Checkpoint;
import org.recformer.train.Encodings;
import org.recformer.train.ItemTable;
import org.recformer.train.ModelFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A model folder ready to score a catalogue: the finetuning model with its item table E, either
 * the one saved with it (when it was finetuned on this catalogue) or the items encoded alone by
 * its encoder (zero-shot, another catalogue), cached as
 * {@code item-table-<key>.safetensors} in the model folder (else the user cache folder), keyed by the
 * weights, the tokenizer and the items' texts. A learned item-ID table is kept only for the catalogue
 * the model was finetuned on; on another catalogue every item is scored from its text alone.
 */
record ModelOnCatalogue(RecformerForSeqRec model, Tokenizer tokenizer, EncodingSettings settings, ItemTokens tokens,
                        SequenceBatcher batcher, boolean finetunedTable) {

    static ModelOnCatalogue load(ModelFactory models, Path modelDir, Path tokenizerDir, CatalogueItems items, Path dataDir,
                                 boolean reencode, int batchSize) throws IOException {
        Tokenizer tokenizer = Checkpoint.resolveTokenizer(tokenizerDir, modelDir);
        ModelFactory.LoadedSeqRec loaded = models.seqRecFromFolder(modelDir, items.size(), UnaryOperator.identity());
        EncodingSettings settings = Encodings.settings(loaded.config(), tokenizer, modelDir.resolve(Checkpoint.CONFIG_FILE).toString());
        ItemTokens tokens = ItemTokenCache.load(dataDir, items.attributes(), new ItemEncoder(tokenizer, settings));
        SequenceBatcher batcher = new SequenceBatcher(tokens, new SequenceEncoder(settings));
        CatalogueItems own = CatalogueItems.readOrNull(modelDir);
        boolean ownCatalogue = loaded.hasItemTable() && own != null && own.equals(items);
        boolean useOwn = !reencode && ownCatalogue;
        if (!useOwn) loaded.model().setItemEmbeddings(cachedTable(modelDir, tokenizer, items, loaded.model(), batcher, batchSize));
        if (!ownCatalogue) loaded.model().clearItemIds(); // learned item IDs belong to the catalogue they were trained on
        loaded.model().eval();
        return new ModelOnCatalogue(loaded.model(), tokenizer, settings, tokens, batcher, useOwn);
    }

    /** The catalogue's tokens followed by {@code extra} items (cold start), as one store. */
    ItemTokens withExtraItems(List<? extends Map<String, String>> extra) {
        ItemEncoder encoder = new ItemEncoder(tokenizer, settings);
        EncodedItem[] all = new EncodedItem[tokens.size() + extra.size()];
        for (int i = 0; i < tokens.size(); i++) all[i] = tokens.get(i);
        for (int i = 0; i < extra.size(); i++) all[tokens.size() + i] = encoder.encode(extra.get(i));
        return ItemTokens.pack(all);
    }

    private static Tensor cachedTable(Path modelDir, Tokenizer tokenizer, CatalogueItems items, RecformerForSeqRec model,
                                      SequenceBatcher batcher, int batchSize) throws IOException {
        String name = "item-table-" + key(modelDir, tokenizer, items) + ".safetensors";
        Path[] places = {modelDir.resolve(name), ItemTokenCache.defaultUserCacheDir().resolve(name)};
        for (Path file : places) {
            if (Files.isRegularFile(file)) {
                HostTensor t = SafeTensors.read(file).get("item_table");
                if (t != null) return Tensor.of(model.backend(), t.toFloatArray(), t.intShape());
            }
        }
        Tensor table = ItemTable.encode(model, batcher, items.size(), batchSize, true);
        StateDict sd = new StateDict("item table");
        sd.put("item_table", HostTensor.ofFloats(table.toArray(), table.shape()));
        for (Path file : places) {
            try {
                SafeTensors.write(file, sd);
                break;
            } catch (IOException e) {
                // not writable: try the next place; without a cache the table is simply recomputed next time
            }
        }
        return table;
    }

    private static String key(Path modelDir, Tokenizer tokenizer, CatalogueItems items) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(StateDicts.weightsFile(modelDir)), md)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            md.update(Files.readAllBytes(modelDir.resolve(Checkpoint.CONFIG_FILE)));
            md.update(tokenizer.fingerprint().getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < items.size(); i++) {
                md.update(items.rawIds().get(i).getBytes(StandardCharsets.UTF_8));
                md.update(items.attributes().get(i).toString().getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
