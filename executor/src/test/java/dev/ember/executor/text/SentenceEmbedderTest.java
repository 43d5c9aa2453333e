package dev.ember.executor.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.onnx.OnnxModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The embedder's own logic (null rows, ordering, micro-batches, feeds, output checks, threads,
 * lifecycle) over a fake forward function: token state k of a token depends only on its id and
 * position, and padded positions hold 1e6 so that any leak of padding into a vector shows.
 */
class SentenceEmbedderTest {
  static final int H = 8;
  static final TensorType TOKENS =
      new TensorType(DType.INT64, Shape.of(List.of(Dim.symbolic("batch"), Dim.symbolic("seq"))));
  static final TensorType STATES =
      new TensorType(
          DType.FLOAT, Shape.of(List.of(Dim.symbolic("batch"), Dim.symbolic("seq"), Dim.fixed(H))));

  static final List<String> TEXTS =
      Arrays.asList(
          "first text",
          null,
          "a somewhat longer second text with more words",
          "",
          "x",
          "  ",
          "Größe 🚀",
          TextFixtures.words(300),
          "last");

  /** Token states of a fake encoder; padding (mask 0) is 1e6 everywhere. */
  static Tensor fakeStates(Tensor ids, Tensor mask) {
    int b = ids.dim(0);
    int s = ids.dim(1);
    float[] out = new float[b * s * H];
    for (int i = 0; i < b * s; i++) {
      for (int k = 0; k < H; k++) {
        out[i * H + k] =
            mask.getLong(i) == 0
                ? 1e6f
                : (float) Math.sin(ids.getLong(i) * 0.01 * (k + 1) + (i % s) * 0.3);
      }
    }
    return Tensor.ofFloats(new int[] {b, s, H}, out);
  }

  static ForwardFn fake(String output, Set<String> expectedFeeds, AtomicInteger calls) {
    return feeds -> {
      calls.incrementAndGet();
      assertEquals(expectedFeeds, feeds.keySet());
      return Map.of(output, fakeStates(feeds.get("input_ids"), feeds.get("attention_mask")));
    };
  }

  static OnnxModel model(List<ValueInfo> inputs, List<ValueInfo> outputs) {
    Graph g = new Graph("fake", List.of(), inputs, outputs, Map.of(), Map.of(), Map.of("", 11));
    return new OnnxModel("fake.onnx", "0", 8, "test", Map.of("", 11), g);
  }

  static OnnxModel bert() {
    return model(
        List.of(
            new ValueInfo("input_ids", TOKENS),
            new ValueInfo("attention_mask", TOKENS),
            new ValueInfo("token_type_ids", TOKENS)),
        List.of(new ValueInfo("last_hidden_state", STATES)));
  }

  static SentenceEmbedder embedder(int batchRows, AtomicInteger calls) {
    return SentenceEmbedder.create(
        bert(),
        fake("last_hidden_state", Set.of("input_ids", "attention_mask", "token_type_ids"), calls),
        TextFixtures.builtinTokenizer(256),
        batchRows);
  }

  /** What one text alone, unpadded, must give. */
  static float[] alone(TextTokenizer tok, String text) {
    TokenBatch b = tok.encodeBatch(List.of(text));
    Tensor mask = b.attentionMask(DType.INT64);
    return Pooling.meanPoolNormalized(fakeStates(b.inputIds(DType.INT64), mask), mask)[0];
  }

  @Test
  void blankRowsAreNullAndOrderIsKept() {
    AtomicInteger calls = new AtomicInteger();
    try (SentenceEmbedder e = embedder(2, calls);
        TextTokenizer tok = TextFixtures.builtinTokenizer(256)) {
      float[][] got = e.embed(TEXTS);
      assertEquals(TEXTS.size(), got.length);
      for (int i = 0; i < TEXTS.size(); i++) {
        String t = TEXTS.get(i);
        if (t == null || t.isBlank()) {
          assertNull(got[i], "row " + i);
        } else {
          assertNotNull(got[i], "row " + i);
          assertArrayEquals(alone(tok, t), got[i], 1e-6f, "row " + i);
        }
      }
      assertEquals(3, calls.get(), "6 texts in batches of 2");
      EmbedStats s = e.stats();
      assertEquals(6, s.texts());
      assertEquals(3, s.batches());
      assertTrue(s.paddedTokens() >= s.realTokens());
    }
  }

  @Test
  void batchSizeDoesNotChangeResults() {
    AtomicInteger calls = new AtomicInteger();
    try (SentenceEmbedder one = embedder(1, calls);
        SentenceEmbedder many = embedder(100, calls)) {
      float[][] a = one.embed(TEXTS);
      float[][] b = many.embed(TEXTS);
      for (int i = 0; i < TEXTS.size(); i++) {
        assertArrayEquals(a[i], b[i], "row " + i);
      }
      assertEquals(1, many.stats().batches());
    }
  }

