package dev.ember.executor.dispatch;

import static dev.ember.executor.dispatch.DispatchModels.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Level 3: padding to captured shapes, splitting, slicing back, overflow, counters. */
class CapturedDispatchTest {
  private static final Graph TOKENS = DispatchModels.tokens();
  private static final CompileWrapper LEVEL0 =
      CompileWrapper.builder(CompileOptions.level(0)).build(TOKENS);
  private static final CompileOptions L3 =
      CompileOptions.level(3).withCaptureSizes(List.of(1, 8, 32)).withSeqBuckets(List.of(4, 8, 16));

  @Test
  void batches1To70AcrossSeqBucketsMatchLevel0() {
    FakeBackend fb = new FakeBackend();
    CompileWrapper w = CompileWrapper.builder(L3).backend(fb).build(TOKENS);
    int[] seqs = {1, 3, 4, 5, 8, 13, 16};
    long realRows = 0;
    long paddedRows = 0;
    long paddedTokens = 0;
    for (int b = 1; b <= 70; b++) {
      int seq = seqs[b % seqs.length];
      Map<String, Tensor> in = DispatchModels.tokenInputs(b, seq, b);
      long predicted = w.paddedTokens(b, seq);
      assertSame(LEVEL0.call(in), w.call(in), "batch " + b + " seq " + seq);
      realRows += b;
      for (int n : new CaptureGrid(List.of(1, 8, 32), List.of(4, 8, 16), true, true).cut(b)) {
        paddedRows += n <= 1 ? 1 : n <= 8 ? 8 : 32;
      }
      paddedTokens += predicted;
    }
    WrapperStats s = w.stats();
    assertEquals(70, s.calls());
    assertEquals(realRows, s.realRows());
    assertEquals(paddedRows, s.paddedRows());
    assertEquals(paddedTokens, s.paddedTokens());
    assertTrue(s.paddingOverhead() > 1.0);
    assertEquals(0, s.generalCalls());
    assertEquals(9, s.variants().size(), "3 capture sizes x 3 buckets, no general variant");
    assertEquals(fb.compiles.get(), s.variantsCompiled());
  }

  @Test
  void largeBatchesAreSplitAndEachChunkRunsItsCapture() {
    CompileWrapper w = CompileWrapper.builder(L3).build(TOKENS);
    Map<String, Tensor> in = DispatchModels.tokenInputs(70, 6, 7);
    assertSame(LEVEL0.call(in), w.call(in), "70 rows");
    WrapperStats s = w.stats();
    // 70 = 32 + 32 + 6 (padded to 8), all at seq bucket 8.
    assertEquals(2, s.variants().get(w.captureIndex(32, 8)).dispatches());
    assertEquals(1, s.variants().get(w.captureIndex(8, 8)).dispatches());
    assertEquals(3, s.variants().stream().mapToLong(WrapperStats.VariantStats::dispatches).sum());
    assertEquals(70, s.realRows());
    assertEquals(72, s.paddedRows());
    assertEquals(70 * 6, s.realTokens());
    assertEquals(72 * 8, s.paddedTokens());
  }

  @Test
  void paddingWasteIsCountedPerCall() {
    CompileWrapper w = CompileWrapper.builder(L3).build(TOKENS);
    w.call(DispatchModels.tokenInputs(5, 3, 1)); // padded to 8 x 4
    WrapperStats s = w.stats();
    assertEquals(5, s.realRows());
    assertEquals(8, s.paddedRows());
    assertEquals(15, s.realTokens());
    assertEquals(32, s.paddedTokens());
    assertEquals(32, w.paddedTokens(5, 3));
    assertEquals(32.0 / 15, s.paddingOverhead(), 1e-12);
    assertEquals(4, w.seqBucket(3));
    assertEquals(-1, w.seqBucket(17));
  }

  @Test
  void seqAboveTheLargestBucketRunsTheGeneralVariant() {
    FakeBackend fb = new FakeBackend();
    CompileWrapper w = CompileWrapper.builder(L3).backend(fb).build(TOKENS);
    Map<String, Tensor> in = DispatchModels.tokenInputs(3, 20, 5);
    assertSame(LEVEL0.call(in), w.call(in), "seq 20");
    WrapperStats s = w.stats();
    assertEquals(1, s.generalCalls());
    assertEquals(10, s.variants().size());
    assertEquals("general", s.variants().get(9).label());
    assertEquals(60, s.paddedTokens(), "the general variant runs unpadded");
  }

