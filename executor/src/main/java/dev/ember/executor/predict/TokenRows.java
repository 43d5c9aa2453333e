package dev.ember.executor.predict;

import dev.ember.executor.ir.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The token inputs of a transformer, built for one text (or text pair) from its token ids: {@code
 * input_ids}, {@code attention_mask} (ones) and {@code token_type_ids} (zeros for one text, each
 * token's segment for a pair), each of the element type its graph input declares. One place for the sentence embedder and the predict UDF's text columns.
 */
public final class TokenRows {
  public static final String INPUT_IDS = "input_ids";
  public static final String ATTENTION_MASK = "attention_mask";
  public static final String TOKEN_TYPE_IDS = "token_type_ids";

  /** The input names a tokenizer can feed. */
  public static final Set<String> NAMES = Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);

  private TokenRows() {}

  /**
   * Fills {@code row[i]} for every port of {@code inputs} that is a token input, from {@code ids};
   * other entries are left as they are.
   */
  public static void fill(List<Port> inputs, long[] ids, Tensor[] row) {
    fill(inputs, ids, null, row);
  }

  /**
   * Like {@link #fill(List, long[], Tensor[])} for a text pair: {@code typeIds} (same length as
   * {@code ids}) feed {@code token_type_ids}; null means one text, all zeros.
   */
  public static void fill(List<Port> inputs, long[] ids, long[] typeIds, Tensor[] row) {
    int[] shape = {ids.length};
    for (int i = 0; i < inputs.size(); i++) {
      Port p = inputs.get(i);
      switch (p.name()) {
        case INPUT_IDS -> row[i] = Tensor.ofLongs(p.dtype(), shape, ids.clone());
        case ATTENTION_MASK -> {
          long[] ones = new long[ids.length];
          Arrays.fill(ones, 1L);
          row[i] = Tensor.ofLongs(p.dtype(), shape, ones);
        }
        case TOKEN_TYPE_IDS -> row[i] = typeIds == null ? Tensor.zeros(p.dtype(), shape)
            : Tensor.ofLongs(p.dtype(), shape, typeIds.clone());
        default -> { }
      }
    }
  }
}
