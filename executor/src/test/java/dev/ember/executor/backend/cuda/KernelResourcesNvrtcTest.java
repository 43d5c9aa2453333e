package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.executor.models.MiniLmFixture;
import dev.ember.executor.passes.Specializer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What ptxas makes of the generated kernels: none keeps a stack frame or spills (a per-thread
 * array indexed in a loop the compiler did not unroll lands on the stack, in local memory, as
 * the fused attention kernel's running max, sum and accumulators once did). MiniLM's program
 * (fused attention, in float32 and on tensor cores at each precision, layer norms,
 * elementwise loops), every GEMM tile kernel (fp32's SIMT and 3xTF32 ones too) and the copy of
 * A into 16-bit rows, for sm_80 and sm_90. WgmmaGemmSourceTest checks the wgmma kernels.
 */
class KernelResourcesNvrtcTest {
  @ParameterizedTest
  @ValueSource(strings = {"sm_80", "sm_90"})
  void noKernelKeepsAStackFrameOrSpills(String arch) {
    String why = Nvrtc.unavailableReason();
    assumeTrue(why == null, () -> "NVRTC is not available: " + why);
    Map<String, String> sources = new LinkedHashMap<>();
    Map<String, int[]> shapes = new LinkedHashMap<>();
    for (String input : List.of("input_ids", "attention_mask", "token_type_ids")) {
      shapes.put(input, new int[] {64, 32});
    }
    var lowered = CudaBackend.lower(Specializer.specialize(MiniLmFixture.graph(), shapes));
    sources.put("minilm-64x32", new CudaCodegen(lowered).generate().source());
    for (GemmPrecision p : GemmPrecision.values()) {
      // attention on tensor cores: Q fragments, score and output accumulators in registers
      sources.put("minilm-64x32-" + p.confName(),
          new CudaCodegen(lowered, false, p).generate().source());
    }
    // The widest heads each precision takes, the most registers the tensor-core attention holds:
    // 128 (tf32: 64 for Q), and 64 at fp32 (its Q split in two: 64 too).
    var wide = CudaBackend.lower(Specializer.specialize(
        MmaAttentionEmulatedTest.withHeads(MiniLmFixture.graph(), 3), shapes));
    for (GemmPrecision p : List.of(GemmPrecision.TF32, GemmPrecision.FP16)) {
      sources.put("minilm-64x32-3-heads-" + p.confName(),
          new CudaCodegen(wide, false, p).generate().source());
    }
    sources.put("minilm-64x32-6-heads-fp32", new CudaCodegen(CudaBackend.lower(
        Specializer.specialize(MmaAttentionEmulatedTest.withHeads(MiniLmFixture.graph(), 6),
            shapes)), false, GemmPrecision.FP32).generate().source());
    sources.put(GemmKernels.kernelName(GemmPrecision.FP32),
        GemmKernels.source(GemmPrecision.FP32));
    for (SimtTile tile : SimtTile.values()) { // 64 accumulators and the next slice in flight
      sources.put(GemmKernels.kernelName(tile, GemmEpilogue.NONE),
          GemmKernels.source(tile, GemmEpilogue.NONE));
    }
    for (MmaTile tile : MmaTile.values()) {
      sources.put(GemmKernels.kernelName(GemmPrecision.FP16, tile),
          GemmKernels.source(GemmPrecision.FP16, tile));
      // and reading B as its 16-bit copy
      sources.put(GemmKernels.kernelName(GemmPrecision.BF16, tile, GemmEpilogue.NONE,
          HalfOperands.B), GemmKernels.source(GemmPrecision.BF16, tile, GemmEpilogue.NONE,
          HalfOperands.B));
      if (tile.stages() > 0) { // and A's rows too
        sources.put(GemmKernels.kernelName(GemmPrecision.FP16, tile, GemmEpilogue.NONE,
            HalfOperands.A_AND_B), GemmKernels.source(GemmPrecision.FP16, tile,
            GemmEpilogue.NONE, HalfOperands.A_AND_B));
      }
      if (GemmKernels.splitsTf32(GemmPrecision.FP32, tile)) { // twice the fragments of tf32
        sources.put(GemmKernels.kernelName(GemmPrecision.FP32, tile),
            GemmKernels.source(GemmPrecision.FP32, tile));
      }
    }
    for (GemmPrecision p : List.of(GemmPrecision.FP16, GemmPrecision.BF16)) {
      sources.put(HalfRows.kernelName(p), HalfRows.source(p)); // eight values a thread
    }
    List<String> bad = new ArrayList<>();
    sources.forEach((name, source) -> bad.addAll(problems(name, source, arch)));
    assertTrue(bad.isEmpty(), String.join("\n", bad));
  }

  /**
   * What ptxas reports against the kernels of {@code source}, one line each: a stack frame,
   * spills, or a performance note (wgmma instructions it serialised); empty when none.
   */
  static List<String> problems(String name, String source, String arch) {
    List<String> bad = new ArrayList<>();
    String kernel = "?";
    for (String line : new Nvrtc().resourceReport(source, arch, name).split("\n")) {
      if (line.contains("Compiling entry function")) {
        kernel = line.replaceAll(".*function '([^']*)'.*", "$1");
      } else if (line.contains("stack frame")
          && !line.contains(" 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads")
          || line.contains("Performance Loss")) {
        bad.add(name + " " + kernel + ": " + line.strip());
      }
    }
    return bad;
  }
}
