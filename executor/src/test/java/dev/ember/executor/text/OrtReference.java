package dev.ember.executor.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sentence-transformers recipe computed without Ember's text package: DJL's tokenizer set up
 * here, ONNX Runtime on one unpadded sentence at a time, mean pooling and normalisation written out
 * again below. Also serves as a {@link ForwardFn}, to check the pipeline on its own.
 */
final class OrtReference implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;

  OrtReference(byte[] model, byte[] tokenizerJson, int maxLength) throws OrtException, IOException {
    this(model, tokenizerJson, maxLength, OrtSession.SessionOptions.OptLevel.ALL_OPT);
  }

  /** With ONNX Runtime's graph optimisations (its op fusions) limited to {@code opt}. */
  OrtReference(
      byte[] model, byte[] tokenizerJson, int maxLength, OrtSession.SessionOptions.OptLevel opt)
      throws OrtException, IOException {
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setIntraOpNumThreads(2);
      opts.setOptimizationLevel(opt);
      session = env.createSession(model, opts);
    }
    tokenizer =
        HuggingFaceTokenizer.newInstance(
            new ByteArrayInputStream(tokenizerJson),
            Map.of(
                "truncation", "true",
                "maxLength", Integer.toString(maxLength),
                "padding", "false",
                "modelMaxLength", "4096"));
  }

  /** The reference embedding of one text, or null for null/blank text. */
  float[] embed(String text) throws OrtException {
    if (text == null || text.isBlank()) {
      return null;
    }
    long[] ids = tokenizer.encode(text).getIds();
    int s = ids.length;
    long[] ones = new long[s];
    Arrays.fill(ones, 1);
    Map<String, Tensor> feeds =
        Map.of(
            "input_ids", Tensor.ofLongs(DType.INT64, new int[] {1, s}, ids),
            "attention_mask", Tensor.ofLongs(DType.INT64, new int[] {1, s}, ones),
            "token_type_ids", Tensor.ofLongs(DType.INT64, new int[] {1, s}, new long[s]));
    float[] hidden = run(feeds).get("last_hidden_state").rawFloats();
    int h = hidden.length / s;
    double[] mean = new double[h];
    for (int t = 0; t < s; t++) {
      for (int k = 0; k < h; k++) {
        mean[k] += hidden[t * h + k] / (double) s;
      }
    }
    double norm = 0;
    for (double v : mean) {
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    float[] out = new float[h];
    for (int k = 0; k < h; k++) {
      out[k] = (float) (mean[k] / norm);
    }
    return out;
  }

  /** ONNX Runtime as a forward function (thread-safe: OrtSession.run is). */
  ForwardFn asForwardFn() {
    return feeds -> {
      try {
        return run(feeds);
      } catch (OrtException e) {
        throw new IllegalStateException("ONNX Runtime failed", e);
      }
    };
  }

  private Map<String, Tensor> run(Map<String, Tensor> feeds) throws OrtException {
    Map<String, OnnxTensor> in = new HashMap<>();
    try {
      for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
        long[] shape = Arrays.stream(e.getValue().shape()).asLongStream().toArray();
        in.put(
            e.getKey(),
            OnnxTensor.createTensor(env, LongBuffer.wrap(e.getValue().rawLongs()), shape));
      }
      try (OrtSession.Result r = session.run(in)) {
        Map<String, Tensor> out = new HashMap<>();
        for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
          OnnxTensor t = (OnnxTensor) e.getValue();
          FloatBuffer fb = t.getFloatBuffer();
          float[] a = new float[fb.remaining()];
          fb.get(a);
          int[] shape = Arrays.stream(t.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
          out.put(e.getKey(), Tensor.ofFloats(shape, a));
        }
        return out;
      }
    } finally {
      in.values().forEach(OnnxTensor::close);
    }
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  static List<String> withBlanks(List<String> texts) {
    List<String> out = new java.util.ArrayList<>(texts);
    out.add(3, null);
    out.add(7, "");
    out.add(11, "   \t ");
    out.add(null);
    return out;
  }

  @Override
  public void close() throws OrtException {
    tokenizer.close();
    session.close();
  }
}
