package dev.ember.executor.backend.cuda;

/**
 * What {@link CudaProbe} found for one device ordinal. {@code usable} means the {@code cuda-nvrtc}
 * backend can run there: a CUDA driver, the device, and NVRTC. Fields it could not learn are empty
 * strings or 0.
 *
 * @param usable whether the CUDA backend can run on this device
 * @param reason why not, or a one-line summary when usable
 * @param deviceCount devices the driver sees (0 without a driver)
 * @param deviceName e.g. "NVIDIA H100 80GB HBM3", or ""
 * @param arch NVRTC's architecture name, e.g. "sm_90", or ""
 * @param nvrtcVersion e.g. "12.4", or "" when NVRTC does not load
 * @param cublas whether JCublas2 and libcublas.so.12 load
 * @param cublasReason why cuBLAS does not load, or ""
 */
public record CudaAvailability(
    boolean usable,
    String reason,
    int deviceCount,
    String deviceName,
    String arch,
    String nvrtcVersion,
    boolean cublas,
    String cublasReason) {}
