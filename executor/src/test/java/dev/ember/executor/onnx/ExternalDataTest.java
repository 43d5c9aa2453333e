package dev.ember.executor.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.executor.backend.interp.Interpreter;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.wire.OnnxWire.StringStringEntryProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorProto;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.testing.TestModels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16: ONNX external data is read only from inside the model's folder, within the file's
 * bounds; a model saved that way runs like the same model with its weights inline.
 */
class ExternalDataTest {
  private static final float[] W = {0.5f, -1f, 0.25f, 2f, -0.5f, 0.75f, 1.5f, -0.25f, 1f, 0f, -2f,
      0.5f};
  private static final float[] B = {0.1f, -0.2f, 0.3f};
  /** Bytes before the first tensor in the data file, so offsets matter. */
  private static final int PAD = 16;

  @TempDir Path tmp;

  /** y = x @ w + b, x [2, 4]; w [4, 3] and b [3] in {@code location} at the given offsets. */
  private Path model(Path dir, String wLocation, long wOffset, long wLength) throws IOException {
    Files.createDirectories(dir);
    byte[] m = TestModels.builder("external")
        .input("x", DType.FLOAT, 2, 4)
        .output("y", DType.FLOAT, 2, 3)
        .initializerProto(external("w", new long[] {4, 3}, wLocation, wOffset, wLength))
        .initializerProto(external("b", new long[] {3}, "weights.bin", PAD + 48, 12))
        .node("MatMul", List.of("x", "w"), List.of("xw"))
        .node("Add", List.of("xw", "b"), List.of("y"))
        .build().toByteArray();
    return Files.write(dir.resolve("model.onnx"), m);
  }

  private static TensorProto external(String name, long[] dims, String location, long offset,
      long length) {
    TensorProto.Builder t = TensorProto.newBuilder().setName(name)
        .setDataType(DType.FLOAT.onnxCode())
        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(entry("location", location))
        .addExternalData(entry("offset", Long.toString(offset)));
    if (length >= 0) {
      t.addExternalData(entry("length", Long.toString(length)));
    }
    for (long d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }

  /** PAD zero bytes, then W and B as little-endian floats. */
  private static byte[] weights(float[] w, float[] b) {
    ByteBuffer buf = ByteBuffer.allocate(PAD + 4 * (w.length + b.length))
        .order(ByteOrder.LITTLE_ENDIAN);
    buf.position(PAD);
    for (float v : w) {
      buf.putFloat(v);
    }
    for (float v : b) {
      buf.putFloat(v);
    }
    return buf.array();
  }

  private Path validModel() throws IOException {
    Path model = model(tmp.resolve("m"), "weights.bin", PAD, 48);
    Files.write(model.resolveSibling("weights.bin"), weights(W, B));
    return model;
  }

  private static EmberException refused(Path model, String... mentions) {
    EmberException e = assertThrows(EmberException.class, () -> OnnxLoader.load(model));
    assertEquals(ErrorCode.MODEL_INVALID, e.code(), e.getMessage());
    for (String m : mentions) {
      assertTrue(e.getMessage().contains(m), "'" + m + "' not in " + e.getMessage());
    }
    return e;
  }

  @Test
  void externalWeightsLoadAndRunLikeInlineOnes() throws IOException {
    OnnxModel m = OnnxLoader.load(validModel());
    assertArrayEquals(W, m.graph().initializers().get("w").rawFloats());
    assertArrayEquals(B, m.graph().initializers().get("b").rawFloats());
    Tensor x = TestModels.randomFloats(new int[] {2, 4}, 16);
    float[] y = new Interpreter(m.graph(), OpRegistry.standard()).run(Map.of("x", x))
        .get("y").rawFloats();
    for (int r = 0; r < 2; r++) {
      for (int j = 0; j < 3; j++) {
        double want = B[j];
        for (int k = 0; k < 4; k++) {
          want += x.rawFloats()[r * 4 + k] * W[k * 3 + j];
        }
        assertEquals(want, y[r * 3 + j], 1e-5, "y[" + r + "][" + j + "]");
      }
    }
  }

  @Test
  void theModelDigestCoversTheExternalWeights() throws IOException {
    Path model = validModel();
    String before = OnnxLoader.load(model).sha256();
    float[] other = W.clone();
    other[0] = 7f;
    Files.write(model.resolveSibling("weights.bin"), weights(other, B));
    // Same .onnx bytes, other weights: the compile cache must not take one for the other.
    assertNotEquals(before, OnnxLoader.load(model).sha256());
  }

  @Test
  void lengthMayBeLeftOutToReadToTheEndOfTheFile() throws IOException {
    Path model = model(tmp.resolve("m"), "w.bin", 0, -1);
    ByteBuffer w = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : W) {
      w.putFloat(v);
    }
    Files.write(model.resolveSibling("w.bin"), w.array());
    Files.write(model.resolveSibling("weights.bin"), weights(W, B));
    assertArrayEquals(W, OnnxLoader.load(model).graph().initializers().get("w").rawFloats());
  }

