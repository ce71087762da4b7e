package org.recformer.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named checkpoint tensors in file order ({@code longformer.embeddings.word_embeddings.weight}
 * -> F32 [V, C]), with the file they came from (for error messages) and the safetensors
 * {@code __metadata__} strings.
 */
public final class StateDict {
    private final String source;
    private final Map<String, HostTensor> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** An empty state dict; {@code source} names where it comes from (a file, a model). */
    public StateDict(String source) {
        this.source = source;
    }

    public String source() {
        return source;
    }

    /** Adds a tensor; a name may appear only once. */
    public void put(String name, HostTensor tensor) {
        if (tensors.putIfAbsent(name, tensor) != null) {
            throw new IllegalArgumentException(source + ": duplicate tensor name '" + name + "'");
        }
    }

    /** The tensor of this name, or null. */
    public HostTensor get(String name) {
        return tensors.get(name);
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** Names in order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    public Map<String, HostTensor> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    public int size() {
        return tensors.size();
    }

    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    public void putMetadata(String key, String value) {
        metadata.put(key, value);
    }
}
