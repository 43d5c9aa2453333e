package dev.ember.executor.dispatch;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Level 3's data movement: cuts rows out of the caller's inputs and pads them with zeros to a
 * captured (batch, seq); collects each chunk's outputs, sliced back to the real rows and sequence
 * length, into one result. Pad value 0 is a [PAD] token id and a closed attention mask.
 */
final class Padding {
  private Padding() {}

  /**
   * Rows {@code [row, row + rows)} of every input, padded to {@code batch} rows and {@code seq}
   * positions; an input that already has that shape is passed through uncopied.
   */
  static Map<String, Tensor> inputs(
      PadAxes axes, Map<String, Tensor> in, int row, int rows, int batch, int seq) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, PadAxes.Axes> e : axes.inputs.entrySet()) {
      Tensor t = in.get(e.getKey());
      out.put(e.getKey(), pad(t, e.getValue(), row, rows, batch, seq));
    }
    return out;
  }

  private static Tensor pad(Tensor t, PadAxes.Axes a, int row, int rows, int batch, int seq) {
    if (a.none()) {
      return t;
    }
    int[] src = t.shape();
    int[] dst = src.clone();
    int[] off = new int[src.length];
    int[] count = src.clone();
    if (a.batch() >= 0) {
      dst[a.batch()] = batch;
      off[a.batch()] = row;
      count[a.batch()] = rows;
    }
    for (int s : a.seq()) {
      dst[s] = seq;
    }
    if (Arrays.equals(src, dst) && row == 0 && Arrays.equals(src, count)) {
      return t;
    }
    // A fresh tensor of zeros, filled before anyone else sees it.
    Tensor p = Tensor.zeros(t.dtype(), dst);
    Regions.copy(t.rawData(), src, off, p.rawData(), dst, new int[src.length], count);
    return p;
  }

  /** Gathers chunk outputs into the outputs of {@code totalRows} rows of {@code seq} positions. */
  static final class Collector {
    private final PadAxes axes;
    private final int totalRows;
    private final int seq;
    private final String where;
    private final Map<String, Tensor> result = new LinkedHashMap<>();

    Collector(PadAxes axes, int totalRows, int seq, String where) {
      this.axes = axes;
      this.totalRows = totalRows;
      this.seq = seq;
      this.where = where;
    }

    /** Adds the outputs of a chunk of {@code rows} real rows starting at {@code row}. */
    void add(Map<String, Tensor> chunk, int row, int rows, int batch, int paddedSeq) {
      for (Map.Entry<String, Tensor> e : chunk.entrySet()) {
        PadAxes.Axes a = axes.outputs.get(e.getKey());
        if (a == null || a.none() || a.batch() < 0 && row > 0) {
          result.putIfAbsent(e.getKey(), e.getValue()); // no batch dim: every chunk gives it alike
          continue;
        }
        Tensor t = e.getValue();
        int[] src = t.shape();
        check(e.getKey(), t, a, batch, paddedSeq);
        int[] count = src.clone();
        int[] full = src.clone();
        int[] at = new int[src.length];
        if (a.batch() >= 0) {
          count[a.batch()] = rows;
          full[a.batch()] = totalRows;
          at[a.batch()] = row;
        }
        for (int s : a.seq()) {
          count[s] = seq;
          full[s] = seq;
        }
        Tensor dst = result.get(e.getKey());
        if (dst == null) {
          if (row == 0 && rows == totalRows && Arrays.equals(src, full)) {
            result.put(e.getKey(), t); // one unpadded chunk: nothing to slice
            continue;
          }
          dst = Tensor.zeros(t.dtype(), full);
          result.put(e.getKey(), dst);
        }
        Regions.copy(t.rawData(), src, new int[src.length], dst.rawData(), full, at, count);
      }
    }

    Map<String, Tensor> result() {
      return result;
    }

    private void check(String name, Tensor t, PadAxes.Axes a, int batch, int paddedSeq) {
      boolean ok = a.batch() < 0 || a.batch() < t.rank() && t.dim(a.batch()) == batch;
      for (int s : a.seq()) {
        ok &= s < t.rank() && t.dim(s) == paddedSeq;
      }
      if (!ok) {
        throw Errors.of(
            ErrorCode.SHAPE_MISMATCH,
            where
                + ": output '"
                + name
                + "' is "
                + t
                + " for a padded batch of "
                + batch
                + " x "
                + paddedSeq
                + "; its batch/seq axes "
                + a.batch()
                + "/"
                + Arrays.toString(a.seq())
                + " do not have those sizes, so it cannot be sliced back",
            "report this as an Ember bug; meanwhile use compile level 1 or 2");
      }
    }
  }
}
