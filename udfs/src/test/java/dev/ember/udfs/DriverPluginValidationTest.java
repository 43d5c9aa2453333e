package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A bad spark.ember.* value stops the application at start, naming the key to fix. */
class DriverPluginValidationTest {

  static String rootMessages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getMessage()).append('\n');
    }
    return sb.toString();
  }

  @Test
  void badValueFailsSparkStartWithTheKey() {
    Throwable t =
        assertThrows(
            Throwable.class, () -> LocalSpark.start(Map.of("spark.ember.text.maxLength", "1000")));
    String m = rootMessages(t);
    assertTrue(m.contains("spark.ember.text.maxLength") && m.contains("1000"), m);
  }

  @Test
  void misspelledKeySuggestsTheRightOne() {
    Throwable t =
        assertThrows(
            Throwable.class, () -> LocalSpark.start(Map.of("spark.ember.batchsize", "8")));
    String m = rootMessages(t);
    assertTrue(m.contains("spark.ember.batchSize"), m);
  }

  @Test
  void missingModelFileFailsSparkStart() {
    Throwable t =
        assertThrows(
            Throwable.class,
            () -> LocalSpark.start(Map.of("spark.ember.models", "/no/such/dir/model.onnx")));
    String m = rootMessages(t);
    assertTrue(m.contains("/no/such/dir/model.onnx"), m);
  }

  @Test
  void cudaAtCompileLevelTwoFailsSparkStart() {
    Throwable t =
        assertThrows(
            Throwable.class,
            () ->
                LocalSpark.start(
                    Map.of("spark.ember.device", "cuda", "spark.ember.compile.level", "2")));
    String m = rootMessages(t);
    assertTrue(m.contains("BAD_CONF") && m.contains("level 2 compiles one symbolic-shape"), m);
  }
}
