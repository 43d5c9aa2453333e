package dev.ember.executor.backend.cuda.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The emulator's allocator under churn: allocations of mixed sizes freed in random order never
 * overlap a live one (a free-list bug once handed out pages inside a live buffer, which showed
 * as GEMM inputs changing under the tuner), and freeing everything returns every page.
 */
class EmuDeviceMemoryTest {
  @Test
  void randomAllocAndFreeNeverOverlapLiveAllocations() {
    try (EmuDeviceMemory memory = new EmuDeviceMemory(64L << 20)) {
      long free = memory.freeBytes();
      Random r = new Random(42);
      List<EmuDeviceMemory.Allocation> live = new ArrayList<>();
      for (int step = 0; step < 4000; step++) {
        if (!live.isEmpty() && r.nextInt(3) == 0) {
          memory.free(live.remove(r.nextInt(live.size())).pointer());
          continue;
        }
        EmuDeviceMemory.Allocation a = memory.alloc(1 + r.nextInt(r.nextBoolean() ? 5000 : 70000));
        for (EmuDeviceMemory.Allocation b : live) {
          assertTrue(a.end() <= b.pointer() || b.end() <= a.pointer(),
              "step " + step + ": " + a + " overlaps " + b);
          assertTrue(a.firstPage() + a.pages() <= b.firstPage()
              || b.firstPage() + b.pages() <= a.firstPage(),
              "step " + step + ": pages of " + a + " overlap " + b);
        }
        live.add(a);
      }
      live.forEach(a -> memory.free(a.pointer()));
      assertEquals(free, memory.freeBytes());
    }
  }
}
