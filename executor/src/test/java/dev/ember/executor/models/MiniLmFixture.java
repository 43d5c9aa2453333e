package dev.ember.executor.models;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The all-MiniLM-L6-v2 ONNX model and tokenizer shipped in the langchain4j artifact (test
 * classpath), tokenised the sentence-transformers way: special tokens, truncation at 256, no
 * padding from the tokenizer (the langchain4j tokenizer.json asks for fixed 128; we override).
 */
final class MiniLmFixture {
  static final String MODEL = "all-minilm-l6-v2.onnx";
  static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

  private MiniLmFixture() {}

  static byte[] modelBytes() {
    return resource(MODEL);
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
