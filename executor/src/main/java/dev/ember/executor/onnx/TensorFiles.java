package dev.ember.executor.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.wire.OnnxWire.TensorProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Serialized {@code TensorProto} files as ONNX's test data uses them: {@code input_<k>.pb} and
 * {@code output_<k>.pb}, numbered from 0 in graph order.
 */
public final class TensorFiles {
  private TensorFiles() {}

  /** A tensor read from a file, with the name stored in it (may be empty). */
  public record NamedTensor(String name, Tensor tensor) {}

  public static NamedTensor read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw Errors.of(
          ErrorCode.IO_ERROR, "cannot read tensor file '" + file + "': " + e, "check the path", e);
    }
    try {
      TensorProto p = TensorProto.parseFrom(bytes);
      return new NamedTensor(p.getName(), TensorProtos.decode(p, "tensor file '" + file + "'"));
    } catch (InvalidProtocolBufferException e) {
      throw Errors.of(
          ErrorCode.BAD_INPUT,
          "'" + file + "' is not a serialized ONNX TensorProto (" + e.getMessage() + ")",
          "write inputs with onnx.numpy_helper.from_array(a).SerializeToString()",
          e);
    }
  }

  /** Reads {@code <prefix>_0.pb, <prefix>_1.pb, ...} from a folder, in index order. */
  public static List<NamedTensor> readNumbered(Path dir, String prefix) {
    Pattern p = Pattern.compile(Pattern.quote(prefix) + "_(\\d+)\\.pb");
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(
          f -> {
            if (p.matcher(f.getFileName().toString()).matches()) {
              files.add(f);
            }
          });
    } catch (IOException e) {
      throw Errors.of(
          ErrorCode.IO_ERROR, "cannot list folder '" + dir + "': " + e, "check the path", e);
    }
    files.sort((a, b) -> Integer.compare(index(p, a), index(p, b)));
    for (int i = 0; i < files.size(); i++) {
      if (index(p, files.get(i)) != i) {
        throw Errors.of(
            ErrorCode.BAD_INPUT,
            "folder '" + dir + "' has " + prefix + " files numbered "
                + files.stream().map(f -> f.getFileName().toString()).toList()
                + "; the numbers must run 0, 1, 2, ... without gaps",
            "name the files " + prefix + "_0.pb, " + prefix + "_1.pb, ... in graph order");
      }
    }
    List<NamedTensor> out = new ArrayList<>();
    for (Path f : files) {
      out.add(read(f));
    }
    return out;
  }

  public static void write(Path file, Tensor t, String name) {
    try {
      Files.write(file, TensorProtos.encode(t, name).toByteArray());
    } catch (IOException e) {
      throw Errors.of(
          ErrorCode.IO_ERROR, "cannot write '" + file + "': " + e, "check the folder is writable",
          e);
    }
  }

  private static int index(Pattern p, Path f) {
    Matcher m = p.matcher(f.getFileName().toString());
    m.matches();
    String digits = m.group(1);
    if (digits.length() > 9) {
      // Integer.parseInt would throw a bare NumberFormatException past int range.
      throw Errors.of(
          ErrorCode.BAD_INPUT,
          "tensor file '" + f + "' has index " + digits + ", far beyond any input count",
          "number the files 0, 1, 2, ... in graph order");
    }
    return Integer.parseInt(digits);
  }
}
