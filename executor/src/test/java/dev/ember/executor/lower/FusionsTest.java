package dev.ember.executor.lower;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.models.MiniLmFixture;
import dev.ember.executor.passes.Specializer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kernel merges the CUDA backend asks for, on MiniLM's real graph. */
class FusionsTest {
  private static Graph miniLm;
  private static LoweredGraph plain;

  @BeforeAll
  static void lowerMiniLm() {
    int[] shape = {2, 7};
    miniLm = MiniLmFixture.graph();
    Graph g = Specializer.specialize(miniLm,
        Map.of("input_ids", shape, "attention_mask", shape, "token_type_ids", shape));
    plain = Lowering.lower(g);
  }

  @Test
  void everyLayerGetsOneAttentionKernelInPlaceOfSeven() {
    LoweredGraph fused = Fusions.attention(plain, 128);
    Map<String, Integer> before = plain.histogram();
    Map<String, Integer> after = fused.histogram();
    assertEquals(6, after.get("attention"));
    assertNull(after.get("transpose"), after.toString()); // all 24 were attention's
    assertNull(after.get("gemm(batched)"));
    assertEquals(before.get("softmax+prologue") - 6, after.getOrDefault("softmax+prologue", 0));
    assertEquals(plain.kernels().size() - 6 * 6, fused.kernels().size());
    for (Kernel k : fused.kernels()) {
      if (k instanceof Kernel.Attention a) {
        assertEquals(List.of(2, 7, 12, 32), dims(fused, a.q()));
        assertEquals(dims(fused, a.q()), dims(fused, a.output()));
        assertEquals(List.of("Div", "Add"), a.scoreOps().stream().map(Node::opType).toList());
        assertEquals(1, a.nodes().stream().filter(n -> n.opType().equals("Softmax")).count());
      }
    }
  }

  @Test
  void everyNodeIsComputedExactlyOnceAfterFusing() {
    assertEverythingComputedOnceInOrder(Fusions.attention(Fusions.gemmBias(plain), 128));
  }

  /** Every node of the plain lowering in exactly one kernel, each after what it reads. */
  private static void assertEverythingComputedOnceInOrder(LoweredGraph fused) {
    Set<Node> seen = new HashSet<>();
    int nodes = 0;
    for (Kernel k : fused.kernels()) {
      for (Node n : k.nodes()) {
        assertTrue(seen.add(n), "computed twice: " + n.name());
        nodes++;
      }
    }
    int want = 0;
    for (Kernel k : plain.kernels()) {
      want += k.nodes().size();
    }
    assertEquals(want, nodes);
    // Kernels still run after what they read.
    Set<String> ready = new HashSet<>(fused.graph().initializers().keySet());
    fused.graph().inputs().forEach(i -> ready.add(i.name()));
    for (Kernel k : fused.kernels()) {
      Set<String> made = new HashSet<>();
      k.nodes().forEach(n -> made.addAll(n.outputs()));
      for (Node n : k.nodes()) {
        for (String in : n.inputs()) {
          assertTrue(in.isEmpty() || ready.contains(in) || made.contains(in),
              k.label() + " reads '" + in + "' before it is made");
        }
      }
      ready.addAll(made);
    }
  }

  @Test
  void projectionBiasesMoveIntoTheGemms() {
    LoweredGraph fused = Fusions.gemmBias(plain);
    long withBias = fused.kernels().stream()
        .filter(k -> k instanceof Kernel.MatMul m && m.biasAdd() != null).count();
    // Q, K, V and the attention output projection per layer; the FFN biases go into GELU's and
    // layer norm's loops, which read them anyway.
    assertTrue(withBias >= 18, "fused " + withBias + ": " + fused.histogram());
    for (Kernel k : fused.kernels()) {
      if (k instanceof Kernel.MatMul m && m.biasAdd() != null) {
        assertEquals(m.biasAdd().outputs().get(0), m.output());
        assertEquals(1f, m.beta());
        assertTrue(fused.graph().initializers().containsKey(m.c()));
        assertTrue(fused.explain().get(m.biasAdd().name()).startsWith("bias added by"));
      }
    }
  }

  @Test
  void everyGeluWithItsBiasMovesIntoTheFfnGemm() {
    LoweredGraph before = Fusions.attention(Fusions.gemmBias(plain), 128);
    LoweredGraph fused = Fusions.gemmEpilogue(before);
    List<Kernel.MatMul> withEpilogue = fused.kernels().stream()
        .filter(k -> k instanceof Kernel.MatMul m && !m.epilogue().isEmpty())
        .map(k -> (Kernel.MatMul) k).toList();
    assertEquals(6, withEpilogue.size(), fused.histogram().toString());
    assertEquals(before.kernels().size() - 6, fused.kernels().size());
    for (Kernel.MatMul m : withEpilogue) {
      // x * 0.5 * (1 + erf(x / sqrt 2)) of x = product + FFN bias, as the exporter wrote it
      assertEquals("Add", m.biasAdd().opType());
      assertEquals(1536, fused.graph().initializers().get(m.c()).size());
      assertTrue(m.epilogue().stream().anyMatch(n -> n.opType().equals("Erf")), m.label());
      assertEquals(m.epilogue().get(m.epilogue().size() - 1).outputs().get(0), m.output());
      assertEquals(m.biasAdd().outputs().get(0), m.product());
      assertEquals(List.of(2, 7, 1536), dims(fused, m.output()));
      for (Node n : m.epilogue()) {
        assertTrue(fused.explain().get(n.name()).startsWith("applied by the epilogue of"));
      }
    }
    assertEverythingComputedOnceInOrder(fused);
  }

