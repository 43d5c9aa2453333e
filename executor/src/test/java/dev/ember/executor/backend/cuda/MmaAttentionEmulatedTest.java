package dev.ember.executor.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.cuda.emu.EmulatedGpu;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.lower.Kernel;
import dev.ember.executor.models.MiniLmFixture;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fused attention kernel on tensor cores ({@link MmaAttentionSource}) on the host emulator's
 * mma model: MiniLM cut after its first attention kernel, so the value compared is that kernel's
 * output, against the interpreter. Sequences of 13 and 16 tokens take one key tile of 16, 17, 40
 * and 70 one to three of 32 (the last partly past the end), with one to four warps, two query
 * tiles at 70; each batch's second row has a padding token the mask must hide. MiniLM's 384
 * hidden units split into 6, 3 and 16 heads give heads of 64, 128 and 24 dims.
 */
class MmaAttentionEmulatedTest {
  @RegisterExtension
  static final EmulatedGpu GPU = EmulatedGpu.standard();

  private static Graph miniLm;

  @BeforeAll
  static void setUp() {
    miniLm = MiniLmFixture.graph();
  }

  @ParameterizedTest
  @CsvSource({
    "TF32, 13, 12", "TF32, 40, 12", "TF32, 70, 12", "TF32, 16, 12", "TF32, 17, 12",
    "FP16, 13, 12", "FP16, 40, 12", "FP16, 70, 12", "FP16, 16, 12", "FP16, 17, 12",
    "BF16, 13, 12", "BF16, 40, 12", "BF16, 70, 12",
    // heads of 64 and 128 (BERT-base, larger models), and of 24, which only tf32's k8 steps
    "FP16, 40, 6", "TF32, 70, 6", "BF16, 40, 3", "TF32, 40, 3", "TF32, 40, 16", "FP16, 13, 16",
    // fp32 as 3xTF32, on heads up to 64; 128 keeps the float32 kernel
    "FP32, 13, 12", "FP32, 70, 12", "FP32, 40, 6", "FP32, 40, 16", "FP32, 40, 3"})
  void attentionOnTensorCoresAgreesWithTheInterpreter(GemmPrecision p, int seq, int heads) {
    Map<String, Tensor> in = MiniLmFixture.syntheticFeeds(2, seq, seq);
    Graph g = firstAttention(withHeads(miniLm, heads), in);
    String out = g.outputs().get(0).name();
    CudaBackend backend = backend(p, false);
    assertEquals(p, backend.tensorCoreAttention());
    CudaVariant v = compile(backend, g);
    boolean mma = MmaAttentionSource.whyNot(p, 384 / heads) == null;
    assertEquals(mma, v.program().source().contains("ember_mma(o[n], pa, vb)"),
        "the attention kernel multiplies on tensor cores where its heads allow");
    Tensor want = new Interpreter(g, OpRegistry.standard()).run(in).get(out);
    Tensor got = v.run(in).get(out);
    double err = relativeError(want, got);
    // Float32 attention at the same precision: the error of the projections' GEMMs alone.
    double float32 = relativeError(want, compile(backend(p, true), g).run(in).get(out));
    System.out.printf("%s seq %d, %d heads of %d: attention output max error / max |output|"
        + " %.2e (float32 attention %.2e)%n", p, seq, heads, 384 / heads, err, float32);
    // Q, K, P and V rounded as a GEMM of the precision rounds its inputs.
    assertTrue(err < p.tolerance(), p + " seq " + seq + ": relative error " + err);
  }

  @Test
  void theFloat32FormKeepsAttentionOnTheCudaCores() {
    assertNull(backend(GemmPrecision.FP32, true).tensorCoreAttention());
    assertTrue(backend(GemmPrecision.FP16, true).name().endsWith(".float32Attention"));
    CudaVariant v = compile(backend(GemmPrecision.FP16, true),
        firstAttention(miniLm, MiniLmFixture.syntheticFeeds(1, 13, 1)));
    assertFalse(v.program().source().contains("ember_mma"), "no mma in the program");
  }

