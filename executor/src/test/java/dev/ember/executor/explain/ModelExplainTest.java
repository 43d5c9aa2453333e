package dev.ember.executor.explain;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.cache.CompileCache;
import dev.ember.executor.dispatch.CachedVariantStore;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.testing.NodeTestFolders;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.text.ModelFiles;
import dev.ember.executor.text.SpecFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The explain text for MiniLM, its int8 export and a tree ensemble, before and after a run. */
class ModelExplainTest {
  @TempDir Path dir;

  private static OnnxModel builtin(String spec) {
    return OnnxLoader.load(SpecFiles.readModel(ModelSpec.parse(spec), ModelFiles.local()), spec);
  }

  private CachedVariantStore store() {
    return new CachedVariantStore(CompileCache.open(dir.resolve("cache")), null, "test", "cpu");
  }

  private static CompileWrapper wrapper(OnnxModel m, CompileOptions o, CachedVariantStore s) {
    CompileWrapper.Builder b = CompileWrapper.builder(o).backend(new CpuJaninoBackend());
    return (s == null ? b : b.store(s)).build(m.graph());
  }

  @Test
  void miniLmShowsItsCapturedVariantsKernelsMemoryAndACacheThatWarms() {
    OnnxModel m = builtin("builtin:all-minilm-l6-v2");
    CompileOptions o = CompileOptions.level(3).withCaptureSizes(List.of(1, 4))
        .withSeqBuckets(List.of(16, 32));
    CachedVariantStore store = store();
    String cold = ModelExplain.of("builtin:all-minilm-l6-v2", wrapper(m, o, store), store, "cpu");
    assertTrue(cold.contains("4 captured variant(s): batch sizes [1, 4] x sequence buckets"
        + " [16, 32], each compiled on first use"), cold);
    assertTrue(cold.contains("inputs: ['input_ids' (int64 [batch_size, sequence_length])"), cold);
    assertTrue(matches(cold, "MatMul\\s+x\\d+\\s+yes \\| GEMM"), cold);
    assertTrue(matches(cold, "Softmax\\s+x6\\s+yes \\| (row kernel|fused attention)"), cold);
    assertTrue(cold.contains("fused groups: "), cold);
    assertTrue(cold.contains("0 of 4 planned variant(s) warm (cold"), cold);
    double weights = number(cold, "weights ([0-9.]+) MiB");
    assertTrue(weights > 80 && weights < 95, "MiniLM's fp32 weights are ~87 MiB: " + weights);
    assertTrue(number(cold, "activations ([0-9.]+) MiB") > 0, cold);

    // Run one variant; a new wrapper over the same cache then finds it warm.
    CompileWrapper w = wrapper(m, o, store);
    long[] ids = new long[16];
    ids[0] = 101;
    ids[15] = 102;
    Tensor t = Tensor.ofLongs(dev.ember.executor.ir.DType.INT64, new int[] {1, 16}, ids);
    w.call(Map.of("input_ids", t, "attention_mask",
        Tensor.ofLongs(dev.ember.executor.ir.DType.INT64, new int[] {1, 16}, onesOf(16)),
        "token_type_ids", Tensor.zeros(dev.ember.executor.ir.DType.INT64, new int[] {1, 16})));
    String warmer = ModelExplain.of("builtin:all-minilm-l6-v2", wrapper(m, o, store), store,
        "cpu");
    assertTrue(warmer.contains("1 of 4 planned variant(s) warm"), warmer);
  }

  @Test
  void quantizedMiniLmNamesItsIntegerOps() {
    OnnxModel m = builtin("builtin:all-minilm-l6-v2-q");
    CompileOptions o = CompileOptions.level(3).withCaptureSizes(List.of(2))
        .withSeqBuckets(List.of(16));
    String text = ModelExplain.of("q", wrapper(m, o, null), null, "cpu");
    assertTrue(matches(text, "DynamicQuantizeLinear\\s+x\\d+\\s+yes \\| "), text);
    assertTrue(matches(text, "MatMulInteger\\s+x\\d+\\s+yes \\| "), text);
    assertTrue(text.contains("compile cache: off"), text);
    double weights = number(text, "weights ([0-9.]+) MiB");
    assertTrue(weights < 40, "int8 weights are about a quarter of fp32's: " + weights);
  }

  @Test
  void treeEnsembleSaysWhatRunsItOnEachBackend() throws Exception {
    Path folder = NodeTestFolders.resource("onnx-node-tests-wave2")
        .resolve("test_ai_onnx_ml_tree_ensemble_single_tree");
    OnnxModel m = OnnxLoader.load(Files.readAllBytes(folder.resolve("model.onnx")), "tree");
    String text = ModelExplain.of("tree", wrapper(m, CompileOptions.level(3), null), null, "cpu");
    assertTrue(text.contains("TreeEnsemble "), text);
    assertTrue(matches(text, "TreeEnsemble\\s+x1\\s+yes \\| generated forest code \\| \\S"),
        text);
    assertTrue(text.contains("ai.onnx.ml=5"), text);
  }

  private static long[] onesOf(int n) {
    long[] v = new long[n];
    java.util.Arrays.fill(v, 1L);
    return v;
  }

  private static boolean matches(String text, String regex) {
    return Pattern.compile(regex).matcher(text).find();
  }

  private static double number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertTrue(m.find(), regex + " in\n" + text);
    return Double.parseDouble(m.group(1));
  }
}
