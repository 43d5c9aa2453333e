package dev.ember.executor.backend.cuda;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.lower.Kernel;
import dev.ember.executor.lower.LoweredGraph;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which values of a lowered graph the host holds and which the device needs, for placing host
 * steps ({@link HostStep}): views are followed back to the value whose elements they share, so a
 * view of a graph input is read from the call's input rather than copied down.
 */
final class HostValues {
  private final Graph g;
  private final Map<String, Kernel> producer = new HashMap<>();
  private final Set<String> graphInputs = new HashSet<>();
  private final Set<String> deviceNeeds = new HashSet<>();

  HostValues(LoweredGraph lowered) {
    this.g = lowered.graph();
    for (Kernel k : lowered.kernels()) {
      for (Node n : k.nodes()) {
        for (String out : n.outputs()) {
          if (!out.isEmpty()) {
            producer.put(out, k);
          }
        }
      }
    }
    for (ValueInfo in : g.inputs()) {
      graphInputs.add(in.name());
    }
    for (Kernel k : lowered.kernels()) {
      if (k instanceof Kernel.Fallback || k instanceof Kernel.View || k instanceof Kernel.ShapeOf) {
        continue; // they read no elements on the device
      }
      for (Node n : k.nodes()) {
        for (String in : n.inputs()) {
          if (!in.isEmpty()) {
            deviceNeeds.add(root(in));
          }
        }
      }
    }
    for (ValueInfo out : g.outputs()) {
      deviceNeeds.add(root(out.name()));
    }
  }

  /** The value whose elements {@code v} shares: {@code v} itself unless a view made it. */
  String root(String v) {
    Kernel k = producer.get(v);
    while (k instanceof Kernel.View view) {
      v = view.node().input(0);
      k = producer.get(v);
    }
    return v;
  }

  Kernel producer(String v) {
    return producer.get(v);
  }

  boolean isGraphInput(String v) {
    return graphInputs.contains(v);
  }

  boolean isInitializer(String v) {
    return g.initializers().containsKey(v);
  }

  /** True when a host step's output {@code v} must go up: the device or the outputs read it. */
  boolean neededOnDevice(String v) {
    return deviceNeeds.contains(v);
  }

  /** True when {@code v} (or the value it views) is a host step's output kept on the host only. */
  boolean hostOnly(String v) {
    String r = root(v);
    return producer.get(r) instanceof Kernel.Fallback && !deviceNeeds.contains(r);
  }
}
