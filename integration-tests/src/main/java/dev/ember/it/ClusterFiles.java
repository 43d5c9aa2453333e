package dev.ember.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of a {@link StandaloneCluster}'s folder that the harness writes: the Spark conf folder
 * ({@code conf/}: log configs, the fake GPU discovery script) and {@code cluster.properties}, which
 * {@code bin/ember cluster} reads back.
 */
final class ClusterFiles {
  private ClusterFiles() {}

  /** Writes {@code <base>/conf} and returns it. */
  static Path writeConf(Path base, ClusterOptions options) throws IOException {
    Path conf = Files.createDirectories(base.resolve("conf"));
    // Master, workers and executors: Spark and Ember at INFO (executor logs show task progress).
    write(conf.resolve("log4j2.properties"), log4j("info", List.of()));
    // Drivers log like bin/ember's runs (Spark at WARN, Ember at INFO), plus the application id.
    write(
        conf.resolve("driver-log4j2.properties"),
        log4j(
            "warn",
            List.of(
                "dev.ember=info",
                "org.apache.spark.scheduler.cluster.StandaloneSchedulerBackend=info",
                "org.apache.spark.util.Utils=error")));
    if (!options.fakeGpuAddresses().isEmpty()) {
      Path script = conf.resolve("gpu-discovery.sh");
      List<String> quoted = options.fakeGpuAddresses().stream().map(a -> "\"" + a + "\"").toList();
      write(
          script,
          List.of(
              "#!/bin/sh",
              "# GPU discovery for machines without a GPU (issue #5): it only names addresses.",
              "echo '{\"name\": \"gpu\", \"addresses\": [" + String.join(", ", quoted) + "]}'"));
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return conf;
  }

  /** The discovery script {@link #writeConf} wrote for fake GPUs. */
  static Path gpuDiscoveryScript(Path conf) {
    return conf.resolve("gpu-discovery.sh");
  }

  private static List<String> log4j(String rootLevel, List<String> levels) {
    List<String> lines = new ArrayList<>();
    lines.add("rootLogger.level = " + rootLevel);
    lines.add("rootLogger.appenderRef.stderr.ref = console");
    lines.add("appender.console.type = Console");
    lines.add("appender.console.name = console");
    lines.add("appender.console.target = SYSTEM_ERR");
    lines.add("appender.console.layout.type = PatternLayout");
    lines.add("appender.console.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1}: %m%n");
    List<String> all = new ArrayList<>(levels);
    all.add("ai.djl=error"); // DJL warns about CUDA on every start
    all.add("org.apache.hadoop.util.NativeCodeLoader=error");
    for (int i = 0; i < all.size(); i++) {
      String[] kv = all.get(i).split("=");
      lines.add("logger.l" + i + ".name = " + kv[0]);
      lines.add("logger.l" + i + ".level = " + kv[1]);
    }
    return lines;
  }

  /** {@code cluster.properties}: the Master's URL and web UI, and each worker's port and dirs. */
  static void writeState(StandaloneCluster cluster) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("master.url=" + cluster.masterUrl());
    lines.add("master.webui=" + cluster.masterWebUi());
    lines.add("master.pid=" + cluster.master().pid());
    for (StandaloneCluster.Worker w : cluster.workers()) {
      String key = "worker." + w.index();
      lines.add(key + ".port=" + w.port());
      lines.add(key + ".pid=" + w.process().pid());
      lines.add(key + ".work=" + w.workDir());
      lines.add(key + ".local=" + w.localDir());
    }
    write(cluster.base().resolve("cluster.properties"), lines);
  }

  /**
   * Deletes the copies of application jars in the workers' work dirs under {@code base} (each
   * executor and cluster-mode driver fetches its own: 100 MB for Ember's job jar), keeping the logs
   * beside them.
   */
  static void deleteJarCopies(Path base) {
    try (Stream<Path> files = Files.walk(base)) {
      for (Path f :
          files
              .filter(f -> f.getFileName().toString().endsWith(".jar"))
              .filter(f -> inWorkDir(base.relativize(f)))
              .toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + base, e);
    }
  }

  private static boolean inWorkDir(Path relative) {
    for (Path part : relative) {
      if (part.toString().equals("work")) {
        return true;
      }
    }
    return false;
  }

  private static void write(Path file, List<String> lines) throws IOException {
    Files.write(file, lines, StandardCharsets.UTF_8);
  }
}
