package dev.ember.executor.backend.interp;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.ValueInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which values can be dropped after each node, so a run holds only live intermediates. */
final class LastUse {
  private LastUse() {}

  static List<List<String>> releaseSchedule(Graph g) {
    Set<String> keep = new HashSet<>(g.initializers().keySet());
    for (ValueInfo out : g.outputs()) {
      keep.add(out.name());
    }
    Map<String, Integer> last = new HashMap<>();
    List<Node> nodes = g.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      for (String in : nodes.get(i).inputs()) {
        last.put(in, i);
      }
      for (String out : nodes.get(i).outputs()) {
        last.putIfAbsent(out, i); // an output nobody reads dies right away
      }
    }
    List<List<String>> schedule = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      schedule.add(new ArrayList<>());
    }
    last.forEach(
        (value, at) -> {
          if (!value.isEmpty() && !keep.contains(value)) {
            schedule.get(at).add(value);
          }
        });
    return schedule;
  }
}
