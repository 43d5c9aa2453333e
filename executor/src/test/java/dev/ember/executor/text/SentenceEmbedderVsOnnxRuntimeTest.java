package dev.ember.executor.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The builtin all-MiniLM-L6-v2 embedded by {@link SentenceEmbedder} against the recipe computed
 * independently ({@link OrtReference}: its own tokenizer set-up, ONNX Runtime one unpadded sentence
 * at a time, its own pooling): cosine >= 0.9999 on every row.
 */
class SentenceEmbedderVsOnnxRuntimeTest {
  static final double MIN_COSINE = 0.9999;

  static OrtReference reference;
  static List<String> texts;
  static float[][] expected;

  @BeforeAll
  static void computeReference() throws Exception {
    reference =
        new OrtReference(
            TextFixtures.builtinModel(),
            TextFixtures.builtinTokenizerJson(),
            TextTokenizer.DEFAULT_MAX_LENGTH);
    texts = OrtReference.withBlanks(TextFixtures.SENTENCES);
    expected = new float[texts.size()][];
    for (int i = 0; i < texts.size(); i++) {
      expected[i] = reference.embed(texts.get(i));
    }
  }

  @AfterAll
  static void closeReference() throws Exception {
    reference.close();
  }

  /** The text pipeline alone (tokenize, pad, sort, pool), with ONNX Runtime as the backend. */
  @Test
  void pipelineOverOnnxRuntimeMatchesReference() {
    OnnxModel model = OnnxLoader.load(TextFixtures.builtinModel(), "all-minilm-l6-v2.onnx");
    TextTokenizer tok = TextFixtures.builtinTokenizer(TextTokenizer.DEFAULT_MAX_LENGTH);
    try (SentenceEmbedder e = SentenceEmbedder.create(model, reference.asForwardFn(), tok, 8)) {
      assertMatches("pipeline over ORT", e.embed(texts));
    }
  }

  /** Ember end to end: builtin spec, interpreter (compile level 0), then 4 threads at once. */
  @Test
  @Tag("slow")
  void interpreterMatchesReference() throws Exception {
    long t0 = System.nanoTime();
    try (SentenceEmbedder e =
        SentenceEmbedder.load(
            ModelSpec.parse(ModelSpec.DEFAULT),
            ModelFiles.local(),
            TextTokenizer.DEFAULT_MAX_LENGTH)) {
      long t1 = System.nanoTime();
      assertEquals(384, e.dimension());
      assertEquals("last_hidden_state", e.outputName());
      float[][] got = e.embed(texts);
      long t2 = System.nanoTime();
      assertMatches("interpreter", got);
      EmbedStats s = e.stats();
      System.out.printf(
          "SentenceEmbedder (interpreter): load %.0f ms, embed %d texts in %.0f ms "
              + "(%d batches, %d real / %d padded tokens)%n",
          (t1 - t0) / 1e6,
          s.texts(),
          (t2 - t1) / 1e6,
          s.batches(),
          s.realTokens(),
          s.paddedTokens());

      List<String> subset = texts.subList(0, 24);
      float[][] sequential = e.embed(subset);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<float[][]>> futures = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
          Callable<float[][]> job = () -> e.embed(subset);
          futures.add(pool.submit(job));
        }
        for (Future<float[][]> f : futures) {
          float[][] concurrent = f.get();
          for (int i = 0; i < subset.size(); i++) {
            assertArrayEquals(sequential[i], concurrent[i], "row " + i + " from 4 threads");
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static void assertMatches(String what, float[][] got) {
    assertEquals(texts.size(), got.length);
    double min = 1;
    int worst = -1;
    for (int i = 0; i < texts.size(); i++) {
      if (expected[i] == null) {
        assertNull(got[i], what + ": row " + i + " (" + texts.get(i) + ") must be null");
        continue;
      }
      assertNotNull(got[i], what + ": row " + i);
      assertEquals(expected[i].length, got[i].length);
      double c = OrtReference.cosine(expected[i], got[i]);
      if (c < min) {
        min = c;
        worst = i;
      }
    }
    System.out.printf(
        "%s: min cosine %.9f (1 - cos = %.2e) over %d texts (worst row %d)%n",
        what, min, 1 - min, texts.size(), worst);
    assertTrue(
        min >= MIN_COSINE,
        what
            + ": cosine "
            + min
            + " < "
            + MIN_COSINE
            + " on row "
            + worst
            + ": "
            + texts.get(worst));
  }
}
