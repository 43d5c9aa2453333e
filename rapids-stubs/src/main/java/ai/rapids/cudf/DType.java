package ai.rapids.cudf;

/** Stand-in for cudf's column element type; only the constants Ember compares against. */
public final class DType {
  public static final DType INT8 = new DType();
  public static final DType INT16 = new DType();
  public static final DType INT32 = new DType();
  public static final DType INT64 = new DType();
  public static final DType FLOAT32 = new DType();
  public static final DType FLOAT64 = new DType();
  public static final DType BOOL8 = new DType();
  public static final DType STRING = new DType();
  public static final DType LIST = new DType();
  public static final DType STRUCT = new DType();

  private DType() {}
}
