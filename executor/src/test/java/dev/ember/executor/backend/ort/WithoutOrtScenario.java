package dev.ember.executor.backend.ort;

import dev.ember.executor.backend.BackendPolicy;
import dev.ember.executor.backend.interp.InterpBackend;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.testing.ReduceSumSquareModel;
import dev.ember.executor.testing.TestModels;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Run by {@link WithoutOrtTest} inside a class loader that has no ONNX Runtime: a model Ember
 * implements runs under {@code auto}, and one it does not fails with an Ember error. Reports in
 * plain strings, since its classes are not the test's.
 */
public final class WithoutOrtScenario implements Callable<String> {
  @Override
  public String call() {
    Graph mlp = TestModels.graph(TestModels.mlp());
    CompileWrapper w = CompileWrapper.builder(CompileOptions.level(1))
        .backend(new InterpBackend()).backendPolicy(BackendPolicy.AUTO)
        .build(mlp, TestModels.mlp().toByteArray());
    float first = w.call(Map.of("x", TestModels.randomFloats(new int[] {2, 4}, 7)))
        .get("y").rawFloats()[0];
    String missing;
    try {
      byte[] bytes = ReduceSumSquareModel.bytes();
      CompileWrapper.builder(CompileOptions.level(1)).backend(new InterpBackend())
          .backendPolicy(BackendPolicy.AUTO)
          .build(OnnxLoader.load(bytes, "reduce_sum_square.onnx").graph(), bytes);
      missing = "built";
    } catch (EmberException e) {
      missing = e.code() + ": " + e.getMessage();
    }
    return w.backendName() + " " + Float.isFinite(first) + "\n" + missing;
  }
}
