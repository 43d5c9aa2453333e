package dev.ember.executor.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.GraphVerifier;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads ONNX model files into Ember's IR. Any malformed input ends in an {@link EmberException}
 * naming the file and what is wrong, never in a parser's internal exception.
 *
 * <pre>{@code OnnxModel m = OnnxLoader.load(Path.of("model.onnx"));}</pre>
 */
public final class OnnxLoader {
  /** Protobuf cannot address more than 2 GiB in one message. */
  static final long MAX_MODEL_BYTES = Integer.MAX_VALUE;

  private OnnxLoader() {}

  public static OnnxModel load(Path path) {
    long size;
    try {
      size = Files.size(path);
    } catch (NoSuchFileException e) {
      throw Errors.of(
          dev.ember.executor.errors.ErrorCode.IO_ERROR,
          "model file '" + path + "' does not exist",
          "check the path",
          e);
    } catch (IOException e) {
      throw Errors.modelInvalid(path.toString(), "cannot read the file: " + e.getMessage(), e);
    }
    if (size >= MAX_MODEL_BYTES) {
      throw Errors.modelUnsupported(
          path.toString(),
          "the file is " + size + " bytes; models of 2 GiB or more are not supported yet",
          "quantize or split the model to bring it under 2 GiB");
    }
    try {
      Path folder = path.toAbsolutePath().getParent();
      return load(Files.readAllBytes(path), path.toString(),
          ExternalData.inFolder(folder, path.toString()));
    } catch (IOException e) {
      throw Errors.modelInvalid(path.toString(), "cannot read the file: " + e.getMessage(), e);
    }
  }

  /**
   * Parses model bytes; {@code source} names the model in errors. Tensors in external files are
   * refused (MODEL_UNSUPPORTED): there is no folder to read them from.
   */
  public static OnnxModel load(byte[] bytes, String source) {
    return load(bytes, source, null);
  }

  /**
   * Parses model bytes whose external tensor data, if any, {@code external} reads (null: refuse
   * it); {@code source} names the model in errors.
   */
  public static OnnxModel load(byte[] bytes, String source, ExternalData external) {
    return loadImageable(bytes, source, external).model();
  }

  /**
   * A loaded model and, on demand, its {@link OnnxImage} (made from the same parse, so that
   * writing the image does not parse the model a second time).
   */
  public record Imageable(OnnxModel model, Supplier<Optional<OnnxImage>> image) {}

  /** Like {@link #load(byte[], String, ExternalData)}, keeping what its image is made from. */
  public static Imageable loadImageable(byte[] bytes, String source, ExternalData external) {
    OnnxModel model;
    ModelProto proto;
    try {
      proto = parse(bytes, source);
      if (!proto.hasGraph()) {
        throw Errors.modelInvalid(
            source, "the file holds no graph (empty or truncated model)", null);
      }
      MessageDigest digest = sha256Digest();
      digest.update(bytes);
      model = new GraphImporter(source, proto, external, digest).importModel();
    } catch (StackOverflowError e) {
      // Parsing and importing recurse once per nested subgraph; a small thread stack (a pool
      // thread's) runs out long before the recursion limit set in parse().
      throw Errors.modelUnsupported(
          source,
          "its subgraphs (If/Loop bodies) are nested too deeply to read on this thread's stack",
          "give the JVM larger thread stacks (e.g. -Xss8m) or flatten the model's control flow");
    }
    GraphVerifier.verify(model.graph());
    ModelProto parsed = proto;
    return new Imageable(model, () -> OnnxImage.of(parsed));
  }

  /**
   * Parses a model image: an ONNX model Ember rewrote with its weights moved into files {@code
   * external} reads ({@code dev.ember.executor.text.ModelImages}), whose original's digest is
   * {@code sha256}. Nothing is hashed: the image's files were checked when they were read.
   */
  public static OnnxModel loadImage(
      byte[] bytes, String source, ExternalData external, String sha256) {
    ModelProto proto = parse(bytes, source);
    OnnxModel model = new GraphImporter(source, proto, external, sha256).importModel();
    GraphVerifier.verify(model.graph());
    return model;
  }

  static ModelProto parse(byte[] bytes, String source) {
    if (bytes.length == 0) {
      throw Errors.modelInvalid(source, "the file is empty", null);
    }
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      // Tensors' raw_data become views of the bytes, not copies (MiniLM: 87 MB less to allocate
      // and touch); the bytes are never changed after they are read.
      in.enableAliasing(true);
      in.setSizeLimit(Integer.MAX_VALUE);
      // Deeply nested subgraphs are legal; protobuf's default of 100 is too tight for them.
      in.setRecursionLimit(1000);
      ModelProto proto = ModelProto.parseFrom(in);
      in.checkLastTagWas(0);
      return proto;
    } catch (InvalidProtocolBufferException e) {
      throw Errors.modelInvalid(source, "not a valid ONNX protobuf (" + e.getMessage() + ")", e);
    } catch (IOException | RuntimeException e) {
      throw Errors.modelInvalid(source, "not a valid ONNX protobuf (" + e + ")", e);
    }
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(sha256Digest().digest(bytes));
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM ships SHA-256", e);
    }
  }
}
