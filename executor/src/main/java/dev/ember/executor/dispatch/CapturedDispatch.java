package dev.ember.executor.dispatch;

import dev.ember.executor.backend.CompiledVariant;
import dev.ember.executor.backend.DeviceSlice;
import dev.ember.executor.backend.DeviceVariant;
import dev.ember.executor.backend.interp.InputBinder;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Level 3: every call is cut into chunks of captured batch sizes ({@link CaptureGrid#cut}), each
 * chunk padded to its capture size and to the sequence bucket of the call, run by index with no
 * guard, and sliced back. A sequence above the largest bucket, or an empty batch, runs the general
 * variant on the inputs as given (or fails, see {@link CompileOptions.SeqOverflow}).
 */
final class CapturedDispatch {
  private final CompileWrapper w;
  private final PadAxes axes;
  private final CaptureGrid grid;
  private final CompileOptions.SeqOverflow overflow;

  CapturedDispatch(CompileWrapper w, PadAxes axes, CaptureGrid grid, CompileOptions options) {
    this.w = w;
    this.axes = axes;
    this.grid = grid;
    this.overflow = options.seqOverflow();
  }

  Map<String, Tensor> call(Map<String, Tensor> inputs) {
    Map<String, Long> bound = InputBinder.check(w.graph(), inputs);
    int rows = axes.batchSym == null ? 1 : Math.toIntExact(bound.get(axes.batchSym));
    int seq = axes.seqSym == null ? 0 : Math.toIntExact(bound.get(axes.seqSym));
    int si = grid.seqIndex(seq);
    Counters c = w.counters();
    if (si < 0 || rows == 0) {
      if (si < 0 && overflow == CompileOptions.SeqOverflow.FAIL) {
        throw tooLong(seq);
      }
      c.generalCalls.increment();
      count(rows, seq, rows, seq);
      return w.run(w.generalSlot(), inputs);
    }
    int paddedSeq = grid.seqAt(si);
    int[] cuts = axes.batchSym == null ? new int[] {1} : grid.cut(rows);
    Padding.Collector out =
        new Padding.Collector(axes, rows, seq, "compile level 3 of '" + w.name() + "'");
    int row = 0;
    for (int n : cuts) {
      int bi = axes.batchSym == null ? 0 : grid.batchIndex(n);
      int batch = axes.batchSym == null ? 1 : grid.batchAt(grid.index(bi, si));
      Map<String, Tensor> padded = Padding.inputs(axes, inputs, row, n, batch, paddedSeq);
      Slot slot = w.table().get(grid.index(bi, si), w.name());
      out.add(w.run(slot, padded), row, n, batch, paddedSeq);
      count(n, seq, batch, paddedSeq);
      row += n;
    }
    return out.result();
  }

  /**
   * Why the captured variants cannot run on device memory as planned, or null: the batch must be
   * axis 0 of every input and output, and there must be no sequence axis (rows of one length).
   */
  String deviceRefusal() {
    if (axes.batchSym == null) {
      return "the graph has no batch dimension";
    }
    if (axes.seqSym != null) {
      return "the graph has a sequence dimension '" + axes.seqSym + "' (rows of varying length)";
    }
    for (Map<String, PadAxes.Axes> m : List.of(axes.inputs, axes.outputs)) {
      for (Map.Entry<String, PadAxes.Axes> e : m.entrySet()) {
        if (e.getValue().batch() != 0) {
          return "'" + e.getKey() + "' does not have the batch as its first axis";
        }
      }
    }
    return null;
  }

  /** Why variant {@code v} cannot run on device memory, or null when it can. */
  static String deviceRunRefusal(CompiledVariant v) {
    return v instanceof DeviceVariant d ? d.deviceRunRefusal()
        : "it runs on " + v.key().backend() + ", not on a GPU";
  }

  /** The variant index of the largest capture size (sequence bucket 0: no sequence axis). */
  int largestCaptureIndex() {
    return grid.index(grid.batchIndex(grid.largestBatch()), 0);
  }

  /**
   * The device twin of {@link #call}: {@code rows} rows, already in device memory, cut into the
   * same chunks ({@link CaptureGrid#cut}), each run by its captured variant with the rest of its
   * batch zero-padded, outputs written row after row at {@code outputs}. Every chunk's variant is
   * compiled and checked before any runs, so a refusal leaves nothing half done.
   */
  void callOnDevice(int rows, Map<String, List<DeviceSlice>> inputs, Map<String, Long> outputs) {
    String why = deviceRefusal();
    if (why != null) {
      throw new IllegalStateException("compile level 3 of '" + w.name() + "' cannot run on"
          + " device memory: " + why);
    }
    if (rows == 0) {
      return;
    }
    int[] cuts = grid.cut(rows);
    List<Slot> slots = new ArrayList<>();
    List<DeviceVariant> variants = new ArrayList<>();
    for (int n : cuts) {
      Slot slot = w.table().get(grid.index(grid.batchIndex(n), 0), w.name());
      CompiledVariant v = slot.variant(w.compiler());
      String refused = deviceRunRefusal(v);
      if (refused != null) {
        throw new IllegalStateException("variant " + slot.label + " of '" + w.name()
            + "' cannot run on device memory: " + refused);
      }
      slots.add(slot);
      variants.add((DeviceVariant) v);
    }
    int row = 0;
    for (int i = 0; i < cuts.length; i++) {
      DeviceVariant v = variants.get(i);
      Map<String, List<DeviceSlice>> in = new LinkedHashMap<>();
      for (Map.Entry<String, List<DeviceSlice>> e : inputs.entrySet()) {
        List<DeviceSlice> shifted = new ArrayList<>(e.getValue().size());
        for (DeviceSlice s : e.getValue()) {
          shifted.add(s.skipRows(row));
        }
        in.put(e.getKey(), shifted);
      }
      Map<String, Long> out = new LinkedHashMap<>();
      for (Map.Entry<String, Long> e : outputs.entrySet()) {
        out.put(e.getKey(), e.getValue() + row * v.outputRowBytes(e.getKey()));
      }
      slots.get(i).dispatches.increment();
      v.runOnDevice(cuts[i], in, out);
      count(cuts[i], 0, v.batchRows(), 0);
      row += cuts[i];
    }
  }

  /** The index of the variant captured for exactly {@code batch} x {@code seq}, else -1. */
  int captureIndex(int batch, int seq) {
    int bi = grid.batchIndex(batch);
    int si = grid.seqIndex(seq);
    if (bi < 0 || si < 0) {
      return -1;
    }
    int i = grid.index(bi, si);
    return grid.batchAt(i) == batch && grid.seqAt(i) == seq ? i : -1;
  }

  /** Tokens the variants run for a call of {@code rows} x {@code seq}, padding included. */
  long paddedTokens(int rows, int seq) {
    int si = grid.seqIndex(seq);
    if (si < 0 || rows == 0) {
      return (long) rows * Math.max(seq, 1);
    }
    int s = axes.seqSym == null ? 1 : grid.seqAt(si);
    if (axes.batchSym == null) {
      return s;
    }
    long total = 0;
    for (int n : grid.cut(rows)) {
      total += (long) grid.batchAt(grid.index(grid.batchIndex(n), si)) * s;
    }
    return total;
  }

  /**
   * What a call of {@code rows} rows costs in rows of its sequence bucket: padded rows plus the
   * cost of each chunk ({@link CaptureGrid#cutCost}).
   */
  double rowCost(int rows) {
    return axes.batchSym == null ? rows * (1 + CaptureGrid.CHUNK_COST_ROWS) : grid.cutCost(rows);
  }

  /** The bucket a sequence of {@code seq} is padded to, -1 above them all. */
  int seqBucket(int seq) {
    if (axes.seqSym == null) {
      return seq;
    }
    int si = grid.seqIndex(seq);
    return si < 0 ? -1 : grid.seqAt(si);
  }

  private void count(int rows, int seq, int paddedRows, int paddedSeq) {
    Counters c = w.counters();
    c.realRows.add(rows);
    c.paddedRows.add(paddedRows);
    c.realTokens.add((long) rows * Math.max(seq, 1));
    c.paddedTokens.add((long) paddedRows * Math.max(paddedSeq, 1));
  }

  private RuntimeException tooLong(int seq) {
    return Errors.of(
        ErrorCode.BAD_INPUT,
        "compile level 3 of '"
            + w.name()
            + "': sequence length "
            + seq
            + " ('"
            + axes.seqSym
            + "') is above the largest captured bucket "
            + grid.seqAt(grid.size() - 1),
        "add a larger bucket to spark.ember.compile.seqBuckets, truncate the inputs, or let"
            + " long sequences run the general variant (seqOverflow=GENERAL)");
  }
}
