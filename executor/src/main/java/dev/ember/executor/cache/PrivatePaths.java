package dev.ember.executor.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Owner-only folders and files, and the check that a path is one. The cache holds code that is
 * loaded and run, so a folder or file another local user could have planted or can still change is
 * never read (vLLM PR #38920). Folders are made {@code rwx------} and files {@code rw-------} as
 * they are created, so there is no moment at which they are open to others.
 */
final class PrivatePaths {
  /** Permission bits that would let someone else change a folder's or a file's contents. */
  static final Set<PosixFilePermission> WRITABLE_BY_OTHERS =
      EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

  /** Every permission bit of group and others: a secret must not even be readable by them. */
  static final Set<PosixFilePermission> ANY_ACCESS_BY_OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private static final String DIR_MODE = "rwx------";
  private static final String FILE_MODE = "rw-------";

  private PrivatePaths() {}

  /** What is wrong with a path, in words, and what its user can do about it. */
  record Problem(Path path, String what, String fix) {
    @Override
    public String toString() {
      return "'" + path + "' " + what;
    }
  }

  /** Creates {@code dir} and any missing parents, each {@code rwx------} where POSIX applies. */
  static void createDirectories(Path dir) throws IOException {
    Files.createDirectories(dir, dirAttributes(dir));
  }

  /** Creates one folder {@code rwx------}; fails if it exists. */
  static void createDirectory(Path dir) throws IOException {
    Files.createDirectory(dir, dirAttributes(dir));
  }

  /**
   * Creates {@code file} {@code rw-------} with {@code bytes}; fails if the name exists, so an
   * existing file or link is never written through. {@code force} waits until it is on disk.
   */
  static void writeNew(Path file, byte[] bytes, boolean force) throws IOException {
    writeNew(file, ByteBuffer.wrap(bytes), force);
  }

  /** As {@link #writeNew(Path, byte[], boolean)}, writing the remaining bytes of {@code buf}. */
  static void writeNew(Path file, ByteBuffer buf, boolean force) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            file,
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            attributes(file, FILE_MODE))) {
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      if (force) {
        ch.force(true);
      }
    }
  }

  /** The attributes that make a new file {@code rw-------}, where POSIX applies. */
  static FileAttribute<?>[] fileAttributes(Path file) {
    return attributes(file, FILE_MODE);
  }

  /**
   * Why {@code path} must not be trusted, or empty when it is a real folder ({@code folder=true})
   * or regular file of the current user that nobody else can write ({@code forbidden}, typically
   * {@link #WRITABLE_BY_OTHERS}). Symbolic links are never followed: a link is a problem, since its
   * target can be swapped at any time.
   */
  static Optional<Problem> check(
      Path path, boolean folder, Set<PosixFilePermission> forbidden, FileOwners owners)
      throws IOException {
    if (Files.isSymbolicLink(path)) {
      return problem(path, "is a symbolic link", "replace it by a real " + kind(folder));
    }
    boolean isKind =
        folder
            ? Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
            : Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
    if (!isKind) {
      return problem(path, "is not a " + kind(folder), "remove it");
    }
    UserPrincipal owner = owners.ownerOf(path);
    UserPrincipal me = owners.currentUser();
    if (!owner.equals(me)) {
      return problem(
          path,
          "is owned by '" + owner.getName() + "', not by '" + me.getName() + "' who runs Ember",
          "use a " + kind(folder) + " of your own");
    }
    if (posix(path)) {
      PosixFileAttributes attrs =
          Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      Set<PosixFilePermission> extra = EnumSet.noneOf(PosixFilePermission.class);
      extra.addAll(attrs.permissions());
      extra.retainAll(forbidden);
      if (!extra.isEmpty()) {
        String mode = PosixFilePermissions.toString(attrs.permissions());
        return problem(
            path,
            "is open to other users (" + mode + ")",
            "chmod " + (folder ? "700" : "600") + " " + path);
      }
    }
    return Optional.empty();
  }

  /** Bytes per read call: a native buffer of this size is what the JDK reuses. */
  private static final int READ_CHUNK = 1 << 20;

  /**
   * Reads a whole file without following a symbolic link in its last name, and without reading
   * more than {@code maxBytes}: a file that is larger (or grows while read) throws
   * IllegalStateException instead of filling the heap.
   */
  static byte[] read(Path file, long maxBytes) throws IOException {
    try (SeekableByteChannel ch =
        Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      long size = ch.size();
      if (size > maxBytes) {
        throw new IllegalStateException(tooLarge(size, maxBytes));
      }
      // Straight into the result, a chunk at a time: a read into one heap buffer of the whole
      // size goes through a temporary native buffer as large, and copying the result out of a
      // larger buffer doubles it (a model image's 87 MB read in 0.8 s instead of 0.3 s).
      byte[] out = new byte[(int) size];
      int at = 0;
      while (at < out.length) {
        int n = ch.read(ByteBuffer.wrap(out, at, Math.min(READ_CHUNK, out.length - at)));
        if (n < 0) {
          return Arrays.copyOf(out, at); // it shrank: the caller's size checks say so
        }
        at += n;
      }
      if (ch.read(ByteBuffer.allocate(1)) > 0) {
        throw new IllegalStateException(tooLarge(size + 1, maxBytes) + " (it grew)");
      }
      return out;
    }
  }

  /**
   * Maps a whole file read-only, without following a symbolic link in its last name; {@code
   * size} is the size the caller checked, and a file of another size now is refused. The mapping
   * stays valid when the file is renamed or deleted (quarantine, housekeeping): on POSIX systems
   * the pages belong to the open file, not to its name.
   */
  static ByteBuffer map(Path file, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      if (ch.size() != size) {
        throw new IllegalStateException("has " + ch.size() + " bytes but " + size + " were listed");
      }
      return ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
    }
  }

  private static String tooLarge(long size, long maxBytes) {
    return "has " + size + " bytes, more than the " + maxBytes + " allowed";
  }

  private static Optional<Problem> problem(Path path, String what, String fix) {
    return Optional.of(new Problem(path, what, fix));
  }

  private static String kind(boolean folder) {
    return folder ? "folder" : "file";
  }

  private static FileAttribute<?>[] dirAttributes(Path dir) {
    return attributes(dir, DIR_MODE);
  }

  private static FileAttribute<?>[] attributes(Path path, String mode) {
    if (!posix(path)) {
      return new FileAttribute<?>[0];
    }
    return new FileAttribute<?>[] {
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode))
    };
  }

  private static boolean posix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
