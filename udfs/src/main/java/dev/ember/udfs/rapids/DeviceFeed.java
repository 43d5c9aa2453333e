package dev.ember.udfs.rapids;

import ai.rapids.cudf.BinaryOp;
import ai.rapids.cudf.ColumnVector;
import ai.rapids.cudf.ColumnView;
import ai.rapids.cudf.DeviceMemoryBuffer;
import ai.rapids.cudf.HostColumnVector;
import ai.rapids.cudf.Scalar;
import dev.ember.executor.dispatch.CompileWrapper;
import dev.ember.executor.ir.DType;
import dev.ember.executor.predict.ModelSignature;
import dev.ember.executor.predict.Port;
import dev.ember.executor.predict.Predictor;
import dev.ember.udfs.SqlCall;
import dev.ember.udfs.predict.InputBinding;
import dev.ember.udfs.predict.OutputBinding;
import dev.ember.udfs.predict.PredictPartitions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The device feed of an {@code ember_predict} call under the RAPIDS Accelerator: the argument
 * columns' device buffers go straight into the model's CUDA variants ({@link
 * CompileWrapper#callOnDevice}: device-to-device copies ordered after the task thread's
 * per-thread default stream, where cudf works), and the result struct is built from device
 * buffers allocated through RMM. What reaches the host: each list argument's offsets ((rows + 1)
 * x 4 bytes, to check every row holds the input's width), the null flags of an argument with
 * null rows (rows bytes), and each captured run's 4-byte error flag; never argument values.
 *
 * <p>Null rows: an argument with null rows is first copied on the device with each null row
 * replaced by zeros ({@code replaceNulls}), so every row sits at {@code row * width} and all rows
 * run; the result then takes the AND of the arguments' validity masks ({@code
 * mergeAndSetValidity}), so a null row comes out null in place, as on the CPU path. Running the
 * few null rows costs less than a device compaction and scatter, and keeps row r of the output at
 * row r of the input with no gather. Zeros, not whatever bytes cudf left there, so a null row
 * cannot trip the bad-index check of an embedding lookup.
 *
 * <p>Made per batch on the task thread; closes every intermediate; the caller closes the result.
 */
final class DeviceFeed {
  private final FeedPlan plan;
  private final CompileWrapper wrapper;
  private final List<String> graphOutputs;
  private final String refusal;
  private String batchRefusal;

  private DeviceFeed(FeedPlan plan, CompileWrapper wrapper, List<String> graphOutputs,
      String refusal) {
    this.plan = plan;
    this.wrapper = wrapper;
    this.graphOutputs = graphOutputs;
    this.refusal = refusal;
  }

  /** The feed of {@code call}'s model; {@link #refusal} says why none when it cannot be fed. */
  static DeviceFeed of(SqlCall call) {
    if (!call.deviceFeed()) {
      return refused("spark.ember.sql.rapids.deviceFeed is false");
    }
    Optional<PredictPartitions> fn = call.predictFunction();
    if (fn.isEmpty() || fn.get().readsText()) {
      return refused("text is tokenised on the host (one copy of the strings down)");
    }
    Predictor model = fn.get().predictor();
    ModelSignature sig = model.signature();
    List<FeedPlan.Input> inputs = new ArrayList<>();
    for (InputBinding b : fn.get().inputBindings()) {
      Port p = sig.inputs().get(b.slot());
      inputs.add(new FeedPlan.Input(p.name(), b.dtype(), p.fixedRowSize(), b.columnIndices(),
          b.stacked()));
    }
    List<FeedPlan.Field> fields = new ArrayList<>();
    for (OutputBinding o : fn.get().outputBindings()) {
      Port p = sig.outputs().get(o.output());
      fields.add(new FeedPlan.Field(p.name(), p.dtype(), p.rowRank(), o.argmax()));
    }
    FeedPlan plan = new FeedPlan(inputs, fields);
    Optional<CompileWrapper> w = model.compileWrapper();
    Optional<String> why = plan.modelRefusal(w.isEmpty()
        ? Optional.of("it is interpreted (compile level 0)") : w.get().deviceRunRefusal());
    List<String> outs = sig.outputs().stream().map(Port::name).toList();
    return new DeviceFeed(plan, w.orElse(null), outs, why.orElse(null));
  }

