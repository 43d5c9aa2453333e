package dev.ember.bench.gpu;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import java.util.Arrays;

/** Element-wise comparison of device results against the interpreter's. */
final class Compare {
  private Compare() {}

  /**
   * Null when {@code got} matches {@code want}: same dtype and shape, floats within {@code atol +
   * rtol * |want|} (NaN where NaN is wanted), other types exact; else the first difference.
   */
  static String allClose(Tensor want, Tensor got, double rtol, double atol) {
    if (want.dtype() != got.dtype()) {
      return "dtype " + got.dtype() + ", want " + want.dtype();
    }
    if (!Arrays.equals(want.shape(), got.shape())) {
      return "shape " + Arrays.toString(got.shape()) + ", want " + Arrays.toString(want.shape());
    }
    if (want.dtype() == DType.STRING) {
      return Arrays.equals(want.rawStrings(), got.rawStrings()) ? null : "strings differ";
    }
    boolean exact = !want.dtype().isFloating();
    for (int i = 0; i < want.size(); i++) {
      double w = want.getDouble(i);
      double g = got.getDouble(i);
      boolean ok = exact ? w == g
          : Double.isNaN(w) ? Double.isNaN(g)
          : w == g || Math.abs(g - w) <= atol + rtol * Math.abs(w);
      if (!ok) {
        return "element " + i + " = " + g + ", want " + w;
      }
    }
    return null;
  }
}
