package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.DeviceSlice;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.EmulatedGpu;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.TestModels;
import dev.ember.executor.testing.Tolerance;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The device feed of the RAPIDS columnar path end to end on the host emulator of the GPU: inputs
 * laid out in emulated device memory as cudf lays out columns (a list column's child data,
 * sliced so it starts mid-buffer; three scalar columns stacked into one graph input), fed to the
 * captured variants with {@link CompileWrapper#callOnDevice} (split above the largest capture
 * size, padded below), outputs written to device memory the caller allocated. Outputs must equal
 * the interpreter's, and nothing but the 4-byte error flag may come back to the host.
 */
class CudaDeviceFeedEmulatedTest {
  @RegisterExtension
  static final EmulatedGpu GPU = EmulatedGpu.standard();

  private static EmulatedDriver driver;
  private static CudaBackend cuda;

  @BeforeAll
  static void setUp() {
    driver = GPU.driver();
    // The SIMT kernel, untuned: the tuner's emulated timing of tensor-core routes takes minutes.
    cuda = new CudaBackend(GPU.device(), CudaOptions.defaults().withGemm("generated")
        .withPrecision(GemmPrecision.FP32).withGemmTuning(false));
  }

  /** {@code y = Relu(x @ w + z)}, {@code s = z + c}: x [batch, 3], z [batch, 4]. */
  static Graph twoInputs() {
    Random r = new Random(7);
    float[] w = new float[12];
    for (int i = 0; i < w.length; i++) {
      w[i] = r.nextFloat() - 0.5f;
    }
    return TestModels.graph(TestModels.builder("feed")
        .input("x", DType.FLOAT, "batch", 3)
        .input("z", DType.FLOAT, "batch", 4)
        .output("y", DType.FLOAT, "batch", 4)
        .output("s", DType.FLOAT, "batch", 4)
        .initializer("w", Tensor.ofFloats(new int[] {3, 4}, w))
        .initializer("c", Tensor.ofFloats(new int[] {4}, new float[] {1f, -2f, 0.5f, 3f}))
        .node("MatMul", List.of("x", "w"), List.of("xw"))
        .node("Add", List.of("xw", "z"), List.of("h"))
        .node("Relu", List.of("h"), List.of("y"))
        .node("Add", List.of("z", "c"), List.of("s"))
        .build());
  }

  /** {@code e = Gather(table, ids)}: ids int64 [batch, 2], table [10, 3]; sets the error flag. */
  static Graph gather() {
    float[] t = new float[30];
    for (int i = 0; i < t.length; i++) {
      t[i] = i * 0.5f;
    }
    return TestModels.graph(TestModels.builder("lookup")
        .input("ids", DType.INT64, "batch", 2)
        .output("e", DType.FLOAT, "batch", 2, 3)
        .initializer("table", Tensor.ofFloats(new int[] {10, 3}, t))
        .node("Gather", List.of("table", "ids"), List.of("e"))
        .build());
  }

  private static CompileWrapper level3(Graph g, List<Integer> sizes) {
    return CompileWrapper.builder(CompileOptions.level(3).withCaptureSizes(sizes)).backend(cuda)
        .build(g);
  }

  /** A buffer "another library" owns in the same context, holding {@code bytes}. */
  private static long column(ByteBuffer bytes) {
    long p = driver.alloc(bytes.remaining());
    driver.upload(p, bytes);
    return p;
  }

  private static ByteBuffer floats(float[] v) {
    ByteBuffer b = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b;
  }

  private static float[] read(long p, int n) {
    ByteBuffer b = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    driver.download(b, p);
    float[] out = new float[n];
    b.asFloatBuffer().get(out);
    return out;
  }

