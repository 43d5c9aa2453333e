package dev.ember.executor.ops.ml;

import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ops.OpException;
import java.util.Set;

/**
 * Compiles the forest of a TreeEnsembleRegressor, TreeEnsembleClassifier or TreeEnsemble node
 * into Java source for the CPU backend: a static nested class whose {@code run(Tensor x)} returns
 * the node's outputs. The trees become tables and a walk loop specialised to the forest
 * ({@link TreeWalkSource}); the input checks and the finish (base values, post transform,
 * labels) are {@link TreeFinish}, the very code the reference kernels run, so both paths give
 * identical results. Rows are walked in blocks of
 * {@link #ROW_BLOCK}, every tree over the block before the next tree.
 *
 * <pre>{@code
 * String why = TreeCodegen.whyNot(node, DType.FLOAT);      // null: it can be generated
 * String src = TreeCodegen.nestedClass(node, DType.FLOAT, "Forest0");
 * // generated code then calls: Tensor[] out = Forest0.run(x);
 * }</pre>
 */
public final class TreeCodegen {
  /**
   * Rows per block: each tree walks a block before the next tree starts, so that its tables stay
   * in cache. Measured (TreeBenchmark, batches of 1000): one row at a time ran at 0.6-0.7x of
   * whole-batch blocks, 64 rows at 0.8-0.9x, 256 rows at 0.8-1.0x.
   */
  public static final int ROW_BLOCK = 1024;
  /** Literals in the static arrays (base values, labels) kept well under the 64 KB clinit. */
  static final int MAX_TABLE = 4000;

  private static final Set<String> OPS =
      Set.of("TreeEnsembleRegressor", "TreeEnsembleClassifier", "TreeEnsemble");

  private TreeCodegen() {}

  /** Whether {@code n} is one of the tree ensemble ops this class compiles. */
  public static boolean isTreeOp(Node n) {
    return MlOps.DOMAIN.equals(n.domain()) && OPS.contains(n.opType());
  }

  /**
   * Null when {@link #nestedClass} can compile {@code n} for X of element type {@code x}, else the
   * reason the node stays on its reference kernel.
   */
  public static String whyNot(Node n, DType x) {
    if (!isTreeOp(n)) {
      return n.opType() + " is not a tree ensemble";
    }
    if (x == null) {
      return "the element type of X is unknown";
    }
    Set<DType> takes = n.opType().equals("TreeEnsemble") ? TreeEnsembleOp.SPEC.types()
        : MlInputs.NUMERIC;
    if (!takes.contains(x)) {
      return "X of element type " + x.onnxLowerName() + " is not taken by " + n.opType();
    }
    try {
      Spec s = spec(n, x);
      return s.tables() > MAX_TABLE ? "more than " + MAX_TABLE + " base values and labels"
          : TreeWalkSource.whyNot(s.forest(), s.width());
    } catch (OpException e) {
      return "its attributes do not read (" + e.getMessage() + ")";
    }
  }

  /** The source of {@code private static final class <name>}; see {@link #whyNot}. */
  public static String nestedClass(Node n, DType x, String name) {
    return nestedClass(n, x, name, ROW_BLOCK);
  }

  /** As {@link #nestedClass(Node, DType, String)} with {@code rowBlock} rows per block. */
  public static String nestedClass(Node n, DType x, String name, int rowBlock) {
    Spec s = spec(n, x);
    boolean floatX = x.storage() == DType.Storage.FLOAT;
    TreeWalkSource walk = new TreeWalkSource(s.forest(), s.agg(), s.width(), floatX);
    StringBuilder b = new StringBuilder();
    b.append("private static final class ").append(name).append(" {\n");
    // Janino mishandles a static final array field initialised to null: absent tables are
    // passed as a null literal instead.
    field(b, "double[] BASE", s.base() == null ? null : TreeLiterals.reals(s.base()));
    field(b, "long[] INT_LABELS", s.ints() == null ? null : TreeLiterals.longs(s.ints()));
    field(b, "String[] STRING_LABELS",
        s.strings() == null ? null : TreeLiterals.strings(s.strings()));
    String finish = s.finish().replace("TreeFinish", "dev.ember.executor.ops.ml.TreeFinish")
        .replace("BASE", s.base() == null ? "null" : "BASE")
        .replace("INT_LABELS", s.ints() == null ? "null" : "INT_LABELS")
        .replace("STRING_LABELS", s.strings() == null ? "null" : "STRING_LABELS");
    run(b, n, x, s, walk, finish, rowBlock);
    b.append(walk.tables()).append('\n');
    b.append(indent(walk.walk()));
    return b.append("}\n").toString();
  }

  private static void field(StringBuilder b, String decl, String init) {
    if (init != null) {
      b.append("  private static final ").append(decl).append(" = ").append(init).append(";\n");
    }
  }

