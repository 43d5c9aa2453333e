package dev.ember.executor.ops.math;

import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpException;
import java.util.Arrays;

/**
 * How the operands of a broadcasting op line up with its output, as contiguous runs: the output is
 * {@code outer} runs of {@code inner} elements, and within a run each operand either advances with
 * the output or stays on one element. {@code [B,S,384] + [384]} is B*S runs of 384 where both
 * advance; {@code [B,S,384] / [B,S,1]} is B*S runs where the divisor stays put. Kernels walk runs
 * so that their inner loops are plain array walks, with no per-element index arithmetic.
 */
final class BroadcastPlan {
  /** The output shape. */
  final int[] shape;

  /** Output element count. */
  final int size;

  /** Elements per run. */
  final int inner;

  /** Number of runs. */
  final int outer;

  private final boolean[] advances;
  private final int[][] starts;

  private BroadcastPlan(int[] shape, int inner, int outer, boolean[] advances, int[][] starts) {
    this.shape = shape;
    this.size = inner * outer;
    this.inner = inner;
    this.outer = outer;
    this.advances = advances;
    this.starts = starts;
  }

  static BroadcastPlan of(Tensor... operands) {
    int[][] shapes = new int[operands.length][];
    for (int k = 0; k < operands.length; k++) {
      shapes[k] = operands[k].shape();
    }
    return of(shapes);
  }

  /** Plans the numpy broadcast of the shapes, or throws an OpException naming all of them. */
  static BroadcastPlan of(int[]... shapes) {
    int[] out = outputShape(shapes);
    int rank = out.length;
    long total = checkedSize(out, shapes);
    int m = shapes.length;
    if (total == 0) {
      return new BroadcastPlan(out, 0, 0, new boolean[m], new int[m][0]);
    }
    int[][] padded = new int[m][];
    for (int k = 0; k < m; k++) {
      padded[k] = pad(shapes[k], rank);
    }
    // Grow the run from the last axis while every operand keeps the same role (advancing or
    // held); size-1 output axes fit any role.
    boolean[] roles = null;
    int split = rank;
    for (int ax = rank - 1; ax >= 0; ax--) {
      if (out[ax] != 1) {
        boolean[] r = new boolean[m];
        for (int k = 0; k < m; k++) {
          r[k] = padded[k][ax] == out[ax];
        }
        if (roles != null && !Arrays.equals(roles, r)) {
          break;
        }
        roles = r;
      }
      split = ax;
    }
    int inner = (int) Shapes.numel(Arrays.copyOfRange(out, split, rank));
    int[] outerShape = Arrays.copyOfRange(out, 0, split);
    boolean[] advances = new boolean[m];
    int[][] starts = new int[m][];
    for (int k = 0; k < m; k++) {
      advances[k] = roles == null || roles[k];
      int perRun = advances[k] ? inner : 1;
      int[] idx = Shapes.broadcastIndex(Arrays.copyOfRange(padded[k], 0, split), outerShape);
      for (int r = 0; r < idx.length; r++) {
        idx[r] *= perRun;
      }
      starts[k] = idx;
    }
    return new BroadcastPlan(out, inner, (int) (total / inner), advances, starts);
  }

  /** Whether operand {@code k} advances with the output inside a run (else it is held). */
  boolean advances(int k) {
    return advances[k];
  }

  /** Where run {@code run} starts in operand {@code k}'s elements. */
  int start(int k, int run) {
    return starts[k][run];
  }

  /** Receives one output position and the matching element of each of two operands. */
  interface Visitor2 {
    void at(int out, int a, int b);
  }

  /** Receives one output position and the matching element of each of three operands. */
  interface Visitor3 {
    void at(int out, int a, int b, int c);
  }

  /** Visits every output element of a two-operand plan in row-major order. */
  void forEach(Visitor2 v) {
    int sa = advances[0] ? 1 : 0;
    int sb = advances[1] ? 1 : 0;
    for (int r = 0, o = 0; r < outer; r++) {
      int a = starts[0][r];
      int b = starts[1][r];
      for (int i = 0; i < inner; i++, o++, a += sa, b += sb) {
        v.at(o, a, b);
      }
    }
  }

  /** Visits every output element of a three-operand plan in row-major order. */
  void forEach(Visitor3 v) {
    int sa = advances[0] ? 1 : 0;
    int sb = advances[1] ? 1 : 0;
    int sc = advances[2] ? 1 : 0;
    for (int r = 0, o = 0; r < outer; r++) {
      int a = starts[0][r];
      int b = starts[1][r];
      int c = starts[2][r];
      for (int i = 0; i < inner; i++, o++, a += sa, b += sb, c += sc) {
        v.at(o, a, b, c);
      }
    }
  }

  private static int[] outputShape(int[][] shapes) {
    int[] out = shapes[0];
    for (int k = 1; k < shapes.length; k++) {
      out = Shapes.broadcast(out, shapes[k]);
      if (out == null) {
        throw OpException.shapes(describe(shapes) + " cannot be broadcast together");
      }
    }
    return out.clone();
  }

  private static long checkedSize(int[] out, int[][] shapes) {
    for (int d : out) {
      if (d == 0) {
        return 0;
      }
    }
    long n = 1;
    for (int d : out) {
      n *= d;
      if (n > Integer.MAX_VALUE) {
        throw OpException.shapes(
            "broadcasting "
                + describe(shapes)
                + " gives "
                + Shapes.str(out)
                + ", more than 2^31-1 elements");
      }
    }
    return n;
  }

  private static int[] pad(int[] s, int rank) {
    int[] p = new int[rank];
    Arrays.fill(p, 0, rank - s.length, 1);
    System.arraycopy(s, 0, p, rank - s.length, s.length);
    return p;
  }

  /** "shapes [2, 3] and [4]", or "shapes [a], [b] and [c]". */
  static String describe(int[][] shapes) {
    StringBuilder sb = new StringBuilder("shapes ");
    for (int k = 0; k < shapes.length; k++) {
      if (k > 0) {
        sb.append(k == shapes.length - 1 ? " and " : ", ");
      }
      sb.append(Shapes.str(shapes[k]));
    }
    return sb.toString();
  }
}
