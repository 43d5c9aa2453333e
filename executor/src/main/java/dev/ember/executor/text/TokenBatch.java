package dev.ember.executor.text;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;

/**
 * Token ids of a batch of texts, one row per text, and the model inputs built from them: {@code
 * [rows, longest row]} tensors padded with id 0 and attention mask 0. Immutable; built by {@link
 * TextTokenizer#encodeBatch}.
 */
public final class TokenBatch {
  private final long[][] rows;
  private final int seqLen;
  private final int truncated;

  TokenBatch(long[][] rows) {
    this(rows, 0);
  }

  TokenBatch(long[][] rows, int truncated) {
    this.rows = rows;
    this.truncated = truncated;
    int longest = 0;
    for (long[] r : rows) {
      longest = Math.max(longest, r.length);
    }
    this.seqLen = longest;
  }

  /** The rows at {@code indices}, in that order, padded to their own longest row. */
  TokenBatch select(int[] indices, int from, int to) {
    long[][] picked = new long[to - from][];
    for (int i = from; i < to; i++) {
      picked[i - from] = rows[indices[i]];
    }
    return new TokenBatch(picked);
  }

  /** Rows whose text was cut to the tokenizer's maxLength (as encoded; 0 after select). */
  public int truncated() {
    return truncated;
  }

  /** Number of rows (texts). */
  public int size() {
    return rows.length;
  }

  /** Length of the longest row: the padded sequence length. */
  public int seqLen() {
    return seqLen;
  }

  /** Tokens in row {@code row}, before padding. */
  public int length(int row) {
    return rows[row].length;
  }

  /** The ids of row {@code row}, before padding (a copy). */
  public long[] ids(int row) {
    return rows[row].clone();
  }

  /** Tokens in the padded batch: {@code size() * seqLen()}. */
  public long paddedTokens() {
    return (long) rows.length * seqLen;
  }

  /** Tokens in all rows before padding. */
  public long realTokens() {
    long n = 0;
    for (long[] r : rows) {
      n += r.length;
    }
    return n;
  }

  /** {@code input_ids} as {@code [size, seqLen]} of an integer type, padded with 0. */
  public Tensor inputIds(DType dtype) {
    long[] out = new long[rows.length * seqLen];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * seqLen, rows[i].length);
    }
    return Tensor.ofLongs(dtype, shape(), out);
  }

  /** {@code attention_mask}: 1 on real tokens, 0 on padding. */
  public Tensor attentionMask(DType dtype) {
    long[] out = new long[rows.length * seqLen];
    for (int i = 0; i < rows.length; i++) {
      java.util.Arrays.fill(out, i * seqLen, i * seqLen + rows[i].length, 1L);
    }
    return Tensor.ofLongs(dtype, shape(), out);
  }

  /** {@code token_type_ids}: all zeros (one segment per text). */
  public Tensor tokenTypeIds(DType dtype) {
    return Tensor.zeros(dtype, shape());
  }

  private int[] shape() {
    return new int[] {rows.length, seqLen};
  }
}
