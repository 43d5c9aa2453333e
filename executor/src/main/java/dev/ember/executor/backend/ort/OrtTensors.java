package dev.ember.executor.backend.ort;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Copies Ember tensors into ONNX Runtime tensors and back, for the element types both hold. */
final class OrtTensors {
  private OrtTensors() {}

  static OnnxTensor toOrt(OrtEnvironment env, String name, Tensor t) throws OrtException {
    long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
    int n = t.size();
    switch (t.dtype()) {
      case FLOAT:
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(t.rawFloats()), shape);
      case DOUBLE:
        return OnnxTensor.createTensor(env, DoubleBuffer.wrap(t.rawDoubles()), shape);
      case INT64:
        return OnnxTensor.createTensor(env, LongBuffer.wrap(t.rawLongs()), shape);
      case INT32: {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
          v[i] = (int) t.rawLongs()[i];
        }
        return OnnxTensor.createTensor(env, IntBuffer.wrap(v), shape);
      }
      case INT16: {
        short[] v = new short[n];
        for (int i = 0; i < n; i++) {
          v[i] = (short) t.rawLongs()[i];
        }
        return OnnxTensor.createTensor(env, ShortBuffer.wrap(v), shape);
      }
      case INT8:
      case UINT8:
      case BOOL: {
        ByteBuffer b = ByteBuffer.allocateDirect(n);
        for (int i = 0; i < n; i++) {
          b.put(i, t.dtype() == DType.BOOL ? (byte) (t.rawBools()[i] ? 1 : 0)
              : (byte) t.rawLongs()[i]);
        }
        OnnxJavaType type = t.dtype() == DType.BOOL ? OnnxJavaType.BOOL
            : t.dtype() == DType.UINT8 ? OnnxJavaType.UINT8 : OnnxJavaType.INT8;
        return OnnxTensor.createTensor(env, b, shape, type);
      }
      case STRING:
        return OnnxTensor.createTensor(env, t.rawStrings(), shape);
      default:
        throw unsupported("input", name, t.dtype().toString());
    }
  }

  static Tensor fromOrt(String name, OnnxValue value) throws OrtException {
    if (!(value instanceof OnnxTensor t)) {
      throw unsupported("output", name, value.getInfo().toString());
    }
    int[] shape = Arrays.stream(t.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
    int n = Math.toIntExact(t.getInfo().getNumElements());
    TensorInfo.OnnxTensorType type = t.getInfo().onnxType;
    switch (type) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: {
        float[] v = new float[n];
        t.getFloatBuffer().get(v);
        return Tensor.ofFloats(shape, v);
      }
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: {
        double[] v = new double[n];
        t.getDoubleBuffer().get(v);
        return Tensor.ofDoubles(shape, v);
      }
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: {
        long[] v = new long[n];
        t.getLongBuffer().get(v);
        return Tensor.ofLongs(DType.INT64, shape, v);
      }
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: {
        IntBuffer b = t.getIntBuffer();
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
          v[i] = b.get(i);
        }
        return Tensor.ofLongs(DType.INT32, shape, v);
      }
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16: {
        ShortBuffer b = t.getShortBuffer();
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
          v[i] = b.get(i);
        }
        return Tensor.ofLongs(DType.INT16, shape, v);
      }
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8:
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8: {
        ByteBuffer b = t.getByteBuffer();
        boolean unsigned = type == TensorInfo.OnnxTensorType.ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8;
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
          v[i] = unsigned ? b.get(i) & 0xFF : b.get(i);
        }
        return Tensor.ofLongs(unsigned ? DType.UINT8 : DType.INT8, shape, v);
      }
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL: {
        ByteBuffer b = t.getByteBuffer();
        boolean[] v = new boolean[n];
        for (int i = 0; i < n; i++) {
          v[i] = b.get(i) != 0;
        }
        return Tensor.ofBools(shape, v);
      }
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING: {
        List<String> flat = new ArrayList<>(n);
        flatten(t.getValue(), flat);
        return Tensor.ofStrings(shape, flat.toArray(new String[0]));
      }
      default:
        throw unsupported("output", name, t.getInfo().toString());
    }
  }

  /** ORT hands string tensors back as nested Java arrays (a bare String for a scalar). */
  private static void flatten(Object value, List<String> out) {
    if (value instanceof String s) {
      out.add(s);
      return;
    }
    for (int i = 0; i < Array.getLength(value); i++) {
      flatten(Array.get(value, i), out);
    }
  }

  private static RuntimeException unsupported(String kind, String name, String type) {
    return Errors.of(ErrorCode.UNSUPPORTED_DTYPE,
        "the ONNX Runtime backend cannot pass " + kind + " '" + name + "' of type " + type
            + " (it copies float, double, bool, string and 8 to 64-bit signed ints, and uint8)",
        "cast the " + kind + " to one of those types in the model");
  }
}
