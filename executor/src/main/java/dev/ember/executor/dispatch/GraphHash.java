package dev.ember.executor.dispatch;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.GraphPrinter;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.OnnxModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * SHA-256 of a graph's content: its printed structure (nodes, attributes, types) and every
 * initializer's bytes, so two graphs share a hash only when they compute the same thing. It is the
 * {@code graphHash} of the wrapper's {@link dev.ember.executor.backend.VariantKey}s. About 0.2 s
 * for MiniLM's 90 MB of weights; callers that hold the model the graph came from pass it to {@link
 * CompileWrapper.Builder#sourceModel}, and its weights are hashed as the model file's digest.
 */
final class GraphHash {
  private static final int CHUNK = 1 << 14;

  private GraphHash() {}

  static String of(Graph g) {
    return of(g, null);
  }

  /**
   * The hash of {@code g}, built from {@code source} (null: from nothing known): a weight that is
   * the very tensor of the source's graph is hashed as the source's sha256, which covers its bytes.
   */
  static String of(Graph g, OnnxModel source) {
    MessageDigest md = sha256();
    md.update(GraphPrinter.print(g).getBytes(StandardCharsets.UTF_8));
    Map<String, Tensor> own = source == null ? Map.of() : source.graph().initializers();
    if (source != null) {
      md.update(("model " + source.sha256()).getBytes(StandardCharsets.UTF_8));
    }
    for (Map.Entry<String, Tensor> e : g.initializers().entrySet()) {
      md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
      md.update(e.getValue().toString().getBytes(StandardCharsets.UTF_8));
      if (own.get(e.getKey()) == e.getValue()) {
        md.update((byte) 1); // the model's own weight, in its sha256
      } else {
        md.update((byte) 0);
        update(md, e.getValue());
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static void update(MessageDigest md, Tensor t) {
    ByteBuffer buf = ByteBuffer.allocate(CHUNK * 8).order(ByteOrder.LITTLE_ENDIAN);
    Object data = t.rawData();
    int n = t.size();
    for (int from = 0; from < n; from += CHUNK) {
      int to = Math.min(n, from + CHUNK);
      buf.clear();
      if (data instanceof float[] f) {
        buf.asFloatBuffer().put(f, from, to - from);
        buf.limit((to - from) * 4);
      } else if (data instanceof double[] d) {
        buf.asDoubleBuffer().put(d, from, to - from);
        buf.limit((to - from) * 8);
      } else if (data instanceof long[] l) {
        buf.asLongBuffer().put(l, from, to - from);
        buf.limit((to - from) * 8);
      } else if (data instanceof boolean[] b) {
        for (int i = from; i < to; i++) {
          buf.put((byte) (b[i] ? 1 : 0));
        }
        buf.flip();
      } else {
        String[] s = (String[]) data;
        for (int i = from; i < to; i++) {
          md.update(s[i].getBytes(StandardCharsets.UTF_8));
          md.update((byte) 0);
        }
        continue;
      }
      md.update(buf);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256, which every Java SE must have", e);
    }
  }
}
