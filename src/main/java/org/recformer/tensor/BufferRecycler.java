package org.recformer.tensor;

import java.util.List;
import java.util.function.Supplier;

/**
 * Reuses the buffers of steps that run one after another on one thread and keep nothing but their
 * result: the model's embeddings and each layer's two blocks under no_grad. Each layer allocates the same
 * intermediates (about 260 MB at 4,096 tokens on the base model) and drops them when it returns; allocated anew, every
 * one costs the JVM a pass that clears it on the calling thread, and the collector a pass that finds
 * it dead. With a recycler the buffers one step allocated are handed to the steps after it instead,
 * also in later passes over the layers (so they settle in the old generation once). Results are bit
 * for bit the same, since kernels write every element of the buffers they are given (tests check
 * that with poisoned buffers).
 *
 * <p>Nothing a step allocated other than its result's buffer may be used once the step returns:
 * that holds under no_grad, where no autograd graph keeps intermediates, and modules cache no tensors.
 * A result that its caller has done with (a block's input once the block has run) can be handed back
 * with {@link #release}. A recycler belongs to one thread at a time.
 *
 * <p>A backward pass runs each node as work of {@link #serve} instead (autograd's {@code Autograd.backward}): what
 * a node allocates may outlive it as an input's gradient, so the pass itself counts which tensors hold each buffer
 * and releases those that none holds any more (a gradient whose node has run, a node's temporaries).
 */
public interface BufferRecycler {
    /** A recycler that reuses nothing (the CUDA backend's allocator caches its blocks already). */
    BufferRecycler NONE = new BufferRecycler() {
        @Override
        public Tensor step(Supplier<Tensor> step) {
            return step.get();
        }

        @Override
        public List<Buffer> serve(Runnable work) {
            work.run();
            return List.of();
        }

        @Override
        public void release(Buffer dead) {}

        @Override
        public void endPass() {}
    };

    /**
     * Runs {@code step} and returns its result; afterwards the buffers this thread allocated during
     * the step, except the result's, are handed out again by this recycler's later steps.
     */
    Tensor step(Supplier<Tensor> step);

    /**
     * Runs {@code work} (one node of a backward pass) with this thread's allocations served by this recycler, and
     * returns the buffers it handed out. Unlike a step's, none of them becomes free by itself: the caller
     * {@link #release releases} those that nothing holds once the work has run.
     */
    List<Buffer> serve(Runnable work);

    /**
     * Between steps (or work): {@code dead}, which nothing will read again (no tensor holds it), is handed out
     * by this recycler's later steps and work as if a step had let go of it.
     */
    void release(Buffer dead);

    /**
     * Ends a pass (one forward over the layers): free buffers that no step of the pass took are
     * dropped, so a pass with other shapes leaves only its own behind.
     */
    void endPass();
}
