package dev.ember.spark;

import dev.ember.executor.onnx.ExternalData;
import dev.ember.executor.text.ModelFiles;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads model files through Hadoop's {@code FileSystem}, so a spec may name {@code hdfs:},
 * {@code s3a:}, {@code abfs:} or any scheme the cluster has a connector for; a plain path
 * resolves against {@code fs.defaultFS}, as Spark's paths do. Thread-safe (Hadoop caches one FileSystem per scheme and user).
 */
public final class HadoopModelFiles implements ModelFiles {
  private final Configuration conf;

  public HadoopModelFiles(Configuration conf) {
    this.conf = conf;
  }

  @Override
  public boolean exists(String location) throws IOException {
    Path p = path(location);
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      return false;
    }
    FileStatus st = fs.getFileStatus(p);
    return st.isFile();
  }

  @Override
  public long size(String location) throws IOException {
    return status(location).getLen();
  }

  /** The file's qualified path, length and modification time, from its status. */
  @Override
  public Optional<String> stamp(String location) throws IOException {
    FileStatus st = status(location);
    return Optional.of("hadoop " + st.getPath() + " size " + st.getLen() + " modified "
        + st.getModificationTime());
  }

  /**
   * Reads the file into one array of its length, which the caller has checked against its cap
   * ({@link dev.ember.executor.text.SpecFiles}); a file longer than one array is refused.
   */
  @Override
  public byte[] read(String location) throws IOException {
    Path p = path(location);
    FileSystem fs = p.getFileSystem(conf);
    long length = fs.getFileStatus(p).getLen();
    if (length > Integer.MAX_VALUE - 8) {
      throw new IOException("'" + location + "' is " + length + " bytes, more than one array holds");
    }
    try (InputStream in = fs.open(p)) {
      byte[] bytes = in.readNBytes((int) length);
      if (bytes.length != length) {
        throw new IOException("'" + location + "' ended after " + bytes.length + " of its "
            + length + " bytes");
      }
      return bytes;
    }
  }

  /**
   * External tensor data for a model on any Hadoop file system (HDFS, object stores, the local
   * one), read from the model's own folder only ({@link HadoopFolder}; the local file system's
   * through {@link ExternalData#inFolder}).
   */
  @Override
  public ExternalData externalData(String modelLocation, String source) {
    try {
      Path p = path(modelLocation);
      FileSystem fs = p.getFileSystem(conf);
      Path folder = fs.makeQualified(p).getParent();
      if ("file".equals(fs.getUri().getScheme())) {
        // Java resolves local links itself; Hadoop's local status of a qualified path follows them
        return ExternalData.inFolder(java.nio.file.Path.of(folder.toUri()), source);
      }
      return ExternalData.in(new HadoopFolder(fs, folder), source);
    } catch (IOException | IllegalArgumentException e) {
      return null; // the model itself was read through this reader; its data is then refused
    }
  }

  /**
   * Opens the file at {@code location} for reading; the caller closes the stream.
   *
   * @throws IOException when it does not exist or cannot be opened
   */
  public InputStream open(String location) throws IOException {
    Path p = path(location);
    return p.getFileSystem(conf).open(p);
  }

  /**
   * The file's status (length, modification time), without reading it.
   *
   * @throws IOException when it does not exist or cannot be reached
   */
  public FileStatus status(String location) throws IOException {
    Path p = path(location);
    return p.getFileSystem(conf).getFileStatus(p);
  }

  /** A plain path resolves against the default file system, as Spark's own paths do. */
  private static Path path(String location) {
    return new Path(location);
  }
}
