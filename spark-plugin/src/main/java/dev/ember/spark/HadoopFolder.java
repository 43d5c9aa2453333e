package dev.ember.spark;

import dev.ember.executor.onnx.ExternalData;
import java.io.IOException;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A model's folder on any Hadoop file system (HDFS, object stores, the local one), for the ONNX
 * external data beside the model. Locations arrive relative and free of {@code ..} ({@link
 * ExternalData} checks that); here no component of the way may be a symbolic link, since
 * resolving links on a remote file system cannot be confined to the folder, and the end must be a
 * regular file. Reads are positioned reads of exactly the requested range.
 */
final class HadoopFolder implements ExternalData.Folder {
  private final FileSystem fs;
  private final Path folder;

  HadoopFolder(FileSystem fs, Path folder) {
    this.fs = fs;
    this.folder = folder;
  }

  @Override
  public long regularFileSize(String relative) throws IOException {
    Path p = folder;
    FileStatus status = null;
    for (String part : relative.split("/")) {
      p = new Path(p, part);
      status = fs.getFileLinkStatus(p);
      if (status.isSymlink()) {
        throw new ExternalData.Refused("goes through the symbolic link '" + p + "'; links are"
            + " not followed on " + fs.getUri());
      }
    }
    if (status == null || !status.isFile()) {
      throw new ExternalData.Refused("is not a file");
    }
    return status.getLen();
  }

  @Override
  public void read(String relative, long offset, byte[] into) throws IOException {
    try (FSDataInputStream in = fs.open(new Path(folder, relative))) {
      in.readFully(offset, into);
    }
  }
}
