package dev.ember.executor.robustness;

import java.util.Arrays;
import java.util.Random;

/** Deterministic corruptions of a serialized model; the seed alone reproduces each one. */
final class Mutator {
  private Mutator() {}

  /** The ways a file gets damaged in practice: cut short, bits flipped, bytes overwritten. */
  enum Kind {
    TRUNCATE,
    BIT_FLIPS,
    BYTE_OVERWRITES
  }

  static Kind kind(long seed) {
    return Kind.values()[(int) Math.floorMod(seed, 3L)];
  }

  static byte[] mutate(byte[] original, long seed) {
    Random r = new Random(seed * 0x9E3779B97F4A7C15L + 1);
    byte[] b = original.clone();
    switch (kind(seed)) {
      case TRUNCATE:
        return Arrays.copyOf(b, r.nextInt(b.length));
      case BIT_FLIPS:
        for (int i = 1 + r.nextInt(8); i > 0; i--) {
          int pos = r.nextInt(b.length);
          b[pos] ^= (byte) (1 << r.nextInt(8));
        }
        return b;
      default:
        for (int i = 1 + r.nextInt(8); i > 0; i--) {
          b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
        return b;
    }
  }
}