  @Test
  void aChainThatReadsAnotherTensorStaysItsOwnKernel() {
    // Residual adds read the layer's input: they stay in layer norm's prologue, not a GEMM.
    LoweredGraph fused = Fusions.gemmEpilogue(Fusions.gemmBias(plain));
    for (Kernel k : fused.kernels()) {
      if (k instanceof Kernel.MatMul m) {
        for (Node n : m.epilogue()) {
          for (String in : n.inputs()) {
            boolean own = m.nodes().stream().anyMatch(x -> x.outputs().contains(in));
            assertTrue(own || fused.graph().initializers().get(in).size() == 1,
                m.label() + " reads '" + in + "'");
          }
        }
      }
    }
    assertEverythingComputedOnceInOrder(fused);
  }

  @Test
  void eachLayersQkvProjectionsBecomeOneGemmWithTheirWeightsSideBySide() {
    LoweredGraph before = Fusions.gemmEpilogue(Fusions.attention(Fusions.gemmBias(plain), 128));
    LoweredGraph fused = Fusions.gemmGroups(before);
    List<Kernel.GemmGroup> groups = fused.kernels().stream()
        .filter(k -> k instanceof Kernel.GemmGroup).map(k -> (Kernel.GemmGroup) k).toList();
    assertEquals(6, groups.size(), fused.histogram().toString());
    assertEquals(before.kernels().size() - 6 * 2, fused.kernels().size());
    Map<String, Tensor> init = fused.graph().initializers();
    for (Kernel.GemmGroup gg : groups) {
      assertEquals(3, gg.members().size());
      assertArrayEquals(new int[] {0, 384, 768}, gg.offsets());
      assertEquals(List.of(2, 7, 1152), dims(fused, gg.output()));
      float[] w = init.get(gg.merged().b()).rawFloats();
      float[] bias = init.get(gg.merged().c()).rawFloats();
      assertArrayEquals(new int[] {384, 1152}, init.get(gg.merged().b()).shape());
      for (int i = 0; i < 3; i++) {
        Kernel.MatMul m = gg.members().get(i);
        assertEquals(gg.merged().a(), m.a());
        float[] wi = init.get(m.b()).rawFloats();
        float[] bi = init.get(m.c()).rawFloats();
        for (int r = 0; r < 384; r += 97) {
          for (int j = 0; j < 384; j += 31) {
            assertEquals(wi[r * 384 + j], w[r * 1152 + 384 * i + j], m.b() + " " + r + "," + j);
          }
        }
        for (int j = 0; j < 384; j++) {
          assertEquals(bi[j], bias[384 * i + j]);
        }
        assertEquals(List.of(m.output()), List.of(gg.parts().get(i)));
        assertTrue(fused.explain().get(m.node().name()).contains("one GEMM for the 3 weight"));
      }
    }
    assertEverythingComputedOnceInOrder(fused);
  }

  @Test
  void everyLoweringOfAModelMergesIntoTheSameWeightTensors() {
    // Variants are lowered one by one; the device shares weights by tensor object.
    int[] other = {3, 5};
    LoweredGraph a = Fusions.gemmGroups(Fusions.attention(Fusions.gemmBias(plain), 128));
    LoweredGraph b = Fusions.gemmGroups(Fusions.attention(Fusions.gemmBias(Lowering.lower(
        Specializer.specialize(miniLm, Map.of("input_ids", other,
            "attention_mask", other, "token_type_ids", other)))), 128));
    List<Kernel.GemmGroup> ga = groups(a);
    List<Kernel.GemmGroup> gb = groups(b);
    assertEquals(6, gb.size());
    for (int i = 0; i < 6; i++) {
      Kernel.MatMul ma = ga.get(i).merged();
      Kernel.MatMul mb = gb.get(i).merged();
      assertSame(a.graph().initializers().get(ma.b()), b.graph().initializers().get(mb.b()));
      assertSame(a.graph().initializers().get(ma.c()), b.graph().initializers().get(mb.c()));
    }
  }

  private static List<Kernel.GemmGroup> groups(LoweredGraph l) {
    return l.kernels().stream().filter(k -> k instanceof Kernel.GemmGroup)
        .map(k -> (Kernel.GemmGroup) k).toList();
  }

  @Test
  void projectionsReadByKernelsWithoutARowStrideKeepTheirGemms() {
    // Without fused attention, Q, K and V go to transposes, which read them densely.
    LoweredGraph unfused = Fusions.gemmEpilogue(Fusions.gemmBias(plain));
    assertSame(unfused, Fusions.gemmGroups(unfused));
  }

  @Test
  void headsWiderThanTheLimitAreLeftAlone() {
    assertSame(plain, Fusions.attention(plain, 16));
  }

  private static List<Integer> dims(LoweredGraph l, String v) {
    return java.util.Arrays.stream(l.graph().typeOf(v).shape().toIntArray()).boxed().toList();
  }
}
