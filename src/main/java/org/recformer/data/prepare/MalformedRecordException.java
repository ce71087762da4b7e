package org.recformer.data.prepare;

/** One input record that cannot be used; the reader counts it with its line number and goes on. */
final class MalformedRecordException extends RuntimeException {

    MalformedRecordException(String reason) {
        super(reason, null, false, false);
    }
}
