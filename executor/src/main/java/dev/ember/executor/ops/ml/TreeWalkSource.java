package dev.ember.executor.ops.ml;

import java.util.ArrayList;
import java.util.List;

/**
 * Emits the Java source that walks one forest: one static method per tree, looping over a block
 * of rows, whose body is the tree as nested if/else with the thresholds and leaf weights as
 * literals. A subtree whose code would be larger than {@link #INLINE_BYTES} gets a method of its
 * own, called per row, so that every method stays well under HotSpot's 8,000-byte JIT limit
 * (-XX:-DontCompileHugeMethods is not needed). Comparisons read X as the reference kernel does
 * (double, or float where the threshold is a float, which compares the same); votes accumulate in
 * tree order per row, so sums round exactly as in {@link TreeForest#scores}.
 */
final class TreeWalkSource {
  /** Estimated bytecode above which a subtree is called rather than inlined. */
  static final int INLINE_BYTES = 3000;

  private final TreeForest forest;
  private final TreeForest.Aggregate agg;
  private final int width;
  private final boolean floatX;
  private final String xType;
  private final int[] bytes;
  private final List<String> methods = new ArrayList<>();
  private int subtrees;

  TreeWalkSource(TreeForest forest, TreeForest.Aggregate agg, int width, boolean floatX) {
    this.forest = forest;
    this.agg = agg;
    this.width = width;
    this.floatX = floatX;
    this.xType = floatX ? "float[]" : "double[]";
    this.bytes = new int[forest.branchCount()];
  }

  /** Why this forest cannot be generated, or null when it can. */
  static String whyNot(TreeForest f) {
    for (int i = 0; i < f.branchCount(); i++) {
      TreeForest.Branch b = f.branch(i);
      if (b.mode() == TreeForest.Mode.MEMBER && b.members().length > TreeCodegen.MAX_MEMBERS) {
        return "a BRANCH_MEMBER node tests a set of " + b.members().length + " values (at most "
            + TreeCodegen.MAX_MEMBERS + " are generated as comparisons)";
      }
    }
    int[] state = new int[f.branchCount()];
    for (int t = 0; t < f.trees(); t++) {
      if (!f.rootIsLeaf(t) && hasCycle(f, f.root(t), state)) {
        return "tree " + t + " has a cycle";
      }
    }
    return null;
  }

  /** Depth-first search; state 1 is on the current path, 2 is done. */
  private static boolean hasCycle(TreeForest f, int node, int[] state) {
    if (state[node] == 2) {
      return false;
    }
    if (state[node] == 1) {
      return true;
    }
    state[node] = 1;
    TreeForest.Branch b = f.branch(node);
    boolean cycle = (!b.trueIsLeaf() && hasCycle(f, b.trueChild(), state))
        || (!b.falseIsLeaf() && hasCycle(f, b.falseChild(), state));
    state[node] = 2;
    return cycle;
  }

  /** The parameter list the tree methods share after the X array. */
  String accParams() {
    return "double[] acc" + (minMax() ? ", boolean[] seen" : "");
  }

  String accArgs() {
    return "acc" + (minMax() ? ", seen" : "");
  }

  private boolean minMax() {
    return agg == TreeForest.Aggregate.MIN || agg == TreeForest.Aggregate.MAX;
  }

  /** Source of every method for tree {@code t}; the entry is {@code t<t>(x, c, from, to, acc)}. */
  List<String> tree(int t) {
    methods.clear();
    StringBuilder b = new StringBuilder();
    b.append("static void t").append(t).append('(').append(xType)
        .append(" x, int c, int from, int to, ").append(accParams()).append(") {\n");
    b.append("  for (int r = from; r < to; r++) {\n");
    b.append("    int o = r * c;\n");
    b.append("    int a = r * ").append(width).append(";\n");
    if (forest.rootIsLeaf(t)) {
      leaf(b, forest.root(t), 2);
    } else {
      node(b, "t" + t, forest.root(t), 2);
    }
    b.append("  }\n}\n");
    List<String> out = new ArrayList<>();
    out.add(b.toString());
    out.addAll(methods);
    return out;
  }

  private void node(StringBuilder b, String tree, int i, int depth) {
    TreeForest.Branch br = forest.branch(i);
    indent(b, depth).append("if (").append(condition(br)).append(") {\n");
    child(b, tree, br.trueChild(), br.trueIsLeaf(), depth + 1);
    indent(b, depth).append("} else {\n");
    child(b, tree, br.falseChild(), br.falseIsLeaf(), depth + 1);
    indent(b, depth).append("}\n");
  }

  private void child(StringBuilder b, String tree, int i, boolean isLeaf, int depth) {
    if (isLeaf) {
      leaf(b, i, depth);
    } else if (size(i) <= INLINE_BYTES) {
      node(b, tree, i, depth);
    } else {
      String name = tree + "_" + subtrees++;
      indent(b, depth).append(name).append("(x, o, ").append(accArgs()).append(", a);\n");
      StringBuilder m = new StringBuilder();
      m.append("static void ").append(name).append('(').append(xType).append(" x, int o, ")
          .append(accParams()).append(", int a) {\n");
      node(m, tree, i, 1);
      m.append("}\n");
      methods.add(m.toString());
    }
  }

