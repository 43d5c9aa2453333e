package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cuda.emu.EmulatedGpu;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.lower.Kernel;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.TestModels;
import dev.ember.executor.testing.Tolerance;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Row kernels (layer norm, softmax, last-axis mean and sum) on the host emulator against the
 * interpreter, on each side of {@link CudaKernels#WARP_ROW_MAX}: a warp per row up to it (one
 * element a lane, a lane's last elements past the end, 32 a lane), a block per row beyond. Six
 * rows: a block of warp rows holds four, so the second block is part empty.
 */
class RowKernelsEmulatedTest {
  @RegisterExtension
  static final EmulatedGpu GPU = EmulatedGpu.standard();

  @ParameterizedTest
  @ValueSource(ints = {1, 33, 384, 1024, 1025, 3000})
  void rowKernelsAgreeWithTheInterpreter(int len) {
    Graph g = Specializer.specialize(TestModels.graph(TestModels.builder("rows")
        .input("x", DType.FLOAT, "rows", len)
        .output("norm", DType.FLOAT)
        .output("soft", DType.FLOAT)
        .output("mean", DType.FLOAT)
        .output("sum", DType.FLOAT)
        .initializer("scale", TestModels.randomFloats(new int[] {len}, 2))
        .initializer("bias", TestModels.randomFloats(new int[] {len}, 3))
        .initializer("axes", Tensor.int64Vector(-1))
        .node("LayerNormalization", List.of("x", "scale", "bias"), List.of("norm"),
            TestModels.floatAttr("epsilon", 1e-3f))
        .node("Softmax", List.of("x"), List.of("soft"))
        .node("ReduceMean", List.of("x"), List.of("mean"), TestModels.intsAttr("axes", -1))
        .node("ReduceSum", List.of("x", "axes"), List.of("sum"))
        .build()), Map.of("x", new int[] {6, len}));
    List<Kernel> rows = CudaBackend.lower(g).kernels().stream()
        .filter(k -> k instanceof Kernel.Row).toList();
    assertEquals(4, rows.size(), "each op one row kernel");
    CudaBackend cuda = new CudaBackend(GPU.device(), CudaOptions.defaults().withGemm("generated")
        .withPrecision(GemmPrecision.FP32).withGemmTuning(false).withGraphs(false));
    CudaVariant v = (CudaVariant) cuda.compile(g, new VariantKey("rows", cuda.name(), Map.of(),
        Map.of("variant", "static")));
    boolean warps = len <= CudaKernels.WARP_ROW_MAX;
    assertEquals(warps ? 0 : 4, Pattern.compile("__shared__ float sh\\[32\\]")
        .matcher(v.program().source()).results().count(), "a block per row only past the bound");
    Map<String, Tensor> in = Map.of("x", scaled(TestModels.randomFloats(new int[] {6, len}, 7)));
    Map<String, Tensor> want = new Interpreter(g, OpRegistry.standard()).run(in);
    Map<String, Tensor> got = v.run(in);
    for (String out : List.of("norm", "soft", "mean", "sum")) {
      assertNull(Tolerance.mismatch(want.get(out), got.get(out), 1e-4, 1e-5), out + " at " + len);
    }
  }

  /** Values in [-4, 4) plus an offset per row, so that the mean and the max matter. */
  private static Tensor scaled(Tensor t) {
    float[] x = t.rawFloats().clone();
    int len = x.length / 6;
    for (int i = 0; i < x.length; i++) {
      x[i] = 4 * x[i] + (i / len) - 2;
    }
    return Tensor.ofFloats(t.shape(), x);
  }
}
