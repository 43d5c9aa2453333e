package dev.ember.executor.ops.shape;

import static dev.ember.executor.ops.shape.Ops.infer;
import static dev.ember.executor.ops.shape.Ops.iota;
import static dev.ember.executor.ops.shape.Ops.node;
import static dev.ember.executor.ops.shape.Ops.run;
import static dev.ember.executor.ops.shape.Ops.type;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransposeOpTest {
  @Test
  void inferencePermutesSymbolicDims() {
    Node n = node("Transpose", 13, 1, "perm", new long[] {0, 2, 1, 3});
    assertEquals(
        type(DType.FLOAT, "batch", 12, "seq", 32),
        infer(n, List.of(type(DType.FLOAT, "batch", "seq", 12, 32))));
  }

  @Test
  void defaultPermReverses() {
    Node n = node("Transpose", 13, 1);
    assertEquals(
        type(DType.FLOAT16, 3, "seq", "batch"),
        infer(n, List.of(type(DType.FLOAT16, "batch", "seq", 3))));
    Tensor y = run(n, iota(2, 3));
    assertArrayEquals(new int[] {3, 2}, y.shape());
    assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, y.rawFloats());
  }

  @Test
  void badPermIsRejected() {
    Node n = node("Transpose", 13, 1, "perm", new long[] {0, 0, 1});
    assertThrows(OpException.class, () -> infer(n, List.of(type(DType.FLOAT, 1, 2, 3))));
  }

  @Test
  void headsTransposeMatchesNaiveLoop() {
    int b = 2;
    int s = 5;
    int h = 3;
    int d = 4;
    Node n = node("Transpose", 13, 1, "perm", new long[] {0, 2, 1, 3});
    float[] y = run(n, iota(b, s, h, d)).rawFloats();
    int k = 0;
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < h; j++) {
        for (int t = 0; t < s; t++) {
          for (int e = 0; e < d; e++) {
            assertEquals(((i * s + t) * h + j) * d + e, y[k++]);
          }
        }
      }
    }
  }

  @Test
  void movesEveryStorageKind() {
    Node n = node("Transpose", 13, 1);
    Tensor strings = Tensor.ofStrings(new int[] {2, 2}, new String[] {"a", "b", "c", "d"});
    assertArrayEquals(new String[] {"a", "c", "b", "d"}, run(n, strings).rawStrings());
    Tensor bools = Tensor.ofBools(new int[] {1, 3}, new boolean[] {true, false, true});
    assertArrayEquals(new boolean[] {true, false, true}, run(n, bools).rawBools());
    Tensor i8 = Tensor.ofLongs(DType.INT8, new int[] {2, 2}, new long[] {1, -2, 3, -4});
    Tensor t = run(n, i8);
    assertEquals(DType.INT8, t.dtype());
    assertArrayEquals(new long[] {1, 3, -2, -4}, t.rawLongs());
    Tensor f64 = Tensor.ofDoubles(new int[] {2, 1}, new double[] {0.5, 1.5});
    assertArrayEquals(new double[] {0.5, 1.5}, run(n, f64).rawDoubles());
  }
}
