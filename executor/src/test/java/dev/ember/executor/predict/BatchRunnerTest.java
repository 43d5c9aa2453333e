package dev.ember.executor.predict;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.testing.TestModels;
import dev.ember.executor.text.ForwardFn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchRunnerTest {
  /** y = x @ w ([batch, 3] -> [batch, 2]) and the row sums s of ids ([batch, seq] -> [batch]). */
  static Graph tabular() {
    return TestModels.graph(TestModels.builder("tabular")
        .input("x", DType.FLOAT, "batch", 3)
        .output("y", DType.FLOAT, "batch", 2)
        .initializer("w", Tensor.ofFloats(new int[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6}))
        .node("MatMul", List.of("x", "w"), List.of("y"))
        .build());
  }

  static Graph sequence() {
    return TestModels.graph(TestModels.builder("sequence")
        .input("ids", DType.INT64, "batch", "seq")
        .output("doubled", DType.INT64, "batch", "seq")
        .initializer("two", Tensor.ofLongs(DType.INT64, new int[0], new long[] {2}))
        .node("Mul", List.of("ids", "two"), List.of("doubled"))
        .build());
  }

  @Test
  void signatureNamesBatchSequenceAndRowDims() {
    ModelSignature s = ModelSignature.of(sequence());
    assertEquals("batch", s.batchSymbol());
    assertEquals("seq", s.seqSymbol().orElseThrow());
    assertArrayEquals(new int[] {Port.SEQ}, s.input("ids").orElseThrow().rowDims());
    assertArrayEquals(new int[] {Port.SEQ}, s.output("doubled").orElseThrow().rowDims());
    assertArrayEquals(new int[] {3}, ModelSignature.of(tabular()).inputs().get(0).rowDims());
  }

  @Test
  void graphsThatCannotBeBatchedSayWhichInput() {
    EmberException fixed = assertThrows(EmberException.class,
        () -> ModelSignature.of(TestModels.graph(TestModels.mlp())));
    assertEquals(ErrorCode.MODEL_UNSUPPORTED, fixed.code());
    assertTrue(fixed.getMessage().contains("input 'x'") && fixed.getMessage().contains("dim 0"),
        fixed.getMessage());
    Graph twoSymbols = TestModels.graph(TestModels.builder("two")
        .input("x", DType.FLOAT, "batch", "a", "b").output("y", DType.FLOAT)
        .node("Relu", List.of("x"), List.of("y")).build());
    EmberException e = assertThrows(EmberException.class, () -> ModelSignature.of(twoSymbols));
    assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
  }

  @Test
  void nullRowsStayNullAndEveryRowMatchesARunOfItsOwn() {
    Graph g = tabular();
    AtomicInteger calls = new AtomicInteger();
    ForwardFn interp = ForwardFn.interpreter(g);
    ForwardFn counting = feeds -> {
      calls.incrementAndGet();
      return interp.forward(feeds);
    };
    BatchRunner r = BatchRunner.of(ModelSignature.of(g), counting);
    List<Tensor[]> rows = new ArrayList<>();
    for (int i = 0; i < 70; i++) {
      rows.add(i % 9 == 4 ? null
          : new Tensor[] {Tensor.ofFloats(new int[] {3}, new float[] {i, -i, 0.5f * i})});
    }
    Tensor[][] out = r.run(rows, 8);
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i) == null) {
        assertNull(out[i], "row " + i);
        continue;
      }
      Tensor alone = interp.forward(Map.of("x", rows.get(i)[0].reshape(new int[] {1, 3})))
          .get("y");
      assertArrayEquals(alone.rawFloats(), out[i][0].rawFloats(), "row " + i);
    }
    assertEquals(8, calls.get(), "62 rows in batches of 8");
    assertEquals(62, r.stats().rows());
  }

  @Test
  void sequencesArePaddedPerBatchAndCroppedBackAtLevel3() {
    Graph g = sequence();
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(3)
            .withCaptureSizes(List.of(1, 4, 8)).withSeqBuckets(List.of(8, 16, 64)))
        .backend(new CpuJaninoBackend()).graphHash("sequence-test").build(g);
    BatchRunner r = BatchRunner.of(ModelSignature.of(g), w);
    List<Tensor[]> rows = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      long[] ids = new long[1 + (i * 11) % 50];
      for (int k = 0; k < ids.length; k++) {
        ids[k] = i * 100 + k;
      }
      rows.add(new Tensor[] {Tensor.ofLongs(DType.INT64, new int[] {ids.length}, ids)});
    }
    Tensor[][] out = r.run(rows, 8);
    for (int i = 0; i < rows.size(); i++) {
      long[] ids = rows.get(i)[0].rawLongs();
      long[] want = new long[ids.length];
      for (int k = 0; k < ids.length; k++) {
        want[k] = 2 * ids[k];
      }
      assertArrayEquals(want, out[i][0].rawLongs(), "row " + i + " at its own length");
    }
    assertTrue(r.stats().paddedTokens() >= r.stats().realTokens());
  }

  @Test
  void aRowOfTheWrongShapeIsBadInputNamingRowAndInput() {
    BatchRunner r = BatchRunner.of(ModelSignature.of(tabular()),
        ForwardFn.interpreter(tabular()));
    List<Tensor[]> rows = new ArrayList<>();
    rows.add(new Tensor[] {Tensor.ofFloats(new int[] {3}, new float[3])});
    rows.add(new Tensor[] {Tensor.ofFloats(new int[] {2}, new float[2])});
    EmberException e = assertThrows(EmberException.class, () -> r.run(rows, 8));
    assertEquals(ErrorCode.BAD_INPUT, e.code());
    assertTrue(e.getMessage().contains("row 1") && e.getMessage().contains("'x'"),
        e.getMessage());
  }
}
