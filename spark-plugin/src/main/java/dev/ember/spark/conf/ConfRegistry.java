package dev.ember.spark.conf;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The declared {@link ConfEntry entries}, in declaration order. {@link EmberConf} owns the one
 * registry that production code uses; tests build their own to try types no real key has yet.
 * Registration happens in static initializers; after that the registry is only read, so it needs no
 * locking.
 */
final class ConfRegistry {
  /** Every key Ember declares starts with this. */
  static final String PREFIX = "spark.ember.";

  private final Map<String, ConfEntry<?>> entries = new LinkedHashMap<>();

  /** Starts declaring an entry; the entry registers itself when created. */
  ConfBuilder conf(String key) {
    return new ConfBuilder(this, key);
  }

  void register(ConfEntry<?> entry) {
    String key = entry.key();
    if (!key.startsWith(PREFIX) || key.length() == PREFIX.length()) {
      throw new IllegalStateException("configuration key '" + key + "' must start with " + PREFIX);
    }
    if (entries.containsKey(key)) {
      throw new IllegalStateException("configuration key " + key + " is declared twice");
    }
    entries.put(key, entry);
  }

  /** All entries, internal ones included, in declaration order. */
  List<ConfEntry<?>> entries() {
    return List.copyOf(entries.values());
  }

  /** The entry for {@code key}, or null. */
  ConfEntry<?> lookup(String key) {
    return entries.get(key);
  }

  /**
   * The declared key closest to {@code unknown} by edit distance, or null if none is close: the
   * distance between the parts after {@code spark.ember.} must be at most half the longer part, so
   * {@code spark.ember.maxLength} suggests {@code spark.ember.text.maxLength} but {@code
   * spark.ember.foo} suggests nothing. Ties go to the key declared first.
   */
  String closestKey(String unknown) {
    String tail = tail(unknown);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String key : entries.keySet()) {
      String knownTail = tail(key);
      int distance = editDistance(tail, knownTail);
      if (distance < bestDistance && distance <= Math.max(tail.length(), knownTail.length()) / 2) {
        best = key;
        bestDistance = distance;
      }
    }
    return best;
  }

  private static String tail(String key) {
    return key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key;
  }

  /** Levenshtein distance: insertions, deletions and substitutions each cost one. */
  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
