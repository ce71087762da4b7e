package org.recformer.data.prepare;

import java.nio.file.Path;

/** Input a {@code prepare} command cannot use (a missing file, an unknown column): names the file and the problem. */
public final class PrepareInputException extends IllegalArgumentException {

    public PrepareInputException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public PrepareInputException(String problem) {
        super(problem);
    }
}
