package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.CudaBackend;
import dev.ember.executor.backend.cuda.CudaOptions;
import dev.ember.executor.backend.cuda.GemmPrecision;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.InMemoryVariantStore;
import dev.ember.executor.ir.Graph;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How much the device check runs: {@link #DEVICE} is what a lent GPU runs and the targets are read
 * at; a rehearsal on the host emulator runs every section the same way at sizes it finishes in a
 * minute or two, so that a fault in the check's own flow shows here, not in device time.
 *
 * @param miniLmSentences sentences section (b) embeds on the device and the interpreter
 * @param corpusSentences how many of the pre-tokenized corpus's sentences the check reads
 * @param captureSizes batch sizes captured at level 3
 * @param seqBuckets sequence buckets of the level-3 wrapper
 * @param batches batch sizes of the throughput plans, smallest first (length-sorted at each,
 *     corpus order at the largest); section (b) runs batches of the smallest
 * @param gemmTokens rows of the model-shaped GEMMs the side checks take
 * @param gemmShapes section (d)'s GEMMs, by name
 * @param maxGemmLaunches launches timed per GEMM route at most (large GEMMs take 20)
 * @param profileRows rows of the variant section (e) profiles
 * @param profileSeq its sequence length
 * @param profileCalls whole calls timed there
 * @param profileReplays graph replays timed there
 * @param profileRepeats launches per step there
 * @param timedPasses passes over the corpus per throughput row, best kept
 * @param profilePasses graph replays per variant for the throughput rows' device seconds
 * @param gemmTuning whether the backends measure GEMM routes per shape, as users get them
 */
record CheckSize(int miniLmSentences, int corpusSentences, List<Integer> captureSizes,
    List<Integer> seqBuckets, List<Integer> batches, int gemmTokens,
    Map<String, GemmShape> gemmShapes, int maxGemmLaunches, int profileRows, int profileSeq,
    int profileCalls, int profileReplays, int profileRepeats, int timedPasses, int profilePasses,
    boolean gemmTuning) {

  /** The sizes of a device run: the whole corpus, MiniLM's shapes at 2,048 tokens, 4096^3. */
  static final CheckSize DEVICE = new CheckSize(64, Integer.MAX_VALUE, List.of(8, 16, 32, 64),
      List.of(16, 24, 32, 48, 64, 96, 128, 256), List.of(32, 64), 2048, deviceGemms(), 200, 64,
      32, 50, 50, 20, 5, 20, true);

  CheckSize {
    captureSizes = List.copyOf(captureSizes);
    seqBuckets = List.copyOf(seqBuckets);
    batches = List.copyOf(batches);
    gemmShapes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(gemmShapes));
  }

  /** The model's projections and the square GEMM multiply by a weight; the scores do not. */
  private static Map<String, GemmShape> deviceGemms() {
    Map<String, GemmShape> s = new LinkedHashMap<>();
    s.put("minilm qkv/out 2048x384x384", GemmShape.onWeight(2048, 384, 384));
    s.put("minilm ffn-up 2048x1536x384", GemmShape.onWeight(2048, 1536, 384));
    s.put("minilm ffn-down 2048x384x1536", GemmShape.onWeight(2048, 384, 1536));
    s.put("minilm qkv/out 256x384x384", GemmShape.onWeight(256, 384, 384));
    s.put("minilm ffn-down 256x384x1536", GemmShape.onWeight(256, 384, 1536));
    s.put("minilm scores 768x(32x32x32)", GemmShape.rowMajor(768, 32, 32, 32));
    s.put("minilm scores 384x(64x64x32)", GemmShape.rowMajor(384, 64, 64, 32));
    s.put("square 4096^3", GemmShape.onWeight(4096, 4096, 4096));
    return s;
  }

  /** Section (d)'s square GEMMs and those of the model at {@link #gemmTokens} rows. */
  Map<String, GemmShape> squareAndFullBatch() {
    return fullBatch(true);
  }

  /** Section (d)'s model GEMMs at {@link #gemmTokens} rows. */
  Map<String, GemmShape> fullBatch() {
    return fullBatch(false);
  }

  /** The square GEMMs first: the side checks' most wanted rows, should their time run out. */
  private Map<String, GemmShape> fullBatch(boolean withSquare) {
    Map<String, GemmShape> out = new LinkedHashMap<>();
    gemmShapes.forEach((name, s) -> {
      if (name.startsWith("square") && withSquare) {
        out.put(name, s);
      }
    });
    gemmShapes.forEach((name, s) -> {
      if (!name.startsWith("square") && s.batch() == 1 && s.m() == gemmTokens) {
        out.put(name, s);
      }
    });
    return out;
  }

  /** Launches timed for one route of {@code s}. */
  int launches(GemmShape s) {
    return Math.min(maxGemmLaunches, s.flops() > 1e11 ? 20 : 200);
  }

  /** The CUDA backend's settings at {@code p}, GEMMs chosen as users get them. */
  CudaOptions options(GemmPrecision p, boolean graphs) {
    // An H100 holds every captured variant of the run; the default 4 GiB would not.
    return new CudaOptions("auto", p, graphs, 48L << 30, gemmTuning);
  }

  /** A level-3 wrapper of {@code graph} on {@code cuda} at these capture sizes and buckets. */
  CompileWrapper wrapper(Graph graph, CudaBackend cuda, InMemoryVariantStore store) {
    CompileOptions o = CompileOptions.level(3).withCaptureSizes(captureSizes)
        .withSeqBuckets(seqBuckets);
    return CompileWrapper.builder(o).backend(cuda).store(store).build(graph);
  }
}
