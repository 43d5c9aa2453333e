package dev.ember.tribuo;

import ai.onnx.proto.OnnxMl;
import com.oracle.labs.mlrg.olcut.util.Pair;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tribuo.Example;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Model;
import org.tribuo.ONNXExportable;
import org.tribuo.Output;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.impl.ArrayExample;
import org.tribuo.regression.Regressor;

/**
 * Writes one trained model's fixture folder: {@code model.onnx} (Tribuo's own export), {@code
 * data.csv} (every row scored, columns in the ONNX input's order, which is Tribuo's feature id
 * order), {@code predictions.csv} (Tribuo's predictions on exactly those float values) and {@code
 * model.properties}.
 */
final class FixtureWriter {
  static final String DOMAIN = "dev.ember.tribuo";

  private FixtureWriter() {}

  /** Everything about one model that goes into its folder. */
  record Fixture<T extends Output<T>>(
      String name,
      String description,
      Model<T> model,
      Table table,
      Table.Standardised stats,
      List<Integer> trainRows,
      Map<String, String> extra) {}

  static <T extends Output<T>> OnnxSummary write(Path root, Fixture<T> f) throws IOException {
    Path dir = Files.createDirectories(root.resolve(f.name()));
    OnnxMl.ModelProto proto = ((ONNXExportable) f.model()).exportONNXModel(DOMAIN, 1);
    Files.write(dir.resolve("model.onnx"), proto.toByteArray());
    OnnxSummary onnx = OnnxSummary.of(proto);

    ImmutableFeatureMap fmap = f.model().getFeatureIDMap();
    List<String> fileOrder = f.table().features();
    int[] column = new int[fmap.size()];
    List<String> idOrder = new ArrayList<>();
    for (int id = 0; id < fmap.size(); id++) {
      idOrder.add(fmap.get(id).getName());
      column[id] = fileOrder.indexOf(idOrder.get(id));
      if (column[id] < 0) {
        throw new IllegalStateException(
            f.name() + ": model feature " + idOrder.get(id) + " unknown");
      }
    }
    if (idOrder.size() != fileOrder.size()) {
      throw new IllegalStateException(
          f.name()
              + ": the model knows "
              + idOrder.size()
              + " of "
              + fileOrder.size()
              + " features");
    }
    List<String> outputOrder = outputOrder(f.model().getOutputIDInfo());
    boolean classifier = f.table().labels() != null;

    double[][] x = f.table().x();
    try (Writer data = Files.newBufferedWriter(dir.resolve("data.csv"), StandardCharsets.UTF_8);
        Writer pred =
            Files.newBufferedWriter(dir.resolve("predictions.csv"), StandardCharsets.UTF_8)) {
      data.write(String.join(",", idOrder) + "\n");
      pred.write(classifier ? "predicted," + String.join(",", outputOrder) + "\n" : "predicted\n");
      for (int i = 0; i < x.length; i++) {
        StringBuilder row = new StringBuilder();
        for (int id = 0; id < column.length; id++) {
          // Every value is already a float (Table.standardise); Float.toString round-trips it.
          row.append(id == 0 ? "" : ",").append(Float.toString((float) x[i][column[id]]));
        }
        data.write(row + "\n");
        pred.write(predictionLine(f.model().predict(example(f, i)), outputOrder, classifier));
      }
    }
    Files.writeString(
        dir.resolve("model.properties"),
        properties(f, onnx, idOrder, column, outputOrder, classifier),
        StandardCharsets.UTF_8);
    return onnx;
  }

  /** Tribuo's output ids in order: the columns of the ONNX output (ImmutableOutputInfo ids). */
  private static <T extends Output<T>> List<String> outputOrder(ImmutableOutputInfo<T> info) {
    Map<Integer, String> byId = new TreeMap<>();
    for (Pair<Integer, T> p : info) {
      String name =
          p.getB() instanceof Regressor r ? r.getNames()[0] : p.getB().getSerializableForm(false);
      byId.put(p.getA(), name);
    }
    for (int i = 0; i < byId.size(); i++) {
      if (!byId.containsKey(i)) {
        throw new IllegalStateException("output ids are not 0.." + (byId.size() - 1) + ": " + byId);
      }
    }
    return List.copyOf(byId.values());
  }

