package dev.ember.executor.ops.nn;

import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.CompiledForm;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.List;

/**
 * ONNX {@code Softmax}. Before opset 13 the input is coerced to 2-D at {@code axis} (default 1)
 * and each row of the flattened trailing dims is normalised together; from 13 only the single
 * {@code axis} (default -1) is. The row maximum is subtracted before exp so large inputs do not
 * overflow; sums are taken in double.
 */
final class SoftmaxOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Softmax")
          .since(1, 11, 13)
          .types(NnTypes.FLOATS)
          .summary("exp(x - max) / sum over axis (2-D coercion before opset 13)")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType x = ctx.type(0);
    if (x != null) {
      NnTypes.require(SPEC, x.dtype(), "input");
      if (x.shape().rankKnown()) {
        Infer.axis(axisAttr(ctx.node().opset(), ctx.attrs()), x.shape().rank(), "Softmax axis");
      }
    }
    return Infer.sameAs(ctx, 0);
  }

  private static long axisAttr(int opset, Attributes attrs) {
    return attrs.getInt("axis", opset < 13 ? 1 : -1);
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    NnTypes.require(SPEC, x, "input");
    int opset = ctx.node().opset();
    int[] shape = x.shape();
    int axis = Infer.axis(axisAttr(opset, ctx.attrs()), shape.length, "Softmax axis");
    if (x.size() == 0) {
      return List.of(x); // nothing to normalise; tensors are immutable, so share it
    }
    int outer = 1;
    for (int i = 0; i < axis; i++) {
      outer *= shape[i];
    }
    int len = 1;
    int end = opset < 13 ? shape.length : axis + 1;
    for (int i = axis; i < end; i++) {
      len *= shape[i];
    }
    int inner = x.size() / Math.max(1, outer * len);
    if (x.dtype().storage() == DType.Storage.FLOAT && inner == 1) {
      float[] out = new float[x.size()];
      for (int r = 0; r < outer; r++) {
        softmaxRow(x.rawFloats(), out, r * len, len);
      }
      return List.of(Tensor.ofFloats(x.dtype(), shape, out));
    }
    return List.of(strided(x, outer, len, inner));
  }

  /** The hot path: one contiguous float row, out of place. */
  private static void softmaxRow(float[] in, float[] out, int base, int len) {
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < len; j++) {
      max = Math.max(max, in[base + j]);
    }
    double sum = 0;
    for (int j = 0; j < len; j++) {
      float e = (float) Math.exp(in[base + j] - max);
      out[base + j] = e;
      sum += e;
    }
    for (int j = 0; j < len; j++) {
      out[base + j] = (float) (out[base + j] / sum);
    }
  }

  /** Every other case: each row gathered (stride {@code inner}) into doubles and scattered. */
  private static Tensor strided(Tensor x, int outer, int len, int inner) {
    int n = x.size();
    boolean isFloat = x.dtype().storage() == DType.Storage.FLOAT;
    float[] fin = isFloat ? x.rawFloats() : null;
    double[] din = isFloat ? null : x.rawDoubles();
    float[] fout = isFloat ? new float[n] : null;
    double[] dout = isFloat ? null : new double[n];
    double[] row = new double[len];
    for (int o = 0; o < outer; o++) {
      for (int q = 0; q < inner; q++) {
        int base = o * len * inner + q;
        for (int j = 0; j < len; j++) {
          row[j] = isFloat ? fin[base + j * inner] : din[base + j * inner];
        }
        softmaxRow(row, len);
        for (int j = 0; j < len; j++) {
          if (isFloat) {
            fout[base + j * inner] = (float) row[j];
          } else {
            dout[base + j * inner] = row[j];
          }
        }
      }
    }
    return isFloat
        ? Tensor.ofFloats(x.dtype(), x.shape(), fout)
        : Tensor.ofDoubles(x.shape(), dout);
  }

  private static void softmaxRow(double[] row, int len) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < len; j++) {
      max = Math.max(max, row[j]);
    }
    double sum = 0;
    for (int j = 0; j < len; j++) {
      row[j] = Math.exp(row[j] - max);
      sum += row[j];
    }
    for (int j = 0; j < len; j++) {
      row[j] /= sum;
    }
  }

  /** A row kernel over the last axis. */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.OWN_KERNEL;
  }
}
