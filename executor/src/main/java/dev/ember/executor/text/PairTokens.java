package dev.ember.executor.text;

/**
 * The tokens of one text pair: {@code ids} and, per token, the segment it belongs to ({@code
 * typeIds}: 0 for the first text, 1 for the second), the same length.
 */
public record PairTokens(long[] ids, long[] typeIds) {
  public PairTokens {
    if (ids.length != typeIds.length) {
      throw new IllegalArgumentException(
          "PairTokens: " + ids.length + " ids but " + typeIds.length + " type ids");
    }
    ids = ids.clone();
    typeIds = typeIds.clone();
  }

  @Override
  public long[] ids() {
    return ids.clone();
  }

  @Override
  public long[] typeIds() {
    return typeIds.clone();
  }
}
