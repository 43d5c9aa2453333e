package dev.ember.bench.gpu;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pre-tokenized text, one row of token ids per sentence, in a file both the Java harness and
 * {@code bench/gpu/torch_reference.py} read, so every engine sees the same inputs without a
 * tokenizer on the device machine. Format: the magic {@code EMBRIDS1}, the row count, then per
 * row its length and its ids, every number a big-endian int32 (Java's {@code DataOutput} order,
 * numpy's {@code >i4}).
 */
public final class TokenIds {
  static final byte[] MAGIC = "EMBRIDS1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private TokenIds() {}

  public static void write(Path file, List<long[]> rows) throws IOException {
    try (OutputStream os = Files.newOutputStream(file);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os))) {
      out.write(MAGIC);
      out.writeInt(rows.size());
      for (long[] row : rows) {
        out.writeInt(row.length);
        for (long id : row) {
          out.writeInt(Math.toIntExact(id));
        }
      }
    }
  }

  public static List<long[]> read(Path file) throws IOException {
    try (InputStream is = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(is))) {
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new IOException(file + " is not a token-id file (no " + new String(MAGIC,
            java.nio.charset.StandardCharsets.US_ASCII) + " header)");
      }
      int n = in.readInt();
      List<long[]> rows = new ArrayList<>(n);
      for (int r = 0; r < n; r++) {
        long[] row = new long[in.readInt()];
        for (int i = 0; i < row.length; i++) {
          row[i] = in.readInt();
        }
        rows.add(row);
      }
      return rows;
    }
  }
}
