package dev.ember.executor.ops.ml;

import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.lang.reflect.Array;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ai.onnx.ml {@code LabelEncoder} (opsets 2 and 4): maps each element of X through the parallel
 * {@code keys_*} and {@code values_*} lists (strings, int64s, floats, or from opset 4 tensors of
 * any of the listed types); an element that is no key becomes the {@code default_*} that matches
 * the values' type ("_Unused", -1, -0.0, or {@code default_tensor}). A repeated key keeps its last
 * value; a NaN key matches every NaN. Y has X's shape and the values' type.
 */
final class LabelEncoderOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("LabelEncoder")
          .domain(MlOps.DOMAIN)
          .since(2, 4)
          .types(DType.STRING, DType.INT64, DType.FLOAT, DType.INT32, DType.INT16, DType.DOUBLE)
          .summary("maps keys to values (strings, integers, floats), with a default")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType x = ctx.type(0);
    return Infer.one(new TensorType(values(ctx.attrs()).dtype(),
        x == null ? Shape.unknownRank() : x.shape()));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Attributes a = ctx.attrs();
    Tensor keys = keys(a);
    Tensor values = values(a);
    if (keys.size() != values.size()) {
      throw OpException.attribute("LabelEncoder has " + keys.size() + " keys but "
          + values.size() + " values");
    }
    Map<Object, Integer> index = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      index.put(key(keys, i), i); // a repeated key keeps its last value
    }
    Tensor x = ctx.required(0);
    if (x.dtype().storage() != keys.dtype().storage()) {
      throw OpException.dtype("LabelEncoder X is " + x.dtype().onnxLowerName()
          + " but its keys are " + keys.dtype().onnxLowerName());
    }
    Tensor fallback = fallback(a, values.dtype());
    int n = x.size();
    Tensor y = Tensor.zeros(values.dtype(), x.shape());
    Object out = y.rawData();
    for (int i = 0; i < n; i++) {
      Integer at = index.get(key(x, i));
      Array.set(out, i, Array.get(
          at == null ? fallback.rawData() : values.rawData(), at == null ? 0 : at));
    }
    return List.of(y);
  }

  /** Element i as a map key: String, Long or Double (Double equality makes NaN match NaN). */
  private static Object key(Tensor t, int i) {
    switch (t.dtype().storage()) {
      case STRING:
        return t.rawStrings()[i];
      case LONG:
        return t.rawLongs()[i];
      default:
        return t.getDouble(i);
    }
  }

  private static Tensor keys(Attributes a) {
    return oneOf(a, "keys");
  }

  private static Tensor values(Attributes a) {
    return oneOf(a, "values");
  }

  /** The one {@code <prefix>_strings/_int64s/_floats/_tensor} attribute, as a 1-D tensor. */
  private static Tensor oneOf(Attributes a, String prefix) {
    Tensor found = null;
    int count = 0;
    List<String> s = MlAttrs.strings(a, prefix + "_strings");
    if (s != null) {
      found = Tensor.ofStrings(new int[] {s.size()}, s.toArray(new String[0]));
      count++;
    }
    long[] ints = a.getInts(prefix + "_int64s");
    if (ints != null) {
      found = Tensor.ofLongs(DType.INT64, new int[] {ints.length}, ints);
      count++;
    }
    double[] floats = MlAttrs.floats(a, prefix + "_floats");
    if (floats != null) {
      float[] f = new float[floats.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) floats[i];
      }
      found = Tensor.ofFloats(new int[] {f.length}, f);
      count++;
    }
    Tensor t = a.getTensor(prefix + "_tensor");
    if (t != null) {
      found = t.reshape(new int[] {t.size()});
      count++;
    }
    if (count != 1) {
      throw OpException.attribute("LabelEncoder needs exactly one " + prefix
          + "_* attribute (strings, int64s, floats or tensor), got " + count);
    }
    return found;
  }

  /** The default for a missing key, of the values' type. */
  private static Tensor fallback(Attributes a, DType type) {
    Tensor t = a.getTensor("default_tensor");
    if (t != null) {
      if (t.dtype() != type || t.size() != 1) {
        throw OpException.attribute("LabelEncoder default_tensor must hold one "
            + type.onnxLowerName() + ", got " + t);
      }
      return t;
    }
    int[] one = {1};
    switch (type.storage()) {
      case STRING:
        return Tensor.ofStrings(one, new String[] {a.getString("default_string", "_Unused")});
      case LONG:
        return Tensor.ofLongs(type, one, new long[] {a.getInt("default_int64", -1)});
      case DOUBLE:
        return Tensor.ofDoubles(one, new double[] {a.getFloat("default_float", -0f)});
      default:
        return Tensor.ofFloats(type, one, new float[] {a.getFloat("default_float", -0f)});
    }
  }
}
