package dev.ember.executor.cli;

import java.util.List;

/**
 * One {@code ember <name>} subcommand. Commands report failures by throwing: an {@code
 * EmberException} becomes its message and exit code 1, a {@link UsageException} the usage text and
 * exit code 2. Register new commands in {@link EmberCli#COMMANDS}.
 */
interface Command {
  /** The word after {@code ember}. */
  String name();

  /** One line for the command list. */
  String summary();

  /** The full usage text, starting with "Usage: ember <name> ...". */
  String usage();

  /** Runs the command; returns the exit code (0 on success). */
  int run(List<String> args, CliContext ctx);
}