  private static DeviceFeed refused(String why) {
    return new DeviceFeed(null, null, List.of(), why);
  }

  /** Why no batch of the call takes the device feed, or null. */
  String refusal() {
    return refusal;
  }

  /**
   * The result column of {@code numRows} rows from the device, or null when this batch's columns
   * cannot take the device feed ({@link #batchRefusal} says why).
   */
  ColumnVector run(boolean packed, int numRows, ColumnView arg) {
    Deque<AutoCloseable> open = new ArrayDeque<>();
    try {
      ColumnView[] cols = new ColumnView[plan.inputs().stream()
          .mapToInt(i -> i.args().length).sum()];
      List<ColumnView> validity = new ArrayList<>();
      if (packed) {
        validity.add(arg);
      }
      for (int i = 0; i < cols.length; i++) {
        cols[i] = packed ? keep(open, arg.getChildColumnView(i)) : arg;
        validity.add(cols[i]);
      }
      List<FeedPlan.Arg> facts = new ArrayList<>();
      for (ColumnView c : cols) {
        facts.add(describe(c, open));
      }
      Optional<String> why = plan.batchRefusal(facts);
      if (why.isPresent()) {
        batchRefusal = why.get();
        return null;
      }
      long[] rowZero = rowZero(cols, numRows, open);
      Map<String, Long> outs = new LinkedHashMap<>();
      Map<String, DeviceMemoryBuffer> buffers = new LinkedHashMap<>();
      for (String name : graphOutputs) {
        DeviceMemoryBuffer b = keep(open,
            DeviceMemoryBuffer.allocate(Math.max(1, numRows * wrapper.outputRowBytes(name))));
        buffers.put(name, b);
        outs.put(name, b.getAddress());
      }
      wrapper.callOnDevice(numRows, plan.slices(rowZero), outs);
      ColumnarStats.deviceBatch();
      boolean nulls = validity.stream().anyMatch(v -> v.getNullCount() > 0);
      ColumnView[] fields = new ColumnView[plan.fields().size()];
      for (int f = 0; f < fields.length; f++) {
        FeedPlan.Field field = plan.fields().get(f);
        DeviceMemoryBuffer data = buffers.get(field.output());
        open.remove(data); // the column below owns it now
        ColumnVector col = keep(open, ResultColumns.field(field, numRows, data));
        fields[f] = nulls ? keep(open, col.mergeAndSetValidity(BinaryOp.BITWISE_AND,
            validity.toArray(new ColumnView[0]))) : col;
      }
      ColumnVector struct = ColumnVector.makeStruct(numRows, fields);
      if (!nulls) {
        return struct;
      }
      try (ColumnVector all = struct) {
        return all.mergeAndSetValidity(BinaryOp.BITWISE_AND, validity.toArray(new ColumnView[0]));
      }
    } finally {
      closeAll(open);
    }
  }

  /** Why the last {@link #run} returned null. */
  String batchRefusal() {
    return batchRefusal;
  }

  /** What an argument column is, for {@link FeedPlan#batchRefusal}. */
  private static FeedPlan.Arg describe(ColumnView c, Deque<AutoCloseable> open) {
    if (c.getType().equals(ai.rapids.cudf.DType.LIST)) {
      ColumnView child = keep(open, c.getChildColumnView(0));
      return new FeedPlan.Arg(true, ResultColumns.emberType(child.getType()),
          child.getNullCount() > 0);
    }
    return new FeedPlan.Arg(false, ResultColumns.emberType(c.getType()), false);
  }

