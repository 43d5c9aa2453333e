package dev.ember.bench;

import dev.ember.executor.backend.cpu.gemm.VectorGemm;
import dev.ember.executor.text.ModelSpec;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One level-3 start ({@link StartTimes#start}) in a fresh JVM with this one's class path, as an
 * executor starts: nothing loaded, nothing JIT-compiled. The child prints one line of numbers;
 * {@link #run} parses it.
 *
 * <pre>{@code
 * java -cp ... dev.ember.bench.StartProcess /tmp/cache 32x40,16x24
 * }</pre>
 */
public final class StartProcess {
  private static final String MARK = "ember-start ";
  private static final long TIMEOUT_MINUTES = 30;

  private StartProcess() {}

  /** Runs one start over cache folder {@code dir} for {@code shapes} in a new JVM. */
  static StartTimes.Start run(ModelSpec spec, Path dir, List<int[]> shapes) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-Xmx2g");
    if (VectorGemm.moduleLoaded()) {
      cmd.add("--add-modules=jdk.incubator.vector"); // an executor has what this JVM has
    }
    cmd.add("-cp");
    cmd.add(ManagementFactory.getRuntimeMXBean().getClassPath());
    cmd.add(StartProcess.class.getName());
    cmd.add(dir.toString());
    List<String> bs = new ArrayList<>();
    for (int[] s : shapes) {
      bs.add(s[0] + "x" + s[1]);
    }
    cmd.add(String.join(",", bs));
    cmd.add(spec.spec());
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("the start in a fresh JVM failed:\n" + tail(out));
      }
      for (String line : out.split("\n")) {
        if (line.startsWith(MARK)) {
          String[] f = line.substring(MARK.length()).trim().split(" ");
          long[] v = new long[f.length];
          for (int i = 0; i < f.length; i++) {
            v[i] = Long.parseLong(f[i]);
          }
          return new StartTimes.Start(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        }
      }
      throw new IllegalStateException("the start in a fresh JVM printed no result:\n" + tail(out));
    } catch (IOException e) {
      throw new IllegalStateException("cannot start a JVM for the start measurement: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while measuring a start", e);
    }
  }

  private static String tail(String out) {
    return out.length() > 4000 ? "..." + out.substring(out.length() - 4000) : out;
  }

  /** {@code args}: the cache folder, the captured shapes as {@code BxS,BxS,...}, the model spec. */
  public static void main(String[] args) {
    Logger.getLogger("").setLevel(Level.WARNING);
    List<int[]> shapes = new ArrayList<>();
    for (String s : args[1].split(",")) {
      String[] p = s.split("x");
      shapes.add(new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])});
    }
    StartTimes.Start s =
        StartTimes.start(ModelSpec.parse(args[2]), shapes, Path.of(args[0]));
    System.out.println(MARK + s.nanos() + " " + s.loadNanos() + " " + s.variantNanos() + " "
        + s.compilations() + " " + s.firstBatchNanos() + " " + s.rerunNanos() + " "
        + s.peakRssKib());
  }
}
