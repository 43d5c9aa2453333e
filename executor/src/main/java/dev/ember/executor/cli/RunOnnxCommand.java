package dev.ember.executor.cli;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.ops.OpRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code ember run-onnx}: runs a model on the reference interpreter with inputs and outputs as
 * numbered TensorProto files, the layout of ONNX's backend test data.
 */
final class RunOnnxCommand implements Command {
  @Override
  public String name() {
    return "run-onnx";
  }

  @Override
  public String summary() {
    return "run an ONNX model on input_<k>.pb files, write output_<k>.pb";
  }

  @Override
  public String usage() {
    return "Usage: ember run-onnx --model M.onnx --inputs DIR --output DIR\n\n"
        + "Runs the model on the reference interpreter. Reads input_0.pb, input_1.pb, ...\n"
        + "(serialized ONNX TensorProto, one per graph input, in graph-input order) from\n"
        + "--inputs; writes output_<k>.pb in graph-output order to --output (created if\n"
        + "missing) and prints one line per output: name, element type, shape.\n";
  }

  @Override
  public int run(List<String> argv, CliContext ctx) {
    Args args = Args.parse(argv, Set.of("model", "inputs", "output"));
    Path modelPath = args.requiredPath("model");
    Path inputDir = args.requiredPath("inputs");
    Path outputDir = args.requiredPath("output");
    OnnxModel model = OnnxLoader.load(modelPath);
    Graph g = model.graph();
    Map<String, Tensor> feeds = readInputs(g, modelPath, inputDir, ctx);
    Map<String, Tensor> results = new Interpreter(g, OpRegistry.standard()).run(feeds);
    createFolder(outputDir);
    List<ValueInfo> outputs = g.outputs();
    for (int k = 0; k < outputs.size(); k++) {
      String name = outputs.get(k).name();
      Tensor t = results.get(name);
      TensorFiles.write(outputDir.resolve("output_" + k + ".pb"), t, name);
      ctx.out()
          .println(name + "\t" + t.dtype().onnxLowerName() + "\t" + Arrays.toString(t.shape()));
    }
    return EmberCli.OK;
  }

  private static Map<String, Tensor> readInputs(Graph g, Path modelPath, Path dir, CliContext ctx) {
    if (!Files.isDirectory(dir)) {
      throw Errors.of(
          ErrorCode.IO_ERROR,
          "input folder '" + dir + "' does not exist or is not a folder",
          "pass the folder that holds input_0.pb, input_1.pb, ...");
    }
    List<TensorFiles.NamedTensor> files = TensorFiles.readNumbered(dir, "input");
    List<ValueInfo> inputs = g.inputs();
    if (files.size() != inputs.size()) {
      throw Errors.of(
          ErrorCode.BAD_INPUT,
          "folder '"
              + dir
              + "' holds "
              + files.size()
              + " input_<k>.pb file(s) but model '"
              + modelPath
              + "' has "
              + inputs.size()
              + " graph input(s): "
              + describe(inputs),
          "provide exactly one input_<k>.pb per graph input, numbered from 0 in that order");
    }
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      String fileName = files.get(i).name();
      String graphName = inputs.get(i).name();
      if (!fileName.isEmpty() && !fileName.equals(graphName)) {
        // Order decides, as in ONNX's test runner; a differing name often means a mix-up.
        ctx.err()
            .println(
                "ember run-onnx: warning: input_"
                    + i
                    + ".pb is named '"
                    + fileName
                    + "' but graph input #"
                    + i
                    + " is '"
                    + graphName
                    + "'; using file order");
      }
      feeds.put(graphName, files.get(i).tensor());
    }
    return feeds;
  }

  private static String describe(List<ValueInfo> inputs) {
    if (inputs.isEmpty()) {
      return "(none)";
    }
    return inputs.stream().map(v -> v.name() + " " + v.type()).collect(Collectors.joining(", "));
  }

  private static void createFolder(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw Errors.of(
          ErrorCode.IO_ERROR,
          "cannot create output folder '" + dir + "': " + e,
          "pass a writable --output folder",
          e);
    }
  }
}
