package org.recformer.train;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * train/ does not know the command line: no string literal under it names an option ("--lr");
 * settings errors name fields ({@link SettingsException}) and cli/ turns them into option names.
 */
class NoFlagsInTrainMessagesTest {
    private static final Path TRAIN = Path.of("src/main/java/org/recformer/train");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern FLAG = Pattern.compile("--[a-z]");

    @Test
    void noStringUnderTrainNamesACommandLineOption() throws IOException {
        assertTrue(Files.isDirectory(TRAIN), TRAIN.toAbsolutePath() + ": missing (tests run from the repository root)");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(TRAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String code = lines.get(i).strip();
                    if (code.startsWith("*") || code.startsWith("/*") || code.startsWith("//")) continue;
                    Matcher literal = STRING.matcher(code);
                    while (literal.find()) {
                        if (FLAG.matcher(literal.group()).find()) found.add(file + ":" + (i + 1) + ": " + literal.group());
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }
}
