package org.recformer.io.pickle;

import org.recformer.io.CheckpointFormatException;

/** An allowed global that a pickle may call with REDUCE; it builds a value from the argument tuple. */
@FunctionalInterface
public interface PickleCallable {
    /** {@code where} names the file and byte position, for error messages. */
    Object call(PickleTuple args, String where) throws CheckpointFormatException;
}
