package dev.ember.bench.gpu;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.onnx.wire.OnnxWire.StringStringEntryProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An ONNX model without its large weights, small enough to travel to a device machine: the same
 * graph, with every float initializer of at least {@code minElements} elements emptied and its
 * mean and standard deviation kept in the model's metadata ({@code ember.skeleton:<name>}).
 * {@link #regenerate} fills them again with seeded Gaussian values of those statistics, the same
 * on every machine and JVM of one JDK version, so a CPU and a GPU run of the regenerated model
 * can be compared. The values are not the trained ones: embeddings from it check that two
 * engines agree, not what the model means.
 *
 * <pre>{@code
 * byte[] small = ModelSkeleton.strip(onnxBytes, 4096);
 * OnnxModel m = OnnxLoader.load(ModelSkeleton.regenerate(small), "minilm-skeleton");
 * }</pre>
 */
public final class ModelSkeleton {
  static final String STATS_PREFIX = "ember.skeleton:";
  private static final int FLOAT = 1; // TensorProto.DataType.FLOAT
  private static final long SEED = 0x5eed_e3be_72L;

  private ModelSkeleton() {}

  /** The skeleton of {@code onnx}: float initializers of {@code minElements} or more emptied. */
  public static byte[] strip(byte[] onnx, int minElements) {
    ModelProto model = parse(onnx);
    ModelProto.Builder out = model.toBuilder();
    var graph = out.getGraphBuilder();
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      TensorProto t = graph.getInitializer(i);
      if (t.getDataType() != FLOAT || elements(t) < minElements) {
        continue;
      }
      float[] v = floats(t);
      double sum = 0;
      for (float x : v) {
        sum += x;
      }
      double mean = sum / v.length;
      double sq = 0;
      for (float x : v) {
        sq += (x - mean) * (x - mean);
      }
      double std = Math.sqrt(sq / v.length);
      graph.setInitializer(i, t.toBuilder().clearRawData().clearFloatData().build());
      out.addMetadataProps(StringStringEntryProto.newBuilder()
          .setKey(STATS_PREFIX + t.getName())
          .setValue(String.format(Locale.ROOT, "%.9g %.9g", mean, std)));
    }
    return out.build().toByteArray();
  }

  /** A loadable model from a skeleton: each emptied initializer filled with seeded values. */
  public static byte[] regenerate(byte[] skeleton) {
    ModelProto model = parse(skeleton);
    Map<String, double[]> stats = new HashMap<>();
    ModelProto.Builder out = model.toBuilder().clearMetadataProps();
    for (StringStringEntryProto e : model.getMetadataPropsList()) {
      if (e.getKey().startsWith(STATS_PREFIX)) {
        String[] ms = e.getValue().split(" ");
        stats.put(e.getKey().substring(STATS_PREFIX.length()),
            new double[] {Double.parseDouble(ms[0]), Double.parseDouble(ms[1])});
      } else {
        out.addMetadataProps(e);
      }
    }
    var graph = out.getGraphBuilder();
    for (int i = 0; i < graph.getInitializerCount(); i++) {
      TensorProto t = graph.getInitializer(i);
      double[] ms = stats.remove(t.getName());
      if (ms != null) {
        graph.setInitializer(i, t.toBuilder()
            .setRawData(gaussian(t.getName(), elements(t), ms[0], ms[1])).build());
      }
    }
    if (!stats.isEmpty()) {
      throw new IllegalArgumentException("skeleton has statistics for initializers it lacks: "
          + stats.keySet());
    }
    return out.build().toByteArray();
  }

  /** How many initializers {@code skeleton} lists as emptied. */
  public static int emptied(byte[] skeleton) {
    return (int) parse(skeleton).getMetadataPropsList().stream()
        .filter(e -> e.getKey().startsWith(STATS_PREFIX)).count();
  }

  private static ByteString gaussian(String name, long n, double mean, double std) {
    // One stream per initializer, so the values do not depend on the initializers' order.
    SplittableRandom rnd = new SplittableRandom(SEED ^ name.hashCode());
    ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer f = bytes.asFloatBuffer();
    for (long i = 0; i < n; i++) {
      f.put((float) (mean + std * rnd.nextGaussian()));
    }
    return ByteString.copyFrom(bytes.array());
  }

  private static long elements(TensorProto t) {
    long n = 1;
    for (long d : t.getDimsList()) {
      n *= d;
    }
    return n;
  }

  private static float[] floats(TensorProto t) {
    if (t.getFloatDataCount() > 0) {
      float[] v = new float[t.getFloatDataCount()];
      for (int i = 0; i < v.length; i++) {
        v[i] = t.getFloatData(i);
      }
      return v;
    }
    FloatBuffer fb = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer();
    float[] v = new float[fb.remaining()];
    fb.get(v);
    return v;
  }

  private static ModelProto parse(byte[] bytes) {
    try {
      return ModelProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
    }
  }
}
