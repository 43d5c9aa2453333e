package ai.rapids.cudf;

import java.util.List;

/** Stand-in for a top-level column in host memory, and cudf's nested type descriptions. */
public final class HostColumnVector extends HostColumnVectorCore {
  private HostColumnVector() {}

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
