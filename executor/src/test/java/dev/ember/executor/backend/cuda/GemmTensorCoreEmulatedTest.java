package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.EmulatedGpu;
import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import dev.ember.executor.ir.Half;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every tensor-core GEMM route (each tile, the cp.async pipelines, split-K) run on the host
 * emulator's models of {@code mma.sync}, {@code cvt} and {@code cp.async} (emu_ptx.h), against the
 * FP32 SIMT kernel on the same operands, within the precision's tolerance: the check the tuner
 * makes on a GPU, made here before any GPU runs the kernels. The shapes cut tiles and K slices
 * at their edges, read B transposed, broadcast a bias and run a batch.
 */
class GemmTensorCoreEmulatedTest {
  @RegisterExtension
  static final EmulatedGpu GPU = EmulatedGpu.standard();

  private static EmulatedDriver driver;

  @BeforeAll
  static void setUp() {
    driver = GPU.driver();
  }

  /**
   * How many of {@link #shapes} multiply by a weight (B with no batch stride, rows on 16 bytes):
   * all but "ragged edges" and "batched".
   */
  private static final int WEIGHT_SHAPES = 6;

  /** Shapes by what they exercise; each lists every route GeneratedGemm offers it. */
  private static Map<String, GemmShape> shapes() {
    Map<String, GemmShape> s = new TreeMap<>();
    // 40 x 24 over K 256 with a bias row: one 64x64 tile, so split 2 and 4 are offered too.
    s.put("thin, bias row, split-K", new GemmShape(1, 40, 24, 256, 0, 256, 1, 0, 24, 1, 0, 24,
        0.5f, 2f, true, 0, 1));
    // Edges in M, N and K for every tile (K 96 ends inside a 64-deep slice); cp.async allowed.
    s.put("ragged edges", GemmShape.rowMajor(1, 70, 136, 96));
    // B read transposed (unit stride along K): only the register-loaded tiles take it.
    s.put("B transposed", new GemmShape(1, 33, 40, 48, 0, 48, 1, 0, 1, 48, 0, 40, 1f, 0f,
        false, 0, 0));
    // Three attention-like products with a broadcast bias column and a wide C row.
    s.put("batched", new GemmShape(3, 20, 16, 32, 20 * 32, 32, 1, 32 * 16, 16, 1, 20 * 20, 20,
        0.125f, 1f, true, 1, 0));
    // A weight B (no batch stride) with K 100: a 16-bit copy's last copy of a row straddles K.
    s.put("weight, K not a multiple of 8", new GemmShape(1, 70, 136, 100, 0, 100, 1, 0, 136, 1,
        0, 136, 1f, 0f, false, 0, 0));
    // One weight under two batches of A, as a weight GEMM over a rank-3 A would be if not folded.
    s.put("weight under a batch", new GemmShape(2, 20, 40, 32, 20 * 32, 32, 1, 0, 40, 1,
        20 * 40, 40, 1f, 1f, true, 0, 1));
    // C's rows on an odd stride: no output pair is 8-byte aligned, so each is stored alone (a
    // paired store there faults on the emulator as on the device); N odd, so a row's last
    // output has no partner.
    s.put("odd C stride", new GemmShape(1, 37, 45, 64, 0, 64, 1, 0, 48, 1, 0, 45, 1f, 0f,
        false, 0, 0));
    // Even strides with N odd: pairs stored whole up to the last column, which stands alone.
    s.put("odd N, even C stride", new GemmShape(2, 20, 45, 32, 20 * 32, 32, 1, 0, 48, 1,
        20 * 46, 46, 1f, 1f, true, 0, 1));
    return s;
  }

