package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.CudaAvailability;
import dev.ember.executor.backend.cuda.CudaDevice;
import dev.ember.executor.backend.cuda.CudaProbe;
import dev.ember.executor.backend.cuda.GpuDriver;
import dev.ember.executor.backend.cuda.JCudaDriver;
import dev.ember.executor.backend.cuda.KernelCompiler;
import dev.ember.executor.backend.cuda.Nvrtc;

/**
 * What the device check runs on and at what size. {@link #gpu()} is GPU 0 through JCuda, with
 * NVRTC, at {@link CheckSize#DEVICE}; a rehearsal puts the host emulator behind the same methods.
 */
interface CheckRig {
  /** Whether there is a device to check, and what it is. */
  CudaAvailability probe();

  /** The device the CUDA backends of the check share (opened once, never closed by the check). */
  CudaDevice device();

  /** A driver of its own on the same device, for the GEMM tables; the caller closes it. */
  GpuDriver openDriver();

  /** What compiles the GEMM tables' kernels. */
  KernelCompiler compiler();

  CheckSize size();

  /** GPU 0 through JCuda and NVRTC, at the device's sizes. */
  static CheckRig gpu() {
    return new CheckRig() {
      @Override
      public CudaAvailability probe() {
        return CudaProbe.probe(0);
      }

      @Override
      public CudaDevice device() {
        return CudaDevice.open(0);
      }

      @Override
      public GpuDriver openDriver() {
        return new JCudaDriver(0);
      }

      @Override
      public KernelCompiler compiler() {
        return new Nvrtc();
      }

      @Override
      public CheckSize size() {
        return CheckSize.DEVICE;
      }
    };
  }
}
