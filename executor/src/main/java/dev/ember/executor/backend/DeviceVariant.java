package dev.ember.executor.backend;

import java.util.List;
import java.util.Map;

/**
 * A compiled variant that can also run on inputs that already lie in device memory and write
 * its outputs to device memory it is given, with no copy through the host: the CUDA backend's
 * variants ({@code CudaVariant}), fed by the RAPIDS Accelerator's columns. Reached through
 * {@link dev.ember.executor.dispatch.CompileWrapper#callOnDevice}, which splits and pads a batch
 * to the captured sizes; thread-safe as {@link CompiledVariant#run} is.
 */
public interface DeviceVariant extends CompiledVariant {
  /** Why this variant cannot run on device memory (it reads inputs on the host), or null. */
  String deviceRunRefusal();

  /** Rows of the variant's batch (its leading input dimension). */
  int batchRows();

  /** Bytes of one row of graph output {@code name} (its shape without the batch dimension). */
  long outputRowBytes(String name);

  /**
   * Runs the first {@code rows} rows (at most {@link #batchRows}; the rest of the batch is zero
   * padding): copies each input's slices into the variant's buffers device to device, runs the
   * variant (a captured graph's replay where it has one), and copies the first {@code rows} rows
   * of every output to {@code outputs.get(name)}, contiguous. Ordered after the caller's work on
   * its thread's default stream, and finished (or ordered before that stream's later work) when
   * it returns.
   *
   * @throws dev.ember.executor.errors.EmberException SHAPE_MISMATCH when slices do not tile an
   *     input's row or are of another dtype, BAD_INPUT when a kernel found a bad index
   */
  void runOnDevice(int rows, Map<String, List<DeviceSlice>> inputs, Map<String, Long> outputs);
}
