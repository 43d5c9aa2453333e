package dev.ember.spark;

import dev.ember.executor.backend.Backend;
import dev.ember.executor.backend.cpu.CpuJaninoBackend;
import dev.ember.executor.backend.cuda.CudaAutoBackend;
import dev.ember.executor.backend.cuda.CudaAvailability;
import dev.ember.executor.backend.cuda.CudaBackend;
import dev.ember.executor.backend.cuda.CudaDevice;
import dev.ember.executor.backend.cuda.CudaLibraries;
import dev.ember.executor.backend.cuda.CudaOptions;
import dev.ember.executor.backend.cuda.CudaProbe;
import dev.ember.executor.backend.cuda.GemmPrecision;

/**
 * The one place the Spark side touches the CUDA backend's API: probing a device, and building the
 * backend for a {@link Device}. Everything CUDA-specific the rest of this module needs goes
 * through here, so CUDA's classes load only where a CUDA device is probed or used.
 */
final class BackendFactory {
  private BackendFactory() {}

  /** Points the CUDA backend at the folder holding libnvrtc.so.12, before NVRTC first loads. */
  static void useNvrtcDir(String dir) {
    System.setProperty(CudaLibraries.DIR_PROPERTY, dir);
  }

  /** Probes CUDA device {@code ordinal} (never throws), as {@link DeviceChoice} reads it. */
  static DeviceChoice.Probe probe(int ordinal) {
    CudaAvailability a;
    try {
      a = CudaProbe.probe(ordinal);
    } catch (LinkageError e) { // JCuda's own classes missing from the classpath
      return new DeviceChoice.Probe(false, "JCuda did not load (" + e + ")");
    }
    if (!a.usable()) {
      // JNI load errors span lines; the executor logs the reason as one line.
      return new DeviceChoice.Probe(false, a.reason().strip().replaceAll("\\s*\\R\\s*", "; "));
    }
    return new DeviceChoice.Probe(true, a.deviceName() + " (" + a.arch() + "), NVRTC "
        + a.nvrtcVersion() + ", cuBLAS " + (a.cublas() ? "yes" : "no: " + a.cublasReason()));
  }

  /**
   * The backend for the settings' device (the CPU backend logs at most {@code
   * spark.ember.codegen.logMaxLines} numbered lines of source that fails to compile). On a CUDA
   * device under {@code spark.ember.device=auto}, each variant is placed by {@link
   * CudaAutoBackend}: on the GPU, on the GPU with host steps for ops without CUDA kernels, or on
   * the CPU backend; under {@code cuda} a variant with such ops is refused (UNSUPPORTED_OP).
   *
   * @throws dev.ember.executor.errors.EmberException DEVICE_UNAVAILABLE when the CUDA device
   *     cannot be opened
   */
  static Backend backend(EngineSettings s) {
    if (!s.device().isCuda()) {
      return new CpuJaninoBackend(s.codegenLogMaxLines());
    }
    CudaBackend cuda =
        new CudaBackend(CudaDevice.open(s.device().cudaOrdinal()), options(s.cuda()));
    return s.cuda().autoPlacement()
        ? new CudaAutoBackend(cuda, new CpuJaninoBackend(s.codegenLogMaxLines()))
        : cuda;
  }

  /**
   * The backend options of variants on {@code s}'s device, for their cache keys: the CPU
   * backend's wherever it may compile them (the CPU, or a CUDA device under auto).
   */
  static java.util.Map<String, String> backendOptions(EngineSettings s) {
    return s.device().isCuda() && !s.cuda().autoPlacement()
        ? java.util.Map.of()
        : s.cpu().backendOptions();
  }

  /**
   * What compiled variants for {@code device} are specific to, in the compile cache's key: the
   * CPU, or the CUDA architecture (cubins run on one architecture) and the CUDA settings.
   */
  static String cacheDevice(Device device, CudaSettings cuda) {
    if (!device.isCuda()) {
      return "cpu";
    }
    return "cuda-" + CudaProbe.probe(device.cudaOrdinal()).arch() + " " + cuda;
  }

  static CudaOptions options(CudaSettings s) {
    return new CudaOptions(
        s.gemm(), GemmPrecision.parse(s.precision()), s.graphs(), s.graphMemoryBytes(),
        s.gemmTuning());
  }
}
