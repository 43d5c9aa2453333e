package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.CudaProgram.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * A variant's two pinned host buffers, one per copy of a call ({@link BlockLayout}): the way up
 * (inputs and the error flag) and the way down (the flag and the outputs), with a fixed view of
 * each input, output and the flag inside them. Made once per variant, so a call allocates
 * nothing to stage its copies.
 */
final class HostStaging {
  private final ByteBuffer up;
  private final ByteBuffer down;
  private final Map<String, ByteBuffer> inputs = new HashMap<>();
  private final Map<String, ByteBuffer> outputs = new HashMap<>();
  private final ByteBuffer flagUp;
  private final ByteBuffer flagDown;

  HostStaging(GpuDriver driver, CudaProgram program, BlockLayout layout) {
    up = driver.hostBuffer(Math.max(layout.uploadBytes(), 4));
    down = driver.hostBuffer(Math.max(layout.downloadBytes(), 4));
    for (String name : program.inputs()) {
      int b = program.bufferOf().get(name);
      inputs.put(name, view(up, layout.offset(b), program.buffers().get(b).bytes()));
    }
    long from = layout.downloadStart();
    for (String name : program.outputs()) {
      int b = program.bufferOf().get(name);
      if (program.buffers().get(b).kind() != Kind.WEIGHT) {
        outputs.put(name, view(down, layout.offset(b) - from,
            BlockLayout.outputBytes(program, name)));
      }
    }
    int flag = program.errorBuffer();
    flagUp = flag < 0 ? null : view(up, layout.offset(flag), 4);
    flagDown = flag < 0 ? null : view(down, layout.offset(flag) - from, 4);
  }

  /** The whole way-up buffer, limited to {@code bytes}, for one upload. */
  ByteBuffer up(long bytes) {
    return up.clear().limit((int) bytes);
  }

  /** The whole way-down buffer, limited to {@code bytes}, for one download. */
  ByteBuffer down(long bytes) {
    return down.clear().limit((int) bytes);
  }

  /** Where input {@code name} is written before the upload. */
  ByteBuffer input(String name) {
    return inputs.get(name);
  }

  /** Where output {@code name} is read after the download; null for an initializer output. */
  ByteBuffer output(String name) {
    ByteBuffer b = outputs.get(name);
    return b == null ? null : b.clear();
  }

  /** Clears the error flag in the way-up buffer (a no-op without one). */
  void clearFlag() {
    if (flagUp != null) {
      flagUp.putInt(0, 0);
    }
  }

  /** The error code the device left in the downloaded flag; 0 without one. */
  int flag() {
    return flagDown == null ? 0 : flagDown.getInt(0);
  }

  void free(GpuDriver driver) {
    driver.freeHost(up);
    driver.freeHost(down);
  }

  /** Bytes [at, at + n) of {@code b} as their own little-endian buffer. */
  private static ByteBuffer view(ByteBuffer b, long at, long n) {
    return b.duplicate().clear().position((int) at).limit((int) (at + n)).slice()
        .order(ByteOrder.LITTLE_ENDIAN);
  }
}