  @Test
  void onlyBlankRowsRunNothing() {
    AtomicInteger calls = new AtomicInteger();
    try (SentenceEmbedder e = embedder(4, calls)) {
      float[][] got = e.embed(Arrays.asList(null, "", " \n"));
      assertArrayEquals(new float[3][], got);
      assertNull(e.embed((String) null));
      assertEquals(0, e.embed(List.of()).length);
      assertEquals(0, calls.get());
    }
  }

  @Test
  void feedsOnlyTheInputsTheGraphDeclaresInTheirType() {
    TensorType int32 = new TensorType(DType.INT32, TOKENS.shape());
    OnnxModel m =
        model(
            List.of(new ValueInfo("attention_mask", int32), new ValueInfo("input_ids", int32)),
            List.of(new ValueInfo("hidden", STATES)));
    ForwardFn f =
        feeds -> {
          assertEquals(Set.of("input_ids", "attention_mask"), feeds.keySet());
          assertEquals(DType.INT32, feeds.get("input_ids").dtype());
          return Map.of("hidden", fakeStates(feeds.get("input_ids"), feeds.get("attention_mask")));
        };
    try (SentenceEmbedder e = SentenceEmbedder.create(m, f, TextFixtures.builtinTokenizer(64), 8)) {
      assertEquals("hidden", e.outputName(), "the first output when none is last_hidden_state");
      assertEquals(H, e.dimension());
      assertEquals(H, e.embed("hello").length);
    }
  }

  @Test
  void modelsThatAreNotTextEncodersAreRejected() {
    ValueInfo ids = new ValueInfo("input_ids", TOKENS);
    TensorType pooled = TensorType.of(DType.FLOAT, 1, 384);
    assertUnsupported(model(List.of(ids), List.of(new ValueInfo("emb", pooled))), "emb");
    assertUnsupported(
        model(List.of(ids, new ValueInfo("pixel_values", TOKENS)), bert().graph().outputs()),
        "pixel_values");
    assertUnsupported(
        model(List.of(new ValueInfo("attention_mask", TOKENS)), bert().graph().outputs()),
        "input_ids");
    TensorType floats = new TensorType(DType.FLOAT, TOKENS.shape());
    assertUnsupported(
        model(List.of(new ValueInfo("input_ids", floats)), bert().graph().outputs()), "int64");
  }

  @Test
  void wrongOutputShapeAtRunTimeIsShapeMismatch() {
    ForwardFn bad =
        feeds -> Map.of("last_hidden_state", Tensor.zeros(DType.FLOAT, new int[] {1, 1, 4}));
    try (SentenceEmbedder e =
        SentenceEmbedder.create(bert(), bad, TextFixtures.builtinTokenizer(64), 8)) {
      EmberException ex = assertThrows(EmberException.class, () -> e.embed("two words"));
      assertEquals(ErrorCode.SHAPE_MISMATCH, ex.code());
      assertTrue(ex.getMessage().contains("last_hidden_state"), ex.getMessage());
    }
  }

  @Test
  void concurrentEmbedsMatchSequential() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (SentenceEmbedder e = embedder(3, calls)) {
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        texts.add(i % 7 == 0 ? null : TextFixtures.words(1 + (i * 13) % 120) + " " + i);
      }
      float[][] sequential = e.embed(texts);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[][]>> futures = new ArrayList<>();
        for (int w = 0; w < 16; w++) {
          futures.add(pool.submit(() -> e.embed(texts)));
        }
        for (Future<float[][]> f : futures) {
          float[][] got = f.get();
          for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(sequential[i], got[i], "row " + i);
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseNamesTheEmbedder() {
    SentenceEmbedder e = embedder(4, new AtomicInteger());
    e.close();
    e.close();
    IllegalStateException ex = assertThrows(IllegalStateException.class, () -> e.embed("hi"));
    assertTrue(ex.getMessage().contains("SentenceEmbedder 'fake.onnx' is closed"), ex.getMessage());
  }

  @Test
  void badBatchRowsIsABadArgument() {
    try (TextTokenizer tok = TextFixtures.builtinTokenizer(64)) {
      assertThrows(
          IllegalArgumentException.class,
          () -> SentenceEmbedder.create(bert(), f -> Map.of(), tok, 0));
    }
  }

  private static void assertUnsupported(OnnxModel m, String mentioned) {
    try (TextTokenizer tok = TextFixtures.builtinTokenizer(64)) {
      EmberException e =
          assertThrows(
              EmberException.class, () -> SentenceEmbedder.create(m, f -> Map.of(), tok, 8));
      assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code());
      assertTrue(e.getMessage().contains(mentioned), e.getMessage());
    }
  }
}
