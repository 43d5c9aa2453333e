package dev.ember.executor.backend.cpu.gemm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Whether OpenBLAS is pinned below what the CPU can do: {@code OPENBLAS_CORETYPE} (read by
 * OpenBLAS once, when it loads) naming a core without AVX-512 on a CPU that has it. Machines set
 * it to dodge OpenBLAS bugs in other kernels; for Ember's sgemm it halves the speed (measured on
 * an AMD EPYC, family 26: 100 GFLOP/s per core with Haswell's kernels, 170 with the Cooperlake
 * kernels OpenBLAS 0.3.31 picks there by itself). Ember cannot change the environment of a
 * running JVM, so it says so once, with the fix, when a native BLAS won {@link GemmChoice}.
 */
public final class OpenBlasCoreCheck {
  /** OpenBLAS core types whose sgemm uses AVX-512 (lower case). */
  static final Set<String> AVX512_CORES = Set.of("skylakex", "cooperlake", "sapphirerapids");

  /** The AVX-512 subsets OpenBLAS's SkylakeX kernels need. */
  static final Set<String> AVX512_FLAGS = Set.of("avx512f", "avx512bw", "avx512vl", "avx512dq");

  private OpenBlasCoreCheck() {}

  /**
   * The warning for {@code coreType} (the variable's value, or null when unset) on a CPU with
   * {@code cpuFlags} (the {@code flags} line of /proc/cpuinfo), or empty when nothing is lost.
   */
  public static Optional<String> warning(String coreType, String cpuFlags) {
    if (coreType == null || coreType.isBlank() || cpuFlags == null) {
      return Optional.empty();
    }
    Set<String> flags = new HashSet<>(Arrays.asList(cpuFlags.trim().split("\\s+")));
    if (!flags.containsAll(AVX512_FLAGS)
        || AVX512_CORES.contains(coreType.trim().toLowerCase(Locale.ROOT))) {
      return Optional.empty();
    }
    return Optional.of("OPENBLAS_CORETYPE=" + coreType.trim() + " in this JVM's environment pins"
        + " OpenBLAS to kernels without AVX-512 on a CPU that has it: Ember's GEMMs run at about"
        + " half speed. Unless it was set to avoid a known OpenBLAS fault, unset it (OpenBLAS then"
        + " picks its own core) or set OPENBLAS_CORETYPE=SkylakeX: for executors,"
        + " spark.executorEnv.OPENBLAS_CORETYPE=SkylakeX; for local mode, in the environment of"
        + " the driver (spark-submit, bin/ember). Or start the JVMs with"
        + " --add-modules=jdk.incubator.vector: Ember then measures its own Vector API GEMM,"
        + " which does not depend on OpenBLAS's choice, beside it.");
  }

  /** {@link #warning} for this JVM: its environment and /proc/cpuinfo (empty elsewhere). */
  public static Optional<String> here() {
    return warning(System.getenv("OPENBLAS_CORETYPE"), cpuFlags());
  }

  private static String cpuFlags() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines.filter(l -> l.startsWith("flags"))
          .map(l -> l.substring(l.indexOf(':') + 1))
          .findFirst()
          .orElse(null);
    } catch (IOException | RuntimeException e) {
      return null; // not Linux, or no /proc: nothing to check
    }
  }
}
