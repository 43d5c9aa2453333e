package dev.ember.executor.ops;

import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import java.util.List;

/**
 * One ONNX operator: its spec, its type inference and its reference kernel (the level-0
 * interpreter, which every later backend is checked against). Implementations are stateless and
 * safe to call from many threads.
 */
public interface OpDef {
  /** What the op is, which opsets and element types it covers. */
  OpSpec spec();

  /**
   * The type of each output from the input types (and input values when constant). An entry may
   * be null when the type cannot be known before running. Throws {@link OpException} when the
   * inputs cannot be valid for this op.
   */
  List<TensorType> inferTypes(TypeContext ctx);

  /** Computes the outputs; throws {@link OpException} on inputs the op cannot take. */
  List<Tensor> evaluate(KernelContext ctx);

  /**
   * What the compiled backends generate for the op: a fused loop for a {@link FusedElementwise},
   * else the reference kernel unless the op says it has a kernel of its own or is a view.
   */
  default CompiledForm compiledForm() {
    return this instanceof FusedElementwise ? CompiledForm.FUSED_LOOP : CompiledForm.REFERENCE;
  }
}
