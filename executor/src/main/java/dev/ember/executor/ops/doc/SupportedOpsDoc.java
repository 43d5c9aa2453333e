package dev.ember.executor.ops.doc;

import dev.ember.executor.errors.ErrorCode;
import dev.ember.executor.errors.Errors;
import dev.ember.executor.ir.DType;
import dev.ember.executor.ir.NonTensorOps;
import dev.ember.executor.ops.OpDef;
import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.ops.OpSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes {@code docs/supported-ops.md} from the op registry, so the page always lists what the
 * engine implements. A unit test fails when the checked-in page differs from {@link #render}.
 *
 * <pre>{@code
 * bin/ember gen-docs
 * # or: mvn -q -pl executor compile exec:java   (main class and path are set in the pom)
 * }</pre>
 */
public final class SupportedOpsDoc {
  /** The page's path relative to the repository root. */
  public static final String RELATIVE_PATH = "docs/supported-ops.md";

  /** How to regenerate the page, for the page itself and for the staleness test. */
  public static final String REGENERATE =
      "`bin/ember gen-docs` (or `mvn -q -pl executor compile exec:java` from the repo root)";

  // Ops may not know the backends (ArchitectureTest); OrtFallbackTest checks this against
  // BackendPolicy.ORT_COORDINATES.
  private static final String ORT_JAR = "com.microsoft.onnxruntime:onnxruntime:1.23.2";

  private SupportedOpsDoc() {}

  /**
   * Writes the page. With one argument, to that path; with none, to {@link #RELATIVE_PATH} under
   * the repository root found from the working directory.
   */
  public static void main(String[] args) {
    Path out = args.length > 0 ? Path.of(args[0]) : defaultPath(Path.of("").toAbsolutePath());
    out = out.toAbsolutePath().normalize();
    write(out, OpRegistry.standard());
    System.out.println("wrote " + out);
  }

  /** The page's Markdown; deterministic (ops sorted by domain and name, types in enum order). */
  public static String render(OpRegistry registry) {
    List<OpDef> ops = registry.all();
    StringBuilder sb = new StringBuilder();
    sb.append("<!-- Generated from OpRegistry by ")
        .append(SupportedOpsDoc.class.getName())
        .append(". Do not edit: regenerate instead. -->\n\n");
    sb.append("# Supported ONNX operators\n\n");
    sb.append("Generated, do not edit. Regenerate with ").append(REGENERATE).append(".\n\n");
    sb.append(ops.size())
        .append(" operators. A model's opset is served by the highest listed ")
        .append("version at or below it; default-domain opsets above ")
        .append(OpRegistry.MAX_KNOWN_OPSET)
        .append(" are refused. A model with an op not listed here runs on ONNX Runtime")
        .append(" under `spark.ember.backend=auto` (the default; predict UDFs at compile levels")
        .append(" 1-3) when ").append(ORT_JAR).append(" is on the")
        .append(" executors' classpath, and fails with UNSUPPORTED_OP under `ember`.\n\n");
    sb.append("Backends, one column each (from each op's `compiledForm()`):\n\n")
        .append("- **Interpreter** (level 0, and the fallback): every op, through its reference ")
        .append("kernel.\n")
        .append("- **CPU compiled** (cpu-janino): `fused loop`, `own kernel` and `view, no copy` ")
        .append("are generated code; `reference kernel` means the compiled code calls the ")
        .append("interpreter's kernel for that node. Generated code covers float tensors of ")
        .append("known rank; other nodes of any op also call the reference kernel, and ")
        .append("`bin/ember explain` names each such node with its reason.\n")
        .append("- **CUDA** (cuda-nvrtc): the same generated forms; a graph holding a node the ")
        .append("CUDA backend cannot generate (`refused`) is refused with UNSUPPORTED_OP ")
        .append("naming the node.\n\n");
    sb.append("| Op | Domain | Since opset | Element types | Interpreter | CPU compiled | CUDA ")
        .append("| Summary |\n");
    sb.append("|----|--------|-------------|---------------|-------------|--------------|------")
        .append("|---------|\n");
    for (OpDef op : ops) {
      OpSpec s = op.spec();
      sb.append("| ")
          .append(cell(s.opType()))
          .append(" | ")
          .append(s.domain().isEmpty() ? "ai.onnx" : cell(s.domain()))
          .append(" | ")
          .append(s.sinceVersions().stream().map(String::valueOf).collect(Collectors.joining(", ")))
          .append(" | ")
          .append(types(s))
          .append(" | yes | ")
          .append(op.compiledForm().cpuCell())
          .append(" | ")
          .append(op.compiledForm().cudaCell())
          .append(" | ")
          .append(cell(s.summary()))
          .append(" |\n");
    }
    sb.append("\n## Refused on purpose\n\n")
        .append("These ops produce sequences or maps, which Ember's tensor-only IR cannot hold; ")
        .append("a model using one fails with UNSUPPORTED_OP and this advice.\n\n")
        .append("| Op | Domain | Why | What to do |\n")
        .append("|----|--------|-----|------------|\n");
    for (NonTensorOps.Refusal r : NonTensorOps.ALL) {
      sb.append("| ").append(cell(r.opType())).append(" | ")
          .append(r.domain().isEmpty() ? "ai.onnx" : cell(r.domain())).append(" | ")
          .append(cell(r.why())).append(" | ").append(cell(r.fix())).append(" |\n");
    }
    return sb.toString();
  }

  /** Renders and writes the page, creating its folder if needed. */
  public static void write(Path file, OpRegistry registry) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, render(registry), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw Errors.of(
          ErrorCode.IO_ERROR,
          "cannot write '" + file + "': " + e,
          "check the folder is writable",
          e);
    }
  }

  /** {@link #RELATIVE_PATH} under the first folder at or above {@code from} with executor/. */
  public static Path defaultPath(Path from) {
    for (Path p = from; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("executor/pom.xml"))) {
        return p.resolve(RELATIVE_PATH);
      }
    }
    throw Errors.of(
        ErrorCode.IO_ERROR,
        "cannot find the Ember repository (a folder holding executor/pom.xml) at or above '"
            + from
            + "'",
        "run from inside the repository or pass the output path");
  }

  private static String types(OpSpec s) {
    if (s.types().isEmpty()) {
      return "-";
    }
    EnumSet<DType> sorted = EnumSet.copyOf(s.types());
    return sorted.stream().map(DType::onnxLowerName).collect(Collectors.joining(", "));
  }

  /** Keeps a value inside one table cell. */
  private static String cell(String s) {
    return s.replace("\\", "\\\\").replace("|", "\\|").replace('\n', ' ').strip();
  }
}
