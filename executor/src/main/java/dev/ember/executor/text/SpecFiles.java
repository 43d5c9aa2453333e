package dev.ember.executor.text;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;

/** Reads a spec's model and tokenizer bytes, turning every failure into an actionable error. */
public final class SpecFiles {
  private SpecFiles() {}

  /** The ONNX model's bytes; {@code external} reads non-builtin specs. */
  public static byte[] readModel(ModelSpec spec, ModelFiles external) {
    return read(spec, spec.files(external), spec.modelLocation(), false);
  }

  /** The tokenizer.json's bytes; {@code external} reads non-builtin specs. */
  public static byte[] readTokenizer(ModelSpec spec, ModelFiles external) {
    return read(spec, spec.files(external), spec.tokenizerLocation(), true);
  }

  private static byte[] read(ModelSpec spec, ModelFiles files, String location, boolean tokenizer) {
    String reader = files.getClass().getSimpleName();
    try {
      if (!files.exists(location)) {
        throw missing(spec, location, tokenizer, null);
      }
      return files.read(location);
    } catch (NoSuchFileException | FileNotFoundException e) {
      throw missing(spec, location, tokenizer, e);
    } catch (IOException | RuntimeException e) {
      if (e instanceof EmberException ember) {
        throw ember;
      }
      throw Errors.of(
          ErrorCode.IO_ERROR,
          "cannot read "
              + (tokenizer ? "tokenizer" : "model file")
              + " '"
              + location
              + "' of model spec '"
              + spec
              + "' (through "
              + reader
              + "): "
              + e,
          "check that the file is readable by the user the executor runs as and that its file"
              + " system is reachable",
          e);
    }
  }

  private static EmberException missing(
      ModelSpec spec, String location, boolean tokenizer, Throwable cause) {
    if (spec.isBuiltin()) {
      return Errors.of(
          ErrorCode.IO_ERROR,
          "builtin model '"
              + spec
              + "' is not on the classpath: resource '"
              + location
              + "' was not found",
          "add the jar " + spec.builtinJar() + " to the classpath"
              + " (ember-executor depends on it at runtime), or give a model path instead",
          cause);
    }
    if (tokenizer) {
      return Errors.of(
          ErrorCode.IO_ERROR,
          "model spec '" + spec + "': the tokenizer '" + location + "' does not exist",
          "put the model's HuggingFace "
              + ModelSpec.TOKENIZER_FILE
              + " at '"
              + location
              + "' (in Python, AutoTokenizer.from_pretrained(name).save_pretrained(folder)"
              + " writes it)",
          cause);
    }
    String fix =
        spec.kind() == ModelSpec.Kind.FOLDER
            ? "put the model's ONNX export at '"
                + location
                + "', or give the path of the"
                + " .onnx file itself (ending in .onnx) with "
                + ModelSpec.TOKENIZER_FILE
                + " beside it"
            : "check the path; a spec names an .onnx file (with "
                + ModelSpec.TOKENIZER_FILE
                + " beside it) or a folder holding "
                + ModelSpec.MODEL_FILE
                + " and "
                + ModelSpec.TOKENIZER_FILE;
    return Errors.of(
        ErrorCode.IO_ERROR,
        "model spec '" + spec + "': the model file '" + location + "' does not exist",
        fix,
        cause);
  }
}
