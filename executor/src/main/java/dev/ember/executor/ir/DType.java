package dev.ember.executor.ir;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;

/**
 * ONNX tensor element types that Ember can hold. Each maps to one Java storage: floating types
 * narrower than 32 bits are held as float (rounded to their own precision after every op), all
 * integer types as long (wrapped to their own width), bool as boolean, string as String.
 */
public enum DType {
  FLOAT(1, 4, Storage.FLOAT),
  UINT8(2, 1, Storage.LONG),
  INT8(3, 1, Storage.LONG),
  UINT16(4, 2, Storage.LONG),
  INT16(5, 2, Storage.LONG),
  INT32(6, 4, Storage.LONG),
  INT64(7, 8, Storage.LONG),
  STRING(8, 0, Storage.STRING),
  BOOL(9, 1, Storage.BOOL),
  FLOAT16(10, 2, Storage.FLOAT),
  DOUBLE(11, 8, Storage.DOUBLE),
  UINT32(12, 4, Storage.LONG),
  UINT64(13, 8, Storage.LONG),
  BFLOAT16(16, 2, Storage.FLOAT);

  /** The Java array kind that holds a tensor's elements. */
  public enum Storage {
    FLOAT,
    DOUBLE,
    LONG,
    BOOL,
    STRING
  }

  private static final String[] ONNX_NAMES = {
    "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL",
    "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
    "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4",
    "FLOAT4E2M1", "FLOAT8E8M0", "UINT2", "INT2"
  };

  private final int onnxCode;
  private final int byteSize;
  private final Storage storage;

  DType(int onnxCode, int byteSize, Storage storage) {
    this.onnxCode = onnxCode;
    this.byteSize = byteSize;
    this.storage = storage;
  }

  /** The {@code TensorProto.DataType} number. */
  public int onnxCode() {
    return onnxCode;
  }

  /** Bytes per element in ONNX {@code raw_data}; 0 for strings. */
  public int byteSize() {
    return byteSize;
  }

  public Storage storage() {
    return storage;
  }

  public boolean isFloating() {
    return storage == Storage.FLOAT || storage == Storage.DOUBLE;
  }

  public boolean isInteger() {
    return storage == Storage.LONG;
  }

  public boolean isUnsigned() {
    return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
  }

  /** Wraps a long to this integer type's width, as a C cast to the type would. */
  public long wrap(long v) {
    switch (this) {
      case INT8:
        return (byte) v;
      case INT16:
        return (short) v;
      case INT32:
        return (int) v;
      case UINT8:
        return v & 0xFFL;
      case UINT16:
        return v & 0xFFFFL;
      case UINT32:
        return v & 0xFFFFFFFFL;
      default:
        return v;
    }
  }

  /** Rounds a float to this floating type's precision (identity for FLOAT). */
  public float round(float v) {
    switch (this) {
      case FLOAT16:
        return Half.toFloat(Half.fromFloat(v));
      case BFLOAT16:
        return Half.bf16ToFloat(Half.floatToBf16(v));
      default:
        return v;
    }
  }

  /** The ONNX name of any {@code DataType} code, supported or not. */
  public static String onnxName(int code) {
    return code >= 0 && code < ONNX_NAMES.length ? ONNX_NAMES[code] : "DataType(" + code + ")";
  }

  /** Looks up a supported type by its ONNX code, or fails naming the type. */
  public static DType fromOnnx(int code, String where) {
    for (DType t : values()) {
      if (t.onnxCode == code) {
        return t;
      }
    }
    throw Errors.of(
        ErrorCode.UNSUPPORTED_DTYPE,
        where + " has element type " + onnxName(code) + ", which Ember does not support",
        "convert the model to FLOAT, FLOAT16, DOUBLE, a standard integer type or BOOL");
  }

  /** Lower-case ONNX spelling, as in ONNX's docs ("float", "int64", "float16"). */
  public String onnxLowerName() {
    return this == FLOAT ? "float" : this == DOUBLE ? "double" : name().toLowerCase();
  }
}
