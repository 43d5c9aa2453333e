package ai.rapids.cudf;

import java.util.List;

/** Stand-in for a top-level column in host memory, and cudf's nested type descriptions. */
public final class HostColumnVector extends HostColumnVectorCore {
  private HostColumnVector() {}

  /** A host column of list rows (a null list is a null row). */
  @SafeVarargs
  public static <T> HostColumnVector fromLists(DataType type, List<T>... rows) {
    throw Stubs.absent();
  }

  /** A host column of struct rows (a null entry is a null row). */
  public static HostColumnVector fromStructs(DataType type, List<StructData> rows) {
    throw Stubs.absent();
  }

  /** A host column of strings (null entries are null rows). */
  public static HostColumnVector fromStrings(String... values) {
    throw Stubs.absent();
  }

  /** A synchronous copy of this column to the device, allocated through RMM. */
  public ColumnVector copyToDevice() {
    throw Stubs.absent();
  }

  /** A column type description, for building columns from host values. */
  public abstract static class DataType {
    public abstract DType getType();

    public abstract boolean isNullable();

    public abstract DataType getChild(int index);

    public abstract int getNumChildren();
  }

  /** The stubs' common body of the type classes (the real ones each extend DataType). */
  abstract static class AbsentType extends DataType {
    AbsentType() {
      throw Stubs.absent();
    }

    @Override
    public DType getType() {
      throw Stubs.absent();
    }

    @Override
    public boolean isNullable() {
      throw Stubs.absent();
    }

    @Override
    public DataType getChild(int index) {
      throw Stubs.absent();
    }

    @Override
    public int getNumChildren() {
      throw Stubs.absent();
    }
  }

  /** A fixed-width or string type. */
  public static class BasicType extends AbsentType {
    public BasicType(boolean nullable, DType type) {}
  }

  /** A list of one child type. */
  public static class ListType extends AbsentType {
    public ListType(boolean nullable, DataType child) {}
  }

  /** A struct of child types. */
  public static class StructType extends AbsentType {
    public StructType(boolean nullable, List<DataType> children) {}
  }

  /** One struct row's field values. */
  public static class StructData {
    public StructData(List<Object> values) {
      throw Stubs.absent();
    }
  }
}
