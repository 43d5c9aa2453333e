package dev.ember.spark;

import java.io.Serializable;

/**
 * Where an engine runs: the CPU, or one CUDA device by ordinal. Part of {@link EngineSettings},
 * so engines for different devices are different engines.
 *
 * @param cudaOrdinal the CUDA device's ordinal, or -1 for the CPU
 */
public record Device(int cudaOrdinal) implements Serializable {
  public static final Device CPU = new Device(-1);

  public Device {
    if (cudaOrdinal < -1) {
      throw new IllegalArgumentException("CUDA ordinal " + cudaOrdinal + " < 0");
    }
  }

  /** CUDA device {@code ordinal}. */
  public static Device cuda(int ordinal) {
    if (ordinal < 0) {
      throw new IllegalArgumentException("CUDA ordinal " + ordinal + " < 0");
    }
    return new Device(ordinal);
  }

  public boolean isCuda() {
    return cudaOrdinal >= 0;
  }

  /** {@code cpu} or {@code cuda:<ordinal>}, for logs. */
  @Override
  public String toString() {
    return isCuda() ? "cuda:" + cudaOrdinal : "cpu";
  }
}
