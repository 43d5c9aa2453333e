package dev.ember.executor.cache;

import dev.ember.executor.backend.VariantKey;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Everything that changes what a compile produces, hence the key of one compile-cache entry: the
 * model bytes, the variant (shapes and backend options), the compile settings, the backend, the
 * device it runs on and the engine version. Two executors that agree on all six share an entry; any
 * difference gives another entry, so a factor left out here is a wrong artifact reused later (vLLM
 * issues #24601, 1CatAI/1Cat-vLLM#621), and a factor that differs between equal machines (a pid, a
 * path, a timestamp) is a cache that never hits (ai-dynamo/dynamo#10695).
 *
 * <pre>{@code
 * CacheKeyFactors f = CacheKeyFactors.of(model.sha256(), variant.key(),
 *     "level=3;codegen=CODEGEN_ONLY", "cpu:amd64:avx2,avx512f,fma");
 * }</pre>
 *
 * @param modelSha256 sha256 hex of the model bytes, as {@code OnnxModel.sha256()}
 * @param variant canonical text of what the variant was compiled for ({@link VariantKey#canonical})
 * @param compileConfig canonical text of the settings that change generated code (level, codegen
 *     mode, tuning switches); sorted keys, no paths or timestamps
 * @param backend backend name, e.g. {@code cpu-janino}
 * @param device where the code runs, e.g. {@code cpu:amd64:avx2,fma} or {@code cuda:sm_90}
 * @param engineVersion {@link #ENGINE_VERSION} unless a backend appends its own (compiler version)
 */
public record CacheKeyFactors(
    String modelSha256,
    String variant,
    String compileConfig,
    String backend,
    String device,
    String engineVersion) {

  /**
   * Bump whenever any backend's generated code or the artifacts it saves change, so that entries
   * written by an older engine are never loaded (as Inductor's code hash and tinygrad's cache
   * {@code VERSION} do).
   */
  public static final int CODEGEN_VERSION = 1;

  /** The engine version of this build, the default {@link #engineVersion} factor. */
  public static final String ENGINE_VERSION = "ember-codegen-" + CODEGEN_VERSION;

  /** Version of the on-disk entry layout; hashed too, so a layout change starts fresh entries. */
  static final int LAYOUT_VERSION = 1;

  /** Hex digits of the factors' sha256 kept in the entry name: 128 bits. */
  static final int KEY_HEX_DIGITS = 32;

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  public CacheKeyFactors {
    Objects.requireNonNull(variant, "variant");
    Objects.requireNonNull(compileConfig, "compileConfig");
    if (modelSha256 == null || !SHA256_HEX.matcher(modelSha256).matches()) {
      throw new IllegalArgumentException(
          "CacheKeyFactors.modelSha256 must be 64 lowercase hex digits, but was '"
              + modelSha256
              + "'");
    }
    requireName("backend", backend);
    requireName("device", device);
    requireName("engineVersion", engineVersion);
  }

  /** Factors for a variant of a model, with this build's {@link #ENGINE_VERSION}. */
  public static CacheKeyFactors of(
      String modelSha256, VariantKey variant, String compileConfig, String device) {
    return new CacheKeyFactors(
        modelSha256, variant.canonical(), compileConfig, variant.backend(), device, ENGINE_VERSION);
  }

  /**
   * The canonical serialisation that is hashed: one {@code name=value} line per factor in a fixed
   * order, with backslash, CR and LF escaped so that no value can forge another line.
   */
  public String canonical() {
    StringBuilder sb = new StringBuilder();
    line(sb, "layout", Integer.toString(LAYOUT_VERSION));
    line(sb, "engine_version", engineVersion);
    line(sb, "backend", backend);
    line(sb, "device", device);
    line(sb, "model_sha256", modelSha256);
    line(sb, "compile_config", compileConfig);
    line(sb, "variant", variant);
    return sb.toString();
  }

  /** The entry's name: the first 32 hex digits of sha256({@link #canonical}). */
  public String key() {
    return Digests.sha256Hex(canonical().getBytes(StandardCharsets.UTF_8))
        .substring(0, KEY_HEX_DIGITS);
  }

  /** The text of the entry's {@code cache_key_factors} file: a header, then every factor. */
  String describe() {
    return String.format(
        "# Ember compile cache entry %s\n# Its name is the first %d hex digits of the sha256 of"
            + " the lines below (UTF-8).\n%s",
        key(), KEY_HEX_DIGITS, canonical());
  }

  private static void line(StringBuilder sb, String name, String value) {
    sb.append(name).append('=').append(escape(value)).append('\n');
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n");
  }

  private static void requireName(String what, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          "CacheKeyFactors." + what + " must be a non-blank string, but was '" + value + "'");
    }
  }
}