  @Test
  void absoluteLocationsAreRefused() throws IOException {
    Path outside = Files.write(tmp.resolve("outside.bin"), weights(W, B));
    Path model = model(tmp.resolve("m"), outside.toString(), PAD, 48);
    Files.write(model.resolveSibling("weights.bin"), weights(W, B));
    refused(model, "initializer 'w'", "is absolute");
  }

  @Test
  void dotDotIsRefusedEvenWhenItWouldComeBack() throws IOException {
    Files.write(tmp.resolve("outside.bin"), weights(W, B));
    for (String location : List.of("../outside.bin", "sub/../../outside.bin", "sub/../weights.bin")) {
      Path model = model(tmp.resolve("m"), location, PAD, 48);
      Files.write(model.resolveSibling("weights.bin"), weights(W, B));
      refused(model, "'" + location + "'", "'..'");
    }
  }

  @Test
  void aSymlinkOutOfTheFolderIsRefused() throws IOException {
    Path outside = Files.write(tmp.resolve("secret.bin"), weights(W, B));
    Path model = model(tmp.resolve("m"), "link.bin", PAD, 48);
    Files.write(model.resolveSibling("weights.bin"), weights(W, B));
    Files.createSymbolicLink(model.resolveSibling("link.bin"), outside);
    refused(model, "'link.bin'", "symbolic link");
  }

  @Test
  void aSymlinkedSubfolderOutOfTheFolderIsRefused() throws IOException {
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.write(elsewhere.resolve("weights.bin"), weights(W, B));
    Path model = model(tmp.resolve("m"), "sub/weights.bin", PAD, 48);
    Files.write(model.resolveSibling("weights.bin"), weights(W, B));
    Files.createSymbolicLink(model.resolveSibling("sub"), elsewhere);
    refused(model, "'sub/weights.bin'", "symbolic link");
  }

  @Test
  void rangesPastTheEndOfTheFileAreRefused() throws IOException {
    int fileSize = weights(W, B).length;
    long[][] ranges = {{fileSize - 8, 48}, {fileSize + 100, 48}, {Long.MAX_VALUE - 4, 48}};
    for (long[] r : ranges) {
      Path model = model(tmp.resolve("m"), "weights.bin", r[0], r[1]);
      Files.write(model.resolveSibling("weights.bin"), weights(W, B));
      refused(model, "initializer 'w'", "does not lie within 'weights.bin' (" + fileSize
          + " bytes)");
    }
  }

  @Test
  void aLengthThatDoesNotFitTheShapeIsRefusedBeforeReading() throws IOException {
    Path model = model(tmp.resolve("m"), "weights.bin", 0, PAD + 60);
    Files.write(model.resolveSibling("weights.bin"), weights(W, B));
    refused(model, "is 76 bytes, but its type and shape need 48");
  }

  @Test
  void missingFilesAndBadNumbersAreRefused() throws IOException {
    refused(model(tmp.resolve("none"), "weights.bin", PAD, 48), "does not exist");
    Path model = model(tmp.resolve("m"), "weights.bin", PAD, 48);
    Files.write(model.resolveSibling("weights.bin"), weights(W, B));
    byte[] bad = TestModels.builder("neg").input("x", DType.FLOAT, 3).output("y", DType.FLOAT)
        .initializerProto(external("w", new long[] {3}, "weights.bin", -4, 12).toBuilder()
            .setExternalData(1, entry("offset", "-4")).build())
        .node("Add", List.of("x", "w"), List.of("y")).build().toByteArray();
    Path negative = Files.write(model.resolveSibling("neg.onnx"), bad);
    refused(negative, "offset '-4'");
  }

  @Test
  void withoutAFolderExternalDataIsUnsupported() throws IOException {
    byte[] bytes = Files.readAllBytes(validModel());
    EmberException e =
        assertThrows(EmberException.class, () -> OnnxLoader.load(bytes, "bytes.onnx"));
    assertEquals(ErrorCode.MODEL_UNSUPPORTED, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("read the model from a local path"), e.getMessage());
  }
}
