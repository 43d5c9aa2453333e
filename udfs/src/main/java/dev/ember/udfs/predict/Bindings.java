package dev.ember.udfs.predict;

import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.DType;
import dev.ember.executor.predict.ModelSignature;
import dev.ember.executor.predict.Port;
import dev.ember.executor.predict.TokenRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Checks, on the driver and before any task, that columns fit a model's signature, and builds the
 * bindings tasks use: every graph input fed, every column present and of a type that converts
 * without loss (or with narrowing, when allowed), every requested output present.
 */
public final class Bindings {
  private Bindings() {}

  /**
   * The input bindings of {@code inputs} (graph input to column names, in the order given).
   *
   * @throws EmberException BAD_INPUT naming the graph input or column and what to change
   */
  public static List<InputBinding> inputs(String model, ModelSignature sig, StructType schema,
      Map<String, List<String>> inputs, boolean allowNarrowing, List<String> textColumns) {
    if (!textColumns.isEmpty()) {
      checkText(model, sig, schema, textColumns);
    }
    for (String name : inputs.keySet()) {
      if (sig.input(name).isEmpty()) {
        throw bad("model '" + model + "' has no input '" + name + "'; its inputs are "
            + names(sig.inputs()), "map the columns to one of those inputs");
      }
    }
    List<InputBinding> out = new ArrayList<>();
    for (int slot = 0; slot < sig.inputs().size(); slot++) {
      Port p = sig.inputs().get(slot);
      List<String> cols = inputs.get(p.name());
      if (!textColumns.isEmpty() && TokenRows.NAMES.contains(p.name())) {
        if (cols != null) {
          throw bad("graph input " + p.describe() + " is fed by the tokenizer of text column(s) "
              + textColumns + " and by columns " + cols, "drop one of the two");
        }
        continue;
      }
      if (cols == null || cols.isEmpty()) {
        throw bad("graph input " + p.describe() + " of model '" + model + "' is not fed by any"
            + " column", "add .input(\"" + p.name() + "\", \"col\", ...) with the column(s) that"
            + " hold it");
      }
      out.add(bind(slot, model, p, schema, cols, allowNarrowing));
    }
    return out;
  }

  /** Text columns need string columns and a graph with an integer input_ids [batch, seq]. */
  private static void checkText(String model, ModelSignature sig, StructType schema,
      List<String> columns) {
    for (String column : columns) {
      DataType t = schema.fields()[index(schema, column)].dataType();
      if (!t.equals(DataTypes.StringType)) {
        throw bad("text column '" + column + "' has type " + t.simpleString(),
            "cast it to string, or feed numeric columns with .input(...)");
      }
    }
    Port ids = sig.input(TokenRows.INPUT_IDS).orElseThrow(() -> bad("model '" + model + "' has no"
        + " input '" + TokenRows.INPUT_IDS + "' for a tokenizer to feed; its inputs are "
        + names(sig.inputs()), "feed its inputs with .input(...) instead of .text(...)"));
    int[] dims = ids.rowDims();
    if (!ids.dtype().isInteger() || dims.length != 1 || dims[0] != Port.SEQ) {
      throw bad("graph input " + ids.describe() + " is not integer token ids [batch, seq]",
          "use .text(...) with transformer models exported with dynamic batch and sequence axes");
    }
  }

  private static InputBinding bind(int slot, String model, Port p, StructType schema,
      List<String> cols, boolean allowNarrowing) {
    int[] idx = new int[cols.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = index(schema, cols.get(i));
      DataType t = schema.fields()[idx[i]].dataType();
      DataType element = Elements.elementOf(t);
      Elements.Fit fit = Elements.fit(element, p.dtype());
      String what = "column '" + cols.get(i) + "' (" + t.simpleString() + ") for graph input "
          + p.describe();
      if (fit == Elements.Fit.NONE) {
        throw bad(what + ": its elements cannot become " + lower(p.dtype()),
            "cast the column to a " + lower(p.dtype()) + " type, or feed another column");
      }
      if (fit == Elements.Fit.NARROWING && !allowNarrowing) {
        throw bad(what + ": " + element.simpleString() + " values would be narrowed to "
            + lower(p.dtype()) + ", which can change them",
            "cast the column first (col(\"" + cols.get(i) + "\").cast(\"" + castName(p.dtype())
                + "\")), or allow it with allowNarrowing(true)");
      }
    }
    boolean scalars = true;
    for (int i : idx) {
      DataType t = schema.fields()[i].dataType();
      scalars &= !(t instanceof ArrayType) && !MlVectors.isVectorType(t);
    }
    int[] dims = p.rowDims();
    if (scalars) {
      boolean fits = dims.length == 0 ? idx.length == 1
          : dims.length == 1 && (dims[0] == idx.length || dims[0] == Port.SEQ);
      if (!fits) {
        throw bad(idx.length + " scalar column(s) " + cols + " cannot fill graph input "
            + p.describe() + " (rows of " + Arrays.toString(dims).replace("-1", "seq") + ")",
            "give as many numeric columns as the input's width, or one array or vector column");
      }
      return new InputBinding(slot, p, cols.toArray(new String[0]), idx, true);
    }
    if (idx.length != 1) {
      throw bad("graph input " + p.describe() + " is fed by several columns " + cols + " of which"
          + " some are arrays or vectors", "feed an array or vector input from exactly one column,"
          + " or several numeric scalar columns");
    }
    if (dims.length == 0) {
      throw bad("column '" + cols.get(0) + "' holds arrays, but graph input " + p.describe()
          + " takes one value per row", "feed it from a numeric scalar column");
    }
    return new InputBinding(slot, p, cols.toArray(new String[0]), idx, false);
  }

