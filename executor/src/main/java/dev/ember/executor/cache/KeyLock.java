package dev.ember.executor.cache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive hold on one cache key, across threads and processes. A {@link FileLock} alone is not
 * enough: it is held per JVM, so a second thread (or a second cache on the same root) asking for
 * it gets {@code OverlappingFileLockException} instead of waiting. Threads therefore queue on a
 * JVM-wide lock per lock file first, then one of them takes the file lock for the process.
 */
final class KeyLock implements AutoCloseable {
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS =
      new ConcurrentHashMap<>();

  private final ReentrantLock jvmLock;
  private final FileChannel channel;

  private KeyLock(ReentrantLock jvmLock, FileChannel channel) {
    this.jvmLock = jvmLock;
    this.channel = channel;
  }

  /** Waits for the key; throws if the lock file cannot be created or locked. */
  static KeyLock acquire(Path lockFile) throws IOException {
    ReentrantLock jvm = jvmLock(lockFile);
    jvm.lock();
    FileChannel ch = null;
    try {
      ch = open(lockFile);
      ch.lock();
      return new KeyLock(jvm, ch);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(ch);
      jvm.unlock();
      throw e;
    }
  }

  /** Takes the key only if nobody holds it now; null otherwise. */
  static KeyLock tryAcquire(Path lockFile) throws IOException {
    ReentrantLock jvm = jvmLock(lockFile);
    if (!jvm.tryLock()) {
      return null;
    }
    FileChannel ch = null;
    try {
      ch = open(lockFile);
      if (ch.tryLock() == null) {
        closeQuietly(ch);
        jvm.unlock();
        return null;
      }
      return new KeyLock(jvm, ch);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(ch);
      jvm.unlock();
      throw e;
    }
  }

  /** Releases the file lock (closing its channel) and then the JVM lock. */
  @Override
  public void close() {
    try {
      closeQuietly(channel);
    } finally {
      jvmLock.unlock();
    }
  }

  private static ReentrantLock jvmLock(Path lockFile) {
    return JVM_LOCKS.computeIfAbsent(
        lockFile.toAbsolutePath().normalize(), p -> new ReentrantLock());
  }

  private static FileChannel open(Path lockFile) throws IOException {
    Files.createDirectories(lockFile.getParent());
    // Lock files are never deleted: deleting one while another process waits on it would let
    // a third process lock a fresh file of the same name, and two writers would run at once.
    return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch == null) {
      return;
    }
    try {
      ch.close();
    } catch (IOException e) {
      // The channel is unusable either way, and the OS drops its lock with the descriptor.
    }
  }
}
