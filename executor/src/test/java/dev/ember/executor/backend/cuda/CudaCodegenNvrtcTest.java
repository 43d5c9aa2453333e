package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.lower.Lowering;
import dev.ember.executor.models.MiniLmFixture;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.NodeTestFolders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CUDA C that the backend generates compiles with NVRTC, on every machine (no GPU needed):
 * all-MiniLM-L6-v2 at two static shapes for two architectures, and every ONNX node test whose
 * graph the backend takes.
 */
class CudaCodegenNvrtcTest {
  private static final Nvrtc NVRTC = new Nvrtc();

  @BeforeAll
  static void needNvrtc() {
    GpuAssumptions.assumeNvrtc();
  }

  static Graph miniLm(int batch, int seq) {
    Graph g = MiniLmFixture.graph();
    Map<String, int[]> shapes = new LinkedHashMap<>();
    for (String n : List.of("input_ids", "attention_mask", "token_type_ids")) {
      shapes.put(n, new int[] {batch, seq});
    }
    return Specializer.specialize(g, shapes);
  }

  @Test
  void miniLmCompilesForAmpereAndHopper() throws Exception {
    for (int[] bs : new int[][] {{2, 16}, {64, 256}}) {
      CudaProgram p = new CudaCodegen(Lowering.lower(miniLm(bs[0], bs[1]))).generate();
      long gemms = p.steps().stream().filter(s -> s instanceof CudaProgram.Gemm).count();
      assertEquals(48, gemms, "6 layers x (Q, K, V, out, 2 FFN, 2 attention) GEMMs");
      for (String arch : List.of("sm_80", "sm_90")) {
        long t0 = System.nanoTime();
        byte[] cubin = NVRTC.compile(p.source(), arch, "minilm.cu");
        System.out.printf("MiniLM [%d, %d] %s: %d kernels + %d GEMMs, %d lines -> %d-byte"
            + " CUBIN in %d ms%n", bs[0], bs[1], arch, p.kernelNames().size(), gemms,
            p.source().split("\n").length, cubin.length, (System.nanoTime() - t0) / 1_000_000);
        assertTrue(cubin.length > 1000 && cubin[0] == 0x7f && cubin[1] == 'E');
      }
    }
  }

  @Test
  void everyNodeTestTheBackendTakesCompiles() throws Exception {
    Map<String, String> excluded = NodeTestFolders.excludes();
    Path root = Path.of(getClass().getClassLoader().getResource("onnx-node-tests").toURI());
    List<Path> folders;
    try (Stream<Path> s = Files.list(root)) {
      folders = s.filter(p -> Files.exists(p.resolve("model.onnx"))).sorted().toList();
    }
    int compiled = 0;
    List<String> problems = new ArrayList<>();
    for (Path folder : folders) {
      if (excluded.containsKey(folder.getFileName().toString())) {
        continue; // listed with its reason in conformance-excludes.txt
      }
      try {
        CudaProgram p = programFor(folder);
        if (p != null && !p.kernelNames().isEmpty()) {
          NVRTC.compile(p.source(), "sm_80", folder.getFileName() + ".cu");
          compiled++;
        }
      } catch (Exception e) {
        problems.add(folder.getFileName() + ": " + e);
      }
    }
    System.out.println("node tests compiled by NVRTC: " + compiled);
    assertTrue(problems.isEmpty(), String.join("\n", problems));
    assertTrue(compiled > 30, "only " + compiled + " node tests gave kernels");
  }

  /**
   * The program for a node test specialised to its inputs, or null when the backend refuses the
   * graph (UNSUPPORTED_OP naming a node it cannot generate).
   */
  static CudaProgram programFor(Path folder) throws Exception {
    Graph g = OnnxLoader.load(folder.resolve("model.onnx")).graph();
    List<TensorFiles.NamedTensor> ins =
        TensorFiles.readNumbered(folder.resolve("test_data_set_0"), "input");
    Map<String, int[]> shapes = new LinkedHashMap<>();
    for (int i = 0; i < ins.size() && i < g.inputs().size(); i++) {
      Tensor t = ins.get(i).tensor();
      shapes.put(g.inputs().get(i).name(), t.shape());
    }
    try {
      return new CudaCodegen(Lowering.lower(Specializer.specialize(g, shapes))).generate();
    } catch (EmberException e) {
      if (e.code() == ErrorCode.UNSUPPORTED_OP) {
        return null;
      }
      throw e;
    }
  }
}
