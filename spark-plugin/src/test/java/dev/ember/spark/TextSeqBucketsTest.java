package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.spark.conf.EmberConf;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A model fed by its tokenizer gets no sequence bucket past the first that holds
 * spark.ember.text.maxLength tokens; a tensor model keeps every bucket.
 */
class TextSeqBucketsTest {
  private static EngineSettings settings(Map<String, String> conf) {
    return EngineSettings.from(EmberConf.from(conf));
  }

  @Test
  void textBucketsStopAtTheFirstThatHoldsMaxLength() {
    EngineSettings s = settings(Map.of("spark.ember.text.maxLength", "100",
        "spark.ember.compile.seqBuckets", "16,64,128,256,512"));
    assertEquals(List.of(16, 64, 128), s.textCompileOptions().seqBuckets());
    assertEquals(List.of(16, 64, 128, 256, 512), s.compileOptions().seqBuckets());
  }

  @Test
  void aBucketEqualToMaxLengthIsTheLast() {
    EngineSettings s = settings(Map.of("spark.ember.text.maxLength", "256"));
    List<Integer> text = s.textCompileOptions().seqBuckets();
    assertEquals(256, text.get(text.size() - 1));
    assertEquals(512, s.compileOptions().seqBuckets().get(
        s.compileOptions().seqBuckets().size() - 1));
  }

  @Test
  void maxLengthPastEveryBucketKeepsThemAll() {
    EngineSettings s = settings(Map.of("spark.ember.text.maxLength", "500",
        "spark.ember.compile.seqBuckets", "8,16"));
    assertEquals(List.of(8, 16), s.textCompileOptions().seqBuckets());
  }
}
