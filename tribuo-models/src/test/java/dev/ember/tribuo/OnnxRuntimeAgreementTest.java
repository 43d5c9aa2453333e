package dev.ember.tribuo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fixtures are consistent: ONNX Runtime, running each exported model.onnx on data.csv, picks
 * Tribuo's label on every row and gives Tribuo's scores (or values) within 1e-4 relative (scores
 * under {@link TribuoFixture#RELATIVE_FLOOR} within 1e-7 absolute), and the model's input and
 * output match what model.properties says.
 */
class OnnxRuntimeAgreementTest {
  static final double RTOL = 1e-4;

  static Stream<String> models() {
    return TribuoFixture.names().stream();
  }

  @Test
  void buildWroteTheFourModels() {
    assertEquals(
        List.of("wine-logistic", "breast-cancer-fm", "diabetes-linear", "diabetes-fm"),
        TribuoFixture.names());
  }

  @ParameterizedTest
  @MethodSource("models")
  void onnxRuntimeAgreesWithTribuo(String name) throws OrtException {
    TribuoFixture f = TribuoFixture.load(name);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(f.modelBytes(), new OrtSession.SessionOptions())) {
      assertEquals(List.of(f.inputName()), List.copyOf(s.getInputNames()), name);
      long[] inShape = ((TensorInfo) s.getInputInfo().get(f.inputName()).getInfo()).getShape();
      assertEquals(f.width(), inShape[1], name + " input width");
      assertEquals(f.outputNames(), List.copyOf(s.getOutputNames()), name);
      Map<String, NodeInfo> outs = s.getOutputInfo();
      long[] outShape = ((TensorInfo) outs.get(f.outputNames().get(0)).getInfo()).getShape();
      assertEquals(f.classifier() ? f.labels().size() : 1, outShape[1], name + " output width");

      long[] shape = {f.rowCount(), f.width()};
      try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(f.flatRows()), shape);
          OrtSession.Result r = s.run(Map.of(f.inputName(), x))) {
        float[][] got = (float[][]) r.get(0).getValue();
        TribuoFixture.Agreement a = f.compare(got);
        System.out.println("ONNX Runtime vs Tribuo, " + a);
        assertEquals(0, a.argmaxMismatches(), a.toString());
        assertEquals(0, a.labelMismatches(), a.toString());
        assertTrue(a.maxRelError() <= RTOL, a.toString());
      }
    }
  }

  @ParameterizedTest
  @MethodSource("models")
  void comparisonNoticesAWrongScore(String name) {
    // The check above can fail: nudge the top score of one row by 1e-3 relative and it must show.
    TribuoFixture f = TribuoFixture.load(name);
    double[][] want = f.expected();
    float[][] got = new float[want.length][];
    for (int i = 0; i < want.length; i++) {
      got[i] = new float[want[i].length];
      for (int j = 0; j < want[i].length; j++) {
        got[i][j] = (float) want[i][j];
      }
    }
    int row = want.length / 2;
    int top = 0;
    for (int j = 1; j < got[row].length; j++) {
      top = got[row][j] > got[row][top] ? j : top;
    }
    got[row][top] = got[row][top] * 1.001f;
    TribuoFixture.Agreement a = f.compare(got);
    assertTrue(a.maxRelError() > RTOL, a.toString());
    assertEquals(row, a.worstRow(), a.toString());
  }
}
