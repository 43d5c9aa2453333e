package dev.ember.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import jdk.jshell.VarSnippet;

/**
 * Runs one cell: splits it into complete snippets (statements, declarations, expressions) the way
 * the {@code jshell} tool does, evaluates them in order and stops at the first that does not
 * compile, stays unresolved or throws, with a {@link CellException} that says which and why.
 */
final class CellRunner {
  /** Stack frames shown per exception before the cell's own frame. */
  private static final int MAX_FRAMES = 12;

  private final JShell shell;
  private final SourceCodeAnalysis analysis;

  CellRunner(JShell shell, SourceCodeAnalysis analysis) {
    this.shell = shell;
    this.analysis = analysis;
  }

  /**
   * The value of the cell's last snippet when it is an expression written without a closing
   * semicolon, else {@code null}.
   */
  String run(String code) {
    String rest = code;
    String value = null;
    while (!rest.isBlank()) {
      CompletionInfo info = analysis.analyzeCompletion(rest);
      if (info.completeness() == Completeness.EMPTY) {
        break; // only comments left
      }
      if (info.completeness() == Completeness.DEFINITELY_INCOMPLETE) {
        throw new CellException(
            List.of("error: the cell ends inside a statement:", indent(rest.strip())));
      }
      // UNKNOWN and incomplete-but-plausible sources go to the compiler, which says what is wrong.
      String source = info.completeness().isComplete() ? info.source() : rest;
      rest = info.completeness().isComplete() ? info.remaining() : "";
      String v = evalSnippet(source);
      // As in Jupyter's other kernels, an expression shows its value only without a closing
      // semicolon: `x * 2` shows, `System.out.printf(...);` does not.
      value = source.strip().endsWith(";") ? null : v;
    }
    return value;
  }

  private String evalSnippet(String source) {
    String value = null;
    for (SnippetEvent e : shell.eval(source)) {
      if (e.causeSnippet() != null) {
        continue; // a dependent snippet updated by this one
      }
      Snippet s = e.snippet();
      switch (e.status()) {
        case REJECTED -> throw new CellException(compileErrors(s));
        case RECOVERABLE_DEFINED, RECOVERABLE_NOT_DEFINED -> throw new CellException(
            List.of("error: " + s.source().strip().lines().findFirst().orElse("")
                + " refers to what is not defined: "
                + shell.unresolvedDependencies((jdk.jshell.DeclarationSnippet) s)
                    .collect(Collectors.joining(", "))));
        default -> { }
      }
      if (e.exception() != null) {
        throw new CellException(thrown(e.exception()));
      }
      boolean expression = s.kind() == Snippet.Kind.EXPRESSION
          || (s instanceof VarSnippet v
              && v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND);
      value = expression && !"void".equals(typeOf(s)) ? e.value() : null;
    }
    return value;
  }

  private static String typeOf(Snippet s) {
    return s instanceof VarSnippet v ? v.typeName() : "";
  }

  private List<String> compileErrors(Snippet s) {
    List<String> lines = new ArrayList<>();
    String src = s.source();
    for (Diag d : shell.diagnostics(s).toList()) {
      if (!d.isError()) {
        continue;
      }
      lines.add("error: " + d.getMessage(Locale.ROOT));
      int at = (int) Math.max(0, Math.min(d.getStartPosition(), src.length()));
      int lineStart = src.lastIndexOf('\n', Math.max(0, at - 1)) + 1;
      int lineEnd = src.indexOf('\n', at);
      lines.add(indent(src.substring(lineStart, lineEnd < 0 ? src.length() : lineEnd)));
      lines.add(indent(" ".repeat(at - lineStart) + "^"));
    }
    if (lines.isEmpty()) {
      lines.add("error: this snippet does not compile: " + src.strip());
    }
    return lines;
  }

  /** The exception chain as the user's code saw it, trimmed at the cell's own frame. */
  private static List<String> thrown(JShellException e) {
    List<String> lines = new ArrayList<>();
    Throwable t = e;
    String prefix = "";
    while (t != null) {
      String name = t instanceof EvalException ee ? ee.getExceptionClassName()
          : t.getClass().getName();
      lines.add(prefix + name + (t.getMessage() == null ? "" : ": " + t.getMessage()));
      int shown = 0;
      for (StackTraceElement f : t.getStackTrace()) {
        if (shown++ == MAX_FRAMES) {
          lines.add("    ...");
          break;
        }
        lines.add("    at " + f);
        if (f.getClassName().startsWith("REPL.")) {
          break; // the cell itself: JShell's own frames below it say nothing
        }
      }
      t = t.getCause();
      prefix = "Caused by: ";
    }
    return lines;
  }

  private static String indent(String s) {
    return s.lines().map(l -> "    " + l).collect(Collectors.joining("\n"));
  }
}
