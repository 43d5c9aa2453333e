package dev.ember.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.models.MiniLmFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench/gpu/torch_reference.py} runs what the device check's throughput rows run, so that
 * their ratio compares like with like: the capture sizes, sequence buckets and timed passes of
 * {@link CheckSize#DEVICE}, the same length-sorted batches as {@link Embed#lengthSorted}
 * (python's own {@code length_sorted} run on a token-id file Java wrote), and each batch cut into
 * the chunks the level-3 wrapper cuts it into, padded alike ({@code padded_tokens} against {@link
 * CompileWrapper#paddedTokens}).
 */
class TorchReferenceAgreementTest {
  @TempDir
  Path tmp;

  @Test
  void constantsAreTheDeviceChecks() throws Exception {
    String py = Files.readString(script());
    assertEquals(CheckSize.DEVICE.captureSizes(), intList(py, "CAPTURE_SIZES"));
    assertEquals(CheckSize.DEVICE.seqBuckets(), intList(py, "SEQ_BUCKETS"));
    assertEquals(List.of(CheckSize.DEVICE.timedPasses()), intList(py, "TIMED_PASSES"));
  }

  @Test
  void lengthSortedBatchesAreEmbeds() throws Exception {
    Random rnd = new Random(7);
    List<long[]> ids = new ArrayList<>();
    for (int i = 0; i < 700; i++) {
      ids.add(new long[1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 256)]);
    }
    Path file = tmp.resolve("ids.bin");
    TokenIds.write(file, ids);
    List<Integer> buckets = CheckSize.DEVICE.seqBuckets();
    IntUnaryOperator bucket = len -> buckets.stream().filter(b -> b >= len).findFirst()
        .orElse(len);
    for (int size : CheckSize.DEVICE.batches()) {
      String want = Embed.lengthSorted(ids, size, bucket).stream().map(Arrays::toString)
          .reduce((a, b) -> a + ";" + b).orElse("");
      assertEquals(want, python(file, size), "length-sorted x" + size);
    }
  }

  @Test
  void batchesArePaddedAsTheLevel3WrapperPadsThem() throws Exception {
    CheckSize d = CheckSize.DEVICE;
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(3)
        .withCaptureSizes(d.captureSizes()).withSeqBuckets(d.seqBuckets()))
        .build(MiniLmFixture.graph());
    StringBuilder want = new StringBuilder();
    for (int rows = 1; rows <= 200; rows++) {
      for (int seq : List.of(7, 20, 100)) {
        want.append(w.paddedTokens(rows, seq)).append(' ');
      }
    }
    String code = "for rows in range(1, 201):\n"
        + "    for seq in (7, 20, 100):\n"
        + "        print(tr.padded_tokens(rows, seq), end=' ')\n";
    assertEquals(want.toString().strip(), python(code));
  }

  private String python(Path ids, int size) throws Exception {
    return python("plan = tr.length_sorted(tr.read_ids(sys.argv[2]), int(sys.argv[3]))\n"
        + "print(';'.join('[' + ', '.join(map(str, b)) + ']' for b in plan))\n",
        ids.toString(), String.valueOf(size));
  }

  /** Output of {@code code} run with the reference script loaded as {@code tr}. */
  private String python(String code, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("python3", "-c",
        "import importlib.util, sys\n"
        + "spec = importlib.util.spec_from_file_location('tr', sys.argv[1])\n"
        + "tr = importlib.util.module_from_spec(spec); spec.loader.exec_module(tr)\n" + code,
        script().toString()));
    cmd.addAll(List.of(args));
    return RepoFiles.output(cmd, true);
  }

  private static List<Integer> intList(String py, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + " = \\[?([0-9, ]+)\\]?").matcher(py);
    assertTrue(m.find(), name + " not found");
    return Arrays.stream(m.group(1).split(",")).map(String::strip).map(Integer::valueOf)
        .toList();
  }

  private static Path script() {
    return RepoFiles.of("bench/gpu/torch_reference.py");
  }
}
