package org.recformer.data.batch;

import java.util.Arrays;

/**
 * One evaluation example (docs/spec.md §5): the history (item ids, oldest to newest) and the item
 * to rank.
 */
public record EvalExample(int[] history, int label) {

    /** Validation: the training part of the user's sequence predicts the validation item. */
    public static EvalExample validation(int[] train, int valItem) {
        return new EvalExample(train.clone(), valItem);
    }

    /** Test: training part plus validation item predict the test item. */
    public static EvalExample test(int[] train, int valItem, int testItem) {
        int[] history = Arrays.copyOf(train, train.length + 1);
        history[train.length] = valItem;
        return new EvalExample(history, testItem);
    }
}