  private void leaf(StringBuilder b, int l, int depth) {
    for (int v = forest.firstVote(l); v < forest.firstVote(l + 1); v++) {
      int k = forest.voteTarget(v);
      if (k < 0 || k >= width) {
        // the reference kernel raises this when a row reaches the leaf; so does this code
        indent(b, depth).append("throw new dev.ember.executor.ops.OpException("
            + "dev.ember.executor.errors.ErrorCode.BAD_ATTRIBUTE, \"a leaf votes for"
            + " target ").append(k).append(" of ").append(width)
            .append("\", \"re-export the model with valid values\");\n");
        return;
      }
      String at = k == 0 ? "a" : "a + " + k;
      String w = TreeLiterals.real(forest.voteWeight(v));
      if (minMax()) {
        String fn = agg == TreeForest.Aggregate.MIN ? "Math.min" : "Math.max";
        indent(b, depth).append("acc[").append(at).append("] = seen[").append(at).append("] ? ")
            .append(fn).append("(acc[").append(at).append("], ").append(w).append(") : ")
            .append(w).append(";\n");
        indent(b, depth).append("seen[").append(at).append("] = true;\n");
      } else {
        indent(b, depth).append("acc[").append(at).append("] += ").append(w).append(";\n");
      }
    }
  }

  /** The condition for going to the true child, NaN included where the node tracks it. */
  String condition(TreeForest.Branch br) {
    String cell = "x[o + " + br.feature() + "]";
    String cmp = compare(br, cell);
    return br.missingGoesTrue() ? "(" + cmp + ") || " + cell + " != " + cell : cmp;
  }

  private String compare(TreeForest.Branch br, String cell) {
    double s = br.split();
    boolean asFloat = floatX && (double) (float) s == s;
    String lit = asFloat ? TreeLiterals.single((float) s) : TreeLiterals.real(s);
    String v = floatX && !asFloat ? "(double) " + cell : cell;
    switch (br.mode()) {
      case LEQ:
        return v + " <= " + lit;
      case LT:
        return v + " < " + lit;
      case GTE:
        return v + " >= " + lit;
      case GT:
        return v + " > " + lit;
      case EQ:
        return v + " == " + lit;
      case NEQ:
        return v + " != " + lit;
      default:
        return member(br.members(), floatX ? "(double) " + cell : cell);
    }
  }

  /**
   * Set membership as Arrays.binarySearch decides it (the reference kernel's test): equal values,
   * except that 0.0 and -0.0 are told apart by their bits.
   */
  private static String member(double[] set, String v) {
    if (set.length == 0) {
      return "false";
    }
    List<String> terms = new ArrayList<>();
    for (double m : set) {
      if (m == 0) {
        terms.add("Double.doubleToLongBits(" + v + ") == " + Double.doubleToLongBits(m) + "L");
      } else {
        terms.add(v + " == " + TreeLiterals.real(m));
      }
    }
    return "(" + String.join(" || ", terms) + ")";
  }

  /** Estimated bytecode of the subtree at branch {@code i}, memoised (trees may share nodes). */
  int size(int i) {
    if (bytes[i] == 0) {
      TreeForest.Branch br = forest.branch(i);
      int own = 20 + (br.missingGoesTrue() ? 12 : 0)
          + (br.members() == null ? 0 : 16 * br.members().length);
      long total = own + childSize(br.trueChild(), br.trueIsLeaf())
          + childSize(br.falseChild(), br.falseIsLeaf());
      bytes[i] = (int) Math.min(Integer.MAX_VALUE / 4, total);
    }
    return bytes[i];
  }

  private int childSize(int i, boolean isLeaf) {
    if (isLeaf) {
      return (forest.firstVote(i + 1) - forest.firstVote(i)) * (minMax() ? 40 : 14) + 3;
    }
    int s = size(i);
    return s <= INLINE_BYTES ? s : 16;
  }

  /** An upper bound on the constant-pool entries tree {@code t}'s methods use. */
  int constants(int t) {
    return forest.rootIsLeaf(t) ? 2 * votes(forest.root(t)) + 8 : constantsBelow(forest.root(t));
  }

  private int constantsBelow(int i) {
    TreeForest.Branch br = forest.branch(i);
    int own = 2 + 2 * (br.members() == null ? 0 : br.members().length) + 8;
    return own + (br.trueIsLeaf() ? 2 * votes(br.trueChild()) : constantsBelow(br.trueChild()))
        + (br.falseIsLeaf() ? 2 * votes(br.falseChild()) : constantsBelow(br.falseChild()));
  }

  private int votes(int leaf) {
    return forest.firstVote(leaf + 1) - forest.firstVote(leaf);
  }

  private static StringBuilder indent(StringBuilder b, int depth) {
    return b.append("  ".repeat(depth));
  }
}
