package dev.ember.notebook;

import com.google.gson.GsonBuilder;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the kernel's {@code kernel.json} at build time (Jupyter does not expand variables in
 * it, so every path is absolute), and the class path the Python notebook starts its JVM with.
 * Run by this module's build, at {@code package}:
 *
 * <pre>KernelSpecWriter TARGET_DIR KERNEL_JAR UDFS_JAR JAVA_HOME LOG4J_CONF "OPENS..."</pre>
 *
 * <p>It reads {@code TARGET_DIR/dependency-classpath.txt} (the dependency plugin's) and writes
 * {@code TARGET_DIR/ember-classpath.txt} and
 * {@code TARGET_DIR/jupyter/kernels/ember-java/kernel.json}.
 */
public final class KernelSpecWriter {
  /** The kernel's name: notebooks name it in their {@code kernelspec} metadata. */
  public static final String KERNEL_NAME = "ember-java";
  /** Heap of the kernel JVM, where Spark's driver and local executors run. */
  static final String HEAP = "-Xmx3g";

  private KernelSpecWriter() {}

  /** Writes both files; fails naming the build command when the shaded Ember jar is missing. */
  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      throw new IllegalArgumentException(
          "usage: KernelSpecWriter TARGET_DIR KERNEL_JAR UDFS_JAR JAVA_HOME LOG4J_CONF OPENS");
    }
    Path target = Path.of(args[0]);
    Path udfsJar = Path.of(args[2]).toAbsolutePath().normalize();
    if (!Files.isRegularFile(udfsJar)) {
      throw new IllegalStateException("no shaded Ember jar at " + udfsJar
          + "; build it first: mvn -pl notebooks/kernel -am package -DskipTests");
    }
    String deps = Files.readString(target.resolve("dependency-classpath.txt")).strip();
    String classpath = udfsJar + File.pathSeparator + deps;
    Files.writeString(target.resolve("ember-classpath.txt"), classpath + "\n",
        StandardCharsets.UTF_8);

    List<String> argv = new ArrayList<>();
    argv.add(Path.of(args[3], "bin", "java").toString());
    argv.add(HEAP);
    argv.addAll(List.of(args[5].trim().split("\\s+")));
    argv.add("-Djava.awt.headless=true");
    argv.add("-Dlog4j2.configurationFile=" + Path.of(args[4]).toAbsolutePath().normalize());
    argv.add("-cp");
    argv.add(Path.of(args[1]).toAbsolutePath().normalize() + File.pathSeparator + classpath);
    argv.add(EmberKernel.class.getName());
    argv.add("{connection_file}");

    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("argv", argv);
    spec.put("display_name", "Java (Ember)");
    spec.put("language", "java");
    spec.put("interrupt_mode", "message");
    spec.put("env", Map.of("SPARK_LOCAL_IP", "127.0.0.1"));
    Path dir = target.resolve("jupyter/kernels/" + KERNEL_NAME);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("kernel.json"),
        new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(spec) + "\n",
        StandardCharsets.UTF_8);
    System.out.println("Jupyter kernel '" + KERNEL_NAME + "' written to " + dir);
  }
}
