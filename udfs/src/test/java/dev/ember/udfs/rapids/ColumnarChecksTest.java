package dev.ember.udfs.rapids;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/** The columnar path's checks that need no cudf: null mapping, list offsets, argument types. */
class ColumnarChecksTest {

  @Test
  void nullRowsAreLeftOutAndComeBackNullInPlace() {
    NullMap m = NullMap.of(new boolean[] {true, false, true, true, false});
    assertEquals(5, m.rows());
    assertArrayEquals(new int[] {0, 2, 3}, m.denseRows());
    String[] full = m.scatter(new String[] {"a", "c", "d"}, String[]::new);
    assertArrayEquals(new String[] {"a", null, "c", "d", null}, full);
    assertThrows(IllegalArgumentException.class,
        () -> m.scatter(new String[] {"a"}, String[]::new));
    NullMap none = NullMap.of(new boolean[] {false, false});
    assertEquals(0, none.denseCount());
    assertArrayEquals(new Object[] {null, null}, none.scatter(new Object[0], Object[]::new));
  }

  @Test
  void fixedWidthRowsPassAndNullRowsMayHaveAnyLength() {
    // rows: [4 values], null (0 values), [4 values]
    int[] offsets = {0, 4, 4, 8};
    assertDoesNotThrow(() -> ListRows.check("argument 1", offsets, 8,
        new boolean[] {true, false, true}, 4));
    // width -1: a sequence input, rows may differ
    assertDoesNotThrow(() -> ListRows.check("argument 1", new int[] {0, 1, 5}, 5, null, -1));
    // a sliced column's offsets need not start at 0
    assertDoesNotThrow(() -> ListRows.check("argument 1", new int[] {6, 8, 10}, 10, null, 2));
  }

  @Test
  void aRowOfAnotherWidthIsNamed() {
    EmberException e = assertThrows(EmberException.class,
        () -> ListRows.check("argument 2", new int[] {0, 3, 5, 8}, 8, null, 3));
    assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
    assertTrue(e.getMessage().contains("argument 2") && e.getMessage().contains("row 1")
        && e.getMessage().contains("2 values"), e.getMessage());
  }

  @Test
  void malformedOffsetsAreRefused() {
    EmberException down = assertThrows(EmberException.class,
        () -> ListRows.check("argument 1", new int[] {0, 4, 2}, 4, null, -1));
    assertEquals(ErrorCode.BAD_INPUT, down.code());
    assertTrue(down.getMessage().contains("row 1"), down.getMessage());
    EmberException outside = assertThrows(EmberException.class,
        () -> ListRows.check("argument 1", new int[] {0, 4, 9}, 8, null, -1));
    assertEquals(ErrorCode.BAD_INPUT, outside.code());
    assertEquals(ErrorCode.BAD_INPUT, assertThrows(EmberException.class,
        () -> ListRows.check("argument 1", new int[0], 0, null, -1)).code());
  }

  @Test
  void argumentTypesOfTheColumnarPath() {
    DataType floats = DataTypes.createArrayType(DataTypes.FloatType);
    DataType[] ok = {DataTypes.FloatType, DataTypes.LongType, floats, DataTypes.StringType,
        DataTypes.createArrayType(DataTypes.IntegerType, false)};
    assertFalse(ColumnarTypes.whyNot("ember_predict", ok).isPresent());
    DataType[] vector = {DataTypes.FloatType, SQLDataTypes.VectorType()};
    String why = ColumnarTypes.whyNot("ember_predict", vector).orElseThrow();
    assertTrue(why.contains("argument 2") && why.contains("vector_to_array"), why);
    DataType[] nested = {DataTypes.createArrayType(floats)};
    assertTrue(ColumnarTypes.whyNot("ember_predict", nested).isPresent());
    DataType[] decimal = {DataTypes.createDecimalType(10, 2)};
    assertTrue(ColumnarTypes.whyNot("ember_predict", decimal).orElseThrow()
        .contains("decimal(10,2)"));
  }

  @Test
  void theSqlPluginIsFoundInAListOfPlugins() {
    assertTrue(RapidsMode.pluginListed("com.nvidia.spark.SQLPlugin"));
    assertTrue(RapidsMode.pluginListed("dev.ember.spark.EmberPlugin, com.nvidia.spark.SQLPlugin"));
    assertFalse(RapidsMode.pluginListed("dev.ember.spark.EmberPlugin"));
    assertFalse(RapidsMode.pluginListed(""));
    assertFalse(RapidsMode.pluginListed("com.nvidia.spark.SQLPluginX"));
  }
}
