package org.recformer.bench;

import org.recformer.data.encode.EncodingSettings;
import org.recformer.data.encode.ItemEncoder;
import org.recformer.data.encode.ItemTokens;
import org.recformer.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Item tokenization throughput: the items of a synthetic 100k-item catalogue (title, brand,
 * category like the Amazon data) through {@link ItemTokens#build} on all cores. A short run, not
 * JMH: the first pass starts with a cold word cache and a cold JIT, the later passes use a fresh
 * tokenizer (cold word cache, warm JIT).
 *
 * <p>Run: {@code mvn -B -q -Pbench package -DskipTests && java -cp target/benchmarks.jar
 * org.recformer.bench.TokenizerBench [items] [tokenizerDir]}.
 *
 * <p>Measured (2023 synthetic catalogue, 100k items, 3.89M tokens, bundled tokenizer, a 2-core
 * build machine shared with other jobs at load average ~10): 2.8-3.4 s for the cold first pass
 * (30-36k items/s), 0.6-0.9 s once the JIT is warm (107-170k items/s).
 */
public final class TokenizerBench {

    private TokenizerBench() {
    }

    /** Arguments: number of items (default 100000), tokenizer folder (default: bundled). */
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Path dir = args.length > 1 ? Path.of(args[1]) : null;
        List<Map<String, String>> catalogue = catalogue(n, new SplittableRandom(2023));
        System.out.printf("catalogue: %d items, %d cores%n", n, Runtime.getRuntime().availableProcessors());
        for (int pass = 1; pass <= 3; pass++) {
            // A fresh tokenizer per pass, so its word cache starts empty.
            Tokenizer tokenizer = dir == null ? loadBundledCopy() : Tokenizer.load(dir);
            ItemEncoder encoder = new ItemEncoder(tokenizer, EncodingSettings.recformerDefaults(tokenizer.specials()));
            long start = System.nanoTime();
            ItemTokens tokens = ItemTokens.build(catalogue, encoder);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("pass %d: %.3f s, %.0f items/s, %d tokens (%.1f per item)%n", pass, seconds,
                    n / seconds, tokens.tokenCount(), (double) tokens.tokenCount() / n);
        }
    }

    /** The bundled vocabulary loaded anew (not the shared instance with its warm word cache). */
    private static Tokenizer loadBundledCopy() {
        try {
            Path tmp = java.nio.file.Files.createTempDirectory("bench-tokenizer");
            for (String name : new String[] {"encoder.json", "vocab.bpe"}) {
                try (var in = TokenizerBench.class.getResourceAsStream("/tokenizer/gpt3-encoder/" + name)) {
                    java.nio.file.Files.copy(in, tmp.resolve(name));
                }
            }
            return Tokenizer.load(tmp);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Items with Amazon-like attributes: many distinct made-up words, model codes, sizes. */
    static List<Map<String, String>> catalogue(int n, SplittableRandom rng) {
        String[] lexicon = words(20_000, rng);
        String[] brands = words(3_000, rng);
        String[] categories = words(400, rng);
        List<Map<String, String>> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder title = new StringBuilder();
            int words = 5 + rng.nextInt(12);
            for (int w = 0; w < words; w++) {
                if (w > 0) {
                    title.append(' ');
                }
                double u = rng.nextDouble();
                if (u < 0.08) {
                    title.append(rng.nextInt(1000)).append(rng.nextBoolean() ? " oz" : "-Pack");
                } else if (u < 0.12) {
                    title.append(Character.toUpperCase((char) ('A' + rng.nextInt(26)))).append('-').append(rng.nextInt(99999));
                } else {
                    // Zipf-like: small indexes are frequent.
                    int k = (int) Math.floor(Math.pow(lexicon.length, rng.nextDouble())) - 1;
                    title.append(capitalize(lexicon[k], rng.nextDouble() < 0.6));
                }
            }
            Map<String, String> item = new LinkedHashMap<>();
            item.put("title", title.toString());
            item.put("brand", capitalize(brands[rng.nextInt(brands.length)], true));
            item.put("category", capitalize(categories[rng.nextInt(categories.length)], true) + " "
                    + capitalize(categories[rng.nextInt(categories.length)], true) + " "
                    + capitalize(categories[rng.nextInt(categories.length)], true));
            items.add(item);
        }
        return items;
    }

    private static String[] words(int count, SplittableRandom rng) {
        String[] syllables = {"ka", "lo", "ri", "sen", "tor", "mi", "an", "pe", "dro", "lux", "ve", "qua", "zen",
                "bel", "ter", "ox", "ni", "ra", "gel", "pro", "max", "ul", "tra", "co", "fi", "ber", "lin", "os"};
        String[] words = new String[count];
        for (int i = 0; i < count; i++) {
            StringBuilder w = new StringBuilder();
            int parts = 1 + rng.nextInt(4);
            for (int p = 0; p < parts; p++) {
                w.append(syllables[rng.nextInt(syllables.length)]);
            }
            words[i] = w.toString();
        }
        return words;
    }

    private static String capitalize(String word, boolean upper) {
        return upper ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word;
    }
}
