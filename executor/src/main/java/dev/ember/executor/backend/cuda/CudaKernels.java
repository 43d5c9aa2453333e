package dev.ember.executor.backend.cuda;

import dev.ember.executor.backend.cuda.CudaProgram.Arg;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.lower.ElementwiseOps;
import dev.ember.executor.lower.Kernel;
import dev.ember.executor.ops.FusedElementwise;
import dev.ember.executor.ops.FusedOperands;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Emits the CUDA C of one kernel: a fused elementwise loop (one thread per output element), a
 * row kernel (one warp per row held in registers, reductions through warp shuffles; one block per
 * row past {@link #WARP_ROW_MAX}), a gather or a transpose. Operands are kernel parameters;
 * initializers are named {@code const_...} so that the buffer-mutation check can see writes into
 * them. Broadcast operands are indexed through the output's coordinates with literal strides.
 */
final class CudaKernels {
  /** Threads per block of row kernels: four warps. */
  static final int ROW_BLOCK = 128;

  /**
   * Scalar functions elementwise code may call; every translation unit that holds such code
   * (programs, and GEMM kernels through their epilogue) starts with these.
   */
  static final String MATH =
      """
      __device__ __forceinline__ float ember_erf(float x) { return erff(x); }
      """;

  /** Helpers every program starts with: block-wide sum and max over a multiple of 32 threads. */
  static final String PRELUDE =
      """

      // Every lane of a warp calls these with its partial value and gets the warp's total.
      __device__ __forceinline__ float ember_warp_sum(float v) {
        for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
        return v;
      }

      __device__ __forceinline__ float ember_warp_max(float v) {
        for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
        return v;
      }

      // Every thread of the block calls these with its partial value and gets the block's total;
      // sh holds one float per warp. All lanes shuffle in both rounds, so no lane idles at a
      // shuffle.
      __device__ __forceinline__ float ember_block_sum(float v, float* sh) {
        v = ember_warp_sum(v);
        __syncthreads();
        if ((threadIdx.x & 31) == 0) sh[threadIdx.x >> 5] = v;
        __syncthreads();
        v = (threadIdx.x & 31) < (blockDim.x >> 5) ? sh[threadIdx.x & 31] : 0.0f;
        return ember_warp_sum(v);
      }

      __device__ __forceinline__ float ember_block_max(float v, float* sh) {
        v = ember_warp_max(v);
        __syncthreads();
        if ((threadIdx.x & 31) == 0) sh[threadIdx.x >> 5] = v;
        __syncthreads();
        v = (threadIdx.x & 31) < (blockDim.x >> 5) ? sh[threadIdx.x & 31]
            : __int_as_float(0xff800000);
        return ember_warp_max(v);
      }

      """
          + MATH;

  /** A kernel's source, its launch dimensions and its arguments in parameter order. */
  record Emitted(String source, GpuDriver.Dim3 grid, GpuDriver.Dim3 block, List<Arg> args) {}

  private final CudaCodegen cg;
  private final Graph g;
  private final List<String> params = new ArrayList<>();
  private final List<Arg> args = new ArrayList<>();
  private final Map<String, String> paramOf = new LinkedHashMap<>();

  /** The arguments of the parameters declared so far, in order. */
  List<Arg> args() {
    return args;
  }

  CudaKernels(CudaCodegen cg) {
    this.cg = cg;
    this.g = cg.graph();
  }

  /** Declares (once) a pointer parameter for {@code value} and returns its name. */
  String pointer(String value, boolean output) {
    String p = paramOf.get(value);
    return p != null ? p : declare(value, output, cg.arg(value));
  }

  /**
   * Like {@link #pointer} for an input read row by row with {@link CudaCodegen#rowStride}: the
   * address of its first row, which may lie inside a GEMM group's output.
   */
  String rows(String value) {
    String p = paramOf.get(value);
    return p != null ? p : declare(value, false, cg.rowsArg(value));
  }

  private String declare(String value, boolean output, CudaProgram.BufferArg arg) {
    DType t = g.typeOf(value).dtype();
    boolean weight = g.initializers().containsKey(value);
    String name = CudaTypes.ident(weight ? "const_" : output ? "out_" : "in_", params.size(),
        value);
    params.add((output ? "" : "const ") + CudaTypes.cType(output ? DType.FLOAT : t)
        + "* __restrict__ " + name);
    args.add(arg);
    paramOf.put(value, name);
    return name;
  }

  private String errorFlag() {
    String p = paramOf.get("\0error");
    if (p == null) {
      p = "ember_error";
      params.add("int* __restrict__ " + p);
      args.add(new CudaProgram.BufferArg(cg.errorBuffer(), 0));
      paramOf.put("\0error", p);
    }
    return p;
  }

  String signature(String name) {
    return "extern \"C\" __global__ void " + name + "(" + String.join(", ", params) + ")";
  }

  /** The index space of a loop: the static dims, and the coordinate variables once declared. */
  final class Domain {
    final int[] dims;
    final String[] coord;

    Domain(int[] dims) {
      this.dims = dims;
      this.coord = new String[dims.length];
    }

    /** A domain whose coordinates are the given expressions (no flat index to decode). */
    Domain(int[] dims, String... coord) {
      this.dims = dims;
      this.coord = coord.clone();
    }

    /** The element offset of {@code value} (broadcast to the domain) at the coordinates. */
    String offset(String value) {
      int[] vd = cg.dims(value);
      if (java.util.Arrays.equals(vd, dims)) {
        return "i";
      }
      int r = vd.length;
      int rank = dims.length;
      List<String> terms = new ArrayList<>();
      long stride = 1;
      for (int a = r - 1; a >= 0; a--) {
        int k = a + rank - r;
        if (vd[a] != 1) {
          terms.add(0, stride == 1 ? coord[k] : coord[k] + " * " + stride);
        }
        stride *= vd[a];
      }
      return terms.isEmpty() ? "0" : String.join(" + ", terms);
    }
  }

  /** Statements declaring c0..c{rank-1} from the flat index {@code flat}. */
  private static String coords(Domain d, String flat, String indent) {
    StringBuilder sb = new StringBuilder();
    int rank = d.dims.length;
    if (rank == 0) {
      return "";
    }
    sb.append(indent).append("int q = ").append(flat).append(";\n");
    for (int k = rank - 1; k >= 0; k--) {
      d.coord[k] = "c" + k;
      if (k == 0) {
        sb.append(indent).append("int c0 = q;\n");
      } else {
        sb.append(indent).append("int c").append(k).append(" = q % ").append(d.dims[k])
            .append("; q /= ").append(d.dims[k]).append(";\n");
      }
    }
    return sb.toString();
  }

  /** The statements that compute {@code nodes}' values as float locals; returns local names. */
  private Map<String, String> compute(List<Node> nodes, Domain d, StringBuilder body,
      String indent) {
    return compute(nodes, d, body, indent, Map.of());
  }

  /** Like the above, with values already held in locals ({@code seeds}: value to local). */
  Map<String, String> compute(List<Node> nodes, Domain d, StringBuilder body, String indent,
      Map<String, String> seeds) {
    return compute(nodes, d, body, indent, seeds, true);
  }

  /**
   * The GEMM epilogue of {@code mm}: its chain as a function of the product {@code x}. No node
   * names go into it, so equal chains of different layers give one epilogue.
   */
  GemmEpilogue epilogue(Kernel.MatMul mm) {
    if (mm.epilogue().isEmpty()) {
      return GemmEpilogue.NONE;
    }
    StringBuilder body = new StringBuilder();
    Map<String, String> locals = compute(mm.epilogue(), new Domain(cg.dims(mm.output())), body,
        "  ", Map.of(mm.product(), "x"), false);
    if (!params.isEmpty()) { // Fusions.gemmEpilogue folds one-variable chains only
      throw new IllegalStateException("GEMM epilogue of " + mm.label() + " reads " + params);
    }
    body.append("  return ").append(locals.get(mm.output())).append(";\n");
    return new GemmEpilogue(body.toString());
  }

  private Map<String, String> compute(List<Node> nodes, Domain d, StringBuilder body,
      String indent, Map<String, String> seeds, boolean nodeComments) {
    Map<String, String> locals = new LinkedHashMap<>(seeds);
    Map<String, String> loaded = new LinkedHashMap<>();
    for (Node n : nodes) {
      FusedElementwise op = ElementwiseOps.of(n);
      if (op == null) {
        throw new IllegalStateException("no fused lowering for " + n.opType());
      }
      List<String> in = new ArrayList<>();
      for (int i = 0; i < n.inputs().size(); i++) {
        in.add(operand(op, n, i, d, locals, loaded, body, indent));
      }
      String local = "v" + (locals.size() - seeds.size());
      body.append(indent).append("float ").append(local).append(" = ")
          .append(op.cudaExpression(new FusedOperands(g, n, in))).append(';')
          .append(nodeComments ? " // node " + n.name() : "").append('\n');
      locals.put(n.outputs().get(0), local);
    }
    return locals;
  }

  private String operand(FusedElementwise op, Node n, int i, Domain d,
      Map<String, String> locals, Map<String, String> loaded, StringBuilder body, String indent) {
    String v = n.input(i);
    Double e = op.inlinesConstant(i) ? FusedElementwise.scalarConstant(g, v) : null;
    if (e != null) {
      return CudaTypes.floatLiteral(e.floatValue());
    }
    String local = locals.get(v);
    if (local != null) {
      return local;
    }
    return load(v, d, loaded, body, indent);
  }

  /** A local holding {@code v}'s element at the domain's coordinates (its own type). */
  private String load(String v, Domain d, Map<String, String> loaded, StringBuilder body,
      String indent) {
    Tensor c = g.initializers().get(v);
    if (c != null && c.size() == 1 && c.dtype() == DType.FLOAT) {
      return CudaTypes.floatLiteral(c.rawFloats()[0]);
    }
    String have = loaded.get(v);
    if (have != null) {
      return have;
    }
    String p = pointer(v, false);
    String local = "x" + loaded.size();
    body.append(indent).append(CudaTypes.cType(g.typeOf(v).dtype())).append(' ').append(local)
        .append(" = ").append(p).append('[').append(d.offset(v)).append("];\n");
    loaded.put(v, local);
    return local;
  }

  private static int total(int[] dims) {
    int n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }

  private static GpuDriver.Dim3 flatGrid(int n) {
    return GpuDriver.Dim3.of(Math.max(1, (n + CudaCodegen.FLAT_BLOCK - 1)
        / CudaCodegen.FLAT_BLOCK));
  }

  /** One thread per output element of a fused group. */
  Emitted elementwise(String name, Kernel.Elementwise k) {
    String out = pointer(k.output(), true);
    int[] dims = cg.dims(k.output());
    int n = total(dims);
    Domain d = new Domain(dims);
    StringBuilder body = new StringBuilder();
    body.append("  int i = blockIdx.x * blockDim.x + threadIdx.x;\n");
    body.append("  if (i >= ").append(n).append(") return;\n");
    body.append(coords(d, "i", "  "));
    Map<String, String> locals = compute(k.nodes(), d, body, "  ");
    body.append("  ").append(out).append("[i] = ").append(locals.get(k.output())).append(";\n");
    String source = signature(name) + " {\n" + body + "}\n";
    return new Emitted(source, flatGrid(n), GpuDriver.Dim3.of(CudaCodegen.FLAT_BLOCK), args);
  }

  /** One warp per row of x up to {@link #WARP_ROW_MAX} elements, else one block per row. */
  Emitted row(String name, Kernel.Row k) {
    int[] xd = cg.dims(k.x());
    int len = xd.length == 0 ? 1 : xd[xd.length - 1];
    int rows = total(xd) / Math.max(1, len);
    return len <= WARP_ROW_MAX ? warpRow(name, k, len, rows) : blockRow(name, k, len, rows);
  }

  /**
   * Rows this long or shorter take a warp each, their elements held in registers (at most 32 a
   * lane): one read and one write of the row, and reductions by shuffles alone, where a block per
   * row re-reads its output and meets at four barriers.
   */
  static final int WARP_ROW_MAX = 1024;

  /** Warps per block of {@link #warpRow}. */
  static final int ROWS_PER_BLOCK = ROW_BLOCK / 32;

  /** The row's element {@code j} at flat index {@code i = ob + j}, after the prologue. */
  private String rowElement(Kernel.Row k, StringBuilder loop, String indent) {
    Domain d = new Domain(cg.dims(k.x()));
    loop.append(indent).append("int i = ob + j;\n");
    loop.append(coords(d, "i", indent));
    Map<String, String> locals = compute(k.prologue(), d, loop, indent);
    String x = locals.get(k.x());
    return x != null ? x : load(k.x(), d, new LinkedHashMap<>(), loop, indent);
  }

  /** Softmax, layer norm or a last-axis mean/sum of {@code rows} rows, one warp each. */
  private Emitted warpRow(String name, Kernel.Row k, int len, int rows) {
    String out = pointer(k.output(), true);
    int per = (len + 31) / 32;
    boolean softmax = k.op() == Kernel.RowOp.SOFTMAX;
    StringBuilder loop = new StringBuilder();
    String x = rowElement(k, loop, "      ");
    StringBuilder b = new StringBuilder();
    b.append("  const int lane = threadIdx.x & 31;\n");
    b.append("  const int r = blockIdx.x * ").append(ROWS_PER_BLOCK)
        .append(" + (threadIdx.x >> 5);\n");
    b.append("  if (r >= ").append(rows).append(") return;  // the whole warp: no barrier below\n");
    b.append("  const int ob = r * ").append(len).append(";\n");
    b.append("  float v[").append(per).append("];\n");
    String each = "  #pragma unroll\n  for (int t = 0; t < " + per + "; t++) {\n"
        + "    const int j = lane + 32 * t;\n";
    String inRow = "    if (j < " + len + ") ";
    // Lanes past the end hold what leaves the reduction unchanged.
    b.append(each).append("    v[t] = ").append(softmax ? "__int_as_float(0xff800000)" : "0.0f")
        .append(";\n").append(inRow).append("{\n").append(loop).append("      v[t] = (float) ")
        .append(x).append(";\n    }\n  }\n");
    switch (k.op()) {
      case REDUCE_MEAN, REDUCE_SUM -> {
        b.append("  float acc = 0.0f;\n");
        b.append("  #pragma unroll\n  for (int t = 0; t < ").append(per)
            .append("; t++) acc += v[t];\n");
        b.append("  acc = ember_warp_sum(acc);\n");
        b.append("  if (lane == 0) ").append(out).append("[r] = ")
            .append(k.op() == Kernel.RowOp.REDUCE_MEAN ? "acc / " + len + ".0f" : "acc")
            .append(";\n");
      }
      case SOFTMAX -> {
        b.append("  float mx = v[0];\n");
        b.append("  #pragma unroll\n  for (int t = 1; t < ").append(per)
            .append("; t++) mx = fmaxf(mx, v[t]);\n");
        b.append("  mx = ember_warp_max(mx);\n");
        b.append("  float sum = 0.0f;\n");
        b.append(each).append(inRow).append("{ v[t] = expf(v[t] - mx); sum += v[t]; }\n  }\n");
        b.append("  const float inv = 1.0f / ember_warp_sum(sum);\n");
        b.append(each).append(inRow).append(out).append("[ob + j] = v[t] * inv;\n  }\n");
      }
      case LAYER_NORM -> {
        b.append("  float s = 0.0f;\n");
        b.append("  #pragma unroll\n  for (int t = 0; t < ").append(per)
            .append("; t++) s += v[t];\n");
        b.append("  const float mu = ember_warp_sum(s) / ").append(len).append(".0f;\n");
        b.append("  float sq = 0.0f;\n");
        b.append(each).append(inRow).append("sq += (v[t] - mu) * (v[t] - mu);\n  }\n");
        b.append("  const float inv = rsqrtf(ember_warp_sum(sq) / ").append(len).append(".0f + ")
            .append(CudaTypes.floatLiteral((float) k.epsilon())).append(");\n");
        String scale = k.scale() == null ? null : pointer(k.scale(), false);
        String bias = k.bias() == null ? null : pointer(k.bias(), false);
        b.append(each).append(inRow).append(out).append("[ob + j] = (v[t] - mu) * inv")
            .append(scale == null ? "" : " * " + scale + "[j]")
            .append(bias == null ? "" : " + " + bias + "[j]").append(";\n  }\n");
      }
      default -> throw new IllegalStateException("no row kernel for " + k.op());
    }
    String source = signature(name) + " {\n" + b + "}\n";
    return new Emitted(source, GpuDriver.Dim3.of((rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK),
        GpuDriver.Dim3.of(ROW_BLOCK), args);
  }

  /** Softmax, layer norm or a last-axis mean/sum of {@code rows} rows, one block each. */
  private Emitted blockRow(String name, Kernel.Row k, int len, int rows) {
    String out = pointer(k.output(), true);
    boolean reduce = k.op() == Kernel.RowOp.REDUCE_MEAN || k.op() == Kernel.RowOp.REDUCE_SUM;
    StringBuilder body = new StringBuilder();
    body.append("  __shared__ float sh[32];\n");
    body.append("  int r = blockIdx.x;\n");
    body.append("  int ob = r * ").append(len).append(";\n");
    StringBuilder loop = new StringBuilder();
    String x = rowElement(k, loop, "    ");
    String each = "  for (int j = threadIdx.x; j < " + len + "; j += blockDim.x) {\n";
    if (reduce) {
      body.append("  float acc = 0.0f;\n");
      body.append(each).append(loop).append("    acc += (float) ").append(x).append(";\n  }\n");
      body.append("  acc = ember_block_sum(acc, sh);\n");
      body.append("  if (threadIdx.x == 0) ").append(out).append("[r] = ")
          .append(k.op() == Kernel.RowOp.REDUCE_MEAN ? "acc / " + len + ".0f" : "acc")
          .append(";\n");
    } else {
      body.append(each).append(loop).append("    ").append(out).append("[i] = (float) ")
          .append(x).append(";\n  }\n");
      if (k.op() == Kernel.RowOp.SOFTMAX) {
        softmax(body, out, len, each);
      } else {
        layerNorm(body, k, out, len, each);
      }
    }
    String source = signature(name) + " {\n" + body + "}\n";
    return new Emitted(source, GpuDriver.Dim3.of(rows), GpuDriver.Dim3.of(ROW_BLOCK), args);
  }

  private static void softmax(StringBuilder b, String o, int len, String each) {
    b.append("  float mx = __int_as_float(0xff800000);\n");
    b.append(each).append("    mx = fmaxf(mx, ").append(o).append("[ob + j]);\n  }\n");
    b.append("  mx = ember_block_max(mx, sh);\n");
    b.append("  float sum = 0.0f;\n");
    b.append(each).append("    float e = expf(").append(o).append("[ob + j] - mx);\n");
    b.append("    ").append(o).append("[ob + j] = e;\n    sum += e;\n  }\n");
    b.append("  sum = ember_block_sum(sum, sh);\n");
    b.append("  float inv = 1.0f / sum;\n");
    b.append(each).append("    ").append(o).append("[ob + j] *= inv;\n  }\n");
  }

  private void layerNorm(StringBuilder b, Kernel.Row k, String o, int len, String each) {
    b.append("  float s = 0.0f;\n");
    b.append(each).append("    s += ").append(o).append("[ob + j];\n  }\n");
    b.append("  float mu = ember_block_sum(s, sh) / ").append(len).append(".0f;\n");
    b.append("  float sq = 0.0f;\n");
    b.append(each).append("    float dv = ").append(o).append("[ob + j] - mu;\n")
        .append("    sq += dv * dv;\n  }\n");
    b.append("  float inv = rsqrtf(ember_block_sum(sq, sh) / ").append(len).append(".0f + ")
        .append(CudaTypes.floatLiteral((float) k.epsilon())).append(");\n");
    String scale = k.scale() == null ? null : pointer(k.scale(), false);
    String bias = k.bias() == null ? null : pointer(k.bias(), false);
    b.append(each).append("    ").append(o).append("[ob + j] = (").append(o)
        .append("[ob + j] - mu) * inv").append(scale == null ? "" : " * " + scale + "[j]")
        .append(bias == null ? "" : " + " + bias + "[j]").append(";\n  }\n");
  }

  /** Rows of float data picked by integer indices; a bad index sets the error flag. */
  Emitted gather(String name, Kernel.Gather k) {
    Node n = k.node();
    String out = pointer(n.outputs().get(0), true);
    String data = pointer(n.input(0), false);
    String idx = pointer(n.input(1), false);
    String err = errorFlag();
    int code = cg.nextErrorCode();
    int[] dd = cg.dims(n.input(0));
    int rowsOfData = dd[0];
    int inner = total(dd) / Math.max(1, rowsOfData);
    int total = total(cg.dims(n.outputs().get(0)));
    StringBuilder body = new StringBuilder();
    body.append("  int i = blockIdx.x * blockDim.x + threadIdx.x;\n");
    body.append("  if (i >= ").append(total).append(") return;\n");
    body.append("  int t = i / ").append(inner).append(", e = i % ").append(inner).append(";\n");
    body.append("  long long ix = (long long) ").append(idx).append("[t];\n");
    body.append("  if (ix < 0) ix += ").append(rowsOfData).append(";\n");
    body.append("  if (ix < 0 || ix >= ").append(rowsOfData).append(") { ").append(err)
        .append("[0] = ").append(code).append("; ").append(out).append("[i] = 0.0f; return; }\n");
    body.append("  ").append(out).append("[i] = ").append(data).append("[ix * ").append(inner)
        .append(" + e];\n");
    String source = signature(name) + " {\n" + body + "}\n";
    return new Emitted(source, flatGrid(total), GpuDriver.Dim3.of(CudaCodegen.FLAT_BLOCK), args);
  }

  /** out[c] = in[c permuted]: one thread per output element. */
  Emitted transpose(String name, Kernel.Transpose k) {
    Node n = k.node();
    String out = pointer(n.outputs().get(0), true);
    String in = pointer(n.input(0), false);
    int[] id = cg.dims(n.input(0));
    int[] od = cg.dims(n.outputs().get(0));
    long[] inStride = new long[id.length];
    long s = 1;
    for (int a = id.length - 1; a >= 0; a--) {
      inStride[a] = s;
      s *= id[a];
    }
    int total = total(od);
    Domain d = new Domain(od);
    StringBuilder body = new StringBuilder();
    body.append("  int i = blockIdx.x * blockDim.x + threadIdx.x;\n");
    body.append("  if (i >= ").append(total).append(") return;\n");
    body.append(coords(d, "i", "  "));
    List<String> terms = new ArrayList<>();
    for (int a = 0; a < od.length; a++) {
      long st = inStride[k.perm()[a]];
      if (od[a] != 1) {
        terms.add(st == 1 ? d.coord[a] : d.coord[a] + " * " + st);
      }
    }
    body.append("  ").append(out).append("[i] = ").append(in).append('[')
        .append(terms.isEmpty() ? "0" : String.join(" + ", terms)).append("];\n");
    String source = signature(name) + " {\n" + body + "}\n";
    return new Emitted(source, flatGrid(total), GpuDriver.Dim3.of(CudaCodegen.FLAT_BLOCK), args);
  }
}
