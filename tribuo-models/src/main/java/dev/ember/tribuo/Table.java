package dev.ember.tribuo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * One data set in memory: named numeric feature columns, and per row either a class label or a
 * regression target. Rows keep the file's order.
 *
 * @param name short name used in messages
 * @param features feature names, in the file's column order
 * @param x rows by features
 * @param labels class label per row, or {@code null} for a regression set
 * @param targets target per row, or {@code null} for a classification set
 */
record Table(String name, List<String> features, double[][] x, String[] labels, double[] targets) {
  Table {
    features = List.copyOf(features);
    if ((labels == null) == (targets == null)) {
      throw new IllegalArgumentException(name + ": give either labels or targets");
    }
    int n = labels != null ? labels.length : targets.length;
    if (x.length != n) {
      throw new IllegalArgumentException(name + ": " + x.length + " rows but " + n + " outputs");
    }
    for (double[] row : x) {
      if (row.length != features.size()) {
        throw new IllegalArgumentException(
            name + ": a row has " + row.length + " values for " + features.size() + " features");
      }
    }
  }

  int rows() {
    return x.length;
  }

  /**
   * A seeded split of the row indices: the first {@code trainFraction} of a shuffled order are the
   * training rows, returned sorted; {@link Random} and {@link Collections#shuffle} are specified
   * algorithms, so every JDK gives the same split.
   */
  List<Integer> trainRows(double trainFraction, long seed) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < rows(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(seed));
    List<Integer> train =
        new ArrayList<>(order.subList(0, (int) Math.round(rows() * trainFraction)));
    Collections.sort(train);
    return train;
  }

  /**
   * This table with every feature standardised by the mean and population standard deviation of the
   * {@code fitRows}, each value then rounded to float: the ONNX models take float32, so Tribuo is
   * trained on and scores exactly the values that data.csv holds.
   */
  Standardised standardise(List<Integer> fitRows) {
    int d = features.size();
    double[] mean = new double[d];
    double[] std = new double[d];
    for (int j = 0; j < d; j++) {
      double sum = 0;
      for (int i : fitRows) {
        sum += x[i][j];
      }
      mean[j] = sum / fitRows.size();
      double ss = 0;
      for (int i : fitRows) {
        ss += (x[i][j] - mean[j]) * (x[i][j] - mean[j]);
      }
      std[j] = Math.sqrt(ss / fitRows.size());
      if (std[j] == 0) {
        throw new IllegalStateException(name + ": feature " + features.get(j) + " is constant");
      }
    }
    double[][] z = new double[rows()][d];
    for (int i = 0; i < rows(); i++) {
      for (int j = 0; j < d; j++) {
        z[i][j] = (float) ((x[i][j] - mean[j]) / std[j]);
      }
    }
    return new Standardised(new Table(name, features, z, labels, targets), mean, std);
  }

  /** A standardised table and the per-feature statistics (file column order) that made it. */
  record Standardised(Table table, double[] mean, double[] std) {}
}
