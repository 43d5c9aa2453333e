package dev.ember.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.onnx.wire.OnnxWire.NodeProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rehearsal of the device check on the host emulator of the GPU: every section of {@link
 * GpuCheck} (node tests, MiniLM against the interpreter at each precision, the GEMM table, the
 * profile with and without fused attention, throughput with and without graphs), the wgmma and
 * 16-bit side checks and {@code summary.py}, in the order and with the lifecycles a device run
 * has, at {@link EmulatedRig#SIZE}. A device run is rare and short: a check that crashes on its
 * own flow (a driver closed twice, a section that never ran off the device) should fail here
 * first. The MiniLM skeleton is cut to its first layer, which keeps every fusion the model gets
 * (merged QKV, fused attention, the GELU epilogue) at a sixth of the emulated work. Emulated
 * times mean nothing and are not read.
 */
class GpuCheckRehearsalTest {
  private static final String LAYER0_OUT = "/encoder/layer.0/output/LayerNorm/Add_1_output_0";
  private static final List<String> NODE_TESTS = List.of("test_add_bcast", "test_erf",
      "test_gather_0", "test_gemm_alpha", "test_softmax_axis_2", "test_equal_string");

  @TempDir
  Path tmp;

  @Test
  void everySectionAndSideCheckRunsAndAgreesOnTheEmulator() throws Exception {
    assumeTrue(HostKernelCompiler.unavailableReason() == null,
        "no host compiler: " + HostKernelCompiler.unavailableReason());
    Path data = tmp.resolve("data");
    GpuPrepare.main(new String[] {data.toString(),
        RepoFiles.of("data/sample/wordnet-glosses.txt").toString()});
    Path skeleton = data.resolve(GpuPrepare.SKELETON_FILE);
    Files.write(skeleton, firstLayerOnly(Files.readAllBytes(skeleton)));
    Path ids = data.resolve(GpuPrepare.IDS_FILE);
    TokenIds.write(ids, shortSentences(TokenIds.read(ids)));
    Path nodeTests = Files.createDirectories(tmp.resolve("node-tests"));
    for (String t : NODE_TESTS) {
      Files.createSymbolicLink(nodeTests.resolve(t),
          RepoFiles.of("executor/src/test/resources/onnx-node-tests").resolve(t));
    }
    Path out = Files.createDirectories(tmp.resolve("out"));

    try (EmulatedRig rig = new EmulatedRig()) {
      assertEquals(0, WgmmaCheck.run(rig, new Results(out.resolve("wgmma-check"))),
          Files.readString(out.resolve("wgmma-check/gpu-check.md")));
      assertEquals(0, SixteenBitDataCheck.run(rig, new Results(out.resolve("sixteen-bit"))),
          Files.readString(out.resolve("sixteen-bit/gpu-check.md")));
      Results r = new Results(out);
      boolean ok = GpuCheck.run(rig, r, data, nodeTests);
      r.save();
      String md = Files.readString(out.resolve("gpu-check.md"));
      assertTrue(ok, md);
      assertChecked(r, md);
    }

    String summary = RepoFiles.summary(out);
    assertTrue(summary.contains("- torch-reference:"), "torch's missing file is named: " + summary);
    assertTrue(summary.contains("- device: host emulator"), summary);
    assertTrue(summary.contains("Attention path at fp16 (2x16 batch, per replay)"), summary);
    assertTrue(summary.contains("The fused kernel in float32 on the CUDA cores:"), summary);
    assertTrue(summary.contains("Attention path at fp32: 3xTF32 on tensor cores"), summary);
    // Untuned here, so each fp32 shape takes the SIMT kernel, and nothing is refused.
    assertTrue(summary.contains("| fp32 | nvrtc-fp32 x"), summary);
  }

  /** Each section left rows, and none of them an error or a disagreement. */
  private static void assertChecked(Results r, String md) {
    for (String key : List.of("nodeTestsError", "inputsError", "miniLmError", "gemmError",
        "profileError", "throughputError")) {
      assertNull(r.get(key), key);
    }
    Map<?, ?> counts = (Map<?, ?>) ((Map<?, ?>) r.get("nodeTests")).get("counts");
    assertEquals(5, counts.get("passed"), md);
    assertEquals(1, counts.get("refused"), "strings have no CUDA kernel: " + md);
    List<Map<String, Object>> miniLm = rows(r, "miniLm");
    assertEquals(4, miniLm.size(), md);
    for (Map<String, Object> row : miniLm) {
      assertNull(row.get("error"), md);
      assertEquals(true, row.get("passed"), row.toString());
    }
    List<Map<String, Object>> gemms = rows(r, "gemmTflops");
    assertTrue(gemms.stream().anyMatch(g -> g.containsKey("tflops")), md);
    gemms.stream().filter(g -> g.containsKey("tflops"))
        .forEach(g -> assertEquals(true, g.get("passed"), g.toString()));
    List<Map<String, Object>> profile = rows(r, "profile");
    assertEquals(List.of("fp16", "tf32", "fp32", Profile.UNFUSED, Profile.FLOAT32_ATTENTION,
        Profile.FP32_FLOAT32_ATTENTION),
        profile.stream().map(x -> x.get("precision")).toList(), md);
    for (Map<String, Object> row : profile) {
      assertNull(row.get("error"), row.toString());
      assertTrue((Integer) row.get("steps") > 0, row.toString());
    }
    List<Map<String, Object>> throughput = rows(r, "throughput");
    assertEquals(15, throughput.size(), "4 precisions with graphs, fp16 without, 3 plans: " + md);
    Set<String> plans = new HashSet<>();
    for (Map<String, Object> row : throughput) {
      assertNull(row.get("error"), row.toString());
      assertNull(row.get("deviceError"), row.toString());
      assertEquals(EmulatedRig.SIZE.corpusSentences(), row.get("sentences"), row.toString());
      plans.add((String) row.get("batching"));
    }
    assertEquals(Set.of("length-sorted x2", "length-sorted x4", "corpus order x4"), plans);
    assertFalse(md.contains("FAILED"), md);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> rows(Results r, String key) {
    Object rows = r.get(key);
    assertNotNull(rows, key + " missing");
    return (List<Map<String, Object>>) rows;
  }

  /**
   * Two corpus sentences of at most 16 tokens and one of 17 to 32, in corpus order: each plan
   * then cuts a batch where the sequence bucket changes, and emulated batches stay short.
   */
  private static List<long[]> shortSentences(List<long[]> corpus) {
    List<long[]> out = new ArrayList<>();
    int shorter = 0;
    int longer = 0;
    for (long[] s : corpus) {
      if (s.length <= 16 && shorter < 2) {
        shorter++;
        out.add(s);
      } else if (s.length > 16 && s.length <= 32 && longer < 1) {
        longer++;
        out.add(s);
      }
    }
    assertEquals(EmulatedRig.SIZE.corpusSentences(), out.size());
    return out;
  }

  /**
   * The skeleton with layers 1 to 5 removed: layer 0's output is the model's output, and the
   * initializers only those layers read (with their statistics) go too.
   */
  static byte[] firstLayerOnly(byte[] skeleton) throws Exception {
    ModelProto m = ModelProto.parseFrom(skeleton);
    ModelProto.Builder b = m.toBuilder();
    var g = b.getGraphBuilder();
    g.clearNode();
    Set<String> read = new HashSet<>();
    boolean rewired = false;
    for (NodeProto n : m.getGraph().getNodeList()) {
      if (n.getName().matches("/encoder/layer\\.[1-9].*")) {
        continue;
      }
      if (n.getOutputCount() == 1 && n.getOutput(0).equals(LAYER0_OUT)) {
        n = n.toBuilder().setOutput(0, "last_hidden_state").build();
        rewired = true;
      }
      read.addAll(n.getInputList());
      g.addNode(n);
    }
    assertTrue(rewired, "no node writes " + LAYER0_OUT);
    g.clearInitializer();
    m.getGraph().getInitializerList().stream().filter(t -> read.contains(t.getName()))
        .forEach(g::addInitializer);
    b.clearMetadataProps();
    m.getMetadataPropsList().stream()
        .filter(e -> !e.getKey().startsWith(ModelSkeleton.STATS_PREFIX)
            || read.contains(e.getKey().substring(ModelSkeleton.STATS_PREFIX.length())))
        .forEach(b::addMetadataProps);
    return b.build().toByteArray();
  }
}
