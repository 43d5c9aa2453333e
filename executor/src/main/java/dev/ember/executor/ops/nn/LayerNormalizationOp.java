package dev.ember.executor.ops.nn;

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
import java.util.List;

/**
 * ONNX {@code LayerNormalization} (opset 17): each slice X[i0..i(axis-1), ...] is normalised over
 * the axes from {@code axis} (default -1) on, Y = (X - mean) / sqrt(var + epsilon) * Scale + B.
 * The optional outputs Mean and InvStdDev keep the normalised axes as size 1 and have the element
 * type {@code stash_type} (default float, whatever X is). Statistics are computed in double.
 */
final class LayerNormalizationOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("LayerNormalization")
          .since(17)
          .types(NnTypes.FLOATS)
          .summary("normalise over the trailing axes from axis, then Scale and B")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    int outputs = Math.max(1, Math.min(3, ctx.node().outputs().size()));
    TensorType[] out = new TensorType[outputs];
    TensorType x = ctx.type(0);
    if (x != null) {
      NnTypes.require(SPEC, x.dtype(), "X");
      DType stash = stashType(ctx.attrs().getInt("stash_type", 1));
      out[0] = x;
      Shape stats = Shape.unknownRank();
      if (x.shape().rankKnown()) {
        int rank = x.shape().rank();
        int axis = Infer.axis(ctx.attrs().getInt("axis", -1), rank, "LayerNormalization axis");
        List<Dim> dims = new ArrayList<>(x.shape().dims().subList(0, axis));
        for (int i = axis; i < rank; i++) {
          dims.add(Dim.fixed(1));
        }
        stats = Shape.of(dims);
      }
      for (int i = 1; i < outputs; i++) {
        out[i] = new TensorType(stash, stats);
      }
    }
    return Arrays.asList(out);
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    Tensor scale = ctx.required(1);
    Tensor bias = ctx.input(2);
    NnTypes.require(SPEC, x, "X");
    NnTypes.requireSame("LayerNormalization", x, "X", scale, "Scale");
    if (bias != null) {
      NnTypes.requireSame("LayerNormalization", x, "X", bias, "B");
    }
    DType stash = stashType(ctx.attrs().getInt("stash_type", 1));
    double eps = ctx.attrs().getFloat("epsilon", 1e-5f);
    int[] shape = x.shape();
    int axis = Infer.axis(ctx.attrs().getInt("axis", -1), shape.length, "LayerNormalization axis");
    int[] statShape = shape.clone();
    Arrays.fill(statShape, axis, shape.length, 1);
    // With a 0 among the normalised dims X is empty but the statistics need not be: check them.
    int outer = NnShapes.checkedSize(statShape, "LayerNormalization Mean");
    int inner = outer == 0 ? 0 : x.size() / outer;
    ParamIndex si = ParamIndex.of("Scale", scale.shape(), shape, axis);
    ParamIndex bi = bias == null ? null : ParamIndex.of("B", bias.shape(), shape, axis);
    Rows rows = new Rows(x, scale, si, bias, bi, inner, eps);
    double[] mean = new double[outer];
    double[] inv = new double[outer];
    for (int r = 0; r < outer; r++) {
      rows.normalize(r, mean, inv);
    }
    return Arrays.asList(
        rows.result(),
        ctx.wantsOutput(1) ? stats(stash, statShape, mean) : null,
        ctx.wantsOutput(2) ? stats(stash, statShape, inv) : null);
  }

  private static Tensor stats(DType stash, int[] shape, double[] v) {
    if (stash == DType.DOUBLE) {
      return Tensor.ofDoubles(shape, v.clone());
    }
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return Tensor.ofFloats(stash, shape, f);
  }

  /** The DType a stash_type code names; only floating types make sense for statistics. */
  static DType stashType(long code) {
    for (DType d : DType.values()) {
      if (d.onnxCode() == code && d.isFloating()) {
        return d;
      }
    }
    throw OpException.attribute(
        "LayerNormalization stash_type " + code + " (" + DType.onnxName((int) code)
            + ") is not a floating type; use 1 (float)");
  }

  /** One normalisation's operands and output; {@link #normalize} handles one row of X. */
  private static final class Rows {
    private final Tensor x;
    private final float[] xf;
    private final double[] xd;
    private final float[] sf;
    private final double[] sd;
    private final ParamIndex si;
    private final float[] bf;
    private final double[] bd;
    private final ParamIndex bi;
    private final int inner;
    private final double eps;
    private final float[] yf;
    private final double[] yd;

    Rows(Tensor x, Tensor scale, ParamIndex si, Tensor bias, ParamIndex bi, int inner,
        double eps) {
      boolean isFloat = x.dtype().storage() == DType.Storage.FLOAT;
      this.x = x;
      this.xf = isFloat ? x.rawFloats() : null;
      this.xd = isFloat ? null : x.rawDoubles();
      this.sf = isFloat ? scale.rawFloats() : null;
      this.sd = isFloat ? null : scale.rawDoubles();
      this.si = si;
      this.bf = isFloat && bias != null ? bias.rawFloats() : null;
      this.bd = !isFloat && bias != null ? bias.rawDoubles() : null;
      this.bi = bi;
      this.inner = inner;
      this.eps = eps;
      this.yf = isFloat ? new float[x.size()] : null;
      this.yd = isFloat ? null : new double[x.size()];
    }

    /** Normalises row r, recording its mean and 1 / std-dev. */
    void normalize(int r, double[] mean, double[] inv) {
      int base = r * inner;
      double sum = 0;
      for (int j = 0; j < inner; j++) {
        sum += value(base + j);
      }
      double mu = sum / inner;
      double sq = 0;
      for (int j = 0; j < inner; j++) {
        double d = value(base + j) - mu;
        sq += d * d;
      }
      double invStd = 1.0 / Math.sqrt(sq / inner + eps);
      mean[r] = mu;
      inv[r] = invStd;
      for (int j = 0; j < inner; j++) {
        int s = si.at(base, j);
        double y = (value(base + j) - mu) * invStd * (sf != null ? sf[s] : sd[s]);
        if (bi != null) {
          int b = bi.at(base, j);
          y += bf != null ? bf[b] : bd[b];
        }
        if (yf != null) {
          yf[base + j] = (float) y;
        } else {
          yd[base + j] = y;
        }
      }
    }

    private double value(int i) {
      return xf != null ? xf[i] : xd[i];
    }

    Tensor result() {
      return yf != null
          ? Tensor.ofFloats(x.dtype(), x.shape(), yf)
          : Tensor.ofDoubles(x.shape(), yd);
    }
  }

  /** A row kernel over the last axis. */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.OWN_KERNEL;
  }
}
