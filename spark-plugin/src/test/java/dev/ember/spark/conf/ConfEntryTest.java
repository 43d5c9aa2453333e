package dev.ember.spark.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.errors.EmberException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Types and builder rules, on a private registry so no test key leaks into EmberConf. */
class ConfEntryTest {
  private final ConfRegistry registry = new ConfRegistry();

  private ConfBuilder conf(String key) {
    return registry.conf(key).doc("test key").since("0.1.0");
  }

  private static void assertRejected(ConfEntry<?> entry, String raw, String allowed) {
    EmberException e = assertThrows(EmberException.class, () -> entry.parse(raw));
    assertEquals(
        "BAD_CONF: "
            + entry.key()
            + " must be "
            + allowed
            + ", but was '"
            + raw
            + "'. Fix: set "
            + entry.key()
            + " to "
            + allowed,
        e.getMessage());
  }

  @Test
  void intList() {
    ConfEntry<List<Integer>> buckets =
        conf("spark.ember.t.buckets").intListConf().createWithDefault(List.of(1, 8, 32));
    assertEquals("1,8,32", buckets.defaultString());
    assertEquals(List.of(1, 8, 128), buckets.parse("1, 8 ,128"));
    assertEquals(List.of(7), buckets.parse("7"));
    assertEquals(List.of(), buckets.parse(""));
    assertEquals(List.of(), buckets.parse("  "));
    assertEquals(List.of(-3), buckets.parse("-3"));
    for (String bad : List.of("1,,2", "1,", ",1", "1;2", "a", "1.0", "1 2")) {
      assertRejected(buckets, bad, "a comma-separated list of integers");
    }
  }

  @Test
  void intListWithCheck() {
    ConfEntry<List<Integer>> buckets =
        conf("spark.ember.t.buckets")
            .intListConf()
            .check(
                l -> !l.isEmpty() && l.stream().allMatch(v -> v > 0),
                "a non-empty comma-separated list of positive integers")
            .createWithDefault(List.of(1, 8));
    assertRejected(buckets, "32,0", "a non-empty comma-separated list of positive integers");
    assertRejected(buckets, "", "a non-empty comma-separated list of positive integers");
    assertRejected(buckets, "x", "a non-empty comma-separated list of positive integers");
  }

  @Test
  void stringList() {
    ConfEntry<List<String>> names =
        conf("spark.ember.t.names").stringListConf().createWithDefault(List.of());
    assertEquals("", names.defaultString());
    assertEquals(List.of("a", "b c"), names.parse(" a , b c"));
    assertRejected(names, "a,,b", "a comma-separated list of strings");
  }

  @ParameterizedTest
  @ValueSource(strings = {"true", "TRUE", " True "})
  void booleanTrue(String raw) {
    ConfEntry<Boolean> flag = conf("spark.ember.t.flag").booleanConf().createWithDefault(false);
    assertEquals(true, flag.parse(raw));
  }

  @Test
  void booleanRejectsOtherWords() {
    ConfEntry<Boolean> flag = conf("spark.ember.t.flag").booleanConf().createWithDefault(false);
    assertEquals(false, flag.parse("false"));
    for (String bad : List.of("1", "0", "yes", "on", "")) {
      assertRejected(flag, bad, "true or false");
    }
  }

  @Test
  void longAndDouble() {
    ConfEntry<Long> bytes = conf("spark.ember.t.bytes").longConf().createWithDefault(1L << 40);
    assertEquals("1099511627776", bytes.defaultString());
    assertEquals(5_000_000_000L, bytes.parse("5000000000"));
    assertRejected(bytes, "5g", "an integer");

    ConfEntry<Double> ratio =
        conf("spark.ember.t.ratio")
            .doubleConf()
            .check(v -> v > 0 && v <= 1, "a number in (0, 1]")
            .createWithDefault(0.5);
    assertEquals("0.5", ratio.defaultString());
    assertEquals(0.25, ratio.parse(" 0.25"));
    for (String bad : List.of("0", "1.5", "NaN", "Infinity", "half")) {
      assertRejected(ratio, bad, "a number in (0, 1]");
    }
  }

  @Test
  void stringIsTakenAsWritten() {
    ConfEntry<String> dir = conf("spark.ember.t.dir").stringConf().createWithDefault("/tmp");
    assertEquals(" /a b ", dir.parse(" /a b "));
  }

