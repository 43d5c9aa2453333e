package dev.ember.executor.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.models.MiniLmFixture;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * all-MiniLM-L6-v2 at every level gives the level-0 outputs, with {@link TestCompilers#backend()}
 * (the interpreter) compiling levels 1-3. Levels 1 and 2, and level 3 padding rows only, are bit
 * for bit. Padding the sequence gives the masked keys attention weight exactly 0, but lengthens the
 * K dim of the attention GEMMs, and the reference Sgemm sums K in steps of 4 plus a tail, so the
 * rounding moves by ~1e-7: level 3 is checked at rtol 1e-4 there. Small batches keep it quick.
 */
class MiniLmLevelsTest {
  private static Graph minilm;
  private static String hash;

  @BeforeAll
  static void load() {
    minilm = MiniLmFixture.graph();
    hash = GraphHash.of(minilm);
  }

  /** Token rows of the given lengths (then zero padding), as the tokenizer would give them. */
  static Map<String, Tensor> tokens(long seed, int... lengths) {
    int b = lengths.length;
    int s = 0;
    for (int l : lengths) {
      s = Math.max(s, l);
    }
    Random r = new Random(seed);
    long[] ids = new long[b * s];
    long[] mask = new long[b * s];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < lengths[i]; j++) {
        ids[i * s + j] = j == 0 ? 101 : j == lengths[i] - 1 ? 102 : 1000 + r.nextInt(20000);
        mask[i * s + j] = 1;
      }
    }
    int[] shape = {b, s};
    return Map.of(
        "input_ids", Tensor.ofLongs(DType.INT64, shape, ids),
        "attention_mask", Tensor.ofLongs(DType.INT64, shape, mask),
        "token_type_ids", Tensor.ofLongs(DType.INT64, shape, new long[b * s]));
  }

  private static CompileWrapper wrapper(CompileOptions o) {
    return TestCompilers.builder(o).graphHash(hash).build(minilm);
  }

  @Test
  void levelsOneAndTwoMatchLevelZero() {
    CompileWrapper l0 = wrapper(CompileOptions.level(0));
    Map<String, Tensor> in = tokens(1, 9, 5, 2);
    Map<String, Tensor> want = l0.call(in);
    TestCompilers.assertMatches(want, wrapper(CompileOptions.level(1)).call(in), "level 1");
    TestCompilers.assertMatches(want, wrapper(CompileOptions.level(2)).call(in), "level 2");
  }

  @Test
  void levelThreePaddedAndSplitMatchesLevelZero() {
    CompileWrapper l0 = wrapper(CompileOptions.level(0));
    CompileWrapper l3 =
        wrapper(
            CompileOptions.level(3).withCaptureSizes(List.of(1, 4)).withSeqBuckets(List.of(8, 16)));
    // 5 rows of up to 11 tokens: 4 rows padded to 16 positions, then 1 row.
    Map<String, Tensor> in = tokens(2, 11, 3, 7, 2, 9);
    DispatchModels.assertClose(l0.call(in), l3.call(in), 1e-4, 1e-5, "level 3, 5 x 11");
    // 3 rows of up to 8 tokens: padded to 4 x 8, rows only, so bit for bit.
    Map<String, Tensor> rowsOnly = tokens(3, 8, 4, 2);
    TestCompilers.assertMatches(l0.call(rowsOnly), l3.call(rowsOnly), "level 3, 3 x 8");
    WrapperStats s = l3.stats();
    assertEquals(8, s.realRows());
    assertEquals(9, s.paddedRows());
    assertEquals(5 * 11 + 3 * 8, s.realTokens());
    assertEquals(4 * 16 + 16 + 4 * 8, s.paddedTokens());
  }
}
