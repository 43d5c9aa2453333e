package dev.ember.executor.ops.shape;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.CompiledForm;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX {@code Reshape}: the same elements under a new shape. In the shape, -1 (at most once) is
 * inferred from the element count and 0 copies the input's dim at that position, unless {@code
 * allowzero=1} (opset 14) makes 0 a literal empty dim. Opsets 1-4 take the shape as an attribute;
 * later ones as input 1.
 */
final class ReshapeOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Reshape")
          .since(1, 5, 13, 14, 19, 21, 23, 24, 25)
          .types(EnumSet.allOf(DType.class))
          .summary("same elements, new shape (0 copies a dim, -1 infers one)")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType in = ctx.type(0);
    if (in == null) {
      return Infer.one(null);
    }
    IntArg shape = IntArg.infer(ctx, "shape", 5, 1);
    if (!shape.known()) {
      Shape s =
          shape.length() >= 0 ? Shape.of(Dims.fresh(ctx, shape.length())) : Shape.unknownRank();
      return Infer.one(new TensorType(in.dtype(), s));
    }
    long[] want = shape.values();
    boolean allowZero = allowZero(ctx.node().opset(), ctx.attrs().getInt("allowzero", 0));
    checkSpec(want, allowZero);
    List<Dim> inDims = Dims.of(in);
    List<Dim> out = new ArrayList<>(want.length);
    int inferAt = -1;
    for (int i = 0; i < want.length; i++) {
      long w = want[i];
      if (w == -1) {
        inferAt = i;
        out.add(null);
      } else if (w == 0 && !allowZero) {
        if (inDims != null && i >= inDims.size()) {
          throw copyOutOfRange(i, inDims.size());
        }
        out.add(inDims == null ? Infer.fresh(ctx, 0, i) : inDims.get(i));
      } else {
        out.add(Dim.fixed(w));
      }
    }
    if (inferAt >= 0) {
      out.set(inferAt, inferred(ctx, inDims, out, inferAt));
    } else if (inDims != null) {
      checkCount(inDims, out);
    }
    return Infer.one(Dims.type(in.dtype(), out));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    long[] want =
        ctx.node().opset() < 5
            ? ctx.attrs().getInts("shape")
            : IntArg.values(ctx.required(1), "shape");
    if (want == null) {
      throw OpException.attribute("Reshape before opset 5 needs the 'shape' attribute");
    }
    boolean allowZero = allowZero(ctx.node().opset(), ctx.attrs().getInt("allowzero", 0));
    checkSpec(want, allowZero);
    int[] in = x.shape();
    long[] dims = new long[want.length];
    int inferAt = -1;
    long known = 1;
    for (int i = 0; i < want.length; i++) {
      long w = want[i];
      if (w == 0 && !allowZero) {
        if (i >= in.length) {
          throw copyOutOfRange(i, in.length);
        }
        w = in[i];
      }
      if (w == -1) {
        inferAt = i;
        continue;
      }
      dims[i] = w;
      known = Elements.saturatedProduct(known, w);
    }
    long total = x.size();
    if (inferAt >= 0) {
      if (known == 0 || total % known != 0) {
        throw mismatch(in, want);
      }
      dims[inferAt] = total / known;
    } else if (known != total) {
      throw mismatch(in, want);
    }
    return List.of(x.reshape(Elements.checkedShape(dims, "Reshape output shape")));
  }

  private static boolean allowZero(int opset, long attr) {
    return opset >= 14 && attr != 0;
  }

  private static void checkSpec(long[] want, boolean allowZero) {
    int minusOnes = 0;
    boolean zero = false;
    for (long w : want) {
      if (w < -1) {
        throw OpException.attribute(
            "shape " + Arrays.toString(want) + " has entry " + w + "; entries must be >= -1");
      }
      minusOnes += w == -1 ? 1 : 0;
      zero |= w == 0;
    }
    if (minusOnes > 1) {
      throw OpException.attribute(
          "shape " + Arrays.toString(want) + " has more than one -1; at most one dim is inferred");
    }
    if (allowZero && zero && minusOnes > 0) {
      throw OpException.attribute(
          "shape "
              + Arrays.toString(want)
              + " has both 0 and -1 with allowzero=1, which ONNX "
              + "forbids (the -1 would be ambiguous)");
    }
  }

  /**
   * The -1 dim: the input's element count divided by the other output dims. Symbols common to both
   * sides cancel, so [batch, seq, 384] to [0, 0, -1, 32] gives 12, and [b, s, 12, 32] to [0, -1,
   * 384] gives s. Anything that does not cancel cleanly becomes a fresh dim.
   */
  private static Dim inferred(TypeContext ctx, List<Dim> in, List<Dim> out, int at) {
    if (in == null) {
      return Infer.fresh(ctx, 0, at);
    }
    Map<Dim, Integer> symbols = new HashMap<>();
    long fixedIn = 1;
    for (Dim d : in) {
      if (d.isFixed()) {
        fixedIn *= d.size();
      } else {
        symbols.merge(d, 1, Integer::sum);
      }
    }
    long fixedOut = 1;
    for (int i = 0; i < out.size(); i++) {
      Dim d = out.get(i);
      if (i == at) {
        continue;
      }
      if (d.isFixed()) {
        fixedOut *= d.size();
      } else if (symbols.merge(d, -1, Integer::sum) < 0) {
        return Infer.fresh(ctx, 0, at); // a symbol the input does not have: cannot cancel
      }
    }
    symbols.values().removeIf(c -> c == 0);
    if (fixedIn == 0 && fixedOut != 0) {
      return Dim.fixed(0);
    }
    if (fixedOut == 0 || fixedIn % fixedOut != 0) {
      if (symbols.isEmpty()) {
        throw OpException.shapes(
            "cannot reshape " + in + " to " + out + ": the element counts do not divide");
      }
      return Infer.fresh(ctx, 0, at);
    }
    long q = fixedIn / fixedOut;
    if (symbols.isEmpty()) {
      return Dim.fixed(q);
    }
    if (q == 1 && symbols.size() == 1 && symbols.values().iterator().next() == 1) {
      return symbols.keySet().iterator().next();
    }
    return Infer.fresh(ctx, 0, at);
  }

  /** Without a -1, a fully static reshape must keep the element count. */
  private static void checkCount(List<Dim> in, List<Dim> out) {
    Shape si = Shape.of(in);
    Shape so = Shape.of(out);
    if (si.isStatic() && so.isStatic()) {
      long a = in.stream().mapToLong(Dim::size).reduce(1, (x, y) -> x * y);
      long b = out.stream().mapToLong(Dim::size).reduce(1, (x, y) -> x * y);
      if (a != b) {
        throw OpException.shapes(
            "cannot reshape " + in + " (" + a + " elements) to " + out + " (" + b + " elements)");
      }
    }
  }

  private static OpException copyOutOfRange(int i, int rank) {
    return OpException.shapes(
        "shape entry " + i + " is 0 (copy the input dim) but the input has rank " + rank);
  }

  private static OpException mismatch(int[] in, long[] want) {
    return OpException.shapes(
        "cannot reshape a tensor of shape "
            + Arrays.toString(in)
            + " ("
            + Arrays.stream(in).asLongStream().reduce(1, (a, b) -> a * b)
            + " elements) to "
            + Arrays.toString(want));
  }

  /** The output shares the input's buffer. */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.VIEW;
  }
}
