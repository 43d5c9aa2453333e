package dev.ember.executor.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.dispatch.WrapperStats;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Text batching at compile level 3: each micro-batch runs at the sequence bucket of its longest row
 * (shorter rows ride along where that costs less than a call of their own, see BucketCuts), the
 * wrapper pads them to captured shapes, the output order is the input order, and the padding counters count what
 * the variants ran. Mostly over the fake encoder of {@link SentenceEmbedderTest}; one check runs
 * the real MiniLM at levels 0 and 3.
 */
class CompiledSentenceEmbedderTest {
  static final List<Integer> CAPTURES = List.of(1, 2, 4, 8);
  static final List<Integer> BUCKETS = List.of(8, 16, 32, 64, 128);

  /** A backend whose variants run the fake encoder and record every call's shape and lengths. */
  static final class Recording implements Backend {
    final List<int[]> calls = Collections.synchronizedList(new ArrayList<>());

    @Override
    public String name() {
      return "recording";
    }

    @Override
    public CompiledVariant compile(Graph graph, VariantKey key) {
      return new CompiledVariant() {
        @Override
        public VariantKey key() {
          return key;
        }

        @Override
        public String source() {
          return "fake encoder";
        }

        @Override
        public Map<String, Tensor> run(Map<String, Tensor> in) {
          Tensor ids = in.get("input_ids");
          Tensor mask = in.get("attention_mask");
          int b = ids.dim(0);
          int s = ids.dim(1);
          int[] call = new int[2 + b]; // batch, seq, then each row's real length
          call[0] = b;
          call[1] = s;
          for (int i = 0; i < b * s; i++) {
            call[2 + i / s] += (int) mask.getLong(i);
          }
          calls.add(call);
          return Map.of("last_hidden_state", SentenceEmbedderTest.fakeStates(ids, mask));
        }

        @Override
        public VariantArtifacts artifacts() {
          return VariantArtifacts.none();
        }
      };
    }

    @Override
    public CompiledVariant load(Graph graph, VariantKey key, VariantArtifacts artifacts) {
      return compile(graph, key);
    }
  }

  static List<String> texts() {
    List<String> t = new ArrayList<>(SentenceEmbedderTest.TEXTS);
    for (int i = 0; i < 40; i++) {
      t.add(i % 9 == 0 ? null : TextFixtures.words(1 + (i * 17) % 140) + " " + i);
    }
    return t;
  }

  @Test
  void microBatchesRunAtCapturedShapesLongEnoughForEveryRow() {
    Recording backend = new Recording();
    CompileWrapper w =
        CompileWrapper.builder(
                CompileOptions.level(3).withCaptureSizes(CAPTURES).withSeqBuckets(BUCKETS))
            .backend(backend)
            .graphHash("fake")
            .build(SentenceEmbedderTest.bert().graph());
    List<String> texts = texts();
    try (SentenceEmbedder e =
        SentenceEmbedder.create(
            SentenceEmbedderTest.bert(), w, TextFixtures.builtinTokenizer(256), 8)) {
      float[][] got = e.embed(texts);
      TextTokenizer tok = TextFixtures.builtinTokenizer(256);
      try {
        for (int i = 0; i < texts.size(); i++) {
          String t = texts.get(i);
          if (t == null || t.isBlank()) {
            assertNull(got[i], "row " + i);
          } else {
            assertArrayEquals(SentenceEmbedderTest.alone(tok, t), got[i], 1e-6f, "row " + i);
          }
        }
      } finally {
        tok.close();
      }
      long padded = 0;
      for (int[] call : backend.calls) {
        int batch = call[0];
        int seq = call[1];
        padded += (long) batch * seq;
        if (seq > 128) {
          continue; // above the largest bucket: the general variant, unpadded
        }
        assertTrue(CAPTURES.contains(batch) && BUCKETS.contains(seq), Arrays.toString(call));
        int longest = 0;
        for (int r = 2; r < call.length; r++) {
          longest = Math.max(longest, call[r]);
        }
        // A chunk runs at its micro-batch's bucket: its own longest row's, or a longer row's in a
        // chunk cut off after it.
        assertTrue(w.seqBucket(longest) <= seq, "a row cut short in " + Arrays.toString(call));
      }
      assertTrue(backend.calls.stream().anyMatch(c -> c[1] > 128), "some text overflows");
      EmbedStats s = e.stats();
      assertEquals(padded, s.paddedTokens());
      WrapperStats ws = e.compileWrapper().orElseThrow().stats();
      assertEquals(padded, ws.paddedTokens());
      assertEquals(s.realTokens() <= ws.realTokens(), true);
    }
  }

  @Test
  void miniLmAtLevelThreeMatchesLevelZero() {
    List<String> texts =
        Arrays.asList(
            "Hi.",
            null,
            "The cat is asleep on the warm windowsill.",
            "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.",
            "Ok",
            TextFixtures.words(40),
            "Could you send me the quarterly report before Friday's meeting?");
    ModelSpec spec = ModelSpec.parse(ModelSpec.DEFAULT);
    float[][] want;
    try (SentenceEmbedder l0 = SentenceEmbedder.load(spec, ModelFiles.local(), 64, 4)) {
      want = l0.embed(texts);
    }
    CompileOptions l3 =
        CompileOptions.level(3).withCaptureSizes(List.of(1, 2, 4)).withSeqBuckets(List.of(16, 48));
    try (SentenceEmbedder e = SentenceEmbedder.load(spec, ModelFiles.local(), 64, 4, l3)) {
      float[][] got = e.embed(texts);
      for (int i = 0; i < texts.size(); i++) {
        if (want[i] == null) {
          assertNull(got[i]);
        } else {
          assertArrayEquals(want[i], got[i], 1e-5f, "row " + i);
        }
      }
      WrapperStats s = e.compileWrapper().orElseThrow().stats();
      assertTrue(s.paddedTokens() >= s.realTokens() && s.realTokens() > 0, s.toString());
      assertEquals(0, s.generalCalls());
    }
  }
}