  @ParameterizedTest
  @EnumSource(value = GemmPrecision.class, names = {"TF32", "FP16", "BF16"})
  void everyRouteAgreesWithTheFp32Kernel(GemmPrecision p) {
    try (GeneratedGemm gemm = new GeneratedGemm(driver, new HostKernelCompiler(), p)) {
      List<String> ran = assertEveryRouteAgrees(driver, gemm, p);
      assertTrue(ran.size() >= 20, "only " + ran.size() + " routes ran");
      // fp16 and bf16 also read each weight B as its 16-bit copy, on every tile (8).
      long halfB = ran.stream().filter(r -> r.endsWith(HalfOperands.B.routeSuffix())).count();
      assertEquals(p == GemmPrecision.TF32 ? 0 : WEIGHT_SHAPES * MmaTile.values().length, halfB,
          String.valueOf(ran));
      // and A copied into 16-bit rows too, on each pipelined tile
      long halfRows = ran.stream().filter(r -> r.endsWith(HalfOperands.A_AND_B.routeSuffix()))
          .count();
      long pipelined = java.util.Arrays.stream(MmaTile.values()).filter(t -> t.stages() > 0)
          .count();
      assertEquals(p == GemmPrecision.TF32 ? 0 : WEIGHT_SHAPES * pipelined, halfRows,
          String.valueOf(ran));
    }
  }

  /**
   * The register-loaded tiles read a word's two K neighbours of A as one 8-byte load where A's
   * rows, batch and pointer keep them aligned, else one at a time: A rows of 45 floats (no pair
   * aligned) and of 46 over K 45 (the last pair of a row half past K) agree with the fp32 kernel
   * on every route, as the emulator faults a misaligned 8-byte load.
   */
  @ParameterizedTest
  @EnumSource(value = GemmPrecision.class, names = {"FP16", "BF16"})
  void aIsReadInPairsOnlyWhereTheyAlign(GemmPrecision p) {
    Map<String, GemmShape> odd = new TreeMap<>();
    odd.put("A rows of 45", new GemmShape(1, 37, 40, 45, 0, 45, 1, 0, 40, 1, 0, 40, 1f, 0f,
        false, 0, 0));
    odd.put("A rows of 46, K 45", new GemmShape(2, 37, 40, 45, 37 * 46, 46, 1, 0, 40, 1,
        37 * 40, 40, 1f, 0f, false, 0, 0));
    try (GeneratedGemm gemm = new GeneratedGemm(driver, new HostKernelCompiler(), p)) {
      List<String> ran = assertEveryRouteAgrees(driver, gemm, p, odd);
      for (MmaTile t : MmaTile.values()) {
        if (t.stages() == 0) {
          assertTrue(ran.contains("A rows of 45 / " + gemm.name() + "-" + t.suffix()), ran
              + " lacks " + t);
        }
      }
    }
  }

  /**
   * Where B is a weight at fp16 or bf16 the rule's route reads it in halves, on the pipelined
   * version of the rule's tile (B transposed kept float32 B off cp.async); not at tf32, not for
   * a B that is no weight, and not for large outputs, whose register-loaded 128x128 tile stays.
   */
  @Test
  void theRulesRouteReadsAWeightInHalves() {
    try (GeneratedGemm fp16 = new GeneratedGemm(driver, new HostKernelCompiler(),
        GemmPrecision.FP16);
        GeneratedGemm tf32 = new GeneratedGemm(driver, new HostKernelCompiler(),
            GemmPrecision.TF32)) {
      GemmShape transposed = shapes().get("B transposed");
      assertEquals("nvrtc-fp16-t32k16s4-hb", fp16.routes(transposed).get(0).name());
      assertEquals("nvrtc-tf32-t32k32", tf32.routes(transposed).get(0).name());
      assertFalse(fp16.routes(shapes().get("batched")).get(0).readsHalfB());
      assertEquals("nvrtc-fp16-t128k32",
          fp16.routes(GemmShape.onWeight(4096, 4096, 4096)).get(0).name());
    }
  }

