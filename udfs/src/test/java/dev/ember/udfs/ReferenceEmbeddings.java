package dev.ember.udfs;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sentence embeddings computed without Ember: DJL's tokenizer (truncation 256, no padding),
 * ONNX Runtime, mean pooling over the mask and L2 normalisation, one text at a time.
 */
final class ReferenceEmbeddings implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final OrtSession session;

  ReferenceEmbeddings() throws Exception {
    ClassLoader cl = ReferenceEmbeddings.class.getClassLoader();
    try (InputStream tok = cl.getResourceAsStream("all-minilm-l6-v2-tokenizer.json");
        InputStream model = cl.getResourceAsStream("all-minilm-l6-v2.onnx")) {
      tokenizer =
          HuggingFaceTokenizer.newInstance(
              tok,
              Map.of("truncation", "true", "maxLength", "256", "padding", "false",
                  "modelMaxLength", "512"));
      session = OrtEnvironment.getEnvironment().createSession(model.readAllBytes());
    }
  }

  float[] embed(String text) throws Exception {
    float[][] h = hidden(text);
    float[] v = new float[h[0].length];
    for (float[] tokenVec : h) {
      for (int k = 0; k < v.length; k++) {
        v[k] += tokenVec[k] / h.length;
      }
    }
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    for (int k = 0; k < v.length; k++) {
      v[k] /= (float) norm;
    }
    return v;
  }

  /** The token states ([tokens, 384]) of one text, unpadded. */
  float[][] hidden(String text) throws Exception {
    long[] ids = tokenizer.encode(text).getIds();
    return hidden(ids, new long[ids.length]);
  }

  /**
   * The token states of a text pair as the tokenizer encodes it; with {@code segments} false the
   * token type ids are all zero (what a pair-unaware caller would feed), to show they matter.
   */
  float[][] hiddenPair(String first, String second, boolean segments) throws Exception {
    Encoding e = tokenizer.encode(first, second);
    long[] ids = e.getIds();
    return hidden(ids, segments ? e.getTypeIds() : new long[ids.length]);
  }

  private float[][] hidden(long[] ids, long[] typeIds) throws Exception {
    long[] shape = {1, ids.length};
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxTensor> in = new HashMap<>();
    try {
      in.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
      long[] ones = new long[ids.length];
      java.util.Arrays.fill(ones, 1);
      in.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape));
      in.put("token_type_ids",
          OnnxTensor.createTensor(env, LongBuffer.wrap(typeIds), shape));
      try (OrtSession.Result r = session.run(in)) {
        return ((float[][][]) r.get(0).getValue())[0];
      }
    } finally {
      in.values().forEach(OnnxTensor::close);
    }
  }

  static double cosine(float[] a, List<Float> b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b.get(i);
      na += a[i] * a[i];
      nb += b.get(i) * b.get(i);
    }
    return dot / Math.sqrt(na * nb);
  }

  @Override
  public void close() throws Exception {
    session.close();
    tokenizer.close();
  }
}
