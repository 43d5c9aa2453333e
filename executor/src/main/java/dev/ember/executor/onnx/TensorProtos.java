package dev.ember.executor.onnx;

import com.google.protobuf.ByteString;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Half;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.wire.OnnxWire.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Converts between ONNX {@code TensorProto} (raw_data or typed fields) and {@link Tensor}. */
public final class TensorProtos {
  private TensorProtos() {}

  /**
   * Decodes a tensor; {@code where} names it in errors ("initializer 'w'", "input_0.pb").
   * External data is refused with a clear error.
   */
  public static Tensor decode(TensorProto p, String where) {
    if (p.getDataLocation() == TensorProto.DataLocation.EXTERNAL
        || p.getExternalDataCount() > 0) {
      throw Errors.modelUnsupported(
          where,
          "tensor data stored in an external file is read only from the model's local folder",
          "read the model from a local path with its external data files beside it (copy it"
              + " from HDFS or object storage to each node), or save it with all tensors inside"
              + " the .onnx file (onnx.save_model(m, path, save_as_external_data=False)), if it"
              + " is under 2 GiB");
    }
    DType dtype = DType.fromOnnx(p.getDataType(), where);
    int[] shape = shape(p.getDimsList(), where);
    int n = numel(shape, where);
    if (p.hasRawData()) {
      return fromRaw(dtype, shape, n, p.getRawData(), where);
    }
    return fromTyped(dtype, shape, n, p, where);
  }

  /** Encodes a tensor with {@code raw_data} (strings use {@code string_data}). */
  public static TensorProto encode(Tensor t, String name) {
    TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(t.dtype().onnxCode());
    for (int d : t.shape()) {
      b.addDims(d);
    }
    if (t.dtype() == DType.STRING) {
      for (String s : t.rawStrings()) {
        b.addStringData(ByteString.copyFrom(s, StandardCharsets.UTF_8));
      }
      return b.build();
    }
    ByteBuffer buf =
        ByteBuffer.allocate(t.size() * t.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < t.size(); i++) {
      putElement(buf, t, i);
    }
    buf.flip();
    return b.setRawData(ByteString.copyFrom(buf)).build();
  }

  private static void putElement(ByteBuffer buf, Tensor t, int i) {
    switch (t.dtype()) {
      case FLOAT:
        buf.putFloat(t.rawFloats()[i]);
        break;
      case FLOAT16:
        buf.putShort(Half.fromFloat(t.rawFloats()[i]));
        break;
      case BFLOAT16:
        buf.putShort(Half.floatToBf16(t.rawFloats()[i]));
        break;
      case DOUBLE:
        buf.putDouble(t.rawDoubles()[i]);
        break;
      case BOOL:
        buf.put((byte) (t.rawBools()[i] ? 1 : 0));
        break;
      case INT8:
      case UINT8:
        buf.put((byte) t.rawLongs()[i]);
        break;
      case INT16:
      case UINT16:
        buf.putShort((short) t.rawLongs()[i]);
        break;
      case INT32:
      case UINT32:
        buf.putInt((int) t.rawLongs()[i]);
        break;
      default:
        buf.putLong(t.rawLongs()[i]);
    }
  }

