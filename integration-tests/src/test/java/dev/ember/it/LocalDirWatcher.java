package dev.ember.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.stream.Stream;

/**
 * Records every folder that appears under the workers' {@code SPARK_LOCAL_DIRS} while an
 * application runs. A Worker deletes an application's local dirs (the executors' local dirs) when
 * it ends, so they can only be seen while it runs. Polls every 200 ms on a daemon thread.
 */
final class LocalDirWatcher implements AutoCloseable {
  private final List<Path> roots;
  private final Set<Path> seen = new ConcurrentSkipListSet<>();
  private final Thread thread;
  private volatile boolean stop;

  private LocalDirWatcher(List<Path> roots) {
    this.roots = List.copyOf(roots);
    this.thread = new Thread(this::loop, "ember-it-local-dirs");
    thread.setDaemon(true);
    thread.start();
  }

  static LocalDirWatcher start(StandaloneCluster cluster) {
    return new LocalDirWatcher(
        cluster.workers().stream().map(StandaloneCluster.Worker::localDir).toList());
  }

  private void loop() {
    while (!stop) {
      for (Path root : roots) {
        scan(root);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void scan(Path root) {
    try (Stream<Path> dirs = Files.walk(root, 4)) {
      dirs.filter(Files::isDirectory).filter(d -> !d.equals(root)).forEach(seen::add);
    } catch (NoSuchFileException e) {
      // a folder deleted while we walked it
    } catch (IOException | UncheckedIOException e) {
      // same: the walk met a folder that vanished
    }
  }

  /** Folders seen so far, relative to nothing (absolute paths), sorted. */
  Set<Path> seen() {
    return new TreeSet<>(seen);
  }

  /** Folders seen whose own name matches {@code regex}. */
  Set<Path> seenNamed(String regex) {
    Set<Path> out = new TreeSet<>();
    for (Path p : seen) {
      if (p.getFileName().toString().matches(regex)) {
        out.add(p);
      }
    }
    return out;
  }

  @Override
  public void close() {
    stop = true;
    thread.interrupt();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Path root : roots) {
      scan(root); // what is left after the app ended
    }
  }
}
