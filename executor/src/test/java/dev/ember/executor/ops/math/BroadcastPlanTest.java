package dev.ember.executor.ops.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ops.OpException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BroadcastPlanTest {

  @Test
  void biasAddIsOneRunPerRow() {
    BroadcastPlan p = BroadcastPlan.of(new int[] {2, 5, 384}, new int[] {384});
    assertEquals(384, p.inner);
    assertEquals(10, p.outer);
    assertTrue(p.advances(0) && p.advances(1));
    assertEquals(384 * 3, p.start(0, 3));
    assertEquals(0, p.start(1, 3));
  }

  @Test
  void perRowDivisorIsHeldWithinARun() {
    BroadcastPlan p = BroadcastPlan.of(new int[] {2, 5, 384}, new int[] {2, 5, 1});
    assertEquals(384, p.inner);
    assertTrue(p.advances(0));
    assertFalse(p.advances(1));
    assertEquals(7, p.start(1, 7));
  }

  @Test
  void sameShapeIsOneRun() {
    BroadcastPlan p = BroadcastPlan.of(new int[] {4, 1, 6}, new int[] {4, 1, 6});
    assertEquals(1, p.outer);
    assertEquals(24, p.inner);
  }

  @Test
  void emptyOutputHasNoRuns() {
    BroadcastPlan p = BroadcastPlan.of(new int[] {3, 0}, new int[] {1});
    assertArrayEquals(new int[] {3, 0}, p.shape);
    assertEquals(0, p.size);
  }

  @Test
  void oversizedBroadcastFailsBeforeAllocating() {
    OpException e =
        assertThrows(
            OpException.class, () -> BroadcastPlan.of(new int[] {65536, 1}, new int[] {1, 65536}));
    assertTrue(e.getMessage().contains("2^31-1"), e.getMessage());
  }

  /** Every layout of random shapes visits exactly the elements numpy broadcasting pairs. */
  @Test
  void runsMatchElementwiseBroadcastIndex() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 500; trial++) {
      int rank = 1 + rnd.nextInt(4);
      int[] out = new int[rank];
      for (int i = 0; i < rank; i++) {
        out[i] = 1 + rnd.nextInt(4);
      }
      int[] a = operand(out, rnd);
      int[] b = operand(out, rnd);
      int[] c = operand(out, rnd);
      BroadcastPlan p = BroadcastPlan.of(a, b, c);
      int[] ia = Shapes.broadcastIndex(a, p.shape);
      int[] ib = Shapes.broadcastIndex(b, p.shape);
      int[] ic = Shapes.broadcastIndex(c, p.shape);
      int[] seen = {0};
      p.forEach(
          (o, i, j, k) -> {
            assertEquals(seen[0]++, o);
            assertEquals(ia[o], i);
            assertEquals(ib[o], j);
            assertEquals(ic[o], k);
          });
      assertEquals(Shapes.numel(p.shape), seen[0]);

      float[] x = random(a, rnd);
      float[] y = random(b, rnd);
      BroadcastPlan p2 = BroadcastPlan.of(a, b);
      int[] ja = Shapes.broadcastIndex(a, p2.shape);
      int[] jb = Shapes.broadcastIndex(b, p2.shape);
      for (Arith op : Arith.values()) {
        float[] got = op.floats(p2, x, y);
        for (int o = 0; o < got.length; o++) {
          assertEquals(op.apply(x[ja[o]], y[jb[o]]), got[o], op + " at " + o);
        }
      }
    }
  }

  /** A shape that broadcasts to {@code out}: some axes set to 1, some leading axes dropped. */
  private static int[] operand(int[] out, Random rnd) {
    int drop = rnd.nextInt(out.length + 1);
    int[] s = new int[out.length - drop];
    for (int i = 0; i < s.length; i++) {
      s[i] = rnd.nextBoolean() ? out[i + drop] : 1;
    }
    return s;
  }

  private static float[] random(int[] shape, Random rnd) {
    float[] v = new float[(int) Shapes.numel(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = rnd.nextFloat() * 4 - 2;
    }
    return v;
  }
}