  /**
   * fp32 on tensor cores: the 3xTF32 kernel on each pipelined tile, on every shape cp.async can
   * copy, and the split-K routes of a thin shape, agree with the SIMT kernel to float32's
   * accuracy, far closer than tf32 on the same operands (a kernel that dropped one of its three
   * products would be as far off as tf32); the routes offer 3xTF32 on tf32's tile alone, after
   * the SIMT kernel.
   */
  @Test
  void fp32OnTensorCoresKeepsFloat32Accuracy() {
    List<String> failures = new ArrayList<>();
    List<String> ran = new ArrayList<>();
    try (GeneratedGemm fp32 = new GeneratedGemm(driver, new HostKernelCompiler(),
        GemmPrecision.FP32);
        GeneratedGemm tf32 = new GeneratedGemm(driver, new HostKernelCompiler(),
            GemmPrecision.TF32)) {
      for (Map.Entry<String, GemmShape> e : shapes().entrySet()) {
        GemmShape shape = e.getValue();
        List<String> names = fp32.routes(shape).stream().map(GemmRoute::name).toList();
        assertEquals("nvrtc-fp32", names.get(0), "the SIMT kernel stays the rule's");
        if (GemmKernels.asyncWhyNot(shape) != null) {
          assertTrue(names.stream().noneMatch(n -> n.contains("3xtf32")), names.toString());
          continue;
        }
        assertEquals(List.of("nvrtc-fp32-3xtf32-"
                + MmaTile.forShape(GemmPrecision.TF32, shape).suffix()),
            names.stream().filter(n -> n.contains("3xtf32") && !n.contains("split")).toList());
        GemmOperands o = GemmOperands.random(driver, shape);
        try {
          tf32.enqueue(shape, o.a(), o.b(), o.c(), o.bias());
          float[] rounded = o.outputs(driver, shape);
          fp32.enqueue(shape, o.a(), o.b(), o.c(), o.bias());
          float[] want = o.outputs(driver, shape);
          double tf32Error = GemmOperands.relError(want, rounded);
          Map<String, Runnable> runs = new LinkedHashMap<>();
          for (MmaTile t : MmaTile.values()) {
            if (t.stages() > 0) {
              runs.put(t.suffix(), () -> fp32.enqueue(shape, t, o.a(), o.b(), o.c(), o.bias()));
            }
          }
          for (GemmRoute r : fp32.routes(shape)) {
            if (r.name().contains("3xtf32") && r.name().contains("-split")) {
              runs.put(r.name(), () -> r.enqueue(o.a(), o.b(), o.c(), o.bias()));
            }
          }
          for (Map.Entry<String, Runnable> run : runs.entrySet()) {
            poison(driver, o);
            run.getValue().run();
            double err = GemmOperands.relError(want, o.outputs(driver, shape));
            ran.add(e.getKey() + " / " + run.getKey() + ": " + err + " (tf32 " + tf32Error + ")");
            if (!(err <= GemmPrecision.FP32.tolerance() / 10 && err <= tf32Error / 100)) {
              failures.add(ran.get(ran.size() - 1));
            }
          }
        } finally {
          o.free(driver);
        }
      }
    }
    assertEquals(List.of(), failures);
    // Three pipelined tiles on each of the five shapes whose operands cp.async can copy, and the
    // thin shape's 2 and 4 K slices as 3xTF32 slices.
    assertEquals(17, ran.size(), String.join("\n", ran));
    assertEquals(2, ran.stream().filter(r -> r.contains("-split")).count(),
        String.join("\n", ran));
  }

