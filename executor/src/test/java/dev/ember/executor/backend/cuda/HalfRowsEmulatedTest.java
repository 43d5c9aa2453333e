package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ember.executor.backend.cuda.GpuDriver.Dim3;
import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.EmulatedGpu;
import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import dev.ember.executor.ir.Half;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The copy of a GEMM's float32 A into 16-bit rows ({@link HalfRows}) on the host emulator, every
 * element against the IR's own rounding (to nearest even), the padding past K zero: A contiguous
 * and aligned (float4 reads, K 100 ending inside a chunk), A transposed (read element by
 * element), and a batch whose second matrix starts off 16 bytes (a contiguous row read element
 * by element). Ties and values past the 16-bit range are among the inputs.
 */
class HalfRowsEmulatedTest {
  @RegisterExtension
  static final EmulatedGpu GPU = EmulatedGpu.standard();

  @ParameterizedTest
  @EnumSource(value = GemmPrecision.class, names = {"FP16", "BF16"})
  void copiesEveryRowRoundedToNearestEvenWithZeroPadding(GemmPrecision p) {
    EmulatedDriver d = GPU.driver();
    String name = HalfRows.kernelName(p);
    Object kernel = d.load(new HostKernelCompiler().compile(HalfRows.source(p), d.device().arch(),
        name + ".cu"), List.of(name)).get(name);
    List<String> failures = new ArrayList<>();
    // batch, m, k, aBatch, aRow, aCol, and the float offset of A's first element
    int[][] cases = {{1, 7, 100, 0, 100, 1, 0}, {1, 5, 19, 0, 1, 5, 0}, {2, 3, 16, 49, 16, 1, 4}};
    for (int[] c : cases) {
      GemmShape s = new GemmShape(c[0], c[1], 8, c[2], c[3], c[4], c[5], 0, 8, 1, 0, 8, 1f, 0f,
          false, 0, 0);
      int floats = c[6] + (c[0] - 1) * c[3] + (c[1] - 1) * c[4] + (c[2] - 1) * c[5] + 1;
      float[] a = values(floats, p, 31 + c[2]);
      long da = d.alloc(4L * floats);
      long copy = d.alloc(HalfRows.bytes(s));
      try {
        ByteBuffer in = ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder());
        for (float v : a) {
          in.putFloat(v);
        }
        d.upload(da, in.flip());
        ByteBuffer poison = ByteBuffer.allocateDirect(Math.toIntExact(HalfRows.bytes(s)));
        while (poison.hasRemaining()) {
          poison.put((byte) 0x7f);
        }
        d.upload(copy, poison.flip());
        d.launch(kernel, HalfRows.grid(s), Dim3.of(HalfRows.THREADS), 0,
            HalfRows.args(da + 4L * c[6], copy, s));
        ByteBuffer out = ByteBuffer.allocateDirect(Math.toIntExact(HalfRows.bytes(s)))
            .order(ByteOrder.nativeOrder());
        d.download(out, copy);
        int ld = HalfRows.rowStride(s);
        for (int z = 0; z < s.batch(); z++) {
          for (int i = 0; i < s.m(); i++) {
            for (int k = 0; k < ld; k++) {
              float x = k < s.k() ? a[c[6] + z * c[3] + i * c[4] + k * c[5]] : 0f;
              short want = p == GemmPrecision.FP16 ? Half.fromFloat(x) : Half.floatToBf16(x);
              short got = out.getShort(2 * ((z * s.m() + i) * ld + k));
              if (got != want && failures.size() < 8) {
                failures.add(p + " case " + List.of(c[0], c[1], c[2]) + " at (" + z + ", " + i
                    + ", " + k + "): " + Integer.toHexString(got & 0xffff) + " != "
                    + Integer.toHexString(want & 0xffff) + " (" + x + ")");
              }
            }
          }
        }
      } finally {
        d.free(da);
        d.free(copy);
      }
    }
    assertEquals(List.of(), failures);
  }

  @ParameterizedTest
  @EnumSource(value = GemmPrecision.class, names = {"FP16", "BF16"})
  void refusesACopyPastItsBudget(GemmPrecision p) {
    assertNull(HalfRows.whyNot(GemmShape.onWeight(4096, 4096, 4096)));
    assertNotNull(HalfRows.whyNot(GemmShape.onWeight(8192, 64, 4096 + 8)));
  }

  /** Random values, every fifth a tie between two 16-bit neighbours, every seventh too large. */
  private static float[] values(int count, GemmPrecision p, long seed) {
    Random rnd = new Random(seed);
    float[] out = new float[count];
    for (int i = 0; i < count; i++) {
      float x = (float) rnd.nextGaussian() * 4;
      if (i % 5 == 0) { // a tie: the 16-bit value plus half its last place
        float base = p == GemmPrecision.FP16 ? Half.toFloat(Half.fromFloat(x))
            : Half.bf16ToFloat(Half.floatToBf16(x));
        x = base + Math.ulp(base) * (p == GemmPrecision.FP16 ? 0x1p12f : 0x1p15f);
      }
      if (i % 7 == 0) {
        x *= p == GemmPrecision.FP16 ? 1e5f : 1e38f;
      }
      out[i] = x;
    }
    return out;
  }
}
