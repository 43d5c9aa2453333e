package dev.ember.executor.backend.cpu;

import dev.ember.executor.backend.cpu.gemm.Gemm;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import java.util.Arrays;
import java.util.List;

/**
 * What generated code calls besides its own loops: the GEMM, the reference kernels of fallback
 * nodes, and shape arithmetic for values whose sizes are known only at run time.
 */
public final class CpuRuntime {
  private final Gemm gemm;
  private final Node[] fallbackNodes;
  private final OpDef[] fallbackOps;
  /** Faster kernels for some fallback nodes (null where the reference kernel runs). */
  private final QuantizedMatMul[] fast;

  public CpuRuntime(Gemm gemm, Node[] fallbackNodes, OpDef[] fallbackOps) {
    this.gemm = gemm;
    this.fallbackNodes = fallbackNodes.clone();
    this.fallbackOps = fallbackOps.clone();
    this.fast = new QuantizedMatMul[fallbackNodes.length];
    for (int i = 0; i < fast.length; i++) {
      fast[i] = QuantizedMatMul.forNode(fallbackNodes[i], gemm);
    }
  }

  public Gemm gemm() {
    return gemm;
  }

  /** Runs fallback node {@code i} on its reference kernel; errors name the node. */
  public Tensor[] fallback(int i, Tensor[] inputs) {
    Node node = fallbackNodes[i];
    try {
      Tensor[] quick = fast[i] == null ? null : fast[i].run(inputs);
      if (quick != null) {
        return quick;
      }
      List<Tensor> out = fallbackOps[i].evaluate(new KernelContext(node, Arrays.asList(inputs)));
      return out.toArray(new Tensor[0]);
    } catch (OpException e) {
      throw Errors.atNode(e.code(), node.describe(), e.getMessage(), e.fix(), e);
    } catch (EmberException e) {
      throw e;
    } catch (RuntimeException e) {
      throw Errors.atNode(ErrorCode.KERNEL_FAILED, node.describe(), "failed with " + e,
          "check the input values; if they are valid, report this as an Ember bug", e);
    }
  }

  /** A new FLOAT tensor holding the first numel(shape) floats of {@code buf}. */
  public static Tensor copyOf(float[] buf, int[] shape) {
    int n = Math.toIntExact(Shapes.numel(shape));
    return Tensor.wrap(DType.FLOAT, shape, Arrays.copyOf(buf, n));
  }

  /** Wraps {@code buf} when it holds exactly numel(shape) floats, else copies. */
  public static Tensor wrapOrCopy(float[] buf, int[] shape) {
    return buf.length == Shapes.numel(shape) ? Tensor.wrap(DType.FLOAT, shape, buf)
        : copyOf(buf, shape);
  }

  public static int numel(int[] shape) {
    return Math.toIntExact(Shapes.numel(shape));
  }

  /** numpy broadcast of shapes, or SHAPE_MISMATCH. */
  public static int[] broadcast(int[]... shapes) {
    int[] out = shapes[0];
    for (int i = 1; i < shapes.length; i++) {
      int[] next = Shapes.broadcast(out, shapes[i]);
      if (next == null) {
        throw shapes("shapes " + Arrays.toString(out) + " and " + Arrays.toString(shapes[i])
            + " cannot be broadcast together");
      }
      out = next;
    }
    return out;
  }

  /** The shape of {@code a @ b} for operands of equal rank >= 2 (or 2-D weights b). */
  public static int[] matmul(int[] a, int[] b) {
    int[] out = a.clone();
    out[out.length - 1] = b[b.length - 1];
    if (a[a.length - 1] != b[b.length - 2]) {
      throw shapes("MatMul inner dimensions differ: " + Arrays.toString(a) + " x "
          + Arrays.toString(b));
    }
    if (b.length > 2) {
      for (int i = 0; i < a.length - 2; i++) {
        if (a[i] != b[i]) {
          throw shapes("MatMul batch dims differ: " + Arrays.toString(a) + " x "
              + Arrays.toString(b));
        }
      }
    }
    return out;
  }

