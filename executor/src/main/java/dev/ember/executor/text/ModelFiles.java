package dev.ember.executor.text;

import dev.ember.executor.onnx.ExternalData;
import java.io.IOException;
import java.util.Optional;

/**
 * Reads the files a {@link ModelSpec} names (the ONNX model and its {@code tokenizer.json}). The
 * executor module reads only local files and classpath resources; a caller that can reach other
 * file systems (the Spark plugin, through Hadoop's {@code FileSystem} for {@code hdfs:}, {@code
 * s3a:}, ...) supplies its own implementation, so that this module never links Hadoop.
 *
 * <p>A location is the string the spec gave: a plain path, a {@code file:} URI or any other URI.
 * Implementations must be safe to call from many threads.
 *
 * <pre>{@code
 * try (SentenceEmbedder e = SentenceEmbedder.load(
 *     ModelSpec.parse("/models/minilm"), ModelFiles.local(), 256)) {
 *   float[][] v = e.embed(List.of("hello"));
 * }
 * }</pre>
 */
public interface ModelFiles {

  /**
   * Whether {@code location} names an existing regular file.
   *
   * @throws IOException when the answer cannot be found out (permissions, network)
   */
  boolean exists(String location) throws IOException;

  /**
   * All bytes of the file at {@code location}.
   *
   * @throws java.nio.file.NoSuchFileException or {@link java.io.FileNotFoundException} when the
   *     file does not exist, another {@link IOException} when it cannot be read
   */
  byte[] read(String location) throws IOException;

  /**
   * The length in bytes of the file at {@code location}, or -1 when this reader cannot tell
   * without reading it. Callers check it against their caps before {@link #read}, so that an
   * oversized file is refused with the reason rather than read into memory.
   *
   * @throws IOException when the file cannot be reached
   */
  default long size(String location) throws IOException {
    return -1;
  }

  /**
   * A stamp of the file at {@code location} as it is now, without reading it: its place, size and
   * modification time (and what else the file system offers), so that a changed file gets another
   * stamp; empty when this reader cannot tell. {@link ModelImages} finds a model's imported image
   * by it, which is why a file rewritten in place with its old size and time is missed (turn the
   * images off, {@code spark.ember.compile.cache.modelImages=false}, where files are).
   *
   * @throws IOException when the file cannot be reached
   */
  default Optional<String> stamp(String location) throws IOException {
    return Optional.empty();
  }

  /**
   * The reader of external tensor data for the model at {@code modelLocation} ({@link
   * ExternalData}, confined to the model's folder), or null when this reader cannot confine reads
   * to a local folder; a model with external data is then refused with MODEL_UNSUPPORTED.
   * {@code source} names the model in errors.
   */
  default ExternalData externalData(String modelLocation, String source) {
    return null;
  }

  /** The local file system: plain paths and {@code file:} URIs; other schemes are refused. */
  static ModelFiles local() {
    return LocalModelFiles.INSTANCE;
  }
}
