package dev.ember.executor.conformance;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.cpu.CpuVariant;
import dev.ember.executor.backend.cpu.JaninoCompiler;
import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.dispatch.CompileOptions;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.Graph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One way to run a node test: a backend at a compile level, how close its outputs must come to
 * the expected ones, and what else it checks about its variants.
 *
 * @param name the backend's name in test names and in {@code [name]} lines of
 *     conformance-excludes.txt
 * @param level the compile level (0: the interpreter)
 * @param backend the backend compiling levels 1-3; null at level 0
 * @param atol the absolute tolerance on top of {@link dev.ember.executor.testing.Tolerance}'s:
 *     generated loops compute in float where the reference kernels use double
 * @param gemm the CPU GEMM ({@code cpu.gemm}): named, not measured, so results do not depend on
 *     which GEMM a host measures fastest
 */
record NodeTestBackend(String name, int level, Supplier<Backend> backend, double atol,
    String gemm) {
  /** Absolute tolerance of generated float code, as the old CPU and CUDA agreement suites had. */
  static final double COMPILED_ATOL = 1e-5;

  static NodeTestBackend interpreter() {
    return new NodeTestBackend("interpreter", 0, null, 0, null);
  }

  /** Levels 1 and 2 on the Java GEMM, level 3 on the Vector API GEMM (surefire adds its module). */
  static NodeTestBackend cpu(int level) {
    return new NodeTestBackend("cpu-l" + level, level, CpuJaninoBackend::new, COMPILED_ATOL,
        level == 3 ? "vector" : "java");
  }

  static NodeTestBackend cuda(String name, Supplier<Backend> backend) {
    return new NodeTestBackend(name, 1, backend, COMPILED_ATOL, "java");
  }

  /** A wrapper over {@code g}, its CPU products on {@link #gemm}. */
  CompileWrapper wrap(Graph g) {
    CompileWrapper.Builder b = CompileWrapper.builder(CompileOptions.level(level));
    if (backend != null) {
      b.backend(backend.get()).backendOptions(Map.of("cpu.gemm", gemm));
    }
    return b.build(g);
  }

  /** Problems with the compiled variants themselves: generated methods past the JIT's limit. */
  static List<String> variantProblems(CompileWrapper w) {
    List<String> out = new ArrayList<>();
    for (CompiledVariant v : w.variants()) {
      if (v instanceof CpuVariant cv) {
        cv.methodSizes().forEach((method, bytes) -> {
          if (bytes >= JaninoCompiler.JIT_METHOD_LIMIT) {
            out.add("method " + method + " has " + bytes + " bytes of bytecode");
          }
        });
      }
    }
    return out;
  }
}
