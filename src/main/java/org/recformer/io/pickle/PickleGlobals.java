package org.recformer.io.pickle;

/**
 * The allow-list of globals a pickle may name (GLOBAL / STACK_GLOBAL): everything else is
 * refused, so unpickling never runs code.
 */
@FunctionalInterface
public interface PickleGlobals {
    /** The value standing for {@code module.name} (usually a {@link PickleCallable}), or null if not allowed. */
    Object resolve(String module, String name);
}
