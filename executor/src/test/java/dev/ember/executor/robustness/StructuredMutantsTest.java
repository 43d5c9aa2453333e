package dev.ember.executor.robustness;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxLoader;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
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
 * Well-formed hostile models (see {@link ProtoMutator}) through loader, interpreter and passes. The
 * contract is the byte mutants' one: run, or an EmberException with a message. Kernel failures that
 * the interpreter had to wrap from a foreign exception (KERNEL_FAILED around an NPE, an index
 * error, ...) meet the contract but are op bugs: they are listed, not failed.
 */
class StructuredMutantsTest {
  private static final int MUTANTS = 400;
  private static final long TIMEOUT_SECONDS = 10;

  @Test
  void hostileModelsRunOrFailCleanly() throws InterruptedException {
    List<String> ops =
        OpRegistry.standard().all().stream()
            .filter(op -> op.spec().domain().isEmpty())
            .map((OpDef op) -> op.spec().opType())
            .toList();
    ProtoMutator mutator = new ProtoMutator(ops);
    ModelProto base = TestModels.mlp();
    Tensor x = TestModels.randomFloats(new int[] {2, 4}, 5);
    Map<String, Integer> counts = new TreeMap<>();
    List<String> bugs = new ArrayList<>();
    List<String> wrapped = new ArrayList<>();
    ExecutorService pool = newPool();
    try {
      for (long seed = 0; seed < MUTANTS; seed++) {
        byte[] bytes = mutator.mutate(base, seed).toByteArray();
        Future<String> f = pool.submit(() -> classify(bytes, x));
        String bucket;
        try {
          bucket = f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          f.cancel(true);
          pool.shutdownNow();
          pool = newPool();
          bucket = "BUG: no result after " + TIMEOUT_SECONDS + " s (hang)";
        } catch (ExecutionException e) {
          bucket = "BUG: " + e.getCause();
        }
        if (bucket.startsWith("BUG")) {
          bugs.add("seed " + seed + ": " + bucket);
          bucket = "BUG";
        } else if (bucket.startsWith("WRAPPED")) {
          wrapped.add("seed " + seed + ": " + bucket);
          bucket = "KERNEL_FAILED (wrapped foreign exception)";
        }
        counts.merge(bucket, 1, Integer::sum);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.println("Structured mutants of mlp x" + MUTANTS + ": " + counts);
    wrapped.forEach(w -> System.out.println("  OP BUG (wrapped) " + w));
    bugs.forEach(b -> System.out.println("  BUG " + b));
    assertTrue(
        bugs.isEmpty(),
        bugs.size() + " mutants escaped cleanly-reported errors:\n" + String.join("\n", bugs));
  }

  private static String classify(byte[] bytes, Tensor x) {
    try {
      Graph g = OnnxLoader.load(bytes, "mutant.onnx").graph();
      try {
        new Interpreter(g, OpRegistry.standard()).run(Map.of("x", x));
      } finally {
        new Specializer(OpRegistry.standard(), (n, r) -> {}).simplify(g);
      }
      return "ok";
    } catch (EmberException e) {
      if (e.getMessage() == null || e.getMessage().equals(e.code() + ": ")) {
        return "BUG: EmberException " + e.code() + " with an empty message";
      }
      Throwable cause = e.getCause();
      if (e.code() == ErrorCode.KERNEL_FAILED
          && cause != null
          && !(cause instanceof OpException)
          && !(cause instanceof OutOfMemoryError)) {
        return "WRAPPED "
            + e.getMessage().lines().findFirst().orElse("")
            + " | "
            + cause
            + " at "
            + top(cause);
      }
      return "error " + e.code();
    } catch (Throwable t) {
      return "BUG: " + t + " at " + top(t);
    }
  }

  private static String top(Throwable t) {
    for (StackTraceElement e : t.getStackTrace()) {
      if (e.getClassName().startsWith("dev.ember")) {
        return e.toString();
      }
    }
    return t.getStackTrace().length > 0 ? t.getStackTrace()[0].toString() : "?";
  }

  private static ExecutorService newPool() {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, "structured-mutant-runner");
          t.setDaemon(true);
          return t;
        });
  }
}
