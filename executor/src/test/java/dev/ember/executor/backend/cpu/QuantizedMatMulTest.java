package dev.ember.executor.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ember.executor.backend.cpu.gemm.Gemm;
import dev.ember.executor.backend.cpu.gemm.GemmChoice;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.ops.quant.MatMulIntegerToFloatOp;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The float-GEMM MatMulInteger gives the reference kernel's int32 results bit for bit, on the
 * extremes that make partial sums largest (all operands at their bounds, long K cut into chunks)
 * and on random data with per-column zero points, on every GEMM this machine has.
 */
class QuantizedMatMulTest {
  private static final Node NODE = new Node("mm", "MatMulInteger", "", 10,
      List.of("a", "b", "az", "bz"), List.of("y"), Attributes.of(Map.of()));

  private static Tensor reference(Tensor... in) {
    return OpRegistry.standard().lookup(NODE)
        .evaluate(new KernelContext(NODE, Arrays.asList(in))).get(0);
  }

  private static Tensor fill(DType t, int[] shape, Random r, long constant) {
    long[] v = new long[Arrays.stream(shape).reduce(1, (x, y) -> x * y)];
    for (int i = 0; i < v.length; i++) {
      v[i] = r == null ? constant : t == DType.UINT8 ? r.nextInt(256) : r.nextInt(256) - 128;
    }
    return Tensor.ofLongs(t, shape, v);
  }

  private static Gemm gemm(String name) {
    return GemmChoice.create(name, 1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"java", "openblas", "netlib"})
  void extremeOperandsOverLongKStayExact(String gemmName) {
    Gemm gemm = gemm(gemmName);
    // |255 - 0| * |-128 - 127| summed over K = 3000: 97.6 million, far past 2^24.
    Tensor a = fill(DType.UINT8, new int[] {3, 3000}, null, 255);
    Tensor b = fill(DType.INT8, new int[] {3000, 5}, null, -128);
    Tensor az = Tensor.ofLongs(DType.UINT8, new int[0], new long[] {0});
    Tensor bz = Tensor.ofLongs(DType.INT8, new int[0], new long[] {127});
    Tensor[] got = QuantizedMatMul.forNode(NODE, gemm).run(new Tensor[] {a, b, az, bz});
    assertNotNull(got);
    assertArrayEquals(reference(a, b, az, bz).rawLongs(), got[0].rawLongs());
    assertArrayEquals(new int[] {3, 5}, got[0].shape());
  }

  @ParameterizedTest
  @ValueSource(strings = {"java", "openblas", "netlib"})
  void randomBatchedActivationsWithPerColumnZeroPointsMatchTheReference(String gemmName) {
    Gemm gemm = gemm(gemmName);
    Random r = new Random(11);
    Tensor a = fill(DType.UINT8, new int[] {2, 7, 1536}, r, 0);
    Tensor b = fill(DType.INT8, new int[] {1536, 33}, r, 0);
    Tensor az = Tensor.ofLongs(DType.UINT8, new int[0], new long[] {131});
    Tensor bz = fill(DType.INT8, new int[] {33}, r, 0);
    QuantizedMatMul q = QuantizedMatMul.forNode(NODE, gemm);
    for (int round = 0; round < 2; round++) { // the second round uses the prepared weights
      Tensor[] got = q.run(new Tensor[] {a, b, az, bz});
      assertArrayEquals(reference(a, b, az, bz).rawLongs(), got[0].rawLongs());
      assertArrayEquals(new int[] {2, 7, 33}, got[0].shape());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"java", "openblas", "netlib"})
  void theFusedFormGivesTheCastOfTheProduct(String gemmName) {
    Node fused = new Node("mmf", MatMulIntegerToFloatOp.TYPE, MatMulIntegerToFloatOp.DOMAIN, 1,
        NODE.inputs(), NODE.outputs(), NODE.attrs());
    Random r = new Random(17);
    for (int k : new int[] {40, 3000}) { // one GEMM, then chunks
      Tensor a = fill(DType.UINT8, new int[] {2, 3, k}, r, 0);
      Tensor b = fill(DType.INT8, new int[] {k, 9}, r, 0);
      Tensor az = Tensor.ofLongs(DType.UINT8, new int[0], new long[] {7});
      Tensor[] got = QuantizedMatMul.forNode(fused, gemm(gemmName)).run(new Tensor[] {a, b, az});
      Tensor want = OpRegistry.standard().lookup(fused)
          .evaluate(new KernelContext(fused, Arrays.asList(a, b, az))).get(0);
      assertEquals(DType.FLOAT, got[0].dtype());
      assertArrayEquals(want.rawFloats(), got[0].rawFloats());
      long[] ints = reference(a, b, az).rawLongs();
      for (int i = 0; i < ints.length; i++) {
        assertEquals((float) ints[i], got[0].rawFloats()[i], "element " + i);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"java"})
  void shapesItDoesNotTakeGoToTheReferenceKernel(String gemmName) {
    QuantizedMatMul q = QuantizedMatMul.forNode(NODE, gemm(gemmName));
    Random r = new Random(3);
    Tensor a = fill(DType.UINT8, new int[] {2, 4, 6}, r, 0);
    Tensor batchedB = fill(DType.INT8, new int[] {2, 6, 3}, r, 0);
    assertNull(q.run(new Tensor[] {a, batchedB}));
    Tensor rowZeroPoints = fill(DType.UINT8, new int[] {4}, r, 0);
    assertNull(q.run(new Tensor[] {a, fill(DType.INT8, new int[] {6, 3}, r, 0), rowZeroPoints}));
  }
}
