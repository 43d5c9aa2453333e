package dev.ember.executor.conformance;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.Tolerance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** One ONNX backend node test folder: model.onnx plus test_data_set_N with inputs and outputs. */
final class NodeTestCase {
  private NodeTestCase() {}

  /** Runs every data set of the folder; returns null on success or what went wrong. */
  static String run(Path folder) throws Exception {
    OnnxModel model = OnnxLoader.load(folder.resolve("model.onnx"));
    Interpreter interp = new Interpreter(model.graph(), OpRegistry.standard());
    List<Path> sets;
    try (Stream<Path> s = Files.list(folder)) {
      sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted()
          .toList();
    }
    for (Path set : sets) {
      List<TensorFiles.NamedTensor> ins = TensorFiles.readNumbered(set, "input");
      List<TensorFiles.NamedTensor> outs = TensorFiles.readNumbered(set, "output");
      List<ValueInfo> graphIns = model.graph().inputs();
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      for (int i = 0; i < ins.size() && i < graphIns.size(); i++) {
        feeds.put(graphIns.get(i).name(), ins.get(i).tensor());
      }
      Map<String, Tensor> got = interp.run(feeds);
      List<ValueInfo> graphOuts = model.graph().outputs();
      for (int i = 0; i < outs.size(); i++) {
        Tensor actual = got.get(graphOuts.get(i).name());
        String m = Tolerance.mismatch(outs.get(i).tensor(), actual);
        if (m != null) {
          return set.getFileName() + " output '" + graphOuts.get(i).name() + "': " + m;
        }
      }
    }
    return null;
  }
}
