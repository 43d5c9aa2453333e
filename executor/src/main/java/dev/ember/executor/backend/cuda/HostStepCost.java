package dev.ember.executor.backend.cuda;

import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Shapes;
import dev.ember.executor.lower.Kernel;
import dev.ember.executor.lower.LoweredGraph;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rule that decides, under {@code spark.ember.device=auto}, whether a graph with ops that lack
 * CUDA kernels runs on the GPU with host steps ({@link HostStep}) or entirely on the CPU backend.
 * The host ops run on the CPU either way, so the rule weighs what the GPU takes off the CPU against
 * what the host steps add. Host steps win when both hold:
 *
 * <ol>
 *   <li>the host ops are at most half of the graph's compute nodes (views and Shape excluded):
 *       past that the CPU does most of the work anyway, and the GPU adds only copies;
 *   <li>{@code deviceFlops >= FLOPS_PER_HOST_BYTE * hostBytes + FLOPS_PER_HOST_STEP * hostSteps}:
 *       the device's work, priced at the CPU's rate, pays for the bytes the host steps move over
 *       the bus and for each step's stream synchronisation.
 * </ol>
 *
 * <p>Device work is priced in CPU GEMM flops: 2 per multiply-add of GEMMs and attention, and
 * {@code FLOPS_PER_ELEMENT} per element per node of the other kernels, which the CPU runs as
 * memory-bound loops. The model's own input and output copies are not counted: a model without
 * host ops runs on the GPU whatever they cost. The constants price the CPU at 100 GFLOP/s (one
 * task's GEMM on cpu-janino, [64,512]x[512,512]: 92-108 GFLOP/s measured on a loaded AVX-512
 * Xeon core by {@code HostStepCostProbe}); an element of a fused loop at 100 of those flops (the
 * same probe: 170-190 for Relu, Neg, Mul, 570-790 with Sigmoid; rounded down, as transposes and
 * gathers are plain copies); a byte a host step moves at 12 GB/s of host-side
 * conversion (measured by the same probe) plus about 10 GB/s over the bus (pageable direct
 * buffers over PCIe; not measured here), about 0.18 ns; and a host step's round trip (two driver
 * calls and a stream synchronisation) at about 25 microseconds (not measured here).
 */
record HostStepCost(long deviceFlops, long hostBytes, int hostSteps, int hostNodes,
    int computeNodes) {
  /** CPU GEMM flops per element per node of a non-GEMM kernel (a fused loop's element). */
  static final long FLOPS_PER_ELEMENT = 100;

  /** CPU flops per byte a host step moves: 100 GFLOP/s times about 0.18 ns, rounded up. */
  static final long FLOPS_PER_HOST_BYTE = 20;

  /** CPU flops per host step's round trip: 100 GFLOP/s times 25 microseconds. */
  static final long FLOPS_PER_HOST_STEP = 2_500_000;

  /** The costs of {@code program}, generated with host steps from {@code lowered}. */
  static HostStepCost of(LoweredGraph lowered, CudaProgram program) {
    Graph g = lowered.graph();
    long flops = 0;
    int host = 0;
    int compute = 0;
    for (Kernel k : lowered.kernels()) {
      if (k instanceof Kernel.View || k instanceof Kernel.ShapeOf) {
        continue;
      }
      compute += k.nodes().size();
      if (k instanceof Kernel.Fallback) {
        host++;
      } else {
        flops += deviceFlops(g, k);
      }
    }
    long bytes = 0;
    int steps = 0;
    for (CudaProgram.Step s : program.steps()) {
      if (s instanceof CudaProgram.Host h) {
        bytes += h.step().downloadBytes() + h.step().uploadBytes();
        steps++;
      }
    }
    return new HostStepCost(flops, bytes, steps, host, compute);
  }

  private static long deviceFlops(Graph g, Kernel k) {
    if (k instanceof Kernel.GemmGroup gg) {
      return deviceFlops(g, gg.merged());
    }
    long out = numel(g, k.output());
    if (k instanceof Kernel.MatMul mm) {
      int[] a = g.typeOf(mm.a()).shape().toIntArray();
      int inner = mm.transA() ? a[a.length - 2] : a[a.length - 1];
      return 2 * out * inner;
    }
    if (k instanceof Kernel.Attention at) {
      int[] keys = g.typeOf(at.k()).shape().toIntArray();
      return 4 * numel(g, at.q()) * keys[1];
    }
    return FLOPS_PER_ELEMENT * out * k.nodes().size();
  }

  private static long numel(Graph g, String v) {
    return Shapes.numel(g.typeOf(v).shape().toIntArray());
  }

  /** The host steps' price in device flops ({@code FLOPS_PER_HOST_*} applied). */
  long hostCost() {
    return FLOPS_PER_HOST_BYTE * hostBytes + FLOPS_PER_HOST_STEP * hostSteps;
  }

  /** True when the GPU with host steps should beat the whole model on the CPU. */
  boolean hostStepsPay() {
    return 2 * hostNodes <= computeNodes && deviceFlops >= hostCost();
  }

  /** The rule's numbers in words, for logs and explain. */
  String why() {
    String share = hostNodes + " of " + computeNodes + " compute nodes on the host";
    String work = String.format(Locale.ROOT, "device work %.3g flops vs host steps' cost %.3g"
        + " (%d B copied, %d step(s))", (double) deviceFlops, (double) hostCost(), hostBytes,
        hostSteps);
    if (2 * hostNodes > computeNodes) {
      return share + " (more than half); " + work;
    }
    return share + "; " + work + (deviceFlops >= hostCost() ? "" : ", more than the work");
  }

  /** The ops of {@code lowered} without CUDA kernels, counted: {@code TopK x1, ArgMax x2}. */
  static String opCounts(LoweredGraph lowered) {
    Map<String, Integer> ops = new TreeMap<>();
    for (Kernel k : lowered.kernels()) {
      if (k instanceof Kernel.Fallback f) {
        Node n = f.node();
        ops.merge(n.opType(), 1, Integer::sum);
      }
    }
    StringBuilder sb = new StringBuilder();
    ops.forEach((op, n) -> sb.append(sb.length() == 0 ? "" : ", ").append(op).append(" x")
        .append(n));
    return sb.toString();
  }
}
