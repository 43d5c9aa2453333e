package dev.ember.executor.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.executor.ops.OpRegistry;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * all-MiniLM-L6-v2 through Ember's interpreter against ONNX Runtime on the same tokens: the
 * last_hidden_state must agree within 1e-4 absolute everywhere, padded positions included.
 */
class MiniLmVsOnnxRuntimeTest {
  /** Real sentences of very different lengths, so the batch has heavy padding. */
  static final List<String> SENTENCES =
      List.of(
          "Hello!",
          "The quick brown fox jumps over the lazy dog.",
          "Spark runs the same task on many executors, and each one loads the model once.",
          "Ünïcödé, emoji 🚀 and punctuation — all survive tokenisation.",
          "A sentence-transformers model maps sentences and paragraphs to a 384-dimensional"
              + " dense vector space and can be used for tasks like clustering or semantic search."
              + " It was trained on over one billion sentence pairs with a contrastive objective,"
              + " and by default input text longer than 256 word pieces is truncated, which this"
              + " deliberately long sentence approaches by repeating itself: the quick brown fox"
              + " jumps over the lazy dog, again and again, while the model keeps on reading.",
          "Short one.");

  @Test
  void lastHiddenStateMatchesOnnxRuntime() throws Exception {
    byte[] bytes = MiniLmFixture.modelBytes();
    Map<String, Tensor> feeds;
    try (HuggingFaceTokenizer tok = MiniLmFixture.tokenizer()) {
      feeds = MiniLmFixture.batch(tok, SENTENCES);
    }
    OnnxModel model = OnnxLoader.load(bytes, "all-minilm-l6-v2.onnx");
    Tensor ember =
        new Interpreter(model.graph(), OpRegistry.standard()).run(feeds).get("last_hidden_state");

    float[] ort = runOrt(bytes, feeds);
    int[] shape = feeds.get("input_ids").shape();
    assertArrayEquals(new int[] {shape[0], shape[1], 384}, ember.shape());
    float[] got = ember.rawFloats();
    double maxDiff = 0;
    for (int i = 0; i < ort.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got[i] - ort[i]));
    }
    System.out.printf(
        "MiniLM last_hidden_state %s: max |Ember - ORT| = %.3g%n",
        java.util.Arrays.toString(ember.shape()), maxDiff);
    assertTrue(maxDiff <= 1e-4, "max abs diff vs ONNX Runtime " + maxDiff + " > 1e-4");
  }

  static float[] runOrt(byte[] model, Map<String, Tensor> feeds) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setIntraOpNumThreads(2);
      try (OrtSession s = env.createSession(model, opts)) {
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
          for (var e : feeds.entrySet()) {
            long[] shape = java.util.Arrays.stream(e.getValue().shape()).asLongStream().toArray();
            in.put(
                e.getKey(),
                OnnxTensor.createTensor(env, LongBuffer.wrap(e.getValue().rawLongs()), shape));
          }
          try (OrtSession.Result r = s.run(in)) {
            OnnxTensor out = (OnnxTensor) r.get("last_hidden_state").orElseThrow();
            java.nio.FloatBuffer fb = out.getFloatBuffer();
            float[] a = new float[fb.remaining()];
            fb.get(a);
            return a;
          }
        } finally {
          in.values().forEach(OnnxTensor::close);
        }
      }
    }
  }
}
