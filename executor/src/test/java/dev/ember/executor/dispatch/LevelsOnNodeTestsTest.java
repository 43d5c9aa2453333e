package dev.ember.executor.dispatch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.testing.NodeTestFolders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every compile level gives the level-0 outputs on the ONNX node tests the interpreter passes, with
 * {@link TestCompilers#backend()} compiling levels 1-3 (the interpreter: bit for bit). Level 3
 * captures the declared shapes, and pads where a test declares symbolic dims.
 */
class LevelsOnNodeTestsTest {
  @Test
  void everyLevelMatchesLevelZero() throws Exception {
    Set<String> excluded = NodeTestFolders.excludes().keySet();
    List<Path> folders = NodeTestFolders.all();
    int checked = 0;
    List<String> failures = new ArrayList<>();
    for (Path folder : folders) {
      String name = folder.getFileName().toString();
      if (excluded.contains(name)) {
        continue;
      }
      OnnxModel model = OnnxLoader.load(folder.resolve("model.onnx"));
      List<Map<String, Tensor>> feeds = feeds(folder, model);
      CompileWrapper l0 = CompileWrapper.builder(CompileOptions.level(0)).build(model.graph());
      List<Map<String, Tensor>> want = new ArrayList<>();
      for (Map<String, Tensor> f : feeds) {
        want.add(l0.call(f));
      }
      for (int level = 1; level <= 3; level++) {
        try {
          CompileWrapper w =
              TestCompilers.builder(CompileOptions.level(level)).build(model.graph());
          for (int i = 0; i < feeds.size(); i++) {
            TestCompilers.assertMatches(
                want.get(i), w.call(feeds.get(i)), name + " level " + level);
          }
        } catch (RuntimeException | AssertionError e) {
          failures.add(name + " level " + level + ": " + e);
        }
      }
      checked++;
    }
    assertTrue(checked > 100, "only " + checked + " node tests ran");
    assertTrue(failures.isEmpty(), failures.size() + " failed:\n" + String.join("\n", failures));
  }

  private static List<Map<String, Tensor>> feeds(Path folder, OnnxModel model) throws Exception {
    List<Path> sets;
    try (Stream<Path> s = Files.list(folder)) {
      sets =
          s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
    }
    List<Map<String, Tensor>> out = new ArrayList<>();
    List<ValueInfo> graphIns = model.graph().inputs();
    for (Path set : sets) {
      List<TensorFiles.NamedTensor> ins = TensorFiles.readNumbered(set, "input");
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      for (int i = 0; i < ins.size() && i < graphIns.size(); i++) {
        feeds.put(graphIns.get(i).name(), ins.get(i).tensor());
      }
      out.add(feeds);
    }
    return out;
  }
}
