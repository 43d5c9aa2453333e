package dev.ember.executor.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.cpu.JaninoCompiler;
import dev.ember.executor.cache.CompileCache;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wrapper over the disk cache with the Janino backend: warm starts compile nothing. */
class CachedVariantStoreTest {
  @TempDir Path dir;

  static final Graph MLP = TestModels.graph(TestModels.mlp());
  static final Map<String, Tensor> X =
      Map.of("x", TestModels.randomFloats(new int[] {2, 4}, 7));

  CompileWrapper wrapper(CompileCache cache) {
    return CompileWrapper.builder(CompileOptions.level(1))
        .backend(new CpuJaninoBackend())
        .store(new CachedVariantStore(cache, "ab".repeat(32), "level=1", "cpu"))
        .build(MLP);
  }

  @Test
  void secondWrapperOnTheSameDirCompilesNothing() {
    float[] cold = wrapper(CompileCache.open(dir)).call(X).get("y").rawFloats();
    long compiledBefore = JaninoCompiler.compilations();
    CompileCache second = CompileCache.open(dir);
    float[] warm = wrapper(second).call(X).get("y").rawFloats();
    assertEquals(compiledBefore, JaninoCompiler.compilations(), "warm start ran Janino");
    assertEquals(1, second.stats().hits());
    assertArrayEquals(cold, warm);
  }

  @Test
  void corruptedClassFileIsQuarantinedAndRebuilt() throws IOException {
    float[] cold = wrapper(CompileCache.open(dir)).call(X).get("y").rawFloats();
    Path classFile;
    try (Stream<Path> s = Files.walk(dir)) {
      classFile = s.filter(p -> p.toString().endsWith(".class")).findFirst().orElseThrow();
    }
    byte[] b = Files.readAllBytes(classFile);
    b[b.length / 2] ^= 0x5a;
    Files.write(classFile, b);
    CompileCache again = CompileCache.open(dir);
    float[] rebuilt = wrapper(again).call(X).get("y").rawFloats();
    assertArrayEquals(cold, rebuilt);
    assertEquals(1, again.stats().rebuilds(), again.stats().toString());
    assertTrue(Files.list(dir.resolve("quarantine")).findAny().isPresent());
  }

  @Test
  void entryHoldsTheReadableSourceAndGraph() throws IOException {
    wrapper(CompileCache.open(dir)).call(X);
    try (Stream<Path> s = Files.walk(dir)) {
      List<String> names = s.map(p -> p.getFileName().toString()).toList();
      assertTrue(names.contains("transformed_code.java"), names.toString());
      assertTrue(names.contains("graph.txt"), names.toString());
      assertTrue(names.contains("cache_key_factors"), names.toString());
    }
  }
}
