package dev.ember.executor.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads tensor data that an ONNX model keeps in files beside it ({@code external_data}: location,
 * offset, length), as models of 2 GiB or more are saved. A model file names these locations, so
 * they are treated as hostile: a location must be a relative path that stays inside the model's
 * folder (no absolute path, no {@code ..}, no symlink that leads out), name a regular file, and
 * {@code offset + length} must lie within that file.
 *
 * <pre>{@code
 * ExternalData data = ExternalData.inFolder(Path.of("/models/big"));
 * byte[] w = data.read("model.onnx.data", 4096, 1 << 20, 1 << 20, "initializer 'w'");
 * }</pre>
 *
 * <p>The folder is the local file system's ({@link #inFolder}) or any other file system's through a
 * {@link Folder} (Hadoop's, for models on HDFS or object stores), under the same checks.
 *
 * <p>Thread-safe; holds no open files between reads.
 */
public final class ExternalData {
  /** The largest single tensor: one Java array. */
  static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8L;

  /**
   * A model's folder on a file system other than the local one. Paths given to it are relative,
   * '/'-separated and free of {@code ..} (checked before it is asked).
   */
  public interface Folder {
    /**
     * The length of the regular file at {@code relative}.
     *
     * @throws Refused when it, or a folder on its way, is a symbolic link, or it is not a file
     * @throws IOException when it does not exist or cannot be reached
     */
    long regularFileSize(String relative) throws IOException;

    /** Fills {@code into} from byte {@code offset} of the file at {@code relative}. */
    void read(String relative, long offset, byte[] into) throws IOException;

    /**
     * The {@code length} bytes at {@code offset} of {@code relative} where this folder holds its
     * files in memory (a view, not a copy: a model image's weights), or null where it reads them.
     */
    default ByteBuffer held(String relative, long offset, int length) throws IOException {
      return null;
    }
  }

  /** A {@link Folder}'s refusal of a location, with the reason. */
  public static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;

    public Refused(String reason) {
      super(reason);
    }
  }

  private final Folder folder;
  private final String model;

  private ExternalData(Folder folder, String model) {
    this.folder = folder;
    this.model = model;
  }

  /** External data of the model {@code model} (for messages) in a local {@code folder}. */
  public static ExternalData inFolder(Path folder, String model) {
    return new ExternalData(new LocalFolder(folder.toAbsolutePath().normalize()), model);
  }

  /** External data of the model {@code model} (for messages) in {@code folder}. */
  public static ExternalData in(Folder folder, String model) {
    return new ExternalData(folder, model);
  }

  /**
   * Bytes {@code [offset, offset + length)} of {@code location} (read-only; a view where the
   * folder holds the file in memory); {@code length} -1 reads to the
   * end of the file, as the ONNX spec allows. {@code expected} is the byte size the tensor's type
   * and shape need (-1: unknown), checked before anything is allocated.
   *
   * @throws dev.ember.executor.errors.EmberException MODEL_INVALID naming the tensor {@code where}
   *     and the location when the location leaves the folder, is not a regular file, or the range
   *     does not lie within it; MODEL_UNSUPPORTED for one tensor of 2 GiB or more
   */
  public ByteString read(String location, long offset, long length, long expected,
      String where) {
    String relative = relative(location, where);
    try {
      long size = folder.regularFileSize(relative);
      long n = length < 0 ? size - offset : length;
      if (offset < 0 || offset > size || n < 0 || n > size - offset) {
        throw invalid(where, "its external data range (offset " + offset + ", length " + length
            + ") does not lie within '" + location + "' (" + size + " bytes)");
      }
      if (expected >= 0 && n != expected) {
        throw invalid(where, "its external data in '" + location + "' is " + n
            + " bytes, but its type and shape need " + expected);
      }
      if (n > MAX_TENSOR_BYTES) {
        throw Errors.modelUnsupported(model, where + " holds " + n + " bytes of external data;"
            + " one tensor must stay under 2 GiB", "split the tensor or quantize the model");
      }
      ByteBuffer held = folder.held(relative, offset, (int) n);
      if (held != null) {
        return UnsafeByteOperations.unsafeWrap(held);
      }
      byte[] bytes = new byte[(int) n];
      folder.read(relative, offset, bytes);
      return UnsafeByteOperations.unsafeWrap(bytes);
    } catch (Refused e) {
      throw invalid(where, "its external data location '" + location + "' " + e.getMessage());
    } catch (NoSuchFileException | FileNotFoundException e) {
      throw invalid(where, "its external data file '" + location + "' does not exist beside the"
          + " model (" + e.getClass().getSimpleName() + ")");
    } catch (IOException e) {
      throw Errors.of(ErrorCode.IO_ERROR, "model '" + model + "': cannot read external data '"
          + location + "' of " + where + ": " + e, "check that the file is readable", e);
    }
  }

  /** The location as a clean relative path, refused when absolute or climbing out with '..'. */
  private String relative(String location, String where) {
    if (location.isEmpty()) {
      throw invalid(where, "its external data has no location");
    }
    Path relative;
    try {
      relative = Path.of(location);
    } catch (InvalidPathException e) {
      throw invalid(where, "its external data location '" + location + "' is not a valid path");
    }
    if (relative.isAbsolute() || location.startsWith("/") || location.startsWith("\\")
        || location.contains(":")) {
      throw invalid(where, "its external data location '" + location + "' is absolute; it must"
          + " be a path relative to the model's folder");
    }
    List<String> parts = new ArrayList<>();
    for (Path part : relative) {
      String name = part.toString();
      if (name.equals("..")) {
        throw invalid(where, "its external data location '" + location + "' climbs out of the"
            + " model's folder with '..'");
      }
      if (!name.equals(".") && !name.isEmpty()) {
        parts.add(name);
      }
    }
    if (parts.isEmpty()) {
      throw invalid(where, "its external data location '" + location + "' names no file");
    }
    return String.join("/", parts);
  }

  private RuntimeException invalid(String where, String why) {
    return Errors.of(ErrorCode.MODEL_INVALID, "model '" + model + "': " + where + ": " + why,
        "keep the model's external data files in its folder, as onnx.save_model("
            + "save_as_external_data=True) writes them, and re-save a model whose locations"
            + " were edited");
  }

  /** The local file system: a location may not lead out of the folder through a link. */
  private record LocalFolder(Path folder) implements Folder {
    @Override
    public long regularFileSize(String relative) throws IOException {
      return Files.size(resolve(relative));
    }

    @Override
    public void read(String relative, long offset, byte[] into) throws IOException {
      try (FileChannel ch = FileChannel.open(resolve(relative), StandardOpenOption.READ,
          LinkOption.NOFOLLOW_LINKS)) {
        ByteBuffer buf = ByteBuffer.wrap(into);
        while (buf.hasRemaining()) {
          if (ch.read(buf, offset + buf.position()) < 0) {
            throw new IOException("'" + relative + "' ended while reading its external data");
          }
        }
      }
    }

    private Path resolve(String relative) throws IOException {
      Path realFolder = folder.toRealPath();
      Path real = folder.resolve(relative).normalize().toRealPath(); // follows links
      if (!real.startsWith(realFolder)) {
        throw new Refused("leads out of the model's folder (to '" + real + "') through a"
            + " symbolic link");
      }
      if (!Files.isRegularFile(real)) {
        throw new Refused("is not a file");
      }
      return real;
    }
  }
}
