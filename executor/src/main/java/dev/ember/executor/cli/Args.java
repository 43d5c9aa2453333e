package dev.ember.executor.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsed {@code --name value} / {@code --name=value} options of one subcommand. Unknown, repeated
 * or value-less options and stray positional words are usage errors.
 */
final class Args {
  private final Map<String, String> values;

  private Args(Map<String, String> values) {
    this.values = values;
  }

  /** Parses {@code argv} accepting only the option names in {@code known} (without "--"). */
  static Args parse(List<String> argv, Set<String> known) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < argv.size(); i++) {
      String a = argv.get(i);
      if (!a.startsWith("--") || a.length() == 2) {
        throw new UsageException("unexpected argument '" + a + "'");
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (!known.contains(name)) {
        throw new UsageException("unknown option '--" + name + "'");
      }
      if (value == null) {
        if (i + 1 >= argv.size() || argv.get(i + 1).startsWith("--")) {
          throw new UsageException("option '--" + name + "' needs a value");
        }
        value = argv.get(++i);
      }
      if (values.put(name, value) != null) {
        throw new UsageException("option '--" + name + "' is given twice");
      }
    }
    return new Args(values);
  }

  /** The value of a required option. */
  String required(String name) {
    String v = values.get(name);
    if (v == null || v.isEmpty()) {
      throw new UsageException("missing required option '--" + name + "'");
    }
    return v;
  }

  Path requiredPath(String name) {
    return Path.of(required(name));
  }

  /** The value of an optional option, or null. */
  String optional(String name) {
    return values.get(name);
  }
}
