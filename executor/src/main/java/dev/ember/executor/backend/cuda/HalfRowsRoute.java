package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.GpuDriver.Dim3;
import java.util.List;

/**
 * A route that copies A into 16-bit rows it holds ({@link HalfRows}) and then runs a product on
 * that copy and the weight's 16-bit B^T copy its caller passes as B ({@link #readsHalfB}). The
 * copy is made on every enqueue, since A changes from call to call; its buffer is allocated on
 * the first and freed by {@link #release}.
 */
final class HalfRowsRoute implements GemmRoute {
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
    private volatile byte[] image;
    private Object kernel;

    Copier(GpuDriver driver, KernelCompiler compiler, GemmPrecision precision) {
      this.driver = driver;
      this.compiler = compiler;
      this.precision = precision;
    }

    /** Compiles the kernel without touching the device; safe from any thread. */
    byte[] image() {
      byte[] i = image;
      if (i == null) {
        synchronized (this) {
          if (image == null) {
            image = compiler.compile(HalfRows.source(precision), driver.device().arch(),
                HalfRows.kernelName(precision) + ".cu");
          }
          i = image;
        }
      }
      return i;
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

  private final String name;
  private final GemmShape shape;
  private final GemmPrecision precision;
  private final Copier copier;
  private final GemmWorkspaces workspaces;
  private final Runnable compileProduct;
  private final Product product;
  private long copy;

  HalfRowsRoute(String name, GemmShape shape, GemmPrecision precision, Copier copier,
      GemmWorkspaces workspaces, Runnable compileProduct, Product product) {
    this.name = name;
    this.shape = shape;
    this.precision = precision;
    this.copier = copier;
    this.workspaces = workspaces;
    this.compileProduct = compileProduct;
    this.product = product;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public GemmShape shape() {
    return shape;
  }

  @Override
  public GemmPrecision precision() {
    return precision;
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
    if (copy == 0) {
      copy = workspaces.alloc(HalfRows.bytes(shape));
    }
    copier.enqueue(a, copy, shape);
    product.run(copy, b16, c, bias);
  }

  @Override
  public void compile() {
    compileProduct.run();
    copier.image();
  }

  @Override
  public void release() {
    copy = workspaces.free(copy);
  }
}
