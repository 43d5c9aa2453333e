package dev.ember.executor.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.executor.backend.cuda.CudaBackend;
import dev.ember.executor.backend.cuda.CudaDevice;
import dev.ember.executor.backend.cuda.CudaOptions;
import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.testing.NodeTestFolders;
import dev.ember.executor.testing.Tolerance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every ONNX backend node test (every selection in {@link NodeTestFolders}) through every backend,
 * against the expected outputs shipped with the test: the interpreter (level 0), compiled CPU code
 * at levels 1, 2 and 3, and the CUDA backend at level 1 on the host emulator of the GPU when a host
 * compiler is there. A case passes; or it is listed in conformance-excludes.txt with its reason
 * (for every backend, or for one as {@code [backend] test | reason}), and then it must still fail,
 * so the list stays honest; or the CUDA backend refuses the graph with UNSUPPORTED_OP (a node it
 * cannot generate), which is reported with the reason as a skipped case. Anything else fails.
 * {@code -Dnodetests.filter=<regex>} narrows the run while working on one op.
 */
class NodeTestsOnEveryBackendTest {
  private static final String CUDA = "cuda-emu";
  private static EmulatedDriver driver;

  /** Backend to outcome ("passed", "excluded", "refused") to count, printed at the end. */
  private static final Map<String, Map<String, Integer>> OUTCOMES = new TreeMap<>();

  @AfterAll
  static void closeEmulatorAndReport() {
    if (driver != null) {
      driver.close();
    }
    synchronized (OUTCOMES) {
      OUTCOMES.forEach((b, counts) -> System.out.println("node tests on " + b + ": " + counts));
    }
  }

  private static void count(NodeTestBackend b, String outcome) {
    synchronized (OUTCOMES) {
      OUTCOMES.computeIfAbsent(b.name(), k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
    }
  }

  @TestFactory
  Stream<DynamicNode> everyNodeTestOnEveryBackend() {
    String filter = System.getProperty("nodetests.filter", ".*");
    List<Path> folders = NodeTestFolders.all().stream()
        .filter(p -> p.getFileName().toString().matches(filter)).toList();
    List<NodeTestBackend> backends = new ArrayList<>(List.of(NodeTestBackend.interpreter(),
        NodeTestBackend.cpu(1), NodeTestBackend.cpu(2), NodeTestBackend.cpu(3)));
    String noCuda = HostKernelCompiler.unavailableReason();
    if (noCuda == null) {
      backends.add(NodeTestBackend.cuda(CUDA, () -> new CudaBackend(emulatedDevice(),
          // The SIMT kernel, untuned: the tuner's emulated timing of tensor-core routes (fp32's
          // 3xTF32 ones on this sm_90 emulator) takes minutes over the node tests.
          CudaOptions.defaults().withGemm("generated").withPrecision(GemmPrecision.FP32)
              .withGraphs(false).withGemmTuning(false))));
    }
    List<DynamicNode> out = new ArrayList<>();
    out.add(DynamicTest.dynamicTest("node tests are there", () -> assertTrue(
        folders.size() > 200 || !filter.equals(".*"), "only " + folders.size() + " node tests")));
    for (NodeTestBackend b : backends) {
      Map<String, String> excluded = NodeTestFolders.excludes(b.name());
      out.add(DynamicContainer.dynamicContainer(b.name(), folders.stream().map(f -> {
        String name = f.getFileName().toString();
        return DynamicTest.dynamicTest(b.name() + " " + name, () -> check(b, f,
            excluded.get(name)));
      })));
    }
    if (noCuda != null) {
      out.add(DynamicTest.dynamicTest(CUDA, () -> Assumptions.abort(
          "no host compiler for the CUDA emulator: " + noCuda)));
    }
    return out.stream();
  }

  private static synchronized CudaDevice emulatedDevice() {
    if (driver == null) {
      driver = new EmulatedDriver();
    }
    return CudaDevice.on(driver, new HostKernelCompiler());
  }

  /** Passes, aborts with the listed reason (failing if it passes now), or fails. */
  private static void check(NodeTestBackend b, Path folder, String excludedBecause) {
    String what = b.name() + " " + folder.getFileName() + ": ";
    String problem;
    try {
      problem = run(b, folder);
    } catch (EmberException e) {
      if (b.name().equals(CUDA) && e.code() == ErrorCode.UNSUPPORTED_OP
          && excludedBecause == null) {
        count(b, "refused");
        Assumptions.abort(what + "refused by the CUDA backend: " + e.getMessage());
      }
      problem = e.toString();
    } catch (Exception | AssertionError e) {
      problem = e.toString();
    }
    if (excludedBecause != null) {
      if (problem == null) {
        fail(what + "listed in conformance-excludes.txt (" + excludedBecause
            + ") but passes: remove its line");
      }
      count(b, "excluded");
      Assumptions.abort(what + "excluded: " + excludedBecause);
    }
    if (problem != null) {
      fail(what + problem);
    }
    count(b, "passed");
  }

  /** Runs every data set of the folder; null on success, else what went wrong. */
  private static String run(NodeTestBackend b, Path folder) throws Exception {
    OnnxModel model = OnnxLoader.load(folder.resolve("model.onnx"));
    CompileWrapper w = b.wrap(model.graph());
    List<Path> sets;
    try (Stream<Path> s = Files.list(folder)) {
      sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted()
          .toList();
    }
    List<ValueInfo> graphIns = model.graph().inputs();
    List<ValueInfo> graphOuts = model.graph().outputs();
    for (Path set : sets) {
      List<TensorFiles.NamedTensor> ins = TensorFiles.readNumbered(set, "input");
      List<TensorFiles.NamedTensor> outs = TensorFiles.readNumbered(set, "output");
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      for (int i = 0; i < ins.size() && i < graphIns.size(); i++) {
        feeds.put(graphIns.get(i).name(), ins.get(i).tensor());
      }
      Map<String, Tensor> got = w.call(feeds);
      for (int i = 0; i < outs.size(); i++) {
        Tensor actual = got.get(graphOuts.get(i).name());
        Tensor want = outs.get(i).tensor();
        String m = Tolerance.mismatch(want, actual, Tolerance.RTOL,
            Math.max(Tolerance.atol(want.dtype()), b.atol()));
        if (m != null) {
          return set.getFileName() + " output '" + graphOuts.get(i).name() + "': " + m;
        }
      }
    }
    List<String> variants = NodeTestBackend.variantProblems(w);
    return variants.isEmpty() ? null : String.join("; ", variants);
  }
}
