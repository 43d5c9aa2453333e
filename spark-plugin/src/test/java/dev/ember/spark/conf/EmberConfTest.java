package dev.ember.spark.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EmberConfTest {

  @Test
  void everyKeyIsDeclaredOnceUnderTheEmberPrefixWithDocAndSince() {
    Set<String> keys = new HashSet<>();
    for (ConfEntry<?> entry : EmberConf.entries()) {
      assertTrue(keys.add(entry.key()), "declared twice: " + entry.key());
      assertTrue(entry.key().startsWith("spark.ember."), entry.key());
      assertFalse(entry.doc().isBlank(), entry.key() + " has no doc");
      assertTrue(entry.since().matches("\\d+\\.\\d+\\.\\d+"), entry.key() + " since");
      if (!java.util.Optional.empty().equals(entry.defaultValue())) { // "(none)" is not a value
        assertEquals(entry.defaultValue(), entry.parse(entry.defaultString()), entry.key());
      }
    }
  }

  @Test
  void entriesKeepDeclarationOrder() {
    List<ConfEntry<?>> entries = EmberConf.entries();
    assertEquals(EmberConf.MODELS, entries.get(0));
    assertTrue(entries.indexOf(EmberConf.BATCH_SIZE) < entries.indexOf(EmberConf.SORT_BY_LENGTH));
  }

  @Test
  void defaults() {
    EmberConf conf = EmberConf.from(Map.of());
    assertEquals(List.of("builtin:all-minilm-l6-v2"), conf.get(EmberConf.MODELS));
    assertEquals(256, conf.get(EmberConf.TEXT_MAX_LENGTH));
    assertEquals(64, conf.get(EmberConf.BATCH_SIZE));
    assertEquals("auto", conf.get(EmberConf.DEVICE));
    assertEquals(3, conf.get(EmberConf.COMPILE_LEVEL));
    assertEquals(1, conf.get(EmberConf.ENGINE_THREADS));
    assertEquals(true, conf.get(EmberConf.SORT_BY_LENGTH));
    assertFalse(conf.isSet(EmberConf.BATCH_SIZE));
    assertEquals(64, EmberConf.defaults().get(EmberConf.BATCH_SIZE));
  }

  @Test
  void parsesEveryKey() {
    EmberConf conf =
        EmberConf.from(
            Map.of(
                "spark.ember.models", "builtin:all-minilm-l6-v2, file:/models/b.onnx",
                "spark.ember.text.maxLength", " 512 ",
                "spark.ember.batchSize", "1",
                "spark.ember.device", "CPU",
                "spark.ember.compile.level", "2",
                "spark.ember.engine.threads", "8",
                "spark.ember.sortByLength", "FALSE",
                "spark.executor.cores", "4"));
    assertEquals(
        List.of("builtin:all-minilm-l6-v2", "file:/models/b.onnx"), conf.get(EmberConf.MODELS));
    assertEquals(512, conf.get(EmberConf.TEXT_MAX_LENGTH));
    assertEquals(1, conf.get(EmberConf.BATCH_SIZE));
    assertEquals("cpu", conf.get(EmberConf.DEVICE));
    assertEquals(2, conf.get(EmberConf.COMPILE_LEVEL));
    assertEquals(8, conf.get(EmberConf.ENGINE_THREADS));
    assertEquals(false, conf.get(EmberConf.SORT_BY_LENGTH));
    assertTrue(conf.isSet(EmberConf.BATCH_SIZE));
  }

  @ParameterizedTest
  @CsvSource({"auto,auto", "AUTO,auto", "Cuda,cuda", "' cpu ',cpu"})
  void deviceIsCaseInsensitive(String raw, String expected) {
    assertEquals(expected, EmberConf.from(Map.of("spark.ember.device", raw)).get(EmberConf.DEVICE));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = ';',
      value = {
        "spark.ember.models;'';a non-empty comma-separated list of model specs, such as"
            + " builtin:all-minilm-l6-v2",
        "spark.ember.models;a,,b;a non-empty comma-separated list of model specs, such as"
            + " builtin:all-minilm-l6-v2",
        "spark.ember.text.maxLength;1000;an integer in [1, 512]",
        "spark.ember.text.maxLength;0;an integer in [1, 512]",
        "spark.ember.text.maxLength;abc;an integer in [1, 512]",
        "spark.ember.batchSize;0;an integer in [1, 4096]",
        "spark.ember.batchSize;4097;an integer in [1, 4096]",
        "spark.ember.batchSize;99999999999;an integer in [1, 4096]",
        "spark.ember.batchSize;1.5;an integer in [1, 4096]",
        "spark.ember.device;gpu;one of auto, cpu, cuda (case-insensitive)",
        "spark.ember.compile.level;4;an integer in [0, 3]",
        "spark.ember.compile.level;-1;an integer in [0, 3]",
        "spark.ember.engine.threads;0;an integer >= 1",
        "spark.ember.sortByLength;yes;true or false",
      })
  void badValueNamesKeyValueAndWhatIsAllowed(String key, String raw, String allowed) {
    EmberException e = assertThrows(EmberException.class, () -> EmberConf.from(Map.of(key, raw)));
    assertEquals(ErrorCode.BAD_CONF, e.code());
    assertEquals(
        "BAD_CONF: "
            + key
            + " must be "
            + allowed
            + ", but was '"
            + raw
            + "'. Fix: set "
            + key
            + " to "
            + allowed,
        e.getMessage());
  }

  @Test
  void messageMatchesTheDocumentedExample() {
    EmberException e =
        assertThrows(
            EmberException.class,
            () -> EmberConf.from(Map.of("spark.ember.text.maxLength", "1000")));
    assertEquals(
        "BAD_CONF: spark.ember.text.maxLength must be an integer in [1, 512], but was '1000'."
            + " Fix: set spark.ember.text.maxLength to an integer in [1, 512]",
        e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
    "spark.ember.batchsize,spark.ember.batchSize",
    "spark.ember.batch.size,spark.ember.batchSize",
    "spark.ember.maxLength,spark.ember.text.maxLength",
    "spark.ember.engine.thread,spark.ember.engine.threads",
    "spark.ember.compileLevel,spark.ember.compile.level",
    "spark.ember.model,spark.ember.models",
  })
  void unknownKeySuggestsTheClosestKey(String typo, String suggestion) {
    EmberException e = assertThrows(EmberException.class, () -> EmberConf.from(Map.of(typo, "1")));
    assertEquals(ErrorCode.BAD_CONF, e.code());
    assertEquals(
        "BAD_CONF: unknown configuration key "
            + typo
            + ". Fix: did you mean "
            + suggestion
            + "? Otherwise remove it; docs/configuration.md lists every key",
        e.getMessage());
  }

  @Test
  void unknownKeyFarFromEveryKeySuggestsNothing() {
    EmberException e =
        assertThrows(EmberException.class, () -> EmberConf.from(Map.of("spark.ember.foo", "1")));
    assertEquals(
        "BAD_CONF: unknown configuration key spark.ember.foo. Fix: remove it;"
            + " docs/configuration.md lists every key",
        e.getMessage());
  }

  @Test
  void otherKeysAreIgnored() {
    EmberConf conf =
        EmberConf.from(Map.of("spark.emberx", "1", "spark.executor.memory", "4g", "ember.a", "b"));
    assertEquals(64, conf.get(EmberConf.BATCH_SIZE));
  }

  @Test
  void firstBadKeyInSortedOrderIsReported() {
    EmberException e =
        assertThrows(
            EmberException.class,
            () ->
                EmberConf.from(
                    Map.of("spark.ember.text.maxLength", "0", "spark.ember.batchSize", "0")));
    assertTrue(e.getMessage().startsWith("BAD_CONF: spark.ember.batchSize "), e.getMessage());
  }

  @Test
  void readsSparkConf() {
    SparkConf sparkConf =
        new SparkConf(false)
            .set("spark.ember.batchSize", "128")
            .set("spark.ember.device", "Cuda")
            .set("spark.app.name", "t");
    EmberConf conf = EmberConf.from(sparkConf);
    assertEquals(128, conf.get(EmberConf.BATCH_SIZE));
    assertEquals("cuda", conf.get(EmberConf.DEVICE));
    assertThrows(
        EmberException.class,
        () -> EmberConf.from(new SparkConf(false).set("spark.ember.bachSize", "1")));
  }

  @Test
  void sessionMayChangeRuntimeKeysAndRepeatStartupKeys() {
    EmberConf startup =
        EmberConf.from(Map.of("spark.ember.device", "cpu", "spark.ember.batchSize", "32"));
    EmberConf session =
        startup.withSessionConf(
            Map.of(
                "spark.ember.batchSize", "256",
                "spark.ember.sortByLength", "false",
                "spark.ember.device", "CPU",
                "spark.ember.text.maxLength", "256"));
    assertEquals(256, session.get(EmberConf.BATCH_SIZE));
    assertEquals(false, session.get(EmberConf.SORT_BY_LENGTH));
    assertEquals("cpu", session.get(EmberConf.DEVICE));
    assertEquals(32, startup.get(EmberConf.BATCH_SIZE), "the startup conf is unchanged");
  }

  @Test
  void sessionCannotChangeStartupKeys() {
    EmberConf startup = EmberConf.from(Map.of("spark.ember.device", "cpu"));
    EmberException e =
        assertThrows(
            EmberException.class,
            () -> startup.withSessionConf(Map.of("spark.ember.device", "cuda")));
    assertEquals(
        "BAD_CONF: spark.ember.device is read only when the application starts and cannot be"
            + " changed in a running session (it started with 'cpu', the session sets 'cuda')."
            + " Fix: set spark.ember.device when the application starts"
            + " (spark-submit --conf spark.ember.device=...)",
        e.getMessage());
    EmberException unset =
        assertThrows(
            EmberException.class,
            () -> startup.withSessionConf(Map.of("spark.ember.models", "builtin:x")));
    assertTrue(unset.getMessage().contains("it started with 'builtin:all-minilm-l6-v2'"));
    assertThrows(
        EmberException.class, () -> startup.withSessionConf(Map.of("spark.ember.batchSize", "0")));
  }

  @Test
  void getRejectsAnEntryFromAnotherRegistry() {
    ConfRegistry other = new ConfRegistry();
    ConfEntry<Integer> foreign =
        other.conf("spark.ember.batchSize").doc("d").since("0.1.0").intConf().createWithDefault(1);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> EmberConf.defaults().get(foreign));
    assertTrue(e.getMessage().contains("spark.ember.batchSize"), e.getMessage());
    assertNotEquals(EmberConf.BATCH_SIZE, foreign);
  }
}
