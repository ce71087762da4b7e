package org.recformer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.recformer.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code recformer tokenize}: one JSON array of token ids (or token strings) per line of standard
 * input, for comparing with HuggingFace's {@code tokenizer(line, add_special_tokens=False)}.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenize each line of standard input; print one JSON array per line.")
public final class TokenizeCommand implements Callable<Integer> {

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Folder with vocab.json + merges.txt or encoder.json + vocab.bpe (default: the bundled GPT-2 vocabulary).")
    Path tokenizerDir;

    @Option(names = "--tokens", description = "Print the BPE token strings instead of ids.")
    boolean tokens;

    @Override
    public Integer call() throws IOException {
        Tokenizer tokenizer = tokenizerDir == null ? Tokenizer.bundled() : Tokenizer.load(tokenizerDir);
        ObjectMapper json = new ObjectMapper();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
        String line;
        while ((line = in.readLine()) != null) {
            Object value = tokens ? tokenizer.tokenize(line) : tokenizer.encode(line);
            out.println(json.writeValueAsString(value));
        }
        out.flush();
        return 0;
    }
}
