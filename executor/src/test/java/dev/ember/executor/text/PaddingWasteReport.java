package dev.ember.executor.text;

import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.WrapperStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test: prints the padding overhead (padded / real tokens) of the embedder's batching on
 * data/sample/wordnet-glosses.txt, per-batch padding against level-3 buckets, using the fake
 * encoder (the model's speed does not matter here). Run with {@code mvn -q -o -pl executor test
 * -Dtest=PaddingWasteReport -Dember.report=true}.
 */
@EnabledIfSystemProperty(named = "ember.report", matches = "true")
class PaddingWasteReport {
  @Test
  void report() throws Exception {
    List<String> texts = Files.readAllLines(Path.of("../data/sample/wordnet-glosses.txt"));
    List<List<Integer>> bucketSets =
        List.of(
            List.of(16, 32, 48, 64, 96, 128, 192, 256, 384, 512),
            List.of(8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 384, 512),
            CompileOptions.DEFAULT_SEQ_BUCKETS);
    for (int rows : new int[] {32, 64}) {
      ForwardFn fake =
          f ->
              Map.of(
                  "last_hidden_state",
                  SentenceEmbedderTest.fakeStates(f.get("input_ids"), f.get("attention_mask")));
      try (SentenceEmbedder e =
          SentenceEmbedder.create(
              SentenceEmbedderTest.bert(), fake, TextFixtures.builtinTokenizer(256), rows)) {
        e.embed(texts);
        print("own longest row", rows, e.stats(), e.stats().batches(), "-");
      }
      for (List<Integer> buckets : bucketSets) {
        CompileWrapper w =
            CompileWrapper.builder(CompileOptions.level(3).withSeqBuckets(buckets))
                .backend(new CompiledSentenceEmbedderTest.Recording())
                .graphHash("fake")
                .build(SentenceEmbedderTest.bert().graph());
        try (SentenceEmbedder e =
            SentenceEmbedder.create(
                SentenceEmbedderTest.bert(), w, TextFixtures.builtinTokenizer(256), rows)) {
          e.embed(texts);
          WrapperStats ws = w.stats();
          long used = ws.variants().stream().filter(WrapperStats.VariantStats::compiled).count();
          print("level 3 " + buckets, rows, e.stats(), e.stats().batches(), used + " variants");
        }
      }
    }
  }

  private static void print(String how, int rows, EmbedStats s, long batches, String variants) {
    System.out.printf(
        "rows/batch %d, %s: real %d, padded %d tokens, overhead %.3f, %d forward calls, %s%n",
        rows,
        how,
        s.realTokens(),
        s.paddedTokens(),
        (double) s.paddedTokens() / s.realTokens(),
        batches,
        variants);
  }
}
