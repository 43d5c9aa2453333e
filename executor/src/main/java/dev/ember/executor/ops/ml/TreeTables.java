package dev.ember.executor.ops.ml;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The tables of generated forest code as string literals: each array is written as Base64 of its
 * big-endian bytes in chunks of at most {@link #CHUNK} characters (a class file constant holds
 * 65,535 bytes), and decoded once when the generated class initialises. This keeps the tables
 * inside the class bytes, so that saved artifacts load without the model, and keeps the class
 * initialiser a few bytes per chunk (an array literal costs bytecode per element, under a 64 KB
 * limit). Decoding is public for generated code only.
 */
public final class TreeTables {
  /** Characters per chunk: a multiple of 4 (whole Base64 groups), under 65,535. */
  static final int CHUNK = 60_000;

  private TreeTables() {}

  public static int[] ints(String[] chunks) {
    ByteBuffer b = decode(chunks);
    int[] out = new int[b.remaining() / 4];
    b.asIntBuffer().get(out);
    return out;
  }

  public static float[] floats(String[] chunks) {
    ByteBuffer b = decode(chunks);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  public static double[] doubles(String[] chunks) {
    ByteBuffer b = decode(chunks);
    double[] out = new double[b.remaining() / 8];
    b.asDoubleBuffer().get(out);
    return out;
  }

  public static byte[] bytes(String[] chunks) {
    ByteBuffer b = decode(chunks);
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static ByteBuffer decode(String[] chunks) {
    return ByteBuffer.wrap(Base64.getDecoder().decode(String.join("", chunks)));
  }

  static List<String> encode(int[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length);
    b.asIntBuffer().put(v);
    return chunks(b.array());
  }

  static List<String> encode(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length);
    b.asFloatBuffer().put(v);
    return chunks(b.array());
  }

  static List<String> encode(double[] v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length);
    b.asDoubleBuffer().put(v);
    return chunks(b.array());
  }

  static List<String> encode(byte[] v) {
    return chunks(v);
  }

  private static List<String> chunks(byte[] bytes) {
    String all = Base64.getEncoder().encodeToString(bytes);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < all.length(); i += CHUNK) {
      out.add(all.substring(i, Math.min(all.length(), i + CHUNK)));
    }
    if (out.isEmpty()) {
      out.add("");
    }
    return out;
  }
}
