package dev.ember.executor.cache;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The one hash of the cache: sha256, as lowercase hex. */
final class Digests {
  private Digests() {}

  static String sha256Hex(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  /** Of the remaining bytes of {@code bytes}, whose position it leaves as it was. */
  static String sha256Hex(ByteBuffer bytes) {
    MessageDigest md = sha256();
    md.update(bytes.duplicate());
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM ships SHA-256", e);
    }
  }
}
