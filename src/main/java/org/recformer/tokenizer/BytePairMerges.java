package org.recformer.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE merge table and the merge loop of one pre-tokenized word. Symbols (byte characters and
 * merge results) are numbered internally; the caller maps them to vocabulary ids. A word is
 * merged like HuggingFace's slow tokenizer: repeatedly take the adjacent pair with the lowest
 * merge rank and merge all its non-overlapping occurrences left to right, until no pair has a
 * rank. Results are memoised per word (thread-safe, bounded).
 */
final class BytePairMerges {

    /** Most words memoised; beyond it new words are merged without being stored. */
    private static final int WORD_CACHE_LIMIT = 500_000;

    private record Merge(int rank, int merged) {
    }

    private final List<String> symbols = new ArrayList<>();
    private final Map<String, Integer> symbolIds = new HashMap<>();
    private final Map<Long, Merge> merges = new HashMap<>();
    private final int[] byteSymbol = new int[256];
    private final Map<String, int[]> wordCache = new ConcurrentHashMap<>();

    /**
     * @param mergeLines the merge rules in rank order, each {@code "left right"}
     * @param source     the file name for error messages
     * @param firstLine  the line number of {@code mergeLines[0]} in that file
     */
    BytePairMerges(List<String> mergeLines, String source, int firstLine) {
        for (int b = 0; b < 256; b++) {
            byteSymbol[b] = symbol(String.valueOf(ByteLevel.charOf(b)));
        }
        for (int rank = 0; rank < mergeLines.size(); rank++) {
            String line = mergeLines.get(rank);
            String[] parts = line.split(" ");
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new IllegalArgumentException(source + " line " + (firstLine + rank)
                        + ": expected a merge rule 'left right', got '" + line + "'");
            }
            int left = symbol(parts[0]);
            int right = symbol(parts[1]);
            int merged = symbol(parts[0] + parts[1]);
            // A repeated rule keeps its last rank, like the dict HuggingFace builds from the list.
            merges.put(pair(left, right), new Merge(rank, merged));
        }
    }

    private int symbol(String text) {
        return symbolIds.computeIfAbsent(text, t -> {
            symbols.add(t);
            return symbols.size() - 1;
        });
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Number of symbols (byte characters and merge results). */
    int symbolCount() {
        return symbols.size();
    }

    /** The text of symbol {@code id} (in byte characters). */
    String symbolText(int id) {
        return symbols.get(id);
    }

    /** The symbols of one pre-tokenized word (the caller must not modify the returned array). */
    int[] merge(String word) {
        int[] cached = wordCache.get(word);
        if (cached != null) {
            return cached;
        }
        int[] result = mergeUncached(word);
        if (wordCache.size() < WORD_CACHE_LIMIT) {
            wordCache.put(word, result);
        }
        return result;
    }

    private int[] mergeUncached(String word) {
        byte[] bytes = word.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int[] sym = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            sym[i] = byteSymbol[bytes[i] & 0xFF];
        }
        int n = sym.length;
        while (n > 1) {
            Merge best = null;
            int bestLeft = 0;
            int bestRight = 0;
            for (int i = 0; i + 1 < n; i++) {
                Merge m = merges.get(pair(sym[i], sym[i + 1]));
                if (m != null && (best == null || m.rank < best.rank)) {
                    best = m;
                    bestLeft = sym[i];
                    bestRight = sym[i + 1];
                }
            }
            if (best == null) {
                break;
            }
            int w = 0;
            for (int i = 0; i < n; ) {
                if (i + 1 < n && sym[i] == bestLeft && sym[i + 1] == bestRight) {
                    sym[w++] = best.merged;
                    i += 2;
                } else {
                    sym[w++] = sym[i++];
                }
            }
            n = w;
        }
        return Arrays.copyOf(sym, n);
    }
}
