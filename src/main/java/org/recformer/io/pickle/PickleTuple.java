package org.recformer.io.pickle;

/** A Python tuple from a pickle: an immutable sequence of items (Python None is Java null). */
public final class PickleTuple {
    private final Object[] items;

    public PickleTuple(Object... items) {
        this.items = items.clone();
    }

    public int size() {
        return items.length;
    }

    public Object get(int i) {
        return items[i];
    }

    /** Describes the tuple by size only: its items may be large or even refer back to it. */
    @Override
    public String toString() {
        return "tuple of " + items.length;
    }
}
