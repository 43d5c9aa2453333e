package dev.ember.executor.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Graph;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Level 3 refuses generated source that writes into a const_ buffer, quoting the lines. */
class BufferMutationCheckTest {
  /** What a backend might generate for a MatMul that (wrongly) scales its weight in place. */
  static final String MUTATING =
      String.join(
          "\n",
          "final class Kernel {",
          "  private final float[] const_W;",
          "  private final float[] const_B;",
          "  void run(float[] x, float[] out) {",
          "    // node MatMul_0 (MatMul)",
          "    for (int i = 0; i < 12; i++) {",
          "      const_W[i] *= 0.5f;",
          "      out[i] = x[i] * const_W[i];",
          "    }",
          "    const_B[idx[0]] = out[0]; // node Add_1 (Add)",
          "  }",
          "}");

  @Test
  void findsAssignmentsCompoundAssignmentsAndBulkWrites() {
    String src =
        String.join(
            "\n",
            "a[i] = const_w[i] + b[i];", // read: fine
            "if (const_w[i] == 0) {}", // comparison: fine
            "const_w[i] = 1f;",
            "const_w[i][j] += 2f;",
            "const_w[i]++;",
            "--const_w[k];",
            "System.arraycopy(src, 0, const_w, 4, n);",
            "System.arraycopy(const_w, 0, dst, 4, n);", // read: fine
            "java.util.Arrays.fill(const_w, 0f);",
            "out[i] = const_w[k] * x[m]; q[n] = 2;", // two statements, no const write
            "// const_w[i] = 3; in a comment is not code",
            "float[] const_w = loadWeights();"); // the declaration is not an element write
    List<Integer> lines =
        BufferMutationCheck.scan(src).stream().map(BufferMutationCheck.Finding::line).toList();
    assertEquals(List.of(3, 4, 5, 6, 7, 9), lines);
  }

  @Test
  void namesTheNodeFromTheBlockCommentOrTheTrailingComment() {
    List<BufferMutationCheck.Finding> f = BufferMutationCheck.scan(MUTATING);
    assertEquals(2, f.size());
    assertEquals(7, f.get(0).line());
    assertEquals("node MatMul_0 (MatMul)", f.get(0).node());
    assertEquals("const_W[i] *= 0.5f;", f.get(0).text());
    assertEquals(10, f.get(1).line());
    assertEquals("node Add_1 (Add)", f.get(1).node());
  }

  @Test
  void levelThreeRefusesAVariantThatWritesAWeightAndQuotesTheSource() {
    Graph g = DispatchModels.tokens();
    FakeBackend fb = new FakeBackend(0, false, graph -> MUTATING);
    CompileWrapper w =
        CompileWrapper.builder(
                CompileOptions.level(3).withCaptureSizes(List.of(4)).withSeqBuckets(List.of(8)))
            .backend(fb)
            .build(g);
    EmberException e =
        assertThrows(EmberException.class, () -> w.call(DispatchModels.tokenInputs(2, 3, 1)));
    assertEquals(ErrorCode.BUFFER_MUTATION, e.code());
    String m = e.getMessage();
    assertTrue(m.contains("node MatMul_0 (MatMul)"), m);
    assertTrue(m.contains("node Add_1 (Add)"), m);
    assertTrue(m.contains("line 7: const_W[i] *= 0.5f;"), m);
    assertTrue(m.contains("line 10: const_B[idx[0]] = out[0];"), m);
    assertTrue(m.contains("batch=4 seq=8") && m.contains("tokens"), m);
    // The refusal sticks: the variant is not retried on every call.
    EmberException again =
        assertThrows(EmberException.class, () -> w.call(DispatchModels.tokenInputs(2, 3, 1)));
    assertEquals(ErrorCode.BUFFER_MUTATION, again.code());
    assertEquals(1, fb.compiles.get());
    assertTrue(w.variants().isEmpty());
  }

  @Test
  void levelsWithoutCaptureDoNotCheck() {
    Graph g = DispatchModels.tokens();
    for (int level = 1; level <= 2; level++) {
      FakeBackend fb = new FakeBackend(0, false, graph -> MUTATING);
      CompileWrapper w = CompileWrapper.builder(CompileOptions.level(level)).backend(fb).build(g);
      w.call(DispatchModels.tokenInputs(2, 3, 1));
      assertEquals(1, w.variants().size());
    }
  }

  @Test
  void cleanSourcePasses() {
    CompileWrapper w =
        CompileWrapper.builder(CompileOptions.level(3).withCaptureAhead(true))
            .build(DispatchModels.rows());
    assertEquals(CompileOptions.DEFAULT_CAPTURE_SIZES.size(), w.variants().size());
  }
}
