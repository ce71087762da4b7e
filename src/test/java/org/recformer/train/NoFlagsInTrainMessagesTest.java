package org.recformer.train;

import org.junit.jupiter.api.Test;
import org.recformer.SourceLines;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
        List<String> found = new ArrayList<>();
        for (SourceLines.Line line : SourceLines.under(TRAIN)) {
            Matcher literal = STRING.matcher(line.code());
            while (literal.find()) {
                if (FLAG.matcher(literal.group()).find()) found.add(line.file() + ":" + line.number() + ": " + literal.group());
            }
        }
        assertEquals(List.of(), found);
    }
}