  /**
   * The output columns: {@code outputs} (graph output to column; empty means every output under
   * its own name), then one argmax column per entry of {@code argmax}.
   */
  public static List<OutputBinding> outputs(String model, ModelSignature sig, StructType schema,
      Map<String, String> outputs, Map<String, String> argmax) {
    Map<String, String> wanted = new LinkedHashMap<>(outputs);
    if (wanted.isEmpty()) {
      for (Port p : sig.outputs()) {
        wanted.put(p.name(), p.name());
      }
    }
    List<OutputBinding> out = new ArrayList<>();
    List<String> taken = new ArrayList<>(Arrays.asList(schema.fieldNames()));
    for (Map.Entry<String, String> e : wanted.entrySet()) {
      int o = outputIndex(model, sig, e.getKey());
      Port p = sig.outputs().get(o);
      if (p.rowRank() < 0) {
        throw Errors.of(ErrorCode.MODEL_UNSUPPORTED, "output " + p.describe() + " of model '"
            + model + "' has unknown rank, so its column type cannot be known before it runs",
            "export the model with output shapes, or ask for other outputs with .output(...)");
      }
      claim(taken, e.getValue());
      out.add(OutputBinding.values(o, e.getValue(), Elements.sparkTypeOf(p.dtype()),
          p.rowRank()));
    }
    for (Map.Entry<String, String> e : argmax.entrySet()) {
      int o = outputIndex(model, sig, e.getKey());
      Port p = sig.outputs().get(o);
      if (p.rowRank() != 1 || p.dtype() == DType.STRING || p.dtype() == DType.BOOL) {
        throw bad("argmax needs a numeric output with one vector per row, but " + p.describe()
            + " is not one", "use argmax on the class scores or probabilities output");
      }
      claim(taken, e.getValue());
      out.add(OutputBinding.argmax(o, e.getValue()));
    }
    return out;
  }

  private static int outputIndex(String model, ModelSignature sig, String name) {
    for (int i = 0; i < sig.outputs().size(); i++) {
      if (sig.outputs().get(i).name().equals(name)) {
        return i;
      }
    }
    throw bad("model '" + model + "' has no output '" + name + "'; its outputs are "
        + names(sig.outputs()), "ask for one of those outputs");
  }

  private static void claim(List<String> taken, String column) {
    if (taken.contains(column)) {
      throw bad("output column '" + column + "' already exists (columns: " + taken + ")",
          "choose another output column name, or drop the column first");
    }
    taken.add(column);
  }

  private static int index(StructType schema, String column) {
    int i = Arrays.asList(schema.fieldNames()).indexOf(column);
    if (i < 0) {
      throw bad("column '" + column + "' does not exist; the columns are "
          + Arrays.toString(schema.fieldNames()), "use one of the existing columns");
    }
    return i;
  }

  private static List<String> names(List<Port> ports) {
    return ports.stream().map(Port::describe).toList();
  }

  private static String lower(DType t) {
    return t.name().toLowerCase(Locale.ROOT);
  }

  private static String castName(DType t) {
    return switch (t) {
      case FLOAT, FLOAT16, BFLOAT16 -> "float";
      case DOUBLE -> "double";
      case INT32 -> "int";
      case BOOL -> "boolean";
      default -> "long";
    };
  }

  private static EmberException bad(String what, String fix) {
    return Errors.of(ErrorCode.BAD_INPUT, what, fix);
  }
}
