package org.recformer.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The top-k order of recommend: highest score first, equal scores by lower item index first. */
class RecommendTopTest {

    // item (index in the window from offset 1):  0  1  2  3  4
    private static final float[] SCORES = {9f, 2f, 5f, 5f, 1f, 5f};

    @Test
    void highestFirstAndTiesByLowerIndex() {
        assertArrayEquals(new int[] {1, 2, 4}, RecommendCommand.top(SCORES, 1, 5, 3));
    }

    @Test
    void kAboveTheCandidateCountGivesEveryCandidate() {
        assertArrayEquals(new int[] {1, 2, 4, 0, 3}, RecommendCommand.top(SCORES, 1, 5, 9));
    }
}
