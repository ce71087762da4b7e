package org.recformer.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import com.fasterxml.jackson.core.JsonToken;
import it.unimi.dsi.fastutil.objects.Object2IntMap;
import it.unimi.dsi.fastutil.objects.Object2IntMaps;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sequential-recommendation dataset in the Recformer folder layout (docs/spec.md §6; see
 * docs/datasets.md): {@code train.json}, {@code val.json}, {@code test.json} (user id -> item ids,
 * oldest first), {@code umap.json} (raw user -> user id), {@code smap.json} (raw item id -> item
 * id) and {@code meta_data.json} (raw item id -> ordered text attributes).
 *
 * <p>User ids are 0..{@link #userCount()}-1 and item ids 0..{@link #itemCount()}-1. Loading checks
 * the whole folder and throws a {@link DatasetFormatException} naming the file, key and reason of
 * the first bad record.
 */
public final class Dataset {
    private static final Logger LOG = LoggerFactory.getLogger(Dataset.class);


    public static final String TRAIN_FILE = "train.json";
    public static final String VALIDATION_FILE = "val.json";
    public static final String TEST_FILE = "test.json";
    public static final String USER_MAP_FILE = "umap.json";
    public static final String ITEM_MAP_FILE = "smap.json";
    public static final String METADATA_FILE = "meta_data.json";

    private static final int[] EMPTY = new int[0];

    private final Path directory;
    private final String[] rawUserIds;                              // [users]
    private final String[] rawItemIds;                              // [items]
    private final List<LinkedHashMap<String, String>> itemAttributes; // [items]
    private final int[][] train;                                    // [users][train length]
    private final int[][] validation;                               // [users][0 or 1]
    private final int[][] test;                                     // [users][0 or 1]
    private final int[] trainItemCounts;                            // [items]

    private Dataset(Path directory, String[] rawUserIds, String[] rawItemIds,
                    List<LinkedHashMap<String, String>> itemAttributes,
                    int[][] train, int[][] validation, int[][] test) {
        this.directory = directory;
        this.rawUserIds = rawUserIds;
        this.rawItemIds = rawItemIds;
        this.itemAttributes = itemAttributes;
        this.train = train;
        this.validation = validation;
        this.test = test;
        this.trainItemCounts = new int[rawItemIds.length];
        for (int[] sequence : train) {
            for (int item : sequence) {
                trainItemCounts[item]++;
            }
        }
    }

    /**
     * Reads and checks a dataset folder.
     *
     * @throws DatasetFormatException naming the file, key and reason of the first bad record
     * @throws IOException when a file cannot be read
     */
    public static Dataset load(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new DatasetFormatException(directory, null, "not a directory");
        }
        Object2IntMap<String> userIndex = readIdMap(directory.resolve(USER_MAP_FILE), "user");
        Object2IntMap<String> itemIndex = readIdMap(directory.resolve(ITEM_MAP_FILE), "item");
        String[] rawUserIds = byId(userIndex);
        String[] rawItemIds = byId(itemIndex);
        List<LinkedHashMap<String, String>> attributes =
                readMetadata(directory.resolve(METADATA_FILE), directory.resolve(ITEM_MAP_FILE), itemIndex, rawItemIds);

        int users = rawUserIds.length;
        int items = rawItemIds.length;
        Path trainFile = directory.resolve(TRAIN_FILE);
        Path validationFile = directory.resolve(VALIDATION_FILE);
        Path testFile = directory.resolve(TEST_FILE);
        int[][] train = readSequences(trainFile, users, items, false);
        int[][] validation = readSequences(validationFile, users, items, true);
        int[][] test = readSequences(testFile, users, items, true);
        for (int user = 0; user < users; user++) {
            String key = Integer.toString(user);
            if (train[user] == null && validation[user] != null) {
                throw new DatasetFormatException(validationFile, key, "user has a validation item but no train sequence in "
                        + TRAIN_FILE);
            }
            if (train[user] == null) {
                throw new DatasetFormatException(trainFile, key,
                        "user id " + user + " (\"" + rawUserIds[user] + "\" in " + USER_MAP_FILE + ") has no train sequence");
            }
            if ((validation[user] == null) != (test[user] == null)) {
                Path missing = validation[user] == null ? validationFile : testFile;
                Path present = validation[user] == null ? testFile : validationFile;
                throw new DatasetFormatException(missing, key,
                        "user has an entry in " + present.getFileName() + " but none here");
            }
            if (validation[user] == null) {
                validation[user] = EMPTY;
                test[user] = EMPTY;
            }
        }
        warnWhenMostItemsHaveNoText(directory.resolve(METADATA_FILE), attributes);
        return new Dataset(directory, rawUserIds, rawItemIds, Collections.unmodifiableList(attributes),
                train, validation, test);
    }

    /**
     * Recformer knows an item only by its text: when most items have none, their scores tie and the
     * metrics say little (ties count one half, see {@link org.recformer.eval.RankingMetrics}).
     */
    private static void warnWhenMostItemsHaveNoText(Path metadataFile, List<LinkedHashMap<String, String>> attributes) {
        long empty = attributes.stream().filter(a -> a.values().stream().allMatch(String::isBlank)).count();
        if (2 * empty > attributes.size()) {
            LOG.warn("WARNING: {} of {} items in {} have no text in any attribute; Recformer tells items apart only by"
                    + " their text, so their scores tie and the metrics of this dataset say little", empty, attributes.size(),
                    metadataFile);
        }
    }

    /** The folder this dataset was read from. */
    public Path directory() {
        return directory;
    }

    /** Number of users (entries of umap.json). */
    public int userCount() {
        return rawUserIds.length;
    }

    /** Number of items (entries of smap.json). */
    public int itemCount() {
        return rawItemIds.length;
    }

    /** The user's training items, oldest first (never empty). Do not modify. */
    public int[] train(int user) {
        return train[user];
    }

    /** The user's validation item as a one-element array, or an empty array. Do not modify. */
    public int[] validation(int user) {
        return validation[user];
    }

    /** The user's test item as a one-element array, or an empty array. Do not modify. */
    public int[] test(int user) {
        return test[user];
    }

    /** The raw user id (as in umap.json) of a dense user id. */
    public String rawUserId(int user) {
        return rawUserIds[user];
    }

    /** The raw item id (asin, as in smap.json) of a dense item id. */
    public String rawItemId(int item) {
        return rawItemIds[item];
    }

    /** Each item's attributes in attribute order, indexed by item id. Do not modify the maps. */
    public List<LinkedHashMap<String, String>> itemAttributes() {
        return itemAttributes;
    }

    /** Popularity: how often each item occurs in the train sequences, indexed by item id. */
    public int[] trainItemCounts() {
        return trainItemCounts.clone();
    }

    /** Number of items in all train sequences. */
    public long trainInteractionCount() {
        long count = 0;
        for (int[] sequence : train) {
            count += sequence.length;
        }
        return count;
    }

    /** Number of interactions: the items of all train, validation and test sequences. */
    public long interactionCount() {
        long count = trainInteractionCount();
        for (int user = 0; user < rawUserIds.length; user++) {
            count += validation[user].length + test[user].length;
        }
        return count;
    }

    // ---- reading ----

    /** Reads a raw id -> dense id object and checks that the ids are exactly 0..n-1. */
    private static Object2IntMap<String> readIdMap(Path file, String what) throws IOException {
        Map<String, Long> rawIds = new LinkedHashMap<>();
        try (JsonFile json = JsonFile.open(file)) {
            json.startObject(null);
            for (String key = json.nextKey(); key != null; key = json.nextKey()) {
                if (json.next() != JsonToken.VALUE_NUMBER_INT) {
                    throw json.fail(key, "expected an integer " + what + " id, found " + json.describeToken());
                }
                if (rawIds.put(key, json.longValue()) != null) {
                    throw json.fail(key, "duplicate key");
                }
            }
            json.expectEnd();
        }
        boolean[] seen = new boolean[rawIds.size()];
        Object2IntMap<String> ids = new Object2IntOpenHashMap<>(rawIds.size());
        ids.defaultReturnValue(-1);
        for (Map.Entry<String, Long> entry : rawIds.entrySet()) {
            long id = entry.getValue();
            if (id < 0 || id >= seen.length) {
                throw new DatasetFormatException(file, entry.getKey(), what + " id " + id + " is out of range: ids must be"
                        + " dense, 0.." + (seen.length - 1) + " for " + seen.length + " entries");
            }
            if (seen[(int) id]) {
                throw new DatasetFormatException(file, entry.getKey(), what + " id " + id + " is used twice");
            }
            seen[(int) id] = true;
            ids.put(entry.getKey(), (int) id);
        }
        return ids;
    }

    private static String[] byId(Object2IntMap<String> ids) {
        String[] raw = new String[ids.size()];
        for (Object2IntMap.Entry<String> entry : Object2IntMaps.fastIterable(ids)) {
            raw[entry.getIntValue()] = entry.getKey();
        }
        return raw;
    }

    /** Reads the attributes of every smap item; entries for other raw ids are skipped. */
    private static List<LinkedHashMap<String, String>> readMetadata(Path file, Path itemMapFile,
            Object2IntMap<String> itemIndex, String[] rawItemIds) throws IOException {
        List<LinkedHashMap<String, String>> attributes = new ArrayList<>(Collections.nCopies(rawItemIds.length, null));
        try (JsonFile json = JsonFile.open(file)) {
            json.startObject(null);
            for (String rawId = json.nextKey(); rawId != null; rawId = json.nextKey()) {
                int item = itemIndex.getInt(rawId); // -1 when the raw id is not in the smap
                json.startObject(rawId);
                LinkedHashMap<String, String> values = new LinkedHashMap<>();
                for (String name = json.nextKey(); name != null; name = json.nextKey()) {
                    if (json.next() != JsonToken.VALUE_STRING) {
                        throw json.fail(rawId, "attribute \"" + name + "\" must be a string, found " + json.describeToken());
                    }
                    values.put(name, json.text());
                }
                if (item >= 0) {
                    if (attributes.get(item) != null) {
                        throw json.fail(rawId, "duplicate key");
                    }
                    attributes.set(item, values);
                }
            }
            json.expectEnd();
        }
        for (int item = 0; item < rawItemIds.length; item++) {
            if (attributes.get(item) == null) {
                throw new DatasetFormatException(itemMapFile, rawItemIds[item],
                        "item id " + item + " has no entry in " + METADATA_FILE);
            }
        }
        return attributes;
    }

    /**
     * Reads user id -> item ids; absent users are null.
     *
     * @param single whether every list must hold exactly one item (val.json, test.json)
     */
    private static int[][] readSequences(Path file, int users, int items, boolean single) throws IOException {
        int[][] sequences = new int[users][];
        try (JsonFile json = JsonFile.open(file)) {
            json.startObject(null);
            for (String key = json.nextKey(); key != null; key = json.nextKey()) {
                int user = parseUserId(json, key, users);
                if (sequences[user] != null) {
                    throw json.fail(key, "duplicate key");
                }
                if (json.next() != JsonToken.START_ARRAY) {
                    throw json.fail(key, "expected a list of item ids, found " + json.describeToken());
                }
                int[] sequence = new int[8];
                int length = 0;
                for (JsonToken token = json.next(); token != JsonToken.END_ARRAY; token = json.next()) {
                    if (token != JsonToken.VALUE_NUMBER_INT) {
                        throw json.fail(key, "expected an integer item id, found " + json.describeToken());
                    }
                    long item = json.longValue();
                    if (item < 0 || item >= items) {
                        throw json.fail(key, "item id " + item + " has no entry in " + ITEM_MAP_FILE
                                + " (item ids are 0.." + (items - 1) + ")");
                    }
                    if (length == sequence.length) {
                        sequence = Arrays.copyOf(sequence, 2 * length);
                    }
                    sequence[length++] = (int) item;
                }
                if (single && length != 1) {
                    throw json.fail(key, "expected exactly one item id, found " + length);
                }
                if (length == 0) {
                    throw json.fail(key, "empty item list");
                }
                sequences[user] = Arrays.copyOf(sequence, length);
            }
            json.expectEnd();
        }
        return sequences;
    }

    private static int parseUserId(JsonFile json, String key, int users) {
        int user;
        try {
            user = Integer.parseInt(key);
        } catch (NumberFormatException e) {
            throw json.fail(key, "expected a user id (an integer), not a raw user id");
        }
        if (user < 0 || user >= users) {
            throw json.fail(key, "user id " + user + " has no entry in " + USER_MAP_FILE
                    + " (user ids are 0.." + (users - 1) + ")");
        }
        return user;
    }
}
