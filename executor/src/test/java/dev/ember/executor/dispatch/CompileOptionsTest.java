package dev.ember.executor.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.testing.TestModels;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompileOptionsTest {
  @Test
  void defaultsAndWithers() {
    CompileOptions o = CompileOptions.level(3);
    assertEquals(CompileOptions.DEFAULT_CAPTURE_SIZES, o.captureSizes());
    assertEquals(CompileOptions.SeqOverflow.GENERAL, o.seqOverflow());
    assertNull(o.batchDim());
    CompileOptions d = o.withDims("b", " ");
    assertEquals("b", d.batchDim());
    assertNull(d.seqDim());
    assertEquals(4, o.withMaxVariants(4).maxVariants());
    assertTrue(o.withCaptureAhead(true).captureAhead());
  }

  @Test
  void cacheFactorIsTheLevelOnly() {
    CompileOptions o = CompileOptions.level(3);
    assertEquals("level=3", o.cacheFactor());
    assertEquals(o.cacheFactor(), o.withCaptureSizes(List.of(1, 2)).withSeqBuckets(List.of(8))
        .withCaptureAhead(true).withMaxVariants(2).cacheFactor(),
        "which variants exist does not change what each compiles to");
    assertTrue(!o.cacheFactor().equals(CompileOptions.level(2).cacheFactor()));
  }

  @Test
  void backendOptionsReachEveryVariantKeyAndTheCpuBackend() {
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(3)
            .withCaptureSizes(List.of(1, 4)))
        .backend(new dev.ember.executor.backend.cpu.CpuJaninoBackend())
        .backendOptions(java.util.Map.of("cpu.gemm", "java"))
        .build(DispatchModels.rows());
    assertEquals(2, w.plan().size());
    for (PlannedVariant v : w.plan()) {
      assertEquals("java", v.key().options().get("cpu.gemm"), v.label());
    }
    w.call(DispatchModels.rowInputs(3, 1));
    dev.ember.executor.backend.cpu.CpuVariant v =
        (dev.ember.executor.backend.cpu.CpuVariant) w.variants().get(0);
    assertEquals("java", v.gemm(), "the variant runs the GEMM the option names");
  }

  @Test
  void badValuesNameTheField() {
    assertMessage("level must be 0 to 3", () -> CompileOptions.level(4));
    assertMessage("maxVariants", () -> CompileOptions.level(1).withMaxVariants(0));
    assertMessage(
        "captureSizes must be strictly ascending",
        () -> CompileOptions.level(3).withCaptureSizes(List.of(8, 1)));
    assertMessage(
        "seqBuckets must not be empty", () -> CompileOptions.level(3).withSeqBuckets(List.of()));
    assertMessage("must differ", () -> CompileOptions.level(3).withDims("n", "n"));
  }

  @Test
  void levelThreeRejectsDimsItCannotPad() {
    var g =
        TestModels.graph(
            TestModels.builder("odd")
                .input("a", DType.FLOAT, "n", "m", "k")
                .output("y", DType.FLOAT)
                .node("Relu", List.of("a"), List.of("y"))
                .build());
    EmberException e =
        assertThrows(
            EmberException.class, () -> CompileWrapper.builder(CompileOptions.level(3)).build(g));
    assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
    assertTrue(e.getMessage().contains("'k' on axis 2"), e.getMessage());
    var two =
        TestModels.graph(
            TestModels.builder("two")
                .input("a", DType.FLOAT, "n", 3)
                .input("b", DType.FLOAT, "m", 3)
                .output("y", DType.FLOAT)
                .node("Add", List.of("a", "b"), List.of("y"))
                .build());
    e =
        assertThrows(
            EmberException.class, () -> CompileWrapper.builder(CompileOptions.level(3)).build(two));
    assertTrue(
        e.getMessage().contains("disagree") && e.getMessage().contains("[m, n]"), e.getMessage());
    // Levels 1 and 2 take any graph.
    CompileWrapper.builder(CompileOptions.level(1)).build(g);
  }

  private static void assertMessage(String part, Runnable r) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }
}
