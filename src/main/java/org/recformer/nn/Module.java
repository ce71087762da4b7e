package org.recformer.nn;

import org.recformer.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A building block with named parameters and child modules, as in PyTorch: names are dotted
 * paths in registration order ({@code encoder.layer.0.attention.self.query.weight}), so they
 * match HuggingFace state dicts.
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    protected Parameter registerParameter(String name, Tensor value) {
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("duplicate name " + name + " in " + getClass().getSimpleName());
        }
        Parameter p = new Parameter(value);
        parameters.put(name, p);
        return p;
    }

    protected <M extends Module> M registerModule(String name, M module) {
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("duplicate name " + name + " in " + getClass().getSimpleName());
        }
        children.put(name, module);
        return module;
    }

    /** All parameters of this module and its descendants, by dotted name, in registration order. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) out.put(prefix + e.getKey(), e.getValue());
        for (Map.Entry<String, Module> e : children.entrySet()) e.getValue().collect(prefix + e.getKey() + ".", out);
    }

    public void zeroGrad() {
        for (Parameter p : namedParameters().values()) p.tensor().zeroGrad();
    }

    /** Training mode (dropout on) or evaluation mode (dropout off), for this module and its children. */
    public void train(boolean on) {
        training = on;
        for (Module m : children.values()) m.train(on);
    }

    public void eval() {
        train(false);
    }

    public boolean isTraining() {
        return training;
    }
}
