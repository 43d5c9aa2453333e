package dev.ember.executor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.TensorFiles;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.ops.doc.SupportedOpsDoc;
import dev.ember.executor.testing.TestModels;
import dev.ember.executor.testing.Tolerance;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EmberCliTest {
  private static final Path NODE_TESTS = Path.of("src/test/resources/onnx-node-tests");

  @TempDir Path tmp;

  /** One CLI invocation's exit code and printed text. */
  record Result(int code, String out, String err) {}

  static Result cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CliContext ctx =
        new CliContext(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            false,
            null);
    int code = EmberCli.run(List.of(args), ctx);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @CsvSource({"test_add, Add", "test_gemm_alpha, Gemm", "test_add_bcast, Add"})
  void runOnnxReproducesNodeTestOutputs(String test, String op) throws IOException {
    assumeTrue(OpRegistry.standard().supports("", op), op + " is not implemented yet");
    Path folder = NODE_TESTS.resolve(test);
    Path data = folder.resolve("test_data_set_0");
    Path out = tmp.resolve("out");
    Result r =
        cli(
            "run-onnx",
            "--model",
            folder.resolve("model.onnx").toString(),
            "--inputs",
            data.toString(),
            "--output=" + out);
    assertEquals(0, r.code(), r.err());
    List<TensorFiles.NamedTensor> expected = TensorFiles.readNumbered(data, "output");
    List<TensorFiles.NamedTensor> actual = TensorFiles.readNumbered(out, "output");
    assertEquals(expected.size(), actual.size());
    List<String> lines = r.out().lines().toList();
    assertEquals(expected.size(), lines.size(), r.out());
    for (int k = 0; k < expected.size(); k++) {
      Tensor want = expected.get(k).tensor();
      assertEquals(expected.get(k).name(), actual.get(k).name(), "graph output name");
      assertNull(Tolerance.mismatch(want, actual.get(k).tensor()), test + " output " + k);
      assertTrue(
          lines
              .get(k)
              .startsWith(actual.get(k).name() + "\t" + want.dtype().onnxLowerName() + "\t["),
          lines.get(k));
    }
  }

  @Test
  void missingModelIsACleanFailure() {
    Result r =
        cli(
            "run-onnx",
            "--model",
            tmp.resolve("nope.onnx").toString(),
            "--inputs",
            tmp.toString(),
            "--output",
            tmp.resolve("o").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("IO_ERROR") && r.err().contains("nope.onnx"), r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace without EMBER_DEBUG");
  }

  @Test
  void wrongInputCountListsTheGraphInputs() throws IOException {
    Path model = tmp.resolve("two.onnx");
    Files.write(model, TestModels.singleOp("Add", DType.FLOAT, new long[] {2}, 2).toByteArray());
    Path in = Files.createDirectories(tmp.resolve("in"));
    TensorFiles.write(in.resolve("input_0.pb"), Tensor.ofFloats(new int[] {2}, new float[2]), "");
    Result r =
        cli(
            "run-onnx",
            "--model",
            model.toString(),
            "--inputs",
            in.toString(),
            "--output",
            tmp.resolve("o").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("BAD_INPUT"), r.err());
    assertTrue(r.err().contains("holds 1 input_<k>.pb file(s)"), r.err());
    assertTrue(r.err().contains("x0 float[2], x1 float[2]"), r.err());
  }

  @Test
  void corruptModelIsACleanFailure() throws IOException {
    Path model = tmp.resolve("corrupt.onnx");
    byte[] good = TestModels.addConstant().toByteArray();
    byte[] bad = new byte[good.length / 2];
    System.arraycopy(good, 0, bad, 0, bad.length);
    Files.write(model, bad);
    Result r =
        cli(
            "run-onnx",
            "--model",
            model.toString(),
            "--inputs",
            tmp.toString(),
            "--output",
            tmp.resolve("o").toString());
    assertEquals(1, r.code());
    assertTrue(
        r.err().startsWith("ember run-onnx: MODEL_INVALID: cannot read ONNX model"), r.err());
    assertEquals(1, r.err().lines().count(), "one line, no stack trace: " + r.err());
  }

  @Test
  void missingInputFolderIsACleanFailure() throws IOException {
    Path model = tmp.resolve("add.onnx");
    Files.write(model, TestModels.addConstant().toByteArray());
    Result r =
        cli(
            "run-onnx",
            "--model",
            model.toString(),
            "--inputs",
            tmp.resolve("missing").toString(),
            "--output",
            tmp.resolve("o").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("input folder") && r.err().contains("missing"), r.err());
  }

  @Test
  void badInputFilesAreCleanFailures() throws IOException {
    Path model = tmp.resolve("add.onnx");
    Files.write(model, TestModels.addConstant().toByteArray());
    Path in = Files.createDirectories(tmp.resolve("in"));
    Files.write(in.resolve("input_0.pb"), "not a tensor".getBytes(StandardCharsets.UTF_8));
    Result corrupt =
        cli(
            "run-onnx",
            "--model",
            model.toString(),
            "--inputs",
            in.toString(),
            "--output",
            tmp.resolve("o").toString());
    assertEquals(1, corrupt.code());
    assertTrue(corrupt.err().contains("input_0.pb"), corrupt.err());
    Files.delete(in.resolve("input_0.pb"));
    TensorFiles.write(
        in.resolve("input_99999999999.pb"), Tensor.ofFloats(new int[] {2, 3}, new float[6]), "x");
    Result huge =
        cli(
            "run-onnx",
            "--model",
            model.toString(),
            "--inputs",
            in.toString(),
            "--output",
            tmp.resolve("o").toString());
    assertEquals(1, huge.code());
    assertTrue(huge.err().contains("BAD_INPUT") && huge.err().contains("99999999999"), huge.err());
  }

  @Test
  void unwritableOutputIsACleanFailure() throws IOException {
    Path model = tmp.resolve("add.onnx");
    Files.write(model, TestModels.addConstant().toByteArray());
    Path in = Files.createDirectories(tmp.resolve("in"));
    TensorFiles.write(
        in.resolve("input_0.pb"), Tensor.ofFloats(new int[] {2, 3}, new float[6]), "x");
    Path blocker = Files.writeString(tmp.resolve("a_file"), "");
    Result r =
        cli(
            "run-onnx",
            "--model",
            model.toString(),
            "--inputs",
            in.toString(),
            "--output",
            blocker.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("IO_ERROR") && r.err().contains("a_file"), r.err());
  }

  @Test
  void usageErrorsExitWithTwoAndTheUsage() {
    for (String[] args :
        List.of(
            new String[0],
            new String[] {"no-such-command"},
            new String[] {"run-onnx", "--model", "m.onnx"},
            new String[] {"run-onnx", "--model"},
            new String[] {"run-onnx", "--bogus", "1"},
            new String[] {"run-onnx", "stray"},
            new String[] {"run-onnx", "--model", "a", "--model", "b"})) {
      Result r = cli(args);
      assertEquals(2, r.code(), String.join(" ", args));
      assertTrue(r.err().contains("Usage: ember"), r.err());
    }
    Result help = cli("run-onnx", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().startsWith("Usage: ember run-onnx --model"), help.out());
    assertTrue(cli("--help").out().contains("gen-docs"));
  }

  @Test
  void genDocsWritesThePage() throws IOException {
    Path page = tmp.resolve("docs/ops.md");
    Result r = cli("gen-docs", "--output", page.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(SupportedOpsDoc.render(OpRegistry.standard()), Files.readString(page));
  }

  @Test
  void everyCommandHasAUniqueNameAndUsage() {
    List<String> names = new ArrayList<>();
    for (Command c : EmberCli.COMMANDS) {
      assertFalse(names.contains(c.name()), c.name());
      names.add(c.name());
      assertTrue(c.usage().startsWith("Usage: ember " + c.name()), c.usage());
    }
  }
}