  @SuppressWarnings("unchecked")
  private static <T extends Output<T>> Example<T> example(Fixture<T> f, int row) {
    Table t = f.table();
    T output =
        t.labels() != null
            ? (T) new Label(t.labels()[row])
            : (T) new Regressor(Generate.TARGET, t.targets()[row]);
    return new ArrayExample<>(output, t.features().toArray(new String[0]), t.x()[row]);
  }

  private static <T extends Output<T>> String predictionLine(
      Prediction<T> p, List<String> outputOrder, boolean classifier) {
    if (!classifier) {
      double[] v = ((Regressor) p.getOutput()).getValues();
      return Double.toString(v[0]) + "\n";
    }
    StringBuilder line = new StringBuilder(((Label) p.getOutput()).getLabel());
    Map<String, T> scores = p.getOutputScores();
    for (String label : outputOrder) {
      line.append(',').append(Double.toString(((Label) scores.get(label)).getScore()));
    }
    return line.append('\n').toString();
  }

  private static <T extends Output<T>> String properties(
      Fixture<T> f,
      OnnxSummary onnx,
      List<String> idOrder,
      int[] column,
      List<String> outputOrder,
      boolean classifier) {
    Map<String, String> p = new TreeMap<>(f.extra());
    p.put("name", f.name());
    p.put("description", f.description());
    p.put("task", classifier ? "classification" : "regression");
    p.put("tribuo.model", f.model().getClass().getName());
    p.put("tribuo.trainer", f.model().getProvenance().getTrainerProvenance().getClassName());
    p.put("rows", Integer.toString(f.table().rows()));
    p.put("train.rows", Integer.toString(f.trainRows().size()));
    p.put("features", String.join(",", idOrder));
    p.put("onnx.opset", Long.toString(onnx.opset()));
    p.put("onnx.ops", String.join(",", onnx.ops()));
    p.put("onnx.nodes", Integer.toString(onnx.opsInOrder().size()));
    if (onnx.inputs().size() != 1) {
      throw new IllegalStateException(f.name() + ": expected one ONNX input, got " + onnx.inputs());
    }
    OnnxSummary.Port in = onnx.inputs().get(0);
    p.put("onnx.input.name", in.name());
    p.put("onnx.input.type", in.type());
    p.put("onnx.input.shape", in.shape());
    p.put("onnx.input.width", Integer.toString(idOrder.size()));
    List<String> outNames = new ArrayList<>();
    for (OnnxSummary.Port out : onnx.outputs()) {
      outNames.add(out.name());
      p.put("onnx.output." + out.name() + ".type", out.type());
      p.put("onnx.output." + out.name() + ".shape", out.shape());
    }
    p.put("onnx.output.names", String.join(",", outNames));
    p.put(classifier ? "labels" : "output.dimensions", String.join(",", outputOrder));
    p.put(
        "predictions.columns",
        classifier ? "predicted," + String.join(",", outputOrder) : "predicted");
    if (f.stats() != null) {
      StringBuilder mean = new StringBuilder();
      StringBuilder std = new StringBuilder();
      for (int id = 0; id < column.length; id++) {
        mean.append(id == 0 ? "" : ",").append(f.stats().mean()[column[id]]);
        std.append(id == 0 ? "" : ",").append(f.stats().std()[column[id]]);
      }
      p.put("standardisation.mean", mean.toString());
      p.put("standardisation.std", std.toString());
    }
    StringBuilder out = new StringBuilder();
    out.append("# Generated by dev.ember.tribuo.Generate from Tribuo; do not edit.\n");
    for (Map.Entry<String, String> e : p.entrySet()) {
      out.append(e.getKey()).append('=').append(e.getValue()).append('\n');
    }
    return out.toString();
  }
}
