package org.recformer.cli;

import org.junit.jupiter.api.Test;
import org.recformer.testing.SharedFiles;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code recformer tokenize}: one JSON array per input line. */
class TokenizeCommandTest {

    private static String run(String stdin, String... args) {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(0, Main.commandLine().execute(args));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsIdsPerLineWithTheBundledTokenizer() {
        // GPT-2's ids of "Hello world"; an empty line has no tokens.
        assertEquals("[15496,995]\n[]\n", run("Hello world\n\n", "tokenize").replace("\r\n", "\n"));
    }

    @Test
    void printsTokenStrings() {
        assertEquals("[\"Hello\",\"Ġworld\"]\n", run("Hello world\n", "tokenize", "--tokens").replace("\r\n", "\n"));
    }

    @Test
    void usesATokenizerFolder() {
        assertEquals("[31414,232]\n", run("Hello world\n", "tokenize", "--tokenizer",
                SharedFiles.robertaDir().toString()).replace("\r\n", "\n"));
    }

    @Test
    void aMissingTokenizerFolderIsAUsageError() {
        PrintStream oldErr = System.err;
        try {
            System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertEquals(2, Main.commandLine().execute("tokenize", "--tokenizer", "/nonexistent/tokenizer"));
        } finally {
            System.setErr(oldErr);
        }
    }
}
