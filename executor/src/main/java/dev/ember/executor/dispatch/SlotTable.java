package dev.ember.executor.dispatch;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * The wrapper's variants by index, copy-on-write: readers take the current array with one volatile
 * read and never lock; adding a slot (rare: a new shape at level 1, the general variant) copies the
 * array under a lock. Indices never change once given out.
 */
final class SlotTable {
  private volatile Slot[] slots = new Slot[0];

  /** The slot at {@code index}; throws IllegalArgumentException naming {@code owner}. */
  Slot get(int index, String owner) {
    Slot[] s = slots;
    if (index < 0 || index >= s.length) {
      throw new IllegalArgumentException(
          "CompileWrapper '" + owner + "': no variant #" + index + " (it has " + s.length + ")");
    }
    return s[index];
  }

  /** The current slots; the array must not be written to. */
  Slot[] snapshot() {
    return slots;
  }

  /** Appends the slot {@code make} builds for the next index, and returns it. */
  synchronized Slot add(IntFunction<Slot> make) {
    Slot[] s = slots;
    Slot slot = make.apply(s.length);
    Slot[] next = Arrays.copyOf(s, s.length + 1);
    next[s.length] = slot;
    slots = next;
    return slot;
  }
}