  @Test
  void seqAboveTheLargestBucketFailsWhenTold() {
    CompileWrapper w =
        CompileWrapper.builder(L3.withSeqOverflow(CompileOptions.SeqOverflow.FAIL)).build(TOKENS);
    EmberException e =
        assertThrows(EmberException.class, () -> w.call(DispatchModels.tokenInputs(2, 17, 1)));
    assertEquals(ErrorCode.BAD_INPUT, e.code());
    assertTrue(e.getMessage().contains("17") && e.getMessage().contains("16"), e.getMessage());
  }

  @Test
  void staticOnlyBackendFallsBackToTheInterpreterForOverflowWithAWarning() {
    List<String> warnings = new ArrayList<>();
    FakeBackend fb = new FakeBackend(0, true, dev.ember.executor.ir.GraphPrinter::print);
    CompileWrapper w =
        CompileWrapper.builder(L3)
            .backend(fb)
            .listener(
                new CompileListener() {
                  @Override
                  public void onVariant(VariantEvent e) {}

                  @Override
                  public synchronized void onWarning(String message) {
                    warnings.add(message);
                  }
                })
            .build(TOKENS);
    Map<String, Tensor> in = DispatchModels.tokenInputs(2, 40, 3);
    assertSame(LEVEL0.call(in), w.call(in), "seq 40 on the interpreter");
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains("reference backend 'interp'"), warnings.get(0));
    assertEquals("interp", w.variants().get(0).key().backend());
  }

  @Test
  void batchOnlyGraphsPadRowsOnly() {
    Graph rows = DispatchModels.rows();
    CompileWrapper l0 = CompileWrapper.builder(CompileOptions.level(0)).build(rows);
    CompileWrapper w = CompileWrapper.builder(L3).build(rows);
    for (int n = 1; n <= 40; n++) {
      Map<String, Tensor> in = DispatchModels.rowInputs(n, n);
      assertSame(l0.call(in), w.call(in), "rows " + n);
    }
    assertEquals(3, w.stats().variants().size());
    assertEquals(8, w.variants().get(1).key().inputShapes().get("x").get(0));
  }

  @Test
  void emptyBatchRunsTheGeneralVariant() {
    Map<String, Tensor> in = DispatchModels.tokenInputs(0, 4, 1);
    CompileWrapper w = CompileWrapper.builder(L3).build(TOKENS);
    assertSame(LEVEL0.call(in), w.call(in), "0 rows");
  }

  @Test
  void captureAheadCompilesTheWholeGridOnceAndAnnouncesEachVariant() {
    FakeBackend fb = new FakeBackend();
    List<VariantEvent> events = new ArrayList<>();
    CompileWrapper w =
        CompileWrapper.builder(L3.withCaptureAhead(true))
            .backend(fb)
            .listener(events::add)
            .build(TOKENS);
    assertEquals(9, fb.compiles.get());
    assertEquals(9, events.size());
    assertEquals(9, w.variants().size());
    assertEquals(0, w.capture(), "nothing left to capture");
    w.call(DispatchModels.tokenInputs(3, 3, 1));
    assertEquals(9, fb.compiles.get());
  }

  @Test
  void dispatchToRunsACapturedVariantOnPaddedInputsWithoutGuards() {
    CompileWrapper w = CompileWrapper.builder(L3).build(TOKENS);
    Map<String, Tensor> in = DispatchModels.tokenInputs(8, 8, 11);
    int i = w.captureIndex(8, 8);
    assertEquals(i, w.select(in));
    assertSame(LEVEL0.call(in), w.dispatchTo(i, in), "dispatchTo");
    assertThrows(IllegalArgumentException.class, () -> w.captureIndex(9, 8));
    assertThrows(IllegalArgumentException.class, () -> w.dispatchTo(99, in));
    assertThrows(
        IllegalArgumentException.class, () -> w.select(DispatchModels.tokenInputs(3, 8, 1)));
  }

  @Test
  void variantKeysRecordTheCapturedShapes() {
    CompileWrapper w = CompileWrapper.builder(L3.withCaptureAhead(true)).build(TOKENS);
    var key = w.variants().get(w.captureIndex(32, 16)).key();
    assertEquals(List.of(32L, 16L), key.inputShapes().get("ids"));
    assertEquals(List.of(32L, 16L, 4L), key.inputShapes().get("x"));
    assertEquals("32x16", key.options().get("capture"));
    assertEquals(w.graphHash(), key.graphHash());
  }
}
