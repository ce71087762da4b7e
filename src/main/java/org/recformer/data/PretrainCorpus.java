package org.recformer.data;

import com.fasterxml.jackson.core.JsonToken;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.objects.Object2IntMap;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Item sequences to pretrain on (docs/spec.md §4), read from either layout:
 * <ul>
 *   <li>a pretraining corpus of {@code prepare amazon-pretrain}: {@code meta_data.json} (asin ->
 *       attributes), {@code train.json} and {@code dev.json} (lists of asin sequences, oldest first);</li>
 *   <li>a finetuning dataset folder ({@link Dataset}): training sequences = the users' train parts,
 *       validation sequences = the train part followed by the validation item.</li>
 * </ul>
 * Item ids are dense from 0 in metadata order. Sequences of fewer than two items are left out
 * (their view a would be empty). A missing file, malformed JSON, or an asin without metadata is a
 * {@link DatasetFormatException} naming the file and record.
 */
public final class PretrainCorpus {
    public static final String TRAIN_FILE = "train.json";
    public static final String DEV_FILE = "dev.json";
    /** The shortest sequence kept: one history item for view a, one target for view b. */
    public static final int MIN_LENGTH = 2;

    private final List<LinkedHashMap<String, String>> items; // [items], attributes by item id
    private final List<int[]> train;
    private final List<int[]> validation;

    private PretrainCorpus(List<LinkedHashMap<String, String>> items, List<int[]> train, List<int[]> validation) {
        this.items = items;
        this.train = train;
        this.validation = validation;
    }

    /** Reads a corpus folder of either layout (a folder with {@code smap.json} is a finetuning dataset). */
    public static PretrainCorpus load(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) throw new DatasetFormatException(directory, null, "not a directory");
        PretrainCorpus corpus = Files.exists(directory.resolve(Dataset.ITEM_MAP_FILE))
                ? fromDataset(Dataset.load(directory)) : readCorpus(directory);
        if (corpus.train.isEmpty()) {
            throw new DatasetFormatException(directory, null, "no training sequence of at least " + MIN_LENGTH + " items");
        }
        if (corpus.validation.isEmpty()) {
            throw new DatasetFormatException(directory, null, "no validation sequence of at least " + MIN_LENGTH + " items");
        }
        return corpus;
    }

    private static PretrainCorpus fromDataset(Dataset dataset) {
        List<int[]> train = new ArrayList<>();
        List<int[]> validation = new ArrayList<>();
        for (int user = 0; user < dataset.userCount(); user++) {
            int[] history = dataset.train(user);
            if (history.length >= MIN_LENGTH) train.add(history);
            int[] withValidation = concat(history, dataset.validation(user));
            if (withValidation.length >= MIN_LENGTH && dataset.validation(user).length > 0) validation.add(withValidation);
        }
        return new PretrainCorpus(dataset.itemAttributes(), train, validation);
    }

    private static PretrainCorpus readCorpus(Path directory) throws IOException {
        Object2IntMap<String> ids = new Object2IntOpenHashMap<>();
        ids.defaultReturnValue(-1);
        List<LinkedHashMap<String, String>> items = readMetadata(directory.resolve(Dataset.METADATA_FILE), ids);
        return new PretrainCorpus(items, readSequences(directory.resolve(TRAIN_FILE), ids),
                readSequences(directory.resolve(DEV_FILE), ids));
    }

    private static List<LinkedHashMap<String, String>> readMetadata(Path file, Object2IntMap<String> ids) throws IOException {
        List<LinkedHashMap<String, String>> items = new ArrayList<>();
        try (JsonFile json = JsonFile.open(file)) {
            json.startObject(null);
            for (String asin = json.nextKey(); asin != null; asin = json.nextKey()) {
                if (ids.putIfAbsent(asin, items.size()) >= 0) throw json.fail(asin, "duplicate key");
                json.startObject(asin);
                LinkedHashMap<String, String> values = new LinkedHashMap<>();
                for (String name = json.nextKey(); name != null; name = json.nextKey()) {
                    if (json.next() != JsonToken.VALUE_STRING) {
                        throw json.fail(asin, "attribute \"" + name + "\" must be a string, found " + json.describeToken());
                    }
                    values.put(name, json.text());
                }
                items.add(values);
            }
            json.expectEnd();
        }
        return items;
    }

    /** A JSON list of asin lists; the key in messages is the sequence's index. */
    private static List<int[]> readSequences(Path file, Object2IntMap<String> ids) throws IOException {
        List<int[]> sequences = new ArrayList<>();
        try (JsonFile json = JsonFile.open(file)) {
            if (json.next() != JsonToken.START_ARRAY) {
                throw json.fail(null, "expected a list of asin sequences, found " + json.describeToken());
            }
            int index = 0;
            for (JsonToken token = json.next(); token != JsonToken.END_ARRAY; token = json.next(), index++) {
                String key = Integer.toString(index);
                if (token != JsonToken.START_ARRAY) throw json.fail(key, "expected a list of asins, found " + json.describeToken());
                IntArrayList sequence = new IntArrayList();
                for (JsonToken t = json.next(); t != JsonToken.END_ARRAY; t = json.next()) {
                    if (t != JsonToken.VALUE_STRING) throw json.fail(key, "expected an asin (a string), found " + json.describeToken());
                    int item = ids.getInt(json.text());
                    if (item < 0) {
                        throw json.fail(key, "asin \"" + json.text() + "\" has no entry in " + Dataset.METADATA_FILE);
                    }
                    sequence.add(item);
                }
                if (sequence.size() >= MIN_LENGTH) sequences.add(sequence.toIntArray());
            }
            json.expectEnd();
        }
        return sequences;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Item attributes by item id. */
    public List<LinkedHashMap<String, String>> items() {
        return items;
    }

    /** Training sequences (item ids, oldest first). */
    public List<int[]> train() {
        return train;
    }

    /** Validation sequences (item ids, oldest first). */
    public List<int[]> validation() {
        return validation;
    }
}
