package dev.ember.executor.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Exclusive hold on one cache key, across threads and processes. A {@link FileLock} alone is not
 * enough: it is held per JVM, so a second thread (or a second cache on the same root) asking for it
 * gets {@code OverlappingFileLockException} instead of waiting. Threads therefore queue on a
 * JVM-wide lock per lock file first, then one of them takes the file lock for the process.
 */
final class KeyLock implements AutoCloseable {
  /** Longest pause between two tries of the file lock, so a waiter follows soon after. */
  private static final long MAX_POLL_MS = 50;

  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final ReentrantLock jvmLock;
  private final FileChannel channel;

  private KeyLock(ReentrantLock jvmLock, FileChannel channel) {
    this.jvmLock = jvmLock;
    this.channel = channel;
  }

  /**
   * Waits up to {@code maxWait} for the key; null when someone else still holds it then. Throws if
   * the lock file cannot be created or locked, InterruptedIOException (interrupt flag kept) when
   * the thread is interrupted, and IllegalStateException when this thread holds it already.
   */
  static KeyLock acquire(Path lockFile, Duration maxWait) throws IOException {
    long deadline = System.nanoTime() + maxWait.toNanos();
    ReentrantLock jvm = jvmLock(lockFile);
    try {
      if (!jvm.tryLock(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
        return null;
      }
    } catch (InterruptedException e) {
      throw interrupted(lockFile);
    }
    if (jvm.getHoldCount() > 1) {
      jvm.unlock();
      throw new IllegalStateException(
          "the compile of a cache key looked up the same key ("
              + lockFile
              + "); it would wait"
              + " on itself");
    }
    FileChannel ch = null;
    try {
      ch = open(lockFile);
      // Polled rather than FileChannel.lock(), which cannot time out: a hung compile in another
      // executor must not hang this one forever.
      long sleepMs = 1;
      while (ch.tryLock() == null) {
        if (System.nanoTime() - deadline >= 0) {
          closeQuietly(ch);
          jvm.unlock();
          return null;
        }
        Thread.sleep(sleepMs);
        sleepMs = Math.min(sleepMs * 2, MAX_POLL_MS);
      }
      return new KeyLock(jvm, ch);
    } catch (InterruptedException e) {
      closeQuietly(ch);
      jvm.unlock();
      throw interrupted(lockFile);
    } catch (IOException | RuntimeException | Error e) {
      closeQuietly(ch);
      jvm.unlock();
      throw e;
    }
  }

  /** Takes the key only if nobody holds it now; null otherwise. */
  static KeyLock tryAcquire(Path lockFile) throws IOException {
    if (jvmLock(lockFile).isHeldByCurrentThread()) {
      return null;
    }
    return acquire(lockFile, Duration.ZERO);
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

  private static InterruptedIOException interrupted(Path lockFile) {
    Thread.currentThread().interrupt();
    return new InterruptedIOException("interrupted while waiting for " + lockFile);
  }

  private static FileChannel open(Path lockFile) throws IOException {
    PrivatePaths.createDirectories(lockFile.getParent());
    // Lock files are never deleted: deleting one while another process waits on it would let
    // a third process lock a fresh file of the same name, and two writers would run at once.
    return FileChannel.open(
        lockFile,
        Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
        PrivatePaths.fileAttributes(lockFile));
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
