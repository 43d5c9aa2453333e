package dev.ember.executor.ops;

import dev.ember.executor.ir.DType;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What an op implementation covers: ONNX op type and domain, the opset versions at which its
 * semantics changed (the registry serves a model opset from the highest version at or below it),
 * the element types its kernel takes, and a one-line summary for the docs.
 */
public record OpSpec(
    String opType, String domain, List<Integer> sinceVersions, Set<DType> types, String summary) {
  public OpSpec {
    Objects.requireNonNull(opType, "opType");
    Objects.requireNonNull(domain, "domain");
    sinceVersions = List.copyOf(sinceVersions);
    types = Set.copyOf(types);
    if (sinceVersions.isEmpty()) {
      throw new IllegalArgumentException(opType + " needs at least one opset version");
    }
  }

  /** Starts a spec for an op of the default ONNX domain. */
  public static Builder of(String opType) {
    return new Builder(opType);
  }

  /** The lowest opset this implementation serves. */
  public int minOpset() {
    return sinceVersions.get(0);
  }

  /** Fluent construction, so each op's spec reads as one statement. */
  public static final class Builder {
    private final String opType;
    private String domain = "";
    private List<Integer> since = List.of(1);
    private Set<DType> types = EnumSet.noneOf(DType.class);
    private String summary = "";

    private Builder(String opType) {
      this.opType = opType;
    }

    public Builder domain(String d) {
      this.domain = d;
      return this;
    }

    /** The opset versions at which the op's ONNX definition changed, ascending. */
    public Builder since(Integer... versions) {
      this.since = Arrays.asList(versions);
      return this;
    }

    public Builder types(DType... t) {
      this.types = EnumSet.copyOf(Arrays.asList(t));
      return this;
    }

    public Builder types(Set<DType> t) {
      this.types = EnumSet.copyOf(t);
      return this;
    }

    public Builder summary(String s) {
      this.summary = s;
      return this;
    }

    public OpSpec build() {
      return new OpSpec(opType, domain, since, types, summary);
    }
  }
}
