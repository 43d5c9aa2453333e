package dev.ember.executor.ops.shape;

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
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

/**
 * ONNX {@code Transpose}: output axis i is input axis perm[i]; without {@code perm} the axes are
 * reversed. Attention heads ([B,S,12,32] to [B,12,S,32]) keep the last axis in place, so the copy
 * runs 32 contiguous elements at a time.
 */
final class TransposeOp implements OpDef {
  static final OpSpec SPEC =
      OpSpec.of("Transpose")
          .since(1, 13, 21, 23, 24, 25)
          .types(EnumSet.allOf(DType.class))
          .summary("permutes axes (default: reverses them)")
          .build();

  @Override
  public OpSpec spec() {
    return SPEC;
  }

  @Override
  public List<TensorType> inferTypes(TypeContext ctx) {
    TensorType in = ctx.type(0);
    if (in == null) {
      return Infer.one(null);
    }
    long[] perm = ctx.attrs().getInts("perm");
    List<Dim> dims = Dims.of(in);
    if (dims == null) {
      Shape s = perm == null ? Shape.unknownRank() : Shape.of(Dims.fresh(ctx, perm.length));
      return Infer.one(new TensorType(in.dtype(), s));
    }
    int[] p = perm(perm, dims.size());
    List<Dim> out = new ArrayList<>(p.length);
    for (int axis : p) {
      out.add(dims.get(axis));
    }
    return Infer.one(Dims.type(in.dtype(), out));
  }

  @Override
  public List<Tensor> evaluate(KernelContext ctx) {
    Tensor x = ctx.required(0);
    int[] shape = x.shape();
    int[] p = perm(ctx.attrs().getInts("perm"), shape.length);
    int[] inStrides = Elements.strides(shape);
    int[] outShape = new int[p.length];
    int[] strides = new int[p.length];
    for (int i = 0; i < p.length; i++) {
      outShape[i] = shape[p[i]];
      strides[i] = inStrides[p[i]];
    }
    Object dst = Elements.alloc(x.dtype(), x.size());
    Elements.copyView(x.rawData(), 0, outShape, strides, dst, 0);
    return List.of(Elements.wrap(x.dtype(), outShape, dst));
  }

  /** The permutation for a rank, checked to hold each axis exactly once. */
  static int[] perm(long[] perm, int rank) {
    int[] p = new int[rank];
    if (perm == null) {
      for (int i = 0; i < rank; i++) {
        p[i] = rank - 1 - i;
      }
      return p;
    }
    if (perm.length != rank) {
      throw OpException.attribute(
          "perm "
              + Arrays.toString(perm)
              + " has "
              + perm.length
              + " entries for a tensor of rank "
              + rank);
    }
    boolean[] seen = new boolean[rank];
    for (int i = 0; i < rank; i++) {
      long a = perm[i];
      if (a < 0 || a >= rank || seen[(int) a]) {
        throw OpException.attribute(
            "perm " + Arrays.toString(perm) + " is not a permutation of 0.." + (rank - 1));
      }
      seen[(int) a] = true;
      p[i] = (int) a;
    }
    return p;
  }

  /** A permuting copy. */
  @Override
  public CompiledForm compiledForm() {
    return CompiledForm.OWN_KERNEL;
  }
}
