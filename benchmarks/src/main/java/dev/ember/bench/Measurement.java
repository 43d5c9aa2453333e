package dev.ember.bench;

import java.util.List;

/**
 * One timed pass of one engine over a corpus in one batching.
 *
 * @param engine e.g. {@code "onnxruntime"} or {@code "ember level 3"}
 * @param batching how the rows were cut
 * @param rows sentences embedded
 * @param nanos wall-clock time of the pass: tokenize, forward, pool, normalise
 * @param batches forward passes run
 * @param realTokens tokens of the sentences (special tokens included, padding excluded)
 * @param paddedTokens tokens the model ran, padding included
 * @param vectors the embeddings, one slot per row of the corpus (null for rows not run), for the
 *     cosine check
 */
record Measurement(
    String engine,
    Batching batching,
    int rows,
    long nanos,
    long batches,
    long realTokens,
    long paddedTokens,
    float[][] vectors) {

  /** The parts of one pass (disjoint rows of one corpus, one engine, one batching) as one. */
  static Measurement combine(List<Measurement> parts) {
    Measurement first = parts.get(0);
    float[][] vectors = new float[first.vectors.length][];
    int rows = 0;
    long nanos = 0;
    long batches = 0;
    long real = 0;
    long padded = 0;
    for (Measurement p : parts) {
      rows += p.rows;
      nanos += p.nanos;
      batches += p.batches;
      real += p.realTokens;
      padded += p.paddedTokens;
      for (int i = 0; i < vectors.length; i++) {
        if (p.vectors[i] != null) {
          vectors[i] = p.vectors[i];
        }
      }
    }
    return new Measurement(
        first.engine, first.batching, rows, nanos, batches, real, padded, vectors);
  }

  double seconds() {
    return nanos / 1e9;
  }

  double sentencesPerSecond() {
    return rows / seconds();
  }

  double realTokensPerSecond() {
    return realTokens / seconds();
  }

  /** Padded tokens per real token; 1.0 means no padding. */
  double paddingRatio() {
    return realTokens == 0 ? 1.0 : (double) paddedTokens / realTokens;
  }

  /** The smallest cosine similarity between this pass's vectors and {@code ref}'s, row by row. */
  double minCosine(Measurement ref) {
    if (ref.vectors.length != vectors.length) {
      throw new IllegalArgumentException(
          engine + " has " + vectors.length + " rows but " + ref.engine + " has "
              + ref.vectors.length);
    }
    double min = 1.0;
    for (int i = 0; i < vectors.length; i++) {
      min = Math.min(min, Vectors.cosine(vectors[i], ref.vectors[i]));
    }
    return min;
  }

  /** The row where {@link #minCosine} is reached, for the abort message. */
  int worstRow(Measurement ref) {
    int worst = 0;
    double min = Double.MAX_VALUE;
    for (int i = 0; i < vectors.length; i++) {
      double c = Vectors.cosine(vectors[i], ref.vectors[i]);
      if (c < min) {
        min = c;
        worst = i;
      }
    }
    return worst;
  }

}
