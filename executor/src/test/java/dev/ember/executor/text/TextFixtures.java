package dev.ember.executor.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Shared test inputs: the builtin model's files and generated long texts. */
final class TextFixtures {
  static final String MODEL_RESOURCE = "all-minilm-l6-v2.onnx";
  static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

  private static final String[] VOCAB = {
    "river", "stone", "quiet", "morning", "engine", "market", "garden", "letter", "winter",
    "silver", "forest", "window", "bridge", "number", "candle", "harbor"
  };

  private TextFixtures() {}

  static byte[] builtinTokenizerJson() {
    return resource(TOKENIZER_RESOURCE);
  }

  static byte[] builtinModel() {
    return resource(MODEL_RESOURCE);
  }

  static TextTokenizer builtinTokenizer(int maxLength) {
    return TextTokenizer.fromJson(builtinTokenizerJson(), TOKENIZER_RESOURCE, maxLength);
  }

  /** {@code n} common English words, each one WordPiece token. */
  static String words(int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : " ").append(VOCAB[(i * 7) % VOCAB.length]);
    }
    return sb.toString();
  }

  static byte[] resource(String name) {
    try (InputStream in = TextFixtures.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is not on the test classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