  /** Before sm_80 fp32 offers no 3xTF32 route, and a pipelined tile is refused with the reason. */
  @Test
  void fp32StaysOnCudaCoresBeforeAmpere() {
    try (EmulatedDriver turing = EmulatedDriver.reporting(7, 5);
        GeneratedGemm fp32 = new GeneratedGemm(turing, new HostKernelCompiler(),
            GemmPrecision.FP32)) {
      GemmShape shape = shapes().get("ragged edges");
      assertTrue(fp32.routes(shape).stream().noneMatch(r -> r.name().contains("3xtf32")),
          String.valueOf(fp32.routes(shape)));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> fp32.enqueue(shape, MmaTile.T64_ASYNC, 0L, 0L, 0L, 0L));
      assertTrue(e.getMessage().contains("needs sm_80"), e.getMessage());
    }
  }

  /**
   * The experimental Hopper GEMM (both tiles) on the emulator's wgmma model, which reads its
   * operands through the kernel's own matrix descriptors: the layout the device check would
   * otherwise be first to test.
   */
  @ParameterizedTest
  @EnumSource(value = GemmPrecision.class, names = {"FP16", "BF16"})
  void wgmmaRoutesAgreeWithTheFp32Kernel(GemmPrecision p) {
    try (EmulatedDriver hopper = EmulatedDriver.reporting(9, 0);
        WgmmaGemm gemm = new WgmmaGemm(hopper, new HostKernelCompiler(), p)) {
      assertEquals(2 * shapes().size(), assertEveryRouteAgrees(hopper, gemm, p).size(),
          "two tiles per shape");
    }
  }

  /**
   * The Hopper GEMMs by a weight, every tile, on every shape whose B is a weight; the others are
   * refused with the reason. By a weight: float32 A read into wgmma's A registers, the weight's
   * 16-bit B^T copy from shared memory (64x128, 128x128). On 16-bit rows: each route copies
   * float32 A into fp16 or bf16 rows it holds, then multiplies them by the weight's copy on the
   * 16-bit-data kernel (64x128, 128x128, 128x256), K 100 padded to 104 on both sides.
   */
  @ParameterizedTest
  @CsvSource({"FP16, weights, 2", "BF16, weights, 2", "FP16, rows, 3", "BF16, rows, 3"})
  void wgmmaByAWeightAgreesWithTheFp32Kernel(GemmPrecision p, String operands, int tiles) {
    try (EmulatedDriver hopper = EmulatedDriver.reporting(9, 0);
        WgmmaGemm gemm = operands.equals("rows")
            ? WgmmaGemm.onHalfRows(hopper, new HostKernelCompiler(), p)
            : WgmmaGemm.onWeights(hopper, new HostKernelCompiler(), p)) {
      List<String> ran = assertEveryRouteAgrees(hopper, gemm, p);
      assertEquals(tiles * WEIGHT_SHAPES,
          ran.stream().filter(r -> r.contains("-" + operands + "-t")).count(),
          String.valueOf(ran));
      assertEquals(2, ran.stream().filter(r -> r.contains("not a weight")).count(),
          String.valueOf(ran));
    }
  }

  /**
   * The Hopper GEMM on 16-bit operands in memory (A [M, K], B^T [N, K], copied by cp.async into
   * the core-matrix layout through a multi-stage pipeline), every tile (64x128, 128x128,
   * 128x256), against a float32 product of the same values: multiples of 1/8 up to 8, exact in
   * fp16, bf16 and every sum here, so the only allowed difference is none. Shapes cut tiles, K slices (K 40) and batches.
   */
  @ParameterizedTest
  @EnumSource(value = GemmPrecision.class, names = {"FP16", "BF16"})
  void wgmmaOnSixteenBitDataIsExact(GemmPrecision p) {
    // 300 columns: a 256-wide tile and a ragged second one.
    int[][] shapes = {{1, 70, 136, 96}, {1, 33, 40, 40}, {3, 20, 16, 32}, {1, 130, 8, 256},
        {1, 24, 300, 64}};
    try (EmulatedDriver hopper = EmulatedDriver.reporting(9, 0);
        WgmmaGemm gemm = WgmmaGemm.onHalfData(hopper, new HostKernelCompiler(), p)) {
      assertEquals(List.of(), exactOnSixteenBitData(hopper, gemm, p, shapes, 3));
    }
  }

  /**
   * The device check's stage sweep: each tile in 3 to 8 stages 32 deep (18 routes), in as many of
   * those as fit 64 deep (13), and warp-specialised in 4 and 6 stages 64 deep where they fit (5),
   * on K 576 (18 or 9 slices: the pipelines wrap their stages, the specialised ones' barriers
   * go through both parities) and K 40 (one slice, partly past K: no pipeline fills), exact as
   * above.
   */
  @Test
  void everyStageCountOfTheSweepIsExact() {
    int[][] shapes = {{1, 70, 136, 576}, {1, 24, 300, 40}};
    try (EmulatedDriver hopper = EmulatedDriver.reporting(9, 0);
        WgmmaGemm gemm = WgmmaGemm.stageSweep(hopper, new HostKernelCompiler(),
            GemmPrecision.FP16)) {
      GemmShape onData = new GemmShape(1, 64, 128, 64, 0, 64, 1, 0, 1, 64, 0, 128, 1f, 0f,
          false, 0, 0);
      List<String> routes = gemm.routes(onData).stream().map(GemmRoute::name).toList();
      assertEquals(13, routes.stream().filter(r -> r.contains("k64s") && !r.endsWith("ws"))
          .count(), routes.toString());
      assertEquals(List.of("t64x128k64s4ws", "t64x128k64s6ws", "t128x128k64s4ws",
          "t128x128k64s6ws", "t128x256k64s4ws"), routes.stream().filter(r -> r.endsWith("ws"))
          .map(r -> r.substring(r.lastIndexOf("-") + 1)).toList());
      assertEquals(List.of(), exactOnSixteenBitData(hopper, gemm, GemmPrecision.FP16, shapes,
          36));
    }
  }

  /**
   * Up to five elements where a route of {@code gemm} (which offers {@code routes} per shape)
   * differs from a float32 product of the same values on {@code shapes} ({batch, m, n, k}).
   */
  private static List<String> exactOnSixteenBitData(EmulatedDriver hopper, WgmmaGemm gemm,
      GemmPrecision p, int[][] shapes, int routes) {
    List<String> failures = new ArrayList<>();
    for (int[] d : shapes) {
      int batch = d[0];
      int m = d[1];
      int n = d[2];
      int k = d[3];
      float[] a = eighths(batch * m * k, 21);
      float[] b = eighths(batch * n * k, 22); // B^T: [batch][n][k]
      GemmShape shape = new GemmShape(batch, m, n, k, (long) m * k, k, 1, (long) n * k, 1, k,
          (long) m * n, n, 1f, 0f, false, 0, 0);
      long da = sixteenBit(hopper, a, p);
      long db = sixteenBit(hopper, b, p);
      long dc = hopper.alloc(4L * batch * m * n);
      try {
        List<GemmRoute> offered = gemm.routes(shape);
        assertEquals(routes, offered.size(), gemm.whyNot(shape));
        for (GemmRoute r : offered) {
          r.enqueue(da, db, dc, 0L);
          ByteBuffer out = ByteBuffer.allocateDirect(4 * batch * m * n)
              .order(ByteOrder.nativeOrder());
          hopper.download(out, dc);
          for (int z = 0, at = 0; z < batch; z++) {
            for (int i = 0; i < m; i++) {
              for (int j = 0; j < n; j++, at++) {
                float want = 0;
                for (int q = 0; q < k; q++) {
                  want += a[(z * m + i) * k + q] * b[(z * n + j) * k + q];
                }
                if (out.getFloat(4 * at) != want && failures.size() < 5) {
                  failures.add(r.name() + " " + batch + "x" + m + "x" + n + "x" + k + " at ("
                      + z + ", " + i + ", " + j + "): " + out.getFloat(4 * at) + " != " + want);
                }
              }
            }
          }
        }
      } finally {
        hopper.free(da);
        hopper.free(db);
        hopper.free(dc);
      }
    }
    return failures;
  }

  private static float[] eighths(int count, long seed) {
    Random rnd = new Random(seed);
    float[] out = new float[count];
    for (int i = 0; i < count; i++) {
      out[i] = (rnd.nextInt(129) - 64) / 8f;
    }
    return out;
  }

  private static long sixteenBit(GpuDriver d, float[] values, GemmPrecision p) {
    ByteBuffer h = ByteBuffer.allocateDirect(2 * values.length).order(ByteOrder.nativeOrder());
    for (float v : values) {
      h.putShort(p == GemmPrecision.FP16 ? Half.fromFloat(v) : Half.floatToBf16(v));
    }
    long ptr = d.alloc(2L * values.length);
    d.upload(ptr, h.flip());
    return ptr;
  }

  /**
   * Runs every route {@code gemm} offers for every shape against the FP32 SIMT kernel on the same
   * operands, C poisoned with NaN before each (an output left unwritten fails); returns how many
   * ran (shape / route), and each shape {@code gemm} refuses with its reason. Each shape it
   * takes must offer more than one route.
   */
  private static List<String> assertEveryRouteAgrees(GpuDriver d, GpuGemm gemm, GemmPrecision p) {
    return assertEveryRouteAgrees(d, gemm, p, shapes());
  }

  /** Like {@link #assertEveryRouteAgrees(GpuDriver, GpuGemm, GemmPrecision)} on {@code shapes}. */
  private static List<String> assertEveryRouteAgrees(GpuDriver d, GpuGemm gemm, GemmPrecision p,
      Map<String, GemmShape> shapes) {
    List<String> failures = new ArrayList<>();
    List<String> routes = new ArrayList<>();
    try (GeneratedGemm reference = new GeneratedGemm(d, new HostKernelCompiler(),
        GemmPrecision.FP32)) {
      for (Map.Entry<String, GemmShape> e : shapes.entrySet()) {
        GemmShape shape = e.getValue();
        if (gemm.whyNot(shape) != null) {
          routes.add(e.getKey() + ": refused (" + gemm.whyNot(shape) + ")");
          continue;
        }
        GemmOperands o = GemmOperands.random(d, shape);
        try {
          reference.enqueue(shape, o.a(), o.b(), o.c(), o.bias());
          float[] want = o.outputs(d, shape);
          List<GemmRoute> offered = gemm.routes(shape);
          assertTrue(offered.size() > 1, e.getKey() + " offers " + offered.size() + " routes: "
              + gemm.whyNot(shape));
          for (GemmRoute r : offered) {
            poison(d, o);
            r.enqueue(o.a(), o.b(d, r), o.c(), o.bias());
            double err = GemmOperands.relError(want, o.outputs(d, shape));
            routes.add(e.getKey() + " / " + r.name());
            if (!(err <= p.tolerance())) {
              failures.add(e.getKey() + " / " + r.name() + ": relative error " + err);
            }
            int clobbered = gapsWritten(d, o, shape);
            if (clobbered > 0) {
              failures.add(e.getKey() + " / " + r.name() + ": wrote " + clobbered
                  + " floats of C's span that are no output (past N in a row)");
            }
            r.release();
          }
        } finally {
          o.free(d);
        }
      }
    }
    assertEquals(List.of(), failures, gemm.name() + ": routes that disagree with the fp32 kernel");
    return routes;
  }

  /** How many floats of C's span between outputs (poisoned NaN) a route overwrote. */
  static int gapsWritten(GpuDriver d, GemmOperands o, GemmShape s) {
    ByteBuffer span = ByteBuffer.allocateDirect(Math.toIntExact(o.cFloats() * 4))
        .order(ByteOrder.nativeOrder());
    d.download(span, o.c());
    boolean[] output = new boolean[Math.toIntExact(o.cFloats())];
    for (int z = 0; z < s.batch(); z++) {
      for (int i = 0; i < s.m(); i++) {
        for (int j = 0; j < s.n(); j++) {
          output[Math.toIntExact(z * s.cBatch() + (long) i * s.ldc() + j)] = true;
        }
      }
    }
    int written = 0;
    for (int i = 0; i < output.length; i++) {
      written += !output[i] && !Float.isNaN(span.getFloat(4 * i)) ? 1 : 0;
    }
    return written;
  }

  /** Fills C's whole span with NaN. */
  static void poison(GpuDriver d, GemmOperands o) {
    ByteBuffer nan = ByteBuffer.allocateDirect(Math.toIntExact(o.cFloats() * 4))
        .order(ByteOrder.nativeOrder());
    while (nan.hasRemaining()) {
      nan.putFloat(Float.NaN);
    }
    d.upload(o.c(), nan.flip());
  }
}