  private static void run(StringBuilder b, Node n, DType x, Spec s, TreeWalkSource walk,
      String finish, int rowBlock) {
    String fin = "dev.ember.executor.ops.ml.TreeFinish";
    String op = TreeLiterals.string(n.opType());
    b.append("  static Tensor[] run(Tensor xt) {\n");
    b.append("    try {\n");
    b.append("      int c = ").append(fin).append(".columns(").append(op).append(", xt, DType.")
        .append(x.name()).append(", ").append(s.forest().maxFeature()).append(");\n");
    b.append("      int n = ").append(fin).append(".rows(xt);\n");
    b.append(x.storage() == DType.Storage.FLOAT ? "      float[] x = xt.rawFloats();\n"
        : "      double[] x = " + fin + ".doubles(xt);\n");
    b.append("      double[] acc = new double[n * ").append(s.width()).append("];\n");
    if (walk.accArgs().contains("seen")) {
      b.append("      boolean[] seen = new boolean[n * ").append(s.width()).append("];\n");
    }
    b.append("      for (int from = 0; from < n; from += ").append(rowBlock).append(") {\n");
    b.append("        forest(x, c, from, Math.min(n, from + ").append(rowBlock).append("), ")
        .append(walk.accArgs()).append(");\n");
    b.append("      }\n");
    if (s.agg() == TreeForest.Aggregate.AVERAGE) {
      b.append("      ").append(fin).append(".average(acc, ").append(s.forest().trees())
          .append(");\n");
    }
    b.append("      return ").append(finish).append(";\n");
    b.append("    } catch (dev.ember.executor.ops.OpException e) {\n");
    b.append("      throw dev.ember.executor.errors.Errors.atNode(e.code(), ")
        .append(TreeLiterals.string(n.describe())).append(", e.getMessage(), e.fix(), e);\n");
    b.append("    }\n  }\n");
  }

  private static String indent(String method) {
    StringBuilder b = new StringBuilder();
    for (String line : method.split("\n")) {
      b.append(line.isEmpty() ? "" : "  ").append(line).append('\n');
    }
    return b.toString();
  }

  /** What a node's kernel needs besides its trees, read exactly as its reference kernel does. */
  private record Spec(TreeForest forest, TreeForest.Aggregate agg, int width, double[] base,
      long[] ints, String[] strings, String finish) {
    int tables() {
      return (base == null ? 0 : base.length) + (ints == null ? 0 : ints.length)
          + (strings == null ? 0 : strings.length);
    }
  }

  private static Spec spec(Node n, DType x) {
    Attributes a = n.attrs();
    switch (n.opType()) {
      case "TreeEnsembleRegressor":
        return regressor(a);
      case "TreeEnsembleClassifier":
        return classifier(a);
      default:
        return ensemble(a, x);
    }
  }

  private static Spec regressor(Attributes a) {
    String op = "TreeEnsembleRegressor";
    int targets = (int) a.getInt("n_targets", 1);
    TreeForest forest = LegacyTrees.read(op, a, "target_");
    if (targets <= forest.maxTarget()) {
      throw OpException.attribute(op + " n_targets is " + targets + " but a leaf votes for"
          + " target " + forest.maxTarget());
    }
    TreeForest.Aggregate agg =
        TreeEnsembleRegressorOp.aggregate(a.getString("aggregate_function", "SUM"));
    double[] base = MlAttrs.reals(op, a, "base_values");
    if (base != null && base.length != targets) {
      throw OpException.attribute(op + " has " + base.length + " base_values for " + targets
          + " targets");
    }
    int post = PostTransform.named(op, a.getString("post_transform", "NONE")).ordinal();
    return new Spec(forest, agg, targets, base, null, null, "new Tensor[] {TreeFinish.regressor("
        + "acc, n, " + targets + ", BASE, " + post + ")}");
  }

  private static Spec classifier(Attributes a) {
    String op = "TreeEnsembleClassifier";
    ClassLabels labels = ClassLabels.read(op, a, "classlabels_int64s");
    int classes = labels.size();
    TreeForest forest = LegacyTrees.read(op, a, "class_");
    if (forest.maxTarget() >= classes) {
      throw OpException.attribute(op + " has " + classes + " class labels but a leaf votes for"
          + " class " + forest.maxTarget());
    }
    double[] base = MlAttrs.reals(op, a, "base_values");
    if (base != null && base.length != classes) {
      throw OpException.attribute(op + " has " + base.length + " base_values for " + classes
          + " classes");
    }
    int post = PostTransform.named(op, a.getString("post_transform", "NONE")).ordinal();
    int binary = TreeEnsembleClassifierOp.binaryClass(MlAttrs.ints(a, "class_ids"));
    return new Spec(forest, TreeForest.Aggregate.SUM, classes, base, labels.ints(),
        labels.strings(), "TreeFinish.classifier(acc, n, " + classes + ", BASE, " + post + ", "
            + binary + ", INT_LABELS, STRING_LABELS)");
  }

  private static Spec ensemble(Attributes a, DType x) {
    int targets = (int) a.getInt("n_targets", 0);
    if (targets <= 0) {
      throw OpException.attribute("TreeEnsemble needs n_targets >= 1, got " + targets);
    }
    TreeForest forest = TreeEnsembleOp.forest(a);
    TreeForest.Aggregate agg = TreeForest.Aggregate.values()[
        TreeEnsembleOp.aggregate(a.getInt("aggregate_function", 1))];
    int post = PostTransform.numbered("TreeEnsemble", a.getInt("post_transform", 0)).ordinal();
    return new Spec(forest, agg, targets, null, null, null, "new Tensor[] {TreeFinish.ensemble("
        + "acc, n, " + targets + ", " + post + ", DType." + x.name() + ")}");
  }
}
