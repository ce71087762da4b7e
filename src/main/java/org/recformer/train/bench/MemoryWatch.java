package org.recformer.train.bench;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches this JVM's memory over a benchmark: the peak resident set size (Linux {@code VmHWM},
 * what PyTorch's {@code ru_maxrss} also reports, for the whole process life), the Java heap in use
 * just before and just after each garbage collection (the largest of each), and the collections and
 * their time since {@link #startMeasuring()}. Resident memory includes heap the JVM has committed
 * and not returned, so it depends on {@code -Xmx} and the collector (docs/results-bench.md).
 */
public final class MemoryWatch implements AutoCloseable {
    private static final Path STATUS = Path.of("/proc/self/status");

    private final AtomicLong heapBeforeGc = new AtomicLong();
    private final AtomicLong heapAfterGc = new AtomicLong();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onCollection;
    private long collectionsAtStart;
    private long gcMillisAtStart;

    /** What the watch saw. {@code residentPeakBytes} is -1 where /proc/self/status has no VmHWM. */
    public record Report(long residentPeakBytes, long heapPeakBeforeGcBytes, long heapPeakAfterGcBytes, long heapMaxBytes,
                         long collections, double gcSeconds) {

        /** "peak memory: resident 3.12 GB (VmHWM), ..." for a report, with GC time as a share of {@code measuredSeconds}. */
        public String line(double measuredSeconds) {
            String resident = residentPeakBytes < 0 ? "resident n/a (no VmHWM in /proc/self/status)"
                    : String.format(Locale.ROOT, "resident %.2f GB (VmHWM)", gb(residentPeakBytes));
            return String.format(Locale.ROOT,
                    "peak memory: %s, Java heap up to %.2f GB before and %.2f GB after a collection (-Xmx %.2f GB); "
                            + "GC in the measured batches: %d collections, %.3f s (%.1f%% of their time)",
                    resident, gb(heapPeakBeforeGcBytes), gb(heapPeakAfterGcBytes), gb(heapMaxBytes), collections, gcSeconds,
                    measuredSeconds > 0 ? 100 * gcSeconds / measuredSeconds : 0);
        }

        private static double gb(long bytes) {
            return bytes / 1e9;
        }
    }

    /** Starts watching collections. */
    public MemoryWatch() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                emitters.add(emitter);
            }
        }
        startMeasuring();
    }

    /** Counts collections and their time from now on (call when the measured batches start). */
    public void startMeasuring() {
        collectionsAtStart = totalCollections();
        gcMillisAtStart = totalGcMillis();
    }

    /** The peaks so far (the heap in use now counts as "before a collection" too). */
    public Report report() {
        Runtime rt = Runtime.getRuntime();
        long usedNow = rt.totalMemory() - rt.freeMemory();
        return new Report(residentPeakBytes(), Math.max(heapBeforeGc.get(), usedNow), heapAfterGc.get(), rt.maxMemory(),
                totalCollections() - collectionsAtStart, (totalGcMillis() - gcMillisAtStart) / 1e3);
    }

    @Override
    public void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(listener);
            } catch (javax.management.ListenerNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The peak resident set size of this process in bytes, -1 where the system does not report it. */
    static long residentPeakBytes() {
        try {
            return vmHwmBytes(Files.readAllLines(STATUS));
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code VmHWM: <n> kB} line of a /proc/PID/status text in bytes, -1 when there is none. */
    static long vmHwmBytes(List<String> statusLines) {
        for (String line : statusLines) {
            if (!line.startsWith("VmHWM:")) continue;
            String[] parts = line.substring("VmHWM:".length()).trim().split("\\s+");
            if (parts.length != 2 || !parts[1].equals("kB")) {
                throw new IllegalStateException("/proc/self/status: VmHWM line '" + line + "', expected 'VmHWM: <n> kB'");
            }
            return Long.parseLong(parts[0]) * 1024;
        }
        return -1;
    }

    private void onCollection(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
        var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo();
        heapBeforeGc.accumulateAndGet(used(info.getMemoryUsageBeforeGc()), Math::max);
        heapAfterGc.accumulateAndGet(used(info.getMemoryUsageAfterGc()), Math::max);
    }

    /** Heap bytes in use over the pools of one snapshot (non-heap pools left out). */
    private static long used(Map<String, MemoryUsage> pools) {
        long sum = 0;
        for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != java.lang.management.MemoryType.HEAP) continue;
            MemoryUsage u = pools.get(pool.getName());
            if (u != null) sum += u.getUsed();
        }
        return sum;
    }

    private static long totalCollections() {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) sum += Math.max(0, gc.getCollectionCount());
        return sum;
    }

    private static long totalGcMillis() {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) sum += Math.max(0, gc.getCollectionTime());
        return sum;
    }
}
