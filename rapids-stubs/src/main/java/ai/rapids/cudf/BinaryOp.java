package ai.rapids.cudf;

/** Stand-in for cudf's binary operators; only the one Ember merges validity masks with. */
public enum BinaryOp {
  BITWISE_AND
}
