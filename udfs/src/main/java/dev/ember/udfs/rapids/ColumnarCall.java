package dev.ember.udfs.rapids;

import ai.rapids.cudf.ColumnVector;
import ai.rapids.cudf.DType;
import ai.rapids.cudf.HostColumnVector;
import ai.rapids.cudf.HostColumnVectorCore;
import dev.ember.udfs.SqlCall;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * {@code RapidsUDF.evaluateColumnar} of an Ember call: one batch of argument columns in, one
 * result column out, for a projection the RAPIDS Accelerator keeps on the GPU. Two paths:
 *
 * <ul>
 *   <li><b>Device feed</b> ({@link DeviceFeed}): an {@code ember_predict} whose model runs on the
 *       CUDA backend's captured variants (spark.ember.device=cuda, or auto resolved to a GPU, at
 *       compile level 3) over numeric scalar or fixed-width {@code LIST} arguments of the graph
 *       inputs' own types. The argument buffers are copied device to device into the variants,
 *       the result struct is built from device buffers; only list offsets, null flags and a
 *       4-byte error flag per run reach the host.
 *   <li><b>Staged</b> (otherwise, and for {@code ember_embed} and text): one synchronous copy of
 *       just the call's argument column to the host, the same {@link SqlCall} as the CPU path
 *       (same batches, captured variants, conversions and null rules), and one copy of the result
 *       column up. {@link FeedPlan} lists what sends a batch here; the reason is logged once.
 * </ul>
 *
 * Either way the other columns of the batch never leave the GPU and the plan has no
 * columnar-to-row transition. {@link ColumnarStats} counts both paths and the bytes copied down.
 *
 * <p>Called by RAPIDS on a task thread; the caller closes the argument columns and the returned
 * one. Every intermediate is closed here.
 */
public final class ColumnarCall {
  private ColumnarCall() {}

  /** Why no batch of {@code call} takes the device feed, or null when its batches may. */
  public static String deviceFeedRefusal(SqlCall call) {
    return DeviceFeed.of(call).refusal();
  }

  /**
   * The call's result column for {@code numRows} rows of {@code args}: one column, the call's
   * argument, or a struct packing its arguments when {@code packed}.
   *
   * @throws dev.ember.executor.errors.EmberException SHAPE_MISMATCH for an array row of the wrong
   *     width, BAD_INPUT for a malformed list column, or what the model run throws
   */
  public static ColumnVector evaluate(SqlCall call, boolean packed, int numRows,
      ColumnVector... args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("an Ember call takes one (packed) argument column, got "
          + args.length);
    }
    String why;
    DeviceFeed feed = DeviceFeed.of(call);
    if (numRows == 0) {
      why = "an empty batch";
    } else if (feed.refusal() != null) {
      why = feed.refusal();
    } else {
      ColumnVector out = feed.run(packed, numRows, args[0]);
      if (out != null) {
        return out;
      }
      why = feed.batchRefusal();
    }
    Object[] results;
    try (HostColumnVector host = args[0].copyToHost()) {
      ColumnarStats.stagedBatch(why, args[0].getDeviceMemorySize());
      results = resultValues(call, packed, numRows, host);
    }
    return CudfColumns.build(call.resultType(), results);
  }

  /**
   * The result column, in host memory, for a host copy of the argument column: the whole
   * columnar path but the two copies, so it runs, on cudf's real host columns, without a GPU.
   * The caller closes the returned column.
   */
  public static HostColumnVector evaluateHost(SqlCall call, boolean packed, int numRows,
      HostColumnVectorCore host) {
    return CudfColumns.buildHost(call.resultType(), resultValues(call, packed, numRows, host));
  }

  /** The results as cudf host values: one per row, null for a null row. */
  private static Object[] resultValues(SqlCall call, boolean packed, int numRows,
      HostColumnVectorCore host) {
    HostColumnVectorCore[] cols = new HostColumnVectorCore[call.argCount()];
    for (int i = 0; i < cols.length; i++) {
      cols[i] = packed ? host.getChildColumnView(i) : host;
    }
    boolean[] valid = new boolean[numRows];
    for (int r = 0; r < numRows; r++) {
      valid[r] = !(packed && host.isNull(r));
      for (HostColumnVectorCore c : cols) {
        valid[r] &= !c.isNull(r);
      }
    }
    for (int i = 0; i < cols.length; i++) {
      if (call.argWidth(i) >= 0 && cols[i].getType().equals(DType.LIST)) {
        ListRows.check("argument " + (i + 1), CudfColumns.offsets(cols[i]),
            cols[i].getChildColumnView(0).getRowCount(), valid, call.argWidth(i));
      }
    }
    NullMap nulls = NullMap.of(valid);
    List<Row> rows = new ArrayList<>(nulls.denseCount());
    for (int r : nulls.denseRows()) {
      Object[] values = new Object[cols.length];
      for (int i = 0; i < cols.length; i++) {
        values[i] = CudfColumns.value(cols[i], r);
      }
      rows.add(RowFactory.create(values));
    }
    Object[] dense = new Object[rows.size()];
    try {
      Iterator<Object> out = call.results(rows.iterator());
      for (int d = 0; d < dense.length; d++) {
        dense[d] = HostValues.of(call.resultType(), out.next());
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("Ember's columnar call failed on a batch of " + numRows
          + " rows", e);
    }
    return nulls.scatter(dense, Object[]::new);
  }
}
