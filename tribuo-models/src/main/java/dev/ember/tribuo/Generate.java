package dev.ember.tribuo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.tribuo.Dataset;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.OutputFactory;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.fm.FMClassificationTrainer;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.sgd.fm.FMRegressionTrainer;
import org.tribuo.regression.sgd.objectives.SquaredLoss;

/**
 * Trains Ember's Tribuo test models and writes their fixtures. Run by the build ({@code
 * exec-maven-plugin}, phase {@code process-classes}) as {@code Generate <dataDir> <outDir>}: reads
 * the scikit-learn copies in {@code dataDir}, trains each model with a fixed seed on a seeded 75%
 * of the rows, scores every row, and writes {@code outDir/<name>/} for each (see {@link
 * FixtureWriter}), {@code outDir/models.txt} (one name a line) and {@code outDir/NOTICE}.
 */
public final class Generate {
  static final String TARGET = "progression";
  private static final long SEED = 20240611L;
  private static final double TRAIN_FRACTION = 0.75;
  // A fixed date keeps Tribuo's data provenance, which lands in the ONNX metadata, stable.
  private static final OffsetDateTime DATA_DATE =
      OffsetDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
  // Tribuo's SGD trainers log every this many steps; large enough to stay quiet in the build.
  private static final int LOG_EVERY = 1_000_000;

  // Held here so the level set in main is not lost when the logger is garbage collected.
  private static final Logger TRIBUO_LOG = Logger.getLogger("org.tribuo");

  private Generate() {}

  /**
   * Entry point for the build.
   *
   * @param args the data folder and the output folder
   * @throws IOException when a data file cannot be read or a fixture cannot be written
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: Generate <dataDir> <outDir>");
    }
    // The trainers log two INFO lines per model into the Maven build; model.properties says more.
    TRIBUO_LOG.setLevel(Level.WARNING);
    Path data = Path.of(args[0]);
    Path out = Files.createDirectories(Path.of(args[1]));
    long start = System.nanoTime();
    List<String> names = new ArrayList<>();
    names.add(wineLogistic(data, out));
    names.add(breastCancerFm(data, out));
    names.add(diabetesLinear(data, out));
    names.add(diabetesFm(data, out));
    Files.writeString(out.resolve("models.txt"), String.join("\n", names) + "\n");
    Files.copy(
        data.resolve("NOTICE"),
        out.resolve("NOTICE"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    System.out.printf(
        Locale.ROOT,
        "Tribuo fixtures %s written to %s in %d ms%n",
        names,
        out,
        (System.nanoTime() - start) / 1_000_000);
  }

  private static String wineLogistic(Path data, Path out) throws IOException {
    Table raw = DataSets.wine(data);
    List<Integer> train = raw.trainRows(TRAIN_FRACTION, SEED);
    Table.Standardised z = raw.standardise(train);
    LinearSGDTrainer trainer =
        new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(0.5, 0.1), 30, LOG_EVERY, 1, SEED);
    Model<Label> model = trainer.train(dataset(z.table(), train));
    return write(
        out,
        "wine-logistic",
        "Multinomial logistic regression (Tribuo LinearSGDTrainer, LogMulticlass, AdaGrad) on UCI"
            + " Wine, standardised features",
        model,
        z,
        train);
  }

  private static String breastCancerFm(Path data, Path out) throws IOException {
    Table raw = DataSets.breastCancer(data);
    List<Integer> train = raw.trainRows(TRAIN_FRACTION, SEED);
    Table.Standardised z = raw.standardise(train);
    FMClassificationTrainer trainer =
        new FMClassificationTrainer(
            new LogMulticlass(), new AdaGrad(0.1, 0.1), 20, LOG_EVERY, 1, SEED, 4, 0.1);
    Model<Label> model = trainer.train(dataset(z.table(), train));
    return write(
        out,
        "breast-cancer-fm",
        "Factorization machine classifier (Tribuo FMClassificationTrainer, 4 factors,"
            + " LogMulticlass, AdaGrad) on UCI Breast Cancer Wisconsin (Diagnostic), standardised"
            + " features",
        model,
        z,
        train);
  }

  private static String diabetesLinear(Path data, Path out) throws IOException {
    Table raw = DataSets.diabetes(data);
    List<Integer> train = raw.trainRows(TRAIN_FRACTION, SEED);
    Table.Standardised z = raw.standardise(train);
    org.tribuo.regression.sgd.linear.LinearSGDTrainer trainer =
        new org.tribuo.regression.sgd.linear.LinearSGDTrainer(
            new SquaredLoss(), new AdaGrad(1.0, 0.1), 100, LOG_EVERY, 1, SEED);
    Model<Regressor> model = trainer.train(dataset(z.table(), train));
    return write(
        out,
        "diabetes-linear",
        "Linear regression (Tribuo LinearSGDTrainer, SquaredLoss, AdaGrad) on Efron et al.'s"
            + " diabetes data, standardised features, target in original units",
        model,
        z,
        train);
  }

  private static String diabetesFm(Path data, Path out) throws IOException {
    Table raw = DataSets.diabetes(data);
    List<Integer> train = raw.trainRows(TRAIN_FRACTION, SEED);
    Table.Standardised z = raw.standardise(train);
    FMRegressionTrainer trainer =
        new FMRegressionTrainer(
            new SquaredLoss(), new AdaGrad(0.1, 0.1), 30, LOG_EVERY, 1, SEED, 4, 0.1, true);
    Model<Regressor> model = trainer.train(dataset(z.table(), train));
    return write(
        out,
        "diabetes-fm",
        "Factorization machine regressor (Tribuo FMRegressionTrainer, 4 factors, SquaredLoss,"
            + " AdaGrad, standardised target) on Efron et al.'s diabetes data, standardised"
            + " features",
        model,
        z,
        train);
  }

  private static <T extends org.tribuo.Output<T>> String write(
      Path out,
      String name,
      String description,
      Model<T> model,
      Table.Standardised z,
      List<Integer> train)
      throws IOException {
    Map<String, String> extra = new LinkedHashMap<>();
    extra.put("seed", Long.toString(SEED));
    extra.putAll(Metrics.heldOut(model, z.table(), train));
    FixtureWriter.write(
        out, new FixtureWriter.Fixture<>(name, description, model, z.table(), z, train, extra));
    System.out.printf(Locale.ROOT, "  %s: %s%n", name, extra);
    return name;
  }

  @SuppressWarnings("unchecked")
  private static <T extends org.tribuo.Output<T>> Dataset<T> dataset(Table t, List<Integer> rows) {
    boolean classifier = t.labels() != null;
    OutputFactory<T> factory =
        (OutputFactory<T>) (classifier ? new LabelFactory() : new RegressionFactory());
    MutableDataset<T> ds =
        new MutableDataset<>(
            new SimpleDataSourceProvenance(t.name() + " (scikit-learn copy)", DATA_DATE, factory),
            factory);
    String[] names = t.features().toArray(new String[0]);
    for (int i : rows) {
      T output =
          classifier ? (T) new Label(t.labels()[i]) : (T) new Regressor(TARGET, t.targets()[i]);
      ds.add(new ArrayExample<>(output, names, t.x()[i]));
    }
    return ds;
  }
}
