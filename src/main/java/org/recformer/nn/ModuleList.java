package org.recformer.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An indexed list of child modules named {@code 0, 1, 2, ...}, as {@code torch.nn.ModuleList}. */
public final class ModuleList<M extends Module> extends Module {
    private final List<M> items = new ArrayList<>();

    public ModuleList(List<M> modules) {
        for (M m : modules) items.add(registerModule(Integer.toString(items.size()), m));
    }

    public M get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    public List<M> asList() {
        return Collections.unmodifiableList(items);
    }
}
