package dev.ember.udfs.rapids;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Results of the CPU path become the host values cudf builds the result column from. */
class HostValuesTest {
  private static final DataType FLOATS = DataTypes.createArrayType(DataTypes.FloatType, false);

  @Test
  void anEmbeddingBecomesAListOfBoxedFloats() {
    assertEquals(List.of(1f, -2.5f), HostValues.of(FLOATS, new float[] {1f, -2.5f}));
    assertNull(HostValues.of(FLOATS, null));
  }

  @Test
  void aStructOfOutputsBecomesItsFieldValuesInOrder() {
    StructType t = new StructType()
        .add("probs", FLOATS)
        .add("label", DataTypes.createArrayType(DataTypes.LongType, false))
        .add("grid", DataTypes.createArrayType(FLOATS, false))
        .add("score", DataTypes.DoubleType);
    Object v = HostValues.of(t, RowFactory.create(new float[] {0.25f, 0.75f}, new long[] {3L},
        new Object[] {new float[] {1f}, new float[] {2f}}, 0.5));
    assertEquals(Arrays.asList(List.of(0.25f, 0.75f), List.of(3L),
        List.of(List.of(1f), List.of(2f)), 0.5), v);
  }

  @Test
  void nullsInsideStaysNull() {
    StructType t = new StructType().add("a", FLOATS).add("b", DataTypes.IntegerType);
    assertEquals(Arrays.asList(null, null), HostValues.of(t, RowFactory.create(null, null)));
    assertEquals(Arrays.asList(1f, null),
        HostValues.of(DataTypes.createArrayType(DataTypes.FloatType), Arrays.asList(1f, null)));
  }

  @Test
  void aValueOfAnotherTypeIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> HostValues.of(FLOATS, "text"));
    assertThrows(IllegalArgumentException.class, () -> HostValues.of(
        new StructType().add("a", FLOATS), RowFactory.create(new float[0], 1)));
  }
}
