package dev.ember.executor.ops.ml;

import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpRegistry;
import java.util.List;

/** Classic machine-learning ops of the ai.onnx.ml domain: trees, linear models, scaling. */
public final class MlOps {
  /** The ONNX domain of these ops; their names never collide with default-domain ones. */
  public static final String DOMAIN = OpRegistry.ML_DOMAIN;

  private MlOps() {}

  public static List<OpDef> all() {
    return List.of(
        new TreeEnsembleOp(),
        new TreeEnsembleRegressorOp(),
        new TreeEnsembleClassifierOp(),
        new LinearRegressorOp(),
        new LinearClassifierOp(),
        new NormalizerOp(),
        new ScalerOp(),
        new ArrayFeatureExtractorOp(),
        new LabelEncoderOp());
  }
}
