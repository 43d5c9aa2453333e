package dev.ember.tribuo;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What model.properties says about an exported ONNX graph, read from the proto Tribuo built rather
 * than assumed: the input and output names, element types and shapes, the opset and the ops.
 */
record OnnxSummary(
    List<Port> inputs, List<Port> outputs, long opset, List<String> opsInOrder, Set<String> ops) {

  /**
   * A graph input or output.
   *
   * @param name the ONNX value name
   * @param type the element type, e.g. {@code FLOAT}
   * @param dims each dim's value, or its symbolic name where the dim has no value
   */
  record Port(String name, String type, List<String> dims) {
    String shape() {
      return "[" + String.join(",", dims) + "]";
    }
  }

  static OnnxSummary of(OnnxMl.ModelProto model) {
    OnnxMl.GraphProto g = model.getGraph();
    Set<String> initializers = new LinkedHashSet<>();
    for (OnnxMl.TensorProto t : g.getInitializerList()) {
      initializers.add(t.getName());
    }
    List<Port> ins = new ArrayList<>();
    for (OnnxMl.ValueInfoProto v : g.getInputList()) {
      if (!initializers.contains(v.getName())) {
        ins.add(port(v));
      }
    }
    List<Port> outs = new ArrayList<>();
    for (OnnxMl.ValueInfoProto v : g.getOutputList()) {
      outs.add(port(v));
    }
    long opset = -1;
    for (OnnxMl.OperatorSetIdProto o : model.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        opset = o.getVersion();
      }
    }
    List<String> order = new ArrayList<>();
    for (OnnxMl.NodeProto n : g.getNodeList()) {
      order.add(n.getDomain().isEmpty() ? n.getOpType() : n.getDomain() + ":" + n.getOpType());
    }
    return new OnnxSummary(ins, outs, opset, order, new LinkedHashSet<>(order));
  }

  private static Port port(OnnxMl.ValueInfoProto v) {
    OnnxMl.TypeProto.Tensor t = v.getType().getTensorType();
    List<String> dims = new ArrayList<>();
    for (OnnxMl.TensorShapeProto.Dimension d : t.getShape().getDimList()) {
      dims.add(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.getDimParam());
    }
    String type = OnnxMl.TensorProto.DataType.forNumber(t.getElemType()).name();
    return new Port(v.getName(), type, dims);
  }
}
