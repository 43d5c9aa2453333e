package dev.ember.executor.backend.cuda;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Tensors to and from the little-endian bytes the device holds (see {@link CudaTypes}). */
final class DeviceData {
  private DeviceData() {}

  /** A new direct buffer holding {@code t}'s elements in device form. */
  static ByteBuffer toDevice(Tensor t) {
    return toDevice(t, direct(deviceBytes(t)));
  }

  /** A direct little-endian buffer of {@code bytes} (at least one) bytes. */
  static ByteBuffer direct(long bytes) {
    return ByteBuffer.allocateDirect((int) Math.max(1, bytes)).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Bytes of {@code t} in device form. */
  static long deviceBytes(Tensor t) {
    return (long) t.size() * CudaTypes.size(t.dtype());
  }

  /**
   * Writes {@code t}'s elements in device form into {@code b} (a direct buffer of at least {@link
   * #deviceBytes} bytes) and returns it, limited to those bytes.
   */
  static ByteBuffer toDevice(Tensor t, ByteBuffer b) {
    int n = t.size();
    b.clear();
    b.order(ByteOrder.LITTLE_ENDIAN);
    switch (t.dtype()) {
      case FLOAT -> b.asFloatBuffer().put(t.rawFloats(), 0, n);
      case DOUBLE -> b.asDoubleBuffer().put(t.rawDoubles(), 0, n);
      case INT64 -> b.asLongBuffer().put(t.rawLongs(), 0, n);
      case INT32 -> {
        long[] v = t.rawLongs();
        for (int i = 0; i < n; i++) {
          b.putInt(i * 4, (int) v[i]);
        }
      }
      case INT16 -> {
        long[] v = t.rawLongs();
        for (int i = 0; i < n; i++) {
          b.putShort(i * 2, (short) v[i]);
        }
      }
      case INT8, UINT8 -> {
        long[] v = t.rawLongs();
        for (int i = 0; i < n; i++) {
          b.put(i, (byte) v[i]);
        }
      }
      case BOOL -> {
        boolean[] v = t.rawBools();
        for (int i = 0; i < n; i++) {
          b.put(i, (byte) (v[i] ? 1 : 0));
        }
      }
      default -> throw new IllegalArgumentException(t.dtype() + " has no device form");
    }
    b.limit(n * CudaTypes.size(t.dtype()));
    return b;
  }

  /** A tensor of {@code dtype} and {@code shape} read from device-form bytes. */
  static Tensor fromDevice(ByteBuffer b, DType dtype, int[] shape) {
    b.order(ByteOrder.LITTLE_ENDIAN);
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    switch (dtype) {
      case FLOAT -> {
        float[] v = new float[n];
        b.asFloatBuffer().get(v);
        return Tensor.ofFloats(shape, v);
      }
      case DOUBLE -> {
        double[] v = new double[n];
        b.asDoubleBuffer().get(v);
        return Tensor.ofDoubles(shape, v);
      }
      case BOOL -> {
        boolean[] v = new boolean[n];
        for (int i = 0; i < n; i++) {
          v[i] = b.get(i) != 0;
        }
        return Tensor.ofBools(shape, v);
      }
      default -> {
        long[] v = new long[n];
        int size = CudaTypes.size(dtype);
        for (int i = 0; i < n; i++) {
          v[i] = switch (size) {
            case 8 -> b.getLong(i * 8);
            case 4 -> b.getInt(i * 4);
            case 2 -> b.getShort(i * 2);
            default -> dtype == DType.UINT8 ? b.get(i) & 0xff : b.get(i);
          };
        }
        return Tensor.ofLongs(dtype, shape, v);
      }
    }
  }
}
