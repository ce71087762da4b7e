package org.recformer.io;

import java.io.IOException;

/**
 * A checkpoint or array file that is malformed, truncated, inconsistent or unsafe (a pickle
 * asking for a global outside the allowed set). The message always starts with the file.
 */
public class CheckpointFormatException extends IOException {
    public CheckpointFormatException(String source, String message) {
        super(source + ": " + message);
    }

    public CheckpointFormatException(String source, String message, Throwable cause) {
        super(source + ": " + message, cause);
    }
}
