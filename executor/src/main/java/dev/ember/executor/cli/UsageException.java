package dev.ember.executor.cli;

/** A command line the CLI cannot understand; reported with the usage text and exit code 2. */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
