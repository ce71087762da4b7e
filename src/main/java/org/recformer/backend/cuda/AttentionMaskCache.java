package org.recformer.backend.cuda;

import org.recformer.tensor.AttentionProblem;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The attention metadata on the device for the last few mask pairs seen, most recent first: the
 * first layer of a forward builds and uploads it, the other layers and the backward passes find it
 * by the masks' contents. A handful of entries covers a training step (pretraining encodes two
 * views, each plain and masked, with two pairs of masks); the oldest entry's block goes back to the
 * allocator when a new pair comes (after the kernels that read it, which are queued before).
 */
final class AttentionMaskCache {
    static final int ENTRIES = 4;

    /** Masks with their uploaded metadata. */
    record Entry(AttentionMasks masks, DeviceAllocator.Block meta) {}

    private final Device device;
    private final UploadStaging staging;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();

    AttentionMaskCache(Device device, UploadStaging staging) {
        this.device = device;
        this.staging = staging;
    }

    /** The entry for {@code p}'s masks, uploaded now if they are not among the cached ones. */
    Entry of(AttentionProblem p) {
        for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.masks().matches(p)) {
                it.remove();
                entries.addFirst(e);
                return e;
            }
        }
        AttentionMasks masks = new AttentionMasks(p);
        DeviceAllocator.Block meta = device.allocate(4L * masks.meta.length);
        staging.upload(meta.pointer(), masks.meta, "attention masks");
        Entry e = new Entry(masks, meta);
        entries.addFirst(e);
        if (entries.size() > ENTRIES) device.release(entries.removeLast().meta());
        return e;
    }
}
