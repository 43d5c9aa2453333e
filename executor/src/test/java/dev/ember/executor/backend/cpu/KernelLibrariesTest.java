package dev.ember.executor.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.TestModels;
import dev.ember.executor.testing.Tolerance;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Variants that differ only in batch size share one kernel library class (compiled once, so the
 * JIT compiles its kernels once), and a variant loaded from its artifacts runs without Janino.
 */
class KernelLibrariesTest {
  /** softmax(relu(x + c)) over rows of 4, x of shape [batch, 4]: a loop and a row kernel. */
  private static Graph mlp(int rows) {
    ModelProto m = TestModels.builder("rows")
        .input("x", DType.FLOAT, "batch", 4)
        .output("y", DType.FLOAT)
        .initializer("c", Tensor.ofFloats(new int[] {4}, new float[] {0.5f, -0.5f, 0.1f, 2f}))
        .node("Add", List.of("x", "c"), List.of("h"))
        .node("Relu", List.of("h"), List.of("r"))
        .node("Softmax", List.of("r"), List.of("y"), TestModels.intAttr("axis", -1))
        .build();
    return Specializer.specialize(TestModels.graph(m), Map.of("x", new int[] {rows, 4}));
  }

  private static VariantKey key(int rows) {
    return new VariantKey("rows", CpuJaninoBackend.NAME, Map.of("x", List.of((long) rows, 4L)),
        Map.of("cpu.gemm", "java"));
  }

  private static String library(String source) {
    Matcher m = Pattern.compile("public final class (KernelLib_[0-9a-f]+)").matcher(source);
    assertTrue(m.find(), source);
    return m.group(1);
  }

  @Test
  void batchSizesShareOneLibraryAndLoadWithoutJanino() {
    CpuJaninoBackend backend = new CpuJaninoBackend();
    CpuVariant two = (CpuVariant) backend.compile(mlp(2), key(2));
    long libsBefore = JaninoCompiler.libraryCompilations();
    CpuVariant seven = (CpuVariant) backend.compile(mlp(7), key(7));
    assertEquals(libsBefore, JaninoCompiler.libraryCompilations(), "compiled the library again");
    assertEquals(library(two.source()), library(seven.source()));
    assertNotEquals(two.source(), seven.source(), "the programs differ in their shapes");

    long before = JaninoCompiler.compilations() + JaninoCompiler.libraryCompilations();
    CpuVariant loaded = (CpuVariant) backend.load(mlp(7), key(7), seven.artifacts());
    assertEquals(before, JaninoCompiler.compilations() + JaninoCompiler.libraryCompilations());
    Tensor x = TestModels.randomFloats(new int[] {7, 4}, 3);
    Tensor want = new Interpreter(mlp(7), OpRegistry.standard()).run(Map.of("x", x)).get("y");
    assertNull(Tolerance.mismatch(want, loaded.run(Map.of("x", x)).get("y"), 1e-4, 1e-5));
  }
}
