package dev.ember.bench;

/**
 * What each engine runs, untimed, before the timed rounds of a batching ({@link Interleaved}). A
 * full extra pass of everything would double a run that must fit in about ten minutes on two
 * cores, so the warm-up does only what a full pass would leave done:
 *
 * <ul>
 *   <li>ONNX Runtime and levels 0 and 2: {@link #BATCHES} batches spread over the plan (the JIT,
 *       ONNX Runtime's arena, level 2's one general variant);
 *   <li>level 1: one batch of each of the first {@code maxVariants + 1} distinct padded shapes of
 *       the plan (in plan order), so that it compiles every variant the timed pass needs: a static
 *       one per shape up to {@code maxVariants}, then the general one;
 *   <li>level 3: the same calls the timed rounds make run first through a {@link ShapeProbe}
 *       embedder (same options, a backend that only returns zeros) to learn which captured (batch,
 *       seq) variants they dispatch; each of those is compiled and run once on a synthetic batch
 *       of its shape, then {@link #BATCHES} spread batches run as above.
 * </ul>
 */
final class WarmUp {
  /** Spread warm-up batches per pass; fewer on a short plan (a quarter of it, at least 1). */
  static final int BATCHES = 8;

  private WarmUp() {}

  /** How many spread batches warm up a plan of {@code planSize} batches. */
  static int batches(int planSize) {
    return Math.max(1, Math.min(BATCHES, planSize / 4));
  }

  static String describe() {
    return "untimed warm-up before each batching: ONNX Runtime and levels 0 and 2 run up to "
        + BATCHES + " batches spread over the plan; level 1 runs one batch of each of its first"
        + " maxVariants + 1 distinct padded shapes (compiling every variant the pass needs);"
        + " level 3 compiles and runs once each captured variant the pass dispatches (found by a"
        + " dry run with a backend that returns zeros), then runs up to " + BATCHES
        + " spread batches";
  }
}
