package dev.ember.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Whether this machine has a usable CUDA device, as far as a cheap check can tell without a CUDA
 * binding: an NVIDIA device node ({@code /dev/nvidia0}, ...) and the driver library {@code
 * libcuda.so.1} in one of the usual library folders. Called once per executor by the executor
 * plugin; stateless and thread-safe.
 *
 * <p>A stand-in: the CUDA backend (issue #6) replaces it with a driver call ({@code cuInit}, then a
 * device count), which also catches a driver too old for the toolkit.
 *
 * <pre>{@code
 * GpuProbe.Result cuda = GpuProbe.probe();
 * if (!cuda.usable()) log.warn("no CUDA: {}", cuda.detail());
 * }</pre>
 */
public final class GpuProbe {
  private static final Pattern DEVICE_NODE = Pattern.compile("nvidia[0-9]+");
  private static final String DRIVER_LIBRARY = "libcuda.so.1";
  // Where distributions, NVIDIA's installers and the NVIDIA container toolkit put the driver.
  private static final List<Path> LIBRARY_DIRS =
      Stream.of(
              "/usr/lib/x86_64-linux-gnu",
              "/usr/lib/x86_64-linux-gnu/nvidia/current",
              "/usr/lib/aarch64-linux-gnu",
              "/usr/lib64",
              "/usr/lib",
              "/lib/x86_64-linux-gnu",
              "/lib64",
              "/usr/local/nvidia/lib64",
              "/usr/local/cuda/lib64",
              "/usr/local/cuda/compat",
              "/usr/lib/wsl/lib")
          .map(Path::of)
          .toList();

  private GpuProbe() {}

  /** What the probe found: usable or not, and a sentence saying why, for logs and errors. */
  public record Result(boolean usable, String detail) {}

  /** Probes this machine's {@code /dev} and library folders. */
  public static Result probe() {
    return probe(Path.of("/dev"), LIBRARY_DIRS);
  }

  static Result probe(Path devDir, List<Path> libraryDirs) {
    List<String> nodes = deviceNodes(devDir);
    if (nodes.isEmpty()) {
      return new Result(false, "no NVIDIA device node (" + devDir.resolve("nvidia0") + ")");
    }
    for (Path dir : libraryDirs) {
      Path lib = dir.resolve(DRIVER_LIBRARY);
      if (Files.exists(lib)) {
        return new Result(true, "device nodes " + nodes + ", driver " + lib);
      }
    }
    return new Result(
        false,
        "device nodes "
            + nodes
            + " but no NVIDIA driver library "
            + DRIVER_LIBRARY
            + " in "
            + libraryDirs);
  }

  private static List<String> deviceNodes(Path devDir) {
    try (Stream<Path> entries = Files.list(devDir)) {
      return entries
          .map(p -> p.getFileName().toString())
          .filter(n -> DEVICE_NODE.matcher(n).matches())
          .sorted()
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
