package dev.ember.executor.dispatch;

import java.util.List;

/**
 * How a {@link CompileWrapper} compiles a model's forward (vLLM's compilation levels).
 *
 * <ul>
 *   <li>0: no compilation; the interpreter runs the original graph.
 *   <li>1: one static variant per distinct input shape, chosen by guards on every call; at most
 *       {@code maxVariants}, beyond that the general variant runs and a warning names the shapes.
 *   <li>2: one general variant with symbolic batch and seq dims, run with no guards.
 *   <li>3: static variants for {@code captureSizes} x {@code seqBuckets}; each call is padded up to
 *       the nearest captured (batch, seq), batches above the largest size are split, outputs are
 *       sliced back. A seq above the largest bucket runs the general variant ({@link
 *       SeqOverflow#GENERAL}) or fails ({@link SeqOverflow#FAIL}).
 * </ul>
 *
 * <p>Which input dims are batch and seq comes from the graph's symbolic dim names: {@code batchDim}
 * and {@code seqDim} when given, else the symbol at axis 0 of the inputs (batch) and the symbol at
 * axis 1 of the rank-2+ inputs (seq). Padding fills with zeros, so level 3 suits models whose rows
 * are independent and whose padded positions are masked (transformer encoders with an attention
 * mask).
 *
 * <pre>{@code
 * CompileOptions o = CompileOptions.level(3).withCaptureSizes(List.of(1, 8, 32));
 * }</pre>
 *
 * @param level 0 to 3
 * @param maxVariants level 1: most static variants before the general one takes new shapes
 * @param captureSizes level 3: batch sizes that get a variant, strictly ascending, each >= 1
 * @param seqBuckets level 3: sequence lengths that get a variant, strictly ascending, each >= 1
 * @param captureAhead level 3: compile every (batch, seq) variant when the wrapper is built rather
 *     than on first use
 * @param batchDim symbolic dim name that is the batch, or null to detect it
 * @param seqDim symbolic dim name that is the sequence, or null to detect it
 * @param seqOverflow level 3: what a sequence longer than the largest bucket does
 */
public record CompileOptions(
    int level,
    int maxVariants,
    List<Integer> captureSizes,
    List<Integer> seqBuckets,
    boolean captureAhead,
    String batchDim,
    String seqDim,
    SeqOverflow seqOverflow) {

  /** Level 1's bound on static variants; Dynamo's default recompile limit is 8. */
  public static final int DEFAULT_MAX_VARIANTS = 16;

  /** Powers of two, so padding a batch up never more than doubles it. */
  public static final List<Integer> DEFAULT_CAPTURE_SIZES = List.of(1, 2, 4, 8, 16, 32, 64);

  /**
   * Steps of 4 tokens up to 32 and of 8 up to 64, where most real sentences are (median 26 tokens
   * on the project's corpus), coarser above; 512 is BERT's position limit. On the 4,000 WordNet
   * glosses of data/sample (mean 18 tokens) in batches of 32 they pad 1.12x the real tokens,
   * against 1.43x for [16, 32, 48, 64, ...] and 1.03x for batches padded to their own longest row.
   * Variants compile lazily, so unused buckets cost nothing.
   */
  public static final List<Integer> DEFAULT_SEQ_BUCKETS =
      List.of(8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 128, 160, 192, 256, 384, 512);

  /** What level 3 does with a sequence longer than the largest bucket. */
  public enum SeqOverflow {
    /** Run the general (symbolic) variant on the unpadded inputs. */
    GENERAL,
    /** Throw BAD_INPUT naming the length and the largest bucket. */
    FAIL
  }

  public CompileOptions {
    if (level < 0 || level > 3) {
      throw new IllegalArgumentException("CompileOptions: level must be 0 to 3, but was " + level);
    }
    if (maxVariants < 1) {
      throw new IllegalArgumentException(
          "CompileOptions: maxVariants must be >= 1, but was " + maxVariants);
    }
    captureSizes = ascending("captureSizes", captureSizes);
    seqBuckets = ascending("seqBuckets", seqBuckets);
    if (seqOverflow == null) {
      throw new IllegalArgumentException("CompileOptions: seqOverflow must be set");
    }
    batchDim = blankToNull(batchDim);
    seqDim = blankToNull(seqDim);
    if (batchDim != null && batchDim.equals(seqDim)) {
      throw new IllegalArgumentException(
          "CompileOptions: batchDim and seqDim must differ, both were '" + batchDim + "'");
    }
  }

  /**
   * The compile cache's config factor for these options ({@code CacheKeyFactors.compileConfig}):
   * only what changes the code a variant compiles to, in a fixed text. That is the level; each
   * variant's shapes and backend options are in its own key, and capture sizes, sequence buckets,
   * the variant limit or eager capture only decide which variants exist, so changing them keeps
   * the cache warm.
   */
  public String cacheFactor() {
    return "level=" + level;
  }

  /** The defaults at {@code level}. */
  public static CompileOptions level(int level) {
    return new CompileOptions(
        level,
        DEFAULT_MAX_VARIANTS,
        DEFAULT_CAPTURE_SIZES,
        DEFAULT_SEQ_BUCKETS,
        false,
        null,
        null,
        SeqOverflow.GENERAL);
  }

  public CompileOptions withMaxVariants(int n) {
    return new CompileOptions(
        level, n, captureSizes, seqBuckets, captureAhead, batchDim, seqDim, seqOverflow);
  }

  public CompileOptions withCaptureSizes(List<Integer> sizes) {
    return new CompileOptions(
        level, maxVariants, sizes, seqBuckets, captureAhead, batchDim, seqDim, seqOverflow);
  }

  public CompileOptions withSeqBuckets(List<Integer> buckets) {
    return new CompileOptions(
        level, maxVariants, captureSizes, buckets, captureAhead, batchDim, seqDim, seqOverflow);
  }

  public CompileOptions withCaptureAhead(boolean ahead) {
    return new CompileOptions(
        level, maxVariants, captureSizes, seqBuckets, ahead, batchDim, seqDim, seqOverflow);
  }

  /** Names the batch and seq dims (null: detect). */
  public CompileOptions withDims(String batch, String seq) {
    return new CompileOptions(
        level, maxVariants, captureSizes, seqBuckets, captureAhead, batch, seq, seqOverflow);
  }

  public CompileOptions withSeqOverflow(SeqOverflow policy) {
    return new CompileOptions(
        level, maxVariants, captureSizes, seqBuckets, captureAhead, batchDim, seqDim, policy);
  }

  private static List<Integer> ascending(String what, List<Integer> values) {
    if (values == null || values.isEmpty()) {
      throw new IllegalArgumentException("CompileOptions: " + what + " must not be empty");
    }
    List<Integer> copy = List.copyOf(values);
    for (int i = 0; i < copy.size(); i++) {
      if (copy.get(i) < 1 || i > 0 && copy.get(i) <= copy.get(i - 1)) {
        throw new IllegalArgumentException(
            "CompileOptions: " + what + " must be strictly ascending sizes >= 1, but was " + copy);
      }
    }
    return copy;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
