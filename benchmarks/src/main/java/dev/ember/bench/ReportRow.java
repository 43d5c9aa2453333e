package dev.ember.bench;

/**
 * One line of the table: a measurement and the ONNX Runtime measurements it is compared with (on
 * the same rows).
 *
 * @param m the measurement
 * @param ortSame ONNX Runtime in the same batching
 * @param ortSorted ONNX Runtime length-sorted
 * @param minCosine smallest cosine of m's vectors against ortSame's, row by row
 */
record ReportRow(Measurement m, Measurement ortSame, Measurement ortSorted, double minCosine) {

  double ratioSame() {
    return m.sentencesPerSecond() / ortSame.sentencesPerSecond();
  }

  double ratioSorted() {
    return m.sentencesPerSecond() / ortSorted.sentencesPerSecond();
  }
}
