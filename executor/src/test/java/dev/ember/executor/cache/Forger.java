package dev.ember.executor.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What an attacker who can write a cache folder does: swaps a file of an entry and recomputes its
 * size and sha256 in the manifest, leaving every other line as it was.
 */
final class Forger {
  private Forger() {}

  static void replace(Path entry, String name, byte[] bytes) throws IOException {
    Files.write(entry.resolve(name), bytes);
    Path manifest = entry.resolve(CacheLayout.MANIFEST);
    List<String> lines = new ArrayList<>();
    boolean found = false;
    for (String line : Files.readAllLines(manifest)) {
      if (line.endsWith(" " + name)) {
        line = Digests.sha256Hex(bytes) + " " + bytes.length + " " + name;
        found = true;
      }
      lines.add(line);
    }
    if (!found) {
      throw new IllegalArgumentException(name + " is not in " + manifest);
    }
    Files.write(manifest, lines);
  }
}
