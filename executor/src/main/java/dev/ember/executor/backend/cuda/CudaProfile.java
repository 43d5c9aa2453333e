package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.cuda.CudaProgram.Step;
import dev.ember.executor.ir.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a CUDA variant's time goes, for benchmarks and the device check: the device time of one
 * forward pass and of each step alone. Both run on the variant's own buffers under the device
 * lock, so they never overlap a call, with the inputs uploaded once outside the timing; a call's
 * wall time minus {@link #secondsPerPass} is what the host and the copies cost. Timings are host
 * clock around a synchronize.
 *
 * <pre>{@code
 * CompiledVariant v = wrapper.variant(wrapper.captureIndex(64, 32));
 * double s = CudaProfile.secondsPerPass(v, feeds, 50);
 * List<CudaProfile.StepTime> steps = CudaProfile.steps(v, feeds, 20);
 * }</pre>
 */
public final class CudaProfile {
  /** Timed replays of each per-step graph: several, so one graph launch's cost is spread. */
  static final int ROUNDS = 3;

  private CudaProfile() {}

  /**
   * One step timed alone.
   *
   * @param index its position in the program
   * @param kind gemm, elementwise, softmax, layer_norm, reduce, attention, transpose, gather or
   *     other
   * @param label the kernel and the nodes it computes
   * @param gemm the GEMM's shape; null for a kernel launch
   * @param micros mean device microseconds of one run
   */
  public record StepTime(int index, String kind, String label, GemmShape gemm, double micros) {}

  /** Whether {@code v} is a CUDA variant these hooks can time. */
  public static boolean supports(CompiledVariant v) {
    return v instanceof CudaVariant;
  }

  /** Whether {@code v} runs by replaying a captured CUDA graph. */
  public static boolean captured(CompiledVariant v) {
    return cuda(v).captured();
  }

  /** The number of steps (launches and GEMMs) of one forward pass of {@code v}. */
  public static int stepCount(CompiledVariant v) {
    return cuda(v).program().steps().size();
  }

  /**
   * Mean seconds of one forward pass of {@code v} on {@code inputs}: one untimed pass, then
   * {@code passes} back to back. A captured variant replays its graph, so this is device time; any
   * other enqueues its steps launch by launch, so the host's launch cost is included.
   */
  public static double secondsPerPass(CompiledVariant v, Map<String, Tensor> inputs, int passes) {
    return afterOnePass(v, inputs, (cv, d, base) -> {
      long t0 = System.nanoTime();
      for (int i = 0; i < passes; i++) {
        cv.pass(base);
      }
      d.synchronize();
      return (System.nanoTime() - t0) / 1e9 / Math.max(1, passes);
    });
  }

  /** What runs on a variant's buffers after {@link #afterOnePass}'s untimed pass. */
  @FunctionalInterface
  private interface OnBuffers<T> {
    T run(CudaVariant cv, GpuDriver d, long base);
  }

  /**
   * Under the device lock: {@code inputs} uploaded into {@code v}'s buffers, one untimed pass (so
   * each buffer holds what a real run leaves there and everything is loaded), then {@code then}.
   */
  private static <T> T afterOnePass(CompiledVariant v, Map<String, Tensor> inputs,
      OnBuffers<T> then) {
    CudaVariant cv = cuda(v);
    return cv.device().exclusive(() -> {
      GpuDriver d = cv.device().driver();
      long base = cv.prepare(inputs);
      cv.pass(base);
      d.synchronize();
      return then.run(cv, d, base);
    });
  }

  /**
   * Each step of {@code v}'s forward pass, in program order: its kind ({@link StepTime#kind}) and
   * label, "kernel #3 softmax ..." for generated kernel {@code k3}, a GEMM's shape for a GEMM.
   */
  public static List<String> stepLabels(CompiledVariant v) {
    return cuda(v).program().steps().stream().map(s -> kind(s) + ": " + s.label()).toList();
  }

  /**
   * One forward pass of {@code v} on {@code inputs} inside a profiler's range ({@link
   * GpuDriver#profiled}), after one untimed pass outside it: a hardware profiler attached to the
   * process then records this pass's kernels only (a captured variant's as its graph's nodes),
   * not the compiling, tuning and capture before it.
   */
  public static void profiledPass(CompiledVariant v, Map<String, Tensor> inputs) {
    afterOnePass(v, inputs, (cv, d, base) -> {
      d.profiled(() -> cv.pass(base));
      return null;
    });
  }

  /**
   * Every step of {@code v} timed alone, in program order. After one full pass (so each buffer
   * holds what a real run leaves there), step i is recorded {@code repeats} times into a CUDA
   * graph, replayed once untimed and {@link #ROUNDS} times timed. A graph, because a launch from
   * the host costs about as long as most of these kernels run; where capture fails the copies are
   * launched back to back instead. Steps that write in place rerun on their own output: the values
   * drift, the time does not.
   */
  public static List<StepTime> steps(CompiledVariant v, Map<String, Tensor> inputs, int repeats) {
    int r = Math.max(1, repeats);
    return afterOnePass(v, inputs, (cv, d, base) -> {
      List<Step> steps = cv.program().steps();
      List<StepTime> out = new ArrayList<>(steps.size());
      for (int i = 0; i < steps.size(); i++) {
        Step s = steps.get(i);
        double micros = timeInGraph(cv, d, base, s, r);
        if (Double.isNaN(micros)) {
          micros = timeLaunches(cv, d, base, s, r);
        }
        out.add(new StepTime(i, kind(s), s.label(),
            s instanceof CudaProgram.Gemm g ? g.shape() : null, micros));
      }
      return out;
    });
  }

  private static double timeInGraph(CudaVariant cv, GpuDriver d, long base, Step s, int r) {
    if (s instanceof CudaProgram.Host) {
      return Double.NaN; // copies and a host kernel cannot be captured: timed as they run
    }
    return microsInGraph(d, () -> cv.enqueue(base, s), r);
  }

  /**
   * Device microseconds of one {@code enqueue}: {@code repeats} of them recorded into one CUDA
   * graph, replayed once untimed and {@link #ROUNDS} times timed; NaN when the stream cannot be
   * captured. What is enqueued must be loaded already (capture forbids module loads).
   */
  public static double microsInGraph(GpuDriver d, Runnable enqueue, int repeats) {
    Object graph;
    d.beginCapture();
    try {
      for (int i = 0; i < repeats; i++) {
        enqueue.run();
      }
      graph = d.endCapture();
    } catch (RuntimeException e) {
      try {
        d.destroyGraph(d.endCapture());
      } catch (RuntimeException ignored) {
        // the capture was already ended or broken; the caller falls back either way
      }
      return Double.NaN;
    }
    try {
      d.replay(graph);
      d.synchronize();
      long t0 = System.nanoTime();
      for (int i = 0; i < ROUNDS; i++) {
        d.replay(graph);
      }
      d.synchronize();
      return (System.nanoTime() - t0) / 1e3 / ((double) ROUNDS * repeats);
    } finally {
      d.destroyGraph(graph);
    }
  }

  private static double timeLaunches(CudaVariant cv, GpuDriver d, long base, Step s, int r) {
    cv.enqueue(base, s);
    d.synchronize();
    long t0 = System.nanoTime();
    for (int i = 0; i < r; i++) {
      cv.enqueue(base, s);
    }
    d.synchronize();
    return (System.nanoTime() - t0) / 1e3 / r;
  }

  /** The step's kind, read from the label the code generator writes ("kernel #3 softmax ..."). */
  static String kind(Step s) {
    if (s instanceof CudaProgram.Gemm) {
      return "gemm";
    }
    if (s instanceof CudaProgram.Host) {
      return "host";
    }
    String[] words = s.label().split(" ", 4);
    String what = words.length > 2 && words[0].equals("kernel") ? words[2] : s.label();
    for (String k : List.of("elementwise", "softmax", "layer_norm", "reduce", "attention",
        "transpose", "gather", "gemm")) {
      if (what.startsWith(k)) {
        return k;
      }
    }
    return "other";
  }

  private static CudaVariant cuda(CompiledVariant v) {
    if (v instanceof CudaVariant cv) {
      return cv;
    }
    throw new IllegalArgumentException("not a CUDA variant: " + v.key());
  }
}
