package ai.rapids.cudf;

import java.util.List;

/** Stand-in for cudf's device column that owns its buffers. */
public final class ColumnVector extends ColumnView {
  private ColumnVector() {}

  /** A device column of list rows (a null list is a null row). */
  @SafeVarargs
  public static <T> ColumnVector fromLists(HostColumnVector.DataType type, List<T>... rows) {
    throw Stubs.absent();
  }

  /** A device column of struct rows (a null entry is a null row). */
  public static ColumnVector fromStructs(
      HostColumnVector.DataType type, List<HostColumnVector.StructData> rows) {
    throw Stubs.absent();
  }
}
