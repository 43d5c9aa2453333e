package dev.ember.tribuo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * One Tribuo test model as the build wrote it under {@code tribuo/<name>/} on the class path: the
 * ONNX bytes, the rows scored and Tribuo's own predictions. Uses the JDK only, so a module that
 * depends on {@code ember-tribuo-models} at test scope can read the fixtures without Tribuo.
 *
 * <p>For a classifier, {@link #expected()} holds per row the score of each label in {@link
 * #labels()} order, which is the ONNX output's column order; for a regressor, one column, the
 * predicted value. Immutable and thread-safe; {@link #rows()} and {@link #expected()} return
 * copies.
 *
 * <pre>{@code
 * for (String name : TribuoFixture.names()) {
 *   TribuoFixture f = TribuoFixture.load(name);
 *   float[] batch = f.flatRows();                 // [rows, width], row major
 *   float[][] got = run(f.modelBytes(), f.inputName(), batch, f.rowCount(), f.width());
 *   Agreement a = f.compare(got);                 // argmax and relative error per score
 * }
 * }</pre>
 */
public final class TribuoFixture {
  /** Class-path folder that holds {@code models.txt} and one folder per model. */
  public static final String ROOT = "tribuo/";

  /**
   * Scores smaller than this are compared as if they were this large: Tribuo computes in double and
   * gives probabilities such as 3e-46 that float32 cannot hold (it flushes them to 0), so below
   * 1e-3 a relative tolerance {@code rtol} acts as an absolute one of {@code rtol * 1e-3}.
   */
  public static final double RELATIVE_FLOOR = 1e-3;

  private final String name;
  private final Properties props;
  private final List<String> features;
  private final float[][] rows;
  private final List<String> labels;
  private final String[] predicted;
  private final double[][] expected;

  private TribuoFixture(
      String name,
      Properties props,
      List<String> features,
      float[][] rows,
      List<String> labels,
      String[] predicted,
      double[][] expected) {
    this.name = name;
    this.props = props;
    this.features = List.copyOf(features);
    this.rows = rows;
    this.labels = List.copyOf(labels);
    this.predicted = predicted;
    this.expected = expected;
  }

  /** The model names listed in {@code tribuo/models.txt}, in the order the build trained them. */
  public static List<String> names() {
    return text(ROOT + "models.txt").lines().filter(l -> !l.isBlank()).map(String::strip).toList();
  }

  /**
   * Reads one model's fixture from the class path.
   *
   * @throws IllegalArgumentException when {@code tribuo/<name>/} is missing or inconsistent
   */
  public static TribuoFixture load(String name) {
    String dir = ROOT + name + "/";
    Properties p = new Properties();
    try (InputStream in = stream(dir + "model.properties")) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + dir + "model.properties", e);
    }
    List<String> data = text(dir + "data.csv").lines().toList();
    List<String> features = Arrays.asList(data.get(0).split(","));
    if (!features.equals(Arrays.asList(p.getProperty("features").split(",")))) {
      throw new IllegalArgumentException(dir + ": data.csv header differs from features=");
    }
    float[][] rows = new float[data.size() - 1][];
    for (int i = 1; i < data.size(); i++) {
      String[] cells = data.get(i).split(",");
      rows[i - 1] = new float[cells.length];
      for (int j = 0; j < cells.length; j++) {
        rows[i - 1][j] = Float.parseFloat(cells[j]);
      }
    }
    boolean classifier = "classification".equals(p.getProperty("task"));
    List<String> labels =
        classifier ? Arrays.asList(p.getProperty("labels").split(",")) : List.of();
    List<String> pred = text(dir + "predictions.csv").lines().toList();
    if (!pred.get(0).equals(p.getProperty("predictions.columns")) || pred.size() != data.size()) {
      throw new IllegalArgumentException(dir + ": predictions.csv does not match model.properties");
    }
    String[] predicted = new String[rows.length];
    double[][] expected = new double[rows.length][];
    for (int i = 1; i < pred.size(); i++) {
      String[] cells = pred.get(i).split(",");
      int from = classifier ? 1 : 0;
      predicted[i - 1] = classifier ? cells[0] : null;
      expected[i - 1] = new double[cells.length - from];
      for (int j = from; j < cells.length; j++) {
        expected[i - 1][j - from] = Double.parseDouble(cells[j]);
      }
    }
    return new TribuoFixture(name, p, features, rows, labels, predicted, expected);
  }

  public String name() {
    return name;
  }

  /** A property of model.properties, e.g. {@code onnx.ops}; {@code null} when absent. */
  public String property(String key) {
    return props.getProperty(key);
  }

  public boolean classifier() {
    return !labels.isEmpty();
  }

  /** The ONNX model Tribuo exported. */
  public byte[] modelBytes() {
    try (InputStream in = stream(ROOT + name + "/model.onnx")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + name + "/model.onnx", e);
    }
  }

  public String inputName() {
    return props.getProperty("onnx.input.name");
  }

  /** Features per row: the width of the ONNX input. */
  public int width() {
    return features.size();
  }

  /** Feature names in the ONNX input's column order (Tribuo's feature ids). */
  public List<String> features() {
    return features;
  }

  public List<String> outputNames() {
    return List.of(props.getProperty("onnx.output.names").split(","));
  }

  /** Class labels in the ONNX output's column order; empty for a regressor. */
  public List<String> labels() {
    return labels;
  }

  public int rowCount() {
    return rows.length;
  }

  /** The rows scored, as data.csv holds them. */
  public float[][] rows() {
    float[][] out = new float[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      out[i] = rows[i].clone();
    }
    return out;
  }

  /** {@link #rows()} flattened row major, for a {@code [rows, width]} tensor. */
  public float[] flatRows() {
    float[] out = new float[rows.length * width()];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * width(), width());
    }
    return out;
  }

  /** Tribuo's predicted label per row; {@code null} entries for a regressor. */
  public String predicted(int row) {
    return predicted[row];
  }

  /** Tribuo's scores (classifier, {@link #labels()} order) or predicted value, per row. */
  public double[][] expected() {
    double[][] out = new double[expected.length][];
    for (int i = 0; i < expected.length; i++) {
      out[i] = expected[i].clone();
    }
    return out;
  }

  /**
   * Compares an engine's output ({@code [rows, labels]} scores, or {@code [rows, 1]} values) with
   * Tribuo's: how many rows pick another label (classifiers), the largest relative error (with
   * {@link #RELATIVE_FLOOR}) and the largest absolute error.
   *
   * @throws IllegalArgumentException when {@code got} has the wrong shape
   */
  public Agreement compare(float[][] got) {
    if (got.length != rows.length) {
      throw new IllegalArgumentException(name + ": " + got.length + " rows, want " + rows.length);
    }
    int mismatches = 0;
    int labelMismatches = 0;
    double maxRel = 0;
    double maxAbs = 0;
    int worstRow = -1;
    for (int i = 0; i < got.length; i++) {
      if (got[i].length != expected[i].length) {
        throw new IllegalArgumentException(
            name + ": row " + i + " has " + got[i].length + " columns, want " + expected[i].length);
      }
      for (int j = 0; j < got[i].length; j++) {
        double abs = Math.abs(got[i][j] - expected[i][j]);
        double rel = abs / Math.max(Math.abs(expected[i][j]), RELATIVE_FLOOR);
        maxAbs = Double.isNaN(abs) ? Double.POSITIVE_INFINITY : Math.max(maxAbs, abs);
        if (!(rel <= maxRel)) {
          maxRel = Double.isNaN(rel) ? Double.POSITIVE_INFINITY : rel;
          worstRow = i;
        }
      }
      if (classifier()) {
        mismatches += argmax(got[i]) == argmax(expected[i]) ? 0 : 1;
        labelMismatches += labels.get(argmax(got[i])).equals(predicted[i]) ? 0 : 1;
      }
    }
    return new Agreement(name, got.length, mismatches, labelMismatches, maxRel, maxAbs, worstRow);
  }

  private static int argmax(float[] v) {
    int best = 0;
    for (int j = 1; j < v.length; j++) {
      best = v[j] > v[best] ? j : best;
    }
    return best;
  }

  private static int argmax(double[] v) {
    int best = 0;
    for (int j = 1; j < v.length; j++) {
      best = v[j] > v[best] ? j : best;
    }
    return best;
  }

  private static InputStream stream(String resource) {
    InputStream in = TribuoFixture.class.getClassLoader().getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalArgumentException(
          resource + " is not on the class path; build module tribuo-models (process-classes)");
    }
    return in;
  }

  private static String text(String resource) {
    try (InputStream in = stream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource, e);
    }
  }

  /**
   * How an engine's outputs agree with Tribuo's on one model.
   *
   * @param model the fixture name
   * @param rows rows compared
   * @param argmaxMismatches rows whose highest score is in another column than Tribuo's
   * @param labelMismatches rows whose highest-scoring label is not Tribuo's predicted label
   * @param maxRelError largest |got - want| / max(|want|, {@link #RELATIVE_FLOOR}) over every score
   *     or value
   * @param maxAbsError largest |got - want| over every score or value
   * @param worstRow the row of the largest relative error
   */
  public record Agreement(
      String model,
      int rows,
      int argmaxMismatches,
      int labelMismatches,
      double maxRelError,
      double maxAbsError,
      int worstRow) {
    @Override
    public String toString() {
      return String.format(
          java.util.Locale.ROOT,
          "%s: %d rows, %d argmax / %d label mismatches, max relative error %.3g (row %d),"
              + " max absolute error %.3g",
          model,
          rows,
          argmaxMismatches,
          labelMismatches,
          maxRelError,
          worstRow,
          maxAbsError);
    }
  }
}
