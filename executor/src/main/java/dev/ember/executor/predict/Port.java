package dev.ember.executor.predict;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * One graph input or output as a batch runner sees it: its element type, and the shape of one row
 * (the dims after the batch axis). A row dim is a fixed size, {@link #SEQ} (the sequence dim, whose
 * length varies from row to row) or {@link #UNKNOWN} (an output dim shape inference could not
 * tell; the forward pass decides it).
 *
 * @param name the graph's name for the value
 * @param dtype its element type
 * @param shape its shape as the graph declares (or inference found), batch axis included
 * @param rowDims the dims of one row; null when even the rank is unknown (outputs only)
 */
public record Port(String name, DType dtype, Shape shape, int[] rowDims) {
  /** A row dim that is the sequence: as long as the row's own sequence. */
  public static final int SEQ = -1;

  /** A row dim not known before the forward pass (outputs only). */
  public static final int UNKNOWN = -2;

  public Port {
    rowDims = rowDims == null ? null : rowDims.clone();
  }

  @Override
  public int[] rowDims() {
    return rowDims == null ? null : rowDims.clone();
  }

  /** Rank of one row: 0 for a scalar per row ({@code [batch]}), 1 for a vector; -1 unknown. */
  public int rowRank() {
    return rowDims == null ? -1 : rowDims.length;
  }

  /** Whether one of the row dims is the sequence. */
  public boolean hasSeq() {
    if (rowDims == null) {
      return false;
    }
    for (int d : rowDims) {
      if (d == SEQ) {
        return true;
      }
    }
    return false;
  }

  /** Elements in one row when every row dim is fixed; -1 otherwise. */
  public int fixedRowSize() {
    if (rowDims == null) {
      return -1;
    }
    int n = 1;
    for (int d : rowDims) {
      if (d < 0) {
        return -1;
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** The shape of a row whose sequence is {@code seqLen} long (row dims must be known). */
  public int[] rowShape(int seqLen) {
    int[] s = rowDims.clone();
    for (int i = 0; i < s.length; i++) {
      if (s[i] == SEQ) {
        s[i] = seqLen;
      }
    }
    return s;
  }

  /** "input_ids int64 [batch, seq]" for messages. */
  public String describe() {
    return "'" + name + "' (" + dtype.name().toLowerCase(java.util.Locale.ROOT) + " " + shape + ")";
  }

  /** Row dims of {@code shape} after the batch axis, with {@code seq} marked. */
  static int[] rowDimsOf(Shape shape, String seq) {
    List<Integer> dims = new ArrayList<>();
    for (int i = 1; i < shape.rank(); i++) {
      Dim d = shape.dim(i);
      if (d instanceof Dim.Fixed f) {
        dims.add(Math.toIntExact(f.value()));
      } else if (seq != null && ((Dim.Symbolic) d).name().equals(seq)) {
        dims.add(SEQ);
      } else {
        dims.add(UNKNOWN);
      }
    }
    return dims.stream().mapToInt(Integer::intValue).toArray();
  }
}
