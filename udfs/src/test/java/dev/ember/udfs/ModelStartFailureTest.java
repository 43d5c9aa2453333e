package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.ir.DType;
import dev.ember.executor.testing.TestModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16: a model of {@code spark.ember.models} that cannot run fails the application with
 * Ember's code and message: on the driver at start when its header shows it (corrupt bytes, an
 * unsupported op), else through the executor plugin's report, which fails every job.
 */
class ModelStartFailureTest {
  @TempDir Path tmp;

  private Path modelFolder(byte[] onnx, String tokenizerJson) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("model"));
    Files.write(dir.resolve("model.onnx"), onnx);
    Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson, StandardCharsets.UTF_8);
    return dir;
  }

  private static String startFailure(Path model) {
    Throwable t =
        assertThrows(
            Throwable.class,
            () -> LocalSpark.start(Map.of("spark.ember.models", model.toString())).stop());
    return DriverPluginValidationTest.rootMessages(t);
  }

  @Test
  void corruptModelFailsSparkStartOnTheDriver() throws IOException {
    byte[] garbage = new byte[4096];
    new Random(5).nextBytes(garbage);
    Path dir = modelFolder(garbage, "{}");
    String m = startFailure(dir);
    assertTrue(m.contains("MODEL_INVALID: cannot read ONNX model '"
        + dir.resolve("model.onnx") + "'"), m);
    assertTrue(m.contains("not a valid ONNX protobuf"), m);
  }

  @Test
  void unsupportedOpFailsSparkStartOnTheDriver() throws IOException {
    byte[] model = TestModels.singleOp("NoSuchOp", DType.FLOAT, new long[] {2}, 1).toByteArray();
    String m = startFailure(modelFolder(model, "{}"));
    assertTrue(m.contains("UNSUPPORTED_OP: node 'NoSuchOp_0' (NoSuchOp, opset 17)"), m);
  }

  /**
   * A model whose header passes but that does not load (here its tokenizer.json is not JSON): the
   * executor stays up, records the failure and reports it; every job fails with the reason.
   */
  @Test
  void aModelThatFailsOnTheExecutorFailsEveryJobWithItsReason() throws IOException {
    Path dir = modelFolder(TestModels.mlp().toByteArray(), "{ this is not json");
    SparkSession spark = LocalSpark.start(Map.of("spark.ember.models", dir.toString()));
    try {
      StructType schema = new StructType().add("text", DataTypes.StringType);
      Dataset<Row> df =
          spark.createDataFrame(List.of(RowFactory.create("a"), RowFactory.create("b")), schema);
      for (int job = 0; job < 2; job++) {
        Throwable t =
            assertThrows(
                Throwable.class, () -> TextEmbeddings.of("text").transform(df).collectAsList());
        String m = DriverPluginValidationTest.rootMessages(t);
        assertTrue(m.contains("failed to load model '" + dir + "' at start: MODEL_INVALID: "
            + "tokenizer '" + dir.resolve("tokenizer.json") + "' is not a valid"), m);
      }
    } finally {
      spark.stop();
    }
  }
}
