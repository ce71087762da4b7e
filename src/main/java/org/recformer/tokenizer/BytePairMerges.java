package org.recformer.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE merge table and the merge loop of one pre-tokenized word. Symbols (byte characters and
 * merge results) are numbered internally; the caller maps them to vocabulary ids. A word is
 * merged like HuggingFace's slow tokenizer: repeatedly take the adjacent pair with the lowest
 * merge rank and merge all its non-overlapping occurrences left to right, until no pair has a
 * rank (in O(n log n) per word of n bytes). Results are memoised per word (thread-safe, bounded).
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
    private final int longestSymbolBytes;

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
        longestSymbolBytes = symbols.stream().mapToInt(String::length).max().orElse(1);
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

    /**
     * The merge loop in O(n log n) for a word of n bytes: the symbols form a linked list and a heap
     * holds each adjacent pair that has a rank, keyed by (rank, position). Popping the smallest key
     * merges the lowest-ranked pair, leftmost first, which is what repeatedly merging all
     * non-overlapping occurrences of the lowest-ranked pair left to right does (a merge result is
     * longer than either part, so a merge never creates another occurrence of the pair being
     * merged). A popped entry whose pair has changed since it was pushed is skipped. This is the
     * order of HuggingFace's fast tokenizer too; it equals the slow one's pass-by-pass order for
     * merge tables whose rules only join symbols made by earlier rules, as every trained table does.
     */
    private int[] mergeUncached(String word) {
        byte[] bytes = word.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int n = bytes.length;
        int[] sym = new int[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            sym[i] = byteSymbol[bytes[i] & 0xFF];
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        PriorityQueue<Long> heap = new PriorityQueue<>();
        for (int i = 0; i + 1 < n; i++) push(heap, sym, i, i + 1);
        int count = n;
        while (!heap.isEmpty()) {
            long key = heap.poll();
            int rank = (int) (key >>> 32);
            int left = (int) key;
            int right = next[left];
            if (sym[left] < 0 || right < 0) continue; // merged away, or no right neighbour any more
            Merge m = merges.get(pair(sym[left], sym[right]));
            if (m == null || m.rank != rank) continue; // this position now holds another pair
            sym[left] = m.merged;
            sym[right] = -1;
            next[left] = next[right];
            if (next[left] >= 0) prev[next[left]] = left;
            count--;
            if (prev[left] >= 0) push(heap, sym, prev[left], left);
            if (next[left] >= 0) push(heap, sym, left, next[left]);
        }
        int[] out = new int[count];
        int k = 0;
        for (int i = n == 0 ? -1 : 0; i >= 0; i = next[i]) out[k++] = sym[i];
        return out;
    }

    private void push(PriorityQueue<Long> heap, int[] sym, int left, int right) {
        Merge m = merges.get(pair(sym[left], sym[right]));
        if (m != null) heap.add(((long) m.rank << 32) | left);
    }

    /** The length in bytes of the longest symbol (no token covers more bytes of text). */
    int longestSymbolBytes() {
        return longestSymbolBytes;
    }
}
