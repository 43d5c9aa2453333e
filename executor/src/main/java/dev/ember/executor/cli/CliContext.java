package dev.ember.executor.cli;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * What a command may use from its environment, read once by {@link EmberCli}: where to print,
 * whether to show stack traces, and the repository root when {@code bin/ember} passed it.
 *
 * @param emberHome the repository root ({@code -Dember.home}), or null when not launched by
 *     bin/ember
 */
record CliContext(PrintStream out, PrintStream err, boolean debug, Path emberHome) {}
