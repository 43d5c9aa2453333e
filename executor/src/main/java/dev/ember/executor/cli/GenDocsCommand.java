package dev.ember.executor.cli;

import dev.ember.executor.ops.OpRegistry;
import dev.ember.executor.ops.doc.SupportedOpsDoc;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code ember gen-docs}: regenerates docs/supported-ops.md from the op registry. */
final class GenDocsCommand implements Command {
  @Override
  public String name() {
    return "gen-docs";
  }

  @Override
  public String summary() {
    return "regenerate docs/supported-ops.md from the op registry";
  }

  @Override
  public String usage() {
    return "Usage: ember gen-docs [--output FILE]\n\n"
        + "Writes the supported-operator table. FILE defaults to "
        + SupportedOpsDoc.RELATIVE_PATH
        + "\nunder the repository root.\n";
  }

  @Override
  public int run(List<String> argv, CliContext ctx) {
    Args args = Args.parse(argv, Set.of("output"));
    String given = args.optional("output");
    Path out;
    if (given != null) {
      out = Path.of(given);
    } else if (ctx.emberHome() != null) {
      out = ctx.emberHome().resolve(SupportedOpsDoc.RELATIVE_PATH);
    } else {
      out = SupportedOpsDoc.defaultPath(Path.of("").toAbsolutePath());
    }
    SupportedOpsDoc.write(out, OpRegistry.standard());
    ctx.out()
        .println(
            "wrote "
                + out.toAbsolutePath().normalize()
                + " ("
                + OpRegistry.standard().all().size()
                + " ops)");
    return EmberCli.OK;
  }
}
