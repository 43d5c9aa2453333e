package dev.ember.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests one {@link StandaloneCluster} per test JVM: started at first use, closed when JUnit
 * closes its root context (after the last test class), and by the cluster's own shutdown hook if
 * the JVM ends first. Two workers of 1 core and 1.5 GB, each offering a fake GPU "0".
 *
 * <pre>{@code
 * @ExtendWith(SharedCluster.class)
 * class SomeIT {
 *   @Test void runs(StandaloneCluster cluster) { ... }
 * }
 * }</pre>
 */
final class SharedCluster implements ParameterResolver {
  private static final String KEY = "ember-standalone-cluster";

  /** Closes the cluster when JUnit closes the root store. */
  private record Resource(StandaloneCluster cluster, double startSeconds)
      implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      long t0 = System.nanoTime();
      try {
        cluster.close();
      } finally {
        StandaloneCluster.deleteJarCopies(cluster.base());
        ItEnv.timing("cluster: teardown (all processes gone)", ItEnv.secondsSince(t0));
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
    return p.getParameter().getType() == StandaloneCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext ctx) {
    return ctx.getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(KEY, k -> start(), Resource.class)
        .cluster();
  }

  private static Resource start() {
    Path base = ItEnv.itDir().resolve("cluster");
    deleteRecursively(base); // the previous run's logs
    deleteQuietly(ItEnv.itDir().resolve("timings.txt"));
    long t0 = System.nanoTime();
    StandaloneCluster cluster =
        StandaloneCluster.start(
            ItEnv.spark(), base, ClusterOptions.defaults().withFakeGpus(List.of("0")));
    double seconds = ItEnv.secondsSince(t0);
    ItEnv.timing("cluster: start master + 2 workers, all registered", seconds);
    return new Resource(cluster, seconds);
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(SharedCluster::deleteQuietly);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a file still being written by a dying process; the next run deletes it
    }
  }
}
