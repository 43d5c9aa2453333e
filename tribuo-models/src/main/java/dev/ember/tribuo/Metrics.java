package dev.ember.tribuo;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tribuo.Model;
import org.tribuo.Output;
import org.tribuo.classification.Label;
import org.tribuo.impl.ArrayExample;
import org.tribuo.regression.Regressor;

/**
 * Held-out quality of a trained model, for model.properties: accuracy for a classifier, RMSE and
 * R&sup2; for a regressor, on the rows not used for training. It says the fixtures are sensible
 * models, not noise; the tests do not depend on it.
 */
final class Metrics {
  private Metrics() {}

  @SuppressWarnings("unchecked")
  static <T extends Output<T>> Map<String, String> heldOut(
      Model<T> model, Table t, List<Integer> train) {
    Set<Integer> trained = new HashSet<>(train);
    String[] names = t.features().toArray(new String[0]);
    int n = 0;
    int correct = 0;
    double sse = 0;
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < t.rows(); i++) {
      if (trained.contains(i)) {
        continue;
      }
      n++;
      if (t.labels() != null) {
        Label got =
            (Label)
                model
                    .predict(new ArrayExample<>((T) new Label(t.labels()[i]), names, t.x()[i]))
                    .getOutput();
        correct += got.getLabel().equals(t.labels()[i]) ? 1 : 0;
      } else {
        double y = t.targets()[i];
        Regressor r = new Regressor(Generate.TARGET, y);
        double got =
            ((Regressor) model.predict(new ArrayExample<>((T) r, names, t.x()[i])).getOutput())
                .getValues()[0];
        sse += (got - y) * (got - y);
        sum += y;
        sumSq += y * y;
      }
    }
    Map<String, String> out = new LinkedHashMap<>();
    out.put("test.rows", Integer.toString(n));
    if (t.labels() != null) {
      out.put("test.accuracy", String.format(Locale.ROOT, "%.4f", correct / (double) n));
    } else {
      double sst = sumSq - sum * sum / n;
      out.put("test.rmse", String.format(Locale.ROOT, "%.3f", Math.sqrt(sse / n)));
      out.put("test.r2", String.format(Locale.ROOT, "%.4f", 1 - sse / sst));
    }
    return out;
  }
}
