package dev.ember.executor.dispatch;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.interp.InterpBackend;
import dev.ember.executor.ir.Tensor;
import java.util.Map;

/**
 * The backend that compiles levels 1-3 in the tests that compare every level with level 0, and how
 * closely it must match: the interpreter for now, bit for bit; swap in the CPU backend here to
 * re-run those tests on generated code, at rtol 1e-4.
 */
final class TestCompilers {
  private TestCompilers() {}

  static Backend backend() {
    return new InterpBackend();
  }

  /** Level-1/2 results must equal level 0 exactly on the interpreter, within 1e-4 otherwise. */
  static void assertMatches(Map<String, Tensor> level0, Map<String, Tensor> got, String what) {
    if (backend() instanceof InterpBackend) {
      DispatchModels.assertSame(level0, got, what);
    } else {
      DispatchModels.assertClose(level0, got, 1e-4, 1e-5, what);
    }
  }

  static CompileWrapper.Builder builder(CompileOptions o) {
    return CompileWrapper.builder(o).backend(backend());
  }
}
