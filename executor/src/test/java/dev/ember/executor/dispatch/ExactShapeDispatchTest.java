package dev.ember.executor.dispatch;

import static dev.ember.executor.dispatch.DispatchModels.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Level 1 (guards, one variant per shape, maxVariants) and level 2 (one general variant). */
class ExactShapeDispatchTest {
  private static final Graph TOKENS = DispatchModels.tokens();
  private static final CompileWrapper LEVEL0 =
      CompileWrapper.builder(CompileOptions.level(0)).build(TOKENS);

  /** Collects warnings; thread-safe. */
  static final class Warnings implements CompileListener {
    final List<String> messages = new ArrayList<>();
    final List<VariantEvent> variants = new ArrayList<>();

    @Override
    public synchronized void onVariant(VariantEvent e) {
      variants.add(e);
    }

    @Override
    public synchronized void onWarning(String message) {
      messages.add(message);
    }
  }

  @Test
  void guardsPickTheVariantOfTheExactShapeAndANewShapeCompilesOnce() {
    FakeBackend fb = new FakeBackend();
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(1)).backend(fb).build(TOKENS);
    for (int round = 0; round < 3; round++) {
      for (int[] bs : new int[][] {{1, 3}, {2, 3}, {2, 5}}) {
        Map<String, Tensor> in = DispatchModels.tokenInputs(bs[0], bs[1], round);
        assertSame(LEVEL0.call(in), w.call(in), "shape " + bs[0] + "x" + bs[1]);
      }
    }
    assertEquals(3, fb.compiles.get());
    WrapperStats s = w.stats();
    assertEquals(3, s.variants().size());
    s.variants().forEach(v -> assertEquals(3, v.dispatches(), v.label()));
    assertEquals("ids int64[2, 5], x float[2, 5, 4]", s.variants().get(2).label());
    assertEquals(List.of(2L, 5L, 4L), w.variants().get(2).key().inputShapes().get("x"));
    assertEquals("static", w.variants().get(2).key().options().get("variant"));
  }

  @Test
  void selectThenDispatchToSkipsTheGuards() {
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(1)).build(TOKENS);
    Map<String, Tensor> in = DispatchModels.tokenInputs(4, 2, 9);
    int i = w.select(in);
    assertEquals(i, w.select(DispatchModels.tokenInputs(4, 2, 10)), "same shape, same variant");
    assertSame(LEVEL0.call(in), w.dispatchTo(i, in), "dispatchTo");
  }

  @Test
  void pastMaxVariantsNewShapesRunTheGeneralVariantAndAWarningNamesThem() {
    FakeBackend fb = new FakeBackend();
    Warnings l = new Warnings();
    CompileWrapper w =
        CompileWrapper.builder(CompileOptions.level(1).withMaxVariants(2))
            .backend(fb)
            .listener(l)
            .build(TOKENS);
    for (int b = 1; b <= 6; b++) {
      Map<String, Tensor> in = DispatchModels.tokenInputs(b, 2, b);
      assertSame(LEVEL0.call(in), w.call(in), "batch " + b);
    }
    // 2 static variants + 1 general; 4 calls went to the general one.
    assertEquals(3, fb.compiles.get());
    WrapperStats s = w.stats();
    assertEquals(4, s.generalCalls());
    assertEquals("general", s.variants().get(2).label());
    assertEquals(4, s.variants().get(2).dispatches());
    assertEquals(3, l.variants.size());
    // One warning at the bound, then at off-shape calls 1, 2 and 4.
    assertEquals(4, l.messages.size(), l.messages.toString());
    assertTrue(l.messages.get(0).contains("maxVariants=2"), l.messages.get(0));
    assertTrue(l.messages.get(0).contains("ids int64[2, 2]"), l.messages.get(0));
    assertTrue(l.messages.get(1).contains("ids int64[3, 2], x float[3, 2, 4]"), l.messages.get(1));
    assertTrue(l.messages.get(1).contains("static variants: [ids int64[1, 2]"), l.messages.get(1));
    assertTrue(l.messages.get(3).contains("ids int64[6, 2]"), l.messages.get(3));
    assertTrue(l.messages.get(3).contains("4 such calls"), l.messages.get(3));
    assertEquals(4, s.warnings());
    // The shapes that did get a static variant still use it.
    w.call(DispatchModels.tokenInputs(1, 2, 0));
    assertEquals(2, w.stats().variants().get(0).dispatches());
  }

  @Test
  void inputsThatDoNotFitTheGraphAreBadInput() {
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(1)).build(TOKENS);
    Map<String, Tensor> in = DispatchModels.tokenInputs(2, 3, 1);
    Map<String, Tensor> wrongType =
        Map.of("ids", Tensor.zeros(DType.INT32, new int[] {2, 3}), "x", in.get("x"));
    assertEquals(
        ErrorCode.BAD_INPUT, assertThrows(EmberException.class, () -> w.call(wrongType)).code());
    Map<String, Tensor> disagree =
        Map.of("ids", Tensor.zeros(DType.INT64, new int[] {2, 4}), "x", in.get("x"));
    assertEquals(
        ErrorCode.BAD_INPUT, assertThrows(EmberException.class, () -> w.call(disagree)).code());
    assertTrue(w.variants().isEmpty());
  }

  @Test
  void levelTwoCompilesOneGeneralVariantForEveryShape() {
    FakeBackend fb = new FakeBackend();
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(2)).backend(fb).build(TOKENS);
    for (int b = 1; b <= 5; b++) {
      Map<String, Tensor> in = DispatchModels.tokenInputs(b, 6 - b, b);
      assertSame(LEVEL0.call(in), w.call(in), "batch " + b);
    }
    assertEquals(1, fb.compiles.get());
    assertEquals(List.of(-1L, -1L, 4L), w.variants().get(0).key().inputShapes().get("x"));
    assertEquals(0, w.select(DispatchModels.tokenInputs(1, 1, 1)));
  }

  @Test
  void levelTwoPropagatesABackendThatCannotTakeSymbolicDims() {
    FakeBackend fb = new FakeBackend(0, true, dev.ember.executor.ir.GraphPrinter::print);
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(2)).backend(fb).build(TOKENS);
    EmberException e =
        assertThrows(EmberException.class, () -> w.call(DispatchModels.tokenInputs(1, 1, 1)));
    assertEquals(ErrorCode.UNSUPPORTED_OP, e.code());
  }

  @Test
  void levelZeroInterpretsWhateverTheBackend() {
    FakeBackend fb = new FakeBackend();
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(0)).backend(fb).build(TOKENS);
    w.call(DispatchModels.tokenInputs(2, 2, 1));
    assertEquals(0, fb.compiles.get());
    assertEquals("interp", w.backendName());
  }
}