  /**
   * Row 0's device address in each argument column, after checking list offsets on the host
   * (the one small copy) and replacing null rows by zeros on the device.
   */
  private long[] rowZero(ColumnView[] cols, int numRows, Deque<AutoCloseable> open) {
    long[] at = new long[cols.length];
    for (FeedPlan.Input in : plan.inputs()) {
      for (int a : in.args()) {
        ColumnView c = cols[a];
        long nullRows = c.getNullCount();
        int first = in.stacked() ? 0
            : checkOffsets("argument " + (a + 1), c, numRows, in.rowElements(), nullRows);
        if (nullRows > 0) {
          try (Scalar zero = zero(in, open)) {
            c = keep(open, c.replaceNulls(zero));
          }
        }
        ColumnView data = c;
        if (!in.stacked()) {
          first = nullRows > 0 ? 0 : first; // a fresh column from replaceNulls starts at 0
          data = keep(open, c.getChildColumnView(0));
        }
        at[a] = data.getData().getAddress() + first * in.dtype().byteSize();
      }
    }
    return at;
  }

  /** Checks a list argument's offsets (copied to the host) and returns the first one. */
  private static int checkOffsets(String what, ColumnView list, int numRows, int width,
      long nullRows) {
    int[] offsets;
    try (ColumnView view = list.getListOffsetsView(); HostColumnVector host = view.copyToHost()) {
      offsets = new int[Math.toIntExact(host.getRowCount())];
      for (int i = 0; i < offsets.length; i++) {
        offsets[i] = host.getInt(i);
      }
    }
    ColumnarStats.metadataCopied(offsets.length * 4L);
    boolean[] valid = null;
    if (nullRows > 0) {
      try (ColumnVector isNull = list.isNull(); HostColumnVector host = isNull.copyToHost()) {
        valid = new boolean[numRows];
        for (int r = 0; r < numRows; r++) {
          valid[r] = host.getByte(r) == 0;
        }
      }
      ColumnarStats.metadataCopied(numRows);
    }
    if (offsets.length != numRows + 1) {
      throw new IllegalStateException(what + ": " + offsets.length + " list offsets for "
          + numRows + " rows");
    }
    long childRows;
    try (ColumnView child = list.getChildColumnView(0)) {
      childRows = child.getRowCount();
    }
    ListRows.check(what, offsets, childRows, valid, width);
    return offsets[0];
  }

  /** The zero a null row of {@code in} is replaced by: a scalar, or a list of zeros. */
  private static Scalar zero(FeedPlan.Input in, Deque<AutoCloseable> open) {
    DType t = in.dtype();
    if (in.stacked()) {
      return switch (t) {
        case FLOAT -> Scalar.fromFloat(0f);
        case DOUBLE -> Scalar.fromDouble(0d);
        case INT32 -> Scalar.fromInt(0);
        default -> Scalar.fromLong(0L);
      };
    }
    int n = in.rowElements();
    ColumnVector zeros = keep(open, switch (t) {
      case FLOAT -> ColumnVector.fromFloats(new float[n]);
      case DOUBLE -> ColumnVector.fromDoubles(new double[n]);
      case INT32 -> ColumnVector.fromInts(new int[n]);
      default -> ColumnVector.fromLongs(new long[n]);
    });
    return Scalar.listFromColumnView(zeros);
  }

  private static <T extends AutoCloseable> T keep(Deque<AutoCloseable> open, T c) {
    open.push(c);
    return c;
  }

  /** Closes in reverse order of opening; the first failure is thrown, the rest suppressed. */
  private static void closeAll(Deque<AutoCloseable> open) {
    RuntimeException first = null;
    while (!open.isEmpty()) {
      try {
        open.pop().close();
      } catch (Exception e) {
        RuntimeException r = e instanceof RuntimeException re ? re
            : new IllegalStateException("closing a cudf column failed", e);
        if (first == null) {
          first = r;
        } else {
          first.addSuppressed(r);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
