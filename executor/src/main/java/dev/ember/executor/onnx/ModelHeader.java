package dev.ember.executor.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.ember.executor.errors.EmberException;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.Attributes;
import dev.ember.executor.ir.Node;
import dev.ember.executor.onnx.wire.OnnxWire.AttributeProto;
import dev.ember.executor.onnx.wire.OnnxWire.GraphProto;
import dev.ember.executor.onnx.wire.OnnxWire.NodeProto;
import dev.ember.executor.onnx.wire.OnnxWire.OperatorSetIdProto;
import dev.ember.executor.ops.OpRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The part of an ONNX model that decides whether Ember can run it at all: the opsets it imports
 * and its nodes (those of If/Loop bodies included), read from a stream without keeping the
 * weights. A driver reads it before any executor starts and fails with the error an executor
 * would raise ({@link #checkOps}): MODEL_INVALID for bytes that are no ONNX model, UNSUPPORTED_OP
 * for an op or opset Ember lacks.
 *
 * <pre>{@code
 * try (InputStream in = Files.newInputStream(path)) {
 *   ModelHeader.read(in, path.toString()).checkOps(OpRegistry.standard());
 * }
 * }</pre>
 *
 * @param source the model's name in errors
 * @param opsets imported opset per domain ("" for the default domain)
 * @param nodes every node, with its opset and no attributes
 */
public record ModelHeader(String source, Map<String, Integer> opsets, List<Node> nodes) {
  // Field numbers of onnx.proto (ModelProto, GraphProto) that the header needs.
  private static final int MODEL_GRAPH = 7;
  private static final int MODEL_OPSET_IMPORT = 8;
  private static final int GRAPH_NODE = 1;

  public ModelHeader {
    opsets = Map.copyOf(opsets);
    nodes = List.copyOf(nodes);
  }

  /**
   * Reads the header of the model in {@code in}, skipping initializers (the bulk of a model)
   * without holding them. Reads to the end of the stream, since opset imports follow the graph.
   *
   * @throws EmberException MODEL_INVALID for bytes that are not an ONNX model with a graph,
   *     worded as {@link OnnxLoader} words it
   */
  public static ModelHeader read(InputStream in, String source) {
    List<Raw> protos = new ArrayList<>();
    Map<String, Integer> opsets = new TreeMap<>();
    boolean hasGraph = false;
    boolean empty = true;
    try {
      CodedInputStream c = CodedInputStream.newInstance(in);
      c.setSizeLimit(Integer.MAX_VALUE);
      c.setRecursionLimit(1000);
      for (int tag = c.readTag(); tag != 0; tag = c.readTag()) {
        empty = false;
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == MODEL_GRAPH && isDelimited(tag)) {
          hasGraph = true;
          int limit = c.pushLimit(c.readRawVarint32());
          readGraphNodes(c, protos);
          c.popLimit(limit);
        } else if (field == MODEL_OPSET_IMPORT && isDelimited(tag)) {
          OperatorSetIdProto.Builder op = OperatorSetIdProto.newBuilder();
          c.readMessage(op, ExtensionRegistryLite.getEmptyRegistry());
          GraphImporter.putOpset(opsets, op.build(), source);
        } else if (!c.skipField(tag)) {
          break; // an end-group tag: not valid at the top level either
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw Errors.modelInvalid(source, "not a valid ONNX protobuf (" + e.getMessage() + ")", e);
    } catch (IOException | RuntimeException e) {
      if (e instanceof EmberException ember) {
        throw ember;
      }
      throw Errors.modelInvalid(source, "not a valid ONNX protobuf (" + e + ")", e);
    }
    if (empty) {
      throw Errors.modelInvalid(source, "the file is empty", null);
    }
    if (!hasGraph) {
      throw Errors.modelInvalid(source, "the file holds no graph (empty or truncated model)", null);
    }
    if (opsets.isEmpty()) {
      opsets.put("", 1); // IR version 1 models predate opset_import and mean opset 1
    }
    List<Node> nodes = new ArrayList<>();
    for (Raw r : protos) {
      nodes.add(GraphImporter.node(r.proto(), r.index(), opsets, source,
          name -> Attributes.of(Map.of())));
    }
    return new ModelHeader(source, opsets, nodes);
  }

  /**
   * Fails as the executor's import and lowering would for a node: UNSUPPORTED_OP for an op or
   * opset the registry lacks (the registry's own message and fix).
   */
  public void checkOps(OpRegistry registry) {
    for (Node n : nodes) {
      registry.lookup(n);
    }
  }

  /** A node as read, with its index in its own graph (unnamed nodes are named by it). */
  private record Raw(NodeProto proto, int index) {}

  private static boolean isDelimited(int tag) {
    return WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }

  /** Parses the graph's nodes (with their subgraphs); skips initializers and the rest. */
  private static void readGraphNodes(CodedInputStream c, List<Raw> out) throws IOException {
    int index = 0;
    for (int tag = c.readTag(); tag != 0; tag = c.readTag()) {
      if (WireFormat.getTagFieldNumber(tag) == GRAPH_NODE && isDelimited(tag)) {
        // Through the stream, so that its recursion limit covers nested subgraphs.
        NodeProto.Builder b = NodeProto.newBuilder();
        c.readMessage(b, ExtensionRegistryLite.getEmptyRegistry());
        NodeProto n = b.build();
        out.add(new Raw(n, index++));
        addSubgraphNodes(n, out);
      } else if (!c.skipField(tag)) {
        throw new InvalidProtocolBufferException("unexpected end-group tag in the graph");
      }
    }
  }

  /** Nodes of If/Loop/Scan bodies run too, so their ops count. */
  private static void addSubgraphNodes(NodeProto n, List<Raw> out) {
    for (AttributeProto a : n.getAttributeList()) {
      List<GraphProto> graphs = new ArrayList<>(a.getGraphsList());
      if (a.hasG()) {
        graphs.add(a.getG());
      }
      for (GraphProto g : graphs) {
        for (int i = 0; i < g.getNodeCount(); i++) {
          out.add(new Raw(g.getNode(i), i));
          addSubgraphNodes(g.getNode(i), out);
        }
      }
    }
  }
}
