package dev.ember.notebook;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdk.jshell.JShell;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.SourceCodeAnalysis.CompletionInfo;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.history.HistoryManager;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;

/**
 * A Jupyter kernel for Java cells: each cell is split into JShell snippets and evaluated in this
 * JVM (JShell's {@code local} execution engine), so cells share the kernel's class path (Spark,
 * Ember, XChart) and its static state, and {@link Display} reaches the notebook. A snippet that
 * does not compile, or throws, ends the cell with an error, which a headless run
 * ({@code jupyter nbconvert --execute}) reports as a failed cell.
 *
 * <p>Started by Jupyter as {@code java ... dev.ember.notebook.EmberKernel CONNECTION_FILE} from
 * the generated {@code kernel.json}. Cells run one at a time, on Jupyter's shell thread.
 */
public final class EmberKernel extends BaseKernel {
  /** Imports every cell sees, as the {@code jshell} tool's default start-up has. */
  private static final List<String> DEFAULT_IMPORTS =
      List.of("java.util.*", "java.util.stream.*", "java.io.*", "java.nio.file.*");

  private final JShell shell;
  private final SourceCodeAnalysis analysis;

  private EmberKernel(
      String name,
      String version,
      HistoryManager history,
      JupyterIO io,
      CommManager comms,
      Renderer renderer,
      MagicsRegistry magics,
      StringStyler errorStyler) {
    super(
        name,
        version,
        new LanguageInfo.Builder("java")
            .version(Runtime.version().toString())
            .mimetype("text/x-java-source")
            .fileExtension(".jshell")
            .pygments("java")
            .codemirror("java")
            .build(),
        List.of(),
        history,
        io,
        comms,
        renderer,
        null, // no magics: cells are plain Java
        magics,
        false,
        errorStyler);
    this.shell = JShell.builder().executionEngine("local").build();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (!entry.isBlank()) {
        shell.addToClasspath(entry);
      }
    }
    this.analysis = shell.sourceCodeAnalysis();
    for (String pkg : DEFAULT_IMPORTS) {
      new CellRunner(shell, analysis).run("import " + pkg + ";");
    }
  }

  /** Starts the kernel on the connection file Jupyter names; returns when Jupyter shuts it down. */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: EmberKernel CONNECTION_FILE (Jupyter passes it; see kernel.json)");
      System.exit(2);
    }
    // Spark's log4j console appender keeps the stream it first sees: let it see the kernel's
    // stderr now, before a cell swaps System.err for the notebook's, so logs stay in the terminal.
    org.apache.logging.log4j.LogManager.getRootLogger();
    String json = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
    JupyterConnection connection =
        new JupyterConnection(KernelConnectionProperties.parse(json));
    EmberKernel kernel = new Builder().name("ember-java").version("0.1.0").build();
    Display.attach(kernel);
    kernel.becomeHandlerForConnection(connection);
    connection.connect();
    connection.waitUntilClose();
    kernel.shell.close();
  }

  @Override
  public Object evalRaw(String code) {
    return new CellRunner(shell, analysis).run(code);
  }

  @Override
  public DisplayData inspect(String code, int at, boolean extraDetail) {
    List<SourceCodeAnalysis.Documentation> docs = analysis.documentation(code, at, false);
    if (docs.isEmpty()) {
      return null;
    }
    StringBuilder text = new StringBuilder();
    for (SourceCodeAnalysis.Documentation d : docs) {
      text.append(d.signature()).append('\n');
    }
    return new DisplayData(text.toString());
  }

  @Override
  public ReplacementOptions complete(String code, int at) {
    int[] anchor = new int[1];
    List<String> names = new ArrayList<>();
    for (SourceCodeAnalysis.Suggestion s : analysis.completionSuggestions(code, at, anchor)) {
      if (!names.contains(s.continuation())) {
        names.add(s.continuation());
      }
    }
    return new ReplacementOptions(names, anchor[0], at);
  }

  @Override
  public String isComplete(String code) {
    String rest = code;
    while (!rest.isBlank()) {
      CompletionInfo info = analysis.analyzeCompletion(rest);
      if (info.completeness() == Completeness.DEFINITELY_INCOMPLETE) {
        return "    "; // Jupyter's answer for "wait for more lines", as the indent to use
      }
      if (!info.completeness().isComplete()) {
        return info.completeness() == Completeness.EMPTY ? IS_COMPLETE_YES : IS_COMPLETE_MAYBE;
      }
      rest = info.remaining();
    }
    return IS_COMPLETE_YES;
  }

  @Override
  public void interrupt() {
    shell.stop();
  }

  @Override
  public List<String> formatError(Throwable e) {
    return e instanceof CellException c ? c.lines() : super.formatError(e);
  }

  @Override
  public void onShutdown(boolean restart) {
    shell.close();
  }

  /** Gives the constructor the parts {@link BaseKernelBuilder} knows how to build. */
  private static final class Builder extends BaseKernelBuilder<Builder, EmberKernel> {
    @Override
    public EmberKernel build() {
      return new EmberKernel(
          buildName(),
          buildVersion(),
          buildHistoryManager(),
          buildJupyterIO(buildJupyterIOEncoding()),
          buildCommManager(),
          buildRenderer(),
          buildMagicsRegistry(),
          buildErrorStyler());
    }
  }
}
