package dev.ember.executor.models;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The all-MiniLM-L6-v2 ONNX model and tokenizer shipped in the langchain4j artifact (test
 * classpath), tokenised the sentence-transformers way: special tokens, truncation at 256, no
 * padding from the tokenizer (the langchain4j tokenizer.json asks for fixed 128; we override).
 */
public final class MiniLmFixture {
  static final String MODEL = "all-minilm-l6-v2.onnx";
  static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

  private MiniLmFixture() {}

  static byte[] modelBytes() {
    return resource(MODEL);
  }

  /** The model's graph, loaded afresh. */
  public static Graph graph() {
    return OnnxLoader.load(modelBytes(), MODEL).graph();
  }

  /**
   * Synthetic inputs of shape [b, s]: token ids in the vocabulary, row i padded after s - i tokens
   * (at least one real token), token types 0.
   */
  public static Map<String, Tensor> syntheticFeeds(int b, int s, long seed) {
    Random r = new Random(seed);
    long[] ids = new long[b * s];
    long[] mask = new long[b * s];
    for (int i = 0; i < ids.length; i++) {
      boolean real = i % s < Math.max(1, s - i / s);
      ids[i] = real ? 1000 + r.nextInt(29_000) : 0;
      mask[i] = real ? 1 : 0;
    }
    int[] shape = {b, s};
    Map<String, Tensor> f = new LinkedHashMap<>();
    f.put("input_ids", Tensor.ofLongs(DType.INT64, shape, ids));
    f.put("attention_mask", Tensor.ofLongs(DType.INT64, shape, mask));
    f.put("token_type_ids", Tensor.ofLongs(DType.INT64, shape, new long[b * s]));
    return f;
  }

  static HuggingFaceTokenizer tokenizer() throws IOException {
    try (InputStream in = MiniLmFixture.class.getClassLoader().getResourceAsStream(TOKENIZER)) {
      return HuggingFaceTokenizer.newInstance(
          in,
          Map.of(
              "truncation", "true",
              "maxLength", "256",
              "padding", "false",
              "modelMaxLength", "512"));
    }
  }

  /** input_ids, attention_mask, token_type_ids as INT64 [batch, longest], zero-padded. */
  static Map<String, Tensor> batch(HuggingFaceTokenizer tok, List<String> sentences) {
    Encoding[] enc = tok.batchEncode(sentences);
    int seq = 0;
    for (Encoding e : enc) {
      seq = Math.max(seq, e.getIds().length);
    }
    int b = enc.length;
    long[] ids = new long[b * seq];
    long[] mask = new long[b * seq];
    for (int i = 0; i < b; i++) {
      long[] e = enc[i].getIds();
      for (int j = 0; j < e.length; j++) {
        ids[i * seq + j] = e[j];
        mask[i * seq + j] = 1;
      }
    }
    int[] shape = {b, seq};
    return Map.of(
        "input_ids", Tensor.ofLongs(DType.INT64, shape, ids),
        "attention_mask", Tensor.ofLongs(DType.INT64, shape, mask),
        "token_type_ids", Tensor.ofLongs(DType.INT64, shape, new long[b * seq]));
  }

  static byte[] resource(String name) {
    try (InputStream in = MiniLmFixture.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is not on the test classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
