package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.CudaProgram.Buffer;
import dev.ember.executor.backend.cuda.CudaProgram.Kind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where each non-weight buffer of a {@link CudaProgram} sits in a variant's device block: the
 * inputs first, then the error flag, then the outputs, then the rest. So a call needs one copy up
 * (inputs, and the zeroed flag behind them) and one copy down (the flag and the outputs behind
 * it) instead of one per input, a memset, one per output and one for the flag: each copy is a
 * driver call and the way down a stream synchronisation.
 */
final class BlockLayout {
  /** Buffers start on 256 bytes, as cudaMalloc's do. */
  static final long ALIGN = 256;

  private final long[] offsets;
  private final long bytes;
  private final long uploadBytes;
  private final long downloadStart;
  private final long downloadEnd;

  BlockLayout(CudaProgram program) {
    List<Buffer> buffers = program.buffers();
    Set<Integer> order = new LinkedHashSet<>();
    program.inputs().forEach(name -> order.add(program.bufferOf().get(name)));
    int flag = program.errorBuffer();
    if (flag >= 0) {
      order.add(flag);
    }
    List<String> outs = new ArrayList<>(); // outputs in the block (not initializers)
    for (String name : program.outputs()) {
      int b = program.bufferOf().get(name);
      if (buffers.get(b).kind() != Kind.WEIGHT) {
        outs.add(name);
        order.add(b);
      }
    }
    for (int i = 0; i < buffers.size(); i++) {
      if (buffers.get(i).kind() != Kind.WEIGHT) {
        order.add(i);
      }
    }
    offsets = new long[buffers.size()];
    long at = 0;
    long up = 0;
    for (int i : order) {
      offsets[i] = at;
      at += (buffers.get(i).bytes() + ALIGN - 1) / ALIGN * ALIGN;
      if (buffers.get(i).kind() == Kind.INPUT || i == flag) {
        up = Math.max(up, offsets[i] + buffers.get(i).bytes());
      }
    }
    bytes = Math.max(at, ALIGN);
    uploadBytes = up;
    long start = flag >= 0 ? offsets[flag] : Long.MAX_VALUE;
    long end = flag >= 0 ? offsets[flag] + 4 : 0;
    for (String name : outs) {
      int b = program.bufferOf().get(name);
      start = Math.min(start, offsets[b]);
      end = Math.max(end, offsets[b] + outputBytes(program, name));
    }
    downloadStart = start == Long.MAX_VALUE ? 0 : start;
    downloadEnd = Math.max(end, downloadStart);
  }

  /** The bytes graph output {@code name} holds: its shape, not the (maybe shared) buffer's size. */
  static long outputBytes(CudaProgram program, String name) {
    long n = 1;
    for (int s : program.outputShapes().get(name)) {
      n *= s;
    }
    return n * CudaTypes.size(program.buffers().get(program.bufferOf().get(name)).dtype());
  }

  long offset(int buffer) {
    return offsets[buffer];
  }

  /** Bytes of the whole block. */
  long bytes() {
    return bytes;
  }

  /** The copy up covers [0, uploadBytes): every input and the error flag. */
  long uploadBytes() {
    return uploadBytes;
  }

  /**
   * The copy down covers [downloadStart, downloadStart + downloadBytes): the flag and every
   * output but those that are initializers (folded constants), which live with the weights.
   */
  long downloadStart() {
    return downloadStart;
  }

  long downloadBytes() {
    return downloadEnd - downloadStart;
  }
}
