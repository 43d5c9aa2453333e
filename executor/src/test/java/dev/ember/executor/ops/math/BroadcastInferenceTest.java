package dev.ember.executor.ops.math;

import static dev.ember.executor.ops.math.OpHarness.floats;
import static dev.ember.executor.ops.math.OpHarness.infer;
import static dev.ember.executor.ops.math.OpHarness.run;
import static dev.ember.executor.ops.math.OpHarness.shape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.OpException;
import java.util.List;
import org.junit.jupiter.api.Test;

class BroadcastInferenceTest {
  private static final Dim BATCH = Dim.symbolic("batch");
  private static final Dim SEQ = Dim.symbolic("seq");

  private static TensorType type(DType t, Dim... dims) {
    return new TensorType(t, Shape.of(List.of(dims)));
  }

  @Test
  void symbolicDimsBroadcastAgainstAVector() {
    TensorType x = type(DType.FLOAT, BATCH, SEQ, Dim.fixed(384));
    TensorType bias = type(DType.FLOAT, Dim.fixed(384));
    assertEquals(x, infer(new AddOp(), x, bias));
    assertEquals(x, infer(new MulOp(), bias, x));
  }

  @Test
  void sizeOneAxesTakeTheOtherSide() {
    TensorType x = type(DType.FLOAT, BATCH, SEQ, Dim.fixed(384));
    TensorType mean = type(DType.FLOAT, BATCH, SEQ, Dim.fixed(1));
    assertEquals(x, infer(new DivOp(), x, mean));
    assertEquals(x, infer(new SubOp(), mean, x));
  }

  @Test
  void comparisonsAreBoolAndKnownEvenWithoutShapes() {
    TensorType ids = type(DType.INT64, BATCH, SEQ);
    assertEquals(type(DType.BOOL, BATCH, SEQ), infer(new EqualOp(), ids, type(DType.INT64)));
    assertEquals(new TensorType(DType.BOOL, Shape.unknownRank()), infer(new LessOp(), ids, null));
  }

  @Test
  void whereBroadcastsThreeWays() {
    TensorType cond = type(DType.BOOL, BATCH, Dim.fixed(1), Dim.fixed(1), SEQ);
    TensorType scores = type(DType.FLOAT, Dim.fixed(12), SEQ, SEQ);
    TensorType fill = type(DType.FLOAT);
    assertEquals(
        type(DType.FLOAT, BATCH, Dim.fixed(12), SEQ, SEQ),
        infer(new WhereOp(), cond, scores, fill));
  }

  @Test
  void unknownInputGivesUnknownOutput() {
    assertNull(infer(new AddOp(), null, type(DType.FLOAT, Dim.fixed(3))));
  }

  @Test
  void powKeepsTheBaseType() {
    TensorType base = type(DType.INT32, BATCH);
    assertEquals(base, infer(new PowOp(), base, type(DType.FLOAT)));
  }

  @Test
  void castTakesTypeFromAttribute() {
    TensorType mask = type(DType.INT64, BATCH, SEQ);
    assertEquals(
        type(DType.FLOAT, BATCH, SEQ), infer(new CastOp(), 21, CastTest.to(DType.FLOAT), mask));
  }

  @Test
  void mismatchedStaticDimsFailInInferenceNamingBothShapes() {
    OpException e =
        assertThrows(
            OpException.class,
            () ->
                infer(
                    new AddOp(),
                    type(DType.FLOAT, BATCH, Dim.fixed(384)),
                    type(DType.FLOAT, Dim.fixed(1536))));
    assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
    assertTrue(e.getMessage().contains("[batch, 384]"), e.getMessage());
    assertTrue(e.getMessage().contains("[1536]"), e.getMessage());
  }

  @Test
  void mismatchedShapesFailInTheKernelNamingBothShapes() {
    OpException e =
        assertThrows(
            OpException.class,
            () ->
                run(new MulOp(), floats(shape(2, 3), new float[6]), floats(shape(4), 1, 2, 3, 4)));
    assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
    assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    assertTrue(e.getMessage().contains("[4]"), e.getMessage());
  }

  @Test
  void mixedElementTypesFail() {
    OpException e =
        assertThrows(
            OpException.class,
            () -> infer(new AddOp(), type(DType.FLOAT, BATCH), type(DType.INT64, BATCH)));
    assertEquals(ErrorCode.UNSUPPORTED_DTYPE, e.code());
    assertTrue(e.getMessage().contains("float and int64"), e.getMessage());
  }

  @Test
  void unsupportedElementTypeIsNamed() {
    OpException e =
        assertThrows(OpException.class, () -> infer(new SqrtOp(), type(DType.INT32, BATCH)));
    assertEquals(ErrorCode.UNSUPPORTED_DTYPE, e.code());
    assertTrue(e.getMessage().contains("Sqrt does not take element type int32"), e.getMessage());
  }
}
