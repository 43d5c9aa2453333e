package ai.rapids.cudf;

/** Stand-in for cudf's device column that owns its buffers. */
public final class ColumnVector extends ColumnView {
  private ColumnVector() {}

  /**
   * A fixed-width column over device buffers it takes ownership of ({@code validity} and {@code
   * offsets} may be null).
   */
  public ColumnVector(DType type, long rows, java.util.Optional<Long> nullCount,
      DeviceMemoryBuffer data, DeviceMemoryBuffer validity, DeviceMemoryBuffer offsets) {
    throw Stubs.absent();
  }

  /** A list column of {@code rows} rows with this column as child, cut by INT32 offsets. */
  public ColumnVector makeListFromOffsets(long rows, ColumnView offsets) {
    throw Stubs.absent();
  }

  /** A struct column of {@code rows} rows over copies of {@code columns}. */
  public static ColumnVector makeStruct(long rows, ColumnView... columns) {
    throw Stubs.absent();
  }

  /** INT32 {@code initial}, {@code initial + step}, ... ({@code rows} values). */
  public static ColumnVector sequence(Scalar initial, Scalar step, int rows) {
    throw Stubs.absent();
  }

  public static ColumnVector fromInts(int... values) {
    throw Stubs.absent();
  }

  public static ColumnVector fromLongs(long... values) {
    throw Stubs.absent();
  }

  public static ColumnVector fromFloats(float... values) {
    throw Stubs.absent();
  }

  public static ColumnVector fromDoubles(double... values) {
    throw Stubs.absent();
  }
}
