package dev.ember.udfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.OnnxModel;
import dev.ember.tribuo.TribuoFixture;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Models nobody here wrote: each Tribuo-trained model from module {@code tribuo-models}, run by
 * Ember's engine on every row of its data.csv, at level 0 (the interpreter) and levels 1 to 3 on
 * the CPU (Janino) backend, gives Tribuo's label on every row and Tribuo's scores or values within
 * 1e-4 relative (scores under {@link TribuoFixture#RELATIVE_FLOOR} within 1e-7 absolute).
 *
 * <p>It lives here rather than in {@code tribuo-models} because Tribuo 4.3.2 needs protobuf-java
 * 3.25.6 at run time while the engine is built and shipped against 3.19.6: this module sees the
 * fixtures only, with the engine's own protobuf.
 */
class TribuoModelsOnEmberTest {
  static final double RTOL = 1e-4;

  static Stream<Arguments> modelsAndLevels() {
    return TribuoFixture.names().stream()
        .flatMap(name -> IntStream.rangeClosed(0, 3).mapToObj(level -> Arguments.of(name, level)));
  }

  @Test
  void theFixturesBringNoTribuo() {
    // tribuo-models keeps Tribuo (and its newer protobuf) at provided scope: resources only here.
    assertThrows(ClassNotFoundException.class, () -> Class.forName("org.tribuo.Model"));
    assertThrows(ClassNotFoundException.class, () -> Class.forName("ai.onnx.proto.OnnxMl"));
  }

  @ParameterizedTest(name = "{0} level {1}")
  @MethodSource("modelsAndLevels")
  void emberAgreesWithTribuo(String name, int level) {
    TribuoFixture f = TribuoFixture.load(name);
    OnnxModel model = OnnxLoader.load(f.modelBytes(), name + "/model.onnx");
    CompileWrapper w =
        CompileWrapper.builder(CompileOptions.level(level))
            .backend(new CpuJaninoBackend())
            .build(model.graph());
    Tensor x = Tensor.ofFloats(new int[] {f.rowCount(), f.width()}, f.flatRows());
    Map<String, Tensor> out = w.call(Map.of(f.inputName(), x));

    String output = f.outputNames().get(0);
    Tensor y = out.get(output);
    int cols = f.classifier() ? f.labels().size() : 1;
    assertArrayEquals(new int[] {f.rowCount(), cols}, y.shape(), name + " output " + output);
    float[] flat = y.rawFloats();
    float[][] got = new float[f.rowCount()][cols];
    for (int i = 0; i < got.length; i++) {
      System.arraycopy(flat, i * cols, got[i], 0, cols);
    }
    TribuoFixture.Agreement a = f.compare(got);
    System.out.println("Ember level " + level + " (" + w.backendName() + ") vs Tribuo, " + a);
    assertEquals(0, a.argmaxMismatches(), a.toString());
    assertEquals(0, a.labelMismatches(), a.toString());
    assertTrue(a.maxRelError() <= RTOL, a.toString());
  }
}
