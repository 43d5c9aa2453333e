package ai.rapids.cudf;

/** Stand-in for cudf's device column that owns its buffers. */
public final class ColumnVector extends ColumnView {
  private ColumnVector() {}
}
