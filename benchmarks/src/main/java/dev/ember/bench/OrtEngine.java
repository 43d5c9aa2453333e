package dev.ember.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.text.Pooling;
import dev.ember.executor.text.TextTokenizer;
import dev.ember.executor.text.TokenBatch;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reference: ONNX Runtime Java on one caller thread, intra-op threads = cores, all graph
 * optimisations on. Each batch is tokenized with Ember's {@link TextTokenizer}, padded to its
 * longest row, run, then mean-pooled and normalised with Ember's {@link Pooling}, so that only the
 * forward pass differs from Ember's path. Not thread-safe (one caller by design).
 */
final class OrtEngine implements Engine, AutoCloseable {
  static final String NAME = "onnxruntime";

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final TextTokenizer tokenizer;
  private final Set<String> inputs;
  private final int threads;

  /** A session over {@code model} (ONNX bytes); does not own {@code tokenizer}. */
  OrtEngine(byte[] model, TextTokenizer tokenizer, int threads) throws OrtException {
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setIntraOpNumThreads(threads);
      opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      this.session = env.createSession(model, opts);
    }
    this.tokenizer = tokenizer;
    this.inputs = session.getInputNames();
    this.threads = threads;
  }

  /** For the table: threads and options. */
  String describe() {
    return NAME + " " + OrtEnvironment.getEnvironment().getVersion()
        + " (1 caller, intra-op threads " + threads + ", ALL_OPT)";
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Untimed: a few batches spread over the plan ({@link WarmUp}). A first run of a new input
   * shape costs ONNX Runtime no more than a second one (measured here: 37 shapes, 9.25 s first
   * runs against 9.00 s), so seeing every shape is not needed.
   */
  @Override
  public void warmUp(Corpus corpus, Batching batching, List<List<int[]>> chunks)
      throws OrtException {
    List<int[]> plan = corpus.plan(batching);
    run(corpus, batching, Corpus.spread(plan, WarmUp.batches(plan.size())));
  }

  @Override
  public Measurement run(Corpus corpus, Batching batching, List<int[]> plan) throws OrtException {
    float[][] vectors = new float[corpus.size()][];
    long real = 0;
    long padded = 0;
    long start = System.nanoTime();
    for (int[] rows : plan) {
      TokenBatch b = tokenizer.encodeBatch(corpus.texts(rows));
      float[][] v = forward(b);
      for (int k = 0; k < rows.length; k++) {
        vectors[rows[k]] = v[k];
      }
      real += b.realTokens();
      padded += b.paddedTokens();
    }
    long nanos = System.nanoTime() - start;
    return new Measurement(
        NAME, batching, Corpus.rows(plan), nanos, plan.size(), real, padded, vectors);
  }

  private float[][] forward(TokenBatch b) throws OrtException {
    long[] shape = {b.size(), b.seqLen()};
    Tensor mask = b.attentionMask(DType.INT64);
    Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
    try {
      for (String name : inputs) {
        Tensor t =
            switch (name) {
              case "input_ids" -> b.inputIds(DType.INT64);
              case "attention_mask" -> mask;
              default -> b.tokenTypeIds(DType.INT64);
            };
        feeds.put(name, OnnxTensor.createTensor(env, LongBuffer.wrap(t.rawLongs()), shape));
      }
      try (OrtSession.Result r = session.run(feeds)) {
        OnnxValue out = r.get("last_hidden_state").orElseGet(() -> r.get(0));
        OnnxTensor hidden = (OnnxTensor) out;
        FloatBuffer fb = hidden.getFloatBuffer();
        float[] data = new float[fb.remaining()];
        fb.get(data);
        int[] hs = new int[] {b.size(), b.seqLen(), data.length / (b.size() * b.seqLen())};
        return Pooling.meanPoolNormalized(Tensor.ofFloats(hs, data), mask);
      }
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
