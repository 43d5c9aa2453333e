package dev.ember.notebook;

import java.util.List;

/** A cell that did not compile or threw: its lines are the error the notebook shows. */
final class CellException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final List<String> lines;

  CellException(List<String> lines) {
    // No stack trace of its own: the kernel's frames would only hide the cell's error.
    super(String.join("\n", lines), null, false, false);
    this.lines = List.copyOf(lines);
  }

  List<String> lines() {
    return lines;
  }
}
