package org.recformer.io.pickle;

import org.recformer.io.CheckpointFormatException;

/** Resolves a persistent id (BINPERSID), e.g. torch's storage references into the zip archive. */
@FunctionalInterface
public interface PersistentLoader {
    Object load(Object pid, String where) throws CheckpointFormatException;
}
