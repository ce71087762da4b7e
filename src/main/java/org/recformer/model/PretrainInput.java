package org.recformer.model;

/**
 * One pretraining batch (docs/spec.md §4): view {@code a} (the items before the target) and view
 * {@code b} (the target item) of each user, and for each view the masked token ids and the MLM labels
 * ({@code -100} = not predicted), {@code batch x seq} of that view. The MLM fields may be null to
 * train the contrastive part alone.
 */
public record PretrainInput(ModelInput a, ModelInput b, int[] mlmInputIdsA, int[] mlmLabelsA,
                            int[] mlmInputIdsB, int[] mlmLabelsB) {

    public PretrainInput {
        if (a.batch() != b.batch()) {
            throw new IllegalArgumentException("view a has " + a.batch() + " rows but view b has " + b.batch());
        }
        checkPair("mlm_input_ids_a", mlmInputIdsA, "mlm_labels_a", mlmLabelsA, a);
        checkPair("mlm_input_ids_b", mlmInputIdsB, "mlm_labels_b", mlmLabelsB, b);
    }

    private static void checkPair(String idsField, int[] ids, String labelsField, int[] labels, ModelInput view) {
        if ((ids == null) != (labels == null)) {
            throw new IllegalArgumentException(idsField + " and " + labelsField + " must be given together");
        }
        int n = view.batch() * view.seq();
        if (ids != null && ids.length != n) throw new IllegalArgumentException(idsField + " has " + ids.length + " values, expected " + n);
        if (labels != null && labels.length != n) throw new IllegalArgumentException(labelsField + " has " + labels.length + " values, expected " + n);
    }
}