  private static int[] shape(List<Long> dims, String where) {
    int[] shape = new int[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      long d = dims.get(i);
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw Errors.modelInvalid(where, "dimension " + i + " is " + d, null);
      }
      shape[i] = (int) d;
    }
    return shape;
  }

  private static int numel(int[] shape, String where) {
    long n = 1;
    for (int d : shape) {
      n *= d;
      if (n > Integer.MAX_VALUE - 8) {
        throw Errors.modelUnsupported(
            where,
            "tensor of shape " + java.util.Arrays.toString(shape) + " has over 2^31 elements",
            "split the tensor; Ember holds each tensor in one Java array");
      }
    }
    return (int) n;
  }

  private static Tensor fromRaw(DType t, int[] shape, int n, ByteString raw, String where) {
    if (t == DType.STRING) {
      throw Errors.modelInvalid(where, "STRING tensors cannot use raw_data", null);
    }
    long expected = (long) n * t.byteSize();
    if (raw.size() != expected) {
      throw Errors.modelInvalid(
          where,
          "raw_data holds " + raw.size() + " bytes but " + t.onnxLowerName()
              + java.util.Arrays.toString(shape) + " needs " + expected,
          null);
    }
    ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    switch (t.storage()) {
      case FLOAT:
        float[] f = new float[n];
        if (t == DType.FLOAT) {
          b.asFloatBuffer().get(f); // one bulk copy: weights are read before the JIT has run
        } else {
          for (int i = 0; i < n; i++) {
            f[i] = t == DType.FLOAT16 ? Half.toFloat(b.getShort()) : Half.bf16ToFloat(b.getShort());
          }
        }
        return Tensor.ofFloats(t, shape, f);
      case DOUBLE:
        double[] d = new double[n];
        b.asDoubleBuffer().get(d);
        return Tensor.ofDoubles(shape, d);
      case BOOL:
        boolean[] z = new boolean[n];
        for (int i = 0; i < n; i++) {
          z[i] = b.get() != 0;
        }
        return Tensor.ofBools(shape, z);
      default:
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
          l[i] = readInteger(b, t);
        }
        return Tensor.ofLongs(t, shape, l);
    }
  }

  private static long readInteger(ByteBuffer b, DType t) {
    switch (t.byteSize()) {
      case 1:
        return b.get();
      case 2:
        return b.getShort();
      case 4:
        return b.getInt();
      default:
        return b.getLong();
    }
  }

  private static Tensor fromTyped(DType t, int[] shape, int n, TensorProto p, String where) {
    switch (t) {
      case FLOAT:
        checkCount(where, "float_data", p.getFloatDataCount(), n);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
          f[i] = p.getFloatData(i);
        }
        return Tensor.ofFloats(shape, f);
      case DOUBLE:
        checkCount(where, "double_data", p.getDoubleDataCount(), n);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
          d[i] = p.getDoubleData(i);
        }
        return Tensor.ofDoubles(shape, d);
      case INT64:
        checkCount(where, "int64_data", p.getInt64DataCount(), n);
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
          l[i] = p.getInt64Data(i);
        }
        return Tensor.ofLongs(t, shape, l);
      case UINT32:
      case UINT64:
        checkCount(where, "uint64_data", p.getUint64DataCount(), n);
        long[] u = new long[n];
        for (int i = 0; i < n; i++) {
          u[i] = p.getUint64Data(i);
        }
        return Tensor.ofLongs(t, shape, u);
      case STRING:
        checkCount(where, "string_data", p.getStringDataCount(), n);
        String[] s = new String[n];
        for (int i = 0; i < n; i++) {
          s[i] = p.getStringData(i).toStringUtf8();
        }
        return Tensor.ofStrings(shape, s);
      default:
        return fromInt32Data(t, shape, n, p, where);
    }
  }

  /** INT8/16/32, UINT8/16, BOOL, FLOAT16 and BFLOAT16 (as bits) all live in int32_data. */
  private static Tensor fromInt32Data(DType t, int[] shape, int n, TensorProto p, String where) {
    checkCount(where, "int32_data", p.getInt32DataCount(), n);
    switch (t.storage()) {
      case FLOAT:
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
          short bits = (short) p.getInt32Data(i);
          f[i] = t == DType.FLOAT16 ? Half.toFloat(bits) : Half.bf16ToFloat(bits);
        }
        return Tensor.ofFloats(t, shape, f);
      case BOOL:
        boolean[] z = new boolean[n];
        for (int i = 0; i < n; i++) {
          z[i] = p.getInt32Data(i) != 0;
        }
        return Tensor.ofBools(shape, z);
      default:
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
          l[i] = p.getInt32Data(i);
        }
        return Tensor.ofLongs(t, shape, l);
    }
  }

  private static void checkCount(String where, String field, int have, int want) {
    if (have != want) {
      throw Errors.of(
          ErrorCode.MODEL_INVALID,
          where + ": " + field + " holds " + have + " values but the dims need " + want,
          "re-export the tensor; its data and dims disagree");
    }
  }
}
