package dev.ember.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ProcessTreeTest {
  /** A shell with two sleeping children, marked with a unique word on its command line. */
  private static Process tree(String mark) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("sh", "-c", "sleep 300 & sleep 300 & wait # " + mark)
            .redirectErrorStream(true)
            .start();
    // Until a forked child execs sleep it still carries the shell's command line, mark included.
    Poll.until(
        () -> p.descendants().filter(c -> c.info().command().orElse("").endsWith("sleep"))
                .count() >= 2 ? java.util.Optional.of(true) : java.util.Optional.empty(),
        Duration.ofSeconds(10),
        () -> "the shell did not start its two sleep children");
    return p;
  }

  @Test
  void killEndsTheProcessAndAllItsDescendants() throws Exception {
    Process p = tree("x");
    List<ProcessHandle> children = p.descendants().toList();
    assertEquals(List.of(), ProcessTree.kill(p.toHandle(), Duration.ZERO));
    assertFalse(p.isAlive());
    children.forEach(c -> assertFalse(c.isAlive(), "child " + c.pid() + " survived"));
  }

  @Test
  void killWithGraceAsksFirst() throws Exception {
    Process p = tree("y");
    List<ProcessHandle> children = p.descendants().toList();
    assertEquals(List.of(), ProcessTree.kill(p.toHandle(), Duration.ofSeconds(2)));
    children.forEach(c -> assertFalse(c.isAlive(), "child " + c.pid() + " survived"));
  }

  @Test
  void matchingFindsProcessesByCommandLine() throws Exception {
    String mark = "ember-it-mark-" + UUID.randomUUID();
    Process p = tree(mark);
    try {
      List<ProcessHandle> found = ProcessTree.matching(List.of(mark));
      assertEquals(List.of(p.pid()), found.stream().map(ProcessHandle::pid).toList());
      assertTrue(ProcessTree.matching(List.of("no-such-" + mark)).isEmpty());
    } finally {
      ProcessTree.kill(p.toHandle(), Duration.ZERO);
    }
    assertTrue(ProcessTree.matching(List.of(mark)).isEmpty());
  }
}
