package dev.ember.spark;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.text.ModelSpec;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;

/** Checks, on the driver, that a model spec's files exist before any task needs them. */
public final class ModelChecks {
  private ModelChecks() {}

  /**
   * Throws IO_ERROR naming the missing file and what to put there; builtins are checked against
   * the classpath.
   */
  public static void checkFilesExist(ModelSpec spec, Configuration hadoopConf) {
    HadoopModelFiles files = new HadoopModelFiles(hadoopConf);
    if (spec.isBuiltin()) {
      return; // parse() already refused unknown builtins; the jar holds the files
    }
    require(files, spec, spec.modelLocation(), "the ONNX model");
    require(files, spec, spec.tokenizerLocation(), "its tokenizer.json");
  }

  private static void require(HadoopModelFiles files, ModelSpec spec, String location, String what) {
    boolean exists;
    try {
      exists = files.exists(location);
    } catch (IOException e) {
      throw Errors.of(
          ErrorCode.IO_ERROR,
          "model '" + spec.spec() + "': cannot check " + what + " at '" + location + "': " + e,
          "check the path and your access to its file system",
          e);
    }
    if (!exists) {
      throw Errors.of(
          ErrorCode.IO_ERROR,
          "model '" + spec.spec() + "': " + what + " '" + location + "' does not exist",
          "point the model spec at an existing .onnx file with tokenizer.json beside it, or at a"
              + " folder holding model.onnx and tokenizer.json; or use "
              + ModelSpec.DEFAULT);
    }
  }
}
