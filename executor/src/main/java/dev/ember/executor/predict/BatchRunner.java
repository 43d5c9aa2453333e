package dev.ember.executor.predict;

import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.text.ForwardFn;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs a model over rows: stacks a micro-batch of rows into the graph's input tensors, runs the
 * forward pass (the compile wrapper's captured variants, or any {@link ForwardFn}), and splits each
 * output back into one tensor per row. Text models are one user (a tokenizer in front builds the
 * token rows, pooling behind reads the outputs), tabular and tensor models another.
 *
 * <p>Rules: a null row gives a null result row and is kept in place. Rows of a model with a
 * sequence dim are sorted by length and cut so that a micro-batch holds at most {@code
 * rowsPerBatch} rows, at compile level 3 where padding and calls cost least ({@link BucketCuts});
 * each is padded with zeros to its longest row, and outputs along the sequence are cropped back to
 * each row's own length. Models without one run in input order. The wrapper then pads to captured
 * batch sizes and splits large batches.
 *
 * <p>Thread-safe: a call keeps its state on its own stack; the counters are adders.
 *
 * <pre>{@code
 * BatchRunner r = BatchRunner.of(ModelSignature.of(graph), wrapper);
 * Tensor[][] out = r.run(List.of(new Tensor[] {Tensor.ofFloats(new int[] {13}, features)}), 64);
 * float[] scores = out[0][0].rawFloats();
 * }</pre>
 */
public final class BatchRunner {
  private final ModelSignature signature;
  private final ForwardFn forward;
  private final CompileWrapper wrapper;
  private final LongAdder rows = new LongAdder();
  private final LongAdder batches = new LongAdder();
  private final LongAdder realTokens = new LongAdder();
  private final LongAdder paddedTokens = new LongAdder();

  private BatchRunner(ModelSignature signature, ForwardFn forward, CompileWrapper wrapper) {
    this.signature = Objects.requireNonNull(signature, "signature");
    this.forward = Objects.requireNonNull(forward, "forward");
    this.wrapper = wrapper;
  }

  /** A runner over the compile wrapper's variants (batches follow its sequence buckets). */
  public static BatchRunner of(ModelSignature signature, CompileWrapper wrapper) {
    return new BatchRunner(signature, ForwardFn.compiled(wrapper), wrapper);
  }

  /** A runner over any forward pass (the interpreter, a test double). */
  public static BatchRunner of(ModelSignature signature, ForwardFn forward) {
    return new BatchRunner(signature, forward, null);
  }

  /**
   * Runs every non-null row; result row {@code r} holds the outputs of {@code rows.get(r)} in
   * {@link ModelSignature#outputs()} order, or is null when that row is null.
   *
   * @param rows per row, one tensor per graph input in {@link ModelSignature#inputs()} order, each
   *     of the input's element type and row shape (sequence dims as long as the row's own, the
   *     same in all inputs of the row)
   * @throws EmberException BAD_INPUT naming the row and input that does not fit, or what the
   *     forward pass throws
   */
  public Tensor[][] run(List<Tensor[]> rows, int rowsPerBatch) {
    if (rowsPerBatch < 1) {
      throw new IllegalArgumentException("rowsPerBatch must be >= 1, was " + rowsPerBatch);
    }
    Tensor[][] result = new Tensor[rows.size()][];
    List<Integer> kept = new ArrayList<>();
    int[] lengths = new int[rows.size()];
    for (int r = 0; r < rows.size(); r++) {
      if (rows.get(r) != null) {
        lengths[r] = checkRow(r, rows.get(r));
        kept.add(r);
      }
    }
    boolean seq = signature.seqSymbol().isPresent();
    if (seq) {
      kept.sort(Comparator.comparingInt(r -> lengths[r])); // stable: ties keep input order
    }
    if (seq && wrapper != null && wrapper.level() == 3) {
      int[] sorted = kept.stream().mapToInt(r -> lengths[r]).toArray();
      int from = 0;
      for (int end : BucketCuts.ends(sorted, rowsPerBatch, wrapper)) {
        runBatch(rows, kept.subList(from, end), lengths, result);
        from = end;
      }
    } else {
      for (int from = 0; from < kept.size(); from += rowsPerBatch) {
        runBatch(rows, kept.subList(from, Math.min(kept.size(), from + rowsPerBatch)), lengths,
            result);
      }
    }
    this.rows.add(kept.size());
    return result;
  }

  /** The signature rows are checked against. */
  public ModelSignature signature() {
    return signature;
  }

  /** The compile wrapper behind the forward pass, or null. */
  public CompileWrapper wrapper() {
    return wrapper;
  }

  /** Counters since this runner was built. */
  public RunStats stats() {
    return new RunStats(rows.sum(), batches.sum(), realTokens.sum(), paddedTokens.sum());
  }

  private void runBatch(List<Tensor[]> rows, List<Integer> batch, int[] lengths,
      Tensor[][] result) {
    int n = batch.size();
    int longest = 0;
    long real = 0;
    for (int r : batch) {
      longest = Math.max(longest, lengths[r]);
      real += lengths[r];
    }
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    List<Port> ins = signature.inputs();
    for (int i = 0; i < ins.size(); i++) {
      Port p = ins.get(i);
      int[] rowShape = p.rowShape(longest);
      int rowSize = Blocks.size(rowShape);
      Tensor stacked = Tensor.zeros(p.dtype(), prepend(n, rowShape));
      Object dst = stacked.rawData();
      for (int k = 0; k < n; k++) {
        Tensor t = rows.get(batch.get(k))[i];
        Blocks.pad(t.rawData(), t.shape(), dst, k * rowSize, rowShape);
      }
      feeds.put(p.name(), stacked);
    }
    Map<String, Tensor> out = forward.forward(feeds);
    List<Port> outs = signature.outputs();
    for (int k = 0; k < n; k++) {
      result[batch.get(k)] = new Tensor[outs.size()];
    }
    for (int o = 0; o < outs.size(); o++) {
      Port p = outs.get(o);
      Tensor t = out.get(p.name());
      if (t == null || t.rank() == 0 || t.dim(0) != n) {
        throw Errors.of(ErrorCode.SHAPE_MISMATCH, "model '" + signature.source() + "': output '"
            + p.name() + "' is " + t + " for a batch of " + n + " rows",
            "the model must give one row of each output per input row");
      }
      int[] full = Arrays.copyOfRange(t.shape(), 1, t.rank());
      checkOutputRows(p, t, full, longest);
      int fullSize = Blocks.size(full);
      for (int k = 0; k < n; k++) {
        int[] own = cropToRow(p, full, lengths[batch.get(k)]);
        Tensor row = Tensor.zeros(t.dtype(), own);
        Blocks.crop(t.rawData(), k * fullSize, full, row.rawData(), own);
        result[batch.get(k)][o] = row;
      }
    }
    batches.increment();
    if (signature.seqSymbol().isPresent()) {
      realTokens.add(real);
      paddedTokens.add(wrapper != null ? wrapper.paddedTokens(n, longest) : (long) n * longest);
    }
  }

  /** Fixed row dims must be as declared, sequence dims as long as the batch's longest row. */
  private void checkOutputRows(Port p, Tensor t, int[] full, int longest) {
    int[] dims = p.rowDims();
    if (dims == null) {
      return;
    }
    boolean ok = dims.length == full.length;
    for (int i = 0; ok && i < dims.length; i++) {
      ok = dims[i] == Port.UNKNOWN || full[i] == (dims[i] == Port.SEQ ? longest : dims[i]);
    }
    if (!ok) {
      throw Errors.of(ErrorCode.SHAPE_MISMATCH, "model '" + signature.source() + "': output '"
          + p.name() + "' is " + t + " for a batch of " + t.dim(0) + " rows of " + longest
          + " positions, but the graph declares " + p.shape(),
          "check that the model's declared output shapes match what it computes");
    }
  }

  /** The row's own shape: sequence dims of the output cropped to the row's length. */
  private static int[] cropToRow(Port p, int[] full, int length) {
    int[] dims = p.rowDims();
    if (dims == null || dims.length != full.length) {
      return full;
    }
    int[] own = full.clone();
    for (int i = 0; i < own.length; i++) {
      if (dims[i] == Port.SEQ) {
        own[i] = Math.min(own[i], length);
      }
    }
    return own;
  }

  /** Checks row {@code r} against the inputs and returns its sequence length (0 without one). */
  private int checkRow(int r, Tensor[] row) {
    List<Port> ins = signature.inputs();
    if (row.length != ins.size()) {
      throw badRow(r, "has " + row.length + " tensors for " + ins.size() + " graph inputs");
    }
    int length = -1;
    for (int i = 0; i < row.length; i++) {
      Port p = ins.get(i);
      Tensor t = row[i];
      if (t == null) {
        throw badRow(r, "has no value for input " + p.describe());
      }
      if (t.dtype() != p.dtype()) {
        throw badRow(r, "gives " + t + " for input " + p.describe() + " of another element type");
      }
      int[] dims = p.rowDims();
      if (t.rank() != dims.length) {
        throw badRow(r, "gives " + t + " for input " + p.describe() + ", which takes rows of rank "
            + dims.length + " " + Arrays.toString(p.rowShape(0)).replace("0", "seq"));
      }
      for (int a = 0; a < dims.length; a++) {
        if (dims[a] == Port.SEQ) {
          if (length >= 0 && t.dim(a) != length) {
            throw badRow(r, "has sequences of different lengths (" + length + " and " + t.dim(a)
                + ", in input " + p.describe() + "); the inputs of one row share their length");
          }
          length = t.dim(a);
        } else if (t.dim(a) != dims[a]) {
          throw badRow(r, "gives " + t + " for input " + p.describe() + ", whose rows have "
              + dims[a] + " elements on dim " + (a + 1));
        }
      }
    }
    return Math.max(length, 0);
  }

  private EmberException badRow(int r, String what) {
    return Errors.of(ErrorCode.BAD_INPUT, "model '" + signature.source() + "': row " + r + " "
        + what, "give each row the shape and element type the graph input declares");
  }

  private static int[] prepend(int n, int[] shape) {
    int[] s = new int[shape.length + 1];
    s[0] = n;
    System.arraycopy(shape, 0, s, 1, shape.length);
    return s;
  }
}
