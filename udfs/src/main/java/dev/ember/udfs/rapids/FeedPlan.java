package dev.ember.udfs.rapids;

import dev.ember.executor.backend.DeviceSlice;
import dev.ember.executor.ir.DType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which path a columnar batch of an {@code ember_predict} call takes, decided without cudf (so it
 * is unit-tested on the CPU): the <b>device feed</b>, where the argument columns' device buffers
 * are copied device to device into the CUDA variant's inputs and the outputs built from device
 * buffers, or the <b>staged</b> path ({@link ColumnarCall}: one copy of the argument to the host,
 * the CPU path's batches, one copy of the result up). The device feed needs all of:
 *
 * <ul>
 *   <li>the model's captured variants run on the CUDA backend on device memory (compile level 3,
 *       a batch dimension, no sequence dimension, no host steps): {@code wrapperRefusal} empty;
 *   <li>numeric inputs only: scalar columns stacked into a row, or one {@code LIST} column whose
 *       element type is the graph input's own type (no conversion on the device) and that holds no
 *       null elements (the CPU path turns a row with one into a null row);
 *   <li>result fields that are a graph output's rows as they are, scalar or one-level array of
 *       FLOAT, DOUBLE, INT32 or INT64 (an argmax field is computed on the host).
 * </ul>
 *
 * Immutable; made per call from the model's bindings, checked per batch against its columns.
 */
public final class FeedPlan {
  private final List<Input> inputs;
  private final List<Field> fields;

  /**
   * One graph input as the call feeds it.
   *
   * @param rowElements elements per row, -1 when the row has a sequence dimension
   * @param args the argument positions of its columns, in order
   * @param stacked scalar columns side by side in the row; else one array column
   */
  public record Input(String name, DType dtype, int rowElements, int[] args, boolean stacked) {}

  /**
   * One field of the result struct: graph output {@code output}, of {@code dtype}, whose rows
   * have rank {@code rowRank}; {@code argmax} for the index of a row's largest value.
   */
  public record Field(String output, DType dtype, int rowRank, boolean argmax) {}

  /**
   * What one argument column of a batch is: a {@code LIST} (of {@code element}) or a fixed-width
   * column ({@code element}), {@code element} null for any other cudf type.
   */
  public record Arg(boolean list, DType element, boolean nullElements) {}

  public FeedPlan(List<Input> inputs, List<Field> fields) {
    this.inputs = List.copyOf(inputs);
    this.fields = List.copyOf(fields);
  }

  public List<Input> inputs() {
    return inputs;
  }

  public List<Field> fields() {
    return fields;
  }

  /**
   * Why no batch of this call can take the device feed, or empty when batches may.
   *
   * @param wrapperRefusal why the model's compile wrapper cannot run on device memory
   */
  public Optional<String> modelRefusal(Optional<String> wrapperRefusal) {
    if (wrapperRefusal.isPresent()) {
      return Optional.of("the model does not run on the GPU's memory: " + wrapperRefusal.get());
    }
    for (Input in : inputs) {
      if (in.rowElements() < 0) {
        return Optional.of("graph input '" + in.name() + "' has a sequence dimension");
      }
    }
    Set<String> used = new HashSet<>();
    for (Field f : fields) {
      if (f.argmax()) {
        return Optional.of("the argmax of output '" + f.output() + "' is computed on the host");
      }
      if (f.rowRank() > 1) {
        return Optional.of("output '" + f.output() + "' has rows of rank " + f.rowRank()
            + " (nested arrays are built on the host)");
      }
      if (!deviceType(f.dtype())) {
        return Optional.of("output '" + f.output() + "' is " + f.dtype() + ", which the device"
            + " feed does not turn into a Spark column (it takes FLOAT, DOUBLE, INT32, INT64)");
      }
      if (!used.add(f.output())) {
        return Optional.of("output '" + f.output() + "' feeds two result fields");
      }
    }
    return Optional.empty();
  }

  /**
   * Why this batch cannot take the device feed, or empty when it can.
   *
   * @param args the batch's argument columns, by argument position
   */
  public Optional<String> batchRefusal(List<Arg> args) {
    for (Input in : inputs) {
      for (int a : in.args()) {
        Arg arg = args.get(a);
        String what = "argument " + (a + 1) + " (graph input '" + in.name() + "')";
        if (arg.element() == null) {
          return Optional.of(what + " is not a numeric column");
        }
        if (arg.list() == in.stacked()) {
          return Optional.of(what + (arg.list() ? " is an array stacked with other columns"
              : " is a scalar where the input takes an array"));
        }
        if (arg.element() != in.dtype()) {
          return Optional.of(what + " holds " + arg.element() + " but the input is "
              + in.dtype() + "; cast the column to " + in.dtype()
              + " in SQL to keep the call on the device");
        }
        if (arg.nullElements()) {
          return Optional.of(what + " has null elements inside its arrays (the row becomes"
              + " null, as on the CPU path)");
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The device slices of every graph input, given row 0's address in each argument column (for
   * a list, its child data at the row's first element).
   */
  public Map<String, List<DeviceSlice>> slices(long[] rowZero) {
    Map<String, List<DeviceSlice>> out = new LinkedHashMap<>();
    for (Input in : inputs) {
      int size = in.dtype().byteSize();
      List<DeviceSlice> pieces = new ArrayList<>();
      if (in.stacked()) {
        for (int k = 0; k < in.args().length; k++) {
          pieces.add(new DeviceSlice(rowZero[in.args()[k]], size, (long) k * size, size,
              in.dtype()));
        }
      } else {
        pieces.add(DeviceSlice.whole(rowZero[in.args()[0]], (long) in.rowElements() * size,
            in.dtype()));
      }
      out.put(in.name(), pieces);
    }
    return out;
  }

  private static boolean deviceType(DType t) {
    return t == DType.FLOAT || t == DType.DOUBLE || t == DType.INT32 || t == DType.INT64;
  }
}
