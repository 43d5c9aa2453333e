package dev.ember.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** What the table says about the machine, and small file chores. */
final class Machine {
  private Machine() {}

  /** Date, CPU, cores, memory, Java. */
  static List<String> describe() {
    Runtime rt = Runtime.getRuntime();
    return List.of(
        "date: " + java.time.ZonedDateTime.now().withNano(0),
        String.format(Locale.ROOT, "machine: %s, %d cores visible to the JVM, max heap %d MiB",
            cpuModel(), rt.availableProcessors(), rt.maxMemory() >> 20),
        "java: " + ManagementFactory.getRuntimeMXBean().getVmName() + " " + Runtime.version()
            + ", " + os().getName() + " " + os().getArch());
  }

  /** "1.23, 4.56, 7.89" from /proc/loadavg, else the JVM's 1-minute figure. */
  static String loadAverage() {
    try {
      String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return p[0] + ", " + p[1] + ", " + p[2];
    } catch (IOException | RuntimeException e) {
      double l = os().getSystemLoadAverage();
      return l < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f (1 min)", l);
    }
  }

  /** This process's peak resident memory in KiB (VmHWM in /proc/self/status), or -1. */
  static long peakRssKib() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      return lines.filter(l -> l.startsWith("VmHWM:"))
          .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
          .findFirst()
          .orElse(-1L);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static OperatingSystemMXBean os() {
    return ManagementFactory.getOperatingSystemMXBean();
  }

  private static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines.filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse(os().getArch());
    } catch (IOException | RuntimeException e) {
      return os().getArch();
    }
  }

  /** Deletes {@code dir} and everything under it; best effort. */
  static void deleteTree(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp folder is harmless
    }
  }
}
