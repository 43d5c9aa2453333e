package dev.ember.executor.backend.cuda;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Loads NVRTC into the JVM from where {@code bin/ember fetch-nvrtc} put it, so that no one has to
 * export {@code LD_LIBRARY_PATH}. JCuda's {@code libJNvrtc} needs {@code libnvrtc.so.12}, and NVRTC
 * opens {@code libnvrtc-builtins.so.12.x} when it compiles; once both are loaded with {@link
 * System#load}, the dynamic loader resolves both names to them.
 *
 * <p>Looks in, first match wins: the system property {@code ember.nvrtc.dir}, the environment
 * variable {@code EMBER_NVRTC_DIR}, {@code $EMBER_NVRTC_HOME/lib} and {@code
 * ~/.cache/ember/nvrtc-12.4/lib}. When none holds the libraries, it loads nothing and leaves NVRTC
 * to the system's library path (an installed CUDA toolkit, {@code LD_LIBRARY_PATH}).
 *
 * <p>{@code CudaLibraries.preload()} runs before the first use of JCuda's NVRTC binding ({@link
 * Nvrtc#unavailableReason()} calls it). Thread-safe; never throws.
 */
public final class CudaLibraries {
  /** The system property naming the folder that holds libnvrtc.so.12. */
  public static final String DIR_PROPERTY = "ember.nvrtc.dir";

  private static final String NVRTC = "libnvrtc.so.12";
  private static final Pattern BUILTINS = Pattern.compile("libnvrtc-builtins\\.so\\.12\\.\\d+");
  private static final Pattern MISSING_LIB =
      Pattern.compile("[\\w.+-]+\\.so[\\w.]*: cannot open shared object file[^\\n]*");
  private static String outcome;

  private CudaLibraries() {}

  /**
   * Loads NVRTC from the first directory that has it, once per JVM.
   *
   * @return where NVRTC came from, or why none was loaded, for messages
   */
  public static synchronized String preload() {
    if (outcome == null) {
      outcome = load(candidates());
    }
    return outcome;
  }

  private static String load(List<Path> dirs) {
    for (Path dir : dirs) {
      Path nvrtc = dir.resolve(NVRTC);
      if (!Files.isRegularFile(nvrtc)) {
        continue;
      }
      try {
        // Builtins first: NVRTC opens it by name at compile time and the loader then reuses it.
        Path builtins = builtins(dir);
        if (builtins != null) {
          loadOnce(builtins);
        }
        loadOnce(nvrtc);
        return "NVRTC loaded from " + dir;
      } catch (UnsatisfiedLinkError | SecurityException e) {
        return "NVRTC in " + dir + " did not load (" + e.getMessage() + ")";
      }
    }
    return "no " + NVRTC + " in " + dirs + ", so NVRTC comes from the system library path";
  }

  private static Path builtins(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> BUILTINS.matcher(p.getFileName().toString()).matches())
          .sorted()
          .findFirst()
          .orElse(null);
    } catch (java.io.IOException e) {
      return null; // NVRTC itself will report the missing builtins when it compiles
    }
  }

  private static void loadOnce(Path lib) {
    try {
      System.load(lib.toAbsolutePath().toString());
    } catch (UnsatisfiedLinkError e) {
      // Another class loader (e.g. a second Spark session's) loaded it: it is in the process.
      if (e.getMessage() == null || !e.getMessage().contains("already loaded in another")) {
        throw e;
      }
    }
  }

  /**
   * One line for a JCuda link error, whose message holds whole nested stack traces: its first line
   * and the library the dynamic loader could not find, e.g. {@code Error while loading native
   * library "JNvrtc-12.6.0-linux-x86_64" (libnvrtc.so.12: cannot open shared object file: ...)}.
   */
  static String summary(Throwable e) {
    String m = String.valueOf(e.getMessage()).strip();
    int nl = m.indexOf('\n');
    String first = nl < 0 ? m : m.substring(0, nl).strip();
    Matcher missing = MISSING_LIB.matcher(m);
    String lib = null;
    while (missing.find()) {
      lib = missing.group(); // the last attempt (from the jar) is the telling one
    }
    return lib == null || first.contains(lib) ? first : first + " (" + lib + ")";
  }

  private static List<Path> candidates() {
    List<Path> dirs = new ArrayList<>();
    addIfSet(dirs, System.getProperty(DIR_PROPERTY), "");
    addIfSet(dirs, System.getenv("EMBER_NVRTC_DIR"), "");
    addIfSet(dirs, System.getenv("EMBER_NVRTC_HOME"), "lib");
    addIfSet(dirs, System.getProperty("user.home"), ".cache/ember/nvrtc-12.4/lib");
    return dirs;
  }

  private static void addIfSet(List<Path> dirs, String base, String sub) {
    if (base != null && !base.isBlank()) {
      dirs.add(Path.of(base).resolve(sub));
    }
  }
}
