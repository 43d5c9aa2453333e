package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.text.ModelSpec;
import dev.ember.executor.text.SpecFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16: on the Spark path (Hadoop reads) a model of 2 GiB or more and an oversized
 * tokenizer.json are refused from their length with MODEL_UNSUPPORTED and the fix, on the executor
 * and on the driver, instead of being read into memory (an OutOfMemoryError). The big files are
 * sparse: their length is real, their blocks are not written.
 */
class ModelSizeCapsTest {
  @TempDir Path tmp;

  private final HadoopModelFiles files = new HadoopModelFiles(new Configuration());

  private static void sparse(Path file, long length) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(length);
    }
  }

  private ModelSpec folder(long modelBytes, long tokenizerBytes) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("model"));
    sparse(dir.resolve("model.onnx"), modelBytes);
    sparse(dir.resolve("tokenizer.json"), tokenizerBytes);
    return ModelSpec.parse(dir.toString());
  }

  private static EmberException unsupported(Executable e, String... mentions) {
    EmberException ex = assertThrows(EmberException.class, e);
    assertEquals(ErrorCode.MODEL_UNSUPPORTED, ex.code(), ex.getMessage());
    for (String m : mentions) {
      assertTrue(ex.getMessage().contains(m), "'" + m + "' not in " + ex.getMessage());
    }
    return ex;
  }

  @Test
  void aModelOf2GiBIsRefusedWithTheFix() throws IOException {
    long size = SpecFiles.MAX_MODEL_BYTES + 1; // 2^31 bytes
    ModelSpec spec = folder(size, 100);
    String[] mentions = {"is " + size + " bytes", "2 GiB", "save_as_external_data=True"};
    unsupported(() -> SpecFiles.readModel(spec, files), mentions); // executor
    unsupported(() -> ModelChecks.checkModel(spec, new Configuration()), mentions); // driver
  }

  @Test
  void anOversizedTokenizerIsRefusedWithTheFix() throws IOException {
    long size = SpecFiles.MAX_TOKENIZER_BYTES + 1;
    ModelSpec spec = folder(100, size);
    String[] mentions = {"tokenizer", "is " + size + " bytes", "over Ember's cap"};
    unsupported(() -> SpecFiles.readTokenizer(spec, files), mentions);
    unsupported(() -> ModelChecks.checkModel(spec, new Configuration()), mentions);
  }

  @Test
  void filesUnderTheCapsAreReadWhole() throws IOException {
    byte[] bytes = new byte[70_000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31);
    }
    Path f = Files.write(tmp.resolve("tokenizer.json"), bytes);
    assertEquals(bytes.length, files.size(f.toString()));
    assertArrayEquals(bytes, files.read(f.toString()));
  }
}
