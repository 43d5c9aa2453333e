package dev.ember.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a spark-submit ended: exit code ({@code -1} when it was ended after its timeout), time taken,
 * and the driver's output (in client mode; in cluster mode the driver's own output lies in its
 * worker's {@code driver-*} folder).
 */
public record SubmitResult(
    String name,
    int exitCode,
    boolean timedOut,
    Duration elapsed,
    String stdout,
    String stderr,
    Path dir) {

  private static final Pattern APP_ID =
      Pattern.compile("Connected to Spark cluster with app ID (\\S+)");

  /**
   * The standalone application id the driver logged (client mode), or null: a driver that failed
   * before it reached the Master has none.
   */
  public String appId() {
    return appId(stderr);
  }

  static String appId(String driverLog) {
    Matcher m = APP_ID.matcher(driverLog);
    return m.find() ? m.group(1) : null;
  }

  /** stdout then stderr. */
  public String output() {
    return stdout + "\n" + stderr;
  }

  public double seconds() {
    return elapsed.toMillis() / 1000.0;
  }

  /** A summary for assertion messages: name, exit, time and the tails of both streams. */
  public String describe() {
    return "spark-submit '"
        + name
        + "' "
        + (timedOut ? "timed out" : "exited " + exitCode)
        + " after "
        + String.format(java.util.Locale.ROOT, "%.1f", seconds())
        + " s ("
        + dir
        + ")\n--- stdout (tail)\n"
        + tail(stdout, 20)
        + "\n--- stderr (tail)\n"
        + tail(stderr, 40);
  }

  private static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }
}
