package dev.ember.executor.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.ops.ml.TreeCodegen;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.NodeTestFolders;
import dev.ember.executor.testing.Tolerance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Generated forest code against the reference kernels, bit for bit, on random forests: every
 * node mode (MEMBER in TreeEnsemble), missing-value tracks and NaN features, every aggregate
 * function and post transform, base values, several targets, int64 and string labels, the
 * binary classifier, float and double X, and a forest whose tables span several string chunks
 * (every generated method checked under the JIT's 8,000-byte limit).
 */
class CpuTreeCodegenTest {
  private static final int ROWS = 300;
  private static final int FEATURES = 7;

  @Test
  void treeEnsembleMatchesReferenceInEveryModeAggregateAndTransform() {
    for (int seed = 0; seed < 24; seed++) {
      int targets = 1 + seed % 3;
      RandomForests r = new RandomForests(seed, FEATURES, targets, 7, 1);
      var attrs = RandomForests.ensemble(r.trees(3 + seed, 2 + seed % 6), targets, seed % 4,
          seed % 5 == 4 ? 0 : seed % 5);
      DType x = seed % 2 == 0 ? DType.FLOAT : DType.DOUBLE;
      agree("TreeEnsemble seed " + seed, RandomForests.node("TreeEnsemble", 5, attrs),
          r.rows(ROWS, x, 0.1), x);
    }
  }

  @Test
  void regressorMatchesReferenceWithBaseValuesAndSeveralVotesPerLeaf() {
    String[] aggs = {"SUM", "AVERAGE", "MIN", "MAX"};
    String[] posts = {"NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO"};
    for (int seed = 0; seed < 16; seed++) {
      int targets = 1 + seed % 3;
      RandomForests r = new RandomForests(100 + seed, FEATURES, targets, 6, 3);
      var attrs = RandomForests.legacy(r.trees(5 + seed, 3 + seed % 5), "target_", seed % 3 == 0);
      attrs.put("n_targets", new AttrValue.IntAttr(targets));
      attrs.put("aggregate_function", new AttrValue.StringAttr(aggs[seed % 4]));
      attrs.put("post_transform", new AttrValue.StringAttr(posts[(seed / 4) % 4]));
      if (seed % 2 == 1) {
        List<Float> base = new ArrayList<>();
        for (int k = 0; k < targets; k++) {
          base.add(0.25f * k - 0.5f);
        }
        attrs.put("base_values", new AttrValue.FloatsAttr(base));
      }
      DType x = seed % 4 == 3 ? DType.DOUBLE : DType.FLOAT;
      agree("regressor seed " + seed, RandomForests.node("TreeEnsembleRegressor", 3, attrs),
          r.rows(ROWS, x, 0.1), x);
    }
  }

  @Test
  void classifierMatchesReferenceWithIntStringAndBinaryLabels() {
    String[] posts = {"NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"};
    for (int seed = 0; seed < 15; seed++) {
      boolean binary = seed % 3 == 0;
      int classes = binary ? 2 : 2 + seed % 4;
      RandomForests r = new RandomForests(200 + seed, FEATURES, binary ? 1 : classes, 6, 2);
      var attrs = RandomForests.legacy(r.trees(4 + seed, 2 + seed % 5), "class_", false);
      if (binary) {
        attrs.put("class_ids", RandomForests.ints(new long[((AttrValue.IntsAttr)
            attrs.get("class_ids")).values().size()]));
      }
      if (seed % 2 == 0) {
        List<String> labels = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
          labels.add("class \"" + k + "\"\n");
        }
        attrs.put("classlabels_strings", new AttrValue.StringsAttr(labels));
      } else {
        long[] labels = new long[classes];
        for (int k = 0; k < classes; k++) {
          labels[k] = 10L * k - 3;
        }
        attrs.put("classlabels_int64s", RandomForests.ints(labels));
      }
      attrs.put("post_transform", new AttrValue.StringAttr(posts[seed % 5]));
      if (seed % 4 == 1) {
        List<Float> base = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
          base.add(0.1f * k);
        }
        attrs.put("base_values", new AttrValue.FloatsAttr(base));
      }
      agree("classifier seed " + seed, RandomForests.node("TreeEnsembleClassifier", 3, attrs),
          r.rows(ROWS, DType.FLOAT, 0.1), DType.FLOAT);
    }
  }

  @Test
  void largeForestAgreesAndItsTablesSpanSeveralChunks() {
    RandomForests r = new RandomForests(7, 30, 1, 1, 1);
    var attrs = RandomForests.ensemble(r.trees(300, 10), 1, 1, 0);
    CpuVariant v = agree("large forest", RandomForests.node("TreeEnsemble", 5, attrs),
        r.rows(500, DType.FLOAT, 0.05), DType.FLOAT);
    assertTrue(v.source().contains("\", \""), "tables of ~100k nodes need several chunks");
  }

  @Test
  void savedArtifactsLoadWithoutJaninoAndGiveTheSameOutputs() {
    RandomForests r = new RandomForests(11, FEATURES, 2, 7, 1);
    Node n = RandomForests.node("TreeEnsemble", 5,
        RandomForests.ensemble(r.trees(20, 6), 2, 1, 1));
    Tensor x = r.rows(50, DType.FLOAT, 0.1);
    Graph g = RandomForests.graph(n, DType.FLOAT, 50, FEATURES);
    CpuJaninoBackend backend = new CpuJaninoBackend();
    CpuVariant compiled = (CpuVariant) backend.compile(g, key("saved"));
    long janino = JaninoCompiler.compilations();
    var loaded = backend.load(g, key("saved"), compiled.artifacts());
    assertEquals(janino, JaninoCompiler.compilations(), "loading must not compile");
    assertArrayEquals(compiled.run(Map.of("X", x)).get("Y").rawFloats(),
        loaded.run(Map.of("X", x)).get("Y").rawFloats());
  }

  @Test
  void treeNodeTestsPassThroughGeneratedCode() throws Exception {
    int ran = 0;
    for (Path folder : NodeTestFolders.all()) {
      String name = folder.getFileName().toString();
      if (!name.startsWith("test_ai_onnx_ml_tree_ensemble")) {
        continue;
      }
      Graph g = OnnxLoader.load(folder.resolve("model.onnx")).graph();
      Path data = folder.resolve("test_data_set_0");
      List<TensorFiles.NamedTensor> ins = TensorFiles.readNumbered(data, "input");
      List<TensorFiles.NamedTensor> outs = TensorFiles.readNumbered(data, "output");
      Map<String, Tensor> feeds = Map.of(g.inputs().get(0).name(), ins.get(0).tensor());
      Graph s = Specializer.specialize(g, Map.of(g.inputs().get(0).name(),
          ins.get(0).tensor().shape()));
      CpuVariant v = (CpuVariant) new CpuJaninoBackend().compile(s, key(name));
      assertTrue(v.source().contains("Forest0.run("), name + ": not generated");
      Map<String, Tensor> got = v.run(feeds);
      for (int o = 0; o < outs.size(); o++) {
        String out = g.outputs().get(o).name();
        assertNull(Tolerance.mismatch(outs.get(o).tensor(), got.get(out), 1e-6, 1e-6),
            name + " output " + out);
      }
      ran++;
    }
    assertEquals(2, ran, "the wave-2 selection has two TreeEnsemble node tests");
  }

  @Test
  void cyclicTreeStaysOnTheReferenceKernelWhichReportsIt() {
    var attrs = new java.util.LinkedHashMap<String, AttrValue>();
    attrs.put("nodes_featureids", RandomForests.ints(new long[] {0}));
    attrs.put("nodes_splits", RandomForests.floatTensor(new double[] {0.5}));
    attrs.put("nodes_modes", new AttrValue.TensorAttr(Tensor.ofLongs(DType.UINT8,
        new int[] {1}, new long[] {0})));
    attrs.put("nodes_truenodeids", RandomForests.ints(new long[] {0}));
    attrs.put("nodes_falsenodeids", RandomForests.ints(new long[] {0}));
    attrs.put("nodes_trueleafs", RandomForests.ints(new long[] {0}));
    attrs.put("nodes_falseleafs", RandomForests.ints(new long[] {1}));
    attrs.put("leaf_targetids", RandomForests.ints(new long[] {0}));
    attrs.put("leaf_weights", RandomForests.floatTensor(new double[] {1}));
    attrs.put("tree_roots", RandomForests.ints(new long[] {0}));
    attrs.put("n_targets", new AttrValue.IntAttr(1));
    Node n = RandomForests.node("TreeEnsemble", 5, attrs);
    String why = TreeCodegen.whyNot(n, DType.FLOAT);
    assertTrue(why != null && why.contains("tree 0 has a cycle"), why);
    CpuVariant v = (CpuVariant) new CpuJaninoBackend().compile(
        RandomForests.graph(n, DType.FLOAT, 2, 1), key("cycle"));
    assertTrue(v.source().contains("rt.fallback(") && !v.source().contains("Forest0"),
        v.source());
    assertArrayEquals(new float[] {1, 1},
        v.run(Map.of("X", Tensor.ofFloats(new int[] {2, 1}, new float[] {1, 2})))
            .get("Y").rawFloats(), "rows that go false never meet the cycle");
    EmberException e = assertThrows(EmberException.class, () -> v.run(Map.of("X",
        Tensor.ofFloats(new int[] {2, 1}, new float[] {0, 2}))));
    assertEquals(ErrorCode.BAD_ATTRIBUTE, e.code());
    assertTrue(e.getMessage().contains("cycle"), e.getMessage());
  }

  /** Compiles {@code n} alone, checks it was generated, and compares with its reference kernel. */
  private static CpuVariant agree(String what, Node n, Tensor x, DType type) {
    List<Tensor> want = OpRegistry.standard().lookup(n).evaluate(new KernelContext(n,
        List.of(x)));
    Graph g = RandomForests.graph(n, type, x.dim(0), x.dim(1));
    CpuVariant v = (CpuVariant) new CpuJaninoBackend().compile(g, key(what));
    assertTrue(v.source().contains("Forest0.run("), what + ": not generated");
    Map<String, Tensor> got = v.run(Map.of("X", x));
    for (int o = 0; o < want.size(); o++) {
      Tensor w = want.get(o);
      Tensor h = got.get(n.outputs().get(o));
      assertEquals(w.dtype(), h.dtype(), what);
      assertArrayEquals(w.shape(), h.shape(), what);
      switch (w.dtype().storage()) {
        case FLOAT -> assertArrayEquals(w.rawFloats(), h.rawFloats(), what + " output " + o);
        case DOUBLE -> assertArrayEquals(w.rawDoubles(), h.rawDoubles(), what + " output " + o);
        case LONG -> assertArrayEquals(w.rawLongs(), h.rawLongs(), what + " output " + o);
        default -> assertArrayEquals(w.rawStrings(), h.rawStrings(), what + " output " + o);
      }
    }
    v.methodSizes().forEach((m, bytes) -> assertTrue(bytes < JaninoCompiler.JIT_METHOD_LIMIT,
        what + ": " + m + " has " + bytes + " bytes of bytecode"));
    return v;
  }

  private static VariantKey key(String what) {
    return new VariantKey(what, CpuJaninoBackend.NAME, Map.of(), Map.of("cpu.gemm", "java"));
  }
}
