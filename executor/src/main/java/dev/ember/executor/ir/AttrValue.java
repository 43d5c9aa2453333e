package dev.ember.executor.ir;

import java.util.List;

/** The value of one node attribute, one record per ONNX attribute kind. */
public sealed interface AttrValue {
  /** The ONNX kind name ("INT", "FLOATS", ...), used in error messages. */
  String kind();

  record FloatAttr(float value) implements AttrValue {
    public String kind() {
      return "FLOAT";
    }
  }

  record IntAttr(long value) implements AttrValue {
    public String kind() {
      return "INT";
    }
  }

  record StringAttr(String value) implements AttrValue {
    public String kind() {
      return "STRING";
    }
  }

  record TensorAttr(Tensor value) implements AttrValue {
    public String kind() {
      return "TENSOR";
    }
  }

  record GraphAttr(Graph value) implements AttrValue {
    public String kind() {
      return "GRAPH";
    }
  }

  record TypeAttr(TensorType value) implements AttrValue {
    public String kind() {
      return "TYPE_PROTO";
    }
  }

  record FloatsAttr(List<Float> values) implements AttrValue {
    public FloatsAttr {
      values = List.copyOf(values);
    }

    public String kind() {
      return "FLOATS";
    }
  }

  record IntsAttr(List<Long> values) implements AttrValue {
    public IntsAttr {
      values = List.copyOf(values);
    }

    public String kind() {
      return "INTS";
    }

    public long[] toArray() {
      return values.stream().mapToLong(Long::longValue).toArray();
    }
  }

  record StringsAttr(List<String> values) implements AttrValue {
    public StringsAttr {
      values = List.copyOf(values);
    }

    public String kind() {
      return "STRINGS";
    }
  }

  record TensorsAttr(List<Tensor> values) implements AttrValue {
    public TensorsAttr {
      values = List.copyOf(values);
    }

    public String kind() {
      return "TENSORS";
    }
  }

  record GraphsAttr(List<Graph> values) implements AttrValue {
    public GraphsAttr {
      values = List.copyOf(values);
    }

    public String kind() {
      return "GRAPHS";
    }
  }

  /** A kind Ember reads but does not use (sparse tensors, lists of types). */
  record OpaqueAttr(String kindName) implements AttrValue {
    public String kind() {
      return kindName;
    }
  }
}
