package org.recformer.backend.cpu;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.recformer.autograd.GradMode;
import org.recformer.backend.Backends;
import org.recformer.model.ModelInit;
import org.recformer.model.ModelInput;
import org.recformer.model.RecformerConfig;
import org.recformer.model.RecformerModel;
import org.recformer.model.RecformerModelOutput;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Buffer;
import org.recformer.tensor.BufferRecycler;
import org.recformer.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU buffer recycler: which arrays a step gets, which it may not get, and the encoder under
 * no_grad (recycling) giving bit for bit what it gives with the graph on (no recycling).
 */
class CpuRecyclerTest {
    private static final Backend CPU = Backends.cpu();
    private static final int N = CpuRecycler.SMALLEST;

    private static float[] array(Tensor t) {
        return ((CpuBuffer) t.buffer()).data();
    }

    /** A step that allocates tensors of the given sizes, records their arrays, and returns a new tensor of {@code resultSize}. */
    private static Tensor step(BufferRecycler recycler, List<float[]> arrays, int resultSize, int... sizes) {
        return recycler.step(() -> {
            for (int n : sizes) arrays.add(array(Tensor.empty(CPU, n)));
            return Tensor.empty(CPU, resultSize);
        });
    }

    @Test
    void aStepsIntermediatesServeTheNextStepButItsResultDoesNot() {
        BufferRecycler recycler = CPU.recycler();
        List<float[]> first = new ArrayList<>(), second = new ArrayList<>();
        Tensor result = step(recycler, first, N, N, 2 * N);
        step(recycler, second, N, N, 2 * N);
        assertTrue(first.get(0) == second.get(0), "the N array serves the next step");
        assertTrue(first.get(1) == second.get(1), "the 2N array serves the next step");
        for (float[] a : second) assertTrue(array(result) != a, "the result's array is not handed out again");
    }

