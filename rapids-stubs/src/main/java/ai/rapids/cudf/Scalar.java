package ai.rapids.cudf;

/** Stand-in for cudf's single value in device memory. */
public final class Scalar implements AutoCloseable {
  private Scalar() {}

  public static Scalar fromInt(int value) {
    throw Stubs.absent();
  }

  public static Scalar fromLong(long value) {
    throw Stubs.absent();
  }

  public static Scalar fromFloat(float value) {
    throw Stubs.absent();
  }

  public static Scalar fromDouble(double value) {
    throw Stubs.absent();
  }

  /** A list scalar holding a copy of {@code list}'s rows as its elements. */
  public static Scalar listFromColumnView(ColumnView list) {
    throw Stubs.absent();
  }

  @Override
  public synchronized void close() {
    throw Stubs.absent();
  }
}
