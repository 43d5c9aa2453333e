package dev.ember.executor.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BucketCutsTest {
  /** Capture sizes 1, 2, 4, ..., 64 and buckets 8, 12, ..., 32, 40, ... as level 3 has them. */
  private static final CompileWrapper WRAPPER =
      CompileWrapper.builder(CompileOptions.level(3)
              .withSeqBuckets(List.of(8, 12, 16, 20, 24, 28, 32, 40, 48, 64)))
          .backend(new CpuJaninoBackend()).graphHash("bucket-cuts-test")
          .build(BatchRunnerTest.sequence());

  private static int[] lengths(int... countThenLength) {
    int[] out = new int[0];
    for (int i = 0; i < countThenLength.length; i += 2) {
      int from = out.length;
      out = Arrays.copyOf(out, from + countThenLength[i]);
      Arrays.fill(out, from, out.length, countThenLength[i + 1]);
    }
    return out;
  }

  @Test
  void rowsOfTwoBucketsFillWholeCaptureSizesInsteadOfCuttingAtTheBucket() {
    // 20 rows of 24 and 12 of 28: cut at the bucket they ran as 16 + 4 at 24 and 8 + 4 at 28,
    // four calls; by cost, 16 at 24 and 16 at 28 (four rows of 24 padded to 28), two calls.
    assertArrayEquals(new int[] {16, 32}, BucketCuts.ends(lengths(20, 24, 12, 28), 32, WRAPPER));
  }

  @Test
  void oneBucketRunsInCallsOfAtMostRowsPerBatch() {
    assertArrayEquals(new int[] {32}, BucketCuts.ends(lengths(32, 20), 32, WRAPPER));
    assertArrayEquals(new int[] {32, 64, 80}, BucketCuts.ends(lengths(80, 20), 32, WRAPPER));
    int[] ends = BucketCuts.ends(lengths(7, 9, 30, 17, 3, 40, 50, 33, 2, 300), 16, WRAPPER);
    int from = 0;
    for (int end : ends) {
      assertTrue(end - from >= 1 && end - from <= 16, Arrays.toString(ends));
      from = end;
    }
    assertTrue(from == 92, Arrays.toString(ends));
  }

  @Test
  void aFewShortRowsRideAlongWithLongerOnes() {
    // One row of 8 beside 15 of 16: a call of its own would stream every weight for 8 tokens.
    assertArrayEquals(new int[] {16}, BucketCuts.ends(lengths(1, 8, 15, 16), 64, WRAPPER));
  }

  @Test
  void noRowsNoCalls() {
    assertArrayEquals(new int[0], BucketCuts.ends(new int[0], 32, WRAPPER));
  }
}
