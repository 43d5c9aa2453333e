package dev.ember.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ends processes with everything they started, and finds processes by what their command line
 * contains. Only {@link ProcessHandle}: no {@code kill} binary, no shell.
 */
public final class ProcessTree {
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);

  private ProcessTree() {}

  /**
   * Ends {@code root} and all its descendants: asks them to stop (SIGTERM) and waits up to {@code
   * grace}, then kills what is left (SIGKILL), root first so that it starts nothing new. The
   * descendants are listed before anything is signalled, since a child whose parent died is no
   * longer its descendant. Returns the processes still alive afterwards: empty unless the kernel
   * refused.
   */
  public static List<ProcessHandle> kill(ProcessHandle root, Duration grace) {
    return killAll(List.of(root), grace);
  }

  /** Like {@link #kill}, for several roots at once. */
  public static List<ProcessHandle> killAll(Collection<ProcessHandle> roots, Duration grace) {
    Set<ProcessHandle> tree = new LinkedHashSet<>();
    for (ProcessHandle root : roots) {
      collect(root, tree);
    }
    if (!grace.isZero()) {
      tree.forEach(ProcessHandle::destroy);
      awaitExit(tree, grace);
    }
    for (int round = 0; round < 3 && anyAlive(tree); round++) {
      // Children started while we waited belong to the tree too.
      for (ProcessHandle p : List.copyOf(tree)) {
        collect(p, tree);
      }
      tree.forEach(ProcessHandle::destroyForcibly);
      awaitExit(tree, KILL_WAIT);
    }
    return tree.stream().filter(ProcessHandle::isAlive).toList();
  }

  /**
   * Live processes, other than this JVM and its ancestors, whose command line contains any of
   * {@code markers}. A process whose command line cannot be read is skipped.
   */
  public static List<ProcessHandle> matching(Collection<String> markers) {
    Set<Long> spare = new LinkedHashSet<>();
    for (ProcessHandle p = ProcessHandle.current(); p != null; p = p.parent().orElse(null)) {
      spare.add(p.pid());
    }
    return ProcessHandle.allProcesses()
        .filter(p -> !spare.contains(p.pid()))
        .filter(p -> commandLine(p).map(c -> markers.stream().anyMatch(c::contains)).orElse(false))
        .toList();
  }

  /** The full command line, when the system lets us read it. */
  public static java.util.Optional<String> commandLine(ProcessHandle p) {
    return p.info().commandLine();
  }

  /** {@code pid command...}, cut to 200 characters, for messages. */
  public static String describe(ProcessHandle p) {
    String c = commandLine(p).orElse("?");
    return p.pid() + " " + (c.length() > 200 ? c.substring(0, 200) + "..." : c);
  }

  private static void collect(ProcessHandle root, Set<ProcessHandle> into) {
    into.add(root);
    root.descendants().forEach(into::add);
  }

  private static boolean anyAlive(Collection<ProcessHandle> ps) {
    return ps.stream().anyMatch(ProcessHandle::isAlive);
  }

  private static void awaitExit(Collection<ProcessHandle> ps, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<ProcessHandle> alive = new ArrayList<>(ps);
    for (ProcessHandle p : alive) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        p.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return;
      } catch (ExecutionException e) {
        // onExit never completes exceptionally; treat it like a timeout
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
