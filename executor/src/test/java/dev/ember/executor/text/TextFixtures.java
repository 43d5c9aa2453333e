package dev.ember.executor.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Shared test inputs: the builtin model's files and generated long texts. */
final class TextFixtures {
  static final String MODEL_RESOURCE = "all-minilm-l6-v2.onnx";
  static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

  private static final String[] VOCAB = {
    "river", "stone", "quiet", "morning", "engine", "market", "garden", "letter", "winter",
    "silver", "forest", "window", "bridge", "number", "candle", "harbor"
  };

  /** About 70 words. */
  static final String MEDIUM =
      "The history of the printing press shows how a single technical change can reshape a"
          + " whole society: cheaper books spread literacy, literacy spread new ideas, and new"
          + " ideas challenged old institutions that had relied on controlling what people could"
          + " read, so that within a few generations the map of knowledge in Europe looked"
          + " entirely different from before.";

  /** Far more than 256 WordPiece tokens: truncation must apply. */
  static final String LONG =
      String.join(
          " ",
          java.util.Collections.nCopies(
              6,
              "Ember compiles a model once per executor, keeps the compiled variants on local"
                  + " disk, shares them across the tasks of that executor and runs inference"
                  + " as a batched function over the rows of every partition, padding each"
                  + " micro-batch only to its own longest row."));

  /**
   * Real, varied sentences: short and long, several scripts, emoji, code, numbers, one text far
   * over 256 tokens and one around 130. Written for these tests.
   */
  static final List<String> SENTENCES =
      List.of(
          "Hi.",
          "The cat is asleep on the warm windowsill.",
          "Rain is expected in the northern valleys by late afternoon.",
          "Could you send me the quarterly report before Friday's meeting?",
          "She bought three apples, two pears and a loaf of rye bread.",
          "Spark schedules one task per partition and reuses executors between stages.",
          "The committee postponed its decision until the audit is complete.",
          "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.",
          "I can't believe it's already December!",
          "A gentle breeze carried the smell of pine across the lake.",
          "Die Katze schläft auf dem warmen Fensterbrett.",
          "Le café était fermé, alors nous avons marché jusqu'à la gare.",
          "¿Dónde está la biblioteca más cercana?",
          "Москва — столица России, а Санкт-Петербург — её культурная столица.",
          "東京は日本の首都であり、世界最大級の都市です。",
          "北京今天的天气很好，我们去公园散步吧。",
          "서울의 봄은 벚꽃으로 가득합니다.",
          "القهوة العربية تقدم عادة مع التمر.",
          "Ελπίζω να σε δω σύντομα στην Αθήνα.",
          "Naïve coöperation in the façade's rôle: résumé of a piñata soirée.",
          "Launch at 09:30 🚀🚀 — fingers crossed 🤞 and coffee ready ☕️!",
          "😀😃😄😁😆😅😂🤣",
          "Price: $1,299.99 (incl. 19% VAT), order #A-4471, due 2024-03-15.",
          "for (int i = 0; i < n; i++) { sum += a[i] * b[i]; }",
          "SELECT name, COUNT(*) FROM users WHERE age > 30 GROUP BY name;",
          "https://example.org/path?query=embedding&lang=en#section-2",
          "e = mc^2, while F = ma and PV = nRT.",
          "...!!!???",
          "   Leading and trailing spaces are part of this sentence.   ",
          "Line one.\nLine two.\tTabbed part.",
          "UPPER CASE TEXT SHOULD EMBED LIKE lower case text.",
          "supercalifragilisticexpialidocious antidisestablishmentarianism",
          "The the the the the the the the the the the the.",
          "Mitochondria are the powerhouse of the cell, as every biology student knows.",
          "After the storm, volunteers cleared fallen branches from the village roads and"
              + " checked on elderly neighbours who had lost power overnight.",
          MEDIUM,
          LONG,
          "Ok",
          "Good morning, Vietnam! Xin chào, thế giới.",
          "A quiet sentence to close the list.");

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
