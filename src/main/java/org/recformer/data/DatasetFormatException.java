package org.recformer.data;

import java.nio.file.Path;

/**
 * A dataset folder that does not follow the Recformer layout: names the file, the key of the
 * first bad record and what was wrong with it.
 */
public final class DatasetFormatException extends IllegalArgumentException {

    private final Path file;
    private final String key;

    /**
     * @param file the file holding the bad record
     * @param key the JSON key of the record (user id, item id, asin), or null for the whole file
     * @param reason what was expected
     */
    public DatasetFormatException(Path file, String key, String reason) {
        super(file + (key == null ? "" : ": key \"" + key + "\"") + ": " + reason);
        this.file = file;
        this.key = key;
    }

    /** The file holding the bad record. */
    public Path file() {
        return file;
    }

    /** The key of the bad record, or null when the problem concerns the whole file. */
    public String key() {
        return key;
    }
}
