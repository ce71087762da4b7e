package org.recformer.data.prepare;

import it.unimi.dsi.fastutil.ints.IntArrays;
import it.unimi.dsi.fastutil.objects.Object2IntMap;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Groups a stream of (user, item, time) records into one sequence per user with memory bounded
 * by the number of distinct users, not records: records go to temporary files on disk, one per
 * block of {@code sequencesPerPartition} users (numbered in order of first appearance), and each
 * block is read back and sorted on its own.
 */
final class SequenceSpill implements AutoCloseable {

    /** Receives one finished sequence: item indexes, oldest first. */
    interface SequenceConsumer {
        void accept(int[] items) throws IOException;
    }

    private static final int RECORD_BYTES = 16; // int sequence, int item, long time

    private final Path directory;
    private final int sequencesPerPartition;
    private final Object2IntMap<String> sequenceIds = new Object2IntOpenHashMap<>(); // raw user -> sequence number
    private final List<DataOutputStream> partitions = new ArrayList<>();
    private long records;

    /** Creates the spill's temporary folder inside {@code parent}. */
    SequenceSpill(Path parent, int sequencesPerPartition) throws IOException {
        if (sequencesPerPartition < 1) {
            throw new IllegalArgumentException("sequencesPerPartition must be positive: " + sequencesPerPartition);
        }
        this.directory = Files.createTempDirectory(parent, ".spill");
        this.sequencesPerPartition = sequencesPerPartition;
        this.sequenceIds.defaultReturnValue(-1);
    }

    void add(String user, int item, long time) throws IOException {
        int sequence = sequenceIds.getInt(user);
        if (sequence < 0) {
            sequence = sequenceIds.size();
            sequenceIds.put(user, sequence);
        }
        int partition = sequence / sequencesPerPartition;
        while (partitions.size() <= partition) {
            Path file = directory.resolve("partition-" + partitions.size());
            partitions.add(new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)));
        }
        DataOutputStream out = partitions.get(partition);
        out.writeInt(sequence);
        out.writeInt(item);
        out.writeLong(time);
        records++;
    }

    int sequenceCount() {
        return sequenceIds.size();
    }

    long recordCount() {
        return records;
    }

    /**
     * Hands over every sequence in order of first appearance of its user, its items sorted by
     * time, equal times by {@code tieRank[item]}.
     */
    void forEachSequence(int[] tieRank, SequenceConsumer consumer) throws IOException {
        for (DataOutputStream out : partitions) {
            out.close();
        }
        for (int partition = 0; partition < partitions.size(); partition++) {
            Path file = directory.resolve("partition-" + partition);
            int count = Math.toIntExact(Files.size(file) / RECORD_BYTES);
            int[] sequence = new int[count];
            int[] item = new int[count];
            long[] time = new long[count];
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
                for (int i = 0; i < count; i++) {
                    sequence[i] = in.readInt();
                    item[i] = in.readInt();
                    time[i] = in.readLong();
                }
            }
            Files.delete(file);
            int[] order = new int[count];
            Arrays.setAll(order, i -> i);
            IntArrays.mergeSort(order, (a, b) -> {
                int bySequence = Integer.compare(sequence[a], sequence[b]);
                if (bySequence != 0) {
                    return bySequence;
                }
                int byTime = Long.compare(time[a], time[b]);
                return byTime != 0 ? byTime : Integer.compare(tieRank[item[a]], tieRank[item[b]]);
            });
            for (int start = 0; start < count; ) {
                int end = start;
                while (end < count && sequence[order[end]] == sequence[order[start]]) {
                    end++;
                }
                int[] items = new int[end - start];
                for (int i = start; i < end; i++) {
                    items[i - start] = item[order[i]];
                }
                consumer.accept(items);
                start = end;
            }
        }
    }

    /** Deletes the temporary files. */
    @Override
    public void close() throws IOException {
        for (DataOutputStream out : partitions) {
            out.close();
        }
        try (var files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(directory);
    }
}
