package dev.ember.executor.ops.shape;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * ONNX {@code Constant}: a tensor given by exactly one attribute: {@code value} (a tensor), or from
 * opset 12 {@code value_float(s)}, {@code value_int(s)} or {@code value_string(s)} (a scalar, or a
 * 1-D tensor for the plural forms). {@code sparse_value} is not supported.
 */
final class ConstantOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Constant")
          .since(1, 9, 11, 12, 13, 19, 21, 23, 24, 25)
          .types(EnumSet.allOf(DType.class))
          .summary("a tensor given as an attribute")
          .build();

  private static final List<String> FORMS =
      List.of(
          "value",
          "sparse_value",
          "value_float",
          "value_floats",
          "value_int",
          "value_ints",
          "value_string",
          "value_strings");

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    return Infer.one(value(ctx.attrs().asMap()).type());
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    return List.of(value(ctx.attrs().asMap()));
  }

  /** The constant's value, built from whichever single attribute the node has. */
  static Tensor value(Map<String, AttrValue> attrs) {
    String form = null;
    for (String f : FORMS) {
      if (attrs.containsKey(f)) {
        if (form != null) {
          throw OpException.attribute(
              "Constant has both '"
                  + form
                  + "' and '"
                  + f
                  + "'; exactly one value attribute "
                  + "is allowed");
        }
        form = f;
      }
    }
    if (form == null) {
      throw OpException.attribute("Constant has no value attribute (one of " + FORMS + ")");
    }
    AttrValue v = attrs.get(form);
    Tensor t = build(form, v);
    if (t == null) {
      throw OpException.attribute(
          "Constant attribute '"
              + form
              + "' has kind "
              + v.kind()
              + ", which does not fit its "
              + "name");
    }
    return t;
  }

  /** The tensor for one attribute form, or null when the attribute has the wrong kind. */
  private static Tensor build(String form, AttrValue v) {
    switch (form) {
      case "value":
        return v instanceof AttrValue.TensorAttr t ? t.value() : null;
      case "value_float":
        return v instanceof AttrValue.FloatAttr f ? Tensor.scalarFloat(f.value()) : null;
      case "value_floats":
        if (v instanceof AttrValue.FloatsAttr fs) {
          float[] data = new float[fs.values().size()];
          for (int i = 0; i < data.length; i++) {
            data[i] = fs.values().get(i);
          }
          return Tensor.ofFloats(new int[] {data.length}, data);
        }
        return null;
      case "value_int":
        return v instanceof AttrValue.IntAttr i
            ? Tensor.ofLongs(DType.INT64, new int[0], new long[] {i.value()})
            : null;
      case "value_ints":
        return v instanceof AttrValue.IntsAttr is ? Tensor.int64Vector(is.toArray()) : null;
      case "value_string":
        return v instanceof AttrValue.StringAttr s
            ? Tensor.ofStrings(new int[0], new String[] {s.value()})
            : null;
      case "value_strings":
        return v instanceof AttrValue.StringsAttr ss
            ? Tensor.ofStrings(new int[] {ss.values().size()}, ss.values().toArray(new String[0]))
            : null;
      default:
        throw new OpException(
            ErrorCode.UNSUPPORTED_OP,
            "Constant with 'sparse_value' is not supported",
            "re-export the model with a dense 'value' tensor");
    }
  }
}
