package dev.ember.executor.onnx;

import dev.ember.executor.onnx.wire.OnnxWire.GraphProto;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.onnx.wire.OnnxWire.StringStringEntryProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An ONNX model rewritten so that it loads without parsing its weights: every large initializer of
 * the main graph moves, byte for byte, into numbered weight files and the model keeps an ONNX
 * {@code external_data} reference to it, so the rest parses in milliseconds ({@link
 * OnnxLoader#loadImage}). Parsing MiniLM's 90 MB took 0.9 s; reading its weights as raw bytes
 * takes a copy.
 *
 * <pre>{@code
 * OnnxLoader.Imageable loaded = OnnxLoader.loadImageable(bytes, "model.onnx", null);
 * OnnxImage image = loaded.image().get().orElseThrow();
 * OnnxModel same = OnnxLoader.loadImage(image.model(), "model.onnx",
 *     ExternalData.in(folderOver(image.weights()), "model.onnx"), loaded.model().sha256());
 * }</pre>
 *
 * @param model the rewritten model's bytes
 * @param weights the weight files' contents, named by {@link #weightFile}
 */
public record OnnxImage(byte[] model, List<byte[]> weights) {
  /** Initializers smaller than this stay in the model. */
  static final int MIN_EXTERNAL_BYTES = 1024;
  /** The most bytes one weight file holds (a cache entry's files are read whole). */
  static final int MAX_FILE_BYTES = 128 << 20;

  public OnnxImage {
    weights = List.copyOf(weights);
  }

  /** The name of weight file {@code i}. */
  public static String weightFile(int i) {
    return "weights-" + i + ".bin";
  }

  /**
   * The image of a parsed model, or empty when it has none: its tensors already lie in external
   * files, or one tensor is larger than a weight file.
   */
  static Optional<OnnxImage> of(ModelProto proto) {
    GraphProto graph = proto.getGraph();
    // First where each tensor goes, then one exact array per file: the image is written while
    // the executor starts, so it allocates and copies each weight byte once.
    List<Integer> fileSizes = new ArrayList<>();
    int[] fileOf = new int[graph.getInitializerCount()];
    int[] offsetOf = new int[fileOf.length];
    int used = 0;
    for (int i = 0; i < fileOf.length; i++) {
      TensorProto t = graph.getInitializer(i);
      if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL
          || t.getExternalDataCount() > 0) {
        return Optional.empty();
      }
      int size = t.getRawData().size();
      fileOf[i] = -1;
      if (size < MIN_EXTERNAL_BYTES) {
        continue;
      }
      if (size > MAX_FILE_BYTES) {
        return Optional.empty();
      }
      if (fileSizes.isEmpty() || used + size > MAX_FILE_BYTES) {
        fileSizes.add(0);
        used = 0;
      }
      fileOf[i] = fileSizes.size() - 1;
      offsetOf[i] = used;
      used += size;
      fileSizes.set(fileOf[i], used);
    }
    List<byte[]> files = new ArrayList<>();
    fileSizes.forEach(n -> files.add(new byte[n]));
    GraphProto.Builder out = graph.toBuilder().clearInitializer();
    for (int i = 0; i < fileOf.length; i++) {
      TensorProto t = graph.getInitializer(i);
      if (fileOf[i] < 0) {
        out.addInitializer(t);
        continue;
      }
      t.getRawData().copyTo(files.get(fileOf[i]), offsetOf[i]);
      out.addInitializer(t.toBuilder().clearRawData()
          .setDataLocation(TensorProto.DataLocation.EXTERNAL)
          .addExternalData(entry("location", weightFile(fileOf[i])))
          .addExternalData(entry("offset", Integer.toString(offsetOf[i])))
          .addExternalData(entry("length", Integer.toString(t.getRawData().size()))));
    }
    return Optional.of(new OnnxImage(proto.toBuilder().setGraph(out).build().toByteArray(), files));
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }
}
