package dev.ember.tribuo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Readers for the three scikit-learn data files copied into {@code tribuo-models/data} (see the
 * NOTICE there). Feature names follow scikit-learn's {@code feature_names}, in snake case.
 */
final class DataSets {
  private DataSets() {}

  static final List<String> WINE_FEATURES =
      List.of(
          "alcohol",
          "malic_acid",
          "ash",
          "alcalinity_of_ash",
          "magnesium",
          "total_phenols",
          "flavanoids",
          "nonflavanoid_phenols",
          "proanthocyanins",
          "color_intensity",
          "hue",
          "od280_od315_of_diluted_wines",
          "proline");

  private static final List<String> WDBC_MEASURES =
      List.of(
          "radius",
          "texture",
          "perimeter",
          "area",
          "smoothness",
          "compactness",
          "concavity",
          "concave_points",
          "symmetry",
          "fractal_dimension");

  static final List<String> DIABETES_FEATURES =
      List.of("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6");

  /** UCI Wine: 178 rows, 13 features, classes class_0..class_2. */
  static Table wine(Path dataDir) throws IOException {
    return countHeaderCsv("wine", dataDir.resolve("wine_data.csv"), WINE_FEATURES);
  }

  /** UCI WDBC: 569 rows, 30 features (10 means, 10 standard errors, 10 worst), malignant/benign. */
  static Table breastCancer(Path dataDir) throws IOException {
    List<String> names = new java.util.ArrayList<>();
    for (String group : List.of("mean_", "error_", "worst_")) {
      for (String m : WDBC_MEASURES) {
        names.add(group.equals("error_") ? m + "_error" : group + m);
      }
    }
    return countHeaderCsv("breast_cancer", dataDir.resolve("breast_cancer.csv"), names);
  }

  /**
   * Efron et al.'s diabetes data in original units (the raw file): 442 rows, 10 features, target
   * one year disease progression.
   */
  static Table diabetes(Path dataDir) throws IOException {
    List<String> xs = lines(dataDir.resolve("diabetes_data_raw.csv"));
    List<String> ys = lines(dataDir.resolve("diabetes_target.csv"));
    double[][] x = new double[xs.size()][];
    double[] y = new double[ys.size()];
    for (int i = 0; i < xs.size(); i++) {
      x[i] = parse(xs.get(i).trim().split("\\s+"), DIABETES_FEATURES.size(), "diabetes", i);
    }
    for (int i = 0; i < ys.size(); i++) {
      y[i] = Double.parseDouble(ys.get(i).trim());
    }
    return new Table("diabetes", DIABETES_FEATURES, x, null, y);
  }

  /**
   * scikit-learn's format for wine_data.csv and breast_cancer.csv: the first line is {@code
   * rows,features,name_0,name_1,...} (a count line, not a header); each later line holds the
   * features and then the class index into those names.
   */
  private static Table countHeaderCsv(String name, Path file, List<String> features)
      throws IOException {
    List<String> lines = lines(file);
    String[] head = lines.get(0).split(",");
    int rows = Integer.parseInt(head[0].trim());
    int width = Integer.parseInt(head[1].trim());
    if (width != features.size() || rows != lines.size() - 1) {
      throw new IOException(
          file
              + ": count line says "
              + rows
              + " x "
              + width
              + " but found "
              + (lines.size() - 1)
              + " rows and "
              + features.size()
              + " feature names");
    }
    double[][] x = new double[rows][];
    String[] labels = new String[rows];
    for (int i = 0; i < rows; i++) {
      String[] cells = lines.get(i + 1).split(",");
      if (cells.length != width + 1) {
        throw new IOException(file + ": row " + (i + 1) + " has " + cells.length + " cells");
      }
      x[i] = parse(cells, width, name, i);
      labels[i] = head[2 + Integer.parseInt(cells[width].trim())].trim();
    }
    return new Table(name, features, x, labels, null);
  }

  private static double[] parse(String[] cells, int width, String name, int row) {
    if (cells.length < width) {
      throw new IllegalArgumentException(name + ": row " + row + " has " + cells.length + " cells");
    }
    double[] out = new double[width];
    for (int j = 0; j < width; j++) {
      out[j] = Double.parseDouble(cells[j].trim());
    }
    return out;
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.isBlank())
        .toList();
  }
}
