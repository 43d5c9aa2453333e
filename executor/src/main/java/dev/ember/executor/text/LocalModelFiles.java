package dev.ember.executor.text;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.onnx.ExternalData;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** {@link ModelFiles} over {@code java.nio.file}: plain paths and {@code file:} URIs. */
final class LocalModelFiles implements ModelFiles {
  static final LocalModelFiles INSTANCE = new LocalModelFiles();

  private LocalModelFiles() {}

  @Override
  public boolean exists(String location) {
    return Files.isRegularFile(toPath(location));
  }

  @Override
  public byte[] read(String location) throws IOException {
    return Files.readAllBytes(toPath(location));
  }

  @Override
  public long size(String location) throws IOException {
    return Files.size(toPath(location));
  }

  @Override
  public Optional<String> stamp(String location) throws IOException {
    return Optional.of(fileStamp(toPath(location)));
  }

  /** The real path, size, modification time and file key (inode) of a local file. */
  static String fileStamp(Path file) throws IOException {
    Path real = file.toRealPath();
    BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
    return "file " + real + " size " + a.size() + " modified "
        + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + " key " + a.fileKey();
  }

  @Override
  public ExternalData externalData(String modelLocation, String source) {
    return ExternalData.inFolder(toPath(modelLocation).toAbsolutePath().getParent(), source);
  }

  /** The local path a location names; any scheme other than {@code file:} is an IO_ERROR. */
  static Path toPath(String location) {
    String scheme = ModelSpec.schemeOf(location);
    try {
      if (scheme == null) {
        return Path.of(location);
      }
      if (!scheme.equalsIgnoreCase("file")) {
        throw Errors.of(
            ErrorCode.IO_ERROR,
            "model location '"
                + location
                + "' uses the scheme '"
                + scheme
                + "', which the local file reader cannot open",
            "read it through the Spark plugin (it opens Hadoop file systems), or copy the model"
                + " folder to a local path");
      }
      URI uri = URI.create(location);
      if (uri.isOpaque()) {
        // "file:relative/model.onnx" has no authority or absolute path; take it as a path.
        return Path.of(uri.getSchemeSpecificPart());
      }
      return Path.of(uri);
    } catch (IllegalArgumentException | FileSystemNotFoundException e) {
      throw Errors.of(
          ErrorCode.IO_ERROR,
          "model location '"
              + location
              + "' is not a valid local path or file: URI ("
              + e.getMessage()
              + ")",
          "give a plain path or a URI such as file:///models/minilm/model.onnx",
          e);
    }
  }
}
