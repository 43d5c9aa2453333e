package dev.ember.executor.onnx;

import com.google.protobuf.ByteString;
import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.AttrValue;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.Dim;
import dev.ember.executor.ir.Graph;
import dev.ember.executor.ir.Node;
import dev.ember.executor.ir.NonTensorOps;
import dev.ember.executor.ir.Shape;
import dev.ember.executor.ir.Tensor;
import dev.ember.executor.ir.TensorType;
import dev.ember.executor.ir.ValueInfo;
import dev.ember.executor.onnx.wire.OnnxWire.AttributeProto;
import dev.ember.executor.onnx.wire.OnnxWire.GraphProto;
import dev.ember.executor.onnx.wire.OnnxWire.ModelProto;
import dev.ember.executor.onnx.wire.OnnxWire.NodeProto;
import dev.ember.executor.onnx.wire.OnnxWire.OperatorSetIdProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorProto;
import dev.ember.executor.onnx.wire.OnnxWire.TensorShapeProto;
import dev.ember.executor.onnx.wire.OnnxWire.TypeProto;
import dev.ember.executor.onnx.wire.OnnxWire.ValueInfoProto;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Turns one parsed {@code ModelProto} into IR: opsets, graph, attributes of every kind. Tensors
 * kept in external files are read through {@link ExternalData} (when the model came from a folder)
 * and added to the model's digest, so that the compile cache tells apart two models that differ
 * only in their external weights.
 */
final class GraphImporter {
  private final String source;
  private final ModelProto model;
  private final ExternalData external;
  private final MessageDigest digest; // null when the model's digest is known
  private final String knownSha256;
  private final Map<String, Integer> opsets = new TreeMap<>();

  /**
   * @param external where external tensor data lives, or null when the model has no folder (such
   *     tensors are then refused)
   * @param digest the digest of the model bytes, updated with every external byte read
   */
  GraphImporter(String source, ModelProto model, ExternalData external, MessageDigest digest) {
    this(source, model, external, digest, null);
  }

  /** An importer that hashes nothing: the model's digest is {@code sha256}, known already. */
  GraphImporter(String source, ModelProto model, ExternalData external, String sha256) {
    this(source, model, external, null, sha256);
  }

  private GraphImporter(String source, ModelProto model, ExternalData external,
      MessageDigest digest, String knownSha256) {
    this.source = source;
    this.model = model;
    this.external = external;
    this.digest = digest;
    this.knownSha256 = knownSha256;
  }

  OnnxModel importModel() {
    for (OperatorSetIdProto op : model.getOpsetImportList()) {
      putOpset(opsets, op, source);
    }
    if (opsets.isEmpty()) {
      // IR version 1 models predate opset_import and mean opset 1.
      opsets.put("", 1);
    }
    Graph graph = importGraph(model.getGraph(), "main graph");
    String sha256 = digest == null ? knownSha256 : HexFormat.of().formatHex(digest.digest());
    return new OnnxModel(
        source, sha256, model.getIrVersion(), model.getProducerName(), opsets, graph);
  }

  /**
   * The tensor with its external data read into raw_data; other tensors unchanged. Without a
   * folder to read from, the tensor stays external and {@link TensorProtos} refuses it.
   */
  private TensorProto inline(TensorProto t, String where) {
    boolean isExternal = t.getDataLocation() == TensorProto.DataLocation.EXTERNAL
        || t.getExternalDataCount() > 0;
    if (!isExternal || external == null) {
      return t;
    }
    Map<String, String> entries = new TreeMap<>();
    t.getExternalDataList().forEach(e -> entries.put(e.getKey(), e.getValue()));
    String location = entries.getOrDefault("location", "");
    long offset = number(entries, "offset", 0, where);
    long length = number(entries, "length", -1, where);
    ByteString bytes = external.read(location, offset, length, expectedBytes(t, where), where);
    if (digest != null) {
      digest.update((location + "\0" + offset + "\0" + bytes.size() + "\0")
          .getBytes(StandardCharsets.UTF_8));
      digest.update(bytes.asReadOnlyByteBuffer());
    }
    return t.toBuilder().clearExternalData().clearDataLocation().setRawData(bytes).build();
  }

  /** The raw byte size the tensor's type and shape need; -1 for strings (never raw). */
  private static long expectedBytes(TensorProto t, String where) {
    DType dtype = DType.fromOnnx(t.getDataType(), where);
    if (dtype == DType.STRING) {
      return -1;
    }
    long n = dtype.byteSize();
    try {
      for (long d : t.getDimsList()) {
        n = Math.multiplyExact(n, d < 0 ? 0 : d);
      }
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE; // no file holds that much; the range check refuses it
    }
    return n;
  }

  private long number(Map<String, String> entries, String key, long absent, String where) {
    String v = entries.get(key);
    if (v == null) {
      return absent;
    }
    try {
      long n = Long.parseLong(v.trim());
      if (n < 0) {
        throw new NumberFormatException("negative");
      }
      return n;
    } catch (NumberFormatException e) {
      throw Errors.modelInvalid(
          source, where + " has external data " + key + " '" + v + "', not a byte count", e);
    }
  }

