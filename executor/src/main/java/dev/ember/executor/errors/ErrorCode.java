package dev.ember.executor.errors;

/** Stable identifiers for every failure Ember reports; users and tests match on these. */
public enum ErrorCode {
  /** The model file cannot be read or is not a valid ONNX protobuf. */
  MODEL_INVALID,
  /** The model uses a feature Ember does not implement yet (external data, > 2 GiB, ...). */
  MODEL_UNSUPPORTED,
  /** An operator (or an opset of it) that Ember has no implementation for. */
  UNSUPPORTED_OP,
  /** A tensor element type Ember cannot represent or an op cannot take. */
  UNSUPPORTED_DTYPE,
  /** Shapes that contradict each other or the graph's declaration. */
  SHAPE_MISMATCH,
  /** A graph that breaks an IR invariant (undefined value, duplicate output, cycle). */
  GRAPH_INVALID,
  /** An attribute that is missing, of the wrong kind or out of range. */
  BAD_ATTRIBUTE,
  /** A {@code spark.ember.*} setting that is unknown or has a value that is not allowed. */
  BAD_CONF,
  /** Inputs handed to a run that do not match the graph's inputs. */
  BAD_INPUT,
  /** An operator failed while computing, with the node that failed. */
  KERNEL_FAILED,
  /** Generated code that the in-memory compiler (Janino, NVRTC) refused. */
  KERNEL_COMPILE_FAILED,
  /**
   * A device the configuration asks for cannot be used: no GPU, no driver, or a CUDA library
   * (NVRTC, cuBLAS) that does not load; the message says which and how to choose another device.
   */
  DEVICE_UNAVAILABLE,
  /**
   * A variant to be captured (compile level 3) writes into a weight or other persistent buffer, so
   * replaying it would silently change later results; the message quotes the generated source.
   */
  BUFFER_MUTATION,
  /** A file Ember reads or writes (tensor .pb, output folder) is missing or unusable. */
  IO_ERROR,
  /**
   * An optional library the configuration needs is not on the classpath (ONNX Runtime for {@code
   * spark.ember.backend=auto|ort}); the message names the Maven coordinates to add.
   */
  DEPENDENCY_MISSING
}
