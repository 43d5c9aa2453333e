package dev.ember.executor.ops.quant;

import dev.ember.executor.ir.Shapes;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.OpException;
import java.util.Arrays;

/**
 * Which scale and zero point each element of a (de)quantized tensor uses, after ONNX's
 * QuantizeLinear/DequantizeLinear: one for the whole tensor (a scalar or one-element parameter),
 * one per index along {@code axis} (a 1-D parameter of that dim's length), or, with
 * {@code block_size} > 0, one per block of that many consecutive indices along {@code axis} (a
 * parameter of x's rank whose {@code axis} dim is ceil(dim / block_size), the other dims equal).
 *
 * @param index the parameter element for each element of x, row-major; null when per-tensor
 */
record QuantLayout(int[] index) {

  static QuantLayout of(String op, int[] x, int[] param, long axisAttr, long blockSize) {
    long n = Shapes.numel(param);
    if (blockSize < 0) {
      throw OpException.attribute(op + " block_size must be >= 0, got " + blockSize);
    }
    if (blockSize == 0 && n == 1 && param.length <= 1) {
      return new QuantLayout(null);
    }
    int axis = Infer.axis(axisAttr, Math.max(x.length, 1), op + " axis");
    if (x.length == 0) {
      throw OpException.shapes(op + " needs a scalar scale for a scalar input, got "
          + Shapes.str(param));
    }
    int dim = x[axis];
    int inner = 1;
    for (int d = axis + 1; d < x.length; d++) {
      inner *= x[d];
    }
    int[] index = new int[Math.toIntExact(Shapes.numel(x))];
    if (blockSize == 0) {
      if (param.length != 1 || param[0] != dim) {
        throw OpException.shapes(op + " per-axis scale must be 1-D of length " + dim
            + " (input " + Shapes.str(x) + ", axis " + axis + "), got " + Shapes.str(param));
      }
      for (int i = 0; i < index.length; i++) {
        index[i] = (i / inner) % dim;
      }
      return new QuantLayout(index);
    }
    int[] want = x.clone();
    want[axis] = (int) ((dim + blockSize - 1) / blockSize);
    if (!Arrays.equals(param, want)) {
      throw OpException.shapes(op + " blocked scale for input " + Shapes.str(x) + ", axis "
          + axis + ", block_size " + blockSize + " must have shape " + Shapes.str(want)
          + ", got " + Shapes.str(param));
    }
    int blocks = want[axis];
    for (int i = 0; i < index.length; i++) {
      int outer = i / (inner * dim);
      int a = (i / inner) % dim;
      index[i] = (outer * blocks + (int) (a / blockSize)) * inner + i % inner;
    }
    return new QuantLayout(index);
  }

  /** The parameter element for element {@code i} of x. */
  int at(int i) {
    return index == null ? 0 : index[i];
  }
}
