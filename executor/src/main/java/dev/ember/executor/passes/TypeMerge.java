package dev.ember.executor.passes;

import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.TensorType;
import java.util.ArrayList;
import java.util.List;

/**
 * Combines a type already recorded for a value (declared in the model's value_info or inferred by
 * an earlier round) with a freshly inferred one, keeping the more specific of each part.
 */
final class TypeMerge {
  private TypeMerge() {}

  /** The more specific of the two types; either may be null. */
  static TensorType merge(TensorType recorded, TensorType inferred) {
    if (recorded == null) {
      return inferred;
    }
    if (inferred == null) {
      return recorded;
    }
    // On a contradiction trust inference: it follows the op's definition, while exporters are
    // known to write stale value_info entries.
    if (recorded.dtype() != inferred.dtype()) {
      return inferred;
    }
    Shape a = recorded.shape();
    Shape b = inferred.shape();
    if (!b.rankKnown()) {
      return recorded;
    }
    if (!a.rankKnown() || a.rank() != b.rank()) {
      return inferred;
    }
    List<Dim> dims = new ArrayList<>(a.rank());
    for (int i = 0; i < a.rank(); i++) {
      dims.add(moreSpecific(a.dim(i), b.dim(i)));
    }
    return new TensorType(inferred.dtype(), Shape.of(dims));
  }

  /** Fixed beats symbolic; a named symbol beats an anonymous one ("?..."); else inferred wins. */
  private static Dim moreSpecific(Dim recorded, Dim inferred) {
    if (inferred.isFixed()) {
      return inferred;
    }
    if (recorded.isFixed()) {
      return recorded;
    }
    return isAnonymous(inferred) && !isAnonymous(recorded) ? recorded : inferred;
  }

  static boolean isAnonymous(Dim d) {
    return d instanceof Dim.Symbolic s && s.name().startsWith("?");
  }
}
