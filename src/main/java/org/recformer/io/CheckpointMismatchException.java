package org.recformer.io;

import java.io.IOException;

/**
 * A checkpoint that does not fit a model: shape mismatches, or missing / unexpected keys in a
 * strict load. The message names the checkpoint, the keys and the shapes.
 */
public class CheckpointMismatchException extends IOException {
    public CheckpointMismatchException(String message) {
        super(message);
    }
}
