package dev.ember.executor.backend.cuda;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaError;

/**
 * Says whether the CUDA backend can run, and why not, without throwing: safe to call on machines
 * with no GPU, no driver, no NVRTC or no cuBLAS (tests use it to skip, the plugin to fall back or
 * to fail with the reason). Loads JCuda's natives as a side effect. Thread-safe.
 *
 * <pre>{@code
 * CudaAvailability cuda = CudaProbe.probe(0);
 * if (!cuda.usable()) log.info("CUDA off: {}", cuda.reason());
 * }</pre>
 */
public final class CudaProbe {
  private CudaProbe() {}

  /** Probes device {@code ordinal}; never throws. */
  public static CudaAvailability probe(int ordinal) {
    String nvrtcWhy = nvrtcUnavailableReason();
    String nvrtcVersion = nvrtcWhy == null ? Nvrtc.version() : "";
    String cublasWhy = CublasGemm.unavailableReason();
    String cublasReason = cublasWhy == null ? "" : cublasWhy;

    int count = 0;
    Device device = null;
    String why;
    try {
      // The runtime API answers without a driver (cudaErrorInsufficientDriver), where the
      // driver API's class init throws because libcuda.so.1 is missing.
      int[] n = {0};
      int rc = JCuda.cudaGetDeviceCount(n);
      count = rc == cudaError.cudaSuccess ? n[0] : 0;
      if (rc != cudaError.cudaSuccess) {
        why = "no usable CUDA driver: cudaGetDeviceCount returned " + cudaError.stringFor(rc);
      } else if (ordinal < 0 || ordinal >= count) {
        why = "CUDA device " + ordinal + " does not exist; the driver sees " + count;
      } else {
        device = open(ordinal);
        why = device.error();
      }
    } catch (LinkageError | RuntimeException e) {
      why = "the CUDA driver did not load: " + CudaLibraries.summary(e);
    }
    if (why == null && nvrtcWhy != null) {
      why = "NVRTC is not available: " + nvrtcWhy;
    }
    String name = device == null || device.name() == null ? "" : device.name();
    String arch = device == null || device.arch() == null ? "" : device.arch();
    boolean usable = why == null;
    String cublasNote = cublasWhy == null ? "cuBLAS" : "no cuBLAS";
    String reason =
        usable ? String.format("%s (%s), NVRTC %s, %s", name, arch, nvrtcVersion, cublasNote) : why;
    return new CudaAvailability(
        usable, reason, count, name, arch, nvrtcVersion, cublasWhy == null, cublasReason);
  }

  /** A device as the driver API sees it; {@code error} is null when it opened. */
  private record Device(String name, String arch, String error) {
    static Device failed(String error) {
      return new Device(null, null, error);
    }
  }

  private static Device open(int ordinal) {
    int rc = JCudaDriver.cuInit(0);
    if (rc != CUresult.CUDA_SUCCESS) {
      return Device.failed("cuInit failed: " + CUresult.stringFor(rc));
    }
    CUdevice dev = new CUdevice();
    rc = JCudaDriver.cuDeviceGet(dev, ordinal);
    if (rc != CUresult.CUDA_SUCCESS) {
      return Device.failed("cuDeviceGet(" + ordinal + ") failed: " + CUresult.stringFor(rc));
    }
    int[] major = {0};
    int[] minor = {0};
    JCudaDriver.cuDeviceGetAttribute(
        major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
    JCudaDriver.cuDeviceGetAttribute(
        minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
    byte[] name = new byte[256];
    JCudaDriver.cuDeviceGetName(name, name.length, dev);
    int len = 0;
    while (len < name.length && name[len] != 0) {
      len++;
    }
    String text = new String(name, 0, len, StandardCharsets.UTF_8).strip();
    return new Device(text, "sm_" + major[0] + minor[0], null);
  }

  private static String nvrtcUnavailableReason() {
    try {
      return Nvrtc.unavailableReason();
    } catch (RuntimeException e) { // only if someone enabled JCuda's exceptions
      return CudaLibraries.summary(e);
    }
  }
}
