package dev.ember.executor.robustness;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.onnx.TensorProtos;
import dev.ember.executor.onnx.wire.OnnxWire.AttributeProto;
import dev.ember.executor.onnx.wire.OnnxWire.GraphProto;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.onnx.wire.OnnxWire.NodeProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic well-formed but semantically hostile edits of a model: other op types on the same
 * wiring, odd attributes, odd initializer shapes, types and values, other opsets. Unlike byte
 * mutants these get past the parser and reach type inference and the kernels.
 */
final class ProtoMutator {
  private static final long[] EDGE_INTS = {
    -9, -3, -2, -1, 0, 1, 2, 3, 4, 7, 1L << 20, Integer.MAX_VALUE, Long.MAX_VALUE, Long.MIN_VALUE
  };
  private static final float[] EDGE_FLOATS = {
    0f, -1f, 0.5f, 1e30f, Float.NaN, Float.POSITIVE_INFINITY, -0f
  };
  private static final String[] ATTRS = {
    "axis",
    "axes",
    "perm",
    "keepdims",
    "transA",
    "transB",
    "alpha",
    "beta",
    "to",
    "start",
    "end",
    "allowzero",
    "noop_with_empty_axes",
    "min",
    "max",
    "value",
    "approximate",
    "direction"
  };
  private static final int[] OPSETS = {1, 6, 7, 9, 11, 12, 13, 14, 15, 17, 18, 21, 27, 28};
  private static final DType[] TYPES = {
    DType.FLOAT, DType.DOUBLE, DType.INT64, DType.INT32, DType.UINT8, DType.BOOL, DType.FLOAT16
  };

  private final List<String> opTypes;

  /**
   * @param opTypes op types to swap in, in a fixed order so seeds stay reproducible
   */
  ProtoMutator(List<String> opTypes) {
    this.opTypes = List.copyOf(opTypes);
  }

  ModelProto mutate(ModelProto base, long seed) {
    Random r = new Random(seed);
    ModelProto.Builder m = base.toBuilder();
    GraphProto.Builder g = m.getGraphBuilder();
    for (int edits = 1 + r.nextInt(3); edits > 0; edits--) {
      switch (r.nextInt(6)) {
        case 0 -> {
          NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
          n.setOpType(opTypes.get(r.nextInt(opTypes.size())));
        }
        case 1 -> g.getNodeBuilder(r.nextInt(g.getNodeCount())).addAttribute(attribute(r));
        case 2 -> {
          int i = r.nextInt(g.getInitializerCount());
          g.setInitializer(i, tensor(r, g.getInitializer(i).getName()));
        }
        case 3 -> m.getOpsetImportBuilder(0).setVersion(OPSETS[r.nextInt(OPSETS.length)]);
        case 4 -> rewire(r, g);
        default -> {
          NodeProto.Builder n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
          List<String> ins = new ArrayList<>(n.getInputList());
          if (!ins.isEmpty() && r.nextBoolean()) {
            ins.remove(ins.size() - 1);
          } else {
            ins.add(r.nextBoolean() ? "" : "x");
          }
          n.clearInput().addAllInput(ins);
        }
      }
    }
    return m.build();
  }

  /** Points one node input at another value defined before the node (keeps the graph valid). */
  private static void rewire(Random r, GraphProto.Builder g) {
    int at = r.nextInt(g.getNodeCount());
    NodeProto.Builder n = g.getNodeBuilder(at);
    if (n.getInputCount() == 0) {
      return;
    }
    List<String> defined = new ArrayList<>(List.of("x"));
    g.getInitializerList().forEach(t -> defined.add(t.getName()));
    for (int i = 0; i < at; i++) {
      defined.addAll(g.getNode(i).getOutputList());
    }
    n.setInput(r.nextInt(n.getInputCount()), defined.get(r.nextInt(defined.size())));
  }

  private static AttributeProto attribute(Random r) {
    AttributeProto.Builder a = AttributeProto.newBuilder().setName(ATTRS[r.nextInt(ATTRS.length)]);
    switch (r.nextInt(4)) {
      case 0 -> a.setType(AttributeProto.AttributeType.INT).setI(edgeInt(r));
      case 1 -> {
        a.setType(AttributeProto.AttributeType.INTS);
        for (int k = r.nextInt(5); k > 0; k--) {
          a.addInts(edgeInt(r));
        }
      }
      case 2 ->
          a.setType(AttributeProto.AttributeType.FLOAT)
              .setF(EDGE_FLOATS[r.nextInt(EDGE_FLOATS.length)]);
      default -> a.setType(AttributeProto.AttributeType.TENSOR).setT(tensor(r, ""));
    }
    return a.build();
  }

  /** A small tensor of random rank (0-3), dims (0-4), type and edge-case values. */
  private static TensorProto tensor(Random r, String name) {
    int rank = r.nextInt(4);
    int[] shape = new int[rank];
    int n = 1;
    for (int i = 0; i < rank; i++) {
      shape[i] = r.nextInt(5);
      n *= shape[i];
    }
    DType t = TYPES[r.nextInt(TYPES.length)];
    Tensor v =
        switch (t.storage()) {
          case FLOAT -> {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
              f[i] = r.nextInt(4) == 0 ? EDGE_FLOATS[r.nextInt(EDGE_FLOATS.length)] : r.nextFloat();
            }
            yield Tensor.ofFloats(t, shape, f);
          }
          case DOUBLE -> {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
              d[i] = r.nextGaussian();
            }
            yield Tensor.ofDoubles(shape, d);
          }
          case BOOL -> {
            boolean[] z = new boolean[n];
            for (int i = 0; i < n; i++) {
              z[i] = r.nextBoolean();
            }
            yield Tensor.ofBools(shape, z);
          }
          default -> {
            long[] l = new long[n];
            for (int i = 0; i < n; i++) {
              l[i] = edgeInt(r);
            }
            yield Tensor.ofLongs(t, shape, l);
          }
        };
    return TensorProtos.encode(v, name);
  }

  private static long edgeInt(Random r) {
    return EDGE_INTS[r.nextInt(EDGE_INTS.length)];
  }
}
