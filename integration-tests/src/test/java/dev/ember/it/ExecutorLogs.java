package dev.ember.it;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Counting what executors logged ({@link StandaloneCluster.ExecutorLog#stderrText}). */
final class ExecutorLogs {
  private ExecutorLogs() {}

  /** How many lines of {@code log} contain {@code text}. */
  static long lines(String log, String text) {
    return log.lines().filter(l -> l.contains(text)).count();
  }

  /** How many lines of {@code log} match {@code regex} somewhere. */
  static long matching(String log, String regex) {
    Pattern p = Pattern.compile(regex);
    return log.lines().filter(l -> p.matcher(l).find()).count();
  }

  /** The first group of the first match of {@code regex}, or null. */
  static String first(String log, String regex) {
    Matcher m = Pattern.compile(regex).matcher(log);
    return m.find() ? m.group(1) : null;
  }
}
