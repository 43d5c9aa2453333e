package dev.ember.executor.cache;

import dev.ember.executor.backend.VariantArtifacts;
import java.util.Objects;

/**
 * What one compile leaves in the cache: the backend's {@link VariantArtifacts} (loaded back to skip
 * compilation) and two readable dumps a user can open to see what runs, as vLLM writes {@code
 * transformed_code.py}: the generated source ({@code transformed_code.java}) and the optimised
 * graph ({@code graph.txt}). An empty dump is not written and reads back empty.
 *
 * <pre>{@code
 * CacheEntry e = new CacheEntry(variant.artifacts(), variant.source(), GraphPrinter.print(g));
 * }</pre>
 */
public record CacheEntry(VariantArtifacts artifacts, String transformedCode, String graphDump) {
  public CacheEntry {
    Objects.requireNonNull(artifacts, "artifacts");
    transformedCode = transformedCode == null ? "" : transformedCode;
    graphDump = graphDump == null ? "" : graphDump;
  }

  /** An entry with artifacts only, no readable dumps. */
  public static CacheEntry of(VariantArtifacts artifacts) {
    return new CacheEntry(artifacts, "", "");
  }
}
