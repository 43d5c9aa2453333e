package dev.ember.bench;

/** How rows are cut into forward passes; every engine runs the same cut. */
enum Batching {
  /** Rows as they come (what every Spark peer does), 64 per batch, padded to the longest row. */
  CORPUS_ORDER("corpus order", 64),
  /** Rows sorted by token count (stable), 32 per batch, padded to the longest row. */
  LENGTH_SORTED("length-sorted", 32);

  private final String label;
  private final int rowsPerBatch;

  Batching(String label, int rowsPerBatch) {
    this.label = label;
    this.rowsPerBatch = rowsPerBatch;
  }

  int rowsPerBatch() {
    return rowsPerBatch;
  }

  /** For the table, e.g. {@code "corpus order, 64"}. */
  String label() {
    return label + ", " + rowsPerBatch;
  }
}
