package dev.ember.executor.robustness;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.passes.Specializer;
import dev.ember.executor.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Feeds a few hundred deterministically corrupted copies of a small valid model to the loader, the
 * interpreter and the simplifying passes. Each must run or fail with an {@link EmberException} that
 * has a message; a foreign exception, an Error or a hang is a bug, reported with the seed that
 * reproduces it ({@code Mutator.mutate(bytes, seed)}).
 */
class MutatedModelsTest {
  private static final int MUTANTS = 600;
  private static final long TIMEOUT_SECONDS = 5;

  @Test
  void corruptedModelsRunOrFailCleanly() throws InterruptedException {
    boolean mlp =
        List.of("MatMul", "Add", "Relu", "Reshape").stream()
            .allMatch(op -> OpRegistry.standard().supports("", op));
    ModelProto model = mlp ? TestModels.mlp() : TestModels.addConstant();
    Tensor x =
        mlp
            ? TestModels.randomFloats(new int[] {2, 4}, 11)
            : TestModels.randomFloats(new int[] {2, 3}, 11);
    byte[] original = model.toByteArray();
    Outcome baseline = Outcome.of(() -> check(original, x));
    assertTrue(baseline.ok(), "the unmutated model must run: " + baseline);

    Map<String, Integer> counts = new TreeMap<>();
    List<String> bugs = new ArrayList<>();
    ExecutorService pool = newPool();
    try {
      for (long seed = 0; seed < MUTANTS; seed++) {
        byte[] mutant = Mutator.mutate(original, seed);
        Future<Outcome> f = pool.submit(() -> Outcome.of(() -> check(mutant, x)));
        Outcome o;
        try {
          o = f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          f.cancel(true);
          pool.shutdownNow();
          pool = newPool(); // the hung thread is a daemon; do not queue behind it
          o = Outcome.bug("no result after " + TIMEOUT_SECONDS + " s (hang)");
        } catch (ExecutionException e) {
          o = Outcome.bug(String.valueOf(e.getCause()));
        }
        counts.merge(o.bucket(), 1, Integer::sum);
        if (o.bug() != null) {
          bugs.add("seed " + seed + " (" + Mutator.kind(seed) + "): " + o.bug());
        }
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.println(
        "Mutated " + (mlp ? "mlp" : "add_constant") + " model x" + MUTANTS + ": " + counts);
    bugs.forEach(b -> System.out.println("  BUG " + b));
    assertTrue(
        bugs.isEmpty(),
        bugs.size() + " mutants escaped cleanly-reported errors:\n" + String.join("\n", bugs));
  }

  /** Load, run, then simplify and run again; both runs must agree on success. */
  private static void check(byte[] bytes, Tensor x) {
    Graph g = OnnxLoader.load(bytes, "mutant.onnx").graph();
    Map<String, Tensor> feeds =
        g.inputs().isEmpty() ? Map.of() : Map.of(g.inputs().get(0).name(), x);
    try {
      new Interpreter(g, OpRegistry.standard()).run(feeds);
    } finally {
      // The passes must hold to the same contract on whatever the loader accepted.
      new Specializer(OpRegistry.standard(), (n, r) -> {}).simplify(g);
    }
  }

  private static ExecutorService newPool() {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, "mutant-runner");
          t.setDaemon(true);
          return t;
        });
  }

  /** What one mutant did: ran, failed cleanly with a code, or escaped (a bug). */
  record Outcome(String bucket, String bug) {
    static Outcome of(Runnable r) {
      try {
        r.run();
        return new Outcome("ok", null);
      } catch (EmberException e) {
        if (e.getMessage() == null
            || e.getMessage().isBlank()
            || e.getMessage().equals(e.code() + ": ")) {
          return bug("EmberException " + e.code() + " with an empty message");
        }
        return new Outcome("error " + e.code(), null);
      } catch (Throwable t) { // anything else, Errors included, is what this test hunts
        StackTraceElement at = t.getStackTrace().length > 0 ? t.getStackTrace()[0] : null;
        return bug(t + (at == null ? "" : " at " + at));
      }
    }

    static Outcome bug(String what) {
      return new Outcome("BUG", what);
    }

    boolean ok() {
      return bug == null && bucket.equals("ok");
    }
  }
}
