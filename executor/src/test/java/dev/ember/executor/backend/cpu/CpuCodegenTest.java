package dev.ember.executor.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.VariantArtifacts;
import dev.ember.executor.backend.VariantKey;
import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.TestModels;
import dev.ember.executor.testing.Tolerance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The generated source of a small graph against a reviewed golden file, and what happens when
 * generated code does not compile or saved artifacts do not fit.
 * {@code -Dgolden.regenerate=true} rewrites the golden file.
 */
class CpuCodegenTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/cpu-janino-mlp.java");

  private static VariantKey key() {
    return new VariantKey("mlp", CpuJaninoBackend.NAME, Map.of("x", java.util.List.of(2L, 4L)),
        Map.of("cpu.gemm", "java"));
  }

  /** The mlp test model with inferred types, as the wrapper hands graphs to backends. */
  private static Graph mlp() {
    return Specializer.specialize(TestModels.graph(TestModels.mlp()),
        Map.of("x", new int[] {2, 4}));
  }

  @Test
  void mlpSourceMatchesGolden() throws IOException {
    Graph g = mlp();
    CpuVariant v = (CpuVariant) new CpuJaninoBackend().compile(g, key());
    if (Boolean.getBoolean("golden.regenerate")) {
      Files.createDirectories(GOLDEN.getParent());
      Files.writeString(GOLDEN, v.source());
    }
    assertEquals(Files.readString(GOLDEN), v.source(), "generated source changed; review it and "
        + "rerun with -Dgolden.regenerate=true");
    Tensor x = TestModels.randomFloats(new int[] {2, 4}, 5);
    Tensor want = new Interpreter(g, OpRegistry.standard()).run(Map.of("x", x)).get("y");
    assertNull(Tolerance.mismatch(want, v.run(Map.of("x", x)).get("y"), 1e-4, 1e-5));
    assertTrue(v.source().contains("private final Gemm.Prepared const_"), v.source());
  }

  @Test
  void compileFailureNamesJaninoLocation() {
    String bad = "package dev.ember.generated;\npublic final class Broken {\n"
        + "  void f() { int x = ; }\n}\n";
    EmberException e = assertThrows(EmberException.class,
        () -> JaninoCompiler.compile("Broken", bad, 10));
    assertEquals(ErrorCode.KERNEL_COMPILE_FAILED, e.code());
    assertTrue(e.getMessage().contains("Broken.java") && e.getMessage().contains("Line 3"),
        e.getMessage());
    String numbered = JavaWriter.numbered(bad, 2);
    assertTrue(numbered.contains("    1 | package dev.ember.generated;"), numbered);
    assertTrue(numbered.contains("3 more lines"), numbered);
  }

  @Test
  void artifactsOfAnotherGraphDoNotLoad() {
    Graph g = mlp();
    CpuJaninoBackend backend = new CpuJaninoBackend();
    VariantArtifacts saved = backend.compile(g, key()).artifacts();
    Map<String, byte[]> files = new LinkedHashMap<>(saved.files());
    files.put(CpuJaninoBackend.SOURCE_FILE, "// edited\n".getBytes(StandardCharsets.UTF_8));
    EmberException e = assertThrows(EmberException.class,
        () -> backend.load(g, key(), new VariantArtifacts(files)));
    assertTrue(e.getMessage().contains("do not fit"), e.getMessage());
    Map<String, byte[]> noClasses = new LinkedHashMap<>(saved.files());
    noClasses.keySet().removeIf(f -> f.startsWith(CpuJaninoBackend.CLASS_DIR));
    assertThrows(EmberException.class,
        () -> backend.load(g, key(), new VariantArtifacts(noClasses)));
  }
}
