package dev.ember.executor.cli;

import dev.ember.executor.errors.EmberException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code ember} command line ({@code bin/ember} launches it). Exit codes: 0 success, 1 a
 * failure (the error message goes to stderr; the stack trace too when {@code EMBER_DEBUG=1}), 2 a
 * usage error (with the usage text).
 *
 * <pre>{@code
 * bin/ember run-onnx --model model.onnx --inputs test_data_set_0 --output /tmp/out
 * bin/ember gen-docs
 * }</pre>
 */
public final class EmberCli {
  /** Every subcommand, in the order the help lists them. */
  static final List<Command> COMMANDS = List.of(new RunOnnxCommand(), new GenDocsCommand());

  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  private EmberCli() {}

  public static void main(String[] args) {
    // The CLI is the one place that reads the process environment; everything below gets it
    // through CliContext.
    String home = System.getProperty("ember.home");
    CliContext ctx =
        new CliContext(
            System.out,
            System.err,
            "1".equals(System.getenv("EMBER_DEBUG")),
            home == null || home.isEmpty() ? null : Path.of(home));
    System.exit(run(Arrays.asList(args), ctx));
  }

  /** Runs one command line and returns its exit code; never calls System.exit. */
  static int run(List<String> args, CliContext ctx) {
    if (args.isEmpty()) {
      ctx.err().print(usage());
      return USAGE;
    }
    String name = args.get(0);
    if (List.of("-h", "--help", "help").contains(name)) {
      ctx.out().print(usage());
      return OK;
    }
    Command cmd = COMMANDS.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    if (cmd == null) {
      ctx.err().println("ember: unknown command '" + name + "'");
      ctx.err().print(usage());
      return USAGE;
    }
    List<String> rest = args.subList(1, args.size());
    if (rest.contains("-h") || rest.contains("--help")) {
      ctx.out().print(cmd.usage());
      return OK;
    }
    try {
      return cmd.run(rest, ctx);
    } catch (UsageException e) {
      ctx.err().println("ember " + name + ": " + e.getMessage());
      ctx.err().print(cmd.usage());
      return USAGE;
    } catch (EmberException e) {
      ctx.err().println("ember " + name + ": " + e.getMessage());
      trace(ctx, e);
      return FAILED;
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
      ctx.err()
          .println(
              "ember "
                  + name
                  + ": internal error: "
                  + e
                  + (ctx.debug() ? "" : " (rerun with EMBER_DEBUG=1 for the stack trace)")
                  + "; please report it as an Ember bug");
      trace(ctx, e);
      return FAILED;
    }
  }

  private static void trace(CliContext ctx, Throwable e) {
    if (ctx.debug()) {
      e.printStackTrace(ctx.err());
    }
  }

  static String usage() {
    StringBuilder sb = new StringBuilder("Usage: ember <command> [options]\n\nCommands:\n");
    for (Command c : COMMANDS) {
      sb.append(String.format("  %-10s %s%n", c.name(), c.summary()));
    }
    sb.append("\n'ember <command> --help' shows a command's options. ")
        .append("Set EMBER_DEBUG=1 to print stack traces.\n");
    return sb.toString();
  }
}
