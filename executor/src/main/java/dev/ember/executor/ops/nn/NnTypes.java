package dev.ember.executor.ops.nn;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import java.util.EnumSet;
import java.util.Set;

/** Element-type sets of the nn ops and the checks that go with them. */
final class NnTypes {
  private NnTypes() {}

  /** The floating types ONNX defines these ops for. */
  static final Set<DType> FLOATS =
      EnumSet.of(DType.FLOAT, DType.FLOAT16, DType.BFLOAT16, DType.DOUBLE);

  /** Floating types plus the 32/64-bit integers that MatMul, Gemm and the reductions take. */
  static final Set<DType> NUMERIC =
      EnumSet.of(
          DType.FLOAT, DType.FLOAT16, DType.BFLOAT16, DType.DOUBLE,
          DType.INT32, DType.INT64, DType.UINT32, DType.UINT64);

  /** Throws a dtype OpException unless {@code t}'s element type is one the spec lists. */
  static void require(OpSpec spec, Tensor t, String what) {
    require(spec, t.dtype(), what);
  }

  static void require(OpSpec spec, DType d, String what) {
    if (!spec.types().contains(d)) {
      throw OpException.dtype(
          spec.opType() + " does not take " + what + " of element type " + d.onnxLowerName()
              + " (it takes " + names(spec.types()) + ")");
    }
  }

  /** Throws unless both tensors have the same element type. */
  static void requireSame(String op, Tensor a, String aName, Tensor b, String bName) {
    if (a.dtype() != b.dtype()) {
      throw OpException.dtype(
          op + " needs " + aName + " and " + bName + " of one element type, got "
              + a.dtype().onnxLowerName() + " and " + b.dtype().onnxLowerName());
    }
  }

  /** The element type shared by two possibly unknown input types, checking they agree. */
  static DType common(String op, TensorType a, TensorType b) {
    if (a != null && b != null && a.dtype() != b.dtype()) {
      throw OpException.dtype(
          op + " needs inputs of one element type, got " + a.dtype().onnxLowerName() + " and "
              + b.dtype().onnxLowerName());
    }
    return a != null ? a.dtype() : b != null ? b.dtype() : null;
  }

  private static String names(Set<DType> types) {
    StringBuilder sb = new StringBuilder();
    for (DType d : EnumSet.copyOf(types)) {
      sb.append(sb.length() == 0 ? "" : ", ").append(d.onnxLowerName());
    }
    return sb.toString();
  }
}