  @Test
  void listAndStackedScalarColumnsRunOnDeviceAndMatchTheInterpreter() {
    Graph g = twoInputs();
    CompileWrapper w = level3(g, List.of(1, 8));
    assertEquals(java.util.Optional.empty(), w.deviceRunRefusal());
    for (int rows : new int[] {1, 5, 8, 13, 21}) {
      Random r = new Random(rows);
      float[][] scalars = new float[3][rows];
      float[] x = new float[rows * 3];
      int skip = 2; // the list column is a slice: its rows start 2 rows into the child
      float[] child = new float[(rows + skip) * 4];
      for (int i = 0; i < child.length; i++) {
        child[i] = r.nextFloat() * 2 - 1;
      }
      for (int k = 0; k < 3; k++) {
        for (int i = 0; i < rows; i++) {
          scalars[k][i] = r.nextFloat() * 2 - 1;
          x[i * 3 + k] = scalars[k][i];
        }
      }
      List<Long> owned = new ArrayList<>();
      List<DeviceSlice> xs = new ArrayList<>();
      for (int k = 0; k < 3; k++) {
        long col = column(floats(scalars[k]));
        owned.add(col);
        xs.add(new DeviceSlice(col, 4, 4L * k, 4, DType.FLOAT));
      }
      long list = column(floats(child));
      owned.add(list);
      long y = driver.alloc(rows * 16L);
      long s = driver.alloc(rows * 16L);
      owned.addAll(List.of(y, s));
      Map<String, List<DeviceSlice>> in = new LinkedHashMap<>();
      in.put("x", xs);
      in.put("z", List.of(DeviceSlice.whole(list + skip * 16L, 16, DType.FLOAT)));
      long downloads = driver.downloads();
      long joins = driver.streamJoins();
      w.callOnDevice(rows, in, Map.of("y", y, "s", s));
      assertEquals(downloads, driver.downloads(), rows + " rows: no copy to the host");
      assertTrue(driver.streamJoins() > joins, "ordered after the caller's stream");

      float[] z = java.util.Arrays.copyOfRange(child, skip * 4, child.length);
      Map<String, Tensor> want = new Interpreter(g, OpRegistry.standard()).run(Map.of(
          "x", Tensor.ofFloats(new int[] {rows, 3}, x),
          "z", Tensor.ofFloats(new int[] {rows, 4}, z)));
      assertNull(Tolerance.mismatch(want.get("y"),
          Tensor.ofFloats(new int[] {rows, 4}, read(y, rows * 4)), 1e-4, 1e-5), rows + " rows");
      assertNull(Tolerance.mismatch(want.get("s"),
          Tensor.ofFloats(new int[] {rows, 4}, read(s, rows * 4)), 1e-5, 1e-6), rows + " rows");
      owned.forEach(driver::free);
    }
    assertEquals(16, w.outputRowBytes("y"));
  }

  @Test
  void aBadIndexIsReportedFromTheFlagAloneAndGoodOnesMatch() {
    Graph g = gather();
    CompileWrapper w = level3(g, List.of(4));
    long[] ids = {0, 9, 3, 3, 7, 1};
    ByteBuffer b = ByteBuffer.allocateDirect(ids.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(ids);
    long col = column(b);
    long out = driver.alloc(3 * 24L);
    Map<String, List<DeviceSlice>> in = Map.of("ids", List.of(DeviceSlice.whole(col, 16,
        DType.INT64)));
    long bytes = driver.downloadBytes();
    w.callOnDevice(3, in, Map.of("e", out));
    assertEquals(4, driver.downloadBytes() - bytes, "only the error flag comes back");
    float[] got = read(out, 18);
    for (int i = 0; i < 6; i++) {
      for (int j = 0; j < 3; j++) {
        assertEquals((ids[i] * 3 + j) * 0.5f, got[i * 3 + j], "id " + ids[i]);
      }
    }
    ByteBuffer bad = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    bad.asLongBuffer().put(new long[] {2, 11});
    long badCol = column(bad);
    EmberException e = assertThrows(EmberException.class, () -> w.callOnDevice(1,
        Map.of("ids", List.of(DeviceSlice.whole(badCol, 16, DType.INT64))), Map.of("e", out)));
    assertEquals(ErrorCode.BAD_INPUT, e.code());
    List.of(col, out, badCol).forEach(driver::free);
  }

  @Test
  void slicesOfAnotherTypeOrThatLeaveAGapAreRefused() {
    CompileWrapper w = level3(twoInputs(), List.of(2));
    long col = driver.alloc(64);
    long y = driver.alloc(64);
    long s = driver.alloc(64);
    Map<String, Long> outs = Map.of("y", y, "s", s);
    List<DeviceSlice> z = List.of(DeviceSlice.whole(col, 16, DType.FLOAT));
    EmberException doubles = assertThrows(EmberException.class, () -> w.callOnDevice(2,
        Map.of("x", List.of(DeviceSlice.whole(col, 24, DType.DOUBLE)), "z", z), outs));
    assertEquals(ErrorCode.SHAPE_MISMATCH, doubles.code());
    assertTrue(doubles.getMessage().contains("DOUBLE"), doubles.getMessage());
    EmberException gap = assertThrows(EmberException.class, () -> w.callOnDevice(2,
        Map.of("x", List.of(new DeviceSlice(col, 4, 0, 4, DType.FLOAT),
            new DeviceSlice(col, 4, 8, 4, DType.FLOAT)), "z", z), outs));
    assertEquals(ErrorCode.SHAPE_MISMATCH, gap.code());
    assertTrue(gap.getMessage().contains("gap"), gap.getMessage());
    List.of(col, y, s).forEach(driver::free);
  }

  @Test
  void modelsThatCannotRunOnDeviceMemorySayWhy() {
    CompileWrapper onCpu = CompileWrapper.builder(CompileOptions.level(3)
        .withCaptureSizes(List.of(2))).backend(new CpuJaninoBackend()).build(twoInputs());
    assertTrue(onCpu.deviceRunRefusal().orElseThrow().contains("not on a GPU"),
        onCpu.deviceRunRefusal().toString());
    CompileWrapper level2 = CompileWrapper.builder(CompileOptions.level(2)).backend(cuda)
        .build(twoInputs());
    assertTrue(level2.deviceRunRefusal().orElseThrow().contains("level 2"));
    assertThrows(IllegalStateException.class, () -> level2.callOnDevice(1, Map.of(), Map.of()));
  }
}
