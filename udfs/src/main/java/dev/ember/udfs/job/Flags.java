package dev.ember.udfs.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line flags of Ember's jobs (embed, predict, sql): {@code --name value} options, bare switches and
 * repeatable {@code --conf KEY=VALUE}; anything else is an error naming it.
 */
final class Flags {
  final Map<String, String> values = new LinkedHashMap<>();
  final Map<String, String> conf = new LinkedHashMap<>();
  final List<String> switches = new ArrayList<>();

  static Flags parse(String[] args, Set<String> options, Set<String> switches) {
    Flags f = new Flags();
    List<String> unknown = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--conf")) {
        String kv = value(args, ++i, a);
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("--conf needs KEY=VALUE, got '" + kv + "'");
        }
        f.conf.put(kv.substring(0, eq), kv.substring(eq + 1));
      } else if (options.contains(a)) {
        f.values.put(a, value(args, ++i, a));
      } else if (switches.contains(a)) {
        f.switches.add(a);
      } else {
        unknown.add(a);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown arguments " + unknown);
    }
    return f;
  }

  String required(String flag) {
    String v = values.get(flag);
    if (v == null) {
      throw new IllegalArgumentException(flag + " is required");
    }
    return v;
  }

  String get(String flag, String otherwise) {
    return values.getOrDefault(flag, otherwise);
  }

  boolean on(String flag) {
    return switches.contains(flag);
  }

  /** A positive integer flag, or {@code otherwise} when absent. */
  Integer positive(String flag, Integer otherwise) {
    String v = values.get(flag);
    if (v == null) {
      return otherwise;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through to the message
    }
    throw new IllegalArgumentException(flag + " must be a positive integer, got '" + v + "'");
  }

  /** A flag whose value, lower-cased, must be one of {@code allowed}. */
  String oneOf(String flag, List<String> allowed, String otherwise) {
    String v = get(flag, otherwise).toLowerCase(java.util.Locale.ROOT);
    if (!allowed.contains(v)) {
      throw new IllegalArgumentException(flag + " must be one of " + allowed + ", got '" + v + "'");
    }
    return v;
  }

  /** An integer flag that must be 0 or more, or {@code otherwise} when absent. */
  int atLeastZero(String flag, int otherwise) {
    String v = values.get(flag);
    if (v == null) {
      return otherwise;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through to the message
    }
    throw new IllegalArgumentException(flag + " must be a number >= 0, got '" + v + "'");
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }
}
