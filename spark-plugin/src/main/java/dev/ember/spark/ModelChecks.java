package dev.ember.spark;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.errors.Redaction;
import dev.ember.executor.onnx.ModelHeader;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.text.SpecFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;

/**
 * Checks, on the driver, a model spec before any task needs it: its files exist, and its ONNX
 * header (opsets, ops) is one the executors can run. A failure here is the error an executor
 * would raise, raised before any executor starts.
 */
public final class ModelChecks {
  // Models whose header passed, by location, length and modification time: a session's every
  // transform over the same model reads it once.
  private static final Map<String, Boolean> PASSED = new ConcurrentHashMap<>();

  private ModelChecks() {}

  /**
   * {@link #checkFilesExist}, then reads the model's header and checks its ops against the op
   * registry. Builtins pass (the jar ships tested models).
   *
   * @throws dev.ember.executor.errors.EmberException IO_ERROR for a missing file,
   *     MODEL_UNSUPPORTED for a model or tokenizer.json over its size cap, MODEL_INVALID for bytes
   *     that are no ONNX model, UNSUPPORTED_OP for an op or opset Ember lacks, each as an executor
   *     would report it
   */
  public static void checkModel(ModelSpec spec, Configuration hadoopConf) {
    checkFilesExist(spec, hadoopConf);
    if (spec.isBuiltin()) {
      return;
    }
    HadoopModelFiles files = new HadoopModelFiles(hadoopConf);
    String location = spec.modelLocation();
    // The executors name the model by its redacted location; so does this check.
    String source = Redaction.redact(location);
    String key;
    try {
      FileStatus st = files.status(location);
      SpecFiles.checkModelSize(spec, st.getLen());
      SpecFiles.checkTokenizerSize(spec, files.size(spec.tokenizerLocation()));
      key = st.getPath() + "|" + st.getLen() + "|" + st.getModificationTime();
    } catch (IOException e) {
      throw cannotRead(spec, location, e);
    }
    if (PASSED.containsKey(key)) {
      return;
    }
    try (InputStream in = new BufferedInputStream(files.open(location), 1 << 16)) {
      ModelHeader.read(in, source).checkOps(OpRegistry.standard());
    } catch (IOException e) {
      throw cannotRead(spec, location, e);
    }
    PASSED.put(key, Boolean.TRUE);
  }

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

  private static RuntimeException cannotRead(ModelSpec spec, String location, IOException e) {
    return Errors.of(
        ErrorCode.IO_ERROR,
        "model '" + spec.spec() + "': cannot read the ONNX model at '" + location + "': " + e,
        "check that the file is readable by the user the driver runs as",
        e);
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
