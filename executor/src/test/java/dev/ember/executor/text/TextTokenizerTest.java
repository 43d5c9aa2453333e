package dev.ember.executor.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The builtin MiniLM tokenizer with Ember's explicit settings. */
class TextTokenizerTest {
  static final long CLS = 101;
  static final long SEP = 102;

  static TextTokenizer tok;

  @BeforeAll
  static void load() {
    tok = TextFixtures.builtinTokenizer(TextTokenizer.DEFAULT_MAX_LENGTH);
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  @Test
  void addsClsAndSepAndLowerCases() {
    long[] ids = tok.encode("Hello world");
    assertEquals(CLS, ids[0]);
    assertEquals(SEP, ids[ids.length - 1]);
    assertArrayEquals(tok.encode("hello WORLD"), ids, "the BERT tokenizer lower-cases");
    assertArrayEquals(new long[] {CLS, SEP}, tok.encode(""));
  }

  @Test
  void shortTextIsNotPadded() {
    // The tokenizer.json asks for fixed padding to 128; Ember turns padding off.
    assertEquals(4, tok.encode("Hello world").length);
  }

  @Test
  void longTextIsTruncatedAt256NotAt128() {
    long[] ids = tok.encode(TextFixtures.words(300));
    assertEquals(256, ids.length);
    assertEquals(CLS, ids[0]);
    assertEquals(SEP, ids[255], "truncation keeps [SEP] at the end");
  }

  @Test
  void maxLengthIsConfigurable() {
    try (TextTokenizer t64 = TextFixtures.builtinTokenizer(64)) {
      assertEquals(64, t64.encode(TextFixtures.words(300)).length);
      assertEquals(64, t64.maxLength());
    }
    try (TextTokenizer t600 = TextFixtures.builtinTokenizer(600)) {
      assertEquals(302, t600.encode(TextFixtures.words(300)).length);
    }
  }

  @Test
  void batchPadsToTheLongestRowWithMask() {
    TokenBatch b = tok.encodeBatch(List.of("Hello world", "a b c d e f", ""));
    assertEquals(3, b.size());
    assertEquals(8, b.seqLen());
    assertEquals(List.of(4, 8, 2), List.of(b.length(0), b.length(1), b.length(2)));
    Tensor ids = b.inputIds(DType.INT64);
    Tensor mask = b.attentionMask(DType.INT64);
    assertArrayEquals(new int[] {3, 8}, ids.shape());
    assertArrayEquals(
        new long[] {CLS, 7592, 2088, SEP, 0, 0, 0, 0}, java.util.Arrays.copyOf(ids.rawLongs(), 8));
    assertArrayEquals(
        new long[] {1, 1, 1, 1, 0, 0, 0, 0}, java.util.Arrays.copyOf(mask.rawLongs(), 8));
    assertArrayEquals(new long[24], b.tokenTypeIds(DType.INT64).rawLongs());
    assertEquals(DType.INT32, b.inputIds(DType.INT32).dtype());
    assertEquals(14, b.realTokens());
    assertEquals(24, b.paddedTokens());
  }

  @Test
  void nonAsciiAndEmojiTokenize() {
    long[] ids = tok.encode("Größe café 東京 🚀");
    assertEquals(CLS, ids[0]);
    assertTrue(ids.length > 5, "got " + ids.length + " ids");
  }

  @Test
  void concurrentEncodesMatchSequential() throws Exception {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      texts.add(TextFixtures.words(1 + (i * 37) % 300) + " #" + i);
    }
    List<long[]> expected = new ArrayList<>();
    for (String t : texts) {
      expected.add(tok.encode(t));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<List<long[]>>> futures = new ArrayList<>();
      for (int w = 0; w < 8; w++) {
        futures.add(
            pool.submit(
                () -> {
                  List<long[]> got = new ArrayList<>();
                  for (String t : texts) {
                    got.add(tok.encode(t));
                  }
                  return got;
                }));
      }
      for (Future<List<long[]>> f : futures) {
        List<long[]> got = f.get();
        for (int i = 0; i < texts.size(); i++) {
          assertArrayEquals(expected.get(i), got.get(i), "text #" + i);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseNamesTheTokenizer() {
    TextTokenizer t = TextFixtures.builtinTokenizer(32);
    t.close();
    t.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.encode("x"));
    assertTrue(e.getMessage().contains("TextTokenizer"), e.getMessage());
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> t.encodeBatch(List.of("x")));
  }

  @Test
  void nullTextIsRejected() {
    List<String> withNull = java.util.Arrays.asList("a", null);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> tok.encodeBatch(withNull));
    assertTrue(e.getMessage().contains("#1"), e.getMessage());
  }

  @Test
  void invalidJsonIsModelInvalid() {
    byte[] junk = "{ not a tokenizer".getBytes(StandardCharsets.UTF_8);
    EmberException e =
        assertThrows(EmberException.class, () -> TextTokenizer.fromJson(junk, "junk.json", 256));
    assertEquals(ErrorCode.MODEL_INVALID, e.code());
    assertTrue(e.getMessage().contains("junk.json"), e.getMessage());
  }

  @Test
  void tooSmallMaxLengthIsRejected() {
    byte[] json = TextFixtures.builtinTokenizerJson();
    assertThrows(IllegalArgumentException.class, () -> TextTokenizer.fromJson(json, "t", 1));
  }
}
