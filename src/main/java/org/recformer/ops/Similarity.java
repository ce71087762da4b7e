package org.recformer.ops;

import org.recformer.tensor.Shape;
import org.recformer.tensor.Tensor;

/** Similarity matrices between two sets of row vectors. */
public final class Similarity {
    private Similarity() {}

    /**
     * cos[i, j] between rows a[i] (a is [N, D]) and b[j] (b is [M, D]) -> [N, M], with PyTorch
     * 1.13 semantics: each row is divided by max(||row||, eps), then the normalized rows are
     * multiplied (a' b'^T), with FP32 operands at every backend precision (torch.autocast keeps
     * cosine_similarity in FP32: at Recformer's temperature 0.05 a score error is multiplied by 20).
     */
    public static Tensor cosineSimilarityMatrix(Tensor a, Tensor b, float eps) {
        if (a.rank() != 2 || b.rank() != 2 || a.dim(1) != b.dim(1)) {
            throw new IllegalArgumentException("cosineSimilarityMatrix: " + Shape.str(a.shape()) + " and "
                    + Shape.str(b.shape()) + " (expected [N, D] and [M, D])");
        }
        Tensor an = Arithmetic.div(a, Norms.rowNorm(a, eps, true));
        Tensor bn = Arithmetic.div(b, Norms.rowNorm(b, eps, true));
        return MatMul.matmulFullPrecision(an, bn, false, true);
    }

    /**
     * cos[i, j] between row a[i] (a is [N, D]) and its own candidates b[i, j] (b is [N, K, D]) ->
     * [N, K], with the semantics of {@link #cosineSimilarityMatrix}: the same values as the
     * matching entries of that matrix, without computing the others.
     */
    public static Tensor cosineSimilarityPerRow(Tensor a, Tensor b, float eps) {
        if (a.rank() != 2 || b.rank() != 3 || b.dim(0) != a.dim(0) || a.dim(1) != b.dim(2)) {
            throw new IllegalArgumentException("cosineSimilarityPerRow: " + Shape.str(a.shape()) + " and "
                    + Shape.str(b.shape()) + " (expected [N, D] and [N, K, D])");
        }
        int n = a.dim(0), k = b.dim(1), d = a.dim(1);
        Tensor an = Shapes.reshape(Arithmetic.div(a, Norms.rowNorm(a, eps, true)), n, 1, d);
        Tensor rows = Shapes.reshape(b, n * k, d);
        Tensor bn = Shapes.reshape(Arithmetic.div(rows, Norms.rowNorm(rows, eps, true)), n, k, d);
        return Shapes.reshape(MatMul.matmul(an, bn, false, true), n, k);
    }
}
