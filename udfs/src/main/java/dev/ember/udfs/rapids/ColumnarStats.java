package dev.ember.udfs.rapids;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Ember's RAPIDS columnar path did in this JVM: batches that took the device feed or the
 * staged path, and the bytes its own code copied device to host, split into argument values (the
 * staged path's copy of the argument column) and metadata (list offsets and null flags the device
 * feed checks). {@code RapidsGpuTest} reads these to show the device feed made no host copy of an
 * argument. Each staged-path reason is logged once at INFO. Thread-safe.
 */
public final class ColumnarStats {
  private static final Logger LOG = LoggerFactory.getLogger(ColumnarStats.class);
  private static final LongAdder DEVICE_BATCHES = new LongAdder();
  private static final LongAdder STAGED_BATCHES = new LongAdder();
  private static final LongAdder ARGUMENT_HOST_BYTES = new LongAdder();
  private static final LongAdder METADATA_HOST_BYTES = new LongAdder();
  private static final Set<String> REASONS = ConcurrentHashMap.newKeySet();

  private ColumnarStats() {}

  /** Batches whose argument columns fed the CUDA variants device to device. */
  public static long deviceBatches() {
    return DEVICE_BATCHES.sum();
  }

  /** Batches that went through the host (the staged path). */
  public static long stagedBatches() {
    return STAGED_BATCHES.sum();
  }

  /** Bytes of argument columns copied device to host (the staged path only). */
  public static long argumentHostBytes() {
    return ARGUMENT_HOST_BYTES.sum();
  }

  /** Bytes of list offsets and null flags copied device to host by the device feed's checks. */
  public static long metadataHostBytes() {
    return METADATA_HOST_BYTES.sum();
  }

  static void deviceBatch() {
    DEVICE_BATCHES.increment();
  }

  static void stagedBatch(String reason, long argumentBytes) {
    STAGED_BATCHES.increment();
    ARGUMENT_HOST_BYTES.add(argumentBytes);
    if (REASONS.add(reason)) {
      LOG.info("Ember's RAPIDS columnar call goes through host memory: {}", reason);
    }
  }

  static void metadataCopied(long bytes) {
    METADATA_HOST_BYTES.add(bytes);
  }
}
