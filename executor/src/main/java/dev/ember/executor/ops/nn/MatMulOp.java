package dev.ember.executor.ops.nn;

import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ops.CompiledForm;
import dev.ember.executor.ops.Infer;
import dev.ember.executor.ops.KernelContext;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpException;
import dev.ember.executor.ops.OpSpec;
import dev.ember.executor.ops.TypeContext;
import java.util.ArrayList;
import java.util.List;

/**
 * ONNX {@code MatMul}: numpy matmul. 1-D operands are promoted to a row (A) or column (B) and the
 * added axis is removed; leading dims are batch dims that broadcast. Opset 9 added the 32/64-bit
 * integers and 13 bfloat16; the kernel takes all of them at every opset.
 */
final class MatMulOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("MatMul")
          .since(1, 9, 13)
          .types(NnTypes.NUMERIC)
          .summary("numpy matmul: batched, broadcast, 1-D operands promoted")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType ta = ctx.type(0);
    TensorType tb = ctx.type(1);
    DType dtype = NnTypes.common("MatMul", ta, tb);
    if (dtype == null) {
      return Infer.one(null);
    }
    NnTypes.require(SPEC, dtype, "inputs");
    if (ta == null || tb == null || !ta.shape().rankKnown() || !tb.shape().rankKnown()) {
      return Infer.one(new TensorType(dtype, Shape.unknownRank()));
    }
    return Infer.one(new TensorType(dtype, outShape(ctx, ta.shape(), tb.shape())));
  }

  /** The result shape over symbolic dims; throws when K or the batch dims certainly mismatch. */
  static Shape outShape(TypeContext ctx, Shape a, Shape b) {
    if (a.rank() == 0 || b.rank() == 0) {
      throw OpException.shapes("MatMul needs inputs of rank >= 1, got A " + a + " and B " + b);
    }
    List<Dim> a2 = new ArrayList<>(a.dims());
    List<Dim> b2 = new ArrayList<>(b.dims());
    if (a2.size() == 1) {
      a2.add(0, Dim.fixed(1));
    }
    if (b2.size() == 1) {
      b2.add(Dim.fixed(1));
    }
    Dim ka = a2.get(a2.size() - 1);
    Dim kb = b2.get(b2.size() - 2);
    if (NnShapes.differ(ka, kb)) {
      throw BatchedMatMul.innerMismatch(a.toString(), b.toString(), ka, kb);
    }
    String what =
        "MatMul batch dimensions of A " + a + " and B " + b + " cannot be broadcast together";
    List<Dim> out =
        NnShapes.broadcast(
            ctx, a2.subList(0, a2.size() - 2), b2.subList(0, b2.size() - 2), what, 0, 0);
    if (a.rank() > 1) {
      out.add(a2.get(a2.size() - 2));
    }
    if (b.rank() > 1) {
      out.add(b2.get(b2.size() - 1));
    }
    return Shape.of(out);
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor a = ctx.required(0);
    Tensor b = ctx.required(1);
    NnTypes.requireSame("MatMul", a, "A", b, "B");
    NnTypes.require(SPEC, a, "A");
    return List.of(BatchedMatMul.multiply(a, b));
  }

  /** A GEMM (batched when A has more than two dims) on the CPU and CUDA backends. */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.OWN_KERNEL;
  }
}
