package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** fp16 and bf16 rounding at the edges: ties to even, subnormals, overflow, NaN. */
class HalvesTest {
  @Test
  void fp16RoundsToNearestEven() {
    assertEquals(0x3c00, Halves.fp16(1f) & 0xffff);
    assertEquals(0x3c00, Halves.fp16(1f + 0x1p-11f) & 0xffff, "tie, lower neighbour even");
    assertEquals(0x3c02, Halves.fp16(1f + 3 * 0x1p-11f) & 0xffff, "tie, lower neighbour odd");
    assertEquals(0x7bff, Halves.fp16(65504f) & 0xffff);
    assertEquals(0x7c00, Halves.fp16(65520f) & 0xffff, "ties to even: infinity");
    assertEquals(0xfc00, Halves.fp16(-1e6f) & 0xffff);
    assertEquals(0x0001, Halves.fp16(0x1p-24f) & 0xffff, "smallest subnormal");
    assertEquals(0x0000, Halves.fp16(0x1p-25f) & 0xffff, "half of it: to even, zero");
    assertEquals(0x0001, Halves.fp16(3 * 0x1p-26f) & 0xffff);
    assertEquals(0x8000, Halves.fp16(-0f) & 0xffff);
    assertEquals(0x7fff, Halves.fp16(Float.NaN) & 0xffff);
  }

  @Test
  void bf16RoundsToNearestEven() {
    assertEquals(0x3f80, Halves.bf16(1f) & 0xffff);
    assertEquals(0x3f80, Halves.bf16(1f + 0x1p-8f) & 0xffff, "tie, lower neighbour even");
    assertEquals(0x3f82, Halves.bf16(1f + 3 * 0x1p-8f) & 0xffff, "tie, lower neighbour odd");
    assertEquals(0xc974, Halves.bf16(-1e6f) & 0xffff);
    assertEquals(0x7f80, Halves.bf16(Float.POSITIVE_INFINITY) & 0xffff);
    assertEquals(0x7fff, Halves.bf16(Float.NaN) & 0xffff);
  }
}
