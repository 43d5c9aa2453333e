package dev.ember.executor.dispatch;

import dev.ember.executor.backend.interp.InputBinder;
import dev.ember.executor.ir.Tensor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Level 1: guards on every call pick the static variant compiled for the inputs' exact types and
 * shapes; a new shape adds a variant, up to {@code maxVariants}. Past the bound, new shapes run the
 * general variant and a warning names them, at the 1st, 2nd, 4th, 8th ... such call, so a workload
 * whose shapes keep changing is visible without flooding the log.
 */
final class ExactShapeDispatch {
  private final CompileWrapper w;
  private final int maxVariants;
  private final Map<String, Integer> byShape = new ConcurrentHashMap<>();
  private final AtomicLong offShapeCalls = new AtomicLong();
  private int exactVariants; // guarded by this

  ExactShapeDispatch(CompileWrapper w, int maxVariants) {
    this.w = w;
    this.maxVariants = maxVariants;
  }

  Map<String, Tensor> call(Map<String, Tensor> inputs) {
    Slot[] slots = w.table().snapshot();
    for (Slot s : slots) {
      if (s.guard != null && s.guard.matches(inputs)) {
        return w.run(s, inputs);
      }
    }
    return miss(inputs);
  }

  /** The index of the variant for {@code inputs}, adding it when new; -1 past the bound. */
  int select(Map<String, Tensor> inputs) {
    for (Slot s : w.table().snapshot()) {
      if (s.guard != null && s.guard.matches(inputs)) {
        return s.index;
      }
    }
    InputBinder.check(w.graph(), inputs);
    ShapeGuard g = ShapeGuard.of(w.graph().inputs(), inputs);
    Integer idx = byShape.get(g.describe());
    return idx != null ? idx : add(g);
  }

  private Map<String, Tensor> miss(Map<String, Tensor> inputs) {
    int idx = select(inputs);
    if (idx >= 0) {
      return w.run(w.table().get(idx, w.name()), inputs);
    }
    long n = offShapeCalls.incrementAndGet();
    if (Long.bitCount(n) == 1) {
      w.compiler()
          .warn(
              "Compile level 1 of '"
                  + w.name()
                  + "': input shapes ["
                  + ShapeGuard.of(w.graph().inputs(), inputs).describe()
                  + "] have no static variant and maxVariants="
                  + maxVariants
                  + " is reached; they run the general variant ("
                  + n
                  + " such calls so far; static variants: "
                  + staticShapes()
                  + "). Fix: raise spark.ember.compile.maxVariants, or use"
                  + " spark.ember.compile.level=3 (padded capture sizes) or 2 (one general"
                  + " variant)");
    }
    w.counters().generalCalls.increment();
    return w.run(w.generalSlot(), inputs);
  }

  private synchronized int add(ShapeGuard g) {
    String k = g.describe();
    Integer again = byShape.get(k);
    if (again != null) {
      return again; // another thread added it while we waited
    }
    if (exactVariants >= maxVariants) {
      return -1;
    }
    Slot s = w.addStaticSlot(g);
    exactVariants++;
    byShape.put(k, s.index);
    if (exactVariants == maxVariants) {
      w.compiler()
          .warn(
              "Compile level 1 of '"
                  + w.name()
                  + "' compiled its last static variant (maxVariants="
                  + maxVariants
                  + ") for ["
                  + k
                  + "]; further shapes run the general variant. Static variants: "
                  + staticShapes());
    }
    return s.index;
  }

  private String staticShapes() {
    StringBuilder sb = new StringBuilder();
    for (Slot s : w.table().snapshot()) {
      if (s.guard != null) {
        sb.append(sb.length() == 0 ? "" : "; ").append('[').append(s.guard.describe()).append(']');
      }
    }
    return sb.toString();
  }
}
