package dev.ember.bench.gpu;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cuda.CudaBackend;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every ONNX node test the CUDA backend takes, run on the device and by the interpreter on the
 * test's own inputs, specialised to their shapes (as {@code CudaCodegenNvrtcTest} compiles them).
 * A test the backend refuses (an op or dtype it has no kernel for) is counted, not failed; a
 * kernel that does not compile, fails to run or differs beyond the tolerance is a failure.
 */
final class NodeTestCheck {
  static final double RTOL = 1e-4;
  static final double ATOL = 1e-5;

  /** The outcome of one node test. */
  record Outcome(String test, String op, String status, String detail) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("test", test);
      m.put("op", op);
      m.put("status", status);
      m.put("detail", detail);
      return m;
    }
  }

  private NodeTestCheck() {}

  static List<Outcome> run(CudaBackend cuda, Path root) throws IOException {
    List<Path> folders;
    try (Stream<Path> s = Files.list(root)) {
      folders = s.filter(p -> Files.exists(p.resolve("model.onnx"))).sorted().toList();
    }
    List<Outcome> out = new ArrayList<>();
    for (Path folder : folders) {
      out.add(one(cuda, folder));
    }
    return out;
  }

  private static Outcome one(CudaBackend cuda, Path folder) {
    String test = folder.getFileName().toString();
    Graph g;
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    String op = "?";
    try {
      Graph raw = OnnxLoader.load(folder.resolve("model.onnx")).graph();
      op = raw.nodes().isEmpty() ? "-" : raw.nodes().get(0).opType();
      List<TensorFiles.NamedTensor> ins =
          TensorFiles.readNumbered(folder.resolve("test_data_set_0"), "input");
      Map<String, int[]> shapes = new LinkedHashMap<>();
      for (int i = 0; i < ins.size() && i < raw.inputs().size(); i++) {
        String name = raw.inputs().get(i).name();
        shapes.put(name, ins.get(i).tensor().shape());
        feeds.put(name, ins.get(i).tensor());
      }
      g = Specializer.specialize(raw, shapes);
    } catch (RuntimeException e) {
      return new Outcome(test, op, "skipped", "does not load or specialise: " + e.getMessage());
    }
    CompiledVariant v;
    try {
      v = cuda.compile(g, key(test, cuda, feeds));
    } catch (EmberException e) {
      String status = e.code() == ErrorCode.KERNEL_COMPILE_FAILED ? "failed" : "refused";
      return new Outcome(test, op, status, firstLine(e.getMessage()));
    } catch (RuntimeException e) {
      return new Outcome(test, op, "refused", firstLine(String.valueOf(e)));
    }
    try {
      Map<String, Tensor> want = new Interpreter(g, OpRegistry.standard()).run(feeds);
      Map<String, Tensor> got = v.run(feeds);
      for (ValueInfo o : g.outputs()) {
        String diff = got.containsKey(o.name())
            ? Compare.allClose(want.get(o.name()), got.get(o.name()), RTOL, ATOL)
            : "output missing";
        if (diff != null) {
          return new Outcome(test, op, "failed", o.name() + ": " + diff);
        }
      }
      return new Outcome(test, op, "passed", "");
    } catch (RuntimeException e) {
      return new Outcome(test, op, "failed", "run: " + firstLine(String.valueOf(e)));
    }
  }

  private static VariantKey key(String test, CudaBackend cuda, Map<String, Tensor> feeds) {
    Map<String, List<Long>> shapes = new TreeMap<>();
    feeds.forEach((name, t) -> {
      List<Long> dims = new ArrayList<>();
      for (int d : t.shape()) {
        dims.add((long) d);
      }
      shapes.put(name, dims);
    });
    return new VariantKey("node-test:" + test, cuda.name(), shapes, Map.of());
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
