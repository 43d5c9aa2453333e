package dev.ember.executor.backend.ort;

import dev.ember.executor.onnx.wire.OnnxWire.GraphProto;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.onnx.wire.OnnxWire.NodeProto;
import dev.ember.executor.onnx.wire.OnnxWire.OperatorSetIdProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorProto;
import com.google.protobuf.InvalidProtocolBufferException;

/**
 * A readable listing of ORT's optimised model, the ORT variants' "transformed code": what ONNX
 * Runtime actually runs after its fusions, one node a line, with the weights' shapes (not their
 * values). The binary model itself is the variant's artifact.
 */
final class OptimizedModelText {
  private OptimizedModelText() {}

  static String of(byte[] optimized, String source) {
    ModelProto m;
    try {
      m = ModelProto.parseFrom(optimized);
    } catch (InvalidProtocolBufferException e) {
      return "// ONNX Runtime's optimised model of '" + source + "' (" + optimized.length
          + " bytes) could not be read back: " + e.getMessage() + "\n";
    }
    StringBuilder sb = new StringBuilder();
    sb.append("// ONNX Runtime's optimised model of '").append(source).append("' (")
        .append(optimized.length).append(" bytes, artifact ")
        .append(OrtBackend.OPTIMIZED_MODEL).append(")\n// opsets:");
    for (OperatorSetIdProto o : m.getOpsetImportList()) {
      sb.append(' ').append(o.getDomain().isEmpty() ? "ai.onnx" : o.getDomain()).append('=')
          .append(o.getVersion());
    }
    sb.append('\n');
    GraphProto g = m.getGraph();
    for (TensorProto t : g.getInitializerList()) {
      sb.append("weight ").append(t.getName()).append(' ').append(t.getDimsList()).append('\n');
    }
    for (NodeProto n : g.getNodeList()) {
      sb.append(n.getName()).append(" = ")
          .append(n.getDomain().isEmpty() ? "" : n.getDomain() + "::").append(n.getOpType())
          .append(n.getInputList()).append(" -> ").append(n.getOutputList()).append('\n');
    }
    return sb.toString();
  }
}
