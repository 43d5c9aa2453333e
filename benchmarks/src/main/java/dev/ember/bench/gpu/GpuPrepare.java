package dev.ember.bench.gpu;

import dev.ember.executor.text.ModelFiles;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.text.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes what the device check needs besides code, on a machine with the model and the tokenizer
 * ({@code bin/lib/gpu-check prepare}): the skeleton of all-MiniLM-L6-v2 ({@link ModelSkeleton})
 * and the sample corpus pre-tokenized like Ember's embedder does it ({@link TokenIds}: special
 * tokens, truncation at 256, no padding).
 *
 * <p>Usage: {@code GpuPrepare OUT_DIR CORPUS_FILE}.
 */
public final class GpuPrepare {
  /** Initializers this large or larger travel as statistics only (all of MiniLM's matrices). */
  static final int MIN_STRIPPED_ELEMENTS = 4096;

  static final String SKELETON_FILE = "minilm-skeleton.onnx";
  static final String IDS_FILE = "corpus-ids.bin";

  private GpuPrepare() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: GpuPrepare OUT_DIR CORPUS_FILE");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    Path corpus = Path.of(args[1]);
    Files.createDirectories(out);
    ModelSpec spec = ModelSpec.parse(ModelSpec.DEFAULT);
    ModelFiles files = spec.files(ModelFiles.local());
    byte[] onnx = files.read(spec.modelLocation());
    byte[] skeleton = ModelSkeleton.strip(onnx, MIN_STRIPPED_ELEMENTS);
    Files.write(out.resolve(SKELETON_FILE), skeleton);
    System.out.printf("%s: %d bytes (from %d; %d initializers as statistics)%n", SKELETON_FILE,
        skeleton.length, onnx.length, ModelSkeleton.emptied(skeleton));

    List<long[]> rows = new ArrayList<>();
    long tokens = 0;
    byte[] tokenizerJson = files.read(spec.tokenizerLocation());
    try (TextTokenizer tok = TextTokenizer.fromJson(tokenizerJson, spec.tokenizerLocation(),
        TextTokenizer.DEFAULT_MAX_LENGTH)) {
      for (String line : Files.readAllLines(corpus, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          long[] ids = tok.encode(line);
          rows.add(ids);
          tokens += ids.length;
        }
      }
    }
    TokenIds.write(out.resolve(IDS_FILE), rows);
    System.out.printf("%s: %d sentences, %d tokens (truncation %d, no padding)%n", IDS_FILE,
        rows.size(), tokens, TextTokenizer.DEFAULT_MAX_LENGTH);
  }
}
