package dev.ember.executor.lower;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph partitioned into kernels, with one explanation per node (which kernel it went into, or
 * why it runs on its reference kernel).
 */
public record LoweredGraph(Graph graph, List<Kernel> kernels, Map<String, String> explain) {
  public LoweredGraph {
    kernels = List.copyOf(kernels);
    explain = Collections.unmodifiableMap(new LinkedHashMap<>(explain));
  }

  /** Node name to reason, for the nodes that run on their reference kernel. */
  public Map<String, String> fallbacks() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Kernel k : kernels) {
      if (k instanceof Kernel.Fallback f) {
        for (Node n : f.nodes()) {
          out.put(n.name(), f.reason());
        }
      }
    }
    return out;
  }

  /** Counts kernels per label, for logs and tests. */
  public Map<String, Integer> histogram() {
    Map<String, Integer> h = new java.util.TreeMap<>();
    for (Kernel k : kernels) {
      String label = k.label().replaceAll("\\[.*", "");
      h.merge(label, 1, Integer::sum);
    }
    return h;
  }
}
