package dev.ember.executor.lower;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where every value of a lowered graph lives while a variant runs, and which float buffers are
 * shared. Values computed by generated kernels go to arena slots; a slot is handed to the next
 * value once every reader of its current value (and of the views of it) has run, so a forward
 * pass needs a few slots rather than one buffer per value. Graph outputs computed by generated
 * kernels are freshly allocated; everything else (inputs, reference-kernel results) is a Tensor.
 */
public final class BufferPlan {
  /** How a value is held while a variant runs. */
  public enum Home {
    /** A graph input (a Tensor). */
    INPUT,
    /** An initializer: a field of the generated class. */
    CONST,
    /** A Tensor made by a reference kernel, Shape, or a view of a Tensor. */
    TENSOR,
    /** A float buffer from the per-thread arena (slot {@link #slot}). */
    ARENA,
    /** A graph output written by a generated kernel into a new array. */
    FRESH,
    /** A view of an ARENA or FRESH value: same array, its own shape. */
    ALIAS
  }

  private final Map<String, Home> homes = new LinkedHashMap<>();
  private final Map<String, Integer> index = new LinkedHashMap<>();
  private final Map<String, Integer> slot = new HashMap<>();
  private final Map<String, String> root = new HashMap<>();
  private final List<Long> slotSizes = new ArrayList<>();
  private boolean dynamic;

  private BufferPlan() {}

  /** Plans homes and slots for {@code lowered}. */
  public static BufferPlan of(LoweredGraph lowered) {
    BufferPlan p = new BufferPlan();
    p.plan(lowered);
    return p;
  }

  public Home home(String value) {
    return homes.get(value);
  }

  /** The value's index in the per-call frame; every value but initializers has one. */
  public int index(String value) {
    Integer i = index.get(value);
    if (i == null) {
      throw new IllegalArgumentException("value '" + value + "' has no frame index");
    }
    return i;
  }

  public int frameSize() {
    return index.size();
  }

  /** The arena slot of an ARENA value, or of the root of an ALIAS. */
  public int slot(String value) {
    return slot.get(rootOf(value));
  }

  /** The ARENA or FRESH value an ALIAS views (the value itself otherwise). */
  public String rootOf(String value) {
    return root.getOrDefault(value, value);
  }

  public int slotCount() {
    return slotSizes.size();
  }

  /** Floats each slot needs for static shapes; 0 for slots sized at run time. */
  public long[] slotSizes() {
    return slotSizes.stream().mapToLong(Long::longValue).toArray();
  }

  /** True when some arena value has a symbolic shape, so slots grow on demand. */
  public boolean dynamic() {
    return dynamic;
  }

  /** Every value with a frame index, in index order. */
  public List<String> values() {
    return new ArrayList<>(index.keySet());
  }

  private void plan(LoweredGraph lowered) {
    Graph g = lowered.graph();
    Set<String> outputs = new HashSet<>();
    for (ValueInfo o : g.outputs()) {
      outputs.add(o.name());
    }
    for (ValueInfo in : g.inputs()) {
      put(in.name(), Home.INPUT);
    }
    g.initializers().keySet().forEach(k -> homes.put(k, Home.CONST));
    List<Kernel> kernels = lowered.kernels();
    for (Kernel k : kernels) {
      if (k instanceof Kernel.Fallback || k instanceof Kernel.ShapeOf) {
        for (Node n : k.nodes()) {
          for (String out : n.outputs()) {
            if (!out.isEmpty()) {
              put(out, Home.TENSOR);
            }
          }
        }
      } else if (k instanceof Kernel.View v) {
        String in = v.node().input(0);
        Home h = homes.get(in);
        if (h == Home.ARENA || h == Home.FRESH || h == Home.ALIAS) {
          put(k.output(), Home.ALIAS);
          root.put(k.output(), rootOf(in));
        } else {
          put(k.output(), Home.TENSOR);
        }
      } else {
        put(k.output(), outputs.contains(k.output()) ? Home.FRESH : Home.ARENA);
        for (String part : k.parts()) {
          put(part, Home.ALIAS);
          root.put(part, k.output());
        }
      }
    }
    assignSlots(g, kernels, outputs);
  }

  private void put(String value, Home h) {
    homes.put(value, h);
    index.putIfAbsent(value, index.size());
  }

  /** Greedy liveness: a slot is reused once the last reader of its value has run. */
  private void assignSlots(Graph g, List<Kernel> kernels, Set<String> outputs) {
    Map<String, Integer> lastUse = new HashMap<>();
    for (int i = 0; i < kernels.size(); i++) {
      for (Node n : kernels.get(i).nodes()) {
        for (String in : n.inputs()) {
          if (!in.isEmpty() && homes.get(in) != null) {
            lastUse.merge(rootOf(in), i, Math::max);
          }
        }
      }
    }
    for (String out : outputs) {
      lastUse.put(rootOf(out), Integer.MAX_VALUE); // copied out after the last kernel
    }
    List<Integer> free = new ArrayList<>();
    Map<Integer, List<String>> releaseAfter = new HashMap<>();
    for (int i = 0; i < kernels.size(); i++) {
      String v = kernels.get(i).output();
      if (homes.get(v) == Home.ARENA) {
        long need = staticSize(g.typeOf(v));
        int s = pick(free, need);
        free.remove(Integer.valueOf(s));
        slot.put(v, s);
        if (need > slotSizes.get(s)) {
          slotSizes.set(s, need);
        }
        int end = lastUse.getOrDefault(v, i);
        releaseAfter.computeIfAbsent(end, e -> new ArrayList<>()).add(v);
      }
      for (String dead : releaseAfter.getOrDefault(i, List.of())) {
        free.add(slot.get(dead));
      }
    }
  }

  /** The free slot that fits best, or a new one. */
  private int pick(List<Integer> free, long need) {
    int best = -1;
    for (int s : free) {
      long size = slotSizes.get(s);
      boolean fits = size >= need;
      if (best < 0) {
        best = s;
        continue;
      }
      long bestSize = slotSizes.get(best);
      boolean bestFits = bestSize >= need;
      if (fits && (!bestFits || size < bestSize) || !fits && !bestFits && size > bestSize) {
        best = s;
      }
    }
    if (best >= 0) {
      return best;
    }
    slotSizes.add(0L);
    return slotSizes.size() - 1;
  }

  private long staticSize(TensorType t) {
    Shape s = t == null ? Shape.unknownRank() : t.shape();
    if (!s.isStatic()) {
      dynamic = true;
      return 0;
    }
    long n = 1;
    for (int d : s.toIntArray()) {
      n *= d;
    }
    return n;
  }
}