  public static int[] permute(int[] s, int[] perm) {
    int[] out = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      out[i] = s[perm[i]];
    }
    return out;
  }

  /** Gather along axis 0: indices' shape then data's trailing dims. */
  public static int[] gather(int[] data, int[] idx) {
    int[] out = Arrays.copyOf(idx, idx.length + data.length - 1);
    System.arraycopy(data, 1, out, idx.length, data.length - 1);
    return out;
  }

  /** The shape after reducing the last axis. */
  public static int[] reduceLast(int[] s, boolean keep) {
    int[] out = Arrays.copyOf(s, keep ? s.length : s.length - 1);
    if (keep) {
      out[s.length - 1] = 1;
    }
    return out;
  }

  /** Reshape's target with 0 (copy, unless allowzero) and -1 (infer) resolved. */
  public static int[] reshape(int[] in, long[] target, boolean allowzero) {
    int[] out = new int[target.length];
    long known = 1;
    int infer = -1;
    for (int i = 0; i < target.length; i++) {
      long t = target[i];
      if (t == 0 && !allowzero) {
        t = in[i];
      }
      if (t == -1) {
        infer = i;
        continue;
      }
      out[i] = Math.toIntExact(t);
      known *= t;
    }
    long n = Shapes.numel(in);
    if (infer >= 0) {
      out[infer] = known == 0 ? 0 : Math.toIntExact(n / known);
    }
    if (Shapes.numel(out) != n) {
      throw shapes("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
    }
    return out;
  }

  public static int[] unsqueeze(int[] in, long[] axes) {
    int rank = in.length + axes.length;
    boolean[] added = new boolean[rank];
    for (long a : axes) {
      added[(int) (a < 0 ? a + rank : a)] = true;
    }
    int[] out = new int[rank];
    for (int i = 0, j = 0; i < rank; i++) {
      out[i] = added[i] ? 1 : in[j++];
    }
    return out;
  }

  /** Squeeze the given axes, or every size-1 axis when {@code axes} is null. */
  public static int[] squeeze(int[] in, long[] axes) {
    boolean[] drop = new boolean[in.length];
    if (axes == null) {
      for (int i = 0; i < in.length; i++) {
        drop[i] = in[i] == 1;
      }
    } else {
      for (long a : axes) {
        drop[(int) (a < 0 ? a + in.length : a)] = true;
      }
    }
    int[] out = new int[in.length];
    int r = 0;
    for (int i = 0; i < in.length; i++) {
      if (!drop[i]) {
        out[r++] = in[i];
      }
    }
    return Arrays.copyOf(out, r);
  }

  public static int[] flatten(int[] in, int axis) {
    int a = axis < 0 ? axis + in.length : axis;
    long outer = 1;
    for (int i = 0; i < a; i++) {
      outer *= in[i];
    }
    long inner = Shapes.numel(in) / Math.max(1, outer);
    return new int[] {Math.toIntExact(outer), Math.toIntExact(inner)};
  }

  /** ONNX Shape with start/end (opset 15) as an int64 tensor. */
  public static Tensor shapeTensor(int[] s, long start, long end) {
    int r = s.length;
    int from = (int) Math.max(0, Math.min(r, start < 0 ? start + r : start));
    int to = (int) Math.max(0, Math.min(r, end < 0 ? end + r : end));
    long[] out = new long[Math.max(0, to - from)];
    for (int i = 0; i < out.length; i++) {
      out[i] = s[from + i];
    }
    return Tensor.int64Vector(out);
  }

  /** The error for an out-of-range Gather index. */
  public static EmberException badIndex(long index, int size) {
    return Errors.of(ErrorCode.KERNEL_FAILED,
        "Gather index " + index + " is out of range for an axis of size " + size,
        "check the input ids against the model's vocabulary size");
  }

  private static EmberException shapes(String why) {
    return Errors.of(ErrorCode.SHAPE_MISMATCH, why, "feed inputs whose shapes fit the model");
  }

  /** Fills the m x n matrix {@code o} with the Gemm bias {@code c} broadcast to it. */
  public static void fillBias(float[] o, int m, int n, float[] c, int[] cShape) {
    int rows = cShape.length == 2 ? cShape[0] : 1;
    int cols = cShape.length >= 1 ? cShape[cShape.length - 1] : 1;
    for (int i = 0; i < m; i++) {
      int row = rows == 1 ? 0 : i * cols;
      for (int j = 0; j < n; j++) {
        o[i * n + j] = c[row + (cols == 1 ? 0 : j)];
      }
    }
  }
}