  private Graph importGraph(GraphProto g, String where) {
    String name = g.getName().isEmpty() ? where : g.getName();
    if (g.getSparseInitializerCount() > 0) {
      throw Errors.modelUnsupported(
          source, "graph '" + name + "' has sparse initializers, which Ember does not support yet",
          "store the initializers densely");
    }
    Map<String, Tensor> inits = new LinkedHashMap<>();
    for (TensorProto t : g.getInitializerList()) {
      String what = "initializer '" + t.getName() + "'";
      inits.put(t.getName(), TensorProtos.decode(inline(t, what), what));
    }
    List<ValueInfo> inputs = new ArrayList<>();
    for (ValueInfoProto v : g.getInputList()) {
      // Older exporters list initializers among the inputs; they are constants to Ember.
      if (!inits.containsKey(v.getName())) {
        inputs.add(new ValueInfo(v.getName(), tensorType(v, "graph input")));
      }
    }
    List<ValueInfo> outputs = new ArrayList<>();
    for (ValueInfoProto v : g.getOutputList()) {
      if (v.hasType() && !v.getType().hasTensorType()) {
        refuseNonTensorProducer(g, v);
      }
      outputs.add(new ValueInfo(v.getName(), tensorType(v, "graph output")));
    }
    Map<String, TensorType> valueTypes = new LinkedHashMap<>();
    for (ValueInfoProto v : g.getValueInfoList()) {
      if (v.hasType() && v.getType().hasTensorType()
          && v.getType().getTensorType().getElemType() != 0) {
        valueTypes.put(v.getName(), tensorType(v, "value_info"));
      }
    }
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < g.getNodeCount(); i++) {
      nodes.add(importNode(g.getNode(i), i));
    }
    return new Graph(name, nodes, inputs, outputs, inits, valueTypes, opsets);
  }

  /**
   * A graph output that is a sequence or map is refused at the node that makes it, as
   * UNSUPPORTED_OP, with the op's own advice when {@link NonTensorOps} knows it (ZipMap).
   */
  private void refuseNonTensorProducer(GraphProto g, ValueInfoProto v) {
    for (int i = 0; i < g.getNodeCount(); i++) {
      NodeProto n = g.getNode(i);
      if (!n.getOutputList().contains(v.getName())) {
        continue;
      }
      String domain = n.getDomain().equals("ai.onnx") ? "" : n.getDomain();
      String op = domain.isEmpty() ? n.getOpType() : domain + "::" + n.getOpType();
      String name = n.getName().isEmpty() ? n.getOpType() + "_" + i : n.getName();
      String node = "'" + name + "' (" + op + ", opset " + opsets.getOrDefault(domain, 0) + ")";
      String kind = v.getType().getValueCase().name().toLowerCase();
      NonTensorOps.Refusal r = NonTensorOps.of(domain, n.getOpType()).orElse(
          new NonTensorOps.Refusal(domain, n.getOpType(), n.getOpType() + " makes graph output '"
              + v.getName() + "' a " + kind + ", and Ember holds tensors only",
              "export the model so that its outputs are tensors"));
      throw Errors.atNode(ErrorCode.UNSUPPORTED_OP, node, r.why(), r.fix(), null);
    }
  }

  private Node importNode(NodeProto n, int index) {
    return node(n, index, opsets, source, name -> attributes(n, name));
  }

  private Attributes attributes(NodeProto n, String name) {
    Map<String, AttrValue> attrs = new TreeMap<>();
    for (AttributeProto a : n.getAttributeList()) {
      String where = "attribute '" + a.getName() + "' of node '" + name + "'";
      if (!a.getRefAttrName().isEmpty()) {
        throw Errors.modelUnsupported(
            source, where + " refers to a function attribute", "inline model functions first");
      }
      attrs.put(a.getName(), attribute(a, where));
    }
    return Attributes.of(attrs);
  }

  /**
   * Checks one opset import and records it. Shared with {@link ModelHeader}, so the driver's
   * header check and the executor's import refuse a model with the same words.
   */
  static void putOpset(Map<String, Integer> opsets, OperatorSetIdProto op, String source) {
    String domain = op.getDomain().equals("ai.onnx") ? "" : op.getDomain();
    if (op.getVersion() <= 0 || op.getVersion() > 10_000) {
      throw Errors.modelInvalid(
          source, "opset import for domain '" + domain + "' has version " + op.getVersion(), null);
    }
    opsets.put(domain, (int) op.getVersion());
  }

  /**
   * A node's name (a made-up one when unnamed), domain and opset, checked against the model's
   * imports, with the attributes {@code attributes} reads for that name. Shared with {@link
   * ModelHeader}, like {@link #putOpset}.
   */
  static Node node(NodeProto n, int index, Map<String, Integer> opsets, String source,
      Function<String, Attributes> attributes) {
    String domain = n.getDomain().equals("ai.onnx") ? "" : n.getDomain();
    String name = n.getName().isEmpty() ? n.getOpType() + "_" + index : n.getName();
    Integer opset = opsets.get(domain);
    if (opset == null) {
      throw Errors.modelInvalid(
          source,
          "node '" + name + "' (" + n.getOpType() + ") uses domain '" + domain
              + "', which the model does not import (imports: " + opsets.keySet() + ")",
          null);
    }
    if (n.getOpType().isEmpty()) {
      throw Errors.modelInvalid(source, "node #" + index + " has no op_type", null);
    }
    return new Node(name, n.getOpType(), domain, opset, n.getInputList(), n.getOutputList(),
        attributes.apply(name));
  }

  private AttrValue attribute(AttributeProto a, String where) {
    AttributeProto.AttributeType type = a.hasType() ? a.getType() : guessType(a);
    switch (type) {
      case FLOAT:
        return new AttrValue.FloatAttr(a.getF());
      case INT:
        return new AttrValue.IntAttr(a.getI());
      case STRING:
        return new AttrValue.StringAttr(a.getS().toStringUtf8());
      case TENSOR:
        return new AttrValue.TensorAttr(TensorProtos.decode(inline(a.getT(), where), where));
      case GRAPH:
        return new AttrValue.GraphAttr(importGraph(a.getG(), where));
      case FLOATS:
        return new AttrValue.FloatsAttr(a.getFloatsList());
      case INTS:
        return new AttrValue.IntsAttr(a.getIntsList());
      case STRINGS:
        List<String> s = new ArrayList<>();
        a.getStringsList().forEach(b -> s.add(b.toStringUtf8()));
        return new AttrValue.StringsAttr(s);
      case TENSORS:
        List<Tensor> ts = new ArrayList<>();
        a.getTensorsList().forEach(t -> ts.add(TensorProtos.decode(t, where)));
        return new AttrValue.TensorsAttr(ts);
      case GRAPHS:
        List<Graph> gs = new ArrayList<>();
        a.getGraphsList().forEach(g -> gs.add(importGraph(g, where)));
        return new AttrValue.GraphsAttr(gs);
      case TYPE_PROTO:
        return new AttrValue.TypeAttr(typeOf(a.getTp(), where));
      case SPARSE_TENSOR:
      case SPARSE_TENSORS:
      case TYPE_PROTOS:
        return new AttrValue.OpaqueAttr(type.name());
      default:
        throw Errors.modelInvalid(source, where + " has no type", null);
    }
  }

  /** IR versions before 0.0.2 had no attribute type field: infer it from the field set. */
  private static AttributeProto.AttributeType guessType(AttributeProto a) {
    if (a.hasF()) {
      return AttributeProto.AttributeType.FLOAT;
    } else if (a.hasI()) {
      return AttributeProto.AttributeType.INT;
    } else if (a.hasS()) {
      return AttributeProto.AttributeType.STRING;
    } else if (a.hasT()) {
      return AttributeProto.AttributeType.TENSOR;
    } else if (a.hasG()) {
      return AttributeProto.AttributeType.GRAPH;
    } else if (a.getFloatsCount() > 0) {
      return AttributeProto.AttributeType.FLOATS;
    } else if (a.getIntsCount() > 0) {
      return AttributeProto.AttributeType.INTS;
    } else if (a.getStringsCount() > 0) {
      return AttributeProto.AttributeType.STRINGS;
    }
    return AttributeProto.AttributeType.UNDEFINED;
  }

  private TensorType tensorType(ValueInfoProto v, String what) {
    String where = what + " '" + v.getName() + "'";
    if (v.getName().isEmpty()) {
      throw Errors.modelInvalid(source, "a " + what + " has no name", null);
    }
    if (!v.hasType()) {
      throw Errors.modelInvalid(source, where + " has no type", null);
    }
    return typeOf(v.getType(), where);
  }

  private TensorType typeOf(TypeProto t, String where) {
    if (!t.hasTensorType()) {
      throw Errors.modelUnsupported(
          source,
          where + " is a " + t.getValueCase().name().toLowerCase()
              + "; Ember supports tensor values only",
          "export the model with plain tensor inputs and outputs");
    }
    TypeProto.Tensor tt = t.getTensorType();
    if (tt.getElemType() == 0) {
      throw Errors.of(
          ErrorCode.MODEL_INVALID, where + " has no element type in model '" + source + "'",
          "re-export the model with typed inputs and outputs");
    }
    DType dtype = DType.fromOnnx(tt.getElemType(), where);
    if (!tt.hasShape()) {
      return new TensorType(dtype, Shape.unknownRank());
    }
    List<Dim> dims = new ArrayList<>();
    List<TensorShapeProto.Dimension> protoDims = tt.getShape().getDimList();
    for (int i = 0; i < protoDims.size(); i++) {
      TensorShapeProto.Dimension d = protoDims.get(i);
      if (d.hasDimValue() && d.getDimValue() >= 0) {
        dims.add(Dim.fixed(d.getDimValue()));
      } else if (d.hasDimParam() && !d.getDimParam().isEmpty()) {
        dims.add(Dim.symbolic(d.getDimParam()));
      } else {
        // No value and no name: a size nobody declared; unique so it equals no other dim.
        dims.add(Dim.symbolic("?" + where + "." + i));
      }
    }
    return new TensorType(dtype, Shape.of(dims));
  }
}
