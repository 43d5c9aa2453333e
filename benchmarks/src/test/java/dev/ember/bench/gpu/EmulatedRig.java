package dev.ember.bench.gpu;

import dev.ember.executor.backend.cuda.CudaAvailability;
import dev.ember.executor.backend.cuda.CudaDevice;
import dev.ember.executor.backend.cuda.GpuDriver;
import dev.ember.executor.backend.cuda.GemmShape;
import dev.ember.executor.backend.cuda.KernelCompiler;
import dev.ember.executor.backend.cuda.emu.EmulatedDriver;
import dev.ember.executor.backend.cuda.emu.HostKernelCompiler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The device check's rig on the host emulator of the GPU, reporting compute capability 9.0 as an
 * H100 does (so the wgmma checks run too), at {@link #SIZE}: small enough that every section
 * finishes in a minute or two, shaped like the device's (the same kinds of GEMM shapes, two
 * capture sizes and batchings, several sequence buckets). Closes every driver it opened.
 */
final class EmulatedRig implements CheckRig, AutoCloseable {
  static final CheckSize SIZE = new CheckSize(3, 3, List.of(2, 4), List.of(16, 32, 64),
      List.of(2, 4), 32, gemms(), 2, 2, 16, 1, 1, 1, 1, 1, false);

  private final List<EmulatedDriver> opened = new ArrayList<>();
  private final HostKernelCompiler compiler = new HostKernelCompiler();
  private CudaDevice device;

  /**
   * Small GEMMs of the kinds the device's table has: rows of a batch ({@link
   * CheckSize#gemmTokens}), a long K, batched heads, a square.
   */
  private static Map<String, GemmShape> gemms() {
    Map<String, GemmShape> s = new LinkedHashMap<>();
    s.put("rows 32x128x96", GemmShape.onWeight(32, 128, 96));
    s.put("long k 16x64x512", GemmShape.onWeight(16, 64, 512));
    s.put("heads 8x(16x16x32)", GemmShape.rowMajor(8, 16, 16, 32));
    s.put("square 64^3", GemmShape.onWeight(64, 64, 64));
    return s;
  }

  @Override
  public CudaAvailability probe() {
    return new CudaAvailability(true, "host emulator (sm_90), g++", 1, "host emulator", "sm_90",
        "none", false, "no cuBLAS on the host emulator");
  }

  @Override
  public synchronized CudaDevice device() {
    if (device == null) {
      device = CudaDevice.on(open(), compiler);
    }
    return device;
  }

  @Override
  public GpuDriver openDriver() {
    return open();
  }

  @Override
  public KernelCompiler compiler() {
    return compiler;
  }

  @Override
  public CheckSize size() {
    return SIZE;
  }

  /** Every driver this rig opened, in order ({@link #device}'s among them). */
  synchronized List<EmulatedDriver> opened() {
    return List.copyOf(opened);
  }

  private synchronized EmulatedDriver open() {
    EmulatedDriver d = EmulatedDriver.reporting(9, 0);
    opened.add(d);
    return d;
  }

  @Override
  public synchronized void close() {
    opened.forEach(EmulatedDriver::close);
  }
}
