package dev.ember.executor.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue #16: a text longer than maxLength keeps its head and the closing special token, and is
 * counted; a text of exactly maxLength tokens is not.
 */
class TruncationTest {
  private static final String LONG = "one two three four five six seven eight nine ten";
  /** Six words of one token each, plus [CLS] and [SEP]: exactly 8 tokens. */
  private static final String EXACT = "one two three four five six";

  private static TextTokenizer tokenizer(int maxLength) throws IOException {
    try (InputStream in = TruncationTest.class.getClassLoader()
        .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
      return TextTokenizer.fromJson(in.readAllBytes(), "all-minilm-l6-v2", maxLength);
    }
  }

  @Test
  void aLongTextKeepsItsHeadAndIsCounted() throws IOException {
    try (TextTokenizer full = tokenizer(512); TextTokenizer cut = tokenizer(8)) {
      long[] all = full.encode(LONG);
      assertEquals(12, all.length, Arrays.toString(all)); // [CLS] + 10 words + [SEP]
      long[] head = cut.encode(LONG);
      long[] want = Arrays.copyOf(Arrays.copyOf(all, 7), 8);
      want[7] = all[all.length - 1]; // [SEP] closes the cut text
      assertArrayEquals(want, head);
      assertArrayEquals(full.encode(EXACT), head, "the head of LONG is EXACT");
      assertEquals(1, cut.truncatedCount());
      assertEquals(0, full.truncatedCount());
    }
  }

  @Test
  void aTextOfExactlyMaxLengthIsNotCounted() throws IOException {
    try (TextTokenizer cut = tokenizer(8)) {
      assertEquals(8, cut.encode(EXACT).length);
      assertEquals(0, cut.truncatedCount());
    }
  }

  @Test
  void aBatchCountsItsCutRows() throws IOException {
    try (TextTokenizer cut = tokenizer(8)) {
      TokenBatch b = cut.encodeBatch(List.of(LONG, "hello", EXACT, LONG + " " + LONG));
      assertEquals(2, b.truncated());
      assertEquals(8, b.seqLen());
      assertEquals(2, cut.truncatedCount());
    }
  }
}
