package org.recformer.train;

import org.recformer.nn.Parameter;
import org.recformer.tensor.Backend;
import org.recformer.tensor.Buffer;
import org.recformer.tensor.StepStatus;
import org.recformer.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with decoupled weight decay (torch.optim.AdamW semantics: betas 0.9/0.999, eps 1e-8),
 * no decay for biases and LayerNorm weights (the public code's grouping: names containing
 * {@code bias} or {@code LayerNorm.weight}). Frozen parameters are skipped. Moments live on the
 * parameter's backend; {@link #state()} exposes them for checkpoints.
 */
public final class AdamW {
    private final Map<String, Parameter> params;
    private final Map<String, Tensor> firstMoments = new LinkedHashMap<>();
    private final Map<String, Tensor> secondMoments = new LinkedHashMap<>();
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private int step;

    public AdamW(Map<String, Parameter> params, float weightDecay) {
        this(params, weightDecay, 0.9f, 0.999f, 1e-8f);
    }

    public AdamW(Map<String, Parameter> params, float weightDecay, float beta1, float beta2, float eps) {
        this.params = params;
        this.weightDecay = weightDecay;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Tensor t = e.getValue().tensor();
            firstMoments.put(e.getKey(), Tensor.zeros(t.backend(), t.shape()));
            secondMoments.put(e.getKey(), Tensor.zeros(t.backend(), t.shape()));
        }
    }

    /** Whether a parameter of this name gets weight decay (biases and LayerNorm weights do not). */
    public static boolean decays(String name) {
        return !(name.endsWith("bias") || name.contains("LayerNorm.weight") || name.contains("layer_norm.weight"));
    }

    /**
     * One update with learning rate lr from the parameters' accumulated gradients times
     * status[CLIP_FACTOR]; none (on the device) once status records a divergence ({@link StepStatus}).
     */
    public void step(float lr, Tensor status) {
        step++;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            Tensor grad = p.tensor().grad();
            if (p.isFrozen() || grad == null) continue;
            Tensor t = p.tensor();
            float wd = decays(e.getKey()) ? weightDecay : 0f;
            t.backend().adamwStep(t.buffer(), grad.buffer(), firstMoments.get(e.getKey()).buffer(),
                    secondMoments.get(e.getKey()).buffer(), t.numel(), lr, beta1, beta2, eps, wd, step, status.buffer());
        }
    }

    /** A step status ({@link StepStatus}) for updates without clipping: factor 1, no divergence. */
    public static Tensor unclipped(Backend backend) {
        float[] status = new float[StepStatus.size(0)];
        status[StepStatus.CLIP_FACTOR] = 1f;
        return Tensor.of(backend, status, status.length);
    }

    /** Steps taken so far. */
    public int stepCount() {
        return step;
    }

    /** Restores the step count (resuming from a checkpoint, with the moments copied into {@link #state()}). */
    public void setStepCount(int step) {
        this.step = step;
    }

    /** The moments by parameter name ({@code exp_avg.<name>} and {@code exp_avg_sq.<name>}), live. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        firstMoments.forEach((k, v) -> out.put("exp_avg." + k, v));
        secondMoments.forEach((k, v) -> out.put("exp_avg_sq." + k, v));
        return out;
    }

    /**
     * Gradient clipping on the device (torch clip_grad_norm_, factor maxNorm / (norm + 1e-6) clamped to
     * 1): the global L2 norm of the gradients into status[GRAD_NORM] and the factor the next
     * {@link #step} applies into status[CLIP_FACTOR] ({@link StepStatus}); nothing is read back.
     */
    public static void clipGradNorm(Iterable<Parameter> parameters, float maxNorm, Tensor status, int step, int lastMicroBatch) {
        List<Buffer> grads = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (Parameter p : parameters) {
            Tensor g = p.tensor().grad();
            if (g == null) continue;
            grads.add(g.buffer());
            sizes.add(g.numel());
        }
        status.backend().clipGradNorm(grads.toArray(new Buffer[0]), sizes.stream().mapToInt(Integer::intValue).toArray(),
                maxNorm, status.buffer(), step, lastMicroBatch);
    }
}
