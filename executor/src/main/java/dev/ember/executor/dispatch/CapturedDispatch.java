package dev.ember.executor.dispatch;

import dev.ember.executor.backend.interp.InputBinder;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Tensor;
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