    @Test
    void aReleasedResultServesTheNextStepOnceAndMayNotBeReleasedTwice() {
        BufferRecycler recycler = CPU.recycler();
        List<float[]> made = new ArrayList<>(), next = new ArrayList<>();
        Tensor result = step(recycler, made, 3 * N);
        recycler.release(result.buffer());
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> recycler.release(result.buffer()));
        assertTrue(twice.getMessage().contains("released twice"), twice.getMessage());
        step(recycler, next, 1, 3 * N, 3 * N);
        assertTrue(next.get(0) == array(result), "the released array serves the next step");
        assertTrue(next.get(1) != array(result), "and only one of its buffers");
    }

    @Test
    void releasingInsideAStepIsRefusedAndASmallResultIsNotRecycled() {
        BufferRecycler recycler = CPU.recycler();
        Tensor outside = Tensor.empty(CPU, 3 * N);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> recycler.step(() -> {
            recycler.release(outside.buffer());
            return Tensor.empty(CPU, 1);
        }));
        assertTrue(e.getMessage().contains("while a recycler's step runs"), e.getMessage());
        List<float[]> next = new ArrayList<>();
        Tensor small = step(recycler, new ArrayList<>(), N - 1);
        recycler.release(small.buffer());
        recycler.release(small.buffer()); // not recycled, so not released twice either
        step(recycler, next, 1, N - 1);
        assertTrue(next.get(0) != array(small), "a buffer under the smallest recycled size is new");
    }

    @Test
    void aBufferGetsTheShortestFreeArrayThatHoldsItAndNoneOverTwiceItsSize() {
        BufferRecycler recycler = CPU.recycler();
        List<float[]> made = new ArrayList<>(), taken = new ArrayList<>();
        step(recycler, made, 1, 8 * N, 4 * N, 2 * N);
        step(recycler, taken, 1, 2 * N + 1, 3 * N / 2, 3 * N + 1);
        assertTrue(made.get(1) == taken.get(0), "2N + 1 takes the 4N array, the shortest that holds it");
        assertTrue(made.get(2) == taken.get(1), "1.5N takes the 2N array");
        assertTrue(made.stream().noneMatch(a -> a == taken.get(2)), "3N + 1 fits nothing left: the 8N array is over twice its size");
        assertEquals(CpuRecycler.roundedLength(3 * N + 1), taken.get(2).length);
    }

    @Test
    void newArraysAreRoundedUpByAtMostAQuarterAndSmallBuffersAreNotRecycled() {
        for (int n : new int[] {1, 2, 3, 7, 1000, N - 1, N, N + 1, 3 * N + 5, 1 << 24, (1 << 24) + 1, 1_500_000_001}) {
            int rounded = CpuRecycler.roundedLength(n);
            assertTrue(rounded >= n && rounded <= n + n / 4 + 1, n + " -> " + rounded);
        }
        for (int n : new int[] {2_000_000_003, Integer.MAX_VALUE - 8, Integer.MAX_VALUE}) { // no longer array than Java allows
            int rounded = CpuRecycler.roundedLength(n);
            assertTrue(rounded >= Math.min(n, Integer.MAX_VALUE - 8) && rounded <= Math.max(n, Integer.MAX_VALUE - 8), n + " -> " + rounded);
        }
        BufferRecycler recycler = CPU.recycler();
        List<float[]> first = new ArrayList<>(), second = new ArrayList<>();
        step(recycler, first, 1, N - 1);
        step(recycler, second, 1, N - 1);
        assertEquals(N - 1, first.get(0).length);
        assertTrue(first.get(0) != second.get(0), "a buffer under the smallest recycled size is new");
    }

    @Test
    void workGetsFreeArraysOfExactlyItsLengthListsWhatItMadeAndFreesNothingByItself() {
        BufferRecycler recycler = CPU.recycler();
        Tensor[] first = new Tensor[3], second = new Tensor[2], third = new Tensor[2];
        List<Buffer> made = recycler.serve(() -> {
            first[0] = Tensor.empty(CPU, N + 1);
            first[1] = Tensor.empty(CPU, 2 * N);
            first[2] = Tensor.empty(CPU, N - 1);
        });
        assertEquals(List.of(first[0].buffer(), first[1].buffer()), made, "the buffers it made, but for those under the smallest size");
        assertEquals(N + 1, array(first[0]).length, "a new array of exactly the length asked");
        recycler.serve(() -> second[0] = Tensor.empty(CPU, N + 1));
        assertTrue(array(second[0]) != array(first[0]), "nothing the work made is free until released");
        recycler.release(first[1].buffer());
        recycler.release(second[0].buffer());
        recycler.serve(() -> {
            third[0] = Tensor.empty(CPU, N);
            third[1] = Tensor.empty(CPU, 2 * N);
        });
        assertTrue(array(third[0]) != array(second[0]), "N does not take the free N + 1 array: only one of exactly its length");
        assertTrue(array(third[1]) == array(first[1]), "2N takes the released 2N array");
    }

    @Test
    void aPassDropsTheArraysNoStepOfItTook() {
        BufferRecycler recycler = CPU.recycler();
        List<float[]> first = new ArrayList<>(), second = new ArrayList<>(), third = new ArrayList<>();
        step(recycler, first, 1, N, 8 * N);
        recycler.endPass();
        step(recycler, second, 1, N);       // takes the N array, leaves the 8N one
        recycler.endPass();
        step(recycler, third, 1, N, 8 * N);
        assertTrue(first.get(0) == second.get(0), "the N array serves the next step");
        assertTrue(first.get(0) == third.get(0), "first.get(0) == third.get(0)");
        assertTrue(first.get(1) != third.get(1), "the 8N array was not taken in the second pass");
    }

    @Test
    void outsideAStepArraysAreNewAndExact() {
        BufferRecycler recycler = CPU.recycler();
        List<float[]> inside = new ArrayList<>();
        step(recycler, inside, 1, 3 * N + 5);
        float[] outside = array(Tensor.empty(CPU, 3 * N + 5));
        assertEquals(3 * N + 5, outside.length);
        assertTrue(inside.get(0) != outside, "an allocation outside a step gets no recycled array");
    }

    @Test
    void aFailedStepRecyclesNothingAndLeavesNoStepRunning() {
        BufferRecycler recycler = CPU.recycler();
        List<float[]> made = new ArrayList<>(), after = new ArrayList<>();
        assertThrows(IllegalStateException.class, () -> recycler.step(() -> {
            made.add(array(Tensor.empty(CPU, N)));
            throw new IllegalStateException("boom");
        }));
        assertEquals(N, array(Tensor.empty(CPU, N)).length, "no step runs after the failure");
        step(recycler, after, 1, N);
        assertTrue(made.get(0) != after.get(0), "the failed step's arrays are not recycled");
    }

    @Test
    void stepsDoNotNest() {
        BufferRecycler outer = CPU.recycler(), inner = CPU.recycler();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> outer.step(() -> inner.step(() -> Tensor.empty(CPU, 1))));
        assertTrue(e.getMessage().contains("already running"), e.getMessage());
    }

    @Test
    void aBufferInALongerArrayShowsOnlyItsOwnFloats() {
        BufferRecycler recycler = CPU.recycler();
        Tensor t = recycler.step(() -> Tensor.full(CPU, 2f, N + 1, 1));
        assertTrue(array(t).length > N + 1, "the recycler rounded the array up");
        assertEquals(N + 1, t.numel());
        float[] values = t.toArray();
        assertEquals(N + 1, values.length);
        for (float v : values) assertEquals(2f, v);
    }

    // ------------------------------------------------------------------------------ the encoder

    private static RecformerConfig config() throws java.io.IOException {
        return RecformerConfig.fromJson(new ObjectMapper().readTree("{\"vocab_size\": 60, \"hidden_size\": 128,"
                + " \"num_hidden_layers\": 3, \"num_attention_heads\": 4, \"intermediate_size\": 512,"
                + " \"attention_window\": [16, 8, 16], \"max_position_embeddings\": 300, \"max_item_embeddings\": 24,"
                + " \"layer_norm_eps\": 1e-5, \"pooler_type\": \"avg\"}"));
    }

    /** {@code lengths.length} rows padded to the longest: {@code <s>} then items of 12 tokens, global attention on {@code <s>}. */
    private static ModelInput batch(SplittableRandom random, int... lengths) {
        int seq = Arrays.stream(lengths).max().orElseThrow();
        int[][][] f = new int[5][lengths.length][seq];
        for (int b = 0; b < lengths.length; b++) {
            Arrays.fill(f[0][b], 1);
            Arrays.fill(f[3][b], 3);
            Arrays.fill(f[4][b], 23);
            for (int t = 0; t < lengths[b]; t++) {
                f[0][b][t] = t == 0 ? 0 : 3 + random.nextInt(57);
                f[1][b][t] = 1;
                f[2][b][t] = t == 0 ? 1 : 0;
                f[3][b][t] = t == 0 ? 0 : 1 + t % 2;
                f[4][b][t] = t == 0 ? 0 : 1 + (t - 1) / 12;
            }
        }
        return ModelInput.of(f[0], f[1], f[2], f[3], f[4]);
    }

    private static void assertSameOutput(RecformerModelOutput expected, RecformerModelOutput actual, String what) {
        assertArrayEquals(expected.lastHiddenState().toArray(), actual.lastHiddenState().toArray(), what + ": last hidden state");
        assertArrayEquals(expected.pooledOutput().toArray(), actual.pooledOutput().toArray(), what + ": pooled output");
        assertEquals(expected.hiddenStates().size(), actual.hiddenStates().size());
        for (int i = 0; i < expected.hiddenStates().size(); i++) {
            assertArrayEquals(expected.hiddenStates().get(i).toArray(), actual.hiddenStates().get(i).toArray(), what + ": hidden state " + i);
        }
    }

    @Test
    void theEncoderUnderNoGradGivesBitForBitWhatItGivesWithTheGraph() throws Exception {
        RecformerConfig config = config();
        RecformerModel model = new RecformerModel(config, CPU, 1);
        ModelInit.initialize(model, config, 7);
        model.eval();
        SplittableRandom random = new SplittableRandom(3);
        // larger, smaller, larger again, then one with no padding (its layer outputs are the hidden states):
        // arrays longer than their buffers, new and reused
        List<ModelInput> batches = List.of(batch(random, 200, 150, 180, 120), batch(random, 230, 200, 190, 210),
                batch(random, 97, 150, 120), batch(random, 220, 199, 205, 170), batch(random, 160, 160, 160, 160, 160));
        boolean recycledArraySeen = false;
        List<RecformerModelOutput[]> pairs = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < batches.size(); i++) {
                boolean states = (i + round) % 2 == 0;
                RecformerModelOutput withGraph = model.forward(batches.get(i), states);
                RecformerModelOutput recycled;
                try (GradMode.Scope noGrad = GradMode.noGrad()) {
                    recycled = model.forward(batches.get(i), states);
                }
                assertSameOutput(withGraph, recycled, "batch " + i + ", round " + round);
                pairs.add(new RecformerModelOutput[] {withGraph, recycled});
                if (states) {
                    Tensor layerOutput = recycled.hiddenStates().get(1);
                    recycledArraySeen |= array(layerOutput).length > layerOutput.numel();
                }
            }
        }
        assertTrue(recycledArraySeen, "no layer output came from the recycler: the test's buffers are too small to be recycled");
        try (GradMode.Scope noGrad = GradMode.noGrad()) { // one more pass, after the last one without padding
            model.forward(batches.get(3), false);
        }
        for (int p = 0; p < pairs.size(); p++) { // no later pass wrote into an output it handed out
            assertSameOutput(pairs.get(p)[0], pairs.get(p)[1], "after all passes, output " + p);
        }
    }
}