  @Test
  void choiceReturnsTheDeclaredSpelling() {
    ConfEntry<String> mode =
        conf("spark.ember.t.mode")
            .choiceConf("FALLBACK", "CODEGEN_ONLY", "INTERPRET")
            .createWithDefault("FALLBACK");
    assertEquals("CODEGEN_ONLY", mode.parse("codegen_only"));
    assertEquals("one of FALLBACK, CODEGEN_ONLY, INTERPRET (case-insensitive)", mode.allowed());
    assertRejected(mode, "codegen", "one of FALLBACK, CODEGEN_ONLY, INTERPRET (case-insensitive)");
  }

  @Test
  void optionalEntry() {
    ConfEntry<Optional<Integer>> seed =
        conf("spark.ember.t.seed").intConf().check(v -> v >= 0, "an integer >= 0").createOptional();
    assertEquals(Optional.empty(), seed.defaultValue());
    assertEquals("(none)", seed.defaultString());
    assertEquals(Optional.of(3), seed.parse("3"));
    assertRejected(seed, "-1", "an integer >= 0");
    assertRejected(seed, "x", "an integer >= 0");
    EmberConf conf = EmberConf.from(registry, Map.of("spark.ember.t.seed", "9"));
    assertEquals(Optional.of(9), conf.get(seed));
    assertEquals(Optional.empty(), EmberConf.from(registry, Map.of()).get(seed));
  }

  @Test
  void metadataIsKept() {
    ConfEntry<Integer> e =
        registry
            .conf("spark.ember.t.meta")
            .doc("d")
            .since("0.2.0")
            .startupOnly()
            .internal()
            .intConf()
            .createWithDefault(1);
    assertEquals("spark.ember.t.meta", e.key());
    assertEquals("d", e.doc());
    assertEquals("0.2.0", e.since());
    assertTrue(e.isStartupOnly());
    assertTrue(e.isInternal());
    assertEquals("an integer", e.allowed());
    assertEquals("spark.ember.t.meta", e.toString());
    assertEquals(List.of(e), registry.entries());
  }

  @Test
  void builderRejectsDuplicateKeysBadPrefixesAndMissingMetadata() {
    conf("spark.ember.t.x").intConf().createWithDefault(1);
    assertMessage(
        "configuration key spark.ember.t.x is declared twice",
        () -> conf("spark.ember.t.x").intConf().createWithDefault(1));
    assertMessage(
        "configuration key 'spark.other.x' must start with spark.ember.",
        () -> conf("spark.other.x").intConf().createWithDefault(1));
    assertMessage(
        "configuration key 'spark.ember.' must start with spark.ember.",
        () -> conf("spark.ember.").intConf().createWithDefault(1));
    assertMessage(
        "spark.ember.t.nodoc has no doc(...)",
        () -> registry.conf("spark.ember.t.nodoc").since("0.1.0").intConf().createWithDefault(1));
    assertMessage(
        "spark.ember.t.nosince has no since(...)",
        () -> registry.conf("spark.ember.t.nosince").doc("d").intConf().createWithDefault(1));
  }

  @Test
  void builderRejectsDefaultsThatAreNotAllowed() {
    assertMessage(
        "spark.ember.t.d: default '0' is not an integer in [1, 8]",
        () ->
            conf("spark.ember.t.d")
                .intConf()
                .check(v -> v >= 1 && v <= 8, "an integer in [1, 8]")
                .createWithDefault(0));
    assertMessage(
        "spark.ember.t.c: default 'AUTO' is not one of auto, cpu (case-insensitive)",
        () -> conf("spark.ember.t.c").choiceConf("auto", "cpu").createWithDefault("AUTO"));
    assertMessage(
        "spark.ember.t.l: default 'a,' is not a comma-separated list of strings",
        () -> conf("spark.ember.t.l").stringListConf().createWithDefault(List.of("a", "")));
    assertMessage(
        "spark.ember.t.twice already has a check; combine the conditions into one",
        () -> conf("spark.ember.t.twice").intConf().check(v -> true, "a").check(v -> true, "b"));
    assertTrue(registry.entries().isEmpty(), "nothing registered");
  }

  private static void assertMessage(String expected, Runnable declaration) {
    IllegalStateException e = assertThrows(IllegalStateException.class, declaration::run);
    assertEquals(expected, e.getMessage());
  }

  @Test
  void editDistance() {
    assertEquals(0, ConfRegistry.editDistance("abc", "abc"));
    assertEquals(1, ConfRegistry.editDistance("batchsize", "batchSize"));
    assertEquals(3, ConfRegistry.editDistance("kitten", "sitting"));
    assertEquals(4, ConfRegistry.editDistance("", "abcd"));
  }
}
