package dev.ember.executor.backend.cuda.emu;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The emulator's device memory: one sparse file, mapped here and, at address {@link #base()}, in
 * the runner process, so that a device pointer is a real address there. Each allocation gets
 * whole pages and one unmapped guard page after them, and ends flush with its last page, so a
 * kernel that reads or writes past the end faults in the runner. Pointers are 16-byte aligned
 * (enough for float4 loads), not 256 as cudaMalloc's, so that only overruns under 16 bytes slip.
 */
final class EmuDeviceMemory implements AutoCloseable {
  static final long PAGE = 4096;
  private static final long ALIGN = 16;
  private static final long FIRST_BASE = 0x7000_0000_0000L;
  private static final long BASE_STRIDE = 64L << 30; // distinct bases catch mixed-up drivers
  private static final AtomicInteger SERIAL = new AtomicInteger();

  private final Path file;
  private final long base;
  private final long size;
  private MappedByteBuffer mapped;
  private final TreeMap<Long, Long> freePages = new TreeMap<>(); // first page -> page count
  private final TreeMap<Long, Allocation> live = new TreeMap<>(); // pointer -> allocation

  /** A live allocation: {@code pointer} is what alloc returned; {@code pages} counts the guard. */
  record Allocation(long pointer, long bytes, long firstPage, long pages) {
    long end() {
      return pointer + bytes;
    }
  }

  EmuDeviceMemory(long size) {
    if (size <= 0 || size > Integer.MAX_VALUE - PAGE || size % PAGE != 0) {
      throw new IllegalArgumentException("emulated device memory must be a positive multiple of "
          + PAGE + " below 2 GiB, but was " + size);
    }
    this.size = size;
    this.base = FIRST_BASE + (SERIAL.getAndIncrement() % 32) * BASE_STRIDE;
    this.file = createSparseFile(size);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      mapped = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot map " + file, e);
    }
    freePages.put(1L, size / PAGE - 1); // page 0 stays unused so no pointer equals base
  }

  /** tmpfs when it has room, so the runner's page releases return memory; else the temp dir. */
  private static Path createSparseFile(long size) {
    try {
      Path shm = Path.of("/dev/shm");
      Path dir = Files.isDirectory(shm) && Files.isWritable(shm)
          && shm.toFile().getUsableSpace() >= size ? shm
          : Path.of(System.getProperty("java.io.tmpdir"));
      Path f = Files.createTempFile(dir, "ember-emu-mem-", ".bin");
      try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
        raf.setLength(size);
      }
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the emulator's device-memory file", e);
    }
  }

  Path file() {
    return file;
  }

  long base() {
    return base;
  }

  long size() {
    return size;
  }

  /** Removes the file's name once the runner has it mapped; the mappings keep the memory. */
  void unlinkFile() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + file, e);
    }
  }

  Allocation alloc(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("cannot allocate " + bytes + " bytes");
    }
    long rounded = Math.max(ALIGN, (bytes + ALIGN - 1) / ALIGN * ALIGN);
    long pages = (rounded + PAGE - 1) / PAGE + 1;
    for (Map.Entry<Long, Long> run : freePages.entrySet()) {
      if (run.getValue() >= pages) {
        // Read the run before removing it: TreeMap's remove may move another node's key and
        // value into this entry object, which then describes a different run.
        long first = run.getKey();
        long count = run.getValue();
        freePages.remove(first);
        if (count > pages) {
          freePages.put(first + pages, count - pages);
        }
        long pointer = base + (first + pages - 1) * PAGE - rounded;
        Allocation a = new Allocation(pointer, bytes, first, pages);
        live.put(pointer, a);
        return a;
      }
    }
    throw Errors.of(ErrorCode.DEVICE_UNAVAILABLE,
        "emulated device memory is exhausted: " + bytes + " bytes asked, " + freeBytes()
            + " free of " + size,
        "give the EmulatedDriver more memory or free buffers you no longer use");
  }

  Allocation free(long pointer) {
    Allocation a = live.remove(pointer);
    if (a == null) {
      throw new IllegalArgumentException(
          "free(0x" + Long.toHexString(pointer) + "): not a live allocation; " + describe(pointer));
    }
    long first = a.firstPage();
    long pages = a.pages();
    Map.Entry<Long, Long> before = freePages.lowerEntry(first);
    if (before != null && before.getKey() + before.getValue() == first) {
      first = before.getKey();
      pages += before.getValue();
      freePages.remove(first);
    }
    Long after = freePages.remove(first + pages);
    freePages.put(first, pages + (after == null ? 0 : after));
    return a;
  }

  /** Offset of an allocation's mapped pages (without the guard) in the file. */
  static long mappedOffset(Allocation a) {
    return a.firstPage() * PAGE;
  }

  static long mappedLength(Allocation a) {
    return (a.pages() - 1) * PAGE;
  }

  long freeBytes() {
    return freePages.values().stream().mapToLong(p -> p * PAGE).sum();
  }

  /** A view of {@code [pointer, pointer + bytes)}, which must lie inside one live allocation. */
  ByteBuffer view(long pointer, long bytes, String op) {
    Map.Entry<Long, Allocation> e = live.floorEntry(pointer);
    if (e == null || bytes < 0 || pointer + bytes > e.getValue().end()) {
      throw new IllegalArgumentException(op + " of " + bytes + " bytes at 0x"
          + Long.toHexString(pointer) + " is not inside one live allocation; "
          + describe(pointer));
    }
    return mapped.slice((int) (pointer - base), (int) bytes);
  }

  /** True for null and for addresses inside (or at the end of) a live allocation. */
  boolean isValidPointer(long pointer) {
    Map.Entry<Long, Allocation> e = live.floorEntry(pointer);
    return pointer == 0 || (e != null && pointer <= e.getValue().end());
  }

  /** Where {@code address} lies relative to the live allocations, for error messages. */
  String describe(long address) {
    Map.Entry<Long, Allocation> below = live.floorEntry(address);
    if (below != null && address < below.getValue().end()) {
      return "inside the " + below.getValue().bytes() + "-byte allocation at 0x"
          + Long.toHexString(below.getKey()) + " (offset " + (address - below.getKey()) + ")";
    }
    if (below != null && address - below.getValue().end() < 2 * PAGE) {
      return (address - below.getValue().end()) + " bytes past the end of the "
          + below.getValue().bytes() + "-byte allocation at 0x" + Long.toHexString(below.getKey());
    }
    Map.Entry<Long, Allocation> above = live.ceilingEntry(address);
    if (above != null && above.getKey() - address <= PAGE) {
      return (above.getKey() - address) + " bytes before the " + above.getValue().bytes()
          + "-byte allocation at 0x" + Long.toHexString(above.getKey());
    }
    boolean inside = address >= base && address < base + size;
    return inside ? "not in any live allocation (freed, or never allocated)"
        : "outside this device's memory [0x" + Long.toHexString(base) + ", 0x"
            + Long.toHexString(base + size) + "): a wild pointer, or a thread's 256 KiB stack"
            + " overflowing";
  }

  /** Unmaps the buffer now rather than at garbage collection, so tmpfs gets its pages back. */
  @Override
  public void close() {
    if (mapped == null) {
      return;
    }
    try {
      Field f = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
      f.setAccessible(true);
      Object unsafe = f.get(null);
      unsafe.getClass().getMethod("invokeCleaner", ByteBuffer.class).invoke(unsafe, mapped);
    } catch (ReflectiveOperationException e) {
      // Left to the garbage collector; the file's name is gone already.
    }
    mapped = null;
    unlinkFile();
  }
}
