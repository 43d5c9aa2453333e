package dev.ember.executor.cache;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks manifests with HMAC-SHA256 under a per-user secret key, so that an entry counts
 * only if this user's Ember wrote it: a sha256 alone can be recomputed by anyone who can write the
 * cache folder. The key (32 random bytes) lives outside the cache, in a {@code rw-------} file of
 * the user ({@link UserDirs#cacheKeyFile()}), created on first use; a key file someone else could
 * read or replace is refused, since whoever knows the key can sign planted code.
 */
final class EntrySigner {
  static final int KEY_BYTES = 32;
  private static final String ALGORITHM = "HmacSHA256";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  private EntrySigner(byte[] key) {
    this.key = new SecretKeySpec(key, ALGORITHM);
  }

  /** A signer over the given key bytes; for tests, which would otherwise share the user's key. */
  static EntrySigner of(byte[] key) {
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          "a cache key has " + KEY_BYTES + " bytes, not " + key.length);
    }
    return new EntrySigner(key.clone());
  }

  /**
   * The key in {@code keyFile}, created (with its folder) if absent. Throws {@link Refused} when
   * the file or its folder is not private to this user, IOException when it cannot be made or read.
   */
  static EntrySigner load(Path keyFile, FileOwners owners) throws IOException {
    Path dir = keyFile.toAbsolutePath().getParent();
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      PrivatePaths.createDirectories(dir);
    }
    refuseIf(PrivatePaths.check(dir, true, PrivatePaths.WRITABLE_BY_OTHERS, owners));
    if (!Files.exists(keyFile, LinkOption.NOFOLLOW_LINKS)) {
      create(keyFile);
    }
    refuseIf(PrivatePaths.check(keyFile, false, PrivatePaths.ANY_ACCESS_BY_OTHERS, owners));
    byte[] bytes = PrivatePaths.read(keyFile, KEY_BYTES);
    if (bytes.length != KEY_BYTES) {
      throw new Refused(
          new PrivatePaths.Problem(
              keyFile,
              "has " + bytes.length + " bytes instead of " + KEY_BYTES,
              "delete it; a new key is made on the next start"));
    }
    return new EntrySigner(bytes);
  }

  /** The HMAC of {@code bytes}, as lowercase hex. */
  String sign(byte[] bytes) {
    return HexFormat.of().formatHex(mac(bytes));
  }

  /** Whether {@code hex} is the HMAC of {@code bytes}; compared in constant time. */
  boolean verify(byte[] bytes, String hex) {
    byte[] given;
    try {
      given = HexFormat.of().parseHex(hex);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(mac(bytes), given);
  }

  private byte[] mac(byte[] bytes) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac.doFinal(bytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM ships " + ALGORITHM, e);
    }
  }

  /**
   * Writes a fresh key beside {@code keyFile} and links it into place: link(2) fails when the name
   * exists, so when two executors start together, one key wins and both read it.
   */
  private static void create(Path keyFile) throws IOException {
    byte[] fresh = new byte[KEY_BYTES];
    RANDOM.nextBytes(fresh);
    String unique = ProcessHandle.current().pid() + "." + RANDOM.nextInt(1 << 30);
    Path tmp = keyFile.resolveSibling(keyFile.getFileName() + "." + unique);
    try {
      PrivatePaths.writeNew(tmp, fresh, true);
      try {
        Files.createLink(keyFile, tmp);
      } catch (FileAlreadyExistsException e) {
        // Another process made the key first; everyone uses that one.
      } catch (UnsupportedOperationException | FileSystemException e) {
        moveUnlessPresent(tmp, keyFile);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Without hard links: a rename does not replace a key another process made meanwhile. */
  private static void moveUnlessPresent(Path tmp, Path keyFile) throws IOException {
    try {
      Files.move(tmp, keyFile);
    } catch (FileAlreadyExistsException e) {
      // Another process made the key first.
    }
  }

  private static void refuseIf(Optional<PrivatePaths.Problem> problem) throws Refused {
    if (problem.isPresent()) {
      throw new Refused(problem.get());
    }
  }

  /** The key file, or its folder, is not private to this user. */
  static final class Refused extends IOException {
    private final transient PrivatePaths.Problem problem;

    Refused(PrivatePaths.Problem problem) {
      super(problem.toString());
      this.problem = problem;
    }

    PrivatePaths.Problem problem() {
      return problem;
    }
  }
}
