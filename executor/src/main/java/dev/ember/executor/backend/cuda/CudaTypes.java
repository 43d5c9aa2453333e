package dev.ember.executor.backend.cuda;

import dev.ember.executor.ir.DType;

/** How tensor element types are spelled and sized on the device. */
final class CudaTypes {
  private CudaTypes() {}

  /** The CUDA C element type of {@code t}, or null when the device does not hold it. */
  static String cType(DType t) {
    return switch (t) {
      case FLOAT -> "float";
      case DOUBLE -> "double";
      case INT64 -> "long long";
      case INT32 -> "int";
      case INT16 -> "short";
      case INT8 -> "signed char";
      case UINT8, BOOL -> "unsigned char";
      default -> null;
    };
  }

  /** Bytes per element on the device. */
  static int size(DType t) {
    return switch (t) {
      case DOUBLE, INT64 -> 8;
      case FLOAT, INT32 -> 4;
      case INT16 -> 2;
      default -> 1;
    };
  }

  /** A CUDA C float literal that reads back as exactly {@code v}. */
  static String floatLiteral(float v) {
    if (Float.isNaN(v)) {
      return "__int_as_float(0x7fc00000)";
    }
    if (Float.isInfinite(v)) {
      return v > 0 ? "__int_as_float(0x7f800000)" : "__int_as_float(0xff800000)";
    }
    return Float.toString(v) + "f";
  }

  /** A C identifier for a value name, unique through the {@code index} prefix. */
  static String ident(String prefix, int index, String value) {
    String clean = value.replaceAll("[^A-Za-z0-9_]", "_");
    if (clean.length() > 40) {
      clean = clean.substring(clean.length() - 40);
    }
    return prefix + index + "_" + clean;
  }
}