  @Test
  void headsTheMmaCannotStepThroughStayInFloat32() {
    assertNull(MmaAttentionSource.whyNot(GemmPrecision.FP16, 32));
    assertNull(MmaAttentionSource.whyNot(GemmPrecision.TF32, 24));
    assertNotNull(MmaAttentionSource.whyNot(GemmPrecision.FP16, 24));
    assertNotNull(MmaAttentionSource.whyNot(GemmPrecision.TF32, 12));
    assertNull(MmaAttentionSource.whyNot(GemmPrecision.FP32, 64));
    assertNotNull(MmaAttentionSource.whyNot(GemmPrecision.FP32, 128));
    assertEquals(1, MmaAttentionSource.warps(13));
    assertEquals(3, MmaAttentionSource.warps(40));
    assertEquals(4, MmaAttentionSource.warps(70));
    assertEquals(16, MmaAttentionSource.keyTile(16));
    assertEquals(32, MmaAttentionSource.keyTile(17));
  }

  private static CudaBackend backend(GemmPrecision p, boolean float32Attention) {
    CudaOptions o = CudaOptions.defaults().withGemm("generated").withPrecision(p)
        .withGemmTuning(false).withGraphs(false);
    return float32Attention ? CudaBackend.withFloat32Attention(GPU.device(), o)
        : new CudaBackend(GPU.device(), o);
  }

  private static CudaVariant compile(CudaBackend b, Graph g) {
    CompiledVariant v = b.compile(g, new VariantKey("minilm", b.name(), Map.of(),
        Map.of("variant", "static")));
    return (CudaVariant) v;
  }

  /**
   * MiniLM with its 384 hidden units split into {@code heads} heads instead of 12: the
   * constants that reshape Q, K and V into (heads, head dim) changed, nothing else (the scores
   * keep their scale of 1/sqrt(32)), a model the interpreter runs as it is.
   */
  static Graph withHeads(Graph g, int heads) {
    Pattern split = Pattern.compile("/encoder/layer\\.\\d+/attention/self/Constant_(\\d+)");
    List<Node> nodes = new ArrayList<>();
    int changed = 0;
    for (Node n : g.nodes()) {
      Matcher m = split.matcher(n.name());
      long value = -1;
      if (m.matches()) {
        switch (Integer.parseInt(m.group(1))) {
          case 2, 6, 10 -> value = heads;
          case 3, 7, 11 -> value = 384 / heads;
          default -> { }
        }
      }
      if (value > 0) {
        Tensor old = n.attrs().getTensor("value");
        assertEquals(old.getLong(0), value == heads ? 12 : 32, n.name());
        n = new Node(n.name(), n.opType(), n.domain(), n.opset(), n.inputs(), n.outputs(),
            Attributes.of(Map.of("value", new AttrValue.TensorAttr(
                Tensor.ofLongs(DType.INT64, new int[] {1}, new long[] {value})))));
        changed++;
      }
      nodes.add(n);
    }
    assertEquals(36, changed, "Q, K and V's two reshape constants in six layers");
    return g.withNodes(nodes);
  }

  /** {@code model} at the feeds' shapes, its output the first fused attention kernel's. */
  private static Graph firstAttention(Graph model, Map<String, Tensor> feeds) {
    Map<String, int[]> shapes = new LinkedHashMap<>();
    feeds.forEach((k, v) -> shapes.put(k, v.shape()));
    Graph g = Specializer.specialize(model, shapes);
    Kernel.Attention first = CudaBackend.lower(g).kernels().stream()
        .filter(k -> k instanceof Kernel.Attention).map(k -> (Kernel.Attention) k)
        .findFirst().orElseThrow();
    Set<String> needed = new HashSet<>(Set.of(first.output()));
    List<Node> kept = new ArrayList<>();
    for (int i = g.nodes().size() - 1; i >= 0; i--) {
      Node n = g.nodes().get(i);
      if (n.outputs().stream().anyMatch(needed::contains)) {
        kept.add(0, n);
        needed.addAll(n.inputs());
      }
    }
    return g.with(kept, List.of(new ValueInfo(first.output(), g.typeOf(first.output()))),
        g.initializers(), g.valueTypes());
  }

  /** max |got - want| / max |want|. */
  private static double relativeError(Tensor want, Tensor got) {
    float[] w = want.rawFloats();
    float[] a = got.rawFloats();
    assertEquals(w.length, a.length);
    double maxDiff = 0;
    double maxAbs = 0;
    for (int i = 0; i < w.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((double) w[i] - a[i]));
      maxAbs = Math.max(maxAbs, Math.abs(w[i]));
    }
    return maxDiff / maxAbs;
  }
}
