package dev.ember.executor.ops.math;

/**
 * The four arithmetic ops that dominate transformer inference, with hand-written float loops (one
 * per operand layout) so that the JIT sees simple, vectorizable array walks instead of a
 * megamorphic call per element.
 */
enum Arith {
  ADD,
  SUB,
  MUL,
  DIV;

  /** Computes the float result of {@code a op b} over a broadcast plan of two operands. */
  float[] floats(BroadcastPlan p, float[] a, float[] b) {
    float[] out = new float[p.size];
    boolean aRuns = p.advances(0);
    boolean bRuns = p.advances(1);
    for (int r = 0; r < p.outer; r++) {
      int o = r * p.inner;
      int ai = p.start(0, r);
      int bi = p.start(1, r);
      if (aRuns && bRuns) {
        both(a, ai, b, bi, out, o, p.inner);
      } else if (aRuns) {
        heldRight(a, ai, b[bi], out, o, p.inner);
      } else if (bRuns) {
        heldLeft(a[ai], b, bi, out, o, p.inner);
      } else {
        java.util.Arrays.fill(out, o, o + p.inner, apply(a[ai], b[bi]));
      }
    }
    return out;
  }

  float apply(float x, float y) {
    switch (this) {
      case ADD:
        return x + y;
      case SUB:
        return x - y;
      case MUL:
        return x * y;
      default:
        return x / y;
    }
  }

  private void both(float[] a, int ai, float[] b, int bi, float[] out, int o, int n) {
    switch (this) {
      case ADD:
        for (int i = 0; i < n; i++) {
          out[o + i] = a[ai + i] + b[bi + i];
        }
        break;
      case SUB:
        for (int i = 0; i < n; i++) {
          out[o + i] = a[ai + i] - b[bi + i];
        }
        break;
      case MUL:
        for (int i = 0; i < n; i++) {
          out[o + i] = a[ai + i] * b[bi + i];
        }
        break;
      default:
        for (int i = 0; i < n; i++) {
          out[o + i] = a[ai + i] / b[bi + i];
        }
        break;
    }
  }

  private void heldRight(float[] a, int ai, float y, float[] out, int o, int n) {
    switch (this) {
      case ADD:
        for (int i = 0; i < n; i++) {
          out[o + i] = a[ai + i] + y;
        }
        break;
      case SUB:
        for (int i = 0; i < n; i++) {
          out[o + i] = a[ai + i] - y;
        }
        break;
      case MUL:
        for (int i = 0; i < n; i++) {
          out[o + i] = a[ai + i] * y;
        }
        break;
      default:
        // Division stays a division: multiplying by 1/y would round differently.
        for (int i = 0; i < n; i++) {
          out[o + i] = a[ai + i] / y;
        }
        break;
    }
  }

  private void heldLeft(float x, float[] b, int bi, float[] out, int o, int n) {
    switch (this) {
      case ADD:
        for (int i = 0; i < n; i++) {
          out[o + i] = x + b[bi + i];
        }
        break;
      case SUB:
        for (int i = 0; i < n; i++) {
          out[o + i] = x - b[bi + i];
        }
        break;
      case MUL:
        for (int i = 0; i < n; i++) {
          out[o + i] = x * b[bi + i];
        }
        break;
      default:
        for (int i = 0; i < n; i++) {
          out[o + i] = x / b[bi + i];
        }
        break;
    }
  }
}
