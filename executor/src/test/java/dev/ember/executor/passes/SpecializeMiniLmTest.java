package dev.ember.executor.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.GraphVerifier;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.models.MiniLmFixture;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.Tolerance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Specialises all-MiniLM-L6-v2 (a 6-layer BERT, from the langchain4j test artifact) to a static [2,
 * 7] batch: every Shape → Gather → Unsqueeze → Concat → Reshape chain must fold away, and the
 * result must compute what the original computes.
 */
class SpecializeMiniLmTest {
  private static final int BATCH = 2;
  private static final int SEQ = 7;
  private static Graph original;

  @BeforeAll
  static void load() {
    original = MiniLmFixture.graph();
  }

  private static void assumeOpsImplemented() {
    TreeSet<String> missing = new TreeSet<>();
    for (Node n : original.nodes()) {
      if (!OpRegistry.standard().supports(n.domain(), n.opType())) {
        missing.add(n.opType());
      }
    }
    assumeTrue(missing.isEmpty(), "ops not implemented yet: " + missing);
  }

  private static Graph specialize(List<String> passLog) {
    int[] shape = {BATCH, SEQ};
    Map<String, int[]> shapes = new LinkedHashMap<>();
    for (String name : List.of("input_ids", "attention_mask", "token_type_ids")) {
      shapes.put(name, shape);
    }
    Specializer s =
        new Specializer(
            OpRegistry.standard(),
            (name, g) -> {
              GraphVerifier.verify(g);
              passLog.add(name);
            });
    return s.withInputShapes(original, shapes);
  }

  @Test
  void shapeChainsFoldAway() {
    assumeOpsImplemented();
    List<String> passLog = new ArrayList<>();
    Graph g = specialize(passLog);
    System.out.println(
        "MiniLM specialised in "
            + passLog.size() / 2
            + " rounds: "
            + original.nodes().size()
            + " -> "
            + g.nodes().size()
            + " nodes, "
            + g.opHistogram());
    for (String op : List.of("Shape", "Concat", "Constant")) {
      assertFalse(g.opHistogram().containsKey(op), op + " nodes remain: " + g.opHistogram());
    }
    for (Node n : g.nodes()) {
      if (n.opType().equals("Reshape")) {
        assertTrue(
            g.initializers().containsKey(n.input(1)),
            "Reshape " + n.describe() + " reads a computed shape '" + n.input(1) + "'");
      }
    }
    assertEquals(TensorType.of(DType.FLOAT, BATCH, SEQ, 384), g.outputs().get(0).type());
    // What remains computes on the data; all index arithmetic is gone.
    assertTrue(
        g.nodes().size() <= original.nodes().size() / 2 + 1,
        "expected about half of the "
            + original.nodes().size()
            + " nodes to fold, "
            + g.nodes().size()
            + " remain");
    for (Node n : g.nodes()) {
      for (String out : n.outputs()) {
        assertTrue(
            g.typeOf(out) != null && g.typeOf(out).shape().isStatic(),
            "value '" + out + "' of " + n.describe() + " has no static type: " + g.typeOf(out));
      }
    }
  }

  @Test
  void specialisedGraphComputesTheSameOutputs() {
    assumeOpsImplemented();
    Graph g = specialize(new ArrayList<>());
    Map<String, Tensor> feeds = randomFeeds(42);
    Tensor want =
        new Interpreter(original, OpRegistry.standard()).run(feeds).get("last_hidden_state");
    Tensor got = new Interpreter(g, OpRegistry.standard()).run(feeds).get("last_hidden_state");
    assertNull(Tolerance.mismatch(want, got));
  }

  @Test
  void symbolicGraphStaysValidAndKeepsItsInterface() {
    assumeOpsImplemented();
    List<String> passLog = new ArrayList<>();
    Specializer s =
        new Specializer(
            OpRegistry.standard(),
            (name, g) -> {
              GraphVerifier.verify(g);
              passLog.add(name);
            });
    Graph g = s.simplify(original);
    assertEquals(original.inputs(), g.inputs());
    assertEquals(original.outputs().get(0).name(), g.outputs().get(0).name());
    assertTrue(g.opHistogram().containsKey("Shape"), "shapes of [batch, seq] cannot fold");
    Map<String, Tensor> feeds = randomFeeds(7);
    Tensor want =
        new Interpreter(original, OpRegistry.standard()).run(feeds).get("last_hidden_state");
    Tensor got = new Interpreter(g, OpRegistry.standard()).run(feeds).get("last_hidden_state");
    assertNull(Tolerance.mismatch(want, got));
  }

  /** Random token ids in the vocabulary, a mask with some padding, token types 0/1. */
  private static Map<String, Tensor> randomFeeds(long seed) {
    Random r = new Random(seed);
    int n = BATCH * SEQ;
    long[] ids = new long[n];
    long[] mask = new long[n];
    long[] types = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = 1000 + r.nextInt(29_000);
      mask[i] = i % SEQ < SEQ - (i / SEQ) * 2 ? 1 : 0;
      types[i] = r.nextInt(2);
    }
    int[] shape = {BATCH, SEQ};
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    feeds.put("input_ids", Tensor.ofLongs(DType.INT64, shape, ids));
    feeds.put("attention_mask", Tensor.ofLongs(DType.INT64, shape, mask));
    feeds.put("token_type_ids", Tensor.ofLongs(DType.INT64, shape, types));
    return feeds;
  }
}
