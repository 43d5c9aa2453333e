package dev.ember.executor.backend.cuda.emu;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ember.executor.backend.cuda.CudaDevice;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One host-emulated GPU for the tests of a class: skips the class, with the reason, where g++ is
 * missing; starts an {@link EmulatedDriver} before the class's {@code @BeforeAll} methods and
 * closes it after its tests.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmulatedGpu GPU = EmulatedGpu.standard();
 * ... new CudaBackend(GPU.device(), options) ... GPU.driver() ...
 * }</pre>
 */
public final class EmulatedGpu implements BeforeAllCallback, AfterAllCallback {
  private final int major;
  private final int minor;
  private EmulatedDriver driver;
  private CudaDevice device;

  private EmulatedGpu(int major, int minor) {
    this.major = major;
    this.minor = minor;
  }

  /** The emulator as it reports itself by default (an Ampere-class device). */
  public static EmulatedGpu standard() {
    return new EmulatedGpu(-1, -1);
  }

  /** The emulator reporting compute capability {@code major.minor} (9.0 for sm_90-only code). */
  public static EmulatedGpu reporting(int major, int minor) {
    return new EmulatedGpu(major, minor);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    assumeTrue(HostKernelCompiler.unavailableReason() == null,
        "no host compiler: " + HostKernelCompiler.unavailableReason());
    driver = major < 0 ? new EmulatedDriver() : EmulatedDriver.reporting(major, minor);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (driver != null) {
      driver.close();
      driver = null;
      device = null;
    }
  }

  public EmulatedDriver driver() {
    if (driver == null) {
      throw new IllegalStateException("the emulated GPU runs only while its class's tests do");
    }
    return driver;
  }

  /** A CUDA device on this driver whose kernels g++ compiles, made on first use. */
  public synchronized CudaDevice device() {
    if (device == null) {
      device = CudaDevice.on(driver(), new HostKernelCompiler());
    }
    return device;
  }
}
