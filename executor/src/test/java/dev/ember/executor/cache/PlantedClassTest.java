package dev.ember.executor.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.cpu.JaninoCompiler;
import dev.ember.executor.dispatch.CachedVariantStore;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attack reproduced on the old cache, end to end with the Janino backend: a writer of the cache
 * folder swaps the kernel's class file for one whose static initializer runs its own code, and
 * recomputes the sha256 in the manifest. The next warm start must not run it.
 */
class PlantedClassTest {
  private static final Graph MLP = TestModels.graph(TestModels.mlp());
  private static final Map<String, Tensor> X =
      Map.of("x", TestModels.randomFloats(new int[] {2, 4}, 7));

  @TempDir Path dir;
  private final CapturingLogger log = new CapturingLogger();

  private float[] run(CompileCache cache) {
    return CompileWrapper.builder(CompileOptions.level(1))
        .backend(new CpuJaninoBackend())
        .store(new CachedVariantStore(cache, "ab".repeat(32), "level=1", "cpu"))
        .build(MLP)
        .call(X)
        .get("y")
        .rawFloats();
  }

  @Test
  void classWithRecomputedSha256NeverRunsAndIsQuarantined() throws IOException {
    Path root = dir.resolve("cache");
    float[] cold = run(CompileCache.open(root, true, log));
    Path classFile = kernelClassFile(root);
    String fileName = classFile.getFileName().toString();
    String className = fileName.substring(0, fileName.length() - ".class".length());
    Path marker = dir.resolve("planted-code-ran");
    byte[] planted = plantedClass(className, marker);
    assertFalse(Files.exists(marker), "compiling the planted class must not run it");
    Path entry = classFile.getParent().getParent().getParent();
    Forger.replace(entry, entry.relativize(classFile).toString(), planted);

    CompileCache warm = CompileCache.open(root, true, log);
    float[] result = run(warm);

    assertFalse(Files.exists(marker), "the planted class ran");
    assertArrayEquals(cold, result);
    assertEquals(0, warm.stats().hits(), warm.stats().toString());
    assertEquals(1, warm.stats().quarantined(), warm.stats().toString());
    assertTrue(
        log.warnings().stream().anyMatch(w -> w.contains("manifest HMAC does not match")),
        log.warnings().toString());
  }

  /** A class of the kernel's name that writes {@code marker} as soon as it is initialised. */
  private static byte[] plantedClass(String className, Path marker) {
    String simple = className.substring(className.lastIndexOf('.') + 1);
    String source =
        "package dev.ember.generated;\n"
            + "public final class " + simple + " {\n"
            + "  static {\n"
            + "    try {\n"
            + "      new java.io.FileOutputStream(\"" + marker + "\").close();\n"
            + "    } catch (java.io.IOException e) {\n"
            + "      throw new RuntimeException(e);\n"
            + "    }\n"
            + "  }\n"
            // The constructor the backend calls, so that loading gets as far as initialising it.
            + "  public " + simple + "(dev.ember.executor.ir.Tensor[] c,"
            + " dev.ember.executor.backend.cpu.CpuRuntime rt) {}\n"
            + "}\n";
    return JaninoCompiler.compile(simple, source, 50).classes().get(className);
  }

  private static Path kernelClassFile(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.toString().endsWith(".class"))
          .filter(p -> p.getFileName().toString().startsWith("dev.ember.generated.Kernel_"))
          .findFirst()
          .orElseThrow();
    }
  }
}
