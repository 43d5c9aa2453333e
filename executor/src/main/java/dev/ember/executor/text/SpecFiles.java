package dev.ember.executor.text;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.onnx.ExternalData;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;

/**
 * Reads a spec's model and tokenizer bytes, turning every failure into an actionable error. Files
 * over their cap are refused from their length, before any byte is read: protobuf cannot hold a
 * model of 2 GiB or more in one message, and a tokenizer.json far larger than any real one would
 * only exhaust the executor's memory.
 */
public final class SpecFiles {
  /** The largest model file: protobuf addresses at most 2 GiB - 1 bytes in one message. */
  public static final long MAX_MODEL_BYTES = Integer.MAX_VALUE - 1L;

  /**
   * The largest tokenizer.json: real ones reach a few tens of MB (large multilingual vocabularies),
   * and the tokenizer library parses the whole file into native memory.
   */
  public static final long MAX_TOKENIZER_BYTES = 256L << 20;

  private SpecFiles() {}

  /** The ONNX model's bytes; {@code external} reads non-builtin specs. */
  public static byte[] readModel(ModelSpec spec, ModelFiles external) {
    return read(spec, spec.files(external), spec.modelLocation(), false);
  }

  /**
   * The reader of the model's external tensor data (in its local folder), or null: builtins have
   * none, and readers of remote file systems cannot confine reads to a folder.
   */
  public static ExternalData externalData(ModelSpec spec, ModelFiles external, String source) {
    return spec.isBuiltin() ? null : external.externalData(spec.modelLocation(), source);
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
      checkSize(spec, location, files.size(location), tokenizer);
      byte[] bytes = files.read(location);
      checkSize(spec, location, bytes.length, tokenizer); // a reader that could not tell
      return bytes;
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

  /**
   * Throws MODEL_UNSUPPORTED, with the fix, for a model file of {@code size} bytes over {@link
   * #MAX_MODEL_BYTES}; for callers that know the size before reading (the driver's checks).
   */
  public static void checkModelSize(ModelSpec spec, long size) {
    checkSize(spec, spec.modelLocation(), size, false);
  }

  /** Like {@link #checkModelSize}, for the tokenizer.json and {@link #MAX_TOKENIZER_BYTES}. */
  public static void checkTokenizerSize(ModelSpec spec, long size) {
    checkSize(spec, spec.tokenizerLocation(), size, true);
  }

  private static void checkSize(ModelSpec spec, String location, long size, boolean tokenizer) {
    if (tokenizer && size > MAX_TOKENIZER_BYTES) {
      throw Errors.of(
          ErrorCode.MODEL_UNSUPPORTED,
          "model spec '" + spec + "': tokenizer '" + location + "' is " + size
              + " bytes, over Ember's cap of " + MAX_TOKENIZER_BYTES + " bytes for a tokenizer.json",
          "check that the file is the model's HuggingFace tokenizer.json"
              + " (AutoTokenizer.save_pretrained writes it); real ones are a few MB");
    }
    if (!tokenizer && size > MAX_MODEL_BYTES) {
      throw Errors.of(
          ErrorCode.MODEL_UNSUPPORTED,
          "model spec '" + spec + "': model file '" + location + "' is " + size
              + " bytes; an ONNX file cannot hold 2 GiB or more in one protobuf message",
          "save the model with its weights as external data beside the .onnx file"
              + " (onnx.save_model(m, path, save_as_external_data=True)) and read it from a local"
              + " path, or quantize it below 2 GiB");
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
