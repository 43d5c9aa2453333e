package dev.ember.executor.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.VariantKey;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheKeyFactorsTest {
  private static final String SHA = CacheFixtures.MODEL_SHA;

  @Test
  void keyIsStableAndHexAndEveryFactorChangesIt() {
    CacheKeyFactors base = new CacheKeyFactors(SHA, "v", "c", "b", "d", "e");
    assertEquals(base.key(), new CacheKeyFactors(SHA, "v", "c", "b", "d", "e").key());
    assertTrue(base.key().matches("[0-9a-f]{32}"), base.key());
    List<CacheKeyFactors> others =
        List.of(
            new CacheKeyFactors("cd".repeat(32), "v", "c", "b", "d", "e"),
            new CacheKeyFactors(SHA, "v2", "c", "b", "d", "e"),
            new CacheKeyFactors(SHA, "v", "c2", "b", "d", "e"),
            new CacheKeyFactors(SHA, "v", "c", "b2", "d", "e"),
            new CacheKeyFactors(SHA, "v", "c", "b", "d2", "e"),
            new CacheKeyFactors(SHA, "v", "c", "b", "d", "e2"));
    for (CacheKeyFactors other : others) {
      assertNotEquals(base.key(), other.key(), other.toString());
    }
  }

  @Test
  void canonicalTextEscapesLineBreaksSoNoValueForgesAnotherFactor() {
    CacheKeyFactors forged = new CacheKeyFactors(SHA, "v", "x\ndevice=gpu", "b", "d", "e");
    CacheKeyFactors plain = new CacheKeyFactors(SHA, "v", "x", "b", "gpu", "e");
    assertTrue(forged.canonical().contains("compile_config=x\\ndevice=gpu\n"));
    assertEquals(7, forged.canonical().split("\n").length);
    assertNotEquals(forged.key(), plain.key());
  }

  @Test
  void describeShowsEveryFactorReadably() {
    CacheKeyFactors f =
        CacheKeyFactors.of(
            SHA,
            new VariantKey("g1", "cpu-janino", Map.of("x", List.of(8L, 128L)), Map.of()),
            "level=3",
            "cpu:amd64:avx2");
    String text = f.describe();
    for (String line :
        List.of(
            "layout=1",
            "engine_version=" + CacheKeyFactors.ENGINE_VERSION,
            "backend=cpu-janino",
            "device=cpu:amd64:avx2",
            "model_sha256=" + SHA,
            "compile_config=level=3",
            "variant=graph=g1;backend=cpu-janino;shapes={x=[8, 128]};options={}")) {
      assertTrue(text.contains(line + "\n"), () -> line + " missing from\n" + text);
    }
    assertTrue(text.contains(f.key()));
  }

  @Test
  void rejectsBadFactors() {
    assertThrows(
        IllegalArgumentException.class, () -> new CacheKeyFactors("ABC", "v", "c", "b", "d", "e"));
    assertThrows(
        IllegalArgumentException.class, () -> new CacheKeyFactors(SHA, "v", "c", " ", "d", "e"));
    assertThrows(
        IllegalArgumentException.class, () -> new CacheKeyFactors(SHA, "v", "c", "b", null, "e"));
  }
}
