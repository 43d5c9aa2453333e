package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.GpuDriver.Dim3;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A route that copies A into 16-bit rows it holds ({@link HalfRows}) and then runs a product on
 * that copy and the weight's 16-bit B^T copy its caller passes as B ({@link #readsHalfB}). The
 * copy is made on every enqueue, since A changes from call to call; its buffer is allocated on
 * the first and freed by {@link #release}. {@code copy} is the route's own lease ({@link
 * GemmWorkspaces#lease}); {@code compileProduct} compiles what {@code product} launches.
 */
record HalfRowsRoute(String name, GemmShape shape, GemmPrecision precision, Copier copier,
    GemmWorkspaces.Lease copy, Runnable compileProduct, Product product) implements GemmRoute {
  /** The launches of the product on the copies, over {@link HalfRows#kernelShape}. */
  @FunctionalInterface
  interface Product {
    void run(long a16, long b16, long c, long bias);
  }

  /** The copy kernel of one GEMM's driver and precision, compiled and loaded once. */
  static final class Copier {
    private final GpuDriver driver;
    private final KernelCompiler compiler;
    private final GemmPrecision precision;
    private byte[] image;
    private Object kernel;

    Copier(GpuDriver driver, KernelCompiler compiler, GemmPrecision precision) {
      this.driver = driver;
      this.compiler = compiler;
      this.precision = precision;
    }

    /** Compiles the kernel once without touching the device; safe from any thread. */
    synchronized byte[] image() {
      if (image == null) {
        image = compiler.compile(HalfRows.source(precision), driver.device().arch(),
            HalfRows.kernelName(precision) + ".cu");
      }
      return image;
    }

    /** Enqueues the copy of {@code s}'s A at {@code a} into {@code copy}. */
    void enqueue(long a, long copy, GemmShape s) {
      driver.launch(kernel(), HalfRows.grid(s), Dim3.of(HalfRows.THREADS), 0,
          HalfRows.args(a, copy, s));
    }

    private synchronized Object kernel() {
      if (kernel == null) {
        String name = HalfRows.kernelName(precision);
        kernel = driver.load(image(), List.of(name)).get(name);
      }
      return kernel;
    }
  }

  /**
   * The route a GEMM's plain {@link GpuGemm#enqueue} runs for each shape, made on first use and
   * kept (with its copy) until {@link #clear}; thread-safe.
   */
  static final class ByShape {
    private final Map<GemmShape, GemmRoute> routes = new HashMap<>();

    synchronized GemmRoute get(GemmShape s, Function<GemmShape, GemmRoute> make) {
      return routes.computeIfAbsent(s, make);
    }

    /** Forgets the routes; their copies are freed with the GEMM's {@link GemmWorkspaces}. */
    synchronized void clear() {
      routes.clear();
    }
  }

  @Override
  public boolean readsHalfB() {
    return true;
  }

  @Override
  public void enqueue(long a, long b16, long c, long bias) {
    if ((b16 & 15) != 0) {
      throw new IllegalArgumentException(name + ": B's 16-bit copy must be 16-byte aligned");
    }
    long a16 = copy.at(HalfRows.bytes(shape));
    copier.enqueue(a, a16, shape);
    product.run(a16, b16, c, bias);
  }

  @Override
  public void compile() {
    compileProduct.run();
    copier.image();
  }

  @Override
  public void release() {
    copy.release();
  }
}
