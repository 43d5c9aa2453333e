package dev.ember.executor.ops.ml;

import dev.ember.executor.ops.OpException;
import java.util.Arrays;

/**
 * Decision trees in the one form every tree op is read into (TreeEnsemble's, opset 5): interior
 * nodes in flat arrays, each child either another interior node or a leaf, and each leaf a list of
 * votes (target or class index, weight). Evaluation walks each tree to its leaf and aggregates the
 * votes per target. Immutable and thread-safe once built.
 */
final class TreeForest {
  /** Node comparisons, in TreeEnsemble's numbering (nodes_modes 0..6). */
  enum Mode {
    LEQ, LT, GTE, GT, EQ, NEQ, MEMBER
  }

  /** How the votes of the trees combine per target, in TreeEnsemble's numbering (0..3). */
  enum Aggregate {
    AVERAGE, SUM, MIN, MAX
  }

  /** One interior node; the child is a leaf index when the matching {@code *IsLeaf} is set. */
  record Branch(int feature, Mode mode, double split, double[] members, int trueChild,
      boolean trueIsLeaf, int falseChild, boolean falseIsLeaf, boolean missingGoesTrue) {}

  private final Branch[] branches;
  private final int[] roots;
  private final boolean[] rootIsLeaf;
  private final int[] leafStart;
  private final int[] voteTarget;
  private final double[] voteWeight;

  /**
   * @param leafStart votes of leaf l are {@code [leafStart[l], leafStart[l + 1])}
   */
  TreeForest(Branch[] branches, int[] roots, boolean[] rootIsLeaf, int[] leafStart,
      int[] voteTarget, double[] voteWeight) {
    this.branches = branches;
    this.roots = roots;
    this.rootIsLeaf = rootIsLeaf;
    this.leafStart = leafStart;
    this.voteTarget = voteTarget;
    this.voteWeight = voteWeight;
    int leaves = leafStart.length - 1;
    for (int i = 0; i < branches.length; i++) {
      Branch b = branches[i];
      checkChild(i, b.trueChild, b.trueIsLeaf, leaves);
      checkChild(i, b.falseChild, b.falseIsLeaf, leaves);
    }
    for (int t = 0; t < roots.length; t++) {
      checkChild(-1, roots[t], rootIsLeaf[t], leaves);
    }
  }

  int trees() {
    return roots.length;
  }

  Branch branch(int i) {
    return branches[i];
  }

  int leafCount() {
    return leafStart.length - 1;
  }

  int branchCount() {
    return branches.length;
  }

  /** Tree {@code t}'s root: a branch index, or a leaf index when {@link #rootIsLeaf}. */
  int root(int t) {
    return roots[t];
  }

  boolean rootIsLeaf(int t) {
    return rootIsLeaf[t];
  }

  /** The votes of leaf {@code l} are {@code [firstVote(l), firstVote(l + 1))}. */
  int firstVote(int l) {
    return leafStart[l];
  }

  int voteTarget(int v) {
    return voteTarget[v];
  }

  double voteWeight(int v) {
    return voteWeight[v];
  }

  /** The largest target index a vote names, or -1 without votes. */
  int maxTarget() {
    return Arrays.stream(voteTarget).max().orElse(-1);
  }

  /** The largest feature index a node reads, or -1 without nodes. */
  int maxFeature() {
    return Arrays.stream(branches).mapToInt(Branch::feature).max().orElse(-1);
  }

  /**
   * The aggregated votes per row and target, row-major [rows, targets]. A target no reached leaf
   * votes for is 0, also under MIN and MAX (as ONNX Runtime does); AVERAGE divides the sum by the
   * number of trees.
   */
  double[] scores(double[][] rows, int targets, Aggregate agg) {
    double[] out = new double[rows.length * targets];
    boolean[] seen = new boolean[targets];
    for (int r = 0; r < rows.length; r++) {
      Arrays.fill(seen, false);
      double[] acc = new double[targets];
      for (int t = 0; t < roots.length; t++) {
        int leaf = leafOf(t, rows[r]);
        for (int v = leafStart[leaf]; v < leafStart[leaf + 1]; v++) {
          int k = voteTarget[v];
          if (k < 0 || k >= targets) {
            throw OpException.attribute("a leaf votes for target " + k + " of " + targets);
          }
          double w = voteWeight[v];
          switch (agg) {
            case MIN:
              acc[k] = seen[k] ? Math.min(acc[k], w) : w;
              break;
            case MAX:
              acc[k] = seen[k] ? Math.max(acc[k], w) : w;
              break;
            default:
              acc[k] += w;
          }
          seen[k] = true;
        }
      }
      if (agg == Aggregate.AVERAGE && roots.length > 0) {
        for (int k = 0; k < targets; k++) {
          acc[k] /= roots.length;
        }
      }
      System.arraycopy(acc, 0, out, r * targets, targets);
    }
    return out;
  }

  /** The leaf tree {@code t} reaches for one row of features. */
  int leafOf(int t, double[] x) {
    if (rootIsLeaf[t]) {
      return roots[t];
    }
    int node = roots[t];
    // A well-formed tree is shorter than the node count; more steps mean a cycle.
    for (int steps = 0; steps <= branches.length; steps++) {
      Branch b = branches[node];
      if (b.feature >= x.length) {
        throw OpException.shapes("a tree node reads feature " + b.feature + " but X has "
            + x.length + " columns");
      }
      boolean right = goesTrue(b, x[b.feature]);
      int next = right ? b.trueChild : b.falseChild;
      if (right ? b.trueIsLeaf : b.falseIsLeaf) {
        return next;
      }
      node = next;
    }
    throw OpException.attribute("tree " + t + " has a cycle: its walk visits more nodes than"
        + " the ensemble has");
  }

  /** The comparison, or the missing-value track for NaN when the node sets one. */
  private static boolean goesTrue(Branch b, double v) {
    if (b.missingGoesTrue && Double.isNaN(v)) {
      return true;
    }
    switch (b.mode) {
      case LEQ:
        return v <= b.split;
      case LT:
        return v < b.split;
      case GTE:
        return v >= b.split;
      case GT:
        return v > b.split;
      case EQ:
        return v == b.split;
      case NEQ:
        return v != b.split;
      default:
        return Arrays.binarySearch(b.members, v) >= 0;
    }
  }

  private void checkChild(int node, int child, boolean isLeaf, int leaves) {
    int limit = isLeaf ? leaves : branches.length;
    if (child < 0 || child >= limit) {
      throw OpException.attribute((node < 0 ? "a tree root" : "tree node " + node)
          + " points to " + (isLeaf ? "leaf " : "node ") + child + ", but there are only "
          + limit);
    }
  }
}
